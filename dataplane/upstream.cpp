// Upstream stages: access port -> core port.
//
//   classify_access   Ethernet / outer IPv4 (options, fragments -> reassembly) / UDP
//                     port demux; punts ARP, ICMP, IKE, L2TP control; ESP (protocol 50,
//                     UDP 4500) goes to esp_in (esp_decrypt.cpp), and what it decrypts
//                     is classified again, as if it had arrived on the port
//   lookup            bulk rte_hash lookup of (tunnel id, session id)
//   decap_forward     peer check, PPP header, inner IPv4/IPv6 checks, anti-spoofing,
//                     TTL, MSS clamp, new Ethernet header toward the core gateway
//
// RFC 2661 §3.1 (header), RFC 1661 §6.5 (PFC), RFC 1662 §3.2 (ACFC).
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_prefetch.h>

#include "crypto/natt.hpp"
#include "dataplane/esp_stage.hpp"
#include "dataplane/path.hpp"
#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"

namespace lns::dp {

namespace {

constexpr uint16_t kIkePort = 500;
constexpr uint16_t kNattPort = 4500;

struct UpPkt {
    rte_mbuf *m;
    uint32_t key;      // session hash key
    uint16_t ppp_off;  // offset of the PPP frame in the frame
    uint16_t ppp_end;  // end of the L2TP message
    uint32_t src_be;   // outer source address
    uint16_t sa;       // inbound SA it was decrypted with; kNoSa: arrived in clear
};

enum class Verdict : uint8_t { lookup, esp, done };

// An ESP packet for esp_in; `esp` is null for a packet already decrypted (ESP
// in ESP is refused).
Verdict classify_esp(WorkerCtx *ctx, rte_mbuf *m, const uint8_t *esp_hdr, size_t avail,
                     uint32_t src_be, const uint8_t *udp, EspIn *esp) {
    if (!esp) return drop(ctx, m, Drop::esp_nested), Verdict::done;
    if (avail < 8) return drop(ctx, m, Drop::esp_truncated), Verdict::done;
    esp->m = m;
    esp->spi = load_be32(esp_hdr);
    esp->src_be = src_be;
    esp->natt = udp != nullptr;
    esp->fast_total = 0;
    esp->sport_be = 0;
    if (udp) std::memcpy(&esp->sport_be, udp, 2);
    return Verdict::esp;
}

// Reassembles an outer IPv4 fragment.  Returns the whole packet (single segment,
// data at the Ethernet header) or null when it is held or was dropped.
rte_mbuf *reassemble(WorkerCtx *ctx, rte_mbuf *m, uint8_t *ip, size_t ihl) {
    m->l2_len = kEtherHdrLen;
    m->l3_len = uint16_t(ihl);
    const uint64_t before = ctx->death_row.cnt;
    rte_mbuf *r = rte_ipv4_frag_reassemble_packet(ctx->frag_tbl, &ctx->death_row, m, rte_rdtsc(),
                                                  reinterpret_cast<rte_ipv4_hdr *>(ip));
    ctx->c.drops[size_t(Drop::frag_reassembly_failed)] += ctx->death_row.cnt - before;
    if (!r) return nullptr;
    if (!ensure_linear(r)) {
        drop(ctx, r, Drop::multi_segment);
        return nullptr;
    }
    ctx->c.reassembled++;
    return r;
}

// UDP to the LNS: L2TP, IKE or NAT-T.  Fills `up` for L2TP data messages.
Verdict classify_udp(WorkerCtx *ctx, uint16_t pi, rte_mbuf *m, uint8_t *data, size_t udp_off,
                     size_t ip_end, UpPkt *up, EspIn *esp) {
    if (ip_end < udp_off + kUdpHdrLen) return drop(ctx, m, Drop::udp_truncated), Verdict::done;
    const uint8_t *udp = data + udp_off;
    const size_t udp_len = load_be16(udp + 4);
    if (udp_len < kUdpHdrLen || udp_off + udp_len > ip_end)
        return drop(ctx, m, Drop::udp_truncated), Verdict::done;
    const uint16_t dport = load_be16(udp + 2);
    const uint8_t *payload = udp + kUdpHdrLen;
    const size_t plen = udp_len - kUdpHdrLen;
    if (dport == kL2tpPort) {
        L2tpHeader h;
        switch (parse_l2tp_header(payload, plen, &h)) {
            case L2tpStatus::data:
                up->m = m;
                up->key = Tables::session_key(h.tunnel_id, h.session_id);
                up->ppp_off = uint16_t(udp_off + kUdpHdrLen + h.header_len);
                up->ppp_end = uint16_t(udp_off + kUdpHdrLen + h.total_len);
                return Verdict::lookup;
            case L2tpStatus::control:
                // aux: the inbound SA it was decrypted with (kNoSa: clear), for
                // the control core's replies and the calls of this tunnel.
                punt(ctx, m, Punt::l2tp_control, pi, pi, kInvalidIndex, up->sa);
                return Verdict::done;
            case L2tpStatus::truncated: drop(ctx, m, Drop::l2tp_truncated); break;
            case L2tpStatus::bad_version: drop(ctx, m, Drop::l2tp_bad_version); break;
            case L2tpStatus::bad_length: drop(ctx, m, Drop::l2tp_bad_length); break;
            case L2tpStatus::bad_offset: drop(ctx, m, Drop::l2tp_bad_offset); break;
        }
        return Verdict::done;
    }
    if (dport == kIkePort) {
        punt(ctx, m, Punt::ike, pi, pi, kInvalidIndex);
    } else if (dport == kNattPort) {
        switch (crypto::classify_natt(payload, plen)) {  // RFC 3948 §2
            case crypto::NattPayload::esp:
                return classify_esp(ctx, m, payload, plen, up->src_be, udp, esp);
            case crypto::NattPayload::ike: punt(ctx, m, Punt::ike, pi, pi, kInvalidIndex); break;
            case crypto::NattPayload::keepalive: drop(ctx, m, Drop::natt_keepalive); break;
            case crypto::NattPayload::malformed: drop(ctx, m, Drop::natt_malformed); break;
        }
    } else {
        drop(ctx, m, Drop::udp_unsupported_port);
    }
    return Verdict::done;
}

// Ethernet and outer IPv4 of a frame on an access port, or of what esp_in
// decrypted from one with SA `sa` (then `esp` is null; else sa is kNoSa).
Verdict classify_access(WorkerCtx *ctx, uint16_t pi, rte_mbuf *m, UpPkt *up, EspIn *esp,
                        uint16_t sa) {
    const PortRuntime &port = ctx->ports[pi];
    bool csum_checked = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
    for (int pass = 0; pass < 2; pass++) {  // second pass: a reassembled packet
        uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
        const size_t len = rte_pktmbuf_data_len(m);
        if (len < kEtherHdrLen) return drop(ctx, m, Drop::eth_truncated), Verdict::done;
        const uint16_t type = load_be16(data + 12);
        if (type == kEtherTypeArp) {
            punt(ctx, m, Punt::arp, pi, pi, kInvalidIndex);
            return Verdict::done;
        }
        if (type != kEtherTypeIpv4) {
            drop(ctx, m, type == kEtherTypeIpv6 ? Drop::ipv6_on_access : Drop::eth_unsupported_type);
            return Verdict::done;
        }
        uint8_t *ip = data + kEtherHdrLen;
        Ipv4Info info;
        switch (parse_ipv4(ip, len - kEtherHdrLen, csum_checked, &info)) {
            case Ipv4Status::ok: break;
            case Ipv4Status::truncated: return drop(ctx, m, Drop::ipv4_truncated), Verdict::done;
            case Ipv4Status::bad_header: return drop(ctx, m, Drop::ipv4_bad_header), Verdict::done;
            case Ipv4Status::bad_checksum:
                return drop(ctx, m, Drop::ipv4_bad_checksum), Verdict::done;
        }
        uint32_t dst_be, src_be;
        std::memcpy(&dst_be, ip + 16, 4);
        std::memcpy(&src_be, ip + 12, 4);
        if (dst_be != port.ipv4_be) return drop(ctx, m, Drop::ipv4_not_local), Verdict::done;
        if (info.fragment) {
            m = reassemble(ctx, m, ip, info.header_len);
            if (!m) return Verdict::done;
            csum_checked = true;  // the reassembler rewrote the header
            continue;
        }
        up->src_be = src_be;
        up->sa = sa;
        const size_t ip_end = kEtherHdrLen + info.total_len;
        switch (info.proto) {
            case kIpProtoUdp:
                return classify_udp(ctx, pi, m, data, kEtherHdrLen + info.header_len, ip_end, up,
                                    esp);
            case kIpProtoIcmp: punt(ctx, m, Punt::icmp_local, pi, pi, kInvalidIndex); break;
            case kIpProtoEsp: {
                const size_t off = kEtherHdrLen + info.header_len;
                return classify_esp(ctx, m, data + off, ip_end - off, src_be, nullptr, esp);
            }
            default: drop(ctx, m, Drop::ipv4_unsupported_proto); break;
        }
        return Verdict::done;
    }
    return Verdict::done;
}

// The shape both one-pass classifiers below accept: untagged IPv4 without
// options or fragmentation to the port's address, UDP to `dport` with an exact
// length and at least `min_payload` bytes, a good header checksum, a single
// segment.  Returns the frame's data (the UDP payload starts at kFastPayload)
// and the IPv4 total length, or null for the general path.
constexpr uint32_t kFastPayload = kEtherHdrLen + 20 + kUdpHdrLen;

inline const uint8_t *fast_udp(const PortRuntime &port, rte_mbuf *m, uint16_t dport, uint32_t min_payload,
                               bool csum_checked, uint32_t *total) {
    const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
    const uint32_t len = rte_pktmbuf_data_len(m);
    if (len < kFastPayload + min_payload || m->nb_segs != 1) return nullptr;
    uint32_t w_dst, w_frag;
    uint16_t type, dport_be;
    std::memcpy(&type, d + 12, 2);
    std::memcpy(&w_frag, d + 20, 4);  // fragment field, TTL, protocol
    std::memcpy(&w_dst, d + 30, 4);
    std::memcpy(&dport_be, d + 36, 2);
    const uint32_t frag_proto = w_frag & rte_cpu_to_be_32(0x3fff00ff);  // offset + MF, protocol
    if (type != rte_cpu_to_be_16(kEtherTypeIpv4) || d[14] != 0x45 ||
        frag_proto != rte_cpu_to_be_32(kIpProtoUdp) || w_dst != port.ipv4_be ||
        dport_be != rte_cpu_to_be_16(dport))
        return nullptr;
    const uint32_t t = load_be16(d + 16), udp_len = load_be16(d + 38);
    if (t + kEtherHdrLen > len || udp_len != t - 20 || udp_len < kUdpHdrLen + min_payload) return nullptr;
    if (!csum_checked && !ipv4_header_checksum_ok(d + kEtherHdrLen, 20)) return nullptr;
    *total = t;
    return d;
}

// The common case in one pass: an L2TP data message with no optional fields
// (fast_udp's shape, port 1701).  Anything else (or any doubt) returns false
// for the general path, which also does the counting.
inline bool classify_fast(const PortRuntime &port, rte_mbuf *m, bool csum_checked, UpPkt *up) {
    uint32_t total;
    const uint8_t *d = fast_udp(port, m, kL2tpPort, 6, csum_checked, &total);
    if (!d) return false;
    uint16_t flags;
    std::memcpy(&flags, d + kFastPayload, 2);
    if (flags != rte_cpu_to_be_16(kL2tpVersion2)) return false;
    uint32_t ids;
    std::memcpy(&ids, d + kFastPayload + 2, 4);
    up->m = m;
    up->key = rte_be_to_cpu_32(ids);
    up->ppp_off = kFastPayload + 6;
    up->ppp_end = uint16_t(kEtherHdrLen + total);
    std::memcpy(&up->src_be, d + 26, 4);
    up->sa = kNoSa;
    return true;
}

// The common ESP case in one pass: ESP in UDP (fast_udp's shape, port 4500)
// with a non-zero SPI (RFC 3948 §2.2).  Anything else returns false for the
// general path (IKE, keepalives, ESP without UDP, doubt of any kind).
inline bool classify_esp_fast(const PortRuntime &port, rte_mbuf *m, bool csum_checked, EspIn *esp) {
    uint32_t total;
    const uint8_t *d = fast_udp(port, m, kNattPort, 8, csum_checked, &total);
    if (!d) return false;
    uint32_t spi_be;
    std::memcpy(&spi_be, d + kFastPayload, 4);
    if (spi_be == 0) return false;
    esp->m = m;
    esp->spi = rte_be_to_cpu_32(spi_be);
    std::memcpy(&esp->src_be, d + 26, 4);
    std::memcpy(&esp->sport_be, d + 34, 2);
    esp->natt = true;
    esp->fast_total = uint16_t(total);
    return true;
}

// Session indices for a burst of keys: the direct-mapped front first, then one
// bulk rte_hash lookup for the keys it did not hold.
// Prefetches each session record as soon as its index is known.  `b` holds the
// (already prefetched) front bucket of each key.
void lookup_sessions(WorkerCtx *ctx, const UpPkt *up, const FrontBucket *const *b, unsigned k,
                     uint32_t *idx) {
    const void *keys[kMaxBurst];
    hash_sig_t sigs[kMaxBurst];
    uint8_t pos[kMaxBurst];
    unsigned nmiss = 0;
    for (unsigned j = 0; j < k; j++) {
        idx[j] = FrontTable::find(b[j], up[j].key);
        if (idx[j] != FrontTable::kMiss) {
            prefetch_session(ctx, idx[j]);
            continue;
        }
        keys[nmiss] = &up[j].key;
        sigs[nmiss] = Tables::session_sig(up[j].key);
        pos[nmiss++] = uint8_t(j);
    }
    if (nmiss == 0) return;
    uint64_t hits = 0;
    void *data[kMaxBurst];
    rte_hash_lookup_with_hash_bulk_data(ctx->session_hash, keys, sigs, nmiss, &hits, data);
    for (unsigned i = 0; i < nmiss; i++) {
        idx[pos[i]] = (hits >> i & 1) ? uint32_t(uintptr_t(data[i])) : kInvalidIndex;
        if (hits >> i & 1) prefetch_session(ctx, idx[pos[i]]);
    }
}

uint32_t lookup_one(WorkerCtx *ctx, uint32_t key) {
    void *data;
    if (rte_hash_lookup_with_hash_data(ctx->session_hash, &key, Tables::session_sig(key), &data) < 0)
        return kInvalidIndex;
    return uint32_t(uintptr_t(data));
}

inline bool session_matches(const DpSession &s, uint32_t key) {
    return (uint32_t(s.local_tunnel_id) << 16 | s.local_session_id) == key;
}

// Inner IPv4: validation, anti-spoofing, TTL, MSS.  Returns false when consumed.
bool inner_ipv4(WorkerCtx *ctx, uint16_t pi, rte_mbuf *m, uint8_t *ip, size_t avail,
                const DpSession &s, uint32_t idx, size_t *ip_len) {
    Ipv4Info info;
    if (parse_ipv4(ip, avail, false, &info) != Ipv4Status::ok)
        return drop(ctx, m, Drop::inner_ipv4_bad_header), false;
    uint32_t src_be, dst_be;
    std::memcpy(&src_be, ip + 12, 4);
    std::memcpy(&dst_be, ip + 16, 4);
    if (!(s.flags & kSessHasIpv4) || src_be != s.sub_ipv4_be)
        return drop(ctx, m, Drop::spoofed_source), false;
    const PortRuntime &core = ctx->ports[ctx->core_port];
    if (dst_be == core.ipv4_be || dst_be == ctx->ports[pi].ipv4_be) {
        punt(ctx, m, Punt::icmp_local, pi, pi, idx);
        return false;
    }
    if (!ipv4_decrement_ttl(ip)) {
        // Counted as a drop either way; the punt asks for ICMP time exceeded.
        if (!ctx->settings.icmp_time_exceeded) return drop(ctx, m, Drop::ttl_expired), false;
        ctx->c.drops[size_t(Drop::ttl_expired)]++;
        punt(ctx, m, Punt::ttl_expired, pi, pi, idx);
        return false;
    }
    if (ctx->settings.mss_v4 && ctx->settings.clamp_up &&
        ipv4_clamp_mss(ip, info.total_len, ctx->settings.mss_v4))
        ctx->c.mss_clamped++;
    *ip_len = info.total_len;
    return true;
}

bool inner_ipv6(WorkerCtx *ctx, uint16_t pi, rte_mbuf *m, uint8_t *ip, size_t avail,
                const DpSession &s, uint32_t idx, size_t *ip_len) {
    if (avail < kIpv6HdrLen || (ip[0] >> 4) != 6)
        return drop(ctx, m, Drop::inner_ipv6_bad_header), false;
    const size_t total = kIpv6HdrLen + load_be16(ip + 4);
    if (total > avail) return drop(ctx, m, Drop::inner_ipv6_bad_header), false;
    if (ip[8] == 0xfe && (ip[9] & 0xc0) == 0x80) {
        // Link-local source: router solicitations and other ICMPv6 for the LNS
        // as the subscriber's router go to the control core; nothing else may
        // leave the link.
        if (ip[6] == kIpProtoIcmp6) return punt(ctx, m, Punt::nd, pi, pi, idx), false;
        return drop(ctx, m, Drop::spoofed_source), false;
    }
    uint64_t src_hi;
    std::memcpy(&src_hi, ip + 8, 8);
    if (!(s.flags & kSessHasIpv6) || (src_hi & s.sub_ipv6_mask) != s.sub_ipv6_hi) {
        // A Router Solicitation may come from the unspecified address (RFC 4861 §6.3.7).
        uint64_t src_lo;
        std::memcpy(&src_lo, ip + 16, 8);
        if ((src_hi | src_lo) == 0 && ip[6] == kIpProtoIcmp6)
            return punt(ctx, m, Punt::nd, pi, pi, idx), false;
        return drop(ctx, m, Drop::spoofed_source), false;
    }
    const PortRuntime &core = ctx->ports[ctx->core_port];
    if (core.has_ipv6 && std::memcmp(ip + 24, core.ipv6, 16) == 0) {
        punt(ctx, m, Punt::icmp_local, pi, pi, idx);
        return false;
    }
    if (!ipv6_decrement_hop_limit(ip)) {
        // Counted as a drop either way; the punt asks for ICMP time exceeded.
        if (!ctx->settings.icmp_time_exceeded) return drop(ctx, m, Drop::ttl_expired), false;
        ctx->c.drops[size_t(Drop::ttl_expired)]++;
        punt(ctx, m, Punt::ttl_expired, pi, pi, idx);
        return false;
    }
    if (ctx->settings.mss_v6 && ctx->settings.clamp_up &&
        ipv6_clamp_mss(ip, total, ctx->settings.mss_v6))
        ctx->c.mss_clamped++;
    *ip_len = total;
    return true;
}

// Next hop on the core port for an inner destination: hosts on the port's own
// prefix directly (kResolve when not known yet: the control core creates and
// resolves the entry), everything else through the gateway.
constexpr uint32_t kResolve = kInvalidIndex - 1;

uint32_t next_hop4(const WorkerCtx *ctx, const uint8_t *ip) {
    const PortRuntime &core = ctx->ports[ctx->core_port];
    uint32_t dst;
    std::memcpy(&dst, ip + 16, 4);
    if ((dst ^ core.ipv4_be) & core.ipv4_mask_be) return core.gw4_nh;
    void *d;
    if (rte_hash_lookup_data(ctx->onlink4_hash, &dst, &d) >= 0) return uint32_t(uintptr_t(d));
    return kResolve;
}

bool same_prefix6(const uint8_t *a, const uint8_t *b, unsigned len) {
    const unsigned bytes = len / 8, bits = len % 8;
    if (std::memcmp(a, b, bytes) != 0) return false;
    return bits == 0 || ((a[bytes] ^ b[bytes]) & uint8_t(0xff00 >> bits)) == 0;
}

uint32_t next_hop6(const WorkerCtx *ctx, const uint8_t *ip) {
    const PortRuntime &core = ctx->ports[ctx->core_port];
    if (!core.has_ipv6 || !same_prefix6(ip + 24, core.ipv6, core.ipv6_prefix_len)) return core.gw6_nh;
    void *d;
    if (rte_hash_lookup_data(ctx->onlink6_hash, ip + 24, &d) >= 0) return uint32_t(uintptr_t(d));
    return kResolve;
}

// RFC 4301 §5.2: a protected session takes only what its SAs decrypted: the
// inbound SA must lead to the peer endpoint (address, NAT-T port) that the
// session's outbound SA protects.  Endpoints, not SA ids, are compared, so
// the inbound SAs of a rekey overlap are all accepted.
bool esp_policy_ok(WorkerCtx *ctx, rte_mbuf *m, const DpSession &s, uint16_t sa) {
    if (sa == kNoSa) return drop(ctx, m, Drop::esp_required), false;
    DpSa &in = ctx->sas[sa];
    const DpSa &out = ctx->sas[__atomic_load_n(&s.sa_out, __ATOMIC_RELAXED)];
    if (in.peer_be == out.peer_be && in.natt == out.natt &&
        (!in.natt || in.natt_peer_port_be == out.natt_peer_port_be))
        return true;
    in.policy_drops[size_t(SaPolicyDrop::wrong_sa)]++;
    return drop(ctx, m, Drop::esp_wrong_sa), false;
}

void decap_forward(WorkerCtx *ctx, uint16_t pi, const UpPkt &u, uint32_t idx) {
    rte_mbuf *m = u.m;
    const DpSession &s = ctx->sessions[idx];
    if (u.src_be != s.lac_ip_be) return drop(ctx, m, Drop::l2tp_wrong_peer);
    if ((s.flags & kSessProtected) && !esp_policy_ok(ctx, m, s, u.sa)) return;
    uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
    uint16_t proto;
    size_t hl;
    const size_t ppp_len = size_t(u.ppp_end - u.ppp_off);
    uint32_t ppp_word = 0;
    if (ppp_len >= 4) std::memcpy(&ppp_word, data + u.ppp_off, 4);
    if (ppp_word == rte_cpu_to_be_32(0xff030021)) {  // the usual: FF 03, IPv4
        proto = kPppIpv4;
        hl = 4;
    } else switch (parse_ppp_header(data + u.ppp_off, ppp_len, &proto, &hl)) {
        case PppStatus::ok: break;
        case PppStatus::truncated: return drop(ctx, m, Drop::ppp_truncated);
        case PppStatus::bad_protocol: return drop(ctx, m, Drop::ppp_bad_protocol);
    }
    uint8_t *ip = data + u.ppp_off + hl;
    const size_t avail = ppp_len - hl;
    size_t ip_len = 0;
    uint32_t nh;
    uint16_t etype;
    if (proto == kPppIpv4) {
        if (!inner_ipv4(ctx, pi, m, ip, avail, s, idx, &ip_len)) return;
        nh = next_hop4(ctx, ip);
        etype = kEtherTypeIpv4;
        if (nh == kInvalidIndex) return drop(ctx, m, Drop::no_ipv4_route);
    } else if (proto == kPppIpv6) {
        if (!inner_ipv6(ctx, pi, m, ip, avail, s, idx, &ip_len)) return;
        nh = next_hop6(ctx, ip);
        etype = kEtherTypeIpv6;
        if (nh == kInvalidIndex) return drop(ctx, m, Drop::no_ipv6_route);
    } else {
        punt(ctx, m, Punt::ppp_control, pi, pi, idx);
        return;
    }
    // Strip the outer headers, keeping room for the new Ethernet header (the
    // frame is one segment: classification made sure of it).
    m->data_off = uint16_t(m->data_off + (ip - data) - kEtherHdrLen);
    m->data_len = uint16_t(kEtherHdrLen + ip_len);
    m->pkt_len = uint32_t(kEtherHdrLen + ip_len);
    const uint16_t out = ctx->core_port;
    const uint64_t w = nh == kResolve ? 0 : ctx->neighbors[nh].word.load(std::memory_order_acquire);
    const PortRuntime &op = ctx->ports[out];
    write_ether_fast(rte_pktmbuf_mtod(m, uint8_t *), w, etype == kEtherTypeIpv4 ? op.eth_tail4 : op.eth_tail6);
    ctx->c.up_packets++;
    ctx->c.up_bytes += ip_len;
    ctx->traffic[idx].up_packets++;
    ctx->traffic[idx].up_bytes += ip_len;
    if (nh == kResolve || !(w & kNeighborValid)) {
        punt(ctx, m, Punt::neighbor_miss, pi, out, nh == kResolve ? kInvalidIndex : nh);
        return;
    }
    tx_enqueue(ctx, out, m);
}

// classify (cleartext and ESP apart) -> esp_in -> classify the decrypted packets
// -> lookup -> decap_forward.  count_rx: false for packets handed over by
// another worker (it counted them).
void upstream(WorkerCtx *ctx, uint16_t pi, rte_mbuf **pkts, uint16_t n, bool count_rx) {
    UpPkt up[kMaxBurst];
    EspIn esp[kMaxBurst];
    unsigned ne = 0;
    uint32_t idx[kMaxBurst];
    const FrontBucket *front_bucket[kMaxBurst];
    const FrontTable &front = ctx->tables->session_front();
    unsigned k = 0;
    const PortRuntime &port = ctx->ports[pi];
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; i++) {
        if (i + 4 < n) {
            // Both lines of the headers: the inner packet starts past byte 48.
            const uint8_t *ahead = rte_pktmbuf_mtod(pkts[i + 4], const uint8_t *);
            rte_prefetch0(ahead);
            rte_prefetch0(ahead + 64);
        }
        rte_mbuf *m = pkts[i];
        bytes += rte_pktmbuf_pkt_len(m);
        const bool hw_csum = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
        Verdict v = Verdict::lookup;
        if (!classify_fast(port, m, hw_csum, &up[k])) {
            if (classify_esp_fast(port, m, hw_csum, &esp[ne])) {
                v = Verdict::esp;
            } else {
                if (!ensure_linear(m)) {
                    drop(ctx, m, Drop::multi_segment);
                    continue;
                }
                v = classify_access(ctx, pi, m, &up[k], &esp[ne], kNoSa);
            }
        }
        if (v == Verdict::lookup) {
            // Start fetching the key's front bucket now: it has the rest of the
            // burst's classification to arrive.
            front_bucket[k] = front.bucket(up[k].key);
            rte_prefetch0(front_bucket[k]);
            k++;
        } else if (v == Verdict::esp) {
            ne++;
        }
    }
    if (count_rx) {
        PortCounters &pc = ctx->c.port[pi];
        pc.rx_packets += n;
        pc.rx_bytes += bytes;
    }
    if (ne) {
        rte_mbuf *dec[kMaxBurst];
        uint16_t dec_sa[kMaxBurst];
        const unsigned nd = decrypt_esp_burst(ctx, pi, esp, ne, dec, dec_sa);
        for (unsigned i = 0; i < nd; i++) {
            // What a tunnel-mode SA decrypted is an L2TP data message in the
            // common case: the fast classifier first (it verifies the inner
            // header checksum), the general one for everything else.
            if (classify_fast(port, dec[i], false, &up[k])) {
                up[k].sa = dec_sa[i];
            } else if (classify_access(ctx, pi, dec[i], &up[k], nullptr, dec_sa[i]) != Verdict::lookup) {
                continue;
            }
            front_bucket[k] = front.bucket(up[k].key);
            rte_prefetch0(front_bucket[k]);
            k++;
        }
    }
    if (k == 0) return;
    lookup_sessions(ctx, up, front_bucket, k, idx);
    for (unsigned j = 0; j < k; j++) {
        uint32_t s = idx[j];
        if (s != kInvalidIndex && !session_matches(ctx->sessions[s], up[j].key))
            s = lookup_one(ctx, up[j].key);  // front slot reused under us: ask the hash
        if (s == kInvalidIndex) {
            drop(ctx, up[j].m, Drop::l2tp_no_session);
            continue;
        }
        decap_forward(ctx, pi, up[j], s);
    }
}

}  // namespace

void process_upstream_burst(WorkerCtx *ctx, uint16_t pi, rte_mbuf **pkts, uint16_t n) {
    upstream(ctx, pi, pkts, n, true);
}

void process_upstream_handoff(WorkerCtx *ctx, uint16_t pi, rte_mbuf **pkts, uint16_t n) {
    upstream(ctx, pi, pkts, n, false);
}

}  // namespace lns::dp
