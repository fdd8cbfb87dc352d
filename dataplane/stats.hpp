// Counter snapshots: per-worker counters summed on demand, port statistics from
// the PMDs, and the control core's own counters; formatted as text or JSON
// (formatting lives in stats_format.cpp, apart from the summing).
//
// Thread: the control core (reads workers' counters with relaxed loads).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/counters.hpp"

namespace lns::dp {

struct Runtime;

struct PortSnapshot {
    std::string name;
    std::string mac;
    PortCounters c;         // summed over workers
    uint64_t rx_missed = 0;  // from rte_eth_stats (imissed + rx_nombuf)
    uint64_t tx_errors = 0;  // from rte_eth_stats (oerrors)
};

struct WorkerSnapshot {
    unsigned lcore = 0;
    uint64_t rx_packets = 0;
    uint64_t loops = 0;
    uint64_t busy_loops = 0;
    uint64_t idle_sleeps = 0;
};

// One L2TP tunnel as the control core reports it (filled by lnsd from the
// L2TP endpoint; the data plane only formats it).
struct TunnelRow {
    uint16_t id = 0, peer_id = 0;
    std::string state, peer, host_name, policy;  // peer: "ADDR:PORT"
    uint64_t sessions = 0;
    uint64_t msgs_in = 0, msgs_out = 0, retransmits = 0, duplicates = 0, out_of_order = 0;
    uint64_t zlb_in = 0, zlb_out = 0, hellos = 0;
};

// One ESP SA (sa_table.hpp): counters are its owner worker's, read relaxed.
struct SaRow {
    std::string name;
    uint32_t spi = 0;
    bool inbound = true, tunnel = false, natt = false;
    unsigned owner_worker = 0;
    uint64_t packets = 0, bytes = 0;
    uint64_t replay_drops = 0, integrity_failures = 0;
    std::vector<std::pair<std::string, uint64_t>> drops;  // every reason, by name
    uint64_t seq = 0;  // outbound: last sequence number sent; inbound: window top
    bool soft_expired = false, hard_expired = false;
};

struct Snapshot {
    double t = 0;  // seconds since an arbitrary origin
    std::vector<PortSnapshot> ports;
    std::vector<WorkerSnapshot> workers;
    uint64_t up_packets = 0, up_bytes = 0, down_packets = 0, down_bytes = 0;
    uint64_t mss_clamped = 0, reassembled = 0, fragmented = 0, handoffs = 0, injected = 0;
    uint64_t drops[kDropCount] = {};
    uint64_t punts[kPuntCount] = {};
    std::vector<std::pair<std::string, uint64_t>> control;  // control-core counters
    std::vector<std::pair<std::string, uint64_t>> l2tp;     // L2TP endpoint counters
    std::vector<std::pair<std::string, uint64_t>> subscribers;  // PPP, AAA, accounting
    std::vector<TunnelRow> tunnels;
    std::vector<SaRow> sas;
    uint64_t esp_decrypted = 0, esp_encrypted = 0;
    uint32_t sessions = 0;
    uint32_t max_sessions = 0;
    uint64_t table_bytes = 0;
    uint64_t rx_total() const;
};

Snapshot take_snapshot(const Runtime &rt);
// Traffic of session `index` summed over the workers (control core; relaxed
// reads of counters the workers keep writing).
SessionTraffic session_traffic(const Runtime &rt, uint32_t index);

// Human-readable report: totals of `end`, rates over [start, end].
std::string format_text(const Snapshot &end, const Snapshot &start);
// JSON document (the layout documented in README "Counters").
std::string format_json(const Snapshot &end, const Snapshot &start);

}  // namespace lns::dp
