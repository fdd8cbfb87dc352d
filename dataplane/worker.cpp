// Worker main loop (DPDK l3fwd's shape): RX bursts through the stages, the inbox,
// a TSC-deadline TX drain, reassembly housekeeping, RCU quiescent report.
#include "dataplane/worker.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane/encap.hpp"

namespace lns::dp {

// Frames from the control core and packets handed over by other workers.
unsigned drain_inbox(WorkerCtx *ctx) {
    rte_mbuf *pkts[kMaxBurst];
    const unsigned n = rte_ring_sc_dequeue_burst(ctx->inbox, reinterpret_cast<void **>(pkts),
                                                 ctx->settings.burst, nullptr);
    for (unsigned i = 0; i < n; i++) {
        rte_mbuf *m = pkts[i];
        const MbufMeta *md = meta(m);
        if (md->kind == uint8_t(InboxKind::session_ip)) {
            encap_to_lac(ctx, m, md->index, md->aux, md->in_port);
        } else if (md->kind == uint8_t(InboxKind::esp_in)) {
            process_upstream_handoff(ctx, md->in_port, &m, 1);
        } else if (md->kind == uint8_t(InboxKind::esp_frame)) {
            ctx->c.injected++;
            queue_esp_out(ctx, m, kInvalidIndex, uint16_t(md->index), md->out_port);
        } else {
            ctx->c.injected++;
            tx_enqueue(ctx, md->out_port, m);
        }
    }
    if (ctx->n_esp_out) flush_esp_out(ctx);
    return n;
}

namespace {

void housekeeping(WorkerCtx *ctx, uint64_t now) {
    tx_flush_all(ctx);
    if (ctx->frag_tbl) {
        const uint64_t before = ctx->death_row.cnt;
        rte_ip_frag_table_del_expired_entries(ctx->frag_tbl, &ctx->death_row, now);
        ctx->c.drops[size_t(Drop::frag_reassembly_failed)] += ctx->death_row.cnt - before;
    }
    ctx->next_drain_tsc = now + ctx->settings.drain_tsc;
}

}  // namespace

int worker_main(WorkerCtx *ctx) {
    rte_rcu_qsbr_thread_register(ctx->qsv, ctx->index);
    rte_rcu_qsbr_thread_online(ctx->qsv, ctx->index);
    rte_mbuf *pkts[kMaxBurst];
    const uint16_t burst = ctx->settings.burst;
    const uint16_t rx_burst = ctx->settings.rx_burst;
    ctx->next_drain_tsc = rte_rdtsc() + ctx->settings.drain_tsc;
    unsigned idle = 0;
    while (!*ctx->stop) {
        unsigned got = 0;
        for (uint16_t r = 0; r < ctx->n_rx; r++) {
            const RxQueueRef &q = ctx->rx[r];
            const uint16_t n = rx_gather(q, pkts, burst, rx_burst);
            if (n == 0) continue;
            got += n;
            if (q.role == PortRole::access)
                process_upstream_burst(ctx, q.port_index, pkts, n);
            else
                process_downstream_burst(ctx, q.port_index, pkts, n);
        }
        got += drain_inbox(ctx);
        ctx->c.loops++;
        if (got) {
            // Send what this iteration produced now: mbufs go back to the pool
            // while still in cache (what testpmd's io forwarding does per burst).
            ctx->c.busy_loops++;
            tx_flush_all(ctx);
        }
        const uint64_t now = rte_rdtsc();
        if (now >= ctx->next_drain_tsc) housekeeping(ctx, now);
        if (ctx->death_row.cnt) rte_ip_frag_free_death_row(&ctx->death_row, 3);
        rte_rcu_qsbr_quiescent(ctx->qsv, ctx->index);
        // Optional yield for machines where workers share cores with other
        // processes (labs, the emulator): never taken while packets arrive.
        idle = got ? 0 : idle + 1;
        if (ctx->settings.idle_sleep_us && idle >= ctx->settings.idle_polls) {
            ctx->c.idle_sleeps++;
            rte_delay_us_sleep(ctx->settings.idle_sleep_us);
        }
    }
    tx_flush_all(ctx);
    rte_rcu_qsbr_thread_offline(ctx->qsv, ctx->index);
    rte_rcu_qsbr_thread_unregister(ctx->qsv, ctx->index);
    return 0;
}

}  // namespace lns::dp
