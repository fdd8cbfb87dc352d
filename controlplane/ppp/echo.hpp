// LCP Echo keepalive and dead-peer detection (RFC 1661 §5.8), the timing and the
// packets; Lcp runs it while Opened.
//
// Timing: every interval_ns an Echo-Request goes out; a valid Echo-Reply (one not
// carrying our own Magic-Number) resets the count of unanswered requests.  When a
// request is due while max_failures requests are unanswered, the peer is dead: with
// interval 10 s and 5 failures, requests at 10..50 s after the last reply, dead at
// 60 s.  The owner may also report traffic from the peer (Lcp::peer_alive) to
// reset the count.
//
// Packets: an Echo-Request carries our Magic-Number (zero when not negotiated,
// §5.8); an Echo-Reply repeats the request's Identifier and data after its
// Magic-Number, truncated so the reply never exceeds the peer's MRU.
//
// Thread: any; plain object (16 bytes per session).
#pragma once

#include <cstdint>

#include "controlplane/ppp/packet.hpp"

namespace lns::cp::ppp {

struct EchoConfig {
    uint64_t interval_ns = 10'000'000'000ull;  // 0: no keepalive
    uint8_t max_failures = 5;                  // unanswered requests before the peer is dead
};

class EchoTimer {
public:
    enum class Tick : uint8_t { none, send, dead };

    // Starts the keepalive at `now` (first request interval_ns later); off when the
    // interval is 0.
    void start(const EchoConfig &cfg, uint64_t now);
    void stop() { deadline_ = UINT64_MAX; }
    bool running() const { return deadline_ != UINT64_MAX; }
    uint64_t deadline() const { return deadline_; }
    // At or after deadline(): `send` (the caller sends an Echo-Request with id()),
    // `dead` (the timer stops), or `none` when nothing is due.
    Tick on_timer(const EchoConfig &cfg, uint64_t now);
    // A valid reply or other proof of life.
    void on_reply() { outstanding_ = 0; }
    uint8_t outstanding() const { return outstanding_; }
    uint8_t id() const { return id_; }

private:
    uint64_t deadline_ = UINT64_MAX;
    uint8_t outstanding_ = 0;
    uint8_t id_ = 0;
};

// Echo-Request with `id` and `magic` (§5.8).
void build_echo_request(uint8_t id, uint32_t magic, PacketWriter &w);
// Echo-Reply to `request` (an Echo-Request with at least 4 data bytes) carrying our
// `magic`, no longer than `max_len` bytes in all (the peer's MRU; at least 8).
// Returns true when the request's data had to be truncated.
bool build_echo_reply(const ControlPacket &request, uint32_t magic, uint16_t max_len,
                      PacketWriter &w);

}  // namespace lns::cp::ppp
