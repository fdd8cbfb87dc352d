// The IPv6 Control Protocol engine (RFC 5072): the automaton (fsm.hpp) with the
// Interface-Identifier option (1); anything else (IPv6-Compression-Protocol 2
// included) is Rejected.  Codes 1-7 only.
//
// Interface-Identifier (§4.1): ours is set_local_interface_id() or drawn at random
// (non-zero) and requested; a Nak suggesting another non-zero identifier different
// from the peer's is taken (accept_id_nak), otherwise we draw a new one.  The
// peer's identifier is acked when non-zero and different from ours; zero or equal
// to ours is Nak'd with one we choose (non-zero, different from ours).  With an
// assigned peer identifier (set_peer_interface_id, e.g. RADIUS
// Framed-Interface-Id) any other value is Nak'd to it, and a request without the
// option gets it hinted.  Identifiers are 64-bit host-order values of the 8 octets.
//
// Composition: as IPCP (ipcp.hpp): open(), up() after LCP and authentication,
// down() when LCP goes down, protocol_rejected() on LCP's report.  Notice up:
// result() has both identifiers (link-local fe80::<id>).
//
// Thread: any; one owner per engine.  About 100 bytes per session; no allocation.
#pragma once

#include <cstdint>
#include <span>

#include "controlplane/ppp/fsm.hpp"
#include "controlplane/ppp/option.hpp"
#include "controlplane/ppp/types.hpp"

namespace lns::cp::ppp {

namespace ipv6cp_opt {
inline constexpr uint8_t kInterfaceId = 1;
inline constexpr uint8_t kCompression = 2;  // Rejected
}  // namespace ipv6cp_opt

struct Ipv6cpConfig {
    FsmConfig fsm;
    bool request_interface_id = true;
    bool accept_id_nak = true;
};

struct Ipv6cpCounters {
    FsmCounters fsm;
    uint64_t id_collisions = 0;  // the peer asked for our own identifier
    uint64_t id_naks = 0;        // the peer's identifier Nak'd (zero, collision, assignment)
};

// Per-core state shared by all IPv6CP engines; must outlive them.  `random` (or
// the built-in SplitMix64 when null) draws interface identifiers.
struct Ipv6cpShared {
    Ipv6cpConfig config;
    Ipv6cpCounters counters;
    Random *random = nullptr;
    SplitMix64 own_random{0x495036u};
    Random &rng() { return random != nullptr ? *random : own_random; }
};

struct Ipv6cpNegotiation {
    uint64_t local_initial = 0;  // set_local_interface_id() (0: random)
    uint64_t local = 0;          // ours
    uint64_t peer = 0;           // the peer's, acked
    uint64_t assign_peer = 0;    // the peer must use this one (0: any)
    bool want = false;
    bool hinted = false;
};

struct Ipv6cpResult {
    uint64_t local_id = 0;
    uint64_t peer_id = 0;
};

struct Ipv6cpCtx {
    Ipv6cpNegotiation &n;
    const Ipv6cpConfig &cfg;
    Ipv6cpCounters &ctr;
    Random &rnd;
};

OptionTable<Ipv6cpCtx> ipv6cp_option_table();

// A non-zero identifier from `rnd` different from `avoid` (bounded draws, then a fallback).
uint64_t draw_interface_id(Random &rnd, uint64_t avoid);

class Ipv6cp final : public Fsm {
public:
    // `shared`, `out` and `sink` must outlive the engine.
    Ipv6cp(Ipv6cpShared &shared, Output &out, NoticeSink &sink);

    void set_local_interface_id(uint64_t id) { n_.local_initial = n_.local = id; }
    void set_peer_interface_id(uint64_t id) { n_.assign_peer = id; }
    Ipv6cpResult result() const { return {n_.local, n_.peer}; }
    const Ipv6cpNegotiation &negotiation() const { return n_; }

protected:
    void reset_request() override;
    void write_request(PacketWriter &w) const override;
    uint8_t check_request(std::span<const uint8_t> options, uint8_t id, bool reject_if_disagree,
                          PacketWriter &reply) override;
    Applied apply_nak(std::span<const uint8_t> options) override;
    Applied apply_reject(std::span<const uint8_t> options) override;

private:
    Ipv6cpCtx ctx() const;

    Ipv6cpShared *sh_;
    Ipv6cpNegotiation n_;
};

}  // namespace lns::cp::ppp
