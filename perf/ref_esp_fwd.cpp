// Reference for the ESP benchmark (issue 5 item 13): io forwarding, as
// dpdk-testpmd does it, plus raw Intel IPsec-MB run on every forwarded mbuf,
// in place, on the very buffers net_pcap delivers.  No ESP logic at all: no SA
// lookup, no replay window, no header handling beyond finding the bytes.
//
// bench_esp_crypto times IPsec-MB on 64 buffers that stay in cache; lnsd runs
// it on mbufs net_pcap has just filled.  This tool measures the second, so
// that "testpmd + raw IPsec-MB" is taken on the same buffers as lnsd works on,
// and lnsd's own cost is lnsd's cycles minus this tool's.
//
//   up    ESP frames (tunnel mode, ESP-in-UDP or protocol 50, as run_esp.py
//         writes them): decrypt the ciphertext in place and compare the ICV
//         (GCM: direct API, one call a packet; CBC+HMAC-SHA1-96: the burst
//         as multi-buffer jobs, then flushed), as crypto/ does.
//   down  cleartext frames from the core side: the bytes lnsd would encrypt
//         (the IP packet behind 38 bytes of outer IPv4/UDP/L2TP/PPP, plus the
//         RFC 4303 trailer) are encrypted in place in the mbuf's head- and
//         tailroom, the ICV written after them.
// Then the burst goes to port 1 (net_null).  The figure is the forwarding
// thread's CPU time x TSC Hz / packets forwarded, between --warmup and
// --warmup + --measure seconds, printed as one JSON line.
//
//   ref_esp_fwd EAL-ARGS -- --alg gcm128|gcm256|cbc128 --dir up|down
//               [--burst 64] [--warmup 2] [--measure 5] [--mbufs 36864]
// Keys are fixed test keys: decryption of the replayed ESP fails its ICV
// check (counted `icv_mismatch`), which costs exactly what a match costs.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "crypto/imb.hpp"
#include "perf/esp_bench_keys.hpp"

namespace {

constexpr unsigned kMaxBurst = 64;
constexpr uint32_t kOuterL2tp = 20 + 8 + 6 + 4;  // what lnsd puts around the IP packet downstream

using Alg = lns::perf::EspBenchAlg;

struct Options {
    Alg alg = Alg::gcm128;
    bool up = true;
    unsigned burst = 64;
    double warmup = 2, measure = 5;
    unsigned mbufs = 36864;
};

uint64_t thread_cpu_ns() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

[[noreturn]] void die(const std::string &msg) {
    std::fprintf(stderr, "ref_esp_fwd: %s\n", msg.c_str());
    std::exit(2);
}

Options parse(int argc, char **argv) {
    Options o;
    for (int i = 0; i < argc; i++) {
        const std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value for " + a);
            return argv[++i];
        };
        if (a == "--alg") {
            const std::string v = val();
            if (v == "gcm128")
                o.alg = Alg::gcm128;
            else if (v == "gcm256")
                o.alg = Alg::gcm256;
            else if (v == "cbc128")
                o.alg = Alg::cbc128_sha1;
            else
                die("unknown --alg " + v);
        } else if (a == "--dir") {
            const std::string v = val();
            if (v != "up" && v != "down") die("--dir is up or down");
            o.up = v == "up";
        } else if (a == "--burst") {
            o.burst = unsigned(std::atoi(val().c_str()));
            if (o.burst == 0 || o.burst > kMaxBurst) die("--burst is 1..64");
        } else if (a == "--warmup") {
            o.warmup = std::atof(val().c_str());
        } else if (a == "--measure") {
            o.measure = std::atof(val().c_str());
        } else if (a == "--mbufs") {
            o.mbufs = unsigned(std::atoi(val().c_str()));
        } else {
            die("unknown argument " + a);
        }
    }
    return o;
}

class Crypto {
  public:
    explicit Crypto(Alg alg) : alg_(alg) {
        if (!mgr_.ok()) die("IPsec-MB: no manager");
        keys_.expand(mgr_.get(), alg);
    }
    const char *arch() const { return mgr_.arch_name(); }
    uint32_t iv_len() const { return alg_ == Alg::cbc128_sha1 ? 16 : 8; }
    uint32_t icv_len() const { return alg_ == Alg::cbc128_sha1 ? 12 : 16; }
    uint32_t align() const { return alg_ == Alg::cbc128_sha1 ? 16 : 4; }

    // esp: SPI, sequence, IV, then ct_len bytes processed in place; the ICV
    // is compared (decrypt) or written (encrypt) right after them.
    void gcm(uint8_t *esp, uint32_t ct_len, bool encrypt) {
        alignas(16) uint8_t nonce[12], aad[8], tag[16];
        std::memcpy(nonce, keys_.salt, 4);
        std::memcpy(nonce + 4, esp + 8, 8);
        std::memcpy(aad, esp, 8);
        uint8_t *ct = esp + 16;
        gcm_context_data ctx;
        IMB_MGR *m = mgr_.get();
        uint8_t *out_tag = encrypt ? ct + ct_len : tag;
        if (alg_ == Alg::gcm256) {
            if (encrypt)
                IMB_AES256_GCM_ENC(m, &keys_.gcm, &ctx, ct, ct, ct_len, nonce, aad, 8, out_tag, 16);
            else
                IMB_AES256_GCM_DEC(m, &keys_.gcm, &ctx, ct, ct, ct_len, nonce, aad, 8, out_tag, 16);
        } else {
            if (encrypt)
                IMB_AES128_GCM_ENC(m, &keys_.gcm, &ctx, ct, ct, ct_len, nonce, aad, 8, out_tag, 16);
            else
                IMB_AES128_GCM_DEC(m, &keys_.gcm, &ctx, ct, ct, ct_len, nonce, aad, 8, out_tag, 16);
        }
        if (!encrypt) count(std::memcmp(tag, ct + ct_len, 16) == 0);
    }

    // One CBC + HMAC-SHA1-96 job; its tag lands in tags_[slot].
    void cbc_submit(uint8_t *esp, uint32_t ct_len, bool encrypt, unsigned slot) {
        IMB_MGR *m = mgr_.get();
        IMB_JOB *job = IMB_GET_NEXT_JOB(m);
        job->cipher_mode = IMB_CIPHER_CBC;
        job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
        job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
        job->enc_keys = keys_.enc;
        job->dec_keys = keys_.dec;
        job->key_len_in_bytes = 16;
        job->src = esp;
        job->dst = esp + 24;
        job->cipher_start_src_offset_in_bytes = 24;
        job->msg_len_to_cipher_in_bytes = ct_len;
        job->iv = esp + 8;
        job->iv_len_in_bytes = 16;
        job->hash_alg = IMB_AUTH_HMAC_SHA_1;
        job->hash_start_src_offset_in_bytes = 0;
        job->msg_len_to_hash_in_bytes = 24 + ct_len;
        job->u.HMAC._hashed_auth_key_xor_ipad = keys_.ipad;
        job->u.HMAC._hashed_auth_key_xor_opad = keys_.opad;
        job->auth_tag_output = encrypt ? esp + 24 + ct_len : tags_[slot];
        job->auth_tag_output_len_in_bytes = 12;
        job->user_data = encrypt ? nullptr : esp + 24 + ct_len;  // the received ICV
        job->user_data2 = tags_[slot];
        job = IMB_SUBMIT_JOB(m);
        while (job) {
            complete(job);
            job = IMB_GET_COMPLETED_JOB(m);
        }
    }
    void cbc_flush() {
        IMB_MGR *m = mgr_.get();
        IMB_JOB *job;
        while ((job = IMB_FLUSH_JOB(m)) != nullptr) {
            complete(job);
            while ((job = IMB_GET_COMPLETED_JOB(m)) != nullptr) complete(job);
        }
    }

    uint64_t icv_good = 0, icv_bad = 0, crypto_errors = 0;

  private:
    void count(bool good) { good ? icv_good++ : icv_bad++; }
    void complete(IMB_JOB *job) {
        if (job->status != IMB_STATUS_COMPLETED) {
            crypto_errors++;
            return;
        }
        if (job->user_data) count(std::memcmp(job->user_data, job->user_data2, 12) == 0);
    }

    Alg alg_;
    lns::crypto::ImbManager mgr_;
    lns::perf::EspBenchKeys keys_;
    alignas(16) uint8_t tags_[kMaxBurst][16];
};

// Finds the ESP header and ciphertext length of a tunnel-mode ESP frame (data
// at Ethernet); false for anything else (forwarded untouched, counted).
bool locate_esp(rte_mbuf *m, const Crypto &c, uint8_t **esp, uint32_t *ct_len) {
    uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
    const uint32_t len = rte_pktmbuf_data_len(m);
    if (len < 14 + 20 || d[12] != 0x08 || d[13] != 0x00) return false;
    const uint8_t *ip = d + 14;
    const uint32_t hl = (ip[0] & 0x0f) * 4u, total = uint32_t(ip[2]) << 8 | ip[3];
    if (total + 14 > len) return false;
    uint32_t off = hl;
    if (ip[9] == 17)
        off += 8;
    else if (ip[9] != 50)
        return false;
    const uint32_t hdr = 8 + c.iv_len();
    if (total < off + hdr + c.icv_len() + c.align()) return false;
    *esp = d + 14 + off;
    *ct_len = total - off - hdr - c.icv_len();
    return true;
}

// Makes room in the mbuf for what lnsd would encrypt downstream: ESP header
// and IV, 38 bytes of outer IPv4/UDP/L2TP/PPP, the IP packet, the trailer and
// the ICV.  Returns the ESP header and the ciphertext length.
bool make_down_room(rte_mbuf *m, const Crypto &c, uint8_t **esp, uint32_t *ct_len) {
    const uint32_t ip_len = rte_pktmbuf_data_len(m) - 14;
    const uint32_t plain = kOuterL2tp + ip_len;
    const uint32_t ct = (plain + 2 + c.align() - 1) / c.align() * c.align();
    const uint32_t front = 8 + c.iv_len() + kOuterL2tp;
    const uint32_t tail = ct - plain + c.icv_len();
    if (rte_pktmbuf_headroom(m) < front + 14 || rte_pktmbuf_tailroom(m) < tail) return false;
    uint8_t *ipd = rte_pktmbuf_mtod(m, uint8_t *) + 14;
    uint8_t *e = ipd - kOuterL2tp - 8 - c.iv_len();
    std::memset(e, 0x5a, 8 + c.iv_len() + kOuterL2tp);  // ESP header, IV, outer headers
    uint8_t *trailer = ipd + ip_len;
    const uint32_t pad = ct - plain - 2;
    for (uint32_t i = 0; i < pad; i++) trailer[i] = uint8_t(i + 1);
    trailer[pad] = uint8_t(pad);
    trailer[pad + 1] = 4;
    *esp = e;
    *ct_len = ct;
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    const int eal = rte_eal_init(argc, argv);
    if (eal < 0) die("rte_eal_init failed");
    const Options o = parse(argc - eal - 1, argv + eal + 1);
    if (rte_eth_dev_count_avail() < 2) die("need two ports: the replay (0) and the sink (1)");
    rte_mempool *pool = rte_pktmbuf_pool_create("ref_mbuf", o.mbufs, 250, 0,
                                                RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
    if (!pool) die("mbuf pool");
    for (uint16_t p = 0; p < 2; p++) {
        rte_eth_conf conf{};
        if (rte_eth_dev_configure(p, 1, 1, &conf) < 0 ||
            rte_eth_rx_queue_setup(p, 0, 1024, rte_eth_dev_socket_id(p), nullptr, pool) < 0 ||
            rte_eth_tx_queue_setup(p, 0, 1024, rte_eth_dev_socket_id(p), nullptr) < 0 ||
            rte_eth_dev_start(p) < 0)
            die("port " + std::to_string(p) + " setup");
    }
    Crypto c(o.alg);
    const bool cbc = o.alg == Alg::cbc128_sha1;
    const uint64_t hz = rte_get_tsc_hz();
    const uint64_t start = rte_rdtsc();
    const uint64_t t_warm = start + uint64_t(o.warmup * double(hz));
    const uint64_t t_end = t_warm + uint64_t(o.measure * double(hz));
    uint64_t fwd = 0, skipped = 0, fwd0 = 0, cpu0 = 0, wall0 = 0;
    bool warm = false;
    rte_mbuf *pkts[kMaxBurst];
    for (;;) {
        const uint64_t now = rte_rdtsc();
        if (!warm && now >= t_warm) {
            warm = true, fwd0 = fwd, cpu0 = thread_cpu_ns(), wall0 = now;
        }
        if (now >= t_end) break;
        const uint16_t n = rte_eth_rx_burst(0, 0, pkts, uint16_t(o.burst));
        for (uint16_t i = 0; i < n; i++) {
            uint8_t *esp;
            uint32_t ct_len;
            const bool ok = o.up ? locate_esp(pkts[i], c, &esp, &ct_len)
                                 : make_down_room(pkts[i], c, &esp, &ct_len);
            if (!ok) {
                skipped++;
                continue;
            }
            if (cbc)
                c.cbc_submit(esp, ct_len, !o.up, i);
            else
                c.gcm(esp, ct_len, !o.up);
        }
        if (cbc) c.cbc_flush();
        const uint16_t sent = rte_eth_tx_burst(1, 0, pkts, n);
        for (uint16_t i = sent; i < n; i++) rte_pktmbuf_free(pkts[i]);
        fwd += sent;
    }
    const uint64_t cpu = thread_cpu_ns() - cpu0, wall = rte_rdtsc() - wall0, pk = fwd - fwd0;
    const double wall_s = double(wall) / double(hz);
    std::printf(
        "{\"alg\": \"%s\", \"dir\": \"%s\", \"arch\": \"%s\", \"packets\": %lu, \"mpps\": %.4f, "
        "\"cycles_per_pkt\": %.1f, \"cpu_share\": %.3f, \"skipped\": %lu, \"icv_good\": %lu, "
        "\"icv_bad\": %lu, \"crypto_errors\": %lu}\n",
        o.alg == Alg::gcm128   ? "gcm128"
        : o.alg == Alg::gcm256 ? "gcm256"
                               : "cbc128",
        o.up ? "up" : "down", c.arch(), (unsigned long)pk, pk / wall_s / 1e6,
        pk ? double(cpu) * double(hz) / 1e9 / double(pk) : 0.0, double(cpu) / 1e9 / wall_s,
        (unsigned long)skipped, (unsigned long)c.icv_good, (unsigned long)c.icv_bad,
        (unsigned long)c.crypto_errors);
    for (uint16_t p = 0; p < 2; p++) rte_eth_dev_stop(p);
    rte_eal_cleanup();
    return pk ? 0 : 1;
}
