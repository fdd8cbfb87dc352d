// L2TP control-plane engine cost: tunnels and sessions set up between two
// Endpoints (a LAC and an LNS) in one thread, datagrams handed over in memory.
// Both sides run on the same core, so sessions/s here is a lower bound of what
// the LNS side alone sustains; the system figure (emulator -> lnsd over veth)
// is in perf/RESULTS.md.
//
//   build/perf/bench_l2tp --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <deque>
#include <vector>

#include "controlplane/l2tp/endpoint.hpp"

namespace {

using namespace lns::cp::l2tp;

struct Wire {
    std::deque<std::pair<Transport, std::vector<uint8_t>>> to_lac, to_lns;
};

struct Pair {
    Wire w;
    Xoshiro r1{1}, r2{2};
    uint64_t now = 1;
    uint64_t lac_up = 0, lns_up = 0, tunnels_up = 0;
    Transport lac_side{0xCB007102, 1701, 0xCB007101, 1701, 0};  // LNS's view of the LAC
    Transport lns_side{0xCB007101, 1701, 0xCB007102, 1701, 0};  // LAC's view of the LNS
    Endpoint lac, lns;

    static EndpointConfig config(bool lac_role) {
        EndpointConfig c;
        c.host_name = lac_role ? "lac" : "lns";
        c.max_tunnels = 65535;
        c.max_sessions = 1u << 24;
        c.default_peer.reliable.receive_window = 64;
        c.default_peer.reliable.slow_start = false;
        return c;
    }

    Pair()
        : lac(config(true), r1,
              [this](const Transport &, std::span<const uint8_t> b) {
                  w.to_lns.emplace_back(lac_side, std::vector<uint8_t>(b.begin(), b.end()));
              },
              [this](const Event &e) {
                  lac_up += e.kind == EventKind::session_up;
                  tunnels_up += e.kind == EventKind::tunnel_up;
              }),
          lns(config(false), r2,
              [this](const Transport &, std::span<const uint8_t> b) {
                  w.to_lac.emplace_back(lns_side, std::vector<uint8_t>(b.begin(), b.end()));
              },
              [this](const Event &e) { lns_up += e.kind == EventKind::session_up; }) {}

    void pump() {
        while (!w.to_lac.empty() || !w.to_lns.empty()) {
            while (!w.to_lns.empty()) {
                auto d = std::move(w.to_lns.front());
                w.to_lns.pop_front();
                lns.on_datagram(d.first, d.second, now);
            }
            while (!w.to_lac.empty()) {
                auto d = std::move(w.to_lac.front());
                w.to_lac.pop_front();
                lac.on_datagram(d.first, d.second, now);
            }
            now += 1000;
            if (lac.next_deadline() <= now) lac.on_timer(now);
            if (lns.next_deadline() <= now) lns.on_timer(now);
        }
    }
};

// Sessions per tunnel as the argument; one iteration = one session set up.
void BM_SessionSetup(benchmark::State &state) {
    const unsigned per_tunnel = unsigned(state.range(0));
    Pair p;
    PeerPolicy pol;
    pol.reliable.receive_window = 64;
    pol.reliable.slow_start = false;
    std::vector<uint16_t> tunnels;
    unsigned in_tunnel = per_tunnel;
    for (auto _ : state) {
        if (in_tunnel == per_tunnel) {
            state.PauseTiming();
            tunnels.push_back(p.lac.open_tunnel(p.lns_side, pol, p.now));
            p.pump();
            in_tunnel = 0;
            state.ResumeTiming();
        }
        CallInfo call;
        call.calling_number = "0123456789";
        p.lac.open_session(tunnels.back(), call, p.now);
        in_tunnel++;
        if (in_tunnel % 32 == 0 || in_tunnel == per_tunnel) p.pump();
    }
    p.pump();
    if (p.lns_up != uint64_t(state.iterations())) state.SkipWithError("not every session came up");
    state.counters["sessions/s"] = benchmark::Counter(double(p.lns_up), benchmark::Counter::kIsRate);
    state.counters["lns_sessions"] = double(p.lns.session_count());
}
BENCHMARK(BM_SessionSetup)->Arg(100)->Arg(1000)->Arg(10000);

// Tunnel setup (SCCRQ..SCCCN), no sessions; one iteration = one tunnel.
void BM_TunnelSetup(benchmark::State &state) {
    Pair p;
    PeerPolicy pol;
    uint64_t n = 0;
    for (auto _ : state) {
        p.lac.open_tunnel(p.lns_side, pol, p.now);
        if (++n % 32 == 0) p.pump();
        if (p.lac.tunnel_count() >= 60000) {
            state.PauseTiming();
            p.pump();
            p.lac.shutdown(p.now);
            p.pump();
            p.now += 120ull * 1000000000;  // past the hold and the id quarantine
            p.lac.on_timer(p.now);
            p.lns.on_timer(p.now);
            p.pump();
            state.ResumeTiming();
        }
    }
    p.pump();
    state.counters["tunnels/s"] = benchmark::Counter(double(p.tunnels_up), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TunnelSetup);

}  // namespace

BENCHMARK_MAIN();
