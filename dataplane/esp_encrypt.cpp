// esp_out: outbound ESP (RFC 4303 §3.3) for sessions bound to an outbound SA,
// after L2TP encapsulation: transport mode inserts ESP between the outer IPv4
// header and UDP; tunnel mode wraps the packet in a new IPv4 header local ->
// peer; NAT-T adds the UDP 4500 header toward the peer's translated port with
// checksum 0 (RFC 3948 §2.1, §3.1.1).  Then Ethernet toward the next hop: the
// LAC's (transport) or the SA peer's (tunnel).
#include "dataplane/encap.hpp"

namespace lns::dp {

namespace {

// A control-core frame (SCCRP, ZLB, HELLO, CDN... to a protected LAC): same
// Ethernet destination as the frame had, out of its port.
void send_control_frame(WorkerCtx *ctx, rte_mbuf *m, uint16_t port, uint64_t dst_word) {
    write_ether_fast(rte_pktmbuf_mtod(m, uint8_t *), dst_word, ctx->ports[port].eth_tail4);
    tx_enqueue(ctx, port, m);
}

}  // namespace

void flush_esp_out(WorkerCtx *ctx) {
    const unsigned n = ctx->n_esp_out;
    ctx->n_esp_out = 0;
    OpSlots slots;
    crypto::EspOp *ops = slots.ops;
    uint64_t dst_word[kMaxBurst];  // control frames: their Ethernet destination
    for (unsigned i = 0; i < n; i++) {
        rte_mbuf *m = ctx->esp_out[i].m;
        if (ctx->esp_out[i].session == kInvalidIndex) {
            dst_word[i] = 0;
            std::memcpy(&dst_word[i], rte_pktmbuf_mtod(m, const uint8_t *),
                        6);  // little-endian: bytes 0..5
            dst_word[i] |= kNeighborValid;
        }
        crypto::EspOp &op = ops[i];
        op.sa = &ctx->sas[ctx->esp_out[i].sa].sa;
        op.result = crypto::EspResult::ok;
        op.buf.data = rte_pktmbuf_mtod(m, uint8_t *) + kEtherHdrLen;
        op.buf.len = rte_pktmbuf_data_len(m) - kEtherHdrLen;
        op.buf.headroom = rte_pktmbuf_headroom(m) + kEtherHdrLen;
        op.buf.tailroom = rte_pktmbuf_tailroom(m);
        // The new outer headers and the Ethernet header go into headroom nobody
        // has touched yet, and the trailer and ICV may start a new line at the
        // end: fetch both lines for writing now, so that their misses overlap
        // instead of stalling each packet's prepare_out in turn.
        __builtin_prefetch(op.buf.data - kEtherHdrLen - 52, 1);  // tunnel + NAT-T + 16-byte IV
        __builtin_prefetch(op.buf.data + op.buf.len + 34, 1);
    }
    ctx->esp->encrypt_burst(ops, n);
    for (unsigned i = 0; i < n; i++) {
        const EspOutPending &p = ctx->esp_out[i];
        rte_mbuf *m = p.m;
        const crypto::EspOp &op = ops[i];
        if (op.result != crypto::EspResult::ok) {  // counted on the SA by the engine
            drop(ctx, m, esp_drop_reason(op.result));
            continue;
        }
        uint8_t *eth = op.buf.data - kEtherHdrLen;
        m->data_off = uint16_t(eth - static_cast<uint8_t *>(m->buf_addr));
        m->data_len = uint16_t(op.buf.len + kEtherHdrLen);
        m->pkt_len = m->data_len;
        ctx->c.esp_encrypted++;
        if (p.session == kInvalidIndex) {
            send_control_frame(ctx, m, p.port, dst_word[i]);
            continue;
        }
        const DpSa &sa = ctx->sas[p.sa];
        const DpSession &s = ctx->sessions[p.session];
        const uint32_t nh = sa.tunnel ? sa.peer_nh : s.lac_nh;  // tunnel mode: toward the SA's peer
        const uint64_t w = ctx->neighbors[nh].word.load(std::memory_order_acquire);
        if (op.buf.len > ctx->ports[s.access_port].mtu)
            fragment_to_lac(ctx, m, s.access_port, nh, w, p.port);
        else
            send_to_lac(ctx, m, s.access_port, nh, w, p.port);
    }
}

}  // namespace lns::dp
