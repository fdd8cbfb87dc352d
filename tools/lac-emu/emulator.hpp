// The LAC emulator's core: opens T tunnels with S sessions each against one LNS
// through a Link, at configured rates, holds them, clears them, and measures
// everything on the way (Report).  The CLI (options.cpp, lac_emu_main.cpp) only
// builds an EmuConfig and a Link and prints the Report.
//
// Phases of a run:
//   setup     tunnels are opened at tunnel_rate (SCCRQ); once a tunnel is up its
//             sessions are requested (ICRQ) at session_rate in total, round robin
//             over the tunnels that are up; ends when every planned tunnel and
//             session has come up or failed.
//   hold      hold_s seconds with everything up (HELLOs answered by the endpoint).
//   teardown  cdn: a CDN per session (teardown_rate), then, once every tunnel's
//             channel is idle (all CDNs acknowledged), StopCCN per tunnel;
//             stopccn: StopCCN per tunnel only; none: nothing.  StopCCNs count as
//             done when acknowledged (the channel is idle).
//   done      the final Report.
// A timeout or a signal marks what is unfinished as failed, sends StopCCN on every
// tunnel (teardown != none) and waits at most kGraceS for the acknowledgements.
//
// Protocol work is cp::l2tp::Endpoint's (one endpoint, LAC role); this class owns
// the time (CLOCK_MONOTONIC ns), the Link, the scheduler and the bookkeeping.
// Thread: the caller of run(), only.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "controlplane/l2tp/endpoint.hpp"
#include "tools/lac-emu/call_builder.hpp"
#include "tools/lac-emu/link.hpp"
#include "tools/lac-emu/report.hpp"
#include "tools/lac-emu/session_ctx.hpp"

namespace lns::lacemu {

enum class Teardown : uint8_t { none, cdn, stopccn };
const char *teardown_name(Teardown t);

struct EmuConfig {
    uint32_t lns_ip = 0;  // host order
    uint16_t lns_port = 1701;
    uint32_t tunnels = 1;
    uint32_t sessions_per_tunnel = 1;
    double tunnel_rate = 0;    // SCCRQs per second; 0: as fast as the loop goes
    double session_rate = 0;   // ICRQs per second over all tunnels; 0: as fast as possible
    double teardown_rate = 0;  // CDNs per second; 0: as fast as possible
    uint32_t max_pending = 0;  // sessions in setup at once; 0: no bound
    double hold_s = 0;
    Teardown teardown = Teardown::stopccn;
    double timeout_s = 0;               // the whole run; 0: no bound (the protocol timers bound it)
    double interval_s = 0;              // progress callback period; 0: none
    bool busy_poll = false;             // setup and teardown: spin on the link instead of sleeping
    cp::l2tp::EndpointConfig endpoint;  // names, call setup timeout, accept_outgoing_calls
    cp::l2tp::PeerPolicy peer;          // secret, authentication, hiding, HELLO, reliable
    CallConfig call;
    uint64_t seed = 1;
};

class Emulator {
  public:
    static constexpr double kGraceS = 2.0;  // StopCCN acknowledgements after timeout/signal

    using ProgressFn = std::function<void(const Report &)>;

    // `hooks` (optional) is the PPP layer to come; it must outlive the emulator.
    Emulator(const EmuConfig &cfg, Link &link, SessionHooks *hooks = nullptr);
    ~Emulator();

    // Signal count written by a signal handler: 1 winds the run down (as a
    // timeout does), 2 or more stops at once.
    void set_stop_flag(const volatile std::sig_atomic_t *flag) { stop_flag_ = flag; }

    // Runs the whole test; `progress` is called every interval_s.  Returns the
    // final report.
    Report run(const ProgressFn &progress = {});

    // A snapshot (percentiles sorted when `percentiles`).
    Report report(bool percentiles) const;

  private:
    enum class RunPhase : uint8_t { setup, hold, teardown_sessions, teardown_tunnels, done };
    // Failure reasons beyond cp::l2tp::DownReason (stored in the same byte).
    enum EmuReason : uint8_t { kOpenRefused = 100, kTimeout, kInterrupted, kUnknown };
    // Failure table rows (see FailureRow in report.hpp for the names).
    enum FailKind : uint8_t { kTunnel, kSession, kTunnelDrop, kSessionDrop, kTeardownFail };
    using FailKey =
        std::tuple<uint8_t, uint8_t, uint16_t, uint16_t>;  // kind, reason, result, error

    // Loop (emulator.cpp).
    static uint64_t clock_ns();
    uint64_t advance(uint64_t now);  // phase machine; returns its next wake-up time
    uint64_t schedule_tunnels(uint64_t now);
    uint64_t schedule_sessions(uint64_t now);
    void open_session(TunnelCtx &tc, uint64_t now);
    bool window_full(const TunnelCtx &tc) const;
    bool setup_done() const;
    void start_teardown(uint64_t now);
    uint64_t teardown_sessions(uint64_t now);
    uint64_t teardown_tunnels(uint64_t now);
    void close_tunnels(uint64_t now);
    uint64_t linger(uint64_t now);
    void abort_run(uint64_t now, uint8_t reason);
    void drain_hooks(uint64_t now);

    // Endpoint side (emulator_events.cpp).
    void on_event(const cp::l2tp::Event &ev);
    void on_tunnel_up(TunnelCtx &tc, const cp::l2tp::Event &ev);
    void on_tunnel_down(TunnelCtx &tc, const cp::l2tp::Event &ev);
    void on_session_up(TunnelCtx &tc, const cp::l2tp::Event &ev);
    void on_session_down(TunnelCtx &tc, const cp::l2tp::Event &ev);
    void handle_datagram(const Datagram &d, uint64_t now);
    void handle_data(std::span<const uint8_t> msg, uint64_t now);
    bool wrong_channel(const Datagram &d);
    void fail_session(SessionCtx &s, uint8_t reason, uint16_t result, uint16_t error);
    void fail_pending(TunnelCtx &tc, uint8_t reason, uint16_t result, uint16_t error);
    void snapshot(TunnelCtx &tc);
    TunnelCtx *tunnel_ctx(uint16_t id);
    void add_failure(FailKind kind, uint8_t reason, uint16_t result, uint16_t error,
                     uint64_t n = 1);
    static const char *kind_name(uint8_t k);
    static const char *reason_name(uint8_t r);

    EmuConfig cfg_;
    Link &link_;
    SessionHooks *hooks_;
    SessionHooks no_hooks_;
    cp::l2tp::Xoshiro rng_;
    CallBuilder calls_;
    std::unique_ptr<cp::l2tp::Endpoint> ep_;
    const volatile std::sig_atomic_t *stop_flag_ = nullptr;

    std::vector<TunnelCtx> tunnels_;
    std::vector<SessionCtx> sessions_;    // planned rows first, answered OCRQs after
    std::vector<uint32_t> tunnel_by_id_;  // our tunnel id -> TunnelCtx row
    std::vector<uint32_t> rotation_;      // ring of tunnels with sessions to request
    size_t rot_head_ = 0, rot_size_ = 0;
    std::vector<uint32_t> up_queue_, down_queue_;  // hooks to call after the endpoint returns

    RunPhase phase_ = RunPhase::setup;
    uint64_t now_ = 0, start_ = 0;
    double next_tunnel_at_ = 0, next_session_at_ = 0, next_cdn_at_ = 0;
    uint64_t hold_until_ = 0, grace_until_ = UINT64_MAX, next_check_ = 0;
    uint64_t setup_end_ = 0, teardown_start_ = 0, teardown_end_ = 0;
    uint64_t first_icrq_ = 0, last_up_ = 0;
    bool timed_out_ = false, interrupted_ = false, teardown_started_ = false;
    size_t td_cursor_ = 0;
    std::vector<uint32_t> td_wait_;  // tunnels whose CDNs / StopCCN await acknowledgement
    std::vector<uint32_t> linger_;   // failed tunnels still closing (not counted)

    // Counts.
    uint32_t tunnels_opened_ = 0;  // scheduler position (set to the end by abort_run)
    uint64_t t_requested_ = 0;
    uint64_t t_established_ = 0, t_failed_ = 0, t_dropped_ = 0, t_up_now_ = 0;
    uint64_t s_requested_ = 0, s_established_ = 0, s_failed_ = 0, s_not_requested_ = 0,
             s_dropped_ = 0, s_up_now_ = 0, s_pending_ = 0, s_outgoing_ = 0;
    uint64_t cdn_sent_ = 0, cdn_acked_ = 0, stopccn_sent_ = 0, stopccn_acked_ = 0, td_unacked_ = 0;
    uint64_t data_in_ = 0, data_unknown_ = 0;
    uint64_t wrong_channel_ = 0;  // for a tunnel of another client channel (dropped)
    std::vector<uint64_t> tunnel_setup_ns_, session_setup_ns_;
    std::map<FailKey, uint64_t> failures_;
};

}  // namespace lns::lacemu
