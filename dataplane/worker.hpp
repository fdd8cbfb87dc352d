// Worker lcore context and main loop (conventions items 6-8).
//
// Each worker owns one cache-aligned WorkerCtx: the RX queues it polls, one TX
// queue on every port (queue id = worker index) with its TX buffer, its punt ring
// to the control core, its inbox (frames from the control core and packets handed
// over by other workers), its reassembly table and its counters.  Nothing in the
// loop reads globals, takes a lock or allocates, except mbufs.
//
// Loop: for each RX queue: burst -> upstream or downstream stages; then the inbox;
// TX drain on a TSC deadline; reassembly death row; RCU quiescent report.
#pragma once

#include <rte_prefetch.h>

#include <rte_ethdev.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdint>

#include "crypto/esp.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/sa_table.hpp"
#include "dataplane/tables.hpp"

struct rte_ring;
struct rte_mempool;
struct rte_rcu_qsbr;

namespace lns::dp {

inline constexpr unsigned kMaxBurst = 64;
inline constexpr unsigned kMaxRxPerWorker = 16;
inline constexpr unsigned kMaxWorkers = 64;
inline constexpr unsigned kTxBufSize = 64;
// Default packets per rte_eth_rx_burst call (config rx_burst).  A pass of the
// stages still takes up to `burst` (64) packets, gathered from calls of 32:
// net_pcap, the PMD that copies each frame, costs less per packet in calls of 32
// (lnsd +4 to +12 % upstream at 64k sessions in A/B runs, perf/RESULTS.md), as
// testpmd's own default of 32 does.
inline constexpr unsigned kDefaultRxBurst = 32;

enum class PortRole : uint8_t { access, core };

// Per-port facts the data path needs; built at start, then read-only.
struct PortRuntime {
    uint16_t port_id = 0;  // DPDK port id
    PortRole role = PortRole::access;
    uint16_t mtu = 1500;
    uint8_t mac[6] = {};
    uint64_t eth_tail4 = 0;  // source MAC + EtherType IPv4, as stored (write_ether)
    uint64_t eth_tail6 = 0;  // source MAC + EtherType IPv6
    uint32_t ipv4_be = 0;
    uint32_t ipv4_mask_be = 0;
    uint32_t gw4_nh = kInvalidIndex;  // neighbour index of the IPv4 gateway
    bool has_ipv6 = false;
    uint8_t ipv6[16] = {};
    uint8_t ipv6_prefix_len = 0;
    uint8_t ipv6_ll[16] = {};  // link-local address derived from the MAC
    uint32_t gw6_nh = kInvalidIndex;
};

// Settings the stages read, copied into each context.
struct DpSettings {
    uint16_t mss_v4 = 0;  // 0: off
    uint16_t mss_v6 = 0;
    bool clamp_up = true;
    bool clamp_down = true;
    bool too_big_icmp = false;  // else fragment the outer header
    bool icmp_time_exceeded = true;
    uint16_t burst = 32;     // packets per pass of the stages
    uint16_t rx_burst = kDefaultRxBurst;  // packets per rte_eth_rx_burst call (1..burst)
    uint64_t drain_tsc = 0;
    uint32_t idle_sleep_us = 0;  // sleep after idle_polls empty polls in a row; 0: never
    uint32_t idle_polls = 256;   // worker_idle_polls
};

// Stored in each mbuf's private area (the pool is created with room for it).
enum class InboxKind : uint8_t {
    frame,       // complete Ethernet frame: transmit on out_port
    session_ip,  // IP packet (data at the IP header) to encapsulate for session `index`
    esp_in,      // ESP frame (data at Ethernet) from access port in_port, for an SA this
                 // worker owns: handed over by the worker that received it
    esp_frame,   // complete Ethernet/IPv4 frame from the control core: protect it with
                 // outbound SA `index` (owned by this worker), send on out_port
};

struct MbufMeta {
    uint32_t index;     // session index or neighbour index, by context
    uint16_t in_port;   // port index the packet arrived on
    uint16_t out_port;  // port index to send on (punts: where it was going)
    uint16_t aux;       // too_big: the MTU to report; session_ip: PPP protocol
    uint8_t punt;       // Punt reason
    uint8_t kind;       // InboxKind for inbox entries
};

inline MbufMeta *meta(rte_mbuf *m) { return static_cast<MbufMeta *>(rte_mbuf_to_priv(m)); }

struct RxQueueRef {
    uint16_t port_index;
    uint16_t port_id;
    uint16_t queue;
    PortRole role;
};

struct TxBuffer {
    uint16_t n = 0;
    rte_mbuf *pkts[kTxBufSize];
};

// A protected session's packet, encapsulated and waiting for the burst's ESP
// encryption (esp_encrypt.cpp).  m: data at the Ethernet header.  session
// kInvalidIndex: a control-core frame whose Ethernet destination is kept and
// which leaves by port `port`; else `port` is the port it arrived on.
struct EspOutPending {
    rte_mbuf *m;
    uint32_t session;
    uint16_t sa;
    uint16_t port;
};

struct alignas(64) WorkerCtx {
    unsigned index = 0;  // 0..n_workers-1; also the TX queue id on every port
    unsigned lcore = 0;
    unsigned n_workers = 1;
    uint16_t n_rx = 0;
    RxQueueRef rx[kMaxRxPerWorker];
    uint16_t n_ports = 0;
    uint16_t core_port = 0;  // port index where upstream traffic leaves
    const PortRuntime *ports = nullptr;
    DpSettings settings;

    // Tables (read-only for workers), cached pointers.
    const Tables *tables = nullptr;
    rte_hash *session_hash = nullptr;
    rte_hash *sub4_hash = nullptr;
    rte_hash *sub6_hash = nullptr;
    rte_hash *onlink4_hash = nullptr;
    rte_hash *onlink6_hash = nullptr;
    DpSession *sessions = nullptr;
    uint16_t *tx_ns = nullptr;
    SessionTraffic *traffic = nullptr;  // this worker's per-session counters (max_sessions)
    NeighborSlot *neighbors = nullptr;

    // ESP: the SA records and inbound SA hash (sa_table.hpp), this worker's
    // engine over its own IPsec-MB manager, the burst's packets to encrypt.
    DpSa *sas = nullptr;
    rte_hash *sa_hash = nullptr;
    crypto::EspEngine *esp = nullptr;
    uint16_t n_esp_out = 0;
    EspOutPending esp_out[kMaxBurst];

    rte_ring *punt_ring = nullptr;  // to the control core (single producer: this worker)
    rte_ring *inbox = nullptr;      // from the control core and other workers
    rte_ring *const *inboxes = nullptr;  // every worker's inbox, for hand-off
    rte_mempool *direct_pool = nullptr;
    rte_mempool *indirect_pool = nullptr;
    rte_ip_frag_tbl *frag_tbl = nullptr;
    rte_ip_frag_death_row death_row;
    rte_rcu_qsbr *qsv = nullptr;
    const volatile bool *stop = nullptr;

    uint64_t next_drain_tsc = 0;
    uint16_t ip_id = 0;

    TxBuffer tx[kMaxPorts];
    WorkerCounters c;
};

// A session record and this worker's counters of it, both about to be used.
inline void prefetch_session(const WorkerCtx *ctx, uint32_t idx) {
    rte_prefetch0(&ctx->sessions[idx]);
    rte_prefetch0(&ctx->traffic[idx]);
}

// Up to `burst` packets from one RX queue, in calls of at most `rx_burst`
// (1..burst); stops at the first call that returns fewer than it asked for.
inline uint16_t rx_gather(const RxQueueRef &q, rte_mbuf **pkts, uint16_t burst, uint16_t rx_burst) {
    uint16_t n = 0;
    for (;;) {
        const uint16_t want = std::min<uint16_t>(rx_burst, uint16_t(burst - n));
        const uint16_t got = rte_eth_rx_burst(q.port_id, q.queue, pkts + n, want);
        n = uint16_t(n + got);
        if (got < want || n == burst) return n;
    }
}

// Runs the worker loop until *ctx->stop.  Thread: the worker's lcore.
int worker_main(WorkerCtx *ctx);
// One burst of the worker's inbox (control-core frames, packets handed over by
// other workers); returns how many.  Called by worker_main (tests: directly).
unsigned drain_inbox(WorkerCtx *ctx);

// Stage entry points (one file each).  Each takes a burst from one RX queue and
// owns every mbuf it is given: it transmits, punts, hands off or frees (and
// counts) each of them.
void process_upstream_burst(WorkerCtx *ctx, uint16_t port_index, rte_mbuf **pkts, uint16_t n);
void process_downstream_burst(WorkerCtx *ctx, uint16_t port_index, rte_mbuf **pkts, uint16_t n);
// ESP frames handed over by another worker (InboxKind::esp_in): the upstream
// stages again, without counting them as received.
void process_upstream_handoff(WorkerCtx *ctx, uint16_t port_index, rte_mbuf **pkts, uint16_t n);

}  // namespace lns::dp
