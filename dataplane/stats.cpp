#include "dataplane/stats.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <cstdio>

#include "dataplane/runtime.hpp"

namespace lns::dp {

uint64_t Snapshot::rx_total() const {
    uint64_t n = 0;
    for (const auto &p : ports) n += p.c.rx_packets;
    return n;
}

namespace {

std::string mac_string(const uint8_t *m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return buf;
}

void add_worker(Snapshot &s, const WorkerCounters &c, size_t n_ports) {
    for (size_t p = 0; p < n_ports; p++) {
        s.ports[p].c.rx_packets += read_counter(c.port[p].rx_packets);
        s.ports[p].c.rx_bytes += read_counter(c.port[p].rx_bytes);
        s.ports[p].c.tx_packets += read_counter(c.port[p].tx_packets);
    }
    s.up_packets += read_counter(c.up_packets);
    s.up_bytes += read_counter(c.up_bytes);
    s.down_packets += read_counter(c.down_packets);
    s.down_bytes += read_counter(c.down_bytes);
    s.mss_clamped += read_counter(c.mss_clamped);
    s.reassembled += read_counter(c.reassembled);
    s.fragmented += read_counter(c.fragmented);
    s.handoffs += read_counter(c.handoffs);
    s.injected += read_counter(c.injected);
    for (size_t i = 0; i < kDropCount; i++) s.drops[i] += read_counter(c.drops[i]);
    for (size_t i = 0; i < kPuntCount; i++) s.punts[i] += read_counter(c.punts[i]);
}

}  // namespace

SessionTraffic session_traffic(const Runtime &rt, uint32_t index) {
    SessionTraffic t;
    for (const WorkerCtx *w : rt.workers) {
        const SessionTraffic &c = w->traffic[index];
        t.up_packets += read_counter(c.up_packets);
        t.up_bytes += read_counter(c.up_bytes);
        t.down_packets += read_counter(c.down_packets);
        t.down_bytes += read_counter(c.down_bytes);
    }
    return t;
}

Snapshot take_snapshot(const Runtime &rt) {
    Snapshot s;
    s.t = double(rte_rdtsc()) / double(rte_get_tsc_hz());
    s.ports.resize(rt.ports.size());
    for (size_t p = 0; p < rt.ports.size(); p++) {
        s.ports[p].name = rt.cfg.ports[p].name;
        s.ports[p].mac = mac_string(rt.ports[p].mac);
        rte_eth_stats es;
        if (rte_eth_stats_get(rt.ports[p].port_id, &es) == 0) {
            s.ports[p].rx_missed = es.imissed + es.rx_nombuf;
            s.ports[p].tx_errors = es.oerrors;
            s.ports[p].c.tx_bytes = es.obytes;  // workers count TX packets, the PMD bytes
        }
    }
    for (const WorkerCtx *w : rt.workers) {
        add_worker(s, w->c, rt.ports.size());
        WorkerSnapshot ws;
        ws.lcore = w->lcore;
        for (size_t p = 0; p < rt.ports.size(); p++) ws.rx_packets += read_counter(w->c.port[p].rx_packets);
        ws.loops = read_counter(w->c.loops);
        ws.busy_loops = read_counter(w->c.busy_loops);
        ws.idle_sleeps = read_counter(w->c.idle_sleeps);
        s.workers.push_back(ws);
    }
    s.sessions = rt.tables->session_count();
    s.max_sessions = rt.tables->max_sessions();
    s.table_bytes = rt.tables->memory_bytes();
    return s;
}

}  // namespace lns::dp
