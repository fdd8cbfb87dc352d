// Downstream stages: core port -> access port.
//
//   classify_core     Ethernet / IPv4 / IPv6; punts ARP, ND, ICMP to the LNS
//   lookup            bulk rte_hash lookup of the destination: IPv4 /32, then the
//                     IPv6 /64 and any shorter prefix lengths in use
//   forward           TTL, MSS clamp, MTU policy, hand-off to the session's owner
//                     when it is sequenced or protected, encapsulation (encap.hpp)
//   esp_out           protected sessions: ESP in one burst (esp_encrypt.cpp)
#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_prefetch.h>

#include "dataplane/encap.hpp"

namespace lns::dp {

namespace {

struct DownPkt {
    rte_mbuf *m;
    uint16_t ip_len;
    bool v6;
    uint32_t key4;  // destination, network order
    V6Key key6;
};

enum class Verdict : uint8_t { lookup, done };

bool is_local_v6(const PortRuntime &port, const uint8_t *dst) {
    return dst[0] == 0xff || (port.has_ipv6 && (std::memcmp(dst, port.ipv6, 16) == 0 ||
                                                std::memcmp(dst, port.ipv6_ll, 16) == 0));
}

Verdict classify_v6(WorkerCtx *ctx, uint16_t pi, rte_mbuf *m, uint8_t *ip, size_t avail,
                    DownPkt *d) {
    if (avail < kIpv6HdrLen || (ip[0] >> 4) != 6)
        return drop(ctx, m, Drop::down_ipv6_bad_header), Verdict::done;
    const size_t total = kIpv6HdrLen + load_be16(ip + 4);
    if (total > avail) return drop(ctx, m, Drop::down_ipv6_bad_header), Verdict::done;
    if (is_local_v6(ctx->ports[pi], ip + 24)) {
        if (ip[6] == kIpProtoIcmp6 && total >= kIpv6HdrLen + 4) {
            const uint8_t type = ip[kIpv6HdrLen];
            if (type >= 133 && type <= 137)
                return punt(ctx, m, Punt::nd, pi, pi, kInvalidIndex), Verdict::done;
            if (type == 128) return punt(ctx, m, Punt::icmp_local, pi, pi, kInvalidIndex), Verdict::done;
        }
        return drop(ctx, m, Drop::local_unsupported), Verdict::done;
    }
    d->m = m;
    d->v6 = true;
    d->ip_len = uint16_t(total);
    d->key6 = V6Key{};
    std::memcpy(&d->key6.prefix_hi, ip + 24, 8);
    d->key6.len = 64;
    return Verdict::lookup;
}

Verdict classify_core(WorkerCtx *ctx, uint16_t pi, rte_mbuf *m, DownPkt *d) {
    uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
    const size_t len = rte_pktmbuf_data_len(m);
    if (len < kEtherHdrLen) return drop(ctx, m, Drop::eth_truncated), Verdict::done;
    const uint16_t type = load_be16(data + 12);
    uint8_t *ip = data + kEtherHdrLen;
    if (type == kEtherTypeIpv6) return classify_v6(ctx, pi, m, ip, len - kEtherHdrLen, d);
    if (type == kEtherTypeArp) return punt(ctx, m, Punt::arp, pi, pi, kInvalidIndex), Verdict::done;
    if (type != kEtherTypeIpv4) return drop(ctx, m, Drop::eth_unsupported_type), Verdict::done;
    const bool csum_ok = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    Ipv4Info info;
    if (parse_ipv4(ip, len - kEtherHdrLen, csum_ok, &info) != Ipv4Status::ok)
        return drop(ctx, m, Drop::down_ipv4_bad_header), Verdict::done;
    std::memcpy(&d->key4, ip + 16, 4);
    if (d->key4 == ctx->ports[pi].ipv4_be) {
        if (info.proto == kIpProtoIcmp)
            return punt(ctx, m, Punt::icmp_local, pi, pi, kInvalidIndex), Verdict::done;
        return drop(ctx, m, Drop::local_unsupported), Verdict::done;
    }
    d->m = m;
    d->v6 = false;
    d->ip_len = uint16_t(info.total_len);
    return Verdict::lookup;
}

// Looks up the IPv6 destinations that missed at /64 under the other prefix
// lengths in use, longest first.
uint32_t lookup_v6_shorter(WorkerCtx *ctx, const V6Key &k64) {
    uint64_t mask = ctx->tables->v6_len_mask() & ~1ull;  // bit 0 is /64, done in bulk
    while (mask) {
        const int bit = __builtin_ctzll(mask);  // lowest bit = longest prefix
        mask &= mask - 1;
        const uint32_t len = 64 - uint32_t(bit);
        V6Key k{};
        k.prefix_hi = k64.prefix_hi & rte_cpu_to_be_64(~0ull << (64 - len));
        k.len = len;
        void *data;
        if (rte_hash_lookup_data(ctx->sub6_hash, &k, &data) >= 0) return uint32_t(uintptr_t(data));
    }
    return kInvalidIndex;
}

// IPv4 destinations: the sub4 front first (verified against the session's
// address), then one bulk rte_hash lookup for the rest.
// `b` holds each key's front bucket, already prefetched; each session record
// is prefetched as soon as its index is known.
void lookup_v4(WorkerCtx *ctx, const DownPkt *dp, const void **k4, const FrontBucket *const *b,
               const uint8_t *i4, unsigned n4, uint32_t *idx) {
    const void *keys[kMaxBurst];
    uint8_t pos[kMaxBurst];
    unsigned nmiss = 0;
    for (unsigned j = 0; j < n4; j++) {
        const uint32_t key = dp[i4[j]].key4;
        const uint32_t s = FrontTable::find(b[j], key);
        if (s != FrontTable::kMiss) {
            // Verified when forwarding (the slot may have been reused under us).
            prefetch_session(ctx, s);
            idx[i4[j]] = s;
            continue;
        }
        keys[nmiss] = k4[j];
        pos[nmiss++] = i4[j];
    }
    if (nmiss == 0) return;
    uint64_t hits = 0;
    void *data[kMaxBurst];
    rte_hash_lookup_bulk_data(ctx->sub4_hash, keys, nmiss, &hits, data);
    for (unsigned j = 0; j < nmiss; j++) {
        idx[pos[j]] = (hits >> j & 1) ? uint32_t(uintptr_t(data[j])) : kInvalidIndex;
        if (hits >> j & 1) prefetch_session(ctx, idx[pos[j]]);
    }
}

void forward_down(WorkerCtx *ctx, uint16_t pi, const DownPkt &d, uint32_t idx) {
    rte_mbuf *m = d.m;
    const DpSession &s = ctx->sessions[idx];
    uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *) + kEtherHdrLen;
    const bool ok = d.v6 ? ipv6_decrement_hop_limit(ip) : ipv4_decrement_ttl(ip);
    if (!ok) {
        if (!ctx->settings.icmp_time_exceeded) return drop(ctx, m, Drop::ttl_expired);
        ctx->c.drops[size_t(Drop::ttl_expired)]++;  // and ask for ICMP time exceeded
        return punt(ctx, m, Punt::ttl_expired, pi, pi, idx);
    }
    if (ctx->settings.clamp_down) {
        const uint16_t mss = d.v6 ? ctx->settings.mss_v6 : ctx->settings.mss_v4;
        if (mss && (d.v6 ? ipv6_clamp_mss(ip, d.ip_len, mss) : ipv4_clamp_mss(ip, d.ip_len, mss)))
            ctx->c.mss_clamped++;
    }
    if (d.ip_len > s.max_inner || d.ip_len > s.mru) {
        const bool df = !d.v6 && (ip[6] & 0x40);
        if (d.ip_len > s.mru || ctx->settings.too_big_icmp || df) {
            const uint16_t limit = s.max_inner < s.mru ? s.max_inner : s.mru;
            ctx->c.drops[size_t(Drop::down_too_big)]++;
            return punt(ctx, m, Punt::too_big, pi, pi, idx, limit);
        }
    }
    m->data_off = uint16_t(m->data_off + kEtherHdrLen);  // one segment (classification)
    m->data_len = d.ip_len;
    m->pkt_len = d.ip_len;
    const uint16_t proto = d.v6 ? kPppIpv6 : kPppIpv4;
    if ((s.framing.sequencing || (s.flags & kSessProtected)) && s.owner_worker != ctx->index) {
        MbufMeta *md = meta(m);
        md->index = idx;
        md->in_port = pi;
        md->aux = proto;
        md->kind = uint8_t(InboxKind::session_ip);
        if (rte_ring_mp_enqueue(ctx->inboxes[s.owner_worker], m) != 0)
            return drop(ctx, m, Drop::handoff_ring_full);
        ctx->c.handoffs++;
        return;
    }
    encap_to_lac(ctx, m, idx, proto, pi);
}

}  // namespace

void process_downstream_burst(WorkerCtx *ctx, uint16_t pi, rte_mbuf **pkts, uint16_t n) {
    DownPkt dp[kMaxBurst];
    const void *k4[kMaxBurst], *k6[kMaxBurst];
    uint8_t i4[kMaxBurst], i6[kMaxBurst];  // positions in dp[]
    const FrontBucket *b4[kMaxBurst];
    const FrontTable &front = ctx->tables->sub4_front();
    unsigned n4 = 0, n6 = 0, k = 0;
    PortCounters &pc = ctx->c.port[pi];
    pc.rx_packets += n;
    for (uint16_t i = 0; i < n; i++) {
        if (i + 4 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
        rte_mbuf *m = pkts[i];
        pc.rx_bytes += rte_pktmbuf_pkt_len(m);
        if (!ensure_linear(m)) {
            drop(ctx, m, Drop::multi_segment);
            continue;
        }
        if (classify_core(ctx, pi, m, &dp[k]) != Verdict::lookup) continue;
        if (dp[k].v6) {
            k6[n6] = &dp[k].key6;
            i6[n6++] = uint8_t(k);
        } else {
            k4[n4] = &dp[k].key4;
            // Start fetching the front bucket while the burst is classified.
            b4[n4] = front.bucket(dp[k].key4);
            rte_prefetch0(b4[n4]);
            i4[n4++] = uint8_t(k);
        }
        k++;
    }
    if (k == 0) return;
    uint32_t idx[kMaxBurst];
    void *data[kMaxBurst];
    uint64_t hits = 0;
    if (n4) lookup_v4(ctx, dp, k4, b4, i4, n4, idx);
    if (n6) {
        hits = 0;
        if (ctx->tables->v6_len_mask() & 1) rte_hash_lookup_bulk_data(ctx->sub6_hash, k6, n6, &hits, data);
        for (unsigned j = 0; j < n6; j++)
            idx[i6[j]] = (hits >> j & 1) ? uint32_t(uintptr_t(data[j]))
                                         : lookup_v6_shorter(ctx, dp[i6[j]].key6);
    }
    for (unsigned j = 0; j < n6; j++)
        if (idx[i6[j]] != kInvalidIndex) prefetch_session(ctx, idx[i6[j]]);
    for (unsigned j = 0; j < k; j++) {
        uint32_t s = idx[j];
        if (s != kInvalidIndex && !dp[j].v6 && ctx->sessions[s].sub_ipv4_be != dp[j].key4) {
            void *d;  // a front slot reused under us: ask the hash
            s = rte_hash_lookup_data(ctx->sub4_hash, &dp[j].key4, &d) >= 0 ? uint32_t(uintptr_t(d))
                                                                          : kInvalidIndex;
        }
        if (s == kInvalidIndex) {
            drop(ctx, dp[j].m, Drop::down_no_subscriber);
            continue;
        }
        forward_down(ctx, pi, dp[j], s);
    }
    if (ctx->n_esp_out) flush_esp_out(ctx);
}

}  // namespace lns::dp
