// The Link Control Protocol engine (RFC 1661): the automaton (fsm.hpp) with the LCP
// options (lcp_options.hpp), plus the LCP-only codes: Protocol-Reject (§5.7),
// Echo-Request/Reply and Discard-Request (§5.8, keepalive in echo.hpp).
//
// Composition (the owner, e.g. a subscriber session):
//   Lcp lcp(shared, out, sink);            // per session; shared per core
//   lcp.set_path_mru(m);                   // optional, before up()
//   lcp.open(now); lcp.up(now);            // or start_opened(values) with proxy LCP
//   on notice up:       lcp.result() -> MRUs, magic numbers, PFC/ACFC, auth protocols;
//                       start authentication (auth_we_require / auth_peer_requires),
//                       then the NCPs (set_peer_mru(result().peer_mru), open, up)
//   on notice down:     NCPs down()
//   on notice finished: end the session (the L2TP call)
//   on notice protocol_rejected(arg): that NCP's protocol_rejected(now)
//   frames of unknown protocols: send_protocol_reject(protocol, info, now)
// Received LCP packets and the timer: receive(packet, now), on_timer(now) when
// now >= next_deadline() (restart timer and echo keepalive).
//
// Thread: any; one owner per engine.  About 130 bytes per session; no allocation.
#pragma once

#include <cstdint>
#include <span>

#include "controlplane/ppp/echo.hpp"
#include "controlplane/ppp/fsm.hpp"
#include "controlplane/ppp/lcp_options.hpp"

namespace lns::cp::ppp {

class Lcp final : public Fsm {
public:
    // `shared`, `out` and `sink` must outlive the engine.
    Lcp(LcpShared &shared, Output &out, NoticeSink &sink);

    // This session's tunnel path limit (default shared.config.path_mru); call before
    // up().  Our MRU request and the peer's accepted MRU are clamped to it.
    void set_path_mru(uint16_t mru);
    // The agreed values; meaningful while opened().
    LcpResult result() const;
    const LcpNegotiation &negotiation() const { return n_; }

    // Proxy LCP (RFC 2661 §18): from Initial or Starting, go straight to Opened with
    // values the LAC negotiated (see proxy_lcp.hpp); starts the echo keepalive and
    // emits up.  False (nothing changes) in another state or when `r` names an
    // authentication protocol not in config.request_auth.
    bool start_opened(const LcpResult &r, uint64_t now);

    // Protocol-Reject (§5.7) for a received frame of an unsupported protocol; `info`
    // is its information field, truncated to fit the peer's MRU.  Only in Opened;
    // returns whether it was sent.
    bool send_protocol_reject(uint16_t protocol, std::span<const uint8_t> info, uint64_t now);

    // Traffic from the peer proves it alive: resets the unanswered echo count.
    void peer_alive() { echo_.on_reply(); }
    const EchoTimer &echo() const { return echo_; }

    // Earliest of the restart timer and the next echo.
    uint64_t next_deadline() const override;
    void on_timer(uint64_t now) override;

protected:
    void reset_request() override;
    void write_request(PacketWriter &w) const override;
    uint8_t check_request(std::span<const uint8_t> options, uint8_t id, bool reject_if_disagree,
                          PacketWriter &reply) override;
    Applied apply_ack() override;
    Applied apply_nak(std::span<const uint8_t> options) override;
    Applied apply_reject(std::span<const uint8_t> options) override;
    void layer_up(uint64_t now) override;
    void layer_down() override;
    bool handle_code(const ControlPacket &p, uint64_t now) override;
    bool code_reject_fatal(uint8_t code) const override;
    void handle_rxr(const ControlPacket &p, uint64_t now) override;

private:
    LcpCtx ctx() const;
    uint32_t echo_magic() const { return n_.want_magic ? n_.our_magic : 0; }
    void handle_protocol_reject(const ControlPacket &p, uint64_t now);
    void report_loop();

    LcpShared *sh_;
    LcpNegotiation n_;
    EchoTimer echo_;
};

}  // namespace lns::cp::ppp
