// Micro-benchmark of ESP in the worker stages (issue 5, item 13 groundwork):
// protected sessions upstream (ESP -> L2TP decap) and downstream (L2TP encap ->
// ESP), as bench_stages.cpp does for cleartext (bursts of 32 frames copied into
// fresh mbufs, TX to net_null), next to the raw IPsec-MB work on the same
// packets (crypto::EspEngine burst decrypt / encrypt without the data path), so
// that the data path's own cost is the difference.
//
//   build/perf/bench_esp [--benchmark_filter=...]
//   args: {suite, inner IP bytes}; suite 0 AES-GCM-128, 1 AES-GCM-256,
//   2 AES-CBC-128 + HMAC-SHA1-96.  1000 sessions per suite, transport mode;
//   inbound replay window off (the same 8192 frames are replayed).
//   Counter cycles_per_pkt: TSC cycles per packet.
#include <benchmark/benchmark.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "controlplane/control_core.hpp"
#include "crypto/bytes.hpp"
#include "dataplane/path.hpp"
#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"
#include "dataplane/runtime.hpp"

namespace {

using namespace lns;

constexpr unsigned kSuites = 3;
constexpr uint32_t kSessions = 1000;
const char *const kCipher[kSuites] = {"aes-gcm-128", "aes-gcm-256", "aes-cbc-128"};
const char *const kInteg[kSuites] = {"none", "none", "hmac-sha1-96"};
const size_t kKeyLen[kSuites] = {20, 36, 16};  // GCM: key + salt

std::string hex_key(size_t n, uint8_t base) {
    std::string s;
    char b[3];
    for (size_t i = 0; i < n; i++) {
        std::snprintf(b, sizeof b, "%02x", uint8_t(base + i));
        s += b;
    }
    return s;
}

uint32_t lac_ip(unsigned k) { return 0xcb007102 + k; }       // 203.0.113.2 + k
uint32_t sub_ip(unsigned k) { return 0x64400001 + (k << 16); }  // 100.64.0.1, 100.65.0.1, ...

std::string yaml() {
    std::string y = "control_lcore: 0\nmbufs: 16383\n"
                    "eal: {no_huge: true, memory_mb: 1024, no_pci: true, file_prefix: lnsbesp" +
                    std::to_string(getpid()) + ", args: [--log-level=error]}\n" +
                    "ports:\n"
                    "  - {name: access0, device: \"net_null0,no-rx=1\", role: access, rx_queues: 0, ipv4: 203.0.113.1/24}\n"
                    "  - {name: core0, device: \"net_null1,no-rx=1\", role: core, rx_queues: 0, ipv4: 198.51.100.1/24, "
                    "gateway4: 198.51.100.254}\n"
                    "workers: [{lcore: 1, rx: []}]\n"
                    "l2tp: {enabled: false}\nppp: {auth: []}\n"
                    "neighbors:\n  - {port: core0, ipv4: 198.51.100.254, mac: \"02:00:00:00:00:fe\"}\n";
    std::string sessions = "sessions:\n", sas = "ipsec:\n  sas:\n";
    for (unsigned k = 0; k < kSuites; k++) {
        char lac[32], sub[32];
        std::snprintf(lac, sizeof lac, "203.0.113.%u", 2 + k);
        std::snprintf(sub, sizeof sub, "100.%u.0.1", 64 + k);
        y += "  - {port: access0, ipv4: " + std::string(lac) + ", mac: \"02:00:00:00:00:0" + std::to_string(2 + k) +
             "\"}\n";
        sessions += "  - {port: access0, count: 1000, sessions_per_tunnel: 100, local_tunnel_id: " +
                    std::to_string(1 + 100 * k) + ", local_session_id: 1, remote_tunnel_id: 1, remote_session_id: 1, "
                    "lac_address: " + lac + ", ipv4: " + sub + "}\n";
        const std::string common = ", mode: transport, local: 203.0.113.1, peer: " + std::string(lac) +
                                   ", cipher: " + kCipher[k] + ", integrity: " + kInteg[k];
        const std::string auth = k == 2 ? ", auth_key: \"" + hex_key(20, 0x40) + "\"" : "";
        sas += "    - {name: out" + std::to_string(k) + ", direction: outbound, spi: " + std::to_string(0x200 + k) +
               common + ", key: \"" + hex_key(kKeyLen[k], 0x10) + "\"" + auth + "}\n";
        sas += "    - {name: in" + std::to_string(k) + ", direction: inbound, spi: " + std::to_string(0x100 + k) +
               common + ", key: \"" + hex_key(kKeyLen[k], 0x20) + "\"" + auth + ", replay_window: 0}\n";
    }
    return y + sessions + sas;
}

// The LAC's side of suite k's SAs (its outbound = lnsd's inbound, and back).
crypto::SaConfig lac_sa(unsigned k, bool lac_out) {
    crypto::SaConfig c;
    c.spi = lac_out ? 0x100 + k : 0x200 + k;
    c.direction = lac_out ? crypto::SaDirection::outbound : crypto::SaDirection::inbound;
    c.cipher = k == 0 ? crypto::EspCipher::aes_gcm_128 : k == 1 ? crypto::EspCipher::aes_gcm_256 : crypto::EspCipher::aes_cbc_128;
    c.integrity = k == 2 ? crypto::EspIntegrity::hmac_sha1_96 : crypto::EspIntegrity::none;
    const uint8_t base = lac_out ? 0x20 : 0x10;
    const size_t klen = k == 2 ? 16 : kKeyLen[k] - 4;
    c.cipher_key_len = uint8_t(klen);
    for (size_t i = 0; i < klen; i++) c.cipher_key[i] = uint8_t(base + i);
    if (k < 2)
        for (size_t i = 0; i < 4; i++) c.salt[i] = uint8_t(base + klen + i);
    if (k == 2) {
        c.auth_key_len = 20;
        for (size_t i = 0; i < 20; i++) c.auth_key[i] = uint8_t(0x40 + i);
    }
    c.replay_window = 0;
    return c;
}

struct Bench {
    std::unique_ptr<dp::Runtime> rt;
    std::unique_ptr<cp::ControlCore> cc;
    crypto::ImbManager imb;
    crypto::SystemIvSource iv;
    std::unique_ptr<crypto::EspEngine> engine;
    crypto::Sa lac_out[kSuites], lac_in[kSuites], raw_in[kSuites], raw_out[kSuites];
};

Bench &bench() {
    static Bench b;
    if (b.rt) return b;
    std::string err;
    cfg::LoadResult lr = cfg::load_config_string(yaml(), "bench_esp.yaml");
    if (!lr.config) {
        for (const auto &e : lr.errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::abort();
    }
    if (!dp::init_eal(*lr.config, "bench_esp", &err)) std::abort();
    b.rt = dp::create_runtime(*lr.config, &err);
    if (b.rt) {
        b.cc = std::make_unique<cp::ControlCore>(*b.rt);
        if (!b.cc->init(&err)) b.rt.reset();
    }
    if (!b.rt) {
        std::fprintf(stderr, "bench_esp: %s\n", err.c_str());
        std::abort();
    }
    for (const auto &p : b.rt->ports) rte_eth_dev_start(p.port_id);
    b.engine = std::make_unique<crypto::EspEngine>(b.imb.get(), &b.iv);
    for (unsigned k = 0; k < kSuites; k++) {
        crypto::SaConfig in = lac_sa(k, true), out = lac_sa(k, false);
        in.direction = crypto::SaDirection::inbound;  // lnsd's inbound SA, for the raw runs
        out.direction = crypto::SaDirection::outbound;
        if (b.lac_out[k].init(lac_sa(k, true), b.imb.get()) != crypto::SaError::ok ||
            b.lac_in[k].init(lac_sa(k, false), b.imb.get()) != crypto::SaError::ok ||
            b.raw_in[k].init(in, b.imb.get()) != crypto::SaError::ok ||
            b.raw_out[k].init(out, b.imb.get()) != crypto::SaError::ok)
            std::abort();
    }
    return b;
}

void put_ipv4_udp(uint8_t *ip, uint32_t src, uint32_t dst, size_t len, uint16_t sport, uint16_t dport) {
    std::memset(ip, 0, 28);
    ip[0] = 0x45;
    dp::store_be16(ip + 2, uint16_t(len));
    ip[8] = 64;
    ip[9] = dp::kIpProtoUdp;
    dp::store_be32(ip + 12, src);
    dp::store_be32(ip + 16, dst);
    dp::store_be16(ip + 10, dp::csum_fold(dp::csum_partial(ip, 20)));
    dp::store_be16(ip + 20, sport);
    dp::store_be16(ip + 22, dport);
    dp::store_be16(ip + 24, uint16_t(len - 20));
}

// Upstream: the LAC's IPv4/UDP/L2TP/PPP/inner packet (no Ethernet), cleartext.
std::vector<uint8_t> l2tp_ip(unsigned k, uint32_t s, size_t inner) {
    std::vector<uint8_t> p(20 + 8 + 10 + inner);
    put_ipv4_udp(p.data(), lac_ip(k), 0xcb007101, p.size(), 1701, 1701);
    dp::L2tpTxFraming fr;
    dp::write_l2tp_ppp_header(p.data() + 28, fr, uint16_t(1 + 100 * k + s / 100), uint16_t(1 + s % 100), 0,
                              dp::kPppIpv4, inner);
    put_ipv4_udp(p.data() + 38, sub_ip(k) + s, 0xc0000209, inner, 1000, 2000);
    return p;
}

// The same, ESP-protected by the LAC (Ethernet included).
std::vector<std::vector<uint8_t>> upstream_frames(Bench &b, unsigned k, size_t inner, size_t n) {
    std::mt19937 rng(1);
    std::vector<std::vector<uint8_t>> out;
    std::vector<uint8_t> mem(256 + 2048);
    for (size_t i = 0; i < n; i++) {
        const std::vector<uint8_t> clear = l2tp_ip(k, rng() % kSessions, inner);
        std::memcpy(mem.data() + 128, clear.data(), clear.size());
        crypto::EspBuf buf{mem.data() + 128, uint32_t(clear.size()), 128, 256};
        if (crypto::esp_encrypt(*b.engine, b.lac_out[k], buf) != crypto::EspResult::ok) std::abort();
        std::vector<uint8_t> f(14 + buf.len);
        std::memcpy(f.data(), "\x02\x70\x63\x61\x70\x00\x02\x00\x00\x00\x00\x02\x08\x00", 14);
        std::memcpy(f.data() + 14, buf.data, buf.len);
        out.push_back(std::move(f));
    }
    return out;
}

std::vector<std::vector<uint8_t>> downstream_frames(unsigned k, size_t inner, size_t n) {
    std::mt19937 rng(2);
    std::vector<std::vector<uint8_t>> out;
    for (size_t i = 0; i < n; i++) {
        std::vector<uint8_t> f(14 + inner);
        std::memcpy(f.data(), "\x02\x70\x63\x61\x70\x01\x02\x00\x00\x00\x00\xfe\x08\x00", 14);
        put_ipv4_udp(f.data() + 14, 0xc0000209, sub_ip(k) + rng() % kSessions, inner, 2000, 1000);
        out.push_back(std::move(f));
    }
    return out;
}

void flush_tx(dp::WorkerCtx *ctx) {
    for (uint16_t p = 0; p < ctx->n_ports; p++) {
        dp::TxBuffer &tb = ctx->tx[p];
        if (!tb.n) continue;
        const uint16_t sent = rte_eth_tx_burst(ctx->ports[p].port_id, 0, tb.pkts, tb.n);
        if (sent < tb.n) rte_pktmbuf_free_bulk(tb.pkts + sent, tb.n - sent);
        tb.n = 0;
    }
}

void report(benchmark::State &state, uint64_t cycles, const dp::WorkerCtx *ctx) {
    const uint64_t pkts = uint64_t(state.iterations()) * 32;
    state.SetItemsProcessed(int64_t(pkts));
    state.counters["cycles_per_pkt"] = pkts ? double(cycles) / double(pkts) : 0;
    if (!ctx) return;
    uint64_t dropped = 0;
    for (size_t i = 0; i < dp::kDropCount; i++) {
        dropped += ctx->c.drops[i];
        if (ctx->c.drops[i]) state.SetLabel(dp::drop_name(dp::Drop(i)));
    }
    state.counters["drops"] = double(dropped);
}

// lnsd's stages: ESP frames in (upstream) or plain IP to protected sessions (downstream).
void run_stage(benchmark::State &state, bool up) {
    const unsigned k = unsigned(state.range(0));
    const size_t inner = size_t(state.range(1));
    Bench &b = bench();
    dp::WorkerCtx *ctx = b.rt->workers[0];
    const auto frames = up ? upstream_frames(b, k, inner, 8192) : downstream_frames(k, inner, 8192);
    size_t next = 0;
    rte_mbuf *pkts[32];
    uint64_t cycles = 0;
    for (auto _ : state) {
        if (rte_pktmbuf_alloc_bulk(b.rt->pool, pkts, 32) != 0) {
            state.SkipWithError("mbuf pool empty");
            break;
        }
        for (auto *m : pkts) {
            const auto &f = frames[next++ & 8191];
            std::memcpy(rte_pktmbuf_append(m, uint16_t(f.size())), f.data(), f.size());
        }
        const uint64_t t0 = rte_rdtsc();
        if (up)
            dp::process_upstream_burst(ctx, 0, pkts, 32);
        else
            dp::process_downstream_burst(ctx, 1, pkts, 32);
        cycles += rte_rdtsc() - t0;
        flush_tx(ctx);
    }
    report(state, cycles, ctx);
}

// IPsec-MB alone on the same packets: burst decrypt of the upstream ESP, burst
// encrypt of the L2TP packets lnsd would protect downstream.
void run_raw(benchmark::State &state, bool decrypt) {
    const unsigned k = unsigned(state.range(0));
    const size_t inner = size_t(state.range(1));
    Bench &b = bench();
    std::vector<std::vector<uint8_t>> pkts;
    if (decrypt) {
        for (auto &f : upstream_frames(b, k, inner, 8192)) pkts.emplace_back(f.begin() + 14, f.end());
    } else {
        std::mt19937 rng(2);
        for (int i = 0; i < 8192; i++) pkts.push_back(l2tp_ip(k, rng() % kSessions, inner));
    }
    std::vector<uint8_t> mem(32 * 2304);
    crypto::EspOp ops[32];
    size_t next = 0;
    uint64_t cycles = 0;
    for (auto _ : state) {
        for (unsigned i = 0; i < 32; i++) {
            const auto &p = pkts[next++ & 8191];
            uint8_t *d = mem.data() + i * 2304 + 128;
            std::memcpy(d, p.data(), p.size());
            ops[i].sa = decrypt ? &b.raw_in[k] : &b.raw_out[k];
            ops[i].buf = crypto::EspBuf{d, uint32_t(p.size()), 128, uint32_t(2304 - 128 - p.size())};
        }
        const uint64_t t0 = rte_rdtsc();
        const size_t ok = decrypt ? b.engine->decrypt_burst(ops, 32) : b.engine->encrypt_burst(ops, 32);
        cycles += rte_rdtsc() - t0;
        if (ok != 32) {
            state.SkipWithError("ESP engine refused a packet");
            break;
        }
    }
    report(state, cycles, nullptr);
}

void BM_EspUpstream(benchmark::State &s) { run_stage(s, true); }
void BM_EspDownstream(benchmark::State &s) { run_stage(s, false); }
void BM_RawDecrypt(benchmark::State &s) { run_raw(s, true); }
void BM_RawEncrypt(benchmark::State &s) { run_raw(s, false); }

#define LNS_ESP_ARGS ->Args({0, 64})->Args({0, 1400})->Args({1, 64})->Args({1, 1400})->Args({2, 64})->Args({2, 1400})
BENCHMARK(BM_EspUpstream) LNS_ESP_ARGS;
BENCHMARK(BM_RawDecrypt) LNS_ESP_ARGS;
BENCHMARK(BM_EspDownstream) LNS_ESP_ARGS;
BENCHMARK(BM_RawEncrypt) LNS_ESP_ARGS;

}  // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    Bench &b = bench();
    b.cc.reset();
    dp::close_ports(*b.rt);
    b.rt.reset();
    const std::string runtime_dir = rte_eal_get_runtime_dir();  // per-pid prefix: ours alone
    rte_eal_cleanup();
    std::error_code ec;
    std::filesystem::remove_all(runtime_dir, ec);
    return 0;
}
