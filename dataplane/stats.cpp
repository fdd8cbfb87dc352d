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
    s.esp_decrypted += read_counter(c.esp_decrypted);
    s.esp_encrypted += read_counter(c.esp_encrypted);
    for (size_t i = 0; i < kDropCount; i++) s.drops[i] += read_counter(c.drops[i]);
    for (size_t i = 0; i < kPuntCount; i++) s.punts[i] += read_counter(c.punts[i]);
}

// Counters of the live SAs.  Their owner workers keep writing them: each
// 64-bit counter is read with a relaxed load.
void add_sas(Snapshot &s, const SaTable &t) {
    for (uint32_t i = 0; i < t.capacity(); i++) {
        const DpSa &d = t.sa(uint16_t(i));
        if (!d.live) continue;
        const crypto::SaCounters &c = d.sa.counters();
        SaRow r;
        r.name = d.name;
        r.spi = d.sa.spi();
        r.inbound = d.inbound;
        r.tunnel = d.tunnel;
        r.natt = d.natt;
        r.owner_worker = d.owner_worker;
        r.packets = read_counter(c.packets);
        r.bytes = read_counter(c.bytes);
        for (size_t k = 1; k < crypto::kEspResultCount; k++) {
            const uint64_t v = read_counter(c.drops[k]);
            r.drops.emplace_back(crypto::esp_result_name(crypto::EspResult(k)), v);
            if (k == size_t(crypto::EspResult::replay_too_old) || k == size_t(crypto::EspResult::replay_duplicate))
                r.replay_drops += v;
            if (k == size_t(crypto::EspResult::icv_mismatch)) r.integrity_failures += v;
        }
        r.drops.emplace_back("peer_mismatch", read_counter(d.policy_drops[size_t(SaPolicyDrop::peer_mismatch)]));
        r.drops.emplace_back("wrong_sa", read_counter(d.policy_drops[size_t(SaPolicyDrop::wrong_sa)]));
        r.seq = d.inbound ? d.sa.window().top() : d.sa.last_seq();
        r.soft_expired = read_counter(c.soft_expiries) != 0;
        const crypto::SaLifetime &l = d.sa.config().lifetime;
        r.hard_expired = (l.hard_packets && r.packets >= l.hard_packets) || (l.hard_bytes && r.bytes >= l.hard_bytes);
        s.sas.push_back(std::move(r));
    }
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
    if (rt.sas) add_sas(s, *rt.sas);
    return s;
}

}  // namespace lns::dp
