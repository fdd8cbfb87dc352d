// IPv6CP (RFC 5072).  See ipv6cp.hpp.
#include "controlplane/ppp/ipv6cp.hpp"

namespace lns::cp::ppp {

namespace {

void put_id_option(PacketWriter &w, uint8_t type, uint64_t id) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = uint8_t(id >> (56 - 8 * i));
    w.put_option(type, b);
}

uint64_t load_be64(const uint8_t *p) { return uint64_t(load_be32(p)) << 32 | load_be32(p + 4); }

// Interface-Identifier (RFC 5072 §4.1).
class InterfaceIdOption final : public OptionHandler<Ipv6cpCtx> {
public:
    InterfaceIdOption() : OptionHandler(ipv6cp_opt::kInterfaceId) {}

    void reset(Ipv6cpCtx &c) const override {
        if (c.n.local == 0) c.n.local = draw_interface_id(c.rnd, c.n.assign_peer);
        c.n.want = c.cfg.request_interface_id;
        c.n.hinted = false;
    }
    bool wanted(const Ipv6cpCtx &c) const override { return c.n.want; }
    void write(const Ipv6cpCtx &c, PacketWriter &w) const override {
        put_id_option(w, type(), c.n.local);
    }
    // The peer suggests an identifier for us: taken if usable, else we draw anew.
    Applied naked(Ipv6cpCtx &c, std::span<const uint8_t> value) const override {
        if (value.size() != 8) return {Applied::malformed, Reason::none};
        if (!c.n.want) return {};
        const uint64_t v = load_be64(value.data());
        if (c.cfg.accept_id_nak && v != 0 && v != c.n.peer) {
            c.n.local = v;
        } else {
            c.n.local = draw_interface_id(c.rnd, c.n.peer != 0 ? c.n.peer : c.n.local);
        }
        return {};
    }
    Applied rejected(Ipv6cpCtx &c) const override {
        c.n.want = false;
        return {};
    }
    void peer_reset(Ipv6cpCtx &c) const override { c.n.peer = 0; }
    Verdict check(Ipv6cpCtx &c, std::span<const uint8_t> value, PacketWriter &nak) const override {
        if (value.size() != 8) return Verdict::malformed;
        const uint64_t v = load_be64(value.data());
        const uint64_t assigned = c.n.assign_peer != c.n.local ? c.n.assign_peer : 0;
        if (assigned != 0 && v != assigned) return suggest(c, nak, assigned);
        if (v == 0 || v == c.n.local) {
            if (v != 0) ++c.ctr.id_collisions;
            return suggest(c, nak, draw_interface_id(c.rnd, c.n.local));
        }
        c.n.peer = v;
        return Verdict::ack;
    }
    bool hint(Ipv6cpCtx &c, PacketWriter &nak) const override {
        if (c.n.assign_peer == 0 || c.n.assign_peer == c.n.local || c.n.hinted) return false;
        c.n.hinted = true;
        suggest(c, nak, c.n.assign_peer);
        return true;
    }

private:
    Verdict suggest(Ipv6cpCtx &c, PacketWriter &nak, uint64_t id) const {
        ++c.ctr.id_naks;
        put_id_option(nak, type(), id);
        return Verdict::nak;
    }
};

const InterfaceIdOption kInterfaceIdOption;
const OptionHandler<Ipv6cpCtx> *const kIpv6cpOptions[] = {&kInterfaceIdOption};

}  // namespace

OptionTable<Ipv6cpCtx> ipv6cp_option_table() { return kIpv6cpOptions; }

uint64_t draw_interface_id(Random &rnd, uint64_t avoid) {
    for (int i = 0; i < 8; ++i) {
        const uint64_t v = rnd.next();
        if (v != 0 && v != avoid) return v;
    }
    return avoid == 0x0200'5eff'fe00'0001ull ? 0x0200'5eff'fe00'0002ull : 0x0200'5eff'fe00'0001ull;
}

Ipv6cp::Ipv6cp(Ipv6cpShared &shared, Output &out, NoticeSink &sink)
    : Fsm(kProtoIpv6cp, &shared.config.fsm, &shared.counters.fsm, &out, &sink), sh_(&shared) {}

Ipv6cpCtx Ipv6cp::ctx() const {
    auto *self = const_cast<Ipv6cp *>(this);
    return {self->n_, sh_->config, sh_->counters, sh_->rng()};
}

void Ipv6cp::reset_request() {
    Ipv6cpCtx c = ctx();
    reset_options(ipv6cp_option_table(), c);
}

void Ipv6cp::write_request(PacketWriter &w) const {
    write_options(ipv6cp_option_table(), ctx(), w);
}

uint8_t Ipv6cp::check_request(std::span<const uint8_t> options, uint8_t id,
                              bool reject_if_disagree, PacketWriter &reply) {
    Ipv6cpCtx c = ctx();
    return check_options(ipv6cp_option_table(), c, options, id, reject_if_disagree, reply,
                         sh_->counters.fsm);
}

Applied Ipv6cp::apply_nak(std::span<const uint8_t> options) {
    Ipv6cpCtx c = ctx();
    return apply_nak_options(ipv6cp_option_table(), c, options, sh_->counters.fsm);
}

Applied Ipv6cp::apply_reject(std::span<const uint8_t> options) {
    Ipv6cpCtx c = ctx();
    return apply_reject_options(ipv6cp_option_table(), c, options);
}

}  // namespace lns::cp::ppp
