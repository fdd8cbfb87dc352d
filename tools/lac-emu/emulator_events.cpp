// Emulator: what the endpoint reports (events) and received datagrams.
//
// The endpoint reports session_down for every call we asked for, also one that
// never came up (CDN in reply to the ICRQ, setup timeout, tunnel down): a
// session_down for a call still `requested` is a setup failure with its result
// code.
#include "tools/lac-emu/emulator.hpp"

namespace lns::lacemu {

namespace l2tp = cp::l2tp;

namespace {

constexpr uint32_t kNone = UINT32_MAX;

uint16_t be16(const uint8_t *p) {
    return uint16_t(p[0] << 8 | p[1]);
}

}  // namespace

TunnelCtx *Emulator::tunnel_ctx(uint16_t id) {
    const uint32_t i = tunnel_by_id_[id];
    if (i == kNone || tunnels_[i].id != id) return nullptr;
    return &tunnels_[i];
}

void Emulator::add_failure(FailKind kind, uint8_t reason, uint16_t result, uint16_t error,
                           uint64_t n) {
    if (n) failures_[FailKey{kind, reason, result, error}] += n;
}

void Emulator::snapshot(TunnelCtx &tc) {
    if (const l2tp::Tunnel *t = ep_->tunnel(tc.id)) tc.rc = t->ch.counters();
}

void Emulator::fail_session(SessionCtx &s, uint8_t reason, uint16_t result, uint16_t error) {
    TunnelCtx &tc = tunnels_[s.tunnel_index];
    if (s.phase == Phase::requested) {
        tc.pending--;
        s_pending_--;
        tc.sessions.erase(s.session_id);
    }
    s.phase = Phase::failed;
    s.t_down = now_;
    s_failed_++;
    add_failure(kSession, reason, result, error);
}

// Every call of `tc` still being set up fails.
void Emulator::fail_pending(TunnelCtx &tc, uint8_t reason, uint16_t result, uint16_t error) {
    for (uint32_t k = 0; k < tc.next && tc.pending > 0; k++) {
        SessionCtx &s = sessions_[tc.first_session + k];
        if (s.phase == Phase::requested) fail_session(s, reason, result, error);
    }
}

// ---- Events (inside the endpoint's callbacks: bookkeeping only) ----------------------

void Emulator::on_event(const l2tp::Event &ev) {
    TunnelCtx *tc = tunnel_ctx(ev.tunnel_id);
    if (!tc) return;  // not one of ours (we accept no tunnels)
    switch (ev.kind) {
        case l2tp::EventKind::tunnel_up:
            return on_tunnel_up(*tc, ev);
        case l2tp::EventKind::tunnel_down:
            return on_tunnel_down(*tc, ev);
        case l2tp::EventKind::session_up:
            return on_session_up(*tc, ev);
        case l2tp::EventKind::session_down:
            return on_session_down(*tc, ev);
        case l2tp::EventKind::session_accepted:
            return;  // not asked for (announce_accepted_calls is off)
    }
}

void Emulator::on_tunnel_up(TunnelCtx &tc, const l2tp::Event &ev) {
    if (tc.phase != Phase::requested) return;  // abandoned by a timeout or signal
    tc.phase = Phase::up;
    tc.t_up = now_;
    tc.peer_id = ev.peer_tunnel_id;
    t_established_++;
    t_up_now_++;
    tunnel_setup_ns_.push_back(now_ - tc.t_request);
    if (phase_ == RunPhase::setup && tc.next < tc.planned && !tc.in_rotation) {
        rotation_[(rot_head_ + rot_size_) % rotation_.size()] = tc.index;
        rot_size_++;
        tc.in_rotation = true;
    }
}

// Every call of the tunnel has had its session_down already (fail_pending is a
// safety net).
void Emulator::on_tunnel_down(TunnelCtx &tc, const l2tp::Event &ev) {
    snapshot(tc);
    tc.t_down = now_;
    tc.down_reason = uint8_t(ev.reason);
    tc.down_result = ev.result;
    tc.down_error = ev.error;
    const uint8_t why = uint8_t(ev.reason);
    switch (tc.phase) {
        case Phase::requested:
            tc.phase = Phase::failed;
            t_failed_++;
            add_failure(kTunnel, why, ev.result, ev.error);
            break;
        case Phase::up:
            tc.phase = Phase::dropped;
            t_dropped_++;
            t_up_now_--;
            add_failure(kTunnelDrop, why, ev.result, ev.error);
            fail_pending(tc, uint8_t(l2tp::DownReason::tunnel_down), ev.result, ev.error);
            break;
        default:
            return;  // closing (our StopCCN), or already given up
    }
    s_not_requested_ += tc.planned - tc.next;
    tc.next = tc.planned;
}

void Emulator::on_session_up(TunnelCtx &tc, const l2tp::Event &ev) {
    uint32_t row = tc.sessions.find(ev.session_id);
    if (row == kNone) {
        if (!ev.lns_initiated) return;
        row = uint32_t(sessions_.size());  // an outgoing call we answered (--answer-ocrq)
        SessionCtx &s = sessions_.emplace_back();
        s.index = row;
        s.tunnel_index = tc.index;
        s.tunnel_id = tc.id;
        s.session_id = ev.session_id;
        s.outgoing = true;
        s.t_request = now_;
        tc.sessions.insert(ev.session_id, row);
        s_outgoing_++;
    } else {
        SessionCtx &s = sessions_[row];
        if (s.phase != Phase::requested) return;
        tc.pending--;
        s_pending_--;
        s_established_++;
        s_up_now_++;
        session_setup_ns_.push_back(now_ - s.t_request);
        last_up_ = now_;
    }
    SessionCtx &s = sessions_[row];
    s.phase = Phase::up;
    s.t_up = now_;
    s.peer_tunnel_id = ev.peer_tunnel_id;
    s.peer_session_id = ev.peer_session_id;
    if (ev.call) s.sequencing = ev.call->sequencing_required;
    tc.up++;
    if (hooks_ != &no_hooks_) up_queue_.push_back(row);
}

void Emulator::on_session_down(TunnelCtx &tc, const l2tp::Event &ev) {
    const uint32_t row = tc.sessions.find(ev.session_id);
    if (row == kNone) return;
    SessionCtx &s = sessions_[row];
    if (s.phase == Phase::requested)
        return fail_session(s, uint8_t(ev.reason), ev.result, ev.error);
    tc.sessions.erase(ev.session_id);
    s.t_down = now_;
    if (s.phase == Phase::up) {
        tc.up--;
        if (!s.outgoing) s_up_now_--;
        if (tc.phase == Phase::closing) {
            s.phase = Phase::closed;  // our StopCCN took it down
        } else {
            s.phase = Phase::dropped;
            if (!s.outgoing) {
                s_dropped_++;
                add_failure(kSessionDrop, uint8_t(ev.reason), ev.result, ev.error);
            }
        }
    } else if (s.phase == Phase::closing) {
        s.phase = Phase::closed;  // our CDN: its acknowledgement is tracked per tunnel
    }
    if (hooks_ != &no_hooks_) down_queue_.push_back(row);
}

// ---- Input -------------------------------------------------------------------------

void Emulator::handle_datagram(const Datagram &d, uint64_t now) {
    const std::span<const uint8_t> b = d.bytes;
    if (link_.channels() > 1 && wrong_channel(d)) {
        wrong_channel_++;
        return;
    }
    if (!b.empty() && !(b[0] & 0x80)) return handle_data(b, now);  // T=0: a data message
    ep_->on_datagram(d.from, b, now);
}

// With several client channels (L2TP/IPsec clients behind one NAT), a message for
// one client's tunnel that arrives on another client's channel is what that
// other client would see: not its tunnel.  (The LNS sent it with the wrong SA.)
bool Emulator::wrong_channel(const Datagram &d) {
    const std::span<const uint8_t> b = d.bytes;
    if (b.size() < 2) return false;
    const size_t off = 2 + ((b[0] & 0x40) ? 2 : 0);  // L bit: a length field
    if (b.size() < off + 2) return false;
    const uint16_t tid = be16(&b[off]);
    const TunnelCtx *tc = tid ? tunnel_ctx(tid) : nullptr;
    return tc && tc->index % link_.channels() != d.from.iface;
}

// L2TP data header (RFC 2661 §3.1): flags/version, [length], tunnel, session,
// [Ns, Nr], [offset size, padding], then the PPP frame.
void Emulator::handle_data(std::span<const uint8_t> b, uint64_t now) {
    if (b.size() < 6 || (b[1] & 0x0f) != 2) {
        data_unknown_++;
        return;
    }
    const uint16_t flags = be16(&b[0]);
    size_t off = 2 + ((flags & 0x4000) ? 2 : 0);
    const bool seq = flags & 0x0800;
    if (b.size() < off + 4 + (seq ? 4 : 0)) {
        data_unknown_++;
        return;
    }
    const uint16_t tid = be16(&b[off]), sid = be16(&b[off + 2]);
    off += 4;
    uint16_t ns = 0, nr = 0;
    if (seq) {
        ns = be16(&b[off]);
        nr = be16(&b[off + 2]);
        off += 4;
    }
    if (flags & 0x0200) {
        if (b.size() < off + 2) {
            data_unknown_++;
            return;
        }
        off += 2 + be16(&b[off]);
    }
    TunnelCtx *tc = tunnel_ctx(tid);
    const uint32_t row = tc ? tc->sessions.find(sid) : kNone;
    if (off > b.size() || row == kNone) {
        data_unknown_++;
        return;
    }
    data_in_++;
    hooks_->on_data(sessions_[row], b.subspan(off), seq, ns, nr, now);
}

}  // namespace lns::lacemu
