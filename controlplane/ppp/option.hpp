// Configuration options as data (RFC 1661 §5.1-§5.4, §6): one small stateless
// handler class per option type, and the generic negotiation that LCP, IPCP and
// IPv6CP share.  A handler works on the protocol's per-session state through a
// context `Ctx` the engine builds for each call (the negotiated values, the shared
// config, counters, randomness); handlers themselves are immutable singletons.
//
// Our side: reset() when a negotiation starts, wanted()/write() to build our
// Configure-Request, acked()/naked()/rejected() for the peer's answer.
// Peer side: peer_reset() before each of the peer's Configure-Requests (the
// defaults for options it leaves out), check() for each option it sends, hint()
// for an option it left out that we want it to request (§5.3: a Nak may carry
// options the request did not).
//
// Reply rules (§5.1-5.4): any option Rejected (unknown type, malformed, refused) ->
// Configure-Reject listing exactly those options as received; else any Nak'd (or
// hinted) -> Configure-Nak listing our suggestions; else Configure-Ack repeating
// the request.  With `reject_if_disagree` (Max-Failure reached, §4.6) Naks become
// Rejects and hints are dropped.
//
// Thread: any; handlers are immutable, all state is in Ctx.  No allocation.
#pragma once

#include <cstdint>
#include <span>

#include "controlplane/ppp/fsm.hpp"
#include "controlplane/ppp/packet.hpp"

namespace lns::cp::ppp {

enum class Verdict : uint8_t {
    ack,        // acceptable as sent
    nak,        // acceptable type, other value: the handler wrote its suggestion
    reject,     // not negotiable (refused by policy)
    malformed,  // bad length or value: Rejected and counted as malformed
};

template <class Ctx>
class OptionHandler {
public:
    explicit constexpr OptionHandler(uint8_t type) : type_(type) {}
    virtual ~OptionHandler() = default;
    uint8_t type() const { return type_; }

    // ---- Our Configure-Request --------------------------------------------------
    virtual void reset(Ctx &) const {}
    virtual bool wanted(const Ctx &) const { return false; }
    virtual void write(const Ctx &, PacketWriter &) const {}
    virtual Applied acked(Ctx &) const { return {}; }
    // `value` is the Nak'd option's value (after type and length); the option may be
    // one we did not request (a hint).  Applied::malformed: a bad length, the option
    // is ignored (and counted).
    virtual Applied naked(Ctx &, std::span<const uint8_t> value) const {
        (void)value;
        return {};
    }
    virtual Applied rejected(Ctx &) const { return {}; }

    // ---- The peer's Configure-Request -------------------------------------------
    virtual void peer_reset(Ctx &) const {}
    // On Verdict::nak the handler has written its suggestion with nak.put_option().
    virtual Verdict check(Ctx &, std::span<const uint8_t> value, PacketWriter &nak) const = 0;
    // The option was absent from the peer's request: write a suggestion into `nak`
    // and return true to Nak for it.
    virtual bool hint(Ctx &, PacketWriter &nak) const {
        (void)nak;
        return false;
    }

private:
    uint8_t type_;
};

template <class Ctx>
using OptionTable = std::span<const OptionHandler<Ctx> *const>;

template <class Ctx>
const OptionHandler<Ctx> *find_option(OptionTable<Ctx> t, uint8_t type) {
    for (const auto *h : t)
        if (h->type() == type) return h;
    return nullptr;
}

inline bool options_well_formed(std::span<const uint8_t> options) {
    OptionReader rd(options);
    Option o;
    while (rd.next(&o)) {
    }
    return rd.error() == PppError::ok;
}

template <class Ctx>
void reset_options(OptionTable<Ctx> t, Ctx &c) {
    for (const auto *h : t) h->reset(c);
}

template <class Ctx>
void write_options(OptionTable<Ctx> t, const Ctx &c, PacketWriter &w) {
    for (const auto *h : t)
        if (h->wanted(c)) h->write(c, w);
}

// The peer's Configure-Request (§5.1): writes the reply into `reply` and returns its
// code, or 0 when the option list is malformed (nothing is written; discard).
template <class Ctx>
uint8_t check_options(OptionTable<Ctx> t, Ctx &c, std::span<const uint8_t> options, uint8_t id,
                      bool reject_if_disagree, PacketWriter &reply, FsmCounters &ctr) {
    if (!options_well_formed(options)) return 0;
    for (const auto *h : t) h->peer_reset(c);
    reply.begin(uint8_t(Code::ConfigureReject), id);
    PacketWriter nak(uint8_t(Code::ConfigureNak), id);
    uint64_t seen[4] = {};
    bool rejects = false, naks = false;
    OptionReader rd(options);
    Option o;
    while (rd.next(&o)) {
        seen[o.type >> 6] |= uint64_t{1} << (o.type & 63);
        const OptionHandler<Ctx> *h = find_option(t, o.type);
        Verdict v = h != nullptr ? h->check(c, o.value, nak) : Verdict::reject;
        if (h == nullptr) ++ctr.options_unknown;
        if (v == Verdict::malformed) {
            ++ctr.options_malformed;
            v = Verdict::reject;
        }
        if (v == Verdict::nak && reject_if_disagree) {
            ++ctr.max_failure_rejects;
            v = Verdict::reject;
        }
        if (v == Verdict::reject) {
            reply.put_bytes(o.whole);
            rejects = true;
        } else if (v == Verdict::nak) {
            ++ctr.options_naked;
            naks = true;
        }
    }
    if (rejects) return uint8_t(Code::ConfigureReject);
    if (!reject_if_disagree) {
        for (const auto *h : t) {
            const uint8_t ty = h->type();
            if (!(seen[ty >> 6] & (uint64_t{1} << (ty & 63))) && h->hint(c, nak)) naks = true;
        }
    }
    if (naks) {
        if (!nak.ok()) return 0;  // suggestions beyond kMaxPacket: a hostile request
        reply.begin(uint8_t(Code::ConfigureNak), id);
        reply.put_bytes(nak.finish().subspan(kHeaderLen));
        return uint8_t(Code::ConfigureNak);
    }
    reply.begin(uint8_t(Code::ConfigureAck), id);
    reply.put_bytes(options);
    return uint8_t(Code::ConfigureAck);
}

// Our request was acknowledged (§5.2): each requested option's acked().
template <class Ctx>
Applied apply_ack_options(OptionTable<Ctx> t, Ctx &c) {
    for (const auto *h : t) {
        if (!h->wanted(c)) continue;
        const Applied r = h->acked(c);
        if (r.kind != Applied::ok) return r;
    }
    return {};
}

// A Configure-Nak (§5.3): each known option's naked(); unknown types and options
// with a bad length are ignored (the latter counted), the rest still applies.
template <class Ctx>
Applied apply_nak_options(OptionTable<Ctx> t, Ctx &c, std::span<const uint8_t> options,
                          FsmCounters &ctr) {
    if (!options_well_formed(options)) return {Applied::malformed, Reason::none};
    OptionReader rd(options);
    Option o;
    while (rd.next(&o)) {
        const OptionHandler<Ctx> *h = find_option(t, o.type);
        if (h == nullptr) continue;
        const Applied r = h->naked(c, o.value);
        if (r.kind == Applied::malformed) ++ctr.nak_options_malformed;
        if (r.kind == Applied::fail) return r;
    }
    return {};
}

// A Configure-Reject (§5.4), already checked against our request: rejected().
template <class Ctx>
Applied apply_reject_options(OptionTable<Ctx> t, Ctx &c, std::span<const uint8_t> options) {
    OptionReader rd(options);
    Option o;
    while (rd.next(&o)) {
        const OptionHandler<Ctx> *h = find_option(t, o.type);
        if (h == nullptr) continue;
        const Applied r = h->rejected(c);
        if (r.kind != Applied::ok) return r;
    }
    return {};
}

}  // namespace lns::cp::ppp
