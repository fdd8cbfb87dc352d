// LCP option handlers, one class per option (RFC 1661 §6).  See lcp_options.hpp.
#include "controlplane/ppp/lcp_options.hpp"

#include <algorithm>

namespace lns::cp::ppp {

namespace {

void put_u16_option(PacketWriter &w, uint8_t type, uint16_t v) {
    const uint8_t b[2] = {uint8_t(v >> 8), uint8_t(v)};
    w.put_option(type, b);
}

void put_u32_option(PacketWriter &w, uint8_t type, uint32_t v) {
    const uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    w.put_option(type, b);
}

void put_auth_option(PacketWriter &w, AuthProtocol p) {
    uint8_t v[3];
    const size_t n = auth_option_value(p, v);
    w.put_option(lcp_opt::kAuthProtocol, {v, n});
}

// Maximum-Receive-Unit (§6.1).  Ours is clamped to the tunnel path; the peer's is
// Nak'd into [min_peer_mru, path_mru].
class MruOption final : public OptionHandler<LcpCtx> {
public:
    MruOption() : OptionHandler(lcp_opt::kMru) {}

    static uint16_t our_max(const LcpCtx &c) {
        return c.cfg.mru == 0 ? kDefaultMru : std::min(c.cfg.mru, c.n.path_mru);
    }
    void reset(LcpCtx &c) const override {
        c.n.want_mru = c.cfg.mru != 0;
        c.n.our_mru = our_max(c);
    }
    bool wanted(const LcpCtx &c) const override { return c.n.want_mru; }
    void write(const LcpCtx &c, PacketWriter &w) const override {
        put_u16_option(w, type(), c.n.our_mru);
    }
    // The peer suggests another MRU: taken when we can receive it over the path.
    Applied naked(LcpCtx &c, std::span<const uint8_t> value) const override {
        if (value.size() != 2) return {Applied::malformed, Reason::none};
        const uint16_t v = load_be16(value.data());
        if (v >= kMinMru && v <= our_max(c)) {
            c.n.our_mru = v;
            c.n.want_mru = true;
        }
        return {};
    }
    Applied rejected(LcpCtx &c) const override {
        c.n.want_mru = false;
        c.n.our_mru = kDefaultMru;
        return {};
    }
    void peer_reset(LcpCtx &c) const override { c.n.peer_mru = kDefaultMru; }
    Verdict check(LcpCtx &c, std::span<const uint8_t> value, PacketWriter &nak) const override {
        if (value.size() != 2) return Verdict::malformed;
        const uint16_t v = load_be16(value.data());
        if (v < c.cfg.min_peer_mru) {
            put_u16_option(nak, type(), c.cfg.min_peer_mru);
            return Verdict::nak;
        }
        if (c.cfg.nak_peer_mru_above_path && v > c.n.path_mru) {
            put_u16_option(nak, type(), c.n.path_mru);
            return Verdict::nak;
        }
        c.n.peer_mru = v;
        return Verdict::ack;
    }
};

// Authentication-Protocol (§6.2): requested from request_auth in preference order;
// the peer's request accepted from accept_auth, else Nak'd with accept_auth[0].
class AuthOption final : public OptionHandler<LcpCtx> {
public:
    AuthOption() : OptionHandler(lcp_opt::kAuthProtocol) {}

    void reset(LcpCtx &c) const override { c.n.auth_index = 0; }
    bool wanted(const LcpCtx &c) const override {
        return c.n.auth_index < c.cfg.request_auth.size();
    }
    void write(const LcpCtx &c, PacketWriter &w) const override {
        put_auth_option(w, c.cfg.request_auth[c.n.auth_index]);
    }
    // The peer prefers another protocol: taken if we allow it, else our next choice.
    Applied naked(LcpCtx &c, std::span<const uint8_t> value) const override {
        if (value.size() < 2) return {Applied::malformed, Reason::none};
        if (!wanted(c)) return {};  // a hint while we require nothing: ignored
        const auto &list = c.cfg.request_auth;
        AuthProtocol p;
        const bool known = auth_protocol_from_option(value, &p);
        const auto it = known ? std::find(list.begin(), list.end(), p) : list.end();
        if (it != list.end()) {
            c.n.auth_index = uint8_t(it - list.begin());
            return {};
        }
        ++c.n.auth_index;
        return wanted(c) ? Applied{} : give_up(c);
    }
    Applied rejected(LcpCtx &c) const override {
        c.n.auth_index = uint8_t(c.cfg.request_auth.size());
        return give_up(c);
    }
    void peer_reset(LcpCtx &c) const override { c.n.peer_requires.reset(); }
    Verdict check(LcpCtx &c, std::span<const uint8_t> value, PacketWriter &nak) const override {
        if (value.size() < 2) return Verdict::malformed;
        const auto &acc = c.cfg.accept_auth;
        if (acc.empty()) return Verdict::reject;
        AuthProtocol p;
        if (auth_protocol_from_option(value, &p) &&
            std::find(acc.begin(), acc.end(), p) != acc.end()) {
            c.n.peer_requires = p;
            return Verdict::ack;
        }
        put_auth_option(nak, acc.front());
        return Verdict::nak;
    }

private:
    static Applied give_up(LcpCtx &c) {
        c.n.auth_index = uint8_t(c.cfg.request_auth.size());
        if (c.cfg.auth_required) return {Applied::fail, Reason::option_refused};
        return {};
    }
};

// Magic-Number (§6.4) with loop detection.
class MagicOption final : public OptionHandler<LcpCtx> {
public:
    MagicOption() : OptionHandler(lcp_opt::kMagicNumber) {}

    void reset(LcpCtx &c) const override {
        c.n.want_magic = c.cfg.magic;
        c.n.our_magic = c.cfg.magic ? draw_magic(c.rnd, 0) : 0;
        c.n.last_nak_magic = 0;
    }
    bool wanted(const LcpCtx &c) const override { return c.n.want_magic; }
    void write(const LcpCtx &c, PacketWriter &w) const override {
        put_u32_option(w, type(), c.n.our_magic);
    }
    // §6.4: a Nak carrying the value we last Nak'd makes a loop more likely; any
    // other value proves there is none.  Either way we choose a new number.
    Applied naked(LcpCtx &c, std::span<const uint8_t> value) const override {
        if (value.size() != 4) return {Applied::malformed, Reason::none};
        if (!c.n.want_magic) return {};
        const uint32_t v = load_be32(value.data());
        if (v != 0 && v == c.n.last_nak_magic) {
            ++c.n.loops;
            ++c.ctr.loops_detected;
        } else {
            c.n.loops = 0;
        }
        c.n.our_magic = draw_magic(c.rnd, v);
        if (c.n.loops >= c.cfg.max_loopback) return {Applied::fail, Reason::looped_back};
        return {};
    }
    Applied rejected(LcpCtx &c) const override {
        c.n.want_magic = false;
        c.n.our_magic = 0;
        return {};
    }
    void peer_reset(LcpCtx &c) const override { c.n.peer_magic = 0; }
    // Zero is illegal (always Nak'd); our own number may be a loop: Nak with another.
    Verdict check(LcpCtx &c, std::span<const uint8_t> value, PacketWriter &nak) const override {
        if (value.size() != 4) return Verdict::malformed;
        const uint32_t v = load_be32(value.data());
        if (v == 0) {
            put_u32_option(nak, type(), draw_magic(c.rnd, c.n.our_magic));
            return Verdict::nak;
        }
        if (c.n.want_magic && v == c.n.our_magic) {
            ++c.n.loops;
            ++c.ctr.loops_detected;
            c.n.last_nak_magic = draw_magic(c.rnd, c.n.our_magic);
            put_u32_option(nak, type(), c.n.last_nak_magic);
            return Verdict::nak;
        }
        c.n.peer_magic = v;
        return Verdict::ack;
    }
};

// Protocol-Field-Compression (§6.5) and Address-and-Control-Field-Compression
// (§6.6): options without a value; ours requested by policy, the peer's accepted by
// policy.
template <uint8_t kType, bool LcpConfig::*kRequest, bool LcpConfig::*kAccept,
          bool LcpNegotiation::*kWant, bool LcpNegotiation::*kPeer>
class FlagOption final : public OptionHandler<LcpCtx> {
public:
    FlagOption() : OptionHandler<LcpCtx>(kType) {}

    void reset(LcpCtx &c) const override { c.n.*kWant = c.cfg.*kRequest; }
    bool wanted(const LcpCtx &c) const override { return c.n.*kWant; }
    void write(const LcpCtx &, PacketWriter &w) const override { w.put_option(kType, {}); }
    Applied rejected(LcpCtx &c) const override {
        c.n.*kWant = false;
        return {};
    }
    void peer_reset(LcpCtx &c) const override { c.n.*kPeer = false; }
    Verdict check(LcpCtx &c, std::span<const uint8_t> value, PacketWriter &) const override {
        if (!value.empty()) return Verdict::malformed;
        if (!(c.cfg.*kAccept)) return Verdict::reject;
        c.n.*kPeer = true;
        return Verdict::ack;
    }
};

using PfcOption = FlagOption<lcp_opt::kPfc, &LcpConfig::request_pfc, &LcpConfig::accept_pfc,
                             &LcpNegotiation::want_pfc, &LcpNegotiation::peer_pfc>;
using AcfcOption = FlagOption<lcp_opt::kAcfc, &LcpConfig::request_acfc, &LcpConfig::accept_acfc,
                              &LcpNegotiation::want_acfc, &LcpNegotiation::peer_acfc>;

const MruOption kMruOption;
const AuthOption kAuthOption;
const MagicOption kMagicOption;
const PfcOption kPfcOption;
const AcfcOption kAcfcOption;

// In type order, as our Configure-Request lists them.
const OptionHandler<LcpCtx> *const kLcpOptions[] = {&kMruOption, &kAuthOption, &kMagicOption,
                                                    &kPfcOption, &kAcfcOption};

}  // namespace

OptionTable<LcpCtx> lcp_option_table() { return kLcpOptions; }

uint32_t draw_magic(Random &rnd, uint32_t avoid) {
    for (int i = 0; i < 8; ++i) {
        const uint32_t v = uint32_t(rnd.next());
        if (v != 0 && v != avoid) return v;
    }
    return avoid == 0x5a5a5a5au ? 0xa5a5a5a5u : 0x5a5a5a5au;
}

LcpConfig LcpConfig::lns() {
    LcpConfig c;
    c.request_auth = {AuthProtocol::chap_md5, AuthProtocol::mschap_v2, AuthProtocol::pap};
    return c;
}

LcpConfig LcpConfig::client() {
    LcpConfig c;
    c.mru = 0;
    c.accept_auth = {AuthProtocol::chap_md5, AuthProtocol::mschap_v2, AuthProtocol::pap};
    c.request_pfc = c.request_acfc = true;
    return c;
}

}  // namespace lns::cp::ppp
