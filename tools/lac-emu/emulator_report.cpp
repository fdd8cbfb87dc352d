// Emulator::report: the run's numbers as a Report (formatting is report.cpp's).
#include <arpa/inet.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>

#include "tools/lac-emu/emulator.hpp"

namespace lns::lacemu {

namespace l2tp = cp::l2tp;

namespace {

Percentiles percentiles(std::vector<uint64_t> v) {
    Percentiles p;
    p.count = v.size();
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    const auto at = [&](double q) {  // nearest rank
        const size_t rank = size_t(std::ceil(q * double(v.size())));
        return double(v[std::clamp<size_t>(rank, 1, v.size()) - 1]) / 1e6;
    };
    p.p50_ms = at(0.50);
    p.p90_ms = at(0.90);
    p.p99_ms = at(0.99);
    p.max_ms = double(v.back()) / 1e6;
    return p;
}

void add(l2tp::ReliableCounters &a, const l2tp::ReliableCounters &b) {
    a.sent += b.sent;
    a.retransmits += b.retransmits;
    a.zlb_sent += b.zlb_sent;
    a.received += b.received;
    a.zlb_received += b.zlb_received;
    a.duplicates += b.duplicates;
    a.out_of_order += b.out_of_order;
    a.out_of_window += b.out_of_window;
    a.bad_nr += b.bad_nr;
    a.stale_nr += b.stale_nr;
}

std::string addr(uint32_t ip, uint16_t port) {
    in_addr a{htonl(ip)};
    char buf[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port);
}

double seconds(uint64_t ns) {
    return double(ns) / 1e9;
}

}  // namespace

const char *Emulator::kind_name(uint8_t k) {
    switch (k) {
        case kTunnel:
            return "tunnel";
        case kSession:
            return "session";
        case kTunnelDrop:
            return "tunnel_drop";
        case kSessionDrop:
            return "session_drop";
        case kTeardownFail:
            return "teardown";
    }
    return "?";
}

const char *Emulator::reason_name(uint8_t r) {
    switch (r) {
        case kOpenRefused:
            return "open_refused";
        case kTimeout:
            return "emulator_timeout";
        case kInterrupted:
            return "interrupted";
        case kUnknown:
            return "unknown";
        default:
            return l2tp::down_reason_name(l2tp::DownReason(r));
    }
}

Report Emulator::report(bool with_percentiles) const {
    Report r;
    r.lns = addr(cfg_.lns_ip, cfg_.lns_port);
    r.local = addr(link_.local_ip(), link_.local_port());
    r.link_kind = link_.kind();
    r.tunnels_planned = cfg_.tunnels;
    r.sessions_per_tunnel = cfg_.sessions_per_tunnel;
    r.tunnel_rate = cfg_.tunnel_rate;
    r.session_rate = cfg_.session_rate;
    r.hold_s = cfg_.hold_s;
    r.teardown_mode = teardown_name(cfg_.teardown);
    r.seed = cfg_.seed;

    r.elapsed_s = seconds(now_ - start_);
    static const char *const kPhase[] = {"setup", "hold", "teardown_sessions", "teardown_tunnels",
                                         "done"};
    r.phase = kPhase[unsigned(phase_)];
    r.timed_out = timed_out_;
    r.interrupted = interrupted_;

    auto &t = r.tunnels;
    t.planned = cfg_.tunnels;
    t.requested = t_requested_;
    t.established = t_established_;
    t.failed = t_failed_;
    t.dropped = t_dropped_;
    t.up_now = t_up_now_;
    auto &s = r.sessions;
    s.planned = uint64_t(cfg_.tunnels) * cfg_.sessions_per_tunnel;
    s.requested = s_requested_;
    s.established = s_established_;
    s.failed = s_failed_;
    s.not_requested = s_not_requested_;
    s.dropped = s_dropped_;
    s.up_now = s_up_now_;
    s.pending_now = s_pending_;
    s.outgoing_answered = s_outgoing_;
    if (first_icrq_ && last_up_ > first_icrq_) {
        s.window_s = seconds(last_up_ - first_icrq_);
        s.rate = double(s_established_) / s.window_s;
    }
    if (with_percentiles) {
        t.setup = percentiles(tunnel_setup_ns_);
        s.setup = percentiles(session_setup_ns_);
    } else {
        t.setup.count = tunnel_setup_ns_.size();
        s.setup.count = session_setup_ns_.size();
    }

    for (const auto &[key, n] : failures_)
        r.failures.push_back(FailureRow{kind_name(std::get<0>(key)), reason_name(std::get<1>(key)),
                                        std::get<2>(key), std::get<3>(key), n});
    std::stable_sort(r.failures.begin(), r.failures.end(),
                     [](const FailureRow &a, const FailureRow &b) { return a.count > b.count; });

    auto &td = r.teardown;
    td.mode = teardown_name(cfg_.teardown);
    td.started = teardown_started_;
    td.cdn_sent = cdn_sent_;
    td.cdn_acked = cdn_acked_;
    td.stopccn_sent = stopccn_sent_;
    td.stopccn_acked = stopccn_acked_;
    td.unacked = td_unacked_;
    td.complete = teardown_started_ && phase_ == RunPhase::done && td_unacked_ == 0 &&
                  cfg_.teardown != Teardown::none && !timed_out_ && !interrupted_;
    if (teardown_started_)
        td.duration_s = seconds((teardown_end_ ? teardown_end_ : now_) - teardown_start_);

    for (const TunnelCtx &tc : tunnels_) {
        const bool live =
            tc.phase == Phase::requested || tc.phase == Phase::up || tc.phase == Phase::closing;
        const l2tp::Tunnel *tun = live ? ep_->tunnel(tc.id) : nullptr;
        add(r.control, tun ? tun->ch.counters() : tc.rc);
    }
    r.endpoint = ep_->counters();
    r.link = link_.counters();
    r.data_in = data_in_;
    r.data_unknown = data_unknown_;
    r.wrong_channel = wrong_channel_;
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        r.cpu_user_s = double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6;
        r.cpu_sys_s = double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) / 1e6;
    }

    const bool all_up = t.established == t.planned && s.established == s.planned &&
                        t.dropped == 0 && s.dropped == 0;
    r.success =
        all_up && !timed_out_ && !interrupted_ && (cfg_.teardown == Teardown::none || td.complete);
    return r;
}

}  // namespace lns::lacemu
