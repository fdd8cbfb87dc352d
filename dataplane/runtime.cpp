#include "dataplane/runtime.hpp"
#include "dataplane/prefault.hpp"

#include <rte_byteorder.h>
#include <cstdio>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>
#include <regex>

namespace lns::dp {

namespace {

bool is_pci_address(const std::string &d) {
    static const std::regex re("^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$");
    return std::regex_match(d, re);
}

std::string device_name(const std::string &device) {
    return device.substr(0, device.find(','));
}

std::string errstr(const char *what, int rc) {
    return std::string(what) + ": " + rte_strerror(rc < 0 ? -rc : rc);
}

// EUI-64 link-local address (RFC 4291 §2.5.1, appendix A).
void link_local_from_mac(const uint8_t mac[6], uint8_t out[16]) {
    std::memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    out[8] = mac[0] ^ 0x02;
    out[9] = mac[1];
    out[10] = mac[2];
    out[11] = 0xff;
    out[12] = 0xfe;
    out[13] = mac[3];
    out[14] = mac[4];
    out[15] = mac[5];
}

bool configure_port(const cfg::PortConfig &pc, uint16_t n_tx, rte_mempool *pool,
                    PortRuntime *out, std::string *err) {
    uint16_t pid;
    const std::string name = is_pci_address(pc.device) ? pc.device : device_name(pc.device);
    if (rte_eth_dev_get_port_by_name(name.c_str(), &pid) != 0) {
        *err = "port " + pc.name + ": device " + name + " was not probed by the EAL";
        return false;
    }
    rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(pid, &info);
    if (rc != 0) return *err = errstr("rte_eth_dev_info_get", rc), false;
    if (pc.rx_queues > info.max_rx_queues || n_tx > info.max_tx_queues) {
        *err = "port " + pc.name + ": device supports " + std::to_string(info.max_rx_queues) +
               " RX / " + std::to_string(info.max_tx_queues) + " TX queues; needs " +
               std::to_string(pc.rx_queues) + " RX / " + std::to_string(n_tx) +
               " TX (one per worker)";
        return false;
    }
    rte_eth_conf conf{};
    if (pc.rx_queues > 1) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
    }
    conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM & info.rx_offload_capa;
    conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS & info.tx_offload_capa;
    rc = rte_eth_dev_configure(pid, pc.rx_queues, n_tx, &conf);
    if (rc != 0) return *err = errstr(("configure port " + pc.name).c_str(), rc), false;
    uint16_t nrx = pc.rx_desc, ntx = pc.tx_desc;
    rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
    const int socket = rte_eth_dev_socket_id(pid) < 0 ? int(rte_socket_id()) : rte_eth_dev_socket_id(pid);
    for (uint16_t q = 0; q < pc.rx_queues; q++) {
        rc = rte_eth_rx_queue_setup(pid, q, nrx, unsigned(socket), nullptr, pool);
        if (rc != 0) return *err = errstr(("RX queue setup on " + pc.name).c_str(), rc), false;
    }
    for (uint16_t q = 0; q < n_tx; q++) {
        rc = rte_eth_tx_queue_setup(pid, q, ntx, unsigned(socket), nullptr);
        if (rc != 0) return *err = errstr(("TX queue setup on " + pc.name).c_str(), rc), false;
    }
    rte_eth_dev_set_mtu(pid, pc.mtu);  // best effort: virtual devices may refuse
    rte_ether_addr mac;
    rte_eth_macaddr_get(pid, &mac);
    out->port_id = pid;
    out->role = pc.role == cfg::PortRole::access ? PortRole::access : PortRole::core;
    out->mtu = pc.mtu;
    std::memcpy(out->mac, mac.addr_bytes, 6);
    uint8_t tail[8];
    std::memcpy(tail, out->mac, 6);
    tail[6] = 0x08, tail[7] = 0x00;
    std::memcpy(&out->eth_tail4, tail, 8);
    tail[6] = 0x86, tail[7] = 0xdd;
    std::memcpy(&out->eth_tail6, tail, 8);
    out->ipv4_be = rte_cpu_to_be_32(pc.ipv4.addr);
    out->ipv4_mask_be = rte_cpu_to_be_32(pc.ipv4.len == 0 ? 0 : ~0u << (32 - pc.ipv4.len));
    if (pc.ipv6) {
        out->has_ipv6 = true;
        std::memcpy(out->ipv6, pc.ipv6->addr.data(), 16);
        out->ipv6_prefix_len = pc.ipv6->len;
    }
    link_local_from_mac(out->mac, out->ipv6_ll);
    return true;
}

}  // namespace

std::vector<std::string> eal_args(const cfg::Config &cfg, const char *argv0) {
    std::vector<std::string> a{argv0};
    // -l when every lcore runs on the CPU of its number; --lcores LCORE@CPU when
    // control_cpu or a worker's cpu maps one elsewhere (several lcores may share
    // a CPU: each is a thread pinned to it).
    const bool mapped = cfg.control_cpu || std::any_of(cfg.workers.begin(), cfg.workers.end(),
                                                       [](const cfg::WorkerConfig &w) { return w.cpu.has_value(); });
    auto one = [&](unsigned lcore, std::optional<unsigned> cpu) {
        return mapped ? std::to_string(lcore) + "@" + std::to_string(cpu.value_or(lcore)) : std::to_string(lcore);
    };
    std::string lcores = one(cfg.control_lcore, cfg.control_cpu);
    for (const auto &w : cfg.workers) lcores += "," + one(w.lcore, w.cpu);
    a.insert(a.end(), {mapped ? "--lcores" : "-l", lcores, "--main-lcore", std::to_string(cfg.control_lcore)});
    a.push_back("--file-prefix=" + cfg.eal.file_prefix);
    if (cfg.eal.no_huge) a.push_back("--no-huge");
    if (cfg.eal.memory_mb) a.insert(a.end(), {"-m", std::to_string(cfg.eal.memory_mb)});
    if (cfg.eal.no_pci) a.push_back("--no-pci");
    const bool has_log = std::any_of(cfg.eal.extra_args.begin(), cfg.eal.extra_args.end(),
                                     [](const std::string &s) { return s.rfind("--log-level", 0) == 0; });
    if (!has_log) a.push_back("--log-level=notice");
    for (const auto &p : cfg.ports) {
        if (is_pci_address(p.device))
            a.insert(a.end(), {"-a", p.device});
        else
            a.insert(a.end(), {"--vdev", p.device});
    }
    a.insert(a.end(), cfg.eal.extra_args.begin(), cfg.eal.extra_args.end());
    return a;
}

bool init_eal(const cfg::Config &cfg, const char *argv0, std::string *err) {
    std::vector<std::string> args = eal_args(cfg, argv0);
    std::vector<char *> argv;
    for (auto &s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (rte_eal_init(int(args.size()), argv.data()) < 0) {
        *err = std::string("EAL initialisation failed: ") + rte_strerror(rte_errno);
        return false;
    }
    return true;
}

Runtime::~Runtime() {
    for (auto *w : workers) {
        if (w && w->frag_tbl) rte_ip_frag_table_destroy(w->frag_tbl);
        if (w) rte_free(w->traffic);
        rte_free(w);
    }
    for (auto *r : punt_rings) rte_ring_free(r);
    for (auto *r : inboxes) rte_ring_free(r);
    tables.reset();
    sas.reset();
    rte_free(qsv);
    rte_mempool_free(pool);
    rte_mempool_free(indirect_pool);
}

namespace {

bool create_pools(Runtime &rt, std::string *err) {
    const cfg::Config &cfg = rt.cfg;
    uint16_t max_mtu = 1500;
    for (const auto &p : cfg.ports) max_mtu = std::max(max_mtu, p.mtu);
    const uint32_t room = std::max<uint32_t>(2048, max_mtu + 14 + 64);
    // A whole cache line of private area keeps packet data cache-line aligned (mbuf
    // header 128 + priv 64 + headroom 128): a 64-byte frame then spans 2 lines, not 3.
    const uint16_t priv = RTE_ALIGN(sizeof(MbufMeta), RTE_CACHE_LINE_SIZE);
    const int socket = int(rte_socket_id());
    rt.pool = rte_pktmbuf_pool_create("lns_mbuf", cfg.mbufs, 256, priv,
                                      uint16_t(RTE_PKTMBUF_HEADROOM + room), socket);
    if (!rt.pool) return *err = errstr("mbuf pool (raise eal.memory_mb or lower mbufs)", rte_errno), false;
    rt.indirect_pool = rte_pktmbuf_pool_create("lns_indirect", std::max<uint32_t>(1023, cfg.mbufs / 4),
                                               256, priv, 0, socket);
    if (!rt.indirect_pool) return *err = errstr("indirect mbuf pool", rte_errno), false;
    prefault_mempool(rt.pool);  // no first-touch page faults on the workers' path (--no-huge)
    return true;
}

bool create_worker(Runtime &rt, unsigned w, std::string *err) {
    const cfg::Config &cfg = rt.cfg;
    auto *ctx = static_cast<WorkerCtx *>(rte_zmalloc("lns_worker", sizeof(WorkerCtx), 64));
    if (!ctx) return *err = "out of memory for worker context", false;
    new (ctx) WorkerCtx();
    rt.workers[w] = ctx;
    ctx->index = w;
    ctx->lcore = cfg.workers[w].lcore;
    ctx->n_workers = unsigned(cfg.workers.size());
    ctx->ip_id = uint16_t(w);
    for (const auto &rq : cfg.workers[w].rx) {
        if (ctx->n_rx == kMaxRxPerWorker) return *err = "too many RX queues for one worker", false;
        ctx->rx[ctx->n_rx++] = RxQueueRef{rq.port, rt.ports[rq.port].port_id, rq.queue,
                                          rt.ports[rq.port].role};
    }
    ctx->n_ports = uint16_t(rt.ports.size());
    ctx->core_port = cfg.core_port;
    ctx->ports = rt.ports.data();
    DpSettings &s = ctx->settings;
    s.mss_v4 = cfg.mtu.tcp_mss_v4;
    s.mss_v6 = cfg.mtu.tcp_mss_v6;
    s.clamp_up = cfg.mtu.clamp_upstream;
    s.clamp_down = cfg.mtu.clamp_downstream;
    s.too_big_icmp = cfg.mtu.too_big == cfg::TooBigPolicy::icmp;
    s.icmp_time_exceeded = cfg.mtu.icmp_time_exceeded;
    s.burst = uint16_t(std::min<uint32_t>(cfg.burst, kMaxBurst));
    s.rx_burst = uint16_t(std::min<uint32_t>(cfg.rx_burst.value_or(kDefaultRxBurst), s.burst));
    s.drain_tsc = rte_get_tsc_hz() / 1000000 * cfg.tx_drain_us;
    s.idle_sleep_us = cfg.worker_idle_sleep_us;
    s.idle_polls = cfg.worker_idle_polls;
    ctx->tables = rt.tables.get();
    ctx->session_hash = rt.tables->session_hash();
    ctx->sub4_hash = rt.tables->sub4_hash();
    ctx->sub6_hash = rt.tables->sub6_hash();
    ctx->onlink4_hash = rt.tables->onlink4_hash();
    ctx->onlink6_hash = rt.tables->onlink6_hash();
    ctx->sessions = rt.tables->sessions();
    ctx->tx_ns = rt.tables->tx_ns();
    ctx->traffic = static_cast<SessionTraffic *>(rte_zmalloc_socket(
        "lns_traffic", sizeof(SessionTraffic) * size_t(rt.tables->max_sessions()), 64,
        int(rte_socket_id())));
    if (!ctx->traffic) return *err = "out of memory for per-session counters", false;
    ctx->neighbors = rt.tables->neighbors();
    ctx->sas = rt.sas->records();
    ctx->sa_hash = rt.sas->in_hash();
    rt.crypto[w] = std::make_unique<WorkerCrypto>();
    if (!rt.crypto[w]->imb.ok()) return *err = "IPsec-MB: cannot allocate a manager", false;
    ctx->esp = &rt.crypto[w]->engine;
    std::printf("lnsd: worker %u (lcore %u): IPsec-MB %s, %s\n", w, ctx->lcore, imb_get_version_str(),
                rt.crypto[w]->imb.arch_name());
    ctx->punt_ring = rt.punt_rings[w];
    ctx->inbox = rt.inboxes[w];
    ctx->inboxes = rt.inboxes.data();
    ctx->direct_pool = rt.pool;
    ctx->indirect_pool = rt.indirect_pool;
    ctx->qsv = rt.qsv;
    ctx->stop = &rt.stop;
    const uint64_t frag_cycles = rte_get_tsc_hz() / 1000 * cfg.tables.frag_timeout_ms;
    ctx->frag_tbl = rte_ip_frag_table_create(cfg.tables.frag_flows, 16, cfg.tables.frag_flows,
                                             frag_cycles, int(rte_socket_id()));
    if (!ctx->frag_tbl) return *err = errstr("reassembly table", rte_errno), false;
    return true;
}

}  // namespace

std::unique_ptr<Runtime> create_runtime(const cfg::Config &cfg, std::string *err) {
    auto rt = std::make_unique<Runtime>();
    rt->cfg = cfg;
    const unsigned nw = unsigned(cfg.workers.size());
    if (nw > kMaxWorkers || cfg.ports.size() > kMaxPorts) {
        *err = "at most " + std::to_string(kMaxWorkers) + " workers and " +
               std::to_string(kMaxPorts) + " ports";
        return nullptr;
    }
    if (!create_pools(*rt, err)) return nullptr;
    TablesParams tp;
    tp.max_sessions = cfg.tables.max_sessions;
    tp.max_neighbors = cfg.tables.max_neighbors;
    tp.socket_id = int(rte_socket_id());
    rt->tables = Tables::create(tp, err);
    if (!rt->tables) return nullptr;
    const size_t qsz = rte_rcu_qsbr_get_memsize(nw);
    rt->qsv = static_cast<rte_rcu_qsbr *>(rte_zmalloc("lns_qsbr", qsz, RTE_CACHE_LINE_SIZE));
    if (!rt->qsv || rte_rcu_qsbr_init(rt->qsv, nw) != 0) return *err = "RCU init failed", nullptr;
    if (!rt->tables->attach_rcu(rt->qsv, err)) return nullptr;
    rt->sas = SaTable::create(cfg.ipsec.max_sas, int(rte_socket_id()), err);
    if (!rt->sas || !rt->sas->attach_rcu(rt->qsv, err)) return nullptr;
    rt->imb = std::make_unique<crypto::ImbManager>();
    if (!rt->imb->ok()) return *err = "IPsec-MB: cannot allocate a manager", nullptr;
    rt->crypto.resize(nw);
    rt->ports.resize(cfg.ports.size());
    for (size_t i = 0; i < cfg.ports.size(); i++)
        if (!configure_port(cfg.ports[i], uint16_t(nw), rt->pool, &rt->ports[i], err)) return nullptr;
    rt->punt_rings.resize(nw);
    rt->inboxes.resize(nw);
    rt->workers.resize(nw);
    for (unsigned w = 0; w < nw; w++) {
        const std::string pn = "lns_punt_" + std::to_string(w), in = "lns_inbox_" + std::to_string(w);
        rt->punt_rings[w] = rte_ring_create(pn.c_str(), cfg.punt_ring_size, int(rte_socket_id()),
                                            RING_F_SP_ENQ | RING_F_SC_DEQ);
        rt->inboxes[w] = rte_ring_create(in.c_str(), cfg.punt_ring_size, int(rte_socket_id()),
                                         RING_F_SC_DEQ);
        if (!rt->punt_rings[w] || !rt->inboxes[w]) return *err = errstr("ring", rte_errno), nullptr;
    }
    for (unsigned w = 0; w < nw; w++)
        if (!create_worker(*rt, w, err)) return nullptr;
    return rt;
}

namespace {
int launch_worker(void *arg) { return worker_main(static_cast<WorkerCtx *>(arg)); }
}  // namespace

bool start_runtime(Runtime &rt, std::string *err) {
    for (size_t i = 0; i < rt.ports.size(); i++) {
        const int rc = rte_eth_dev_start(rt.ports[i].port_id);
        if (rc != 0) return *err = errstr(("start port " + rt.cfg.ports[i].name).c_str(), rc), false;
        if (rt.cfg.ports[i].promiscuous) rte_eth_promiscuous_enable(rt.ports[i].port_id);
    }
    for (auto *w : rt.workers) {
        const int rc = rte_eal_remote_launch(launch_worker, w, w->lcore);
        if (rc != 0) return *err = errstr("launch worker", rc), false;
    }
    rt.started = true;
    return true;
}

void stop_workers(Runtime &rt) {
    rt.stop = true;
    if (rt.started) rte_eal_mp_wait_lcore();
}

void close_ports(Runtime &rt) {
    for (auto &p : rt.ports) {
        rte_eth_dev_stop(p.port_id);
        rte_eth_dev_close(p.port_id);
    }
    rt.started = false;
}

}  // namespace lns::dp
