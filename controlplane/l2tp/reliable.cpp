// Reliable delivery of L2TP control messages (RFC 2661 §5.8, Appendix A).  See
// reliable.hpp for the semantics.
#include "controlplane/l2tp/reliable.hpp"

#include <algorithm>
#include <array>

namespace lns::cp::l2tp {

namespace {

constexpr uint16_t kDefaultPeerWindow = 4;  // §5.8: when the peer sends no RWS AVP

// send() accepts any bytes; only a whole header gets Ns and Nr.
void stamp(std::vector<uint8_t> &msg, uint16_t ns, uint16_t nr) {
    if (msg.size() >= kControlHeaderLen) stamp_ns_nr(msg, ns, nr);
}

}  // namespace

ReliableChannel::ReliableChannel(const ReliableConfig &cfg) : cfg_(cfg) {
    if (cfg_.receive_window == 0) cfg_.receive_window = 1;
    held_.resize(cfg_.receive_window);
    held_used_.assign(cfg_.receive_window, false);
    cwnd_ = cfg_.slow_start ? 1 : peer_window_;
    ssthresh_ = peer_window_;
}

void ReliableChannel::set_peer_window(uint16_t w) {
    peer_window_ = w == 0 ? kDefaultPeerWindow : w;
    ssthresh_ = peer_window_;
    cwnd_ = cfg_.slow_start ? std::min<unsigned>(cwnd_, peer_window_) : peer_window_;
}

unsigned ReliableChannel::send_window() const {
    return std::min<unsigned>(cwnd_, peer_window_);
}

// ---- Receiving -----------------------------------------------------------------------

// One of our messages was acknowledged: grow the congestion window (Appendix A).
void ReliableChannel::on_acked() {
    if (!cfg_.slow_start) return;
    if (cwnd_ < ssthresh_) {
        ++cwnd_;  // slow start
    } else if (++ca_acks_ >= cwnd_) {
        ++cwnd_;  // congestion avoidance: +1 per window's worth of acks
        ca_acks_ = 0;
    }
    cwnd_ = std::min<unsigned>(cwnd_, peer_window_);
}

// Nr acknowledges every message with Ns < Nr.  Valid values run from the oldest
// unacknowledged Ns (nothing new) to the next unsent one (everything in flight).
void ReliableChannel::apply_nr(uint16_t nr) {
    const uint16_t n = uint16_t(nr - acked_);
    if (n == 0) return;
    if (n > unacked_.size()) {
        if (seq_lt(nr, acked_)) {
            ++c_.stale_nr;
        } else {
            ++c_.bad_nr;
        }
        return;
    }
    for (uint16_t i = 0; i < n; ++i) {
        unacked_.pop_front();
        ++acked_;
        on_acked();
    }
}

void ReliableChannel::owe_ack(uint64_t due) {
    ack_owed_ = true;
    ack_deadline_ = std::min(ack_deadline_, due);
}

// A delivered message owes a delayed ack, unless half our window is now waiting
// for one: a peer that only sends (a burst of ICRQs or CDNs) would otherwise stall
// on its window for ack_delay_ns each time (the RFC's delay is a "may").
void ReliableChannel::owe_delivery_ack(uint64_t now) {
    const unsigned half = cfg_.receive_window > 1 ? cfg_.receive_window / 2u : 1u;
    owe_ack(++unacked_rx_ >= half ? now : now + cfg_.ack_delay_ns);
}

// The message with Ns expected_ was delivered: slide the receive window by one.  A
// held copy of that message (caller did not pop it) is superseded.
void ReliableChannel::advance_expected() {
    held_used_[held_head_] = false;
    held_head_ = (held_head_ + 1) % held_.size();
    ++expected_;
}

ReliableChannel::Rx ReliableChannel::on_receive(const ControlHeader &h,
                                                std::span<const uint8_t> msg, uint64_t now) {
    last_rx_ = now;
    apply_nr(h.nr);
    if (h.zlb()) {
        ++c_.zlb_received;
        return Rx::ack_only;
    }
    if (h.ns == expected_) {
        advance_expected();
        ++c_.received;
        owe_delivery_ack(now);
        return Rx::deliver;
    }
    if (seq_lt(h.ns, expected_)) {
        ++c_.duplicates;
        owe_ack(now);  // the peer missed our ack: tell it again at once
        return Rx::duplicate;
    }
    const uint16_t d = uint16_t(h.ns - expected_);
    if (d >= cfg_.receive_window) {
        ++c_.out_of_window;
        return Rx::out_of_window;
    }
    const size_t slot = (held_head_ + d) % held_.size();
    if (held_used_[slot]) {
        ++c_.duplicates;  // a retransmission of a message we already hold
    } else {
        held_[slot].assign(msg.begin(), msg.end());
        held_used_[slot] = true;
        ++c_.out_of_order;
    }
    owe_ack(now + cfg_.ack_delay_ns);  // our Nr stays at the gap
    return Rx::held;
}

bool ReliableChannel::pop_in_order(std::vector<uint8_t> *out) {
    if (!held_used_[held_head_]) return false;
    out->swap(held_[held_head_]);
    held_[held_head_].clear();
    advance_expected();
    ++c_.received;
    owe_delivery_ack(last_rx_);  // due as for the deliver that released it
    return true;
}

// ---- Sending -------------------------------------------------------------------------

uint16_t ReliableChannel::send(std::span<const uint8_t> msg) {
    Outgoing o;
    o.bytes.assign(msg.begin(), msg.end());
    o.ns = next_ns_++;
    queue_.push_back(std::move(o));
    return queue_.back().ns;
}

// Resends the oldest unacknowledged message if its timer expired (§5.8, Appendix A).
// Returns true if it sent; sets failed_ instead when the retries are exhausted.
bool ReliableChannel::retransmit_oldest(uint64_t now, EmitFn fn, void *ctx) {
    if (unacked_.empty() || unacked_.front().deadline > now) return false;
    Outgoing &o = unacked_.front();
    if (o.retries >= cfg_.max_retransmits) {
        failed_ = true;
        return false;
    }
    ++o.retries;
    o.interval = std::min(o.interval * 2, cfg_.retransmit_cap_ns);
    o.deadline = now + o.interval;
    if (cfg_.slow_start) {
        ssthresh_ = std::max(cwnd_ / 2, 1u);
        cwnd_ = 1;
        ca_acks_ = 0;
    }
    stamp(o.bytes, o.ns, expected_);
    ++c_.retransmits;
    fn(ctx, o.bytes);
    return true;
}

void ReliableChannel::flush_impl(uint64_t now, EmitFn fn, void *ctx) {
    if (failed_) return;
    bool emitted = retransmit_oldest(now, fn, ctx);
    if (failed_) return;
    while (!queue_.empty() && unacked_.size() < send_window()) {
        unacked_.push_back(std::move(queue_.front()));
        queue_.pop_front();
        Outgoing &o = unacked_.back();
        o.interval = cfg_.retransmit_initial_ns;
        o.deadline = now + o.interval;
        stamp(o.bytes, o.ns, expected_);
        ++c_.sent;
        fn(ctx, o.bytes);
        emitted = true;
    }
    if (!emitted && !(ack_owed_ && ack_deadline_ <= now)) return;
    if (!emitted) {
        // Ns of a ZLB: that of our next new message, which it does not consume.
        std::array<uint8_t, kControlHeaderLen> zlb{};
        const uint16_t ns = uint16_t(acked_ + unacked_.size());
        const size_t len = build_zlb(zlb, peer_tunnel_id_, ns, expected_);
        fn(ctx, std::span<const uint8_t>(zlb.data(), len));
        ++c_.zlb_sent;
    }
    ack_owed_ = false;  // whatever went out carried our Nr
    ack_deadline_ = UINT64_MAX;
    unacked_rx_ = 0;
}

uint64_t ReliableChannel::next_deadline() const {
    if (failed_) return UINT64_MAX;
    if (!queue_.empty() && unacked_.size() < send_window()) return 0;
    uint64_t d = UINT64_MAX;
    if (!unacked_.empty()) d = unacked_.front().deadline;
    if (ack_owed_) d = std::min(d, ack_deadline_);
    return d;
}

}  // namespace lns::cp::l2tp
