// IPCP (RFC 1332, RFC 1877).  See ipcp.hpp.
#include "controlplane/ppp/ipcp.hpp"

namespace lns::cp::ppp {

namespace {

void put_addr_option(PacketWriter &w, uint8_t type, uint32_t v) {
    const uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    w.put_option(type, b);
}

constexpr uint8_t kWantAddress = 1;

// IP-Address (RFC 1332 §3.3).
class IpAddressOption final : public OptionHandler<IpcpCtx> {
public:
    IpAddressOption() : OptionHandler(ipcp_opt::kIpAddress) {}

    void reset(IpcpCtx &c) const override {
        c.n.local = c.n.local_initial;
        const bool want = c.cfg.request_address && (c.n.local != 0 || c.cfg.accept_address_nak);
        c.n.want = uint8_t(want ? c.n.want | kWantAddress : c.n.want & ~kWantAddress);
        c.n.hinted = false;
    }
    bool wanted(const IpcpCtx &c) const override { return c.n.want & kWantAddress; }
    void write(const IpcpCtx &c, PacketWriter &w) const override {
        put_addr_option(w, type(), c.n.local);
    }
    Applied acked(IpcpCtx &c) const override {
        if (c.cfg.address_required && c.n.local == 0) return {Applied::fail, Reason::no_address};
        return {};
    }
    // The peer assigns us an address (or hints one we did not ask about).
    Applied naked(IpcpCtx &c, std::span<const uint8_t> value) const override {
        if (value.size() != 4) return {Applied::malformed, Reason::none};
        if (!c.cfg.accept_address_nak) return {};
        const uint32_t v = load_be32(value.data());
        if (v != 0) {
            c.n.local = v;
            c.n.want |= kWantAddress;
        }
        return {};
    }
    Applied rejected(IpcpCtx &c) const override {
        c.n.want &= uint8_t(~kWantAddress);
        if (c.cfg.address_required) return {Applied::fail, Reason::no_address};
        return {};
    }
    void peer_reset(IpcpCtx &c) const override { c.n.peer = 0; }
    Verdict check(IpcpCtx &c, std::span<const uint8_t> value, PacketWriter &nak) const override {
        if (value.size() != 4) return Verdict::malformed;
        const uint32_t v = load_be32(value.data());
        if (c.n.assign_peer != 0) {
            if (v == c.n.assign_peer) {
                c.n.peer = v;
                return Verdict::ack;
            }
            ++c.ctr.address_naks;
            put_addr_option(nak, type(), c.n.assign_peer);
            return Verdict::nak;
        }
        if (c.cfg.accept_peer_address && v != 0) {
            c.n.peer = v;
            return Verdict::ack;
        }
        return Verdict::reject;
    }
    // RFC 1332 §3.3: a peer that does not ask for an address is told the assigned one.
    bool hint(IpcpCtx &c, PacketWriter &nak) const override {
        if (c.n.assign_peer == 0 || c.n.hinted) return false;
        c.n.hinted = true;
        ++c.ctr.address_naks;
        put_addr_option(nak, type(), c.n.assign_peer);
        return true;
    }
};

// Primary/Secondary DNS and NBNS server addresses (RFC 1877 §1.1-1.4): requested
// as 0.0.0.0 by a client, served (Nak'd to our value) by an LNS.
class ServerAddressOption final : public OptionHandler<IpcpCtx> {
public:
    explicit ServerAddressOption(uint8_t type) : OptionHandler(type), i_(uint8_t(type - 129)) {}

    bool requested(const IpcpCtx &c) const {
        return (i_ % 2 == 0) ? c.cfg.request_dns : c.cfg.request_nbns;
    }
    uint8_t bit() const { return uint8_t(2u << i_); }
    void reset(IpcpCtx &c) const override {
        c.n.learned[i_] = 0;
        c.n.want = uint8_t(requested(c) ? c.n.want | bit() : c.n.want & ~bit());
    }
    bool wanted(const IpcpCtx &c) const override { return c.n.want & bit(); }
    void write(const IpcpCtx &c, PacketWriter &w) const override {
        put_addr_option(w, type(), c.n.learned[i_]);
    }
    Applied naked(IpcpCtx &c, std::span<const uint8_t> value) const override {
        if (value.size() != 4) return {Applied::malformed, Reason::none};
        if (wanted(c)) c.n.learned[i_] = load_be32(value.data());
        return {};
    }
    Applied rejected(IpcpCtx &c) const override {
        c.n.want &= uint8_t(~bit());
        return {};
    }
    void peer_reset(IpcpCtx &c) const override { c.n.peer_has &= uint8_t(~(1u << i_)); }
    Verdict check(IpcpCtx &c, std::span<const uint8_t> value, PacketWriter &nak) const override {
        if (value.size() != 4) return Verdict::malformed;
        const uint32_t ours = c.n.serve[i_];
        if (ours == 0) return Verdict::reject;
        if (load_be32(value.data()) == ours) {
            c.n.peer_has |= uint8_t(1u << i_);
            return Verdict::ack;
        }
        put_addr_option(nak, type(), ours);
        return Verdict::nak;
    }

private:
    uint8_t i_;
};

const IpAddressOption kIpAddressOption;
const ServerAddressOption kPrimaryDnsOption(ipcp_opt::kPrimaryDns);
const ServerAddressOption kPrimaryNbnsOption(ipcp_opt::kPrimaryNbns);
const ServerAddressOption kSecondaryDnsOption(ipcp_opt::kSecondaryDns);
const ServerAddressOption kSecondaryNbnsOption(ipcp_opt::kSecondaryNbns);

const OptionHandler<IpcpCtx> *const kIpcpOptions[] = {
    &kIpAddressOption, &kPrimaryDnsOption, &kPrimaryNbnsOption, &kSecondaryDnsOption,
    &kSecondaryNbnsOption};

}  // namespace

OptionTable<IpcpCtx> ipcp_option_table() { return kIpcpOptions; }

IpcpConfig IpcpConfig::lns() { return IpcpConfig{}; }

IpcpConfig IpcpConfig::client() {
    IpcpConfig c;
    c.accept_address_nak = true;
    c.address_required = true;
    c.request_dns = true;
    c.accept_peer_address = true;
    return c;
}

Ipcp::Ipcp(IpcpShared &shared, Output &out, NoticeSink &sink)
    : Fsm(kProtoIpcp, &shared.config.fsm, &shared.counters.fsm, &out, &sink), sh_(&shared) {}

IpcpCtx Ipcp::ctx() const {
    auto *self = const_cast<Ipcp *>(this);
    return {self->n_, sh_->config, sh_->counters};
}

void Ipcp::set_assignment(const IpcpAssignment &a) {
    n_.assign_peer = a.peer_address;
    n_.serve[0] = a.dns[0];
    n_.serve[1] = a.nbns[0];
    n_.serve[2] = a.dns[1];
    n_.serve[3] = a.nbns[1];
}

IpcpResult Ipcp::result() const {
    IpcpResult r;
    r.local_address = n_.local;
    r.peer_address = n_.peer;
    uint32_t v[4];
    for (int i = 0; i < 4; ++i) {
        const bool asked = n_.want & (2u << i);
        const bool given = n_.peer_has & (1u << i);
        v[i] = asked ? n_.learned[i] : given ? n_.serve[i] : 0;
    }
    r.dns[0] = v[0], r.nbns[0] = v[1], r.dns[1] = v[2], r.nbns[1] = v[3];
    return r;
}

void Ipcp::reset_request() {
    IpcpCtx c = ctx();
    reset_options(ipcp_option_table(), c);
}

void Ipcp::write_request(PacketWriter &w) const { write_options(ipcp_option_table(), ctx(), w); }

uint8_t Ipcp::check_request(std::span<const uint8_t> options, uint8_t id, bool reject_if_disagree,
                            PacketWriter &reply) {
    IpcpCtx c = ctx();
    return check_options(ipcp_option_table(), c, options, id, reject_if_disagree, reply,
                         sh_->counters.fsm);
}

Applied Ipcp::apply_ack() {
    IpcpCtx c = ctx();
    return apply_ack_options(ipcp_option_table(), c);
}

Applied Ipcp::apply_nak(std::span<const uint8_t> options) {
    IpcpCtx c = ctx();
    return apply_nak_options(ipcp_option_table(), c, options, sh_->counters.fsm);
}

Applied Ipcp::apply_reject(std::span<const uint8_t> options) {
    IpcpCtx c = ctx();
    return apply_reject_options(ipcp_option_table(), c, options);
}

}  // namespace lns::cp::ppp
