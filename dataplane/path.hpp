// Per-packet helpers shared by the stages: drop, punt, hand-off, buffered TX.
// Inline, called from the worker's loop only (they touch WorkerCtx state).
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>

#include "dataplane/worker.hpp"

namespace lns::dp {

inline void drop(WorkerCtx *ctx, rte_mbuf *m, Drop reason) {
    ctx->c.drops[size_t(reason)]++;
    rte_pktmbuf_free(m);
}

// Sends the TX buffer of port `pi` now; what the queue refuses is counted and freed.
inline void tx_flush(WorkerCtx *ctx, uint16_t pi) {
    TxBuffer &b = ctx->tx[pi];
    if (b.n == 0) return;
    const uint16_t sent = rte_eth_tx_burst(ctx->ports[pi].port_id, uint16_t(ctx->index), b.pkts, b.n);
    ctx->c.port[pi].tx_packets += sent;  // bytes come from the PMD's counters (stats.cpp)
    if (sent < b.n) {
        ctx->c.drops[size_t(Drop::tx_full)] += b.n - sent;
        rte_pktmbuf_free_bulk(b.pkts + sent, b.n - sent);
    }
    b.n = 0;
}

inline void tx_enqueue(WorkerCtx *ctx, uint16_t pi, rte_mbuf *m) {
    TxBuffer &b = ctx->tx[pi];
    b.pkts[b.n++] = m;
    if (b.n == kTxBufSize) tx_flush(ctx, pi);
}

inline void tx_flush_all(WorkerCtx *ctx) {
    for (uint16_t pi = 0; pi < ctx->n_ports; pi++) tx_flush(ctx, pi);
}

// Hands a packet to the control core.  `index` is a session or neighbour index.
inline void punt(WorkerCtx *ctx, rte_mbuf *m, Punt why, uint16_t in_port, uint16_t out_port,
                 uint32_t index, uint16_t aux = 0) {
    MbufMeta *md = meta(m);
    md->index = index;
    md->in_port = in_port;
    md->out_port = out_port;
    md->aux = aux;
    md->punt = uint8_t(why);
    md->kind = 0;
    if (rte_ring_sp_enqueue(ctx->punt_ring, m) != 0) {
        drop(ctx, m, Drop::punt_ring_full);
        return;
    }
    ctx->c.punts[size_t(why)]++;
}

// Writes an Ethernet header with two overlapping 8-byte stores: destination MAC
// (from a neighbour word) and `tail` = source MAC + EtherType (PortRuntime::eth_tail*).
inline void write_ether_fast(uint8_t *p, uint64_t dst_word, uint64_t tail) {
    const uint64_t w0 = (dst_word & 0xffffffffffffull) | (tail << 48);
    std::memcpy(p, &w0, 8);
    std::memcpy(p + 6, &tail, 8);
}


// Makes the frame a single segment; false when it cannot.
inline bool ensure_linear(rte_mbuf *m) {
    return m->nb_segs == 1 || rte_pktmbuf_linearize(m) == 0;
}

}  // namespace lns::dp
