// Raw Intel IPsec-MB cost per ESP packet, on the buffers lnsd's data path will
// hand it (issue 5 item 13: "raw IPsec-MB on the same buffers"): the lower
// bound the ESP+L2TP pipeline is measured against.
//
// One ESP packet = a tunnel-mode ESP payload made of an L2TPv2 data message
// in IPv4/UDP (20 + 8 + 6 L2TP + 4 PPP bytes) around a subscriber's IPv4
// packet of `inner` bytes, the RFC 4303 trailer (padding to 4 or 16 bytes,
// pad length, next header 4), under an ESP header (SPI, sequence, 8-byte IV
// for GCM / 16-byte IV for CBC).  Each iteration processes a burst of such
// packets (distinct buffers, as a worker's RX burst: 64 as lnsd's default
// `burst`, or 32), in place, the way
// crypto/esp.cpp does it:
//   gcm_direct  IMB_AES{128,256}_GCM_{ENC,DEC}, one call per packet
//               (crypto/esp_gcm.hpp's path; AAD = SPI || seq, nonce = salt || IV)
//   gcm_job     the same through the job API (IMB_CIPHER_GCM + IMB_AUTH_AES_GMAC),
//               32 jobs submitted, then flushed
//   cbc_sha1    AES-128-CBC + HMAC-SHA1-96 jobs (multi-buffer lanes), the
//               burst submitted, then flushed; hash over ESP header..ciphertext
// Decryption is timed on ciphertext made once up front; GCM/CBC cost does not
// depend on the data, and in-place decryption of a buffer already decrypted
// costs the same (tags are checked like lnsd does: one memcmp per packet).
//
// Reports time per packet and TSC cycles per packet: `cycles_per_pkt` (rdtsc
// over the whole timed loop / packets: wall time) and `cpu_cycles_per_pkt`
// (the thread's CPU time in TSC cycles: what to read on a busy machine).
//
//   build/perf/bench_esp_crypto [--benchmark_filter=gcm_direct] [--benchmark_min_time=1]
//   args: {inner IPv4 bytes, burst}; 128 and 1400 bytes, bursts of 32 and 64.
#include <benchmark/benchmark.h>
#include <x86intrin.h>

#include <time.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "crypto/imb.hpp"
#include "perf/esp_bench_keys.hpp"

namespace {

using lns::crypto::ImbManager;

constexpr uint32_t kMaxBurst = 64;
constexpr uint32_t kOuterHdr = 20 + 8 + 6 + 4;  // IPv4 + UDP + L2TP data (no L/S/O) + PPP FF03 0021

using Alg = lns::perf::EspBenchAlg;

uint32_t iv_len(Alg a) { return a == Alg::cbc128_sha1 ? 16 : 8; }
uint32_t icv_len(Alg a) { return a == Alg::cbc128_sha1 ? 12 : 16; }

// Bytes to en/decrypt for an inner packet: payload + padding + 2, aligned
// to 4 (GCM) or to the AES block (CBC) (RFC 4303 §2.4).
uint32_t ct_len(Alg a, uint32_t inner) {
    const uint32_t align = a == Alg::cbc128_sha1 ? 16 : 4;
    const uint32_t n = kOuterHdr + inner + 2;
    return (n + align - 1) / align * align;
}

struct Packet {
    alignas(64) std::array<uint8_t, 2048> buf;  // ESP header at offset 0
    uint8_t tag[16];
};

class Fixture {
public:
    Fixture(Alg alg, uint32_t inner, uint32_t burst)
        : alg_(alg), inner_(inner), burst_(burst), pkts_(burst) {
        keys_.expand(mgr_.get(), alg);
        for (uint32_t p = 0; p < burst_; p++) fill(p);
    }

    bool ok() const { return mgr_.ok(); }
    const char *arch() const { return mgr_.arch_name(); }
    uint32_t ct() const { return ct_len(alg_, inner_); }

    // ESP header, IV, a plausible L2TP/PPP/IPv4 payload and the trailer.
    void fill(uint32_t p) {
        uint8_t *b = pkts_[p].buf.data();
        std::memset(b, 0, pkts_[p].buf.size());
        const uint32_t spi = 0xc0ffee01, seq = p + 1;
        b[0] = uint8_t(spi >> 24), b[1] = uint8_t(spi >> 16), b[2] = uint8_t(spi >> 8), b[3] = uint8_t(spi);
        b[4] = uint8_t(seq >> 24), b[5] = uint8_t(seq >> 16), b[6] = uint8_t(seq >> 8), b[7] = uint8_t(seq);
        for (uint32_t i = 0; i < iv_len(alg_); i++) b[8 + i] = uint8_t(p * 7 + i);
        uint8_t *pl = b + 8 + iv_len(alg_);
        const uint32_t payload = kOuterHdr + inner_;
        for (uint32_t i = 0; i < payload; i++) pl[i] = uint8_t(i * 13 + p);
        pl[0] = 0x45;
        const uint32_t pad = ct() - payload - 2;
        for (uint32_t i = 0; i < pad; i++) pl[payload + i] = uint8_t(i + 1);
        pl[payload + pad] = uint8_t(pad);
        pl[payload + pad + 1] = 4;  // next header: IPv4 (tunnel mode)
    }

    // Processes the burst; returns the number of packets whose tag matched
    // (decrypt) or were produced (encrypt).
    uint32_t gcm_direct(bool encrypt) {
        IMB_MGR *m = mgr_.get();
        uint32_t good = 0;
        for (uint32_t p = 0; p < burst_; p++) {
            uint8_t *esp = pkts_[p].buf.data();
            alignas(16) uint8_t nonce[12];
            std::memcpy(nonce, keys_.salt, 4);
            std::memcpy(nonce + 4, esp + 8, 8);
            alignas(16) uint8_t aad[8];
            std::memcpy(aad, esp, 8);
            uint8_t *ct_ = esp + 16;
            uint8_t tag[16];
            gcm_context_data ctx;
            if (alg_ == Alg::gcm256) {
                if (encrypt)
                    IMB_AES256_GCM_ENC(m, &keys_.gcm, &ctx, ct_, ct_, ct(), nonce, aad, 8, pkts_[p].tag, 16);
                else
                    IMB_AES256_GCM_DEC(m, &keys_.gcm, &ctx, ct_, ct_, ct(), nonce, aad, 8, tag, 16);
            } else {
                if (encrypt)
                    IMB_AES128_GCM_ENC(m, &keys_.gcm, &ctx, ct_, ct_, ct(), nonce, aad, 8, pkts_[p].tag, 16);
                else
                    IMB_AES128_GCM_DEC(m, &keys_.gcm, &ctx, ct_, ct_, ct(), nonce, aad, 8, tag, 16);
            }
            good += encrypt ? 1 : std::memcmp(tag, pkts_[p].tag, 16) == 0;
        }
        return good;
    }

    uint32_t jobs(bool encrypt) {
        IMB_MGR *m = mgr_.get();
        uint32_t done = 0;
        alignas(16) uint8_t nonces[kMaxBurst][12];
        alignas(16) uint8_t tags[kMaxBurst][16];
        for (uint32_t p = 0; p < burst_; p++) {
            uint8_t *esp = pkts_[p].buf.data();
            IMB_JOB *job = IMB_GET_NEXT_JOB(m);
            job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
            job->src = esp;
            job->dst = esp + 8 + iv_len(alg_);
            job->cipher_start_src_offset_in_bytes = 8 + iv_len(alg_);
            job->msg_len_to_cipher_in_bytes = ct();
            job->user_data = &pkts_[p];
            if (alg_ == Alg::cbc128_sha1) {
                job->cipher_mode = IMB_CIPHER_CBC;
                job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
                job->enc_keys = keys_.enc;
                job->dec_keys = keys_.dec;
                job->key_len_in_bytes = 16;
                job->iv = esp + 8;
                job->iv_len_in_bytes = 16;
                job->hash_alg = IMB_AUTH_HMAC_SHA_1;
                job->hash_start_src_offset_in_bytes = 0;
                job->msg_len_to_hash_in_bytes = 8 + 16 + ct();
                job->u.HMAC._hashed_auth_key_xor_ipad = keys_.ipad;
                job->u.HMAC._hashed_auth_key_xor_opad = keys_.opad;
                job->auth_tag_output = encrypt ? pkts_[p].tag : tags[p];
                job->auth_tag_output_len_in_bytes = 12;
            } else {
                std::memcpy(nonces[p], keys_.salt, 4);
                std::memcpy(nonces[p] + 4, esp + 8, 8);
                job->cipher_mode = IMB_CIPHER_GCM;
                job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
                job->enc_keys = &keys_.gcm;
                job->dec_keys = &keys_.gcm;
                job->key_len_in_bytes = alg_ == Alg::gcm256 ? 32 : 16;
                job->iv = nonces[p];
                job->iv_len_in_bytes = 12;
                job->hash_alg = IMB_AUTH_AES_GMAC;
                job->hash_start_src_offset_in_bytes = job->cipher_start_src_offset_in_bytes;
                job->msg_len_to_hash_in_bytes = ct();
                job->u.GCM.aad = esp;
                job->u.GCM.aad_len_in_bytes = 8;
                job->auth_tag_output = encrypt ? pkts_[p].tag : tags[p];
                job->auth_tag_output_len_in_bytes = 16;
            }
            job = IMB_SUBMIT_JOB(m);
            while (job) {
                done += job->status == IMB_STATUS_COMPLETED;
                job = IMB_GET_COMPLETED_JOB(m);
            }
        }
        IMB_JOB *job;
        while ((job = IMB_FLUSH_JOB(m)) != nullptr) {
            done += job->status == IMB_STATUS_COMPLETED;
            while ((job = IMB_GET_COMPLETED_JOB(m)) != nullptr) done += job->status == IMB_STATUS_COMPLETED;
        }
        if (encrypt || done != burst_) return done;
        uint32_t good = 0;
        for (uint32_t p = 0; p < burst_; p++) good += std::memcmp(tags[p], pkts_[p].tag, icv_len(alg_)) == 0;
        return good;
    }

    uint32_t run(bool direct, bool encrypt) { return direct ? gcm_direct(encrypt) : jobs(encrypt); }

    // Encrypts the burst, decrypts it again: every tag must verify and the
    // plaintext come back (so the timed loops below do real work).
    bool self_check(bool direct) {
        std::vector<std::array<uint8_t, 2048>> plain;
        for (uint32_t p = 0; p < burst_; p++) {
            fill(p);
            plain.push_back(pkts_[p].buf);
        }
        if (run(direct, true) != burst_) return false;
        if (pkts_[0].buf == plain[0]) return false;
        if (run(direct, false) != burst_) return false;
        for (uint32_t p = 0; p < burst_; p++)
            if (pkts_[p].buf != plain[p]) return false;
        return true;
    }

private:
    ImbManager mgr_;
    Alg alg_;
    uint32_t inner_;
    uint32_t burst_;
    lns::perf::EspBenchKeys keys_;
    std::vector<Packet> pkts_;
};

enum class Api { direct, job };

double now_ns(clockid_t clock) {
    timespec ts;
    clock_gettime(clock, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

template <Alg A, Api P, bool Encrypt>
void bm(benchmark::State &state) {
    const uint32_t inner = uint32_t(state.range(0));
    const uint32_t burst = uint32_t(state.range(1));
    if (burst == 0 || burst > kMaxBurst) {
        state.SkipWithError("burst must be 1..64");
        return;
    }
    auto fx = std::make_unique<Fixture>(A, inner, burst);
    if (!fx->ok()) {
        state.SkipWithError("no IPsec-MB manager");
        return;
    }
    const bool direct = P == Api::direct;
    if (!fx->self_check(direct)) {
        state.SkipWithError("self-check failed: decrypt(encrypt(x)) != x or a tag did not verify");
        return;
    }
    // Decryption is timed on real ciphertext (the first pass verifies real tags).
    if (!Encrypt) fx->run(direct, true);
    uint64_t pkts = 0, sink = 0;
    const double w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    const uint64_t t0 = __rdtsc();
    for (auto _ : state) {
        sink += fx->run(direct, Encrypt);
        pkts += burst;
    }
    const uint64_t t1 = __rdtsc();
    const double w1 = now_ns(CLOCK_MONOTONIC), c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    benchmark::DoNotOptimize(sink);
    // TSC cycles per packet of wall time, and of this thread's CPU time (the
    // TSC rate measured over the same loop): on a busy machine the second is
    // the one to read.
    const double tsc_per_ns = w1 > w0 ? double(t1 - t0) / (w1 - w0) : 0.0;
    state.counters["cpu_cycles_per_pkt"] = pkts ? (c1 - c0) * tsc_per_ns / double(pkts) : 0.0;
    state.counters["tsc_ghz"] = tsc_per_ns;
    state.SetItemsProcessed(int64_t(pkts));
    state.SetBytesProcessed(int64_t(pkts) * fx->ct());
    state.counters["cycles_per_pkt"] = pkts ? double(t1 - t0) / double(pkts) : 0.0;
    state.counters["ct_bytes"] = fx->ct();
    state.SetLabel(fx->arch());
}

void sizes(benchmark::internal::Benchmark *b) {
    b->ArgsProduct({{128, 1400}, {32, 64}});
}

}  // namespace

BENCHMARK(bm<Alg::gcm128, Api::direct, true>)->Name("gcm128_direct/encrypt")->Apply(sizes);
BENCHMARK(bm<Alg::gcm128, Api::direct, false>)->Name("gcm128_direct/decrypt")->Apply(sizes);
BENCHMARK(bm<Alg::gcm256, Api::direct, true>)->Name("gcm256_direct/encrypt")->Apply(sizes);
BENCHMARK(bm<Alg::gcm256, Api::direct, false>)->Name("gcm256_direct/decrypt")->Apply(sizes);
BENCHMARK(bm<Alg::gcm128, Api::job, true>)->Name("gcm128_job/encrypt")->Apply(sizes);
BENCHMARK(bm<Alg::gcm128, Api::job, false>)->Name("gcm128_job/decrypt")->Apply(sizes);
BENCHMARK(bm<Alg::gcm256, Api::job, true>)->Name("gcm256_job/encrypt")->Apply(sizes);
BENCHMARK(bm<Alg::gcm256, Api::job, false>)->Name("gcm256_job/decrypt")->Apply(sizes);
BENCHMARK(bm<Alg::cbc128_sha1, Api::job, true>)->Name("cbc128_sha1_job/encrypt")->Apply(sizes);
BENCHMARK(bm<Alg::cbc128_sha1, Api::job, false>)->Name("cbc128_sha1_job/decrypt")->Apply(sizes);

BENCHMARK_MAIN();
