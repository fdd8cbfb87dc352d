// Emulator: the run loop, the scheduler (tunnels, then sessions round robin) and
// teardown.  Event bookkeeping is in emulator_events.cpp, reports in
// emulator_report.cpp.
#include "tools/lac-emu/emulator.hpp"

#include <time.h>

#include <algorithm>

namespace lns::lacemu {

namespace l2tp = cp::l2tp;

namespace {

constexpr unsigned kOpenBurst = 256;    // opens / CDNs per loop turn: input is never starved
constexpr double kMaxLagNs = 2e6;       // a late loop catches up at most 2 ms of schedule
constexpr uint64_t kCheckNs = 1000000;  // teardown: acknowledgement checks every 1 ms
constexpr uint32_t kNone = UINT32_MAX;

uint64_t seconds_ns(double s) {
    return s <= 0 ? 0 : uint64_t(s * 1e9);
}

double step_ns(double rate) {
    return rate > 0 ? 1e9 / rate : 0;
}

uint64_t wake_at(double t, uint64_t now) {
    return t <= double(now) ? now : uint64_t(t);
}

}  // namespace

const char *teardown_name(Teardown t) {
    switch (t) {
        case Teardown::none:
            return "none";
        case Teardown::cdn:
            return "cdn";
        case Teardown::stopccn:
            return "stopccn";
    }
    return "?";
}

const char *phase_name(Phase p) {
    switch (p) {
        case Phase::idle:
            return "idle";
        case Phase::requested:
            return "requested";
        case Phase::up:
            return "up";
        case Phase::failed:
            return "failed";
        case Phase::dropped:
            return "dropped";
        case Phase::closing:
            return "closing";
        case Phase::closed:
            return "closed";
    }
    return "?";
}

Emulator::Emulator(const EmuConfig &cfg, Link &link, SessionHooks *hooks)
    : cfg_(cfg),
      link_(link),
      hooks_(hooks ? hooks : &no_hooks_),
      rng_(cfg.seed),
      calls_(cfg_.call, rng_),
      tunnel_by_id_(65536, kNone) {
    const uint64_t planned = uint64_t(cfg_.tunnels) * cfg_.sessions_per_tunnel;
    l2tp::EndpointConfig ec = cfg_.endpoint;
    ec.max_tunnels = std::max<uint32_t>(cfg_.tunnels, 1);
    ec.max_sessions = uint32_t(std::min<uint64_t>(planned + 65536, UINT32_MAX));
    ec.max_sessions_per_tunnel = 65535;
    ec.accept_unknown_peers = false;  // a LAC: tunnels are ours only
    ec.peers.clear();
    ep_ = std::make_unique<l2tp::Endpoint>(
        ec, rng_,
        [this](const l2tp::Transport &to, std::span<const uint8_t> b) { link_.send(to, b); },
        [this](const l2tp::Event &ev) { on_event(ev); });

    tunnels_.resize(cfg_.tunnels);
    sessions_.resize(planned);
    for (uint32_t i = 0; i < cfg_.tunnels; i++) {
        TunnelCtx &tc = tunnels_[i];
        tc.index = i;
        tc.first_session = i * cfg_.sessions_per_tunnel;
        tc.planned = cfg_.sessions_per_tunnel;
        tc.sessions.reserve(std::min<uint32_t>(cfg_.sessions_per_tunnel, 65535));
    }
    for (uint64_t n = 0; n < planned; n++) {
        sessions_[n].index = uint32_t(n);
        sessions_[n].tunnel_index = uint32_t(n / cfg_.sessions_per_tunnel);
    }
    rotation_.resize(std::max<uint32_t>(cfg_.tunnels, 1));
    tunnel_setup_ns_.reserve(cfg_.tunnels);
    session_setup_ns_.reserve(planned);
}

Emulator::~Emulator() = default;

uint64_t Emulator::clock_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// ---- The loop --------------------------------------------------------------------

Report Emulator::run(const ProgressFn &progress) {
    start_ = now_ = clock_ns();
    next_tunnel_at_ = next_session_at_ = double(start_);
    const uint64_t deadline = cfg_.timeout_s > 0 ? start_ + seconds_ns(cfg_.timeout_s) : UINT64_MAX;
    const uint64_t interval = seconds_ns(cfg_.interval_s);
    uint64_t next_progress = interval ? start_ + interval : UINT64_MAX;
    while (phase_ != RunPhase::done) {
        now_ = clock_ns();
        const int signals = stop_flag_ ? int(*stop_flag_) : 0;
        if (signals >= 2) {
            if (!interrupted_) abort_run(now_, kInterrupted);
            break;
        }
        if (signals == 1 && !interrupted_ && !timed_out_) abort_run(now_, kInterrupted);
        if (now_ >= deadline && !timed_out_ && !interrupted_) abort_run(now_, kTimeout);

        if (ep_->next_deadline() <= now_) {
            ep_->on_timer(now_);
        }
        if (hooks_->next_deadline() <= now_) hooks_->on_timer(now_);
        drain_hooks(now_);
        // After timers and input, so that the phase sees their effects before sleeping.
        uint64_t wake = advance(now_);
        if (phase_ == RunPhase::done) break;
        link_.flush();
        if (now_ >= next_progress) {
            if (progress) progress(report(false));
            next_progress = std::max(next_progress + interval, now_ + 1);
        }

        wake = std::min({wake, ep_->next_deadline(), hooks_->next_deadline(), next_progress});
        if (!timed_out_ && !interrupted_) wake = std::min(wake, deadline);
        const uint64_t t = clock_ns();
        const bool spin = cfg_.busy_poll && phase_ != RunPhase::hold;
        const auto batch = link_.poll(wake > t && !spin ? wake - t : 0);
        if (batch.empty()) continue;
        now_ = clock_ns();
        for (const Datagram &d : batch) handle_datagram(d, now_);
        drain_hooks(now_);
    }
    if (teardown_started_ && teardown_end_ == 0) teardown_end_ = now_;
    link_.flush();
    Report r = report(true);
    r.finished = true;
    return r;
}

// Moves the run through its phases; returns when it next has something to do.
uint64_t Emulator::advance(uint64_t now) {
    switch (phase_) {
        case RunPhase::setup: {
            const uint64_t w = std::min(schedule_tunnels(now), schedule_sessions(now));
            if (!setup_done()) return w;
            setup_end_ = now;
            hold_until_ = now + seconds_ns(cfg_.hold_s);
            phase_ = RunPhase::hold;
            hooks_->on_hold(now, hold_until_);
            [[fallthrough]];
        }
        case RunPhase::hold:
            if (now < hold_until_) return hold_until_;
            start_teardown(now);
            return now;
        case RunPhase::teardown_sessions:
            return teardown_sessions(now);
        case RunPhase::teardown_tunnels:
            return teardown_tunnels(now);
        case RunPhase::done:
            break;
    }
    return UINT64_MAX;
}

bool Emulator::setup_done() const {
    const uint64_t planned = uint64_t(cfg_.tunnels) * cfg_.sessions_per_tunnel;
    return tunnels_opened_ == cfg_.tunnels && t_established_ + t_failed_ == cfg_.tunnels &&
           s_established_ + s_failed_ + s_not_requested_ == planned && hooks_->settled();
}

// ---- Setup -------------------------------------------------------------------------

uint64_t Emulator::schedule_tunnels(uint64_t now) {
    if (tunnels_opened_ >= cfg_.tunnels) return UINT64_MAX;
    const double step = step_ns(cfg_.tunnel_rate);
    next_tunnel_at_ = std::max(next_tunnel_at_, double(now) - kMaxLagNs);
    l2tp::Transport to;
    to.peer_ip = cfg_.lns_ip;
    to.peer_port = cfg_.lns_port;
    to.local_ip = link_.local_ip();
    to.local_port = link_.local_port();
    for (unsigned n = 0;
         n < kOpenBurst && tunnels_opened_ < cfg_.tunnels && next_tunnel_at_ <= double(now); n++) {
        TunnelCtx &tc = tunnels_[tunnels_opened_++];
        to.iface = uint16_t(tc.index % std::max<uint16_t>(link_.channels(), 1));
        next_tunnel_at_ += step;
        tc.t_request = now;
        tc.phase = Phase::requested;
        t_requested_++;
        const uint16_t id = ep_->open_tunnel(to, cfg_.peer, now);
        if (id == 0) {
            tc.phase = Phase::failed;
            t_failed_++;
            add_failure(kTunnel, kOpenRefused, 0, 0);
            s_not_requested_ += tc.planned;
            tc.next = tc.planned;
            continue;
        }
        tc.id = id;
        tunnel_by_id_[id] = tc.index;
    }
    return tunnels_opened_ < cfg_.tunnels ? wake_at(next_tunnel_at_, now) : UINT64_MAX;
}

uint64_t Emulator::schedule_sessions(uint64_t now) {
    const double step = step_ns(cfg_.session_rate);
    next_session_at_ = std::max(next_session_at_, double(now) - kMaxLagNs);
    unsigned n = 0;
    size_t blocked = 0;  // tunnels passed over in a row because their window is full
    while (rot_size_ > 0 && blocked < rot_size_ && next_session_at_ <= double(now) &&
           n < kOpenBurst) {
        if (cfg_.max_pending && s_pending_ >= cfg_.max_pending)
            return UINT64_MAX;  // input wakes us
        const uint32_t ti = rotation_[rot_head_];
        rot_head_ = (rot_head_ + 1) % rotation_.size();
        rot_size_--;
        TunnelCtx &tc = tunnels_[ti];
        tc.in_rotation = false;
        if (tc.phase != Phase::up || tc.next >= tc.planned) continue;
        if (window_full(tc)) {
            blocked++;
        } else {
            blocked = 0;
            open_session(tc, now);
            n++;
            next_session_at_ += step;
        }
        if (tc.phase == Phase::up && tc.next < tc.planned) {
            rotation_[(rot_head_ + rot_size_) % rotation_.size()] = ti;
            rot_size_++;
            tc.in_rotation = true;
        }
    }
    if (rot_size_ == 0 || blocked >= rot_size_) return UINT64_MAX;  // acknowledgements wake us
    if (cfg_.max_pending && s_pending_ >= cfg_.max_pending) return UINT64_MAX;
    return wake_at(next_session_at_, now);
}

// Backpressure: an ICRQ is sent only when the tunnel's send window has room, so
// that it never queues in the channel -- queued ICRQs would delay the ICCNs behind
// them (and the StopCCN at the end) and inflate every setup time.
bool Emulator::window_full(const TunnelCtx &tc) const {
    const l2tp::Tunnel *t = ep_->tunnel(tc.id);
    if (!t) return false;
    const size_t window = std::min<size_t>(t->ch.cwnd(), t->ch.peer_window());
    return t->ch.queued() > 0 || t->ch.in_flight() >= window;
}

void Emulator::open_session(TunnelCtx &tc, uint64_t now) {
    const uint32_t k = tc.next++;
    const uint32_t row = tc.first_session + k;
    const l2tp::CallInfo &call = calls_.build(row, tc.index, k);
    SessionCtx &s = sessions_[row];
    s.tunnel_id = tc.id;
    s.t_request = now;
    s.sequencing = call.sequencing_required;
    s_requested_++;
    if (first_icrq_ == 0) first_icrq_ = now;
    const uint16_t sid = ep_->open_session(tc.id, call, now);
    if (sid == 0) return fail_session(s, kOpenRefused, 0, 0);
    if (tc.phase != Phase::up)  // the tunnel died while sending (its tunnel_down is done)
        return fail_session(s, uint8_t(l2tp::DownReason::tunnel_down), tc.down_result,
                            tc.down_error);
    s.session_id = sid;
    s.phase = Phase::requested;
    tc.sessions.insert(sid, row);
    tc.pending++;
    s_pending_++;
}

// ---- Teardown ----------------------------------------------------------------------

void Emulator::start_teardown(uint64_t now) {
    hooks_->on_hold_end(now);
    teardown_started_ = true;
    teardown_start_ = now;
    next_check_ = now;
    switch (cfg_.teardown) {
        case Teardown::none:
            teardown_end_ = now;
            phase_ = RunPhase::done;
            break;
        case Teardown::cdn:
            phase_ = RunPhase::teardown_sessions;
            td_cursor_ = 0;
            next_cdn_at_ = double(now);
            break;
        case Teardown::stopccn:
            phase_ = RunPhase::teardown_tunnels;
            close_tunnels(now);
            break;
    }
}

// CDN (result 3, administrative) for every session that is up, at teardown_rate;
// then waits until each tunnel's channel is idle (everything acknowledged).
uint64_t Emulator::teardown_sessions(uint64_t now) {
    const double step = step_ns(cfg_.teardown_rate);
    next_cdn_at_ = std::max(next_cdn_at_, double(now) - kMaxLagNs);
    for (unsigned n = 0;
         n < kOpenBurst && td_cursor_ < sessions_.size() && next_cdn_at_ <= double(now);) {
        SessionCtx &s = sessions_[td_cursor_++];
        if (s.phase != Phase::up) continue;
        TunnelCtx &tc = tunnels_[s.tunnel_index];
        s.phase = Phase::closing;
        tc.up--;
        if (!s.outgoing) s_up_now_--;
        if (!ep_->close_session(s.tunnel_id, s.session_id, l2tp::cdn::kAdmin, 0, now)) continue;
        if (tc.cdns_unacked++ == 0) td_wait_.push_back(tc.index);
        cdn_sent_++;
        next_cdn_at_ += step;
        n++;
    }
    if (now >= next_check_) {
        next_check_ = now + kCheckNs;
        size_t keep = 0;
        for (uint32_t ti : td_wait_) {
            TunnelCtx &tc = tunnels_[ti];
            const l2tp::Tunnel *t = tc.phase == Phase::up ? ep_->tunnel(tc.id) : nullptr;
            if (t && !t->ch.idle()) {
                td_wait_[keep++] = ti;
                continue;
            }
            if (t) {
                cdn_acked_ += tc.cdns_unacked;
            } else {  // the tunnel went down under its CDNs
                td_unacked_ += tc.cdns_unacked;
                add_failure(kTeardownFail, tc.down_reason, tc.down_result, tc.down_error,
                            tc.cdns_unacked);
            }
            tc.cdns_unacked = 0;
        }
        td_wait_.resize(keep);
    }
    if (td_cursor_ < sessions_.size()) return std::min(wake_at(next_cdn_at_, now), next_check_);
    if (!td_wait_.empty()) return next_check_;
    phase_ = RunPhase::teardown_tunnels;
    close_tunnels(now);
    return now;
}

// StopCCN (result 1) on every tunnel that is up or was abandoned half set up.
void Emulator::close_tunnels(uint64_t now) {
    next_check_ = now;
    for (TunnelCtx &tc : tunnels_) {
        if (tc.phase != Phase::up && !tc.abandoned) continue;
        if (tc.phase == Phase::up) t_up_now_--;
        tc.phase = Phase::closing;
        tc.abandoned = false;
        if (!ep_->close_tunnel(tc.id, l2tp::stopccn::kClear, 0, now)) continue;
        stopccn_sent_++;
        td_wait_.push_back(tc.index);
    }
}

// Waits for the StopCCNs' acknowledgements (channel idle).
uint64_t Emulator::teardown_tunnels(uint64_t now) {
    if (now >= next_check_) {
        next_check_ = now + kCheckNs;
        size_t keep = 0;
        for (uint32_t ti : td_wait_) {
            TunnelCtx &tc = tunnels_[ti];
            const l2tp::Tunnel *t = ep_->tunnel(tc.id);
            if (t && !t->ch.idle()) {
                td_wait_[keep++] = ti;
                continue;
            }
            if (t) {
                snapshot(tc);
                tc.phase = Phase::closed;
                stopccn_acked_++;
            } else {  // destroyed: retransmissions exhausted
                td_unacked_++;
                add_failure(kTeardownFail, uint8_t(l2tp::DownReason::peer_dead),
                            l2tp::stopccn::kClear, 0);
            }
        }
        td_wait_.resize(keep);
    }
    if (td_wait_.empty()) return linger(now);
    if (now >= grace_until_) {
        for (uint32_t ti : td_wait_) {
            snapshot(tunnels_[ti]);
            td_unacked_++;
            add_failure(kTeardownFail, interrupted_ ? kInterrupted : kTimeout,
                        l2tp::stopccn::kClear, 0);
        }
        td_wait_.clear();
        teardown_end_ = now;
        phase_ = RunPhase::done;
        return UINT64_MAX;
    }
    return std::min(next_check_, grace_until_);
}

// After the teardown proper: tunnels that failed or dropped earlier may still be
// delivering their StopCCN (ours or an acknowledgement of theirs).  Waits, at most
// kGraceS and uncounted, until every channel is idle, so that the LNS is left clean.
uint64_t Emulator::linger(uint64_t now) {
    if (teardown_end_ == 0) {
        teardown_end_ = now;
        grace_until_ = std::min(grace_until_, now + seconds_ns(kGraceS));
        for (const TunnelCtx &tc : tunnels_)
            if (tc.phase == Phase::failed || tc.phase == Phase::dropped)
                linger_.push_back(tc.index);
    }
    size_t keep = 0;
    for (uint32_t ti : linger_) {
        const l2tp::Tunnel *t = ep_->tunnel(tunnels_[ti].id);
        if (t && t->state == l2tp::TunnelState::closing && !t->ch.idle()) linger_[keep++] = ti;
    }
    linger_.resize(keep);
    if (linger_.empty() || now >= grace_until_) {
        phase_ = RunPhase::done;
        return UINT64_MAX;
    }
    next_check_ = now + kCheckNs;
    return std::min(next_check_, grace_until_);
}

// Timeout or signal: whatever is unfinished fails with `reason`; tunnels get a
// StopCCN (unless teardown is none) and kGraceS to acknowledge it.
void Emulator::abort_run(uint64_t now, uint8_t reason) {
    (reason == kTimeout ? timed_out_ : interrupted_) = true;
    for (TunnelCtx &tc : tunnels_) {
        if (tc.phase == Phase::idle) {
            s_not_requested_ += tc.planned;
            tc.next = tc.planned;
        } else if (tc.phase == Phase::requested) {
            tc.phase = Phase::failed;
            tc.abandoned = true;
            t_failed_++;
            add_failure(kTunnel, reason, 0, 0);
            s_not_requested_ += tc.planned - tc.next;
            tc.next = tc.planned;
        } else if (tc.phase == Phase::up) {
            fail_pending(tc, reason, 0, 0);
            s_not_requested_ += tc.planned - tc.next;
            tc.next = tc.planned;
        }
    }
    tunnels_opened_ = cfg_.tunnels;
    rot_size_ = 0;
    if (phase_ == RunPhase::teardown_sessions) {  // CDNs still unacknowledged: given up
        for (uint32_t ti : td_wait_) {
            td_unacked_ += tunnels_[ti].cdns_unacked;
            add_failure(kTeardownFail, reason, l2tp::cdn::kAdmin, 0, tunnels_[ti].cdns_unacked);
            tunnels_[ti].cdns_unacked = 0;
        }
        td_wait_.clear();
    }
    if (!teardown_started_) {
        hooks_->on_hold_end(now);
        teardown_started_ = true;
        teardown_start_ = now;
    }
    grace_until_ = now + seconds_ns(kGraceS);
    if (cfg_.teardown == Teardown::none) {
        phase_ = RunPhase::done;
        return;
    }
    if (phase_ != RunPhase::teardown_tunnels) {
        phase_ = RunPhase::teardown_tunnels;
        close_tunnels(now);
    }
}

// Hooks run here, outside the endpoint's callbacks.
void Emulator::drain_hooks(uint64_t now) {
    for (uint32_t row : up_queue_) {
        SessionCtx &s = sessions_[row];
        if (s.phase != Phase::up) continue;
        const l2tp::Tunnel *t = ep_->tunnel(s.tunnel_id);
        const auto it = t ? t->sessions.find(s.session_id) : decltype(t->sessions.end()){};
        if (t && it != t->sessions.end()) hooks_->on_up(s, it->second.call, t->transport, now);
    }
    up_queue_.clear();
    for (uint32_t row : down_queue_) hooks_->on_down(sessions_[row], now);
    down_queue_.clear();
}

}  // namespace lns::lacemu
