// Downstream encapsulation toward the LAC: PPP / L2TP / UDP / IPv4 / Ethernet,
// then TX, outer fragmentation when the packet exceeds the path MTU.
//
// Called by the downstream stage and for inbox packets (hand-offs and packets the
// control core sends into a session).  Only a session's owner worker may call it
// for a session with sequencing, since it advances the session's data Ns, or
// for a protected session (its outbound SA's sequence number).  Protected
// sessions' frames are queued for the burst's ESP encryption (esp_stage.hpp).
#pragma once

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/esp_stage.hpp"
#include "dataplane/path.hpp"
#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"

namespace lns::dp {

inline constexpr size_t kOuterIpUdpLen = 20 + kUdpHdrLen;

// Sends the Ethernet frame `m` on access port `out` to next hop `nh` (MAC word
// `w`), or punts it when the next hop is unresolved.
inline void send_to_lac(WorkerCtx *ctx, rte_mbuf *m, uint16_t out, uint32_t nh, uint64_t w,
                        uint16_t in_port) {
    write_ether_fast(rte_pktmbuf_mtod(m, uint8_t *), w, ctx->ports[out].eth_tail4);
    if (!(w & kNeighborValid)) {
        punt(ctx, m, Punt::neighbor_miss, in_port, out, nh);
        return;
    }
    tx_enqueue(ctx, out, m);
}

// The same toward the session's LAC next hop.
inline void send_to_lac(WorkerCtx *ctx, rte_mbuf *m, const DpSession &s, uint64_t w,
                        uint16_t in_port) {
    send_to_lac(ctx, m, s.access_port, s.lac_nh, w, in_port);
}

// Splits the encapsulated frame `m` (data at Ethernet) into outer IPv4 fragments
// of at most port `out`'s MTU and sends them to next hop `nh`.  Consumes `m`.
inline void fragment_to_lac(WorkerCtx *ctx, rte_mbuf *m, uint16_t out, uint32_t nh, uint64_t w,
                            uint16_t in_port) {
    rte_mbuf *frags[16];
    rte_pktmbuf_adj(m, kEtherHdrLen);
    const int nf = rte_ipv4_fragment_packet(m, frags, 16, ctx->ports[out].mtu,
                                            ctx->direct_pool, ctx->indirect_pool);
    rte_pktmbuf_free(m);  // fragments hold references to its data
    if (nf <= 0) {
        ctx->c.drops[size_t(Drop::down_frag_failed)]++;
        return;
    }
    ctx->c.fragmented++;
    for (int i = 0; i < nf; i++) {
        rte_mbuf *f = frags[i];
        auto *ip = rte_pktmbuf_mtod(f, rte_ipv4_hdr *);
        ip->hdr_checksum = 0;
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        if (!rte_pktmbuf_prepend(f, kEtherHdrLen)) {
            drop(ctx, f, Drop::no_headroom);
            continue;
        }
        send_to_lac(ctx, f, out, nh, w, in_port);
    }
}

inline void fragment_to_lac(WorkerCtx *ctx, rte_mbuf *m, const DpSession &s, uint64_t w,
                            uint16_t in_port) {
    fragment_to_lac(ctx, m, s.access_port, s.lac_nh, w, in_port);
}

// Encapsulates the IP packet in `m` (data at the IP header, exactly the packet)
// for session `idx` and sends it.  `protocol` is the PPP protocol.  Consumes `m`.
__attribute__((always_inline)) inline void encap_to_lac(WorkerCtx *ctx, rte_mbuf *m, uint32_t idx, uint16_t protocol,
                         uint16_t in_port) {
    const DpSession &s = ctx->sessions[idx];
    const size_t payload_len = rte_pktmbuf_pkt_len(m);
    // L2TP + PPP header length: precomputed for IP payloads (0x21 and 0x57 both
    // compress under PFC), computed for anything else.
    const size_t tun_len = (protocol == kPppIpv4 || protocol == kPppIpv6)
                               ? s.encap_len
                               : l2tp_data_header_size(s.framing) + ppp_header_size(s.framing, protocol);
    uint8_t *p = reinterpret_cast<uint8_t *>(
        rte_pktmbuf_prepend(m, uint16_t(kEtherHdrLen + kOuterIpUdpLen + tun_len)));
    if (!p) return drop(ctx, m, Drop::no_headroom);
    uint8_t *tun = p + kEtherHdrLen + kOuterIpUdpLen;
    if (s.flags & kSessPlainFraming) {
        // 00 02 | tunnel | session | FF 03 | protocol: one 8-byte and one 2-byte store.
        const uint64_t w0 = uint64_t(0x0200) | uint64_t(rte_cpu_to_be_16(s.remote_tunnel_id)) << 16 |
                            uint64_t(rte_cpu_to_be_16(s.remote_session_id)) << 32 | uint64_t(0x03ff) << 48;
        std::memcpy(tun, &w0, 8);
        store_be16(tun + 8, protocol);
    } else {
        const uint16_t ns = s.framing.sequencing ? ctx->tx_ns[idx]++ : 0;
        write_l2tp_ppp_header(tun, s.framing, s.remote_tunnel_id, s.remote_session_id, ns, protocol,
                              payload_len);
    }
    const uint32_t udp_len = uint32_t(kUdpHdrLen + tun_len + payload_len);
    const uint32_t ip_len = 20 + udp_len;
    const uint16_t id = ctx->ip_id;
    ctx->ip_id = uint16_t(ctx->ip_id + ctx->n_workers);
    uint32_t sum = s.ip_csum_base + ip_len + id;
    sum = (sum & 0xffff) + (sum >> 16);
    sum += sum >> 16;
    // IPv4: 45 00 len | id 00 00 (no DF) | 40 11 csum | src | dst; UDP: 1701 port len 0 (RFC 2661
    // §8.1: the UDP checksum is optional).
    uint8_t *ip = p + kEtherHdrLen;
    const uint64_t h0 = uint64_t(0x0045) | uint64_t(rte_cpu_to_be_16(uint16_t(ip_len))) << 16 |
                        uint64_t(rte_cpu_to_be_16(id)) << 32;
    const uint64_t h1 = uint64_t(0x1140) | uint64_t(rte_cpu_to_be_16(uint16_t(~sum))) << 16 |
                        uint64_t(s.lns_ip_be) << 32;
    const uint64_t h2 = uint64_t(s.lac_ip_be) | uint64_t(rte_cpu_to_be_16(kL2tpPort)) << 32 |
                        uint64_t(s.lac_port_be) << 48;
    const uint32_t h3 = uint32_t(rte_cpu_to_be_16(uint16_t(udp_len)));
    std::memcpy(ip, &h0, 8);
    std::memcpy(ip + 8, &h1, 8);
    std::memcpy(ip + 16, &h2, 8);
    std::memcpy(ip + 24, &h3, 4);
    ctx->c.down_packets++;
    ctx->c.down_bytes += payload_len;
    if (protocol == kPppIpv4 || protocol == kPppIpv6) {
        ctx->traffic[idx].down_packets++;
        ctx->traffic[idx].down_bytes += payload_len;
    }
    if (s.flags & kSessProtected) {  // ESP, then Ethernet: esp_encrypt.cpp
        queue_esp_out(ctx, m, idx, __atomic_load_n(&s.sa_out, __ATOMIC_RELAXED), in_port);
        return;
    }
    const uint64_t w = ctx->neighbors[s.lac_nh].word.load(std::memory_order_acquire);
    if (ip_len > ctx->ports[s.access_port].mtu)
        fragment_to_lac(ctx, m, s, w, in_port);
    else
        send_to_lac(ctx, m, s, w, in_port);
}

}  // namespace lns::dp
