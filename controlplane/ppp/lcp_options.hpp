// LCP configuration options (RFC 1661 §6; RFC 1994 §3 and RFC 2759 §2 for the
// Auth-Protocol data): the policy (LcpConfig), per-session negotiation state, the
// negotiated result, and the option handler table (lcp_options.cpp, one class per
// option: MRU 1, Auth-Protocol 3, Magic-Number 5, PFC 7, ACFC 8; anything else,
// Quality-Protocol 4 included, is Rejected).
//
// Roles are policy, not code: an LNS requests an Auth-Protocol (request_auth) and
// refuses to authenticate itself (accept_auth empty); a PPP client requests none
// and accepts the authenticator's choice when it is in accept_auth, else Naks with
// accept_auth[0].  LcpConfig::lns() and LcpConfig::client() are the two presets.
//
// Thread: any; plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/echo.hpp"
#include "controlplane/ppp/fsm.hpp"
#include "controlplane/ppp/option.hpp"
#include "controlplane/ppp/types.hpp"

namespace lns::cp::ppp {

namespace lcp_opt {
inline constexpr uint8_t kMru = 1;
inline constexpr uint8_t kAuthProtocol = 3;
inline constexpr uint8_t kQualityProtocol = 4;
inline constexpr uint8_t kMagicNumber = 5;
inline constexpr uint8_t kPfc = 7;
inline constexpr uint8_t kAcfc = 8;
}  // namespace lcp_opt

inline constexpr uint16_t kDefaultMru = 1500;  // RFC 1661 §6.1
inline constexpr uint16_t kMinMru = 64;        // the smallest MRU we accept to use ourselves

// Auth-Protocol values are AuthProtocol (auth.hpp: PAP C023, CHAP-MD5 C223 05,
// MS-CHAPv2 C223 81; auth_protocol_from_option / auth_option_value); "none" is an
// empty std::optional.

struct LcpConfig {
    FsmConfig fsm;
    // MRU (§6.1).  Ours is min(mru, path_mru), requested when mru != 0.  path_mru is
    // the largest PPP information field the tunnel path carries; the peer's MRU above
    // it is Nak'd down to it (nak_peer_mru_above_path), below min_peer_mru Nak'd up.
    uint16_t mru = 1460;
    uint16_t path_mru = 1460;
    uint16_t min_peer_mru = 128;
    bool nak_peer_mru_above_path = true;
    // Magic-Number (§6.4) and loop detection: after max_loopback signs of a loop
    // (our own Magic-Number in the peer's request, or our Nak'd value coming back)
    // without progress, the link is looped back and LCP closes.  A looped link shows
    // two signs per round, so 5 trips in the third round, before Max-Failure (5)
    // would turn the loop's Naks into Rejects.
    bool magic = true;
    uint8_t max_loopback = 5;
    // Auth-Protocol (§6.2).  request_auth: what we ask the peer to authenticate with,
    // in preference order (empty: no authentication).  When the peer Rejects it or
    // Naks only protocols not in the list, LCP closes if auth_required, else goes on
    // without.  accept_auth: protocols we authenticate ourselves with when the peer
    // asks (preference order; empty: Reject its Auth-Protocol).
    std::vector<AuthProtocol> request_auth;
    bool auth_required = true;
    std::vector<AuthProtocol> accept_auth;
    // PFC (§6.5) and ACFC (§6.6): request_* asks the peer to send compressed frames
    // to us; accept_* lets the peer ask us (acked: we may, not must, compress).
    bool request_pfc = false, request_acfc = false;
    bool accept_pfc = true, accept_acfc = true;
    EchoConfig echo;

    // LNS: MRU 1460, magic, CHAP-MD5 then PAP required, no PFC/ACFC requests, echo 10 s x 5.
    static LcpConfig lns();
    // Subscriber client: no MRU request, magic, authenticates with CHAP-MD5, MS-CHAPv2
    // or PAP as the authenticator asks, requests PFC and ACFC, echo 10 s x 5.
    static LcpConfig client();
};

struct LcpCounters {
    FsmCounters fsm;
    uint64_t echo_req_sent = 0, echo_req_rcvd = 0, echo_reply_sent = 0, echo_reply_rcvd = 0;
    uint64_t echo_reply_truncated = 0;  // replies cut to the peer's MRU
    uint64_t echo_looped = 0;           // echo packets carrying our own Magic-Number
    uint64_t discard_rcvd = 0;
    uint64_t protocol_rej_rcvd = 0, protocol_rej_sent = 0;
    uint64_t rx_short_echo = 0;            // discarded: Echo/Discard without a Magic-Number
    uint64_t rx_short_protocol_reject = 0; // discarded: Protocol-Reject without a protocol
    uint64_t rx_not_opened = 0;            // discarded: codes 8-11 outside Opened (§5.7, §5.8)
    uint64_t peer_dead = 0;
    uint64_t loops_detected = 0;        // Magic-Number loop signs (§6.4)
    uint64_t looped_back = 0;           // ... that closed LCP
};

// Per-core (or per-config) state shared by all LCP engines: read-only config,
// counters, randomness for Magic-Numbers (`random`, or a built-in SplitMix64 when
// null).  Must outlive the engines.
struct LcpShared {
    LcpConfig config;
    LcpCounters counters;
    Random *random = nullptr;
    SplitMix64 own_random{0x4c4350u};
    Random &rng() { return random != nullptr ? *random : own_random; }
};

// Per-session negotiation state (compact; ~28 bytes).
struct LcpNegotiation {
    uint32_t our_magic = 0;       // requested (0: none)
    uint32_t peer_magic = 0;      // from the peer's request (0: none)
    uint32_t last_nak_magic = 0;  // value of our last Magic-Number Nak (loop detection)
    uint16_t our_mru = kDefaultMru;
    uint16_t peer_mru = kDefaultMru;
    uint16_t path_mru = 0;
    uint8_t auth_index = 0;  // index in request_auth we ask for (>= size: none)
    std::optional<AuthProtocol> peer_requires;  // peer asked, we acked
    uint8_t loops = 0;
    bool want_mru = false, want_magic = false, want_pfc = false, want_acfc = false;
    bool peer_pfc = false, peer_acfc = false;
};

// What LCP agreed, both directions.  Valid while Lcp::opened().
struct LcpResult {
    uint16_t our_mru = kDefaultMru;   // largest frame the peer may send us
    uint16_t peer_mru = kDefaultMru;  // largest frame we may send (capped at path_mru)
    uint32_t our_magic = 0, peer_magic = 0;
    bool our_pfc = false, our_acfc = false;    // the peer may send us compressed fields
    bool peer_pfc = false, peer_acfc = false;  // we may send compressed fields
    std::optional<AuthProtocol> auth_we_require;     // the peer authenticates to us with it
    std::optional<AuthProtocol> auth_peer_requires;  // we authenticate to the peer with it
    bool operator==(const LcpResult &) const = default;
};

// What an LCP option handler works on.
struct LcpCtx {
    LcpNegotiation &n;
    const LcpConfig &cfg;
    LcpCounters &ctr;
    Random &rnd;
};

OptionTable<LcpCtx> lcp_option_table();

// A non-zero value from `rnd` different from `avoid` (a few draws, then a fixed
// fallback, so a broken generator cannot hang the engine).
uint32_t draw_magic(Random &rnd, uint32_t avoid);

}  // namespace lns::cp::ppp
