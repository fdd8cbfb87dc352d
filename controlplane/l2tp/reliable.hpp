// The reliable delivery of L2TP control messages on one tunnel (RFC 2661 §5.8 and
// Appendix A), as its own sans-I/O class: sequence numbers, windows, acknowledgement
// (piggybacked or ZLB), retransmission with backoff, slow start and congestion
// avoidance.  It never parses AVPs and never decides protocol behaviour.
//
// Use:
//   rx = ch.on_receive(hdr, bytes, now);       // every control message for the tunnel
//   if (rx == Rx::deliver) { act(bytes); while (ch.pop_in_order(&buf)) act(buf); }
//   ch.send(encoded);                          // queue replies (Ns assigned here)
//   ch.flush(now, [&](span<const uint8_t> m) { transmit(m); });  // also at next_deadline()
//
// Sequence numbers are modulo 2^16 and compared with wrap-around (seq_lt).
// Thread: one owner (the control core); no allocation on the ack path other than
// copying message bytes (send, held messages) and deque nodes.
//
// Sending (§5.8): send() gives each message the next Ns and queues a copy.  flush()
// moves queued messages to the unacknowledged list while fewer than
// min(cwnd, peer window) are unacknowledged, stamping Ns and the current Nr.
// Receiving: the Nr of every message (ZLB or not) is applied first; it acknowledges
// our messages with Ns < Nr.  An Nr in (oldest unacked, next unsent] acknowledges;
// equal to the oldest unacked acknowledges nothing; behind it (a stale, reordered
// ack) is ignored and counted in stale_nr; ahead of anything sent is ignored and
// counted in bad_nr.  Then the Ns is classified (see Rx).  An acknowledgement is
// owed after a deliver or a held message (due ack_delay_ns later, or at once when
// half our receive window has been delivered since the last ack; the earliest due
// time is kept) and after a duplicate (due at once); out-of-window messages and
// ZLBs owe nothing.  Any non-ZLB message flush() emits carries the Nr and pays the
// debt; otherwise flush() sends a ZLB when it falls due.  A ZLB carries as Ns the
// Ns of our next new message and does not consume it.
// Retransmission (§5.8, Appendix A): each message's timer starts at
// retransmit_initial_ns when first sent; when the oldest unacknowledged message's
// timer expires it is resent (with the current Nr), its interval doubles up to
// retransmit_cap_ns, and with slow start ssthresh = max(cwnd / 2, 1), cwnd = 1.  With
// the defaults retransmissions go out 1, 3, 7, 15 and 23 s after the first send; when
// a message would need retransmission max_retransmits + 1 (31 s), failed() becomes
// true and the channel sends nothing more.  Only the oldest message is retransmitted;
// the others wait until it is acknowledged (their timers, if expired by then, fire at
// the next flush).
// Slow start (Appendix A): cwnd starts at 1 and ssthresh at the peer window; each
// acknowledged message adds 1 to cwnd below ssthresh, and at or above it cwnd grows
// by 1 once per cwnd acknowledged messages (congestion avoidance); cwnd never
// exceeds the peer window.  Without slow start cwnd is the peer window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <type_traits>
#include <vector>

#include "controlplane/l2tp/message.hpp"

namespace lns::cp::l2tp {

// a < b in sequence space (RFC 2661 §5.8: values within 32767 of each other).
inline bool seq_lt(uint16_t a, uint16_t b) { return int16_t(uint16_t(a - b)) < 0; }

struct ReliableConfig {
    uint16_t receive_window = 16;            // ours: out-of-order messages we hold; advertised
    uint64_t retransmit_initial_ns = 1000000000ull;  // first retransmission after 1 s
    uint64_t retransmit_cap_ns = 8000000000ull;      // doubling stops here (>= 8 s)
    unsigned max_retransmits = 5;           // then failed()
    uint64_t ack_delay_ns = 100000000ull;   // ZLB when nothing piggybacks within 100 ms
    bool slow_start = true;                 // Appendix A; off: window = peer window at once
};

struct ReliableCounters {
    uint64_t sent = 0;            // first transmissions (not ZLBs)
    uint64_t retransmits = 0;
    uint64_t zlb_sent = 0;
    uint64_t received = 0;        // messages delivered in order (not ZLBs)
    uint64_t zlb_received = 0;
    uint64_t duplicates = 0;      // Ns already delivered: re-acknowledged
    uint64_t out_of_order = 0;    // held until the gap filled
    uint64_t out_of_window = 0;   // Ns beyond our window: dropped
    uint64_t bad_nr = 0;          // Nr acknowledging something never sent: ignored
    uint64_t stale_nr = 0;        // Nr behind one already applied (reordered): ignored
};

class ReliableChannel {
public:
    enum class Rx : uint8_t {
        deliver,        // in sequence: act on it now
        ack_only,       // ZLB: its Nr was applied, nothing to act on
        duplicate,      // already delivered: an ack will be re-sent at flush
        held,           // ahead of sequence, within our window: kept (copied)
        out_of_window,  // dropped
    };

    explicit ReliableChannel(const ReliableConfig &cfg = {});

    // The peer's Receive Window Size (§4.4.3); 0 or absent means 4.  Also sets
    // ssthresh to it and clamps cwnd (Appendix A); call it once, when the SCCRQ or
    // SCCRP arrives.
    void set_peer_window(uint16_t w);
    // Tunnel id to put in ZLB headers (the peer's id for this tunnel).
    void set_peer_tunnel_id(uint16_t id) { peer_tunnel_id_ = id; }

    // Applies `h.nr` (acknowledging our messages) and classifies `h.ns`: a ZLB is
    // ack_only; Ns == expected deliver; Ns before it duplicate; expected < Ns <
    // expected + receive_window held; anything else out_of_window.  `msg` is the
    // whole message (header included), copied only when held.
    Rx on_receive(const ControlHeader &h, std::span<const uint8_t> msg, uint64_t now);

    // After a `deliver`: the next held message that is now in sequence, if any
    // (whole message into *out, whose old buffer the channel keeps for reuse).  Each
    // one advances the expected Ns and owes a (delayed) acknowledgement.
    bool pop_in_order(std::vector<uint8_t> *out);

    // Queues a copy of an encoded message (from MessageBuilder, >= 12 bytes); its Ns
    // is assigned now (stamped with the Nr when transmitted).  Returns the Ns.
    uint16_t send(std::span<const uint8_t> msg);

    // Transmits what is due at `now`: queued messages that fit in the send window
    // (min(cwnd, peer window)), retransmissions whose timer expired, and a ZLB
    // if an acknowledgement is owed and nothing carried it (delayed by
    // ack_delay_ns, immediately for duplicates).  Every message carries the
    // current Nr.  `emit(std::span<const uint8_t>)` is called once per datagram; the
    // span is valid during the call only, and emit must not call into the channel.
    // Does nothing once failed().
    template <class Emit>
    void flush(uint64_t now, Emit &&emit) {
        using E = std::remove_reference_t<Emit>;
        flush_impl(
            now, [](void *ctx, std::span<const uint8_t> m) { (*static_cast<E *>(ctx))(m); },
            const_cast<void *>(static_cast<const void *>(&emit)));
    }

    // Earliest time flush() has work to do: 0 when queued messages fit in the send
    // window (now), else the oldest unacknowledged message's retransmission time or
    // the owed ack's due time; UINT64_MAX when none, or once failed().
    uint64_t next_deadline() const;

    // A message was retransmitted max_retransmits times without an ack.
    bool failed() const { return failed_; }
    // Nothing queued, nothing unacknowledged.
    bool idle() const { return unacked_.empty() && queue_.empty(); }
    // Ns of the next new message, Nr we expect next (the value we send as Nr).
    uint16_t next_ns() const { return next_ns_; }
    uint16_t expected_ns() const { return expected_; }
    unsigned cwnd() const { return cwnd_; }
    unsigned ssthresh() const { return ssthresh_; }
    uint16_t peer_window() const { return peer_window_; }
    size_t in_flight() const { return unacked_.size(); }  // sent, not yet acknowledged
    size_t queued() const { return queue_.size(); }       // waiting for the window
    const ReliableCounters &counters() const { return c_; }

private:
    using EmitFn = void (*)(void *, std::span<const uint8_t>);
    void flush_impl(uint64_t now, EmitFn fn, void *ctx);
    unsigned send_window() const;
    void apply_nr(uint16_t nr);
    void on_acked();
    void owe_delivery_ack(uint64_t now);
    void owe_ack(uint64_t due);
    void advance_expected();
    bool retransmit_oldest(uint64_t now, EmitFn fn, void *ctx);

    struct Outgoing {
        std::vector<uint8_t> bytes;
        uint16_t ns = 0;
        unsigned retries = 0;
        uint64_t deadline = 0;  // next retransmission
        uint64_t interval = 0;  // current backoff
    };

    ReliableConfig cfg_;
    uint16_t peer_tunnel_id_ = 0;
    uint16_t peer_window_ = 4;
    unsigned cwnd_ = 1;
    unsigned ssthresh_ = 4;
    unsigned ca_acks_ = 0;  // congestion avoidance: acks counted toward the next +1
    uint16_t next_ns_ = 0;  // Ns for the next queued message
    uint16_t acked_ = 0;    // oldest unacknowledged Ns (== next sent when none)
    uint16_t expected_ = 0; // next Ns we accept in sequence
    std::deque<Outgoing> unacked_;  // sent, waiting for an ack, in Ns order
    std::deque<Outgoing> queue_;    // not yet sent (window closed)
    // Held messages: a ring of receive_window slots; Ns expected_ + d is in slot
    // (held_head_ + d) % receive_window.
    std::vector<std::vector<uint8_t>> held_;
    std::vector<bool> held_used_;
    size_t held_head_ = 0;
    bool ack_owed_ = false;
    uint64_t ack_deadline_ = UINT64_MAX;
    unsigned unacked_rx_ = 0;  // delivered since our last ack went out
    uint64_t last_rx_ = 0;  // `now` of the latest on_receive (for pop_in_order's ack)
    bool failed_ = false;
    ReliableCounters c_;
};

}  // namespace lns::cp::l2tp
