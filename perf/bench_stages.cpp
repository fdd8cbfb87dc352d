// Micro-benchmark of the worker stages without a poll-mode driver in the way:
// bursts of 32 frames are copied into fresh mbufs (as net_pcap's infinite_rx
// does), run through process_upstream_burst / process_downstream_burst, and
// transmitted to net_null.  Reports ns per packet; under
// `valgrind --tool=callgrind` the instruction counts are repeatable on a busy
// machine, which wall-clock figures here are not.
//
//   build/perf/bench_stages [--benchmark_filter=...]
//   args: {sessions, inner IP bytes}; sessions are hit uniformly at random.
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "config/config.hpp"
#include "controlplane/control_core.hpp"
#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"
#include "dataplane/runtime.hpp"

namespace {

using namespace lns;

constexpr uint32_t kMaxSessions = 1u << 20;

struct Bench {
    std::unique_ptr<dp::Runtime> rt;
    std::unique_ptr<cp::ControlCore> cc;
    uint32_t sessions = 0;
};

cfg::Config make_config(uint32_t sessions) {
    cfg::Config c;
    c.eal.no_huge = true;
    c.eal.memory_mb = 3072;
    c.eal.no_pci = true;
    c.eal.file_prefix = "lnsbench" + std::to_string(getpid());
    c.eal.extra_args = {"--log-level=error"};
    c.control_lcore = 0;
    c.mbufs = 16383;
    cfg::PortConfig a;
    a.name = "access0";
    a.device = "net_null0,no-rx=1";
    a.role = cfg::PortRole::access;
    a.ipv4 = {0xcb007101, 24};  // 203.0.113.1/24
    a.rx_queues = 0;
    cfg::PortConfig k;
    k.name = "core0";
    k.device = "net_null1,no-rx=1";
    k.role = cfg::PortRole::core;
    k.ipv4 = {0xc6336401, 24};  // 198.51.100.1/24
    k.gateway4 = 0xc63364fe;
    k.rx_queues = 0;
    c.ports = {a, k};
    cfg::WorkerConfig w;
    w.lcore = 1;
    c.workers = {w};
    cfg::StaticNeighbor gw;
    gw.port = 1;
    gw.ipv4 = 0xc63364fe;
    gw.mac = {2, 0, 0, 0, 0, 0xfe};
    cfg::StaticNeighbor lac;
    lac.port = 0;
    lac.ipv4 = 0xcb007102;
    lac.mac = {2, 0, 0, 0, 0, 2};
    c.neighbors = {gw, lac};
    c.tables.max_sessions = kMaxSessions;
    cfg::StaticSession s;
    s.port = 0;
    s.count = sessions;
    s.sessions_per_tunnel = 1000;
    s.local_tunnel_id = 1;
    s.local_session_id = 1;
    s.remote_tunnel_id = 1;
    s.remote_session_id = 1;
    s.lac_address = 0xcb007102;
    s.ipv4 = 0x64400001;  // 100.64.0.1
    c.sessions = {s};
    c.core_port = 1;
    return c;
}

// One runtime for the process, with every session installed; a case with fewer
// sessions sends traffic to the first N only, so its working set is N sessions.
Bench &bench() {
    static Bench b;
    if (b.rt) return b;
    std::string err;
    const cfg::Config c = make_config(kMaxSessions);
    if (!dp::init_eal(c, "bench_stages", &err)) std::abort();
    b.rt = dp::create_runtime(c, &err);
    if (b.rt) {
        b.cc = std::make_unique<cp::ControlCore>(*b.rt);
        if (!b.cc->init(&err)) b.rt.reset();
    }
    if (!b.rt) {
        std::fprintf(stderr, "bench_stages: %s\n", err.c_str());
        std::abort();
    }
    for (const auto &p : b.rt->ports) rte_eth_dev_start(p.port_id);
    b.sessions = kMaxSessions;
    return b;
}

void put_ipv4_udp(uint8_t *ip, uint32_t src, uint32_t dst, size_t len) {
    if (len < 28 || len > 9000) std::abort();
    std::memset(ip, 0, len);
    ip[0] = 0x45;
    dp::store_be16(ip + 2, uint16_t(len));
    ip[8] = 64;
    ip[9] = dp::kIpProtoUdp;
    dp::store_be32(ip + 12, src);
    dp::store_be32(ip + 16, dst);
    dp::store_be16(ip + 10, dp::csum_fold(dp::csum_partial(ip, 20)));
    dp::store_be16(ip + 20, 1000);
    dp::store_be16(ip + 22, 2000);
    dp::store_be16(ip + 24, uint16_t(len - 20));
}

// Upstream frames: Ethernet/IPv4/UDP/L2TP/PPP/IPv4-UDP of `inner` bytes.
std::vector<std::vector<uint8_t>> upstream_frames(uint32_t sessions, size_t inner, size_t n) {
    std::mt19937 rng(1);
    std::vector<std::vector<uint8_t>> out;
    for (size_t i = 0; i < n; i++) {
        const uint32_t s = rng() % sessions;
        const uint16_t tunnel = uint16_t(1 + s / 1000), session = uint16_t(1 + s % 1000);
        std::vector<uint8_t> f(14 + 20 + 8 + 10 + inner);
        uint8_t *p = f.data();
        std::memcpy(p, "\x02\x70\x63\x61\x70\x00\x02\x00\x00\x00\x00\x02\x08\x00", 14);
        put_ipv4_udp(p + 14, 0xcb007102, 0xcb007101, f.size() - 14);
        dp::store_be16(p + 34, 1701);
        dp::store_be16(p + 36, 1701);
        dp::store_be16(p + 40, 0);
        dp::L2tpTxFraming fr;
        dp::write_l2tp_ppp_header(p + 42, fr, tunnel, session, 0, dp::kPppIpv4, inner);
        put_ipv4_udp(p + 52, 0x64400001 + s, 0xc0000209, inner);  // to 192.0.2.9, off-link
        out.push_back(std::move(f));
    }
    return out;
}

std::vector<std::vector<uint8_t>> downstream_frames(uint32_t sessions, size_t inner, size_t n) {
    std::mt19937 rng(2);
    std::vector<std::vector<uint8_t>> out;
    for (size_t i = 0; i < n; i++) {
        const uint32_t s = rng() % sessions;
        std::vector<uint8_t> f(14 + inner);
        std::memcpy(f.data(), "\x02\x70\x63\x61\x70\x01\x02\x00\x00\x00\x00\xfe\x08\x00", 14);
        put_ipv4_udp(f.data() + 14, 0xc0000209, 0x64400001 + s, inner);
        out.push_back(std::move(f));
    }
    return out;
}

void run(benchmark::State &state, bool up) {
    const uint32_t sessions = uint32_t(state.range(0));
    const size_t inner = size_t(state.range(1));
    Bench &b = bench();
    dp::WorkerCtx *ctx = b.rt->workers[0];
    const auto frames = up ? upstream_frames(sessions, inner, 8192) : downstream_frames(sessions, inner, 8192);
    size_t next = 0;
    rte_mbuf *pkts[32];
    for (auto _ : state) {
        if (rte_pktmbuf_alloc_bulk(b.rt->pool, pkts, 32) != 0) {
            state.SkipWithError("mbuf pool empty");
            break;
        }
        for (auto *m : pkts) {
            const auto &f = frames[next++ & 8191];
            std::memcpy(rte_pktmbuf_append(m, uint16_t(f.size())), f.data(), f.size());
        }
        if (up)
            dp::process_upstream_burst(ctx, 0, pkts, 32);
        else
            dp::process_downstream_burst(ctx, 1, pkts, 32);
        for (uint16_t p = 0; p < ctx->n_ports; p++) {
            // Flush as the loop's drain would.
            dp::TxBuffer &tb = ctx->tx[p];
            if (tb.n) {
                const uint16_t sent = rte_eth_tx_burst(ctx->ports[p].port_id, 0, tb.pkts, tb.n);
                if (sent < tb.n) rte_pktmbuf_free_bulk(tb.pkts + sent, tb.n - sent);
                tb.n = 0;
            }
        }
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * 32);
    uint64_t dropped = 0;
    for (uint64_t d : ctx->c.drops) dropped += d;
    state.counters["drops"] = double(dropped);
    for (size_t i = 0; i < dp::kDropCount; i++)
        if (ctx->c.drops[i]) state.SetLabel(dp::drop_name(dp::Drop(i)));
    for (size_t i = 0; i < dp::kPuntCount; i++)
        if (ctx->c.punts[i]) std::fprintf(stderr, "punt %s %lu\n", dp::punt_name(dp::Punt(i)), (unsigned long)ctx->c.punts[i]);
}

void BM_Upstream(benchmark::State &s) { run(s, true); }
void BM_Downstream(benchmark::State &s) { run(s, false); }

BENCHMARK(BM_Upstream)->Args({1000, 64})->Args({65536, 64})->Args({1 << 20, 64})->Args({65536, 1400});
BENCHMARK(BM_Downstream)->Args({1000, 64})->Args({65536, 64})->Args({1 << 20, 64})->Args({65536, 1400});

}  // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    Bench &b = bench();  // started by the first case; release it and the EAL's runtime files
    b.cc.reset();
    dp::close_ports(*b.rt);
    b.rt.reset();
    const std::string runtime_dir = rte_eal_get_runtime_dir();  // per-pid prefix: ours alone
    rte_eal_cleanup();
    std::error_code ec;
    std::filesystem::remove_all(runtime_dir, ec);
    return 0;
}
