// Downstream encapsulation toward the LAC: PPP / L2TP / UDP / IPv4 / Ethernet,
// then TX, outer fragmentation when the packet exceeds the path MTU.
//
// Called by the downstream stage and for inbox packets (hand-offs and packets the
// control core sends into a session).  Only a session's owner worker may call it
// for a session with sequencing, since it advances the session's data Ns.
#pragma once

#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "dataplane/path.hpp"
#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"

namespace lns::dp {

inline constexpr size_t kOuterIpUdpLen = 20 + kUdpHdrLen;

// Sends the Ethernet frame `m` on access port `out` to the session's LAC next hop,
// or punts it when the next hop is unresolved.  Counts it as forwarded downstream.
inline void send_to_lac(WorkerCtx *ctx, rte_mbuf *m, const DpSession &s, uint64_t w,
                        uint16_t in_port) {
    const uint16_t out = s.access_port;
    write_ether(rte_pktmbuf_mtod(m, uint8_t *), w, ctx->ports[out].mac, kEtherTypeIpv4);
    if (!(w & kNeighborValid)) {
        punt(ctx, m, Punt::neighbor_miss, in_port, out, s.lac_nh);
        return;
    }
    tx_enqueue(ctx, out, m);
}

// Splits the encapsulated frame `m` (data at Ethernet) into outer IPv4 fragments
// of at most the access port's MTU and sends them.  Consumes `m`.
inline void fragment_to_lac(WorkerCtx *ctx, rte_mbuf *m, const DpSession &s, uint64_t w,
                            uint16_t in_port) {
    rte_mbuf *frags[16];
    rte_pktmbuf_adj(m, kEtherHdrLen);
    const int nf = rte_ipv4_fragment_packet(m, frags, 16, ctx->ports[s.access_port].mtu,
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
        send_to_lac(ctx, f, s, w, in_port);
    }
}

// Encapsulates the IP packet in `m` (data at the IP header, exactly the packet)
// for session `idx` and sends it.  `protocol` is the PPP protocol.  Consumes `m`.
inline void encap_to_lac(WorkerCtx *ctx, rte_mbuf *m, uint32_t idx, uint16_t protocol,
                         uint16_t in_port) {
    const DpSession &s = ctx->sessions[idx];
    const size_t payload_len = rte_pktmbuf_pkt_len(m);
    const size_t tun_len = l2tp_data_header_size(s.framing) + ppp_header_size(s.framing, protocol);
    uint8_t *p = reinterpret_cast<uint8_t *>(
        rte_pktmbuf_prepend(m, uint16_t(kEtherHdrLen + kOuterIpUdpLen + tun_len)));
    if (!p) return drop(ctx, m, Drop::no_headroom);
    const uint16_t ns = s.framing.sequencing ? ctx->tx_ns[idx]++ : 0;
    write_l2tp_ppp_header(p + kEtherHdrLen + kOuterIpUdpLen, s.framing, s.remote_tunnel_id,
                          s.remote_session_id, ns, protocol, payload_len);
    const size_t udp_len = kUdpHdrLen + tun_len + payload_len;
    uint8_t *udp = p + kEtherHdrLen + 20;
    store_be16(udp, kL2tpPort);
    std::memcpy(udp + 2, &s.lac_port_be, 2);
    store_be16(udp + 4, uint16_t(udp_len));
    store_be16(udp + 6, 0);  // RFC 2661 §8.1: UDP checksum optional; 0 = none
    uint8_t *ip = p + kEtherHdrLen;
    ip[0] = 0x45;
    ip[1] = 0;
    store_be16(ip + 2, uint16_t(20 + udp_len));
    store_be16(ip + 4, ctx->ip_id);
    ctx->ip_id = uint16_t(ctx->ip_id + ctx->n_workers);
    store_be16(ip + 6, 0);
    ip[8] = 64;
    ip[9] = kIpProtoUdp;
    store_be16(ip + 10, 0);
    std::memcpy(ip + 12, &s.lns_ip_be, 4);
    std::memcpy(ip + 16, &s.lac_ip_be, 4);
    auto *iph = reinterpret_cast<rte_ipv4_hdr *>(ip);
    iph->hdr_checksum = rte_ipv4_cksum(iph);
    ctx->c.down_packets++;
    ctx->c.down_bytes += payload_len;
    const uint64_t w = ctx->neighbors[s.lac_nh].word.load(std::memory_order_acquire);
    if (20 + udp_len > ctx->ports[s.access_port].mtu)
        fragment_to_lac(ctx, m, s, w, in_port);
    else
        send_to_lac(ctx, m, s, w, in_port);
}

}  // namespace lns::dp
