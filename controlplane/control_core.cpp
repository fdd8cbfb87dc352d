// Control core: start-up, session installation, the poll loop, transmission.
#include "controlplane/control_core.hpp"
#include "controlplane/control_env.hpp"

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>

#include "config/sessions.hpp"

namespace lns::cp {

namespace {

net::NeighborConfig resolver_config(const cfg::Config &c) {
    net::NeighborConfig n;
    n.reachable_ns = uint64_t(c.arp.reachable_ms) * 1000000;
    n.retry_ns = uint64_t(c.arp.retry_ms) * 1000000;
    n.max_retries = c.arp.retries;
    n.pending_limit = c.arp.pending_packets;
    return n;
}

bool on_link(uint32_t a, const cfg::Ipv4Prefix &p) {
    const uint32_t mask = p.len == 0 ? 0 : ~0u << (32 - p.len);
    return (a & mask) == (p.addr & mask);
}

}  // namespace

ControlCore::ControlCore(dp::Runtime &rt)
    : rt_(rt),
      dir_(rt.cfg.tables.max_neighbors),
      resolver_(rt.cfg.tables.max_neighbors, resolver_config(rt.cfg)) {}

ControlCore::~ControlCore() {
    for (auto &[idx, q] : pending_) rte_pktmbuf_free_bulk(q.data(), unsigned(q.size()));
}

uint32_t ControlCore::acquire_neighbor4(uint16_t port, uint32_t ip) {
    const uint32_t idx = dir_.acquire4(port, ip);
    if (idx != dp::kInvalidIndex && dir_.entry(idx).refs == 1)
        resolver_.add(idx, port, net::NeighborAddr::ipv4(ip));
    return idx;
}

uint32_t ControlCore::acquire_neighbor6(uint16_t port, const std::array<uint8_t, 16> &ip) {
    const uint32_t idx = dir_.acquire6(port, ip);
    if (idx != dp::kInvalidIndex && dir_.entry(idx).refs == 1)
        resolver_.add(idx, port, net::NeighborAddr::ipv6(ip));
    return idx;
}

void ControlCore::release_neighbor(uint32_t idx) {
    if (!dir_.release(idx)) return;
    resolver_.remove(idx);
    rt_.tables->clear_neighbor(idx);
    auto it = pending_.find(idx);
    if (it != pending_.end()) {
        c_.pending_dropped_failed += it->second.size();
        rte_pktmbuf_free_bulk(it->second.data(), unsigned(it->second.size()));
        pending_.erase(it);
    }
}

bool ControlCore::init(std::string *err) {
    const cfg::Config &cfg = rt_.cfg;
    // Static neighbours first, so gateways and LACs listed there never need ARP.
    for (const auto &n : cfg.neighbors) {
        const uint32_t idx = n.ipv4 ? acquire_neighbor4(n.port, *n.ipv4) : acquire_neighbor6(n.port, *n.ipv6);
        if (idx == dp::kInvalidIndex) return *err = "neighbour table full (tables.max_neighbors)", false;
        dir_.entry(idx).is_static = true;
        resolver_.set_static(idx, n.port, n.ipv4 ? net::NeighborAddr::ipv4(*n.ipv4) : net::NeighborAddr::ipv6(*n.ipv6), n.mac);
        rt_.tables->set_neighbor(idx, n.mac.data());
    }
    for (size_t p = 0; p < cfg.ports.size(); p++) {
        const auto &pc = cfg.ports[p];
        if (pc.gateway4) rt_.ports[p].gw4_nh = acquire_neighbor4(uint16_t(p), *pc.gateway4);
        if (pc.gateway6) rt_.ports[p].gw6_nh = acquire_neighbor6(uint16_t(p), *pc.gateway6);
    }
    // Known neighbours of the core port serve on-link destinations directly.
    for (uint32_t i = 0; i < dir_.capacity(); i++) {
        const dp::NeighborEntry &e = dir_.entry(i);
        if (!e.in_use || rt_.ports[e.port].role != dp::PortRole::core) continue;
        if (e.v6) {
            rt_.tables->add_onlink6(e.ipv6.data(), i);
        } else {
            const uint32_t be = rte_cpu_to_be_32(e.ipv4);
            rt_.tables->add_onlink4(be, i);
        }
    }
    if (!init_ipsec(err)) return false;  // before sessions: they bind to outbound SAs
    for (const auto &blk : cfg.sessions) {
        for (uint32_t i = 0; i < blk.count; i++) {
            const cfg::SessionInstance si = cfg::session_instance(blk, i);
            SessionRequest r;
            r.access_port = blk.port;
            r.local_tunnel_id = si.local_tunnel_id;
            r.local_session_id = si.local_session_id;
            r.remote_tunnel_id = si.remote_tunnel_id;
            r.remote_session_id = si.remote_session_id;
            r.lac_ip = blk.lac_address;
            r.lac_port = blk.lac_port;
            r.ipv4 = si.ipv4;
            if (si.ipv6_prefix) r.ipv6 = std::make_pair(si.ipv6_prefix->addr, si.ipv6_prefix->len);
            r.mru = blk.mru;
            r.framing = dp::L2tpTxFraming{blk.framing.sequencing, blk.framing.length,
                                          uint8_t(blk.framing.offset), blk.framing.acfc, blk.framing.pfc};
            if (install_session(r, err) == dp::kInvalidIndex) {
                *err = "static session " + (blk.name.empty() ? std::string("#") : blk.name) + "[" +
                       std::to_string(i) + "]: " + *err;
                return false;
            }
        }
    }
    init_l2tp();
    return init_subscribers(err);
}

uint32_t ControlCore::install_session(const SessionRequest &r, std::string *err) {
    if (r.access_port >= rt_.ports.size() || rt_.ports[r.access_port].role != dp::PortRole::access) {
        c_.session_install_failed++;
        return *err = "not an access port", dp::kInvalidIndex;
    }
    const cfg::PortConfig &pc = rt_.cfg.ports[r.access_port];
    uint32_t nh_ip = r.lac_ip;
    if (!on_link(r.lac_ip, pc.ipv4)) {
        if (!pc.gateway4) {
            c_.session_install_failed++;
            return *err = "LAC address is off-link and port " + pc.name + " has no gateway4", dp::kInvalidIndex;
        }
        nh_ip = *pc.gateway4;
    }
    const uint32_t nh = acquire_neighbor4(r.access_port, nh_ip);
    if (nh == dp::kInvalidIndex) {
        c_.session_install_failed++;
        return *err = "neighbour table full", dp::kInvalidIndex;
    }
    dp::SessionSpec s;
    s.access_port = r.access_port;
    s.local_tunnel_id = r.local_tunnel_id;
    s.local_session_id = r.local_session_id;
    s.remote_tunnel_id = r.remote_tunnel_id;
    s.remote_session_id = r.remote_session_id;
    s.lac_ip = r.lac_ip;
    s.lac_port = r.lac_port;
    s.lns_ip = pc.ipv4.addr;
    s.ipv4 = r.ipv4;
    s.ipv6 = r.ipv6;
    s.mru = r.mru;
    s.path_mtu = pc.mtu;
    s.framing = r.framing;
    s.lac_nh = nh;
    s.owner_worker = uint8_t(next_owner_++ % rt_.workers.size());
    // A LAC covered by an outbound SA is protected: ESP both ways, and the SA's
    // worker owns the session (the SA's sequence number has one writer).
    s.sa_out = r.sa_out != dp::kNoSa ? r.sa_out : outbound_sa_for(r.lac_ip);
    if (s.sa_out != dp::kNoSa) s.owner_worker = rt_.sas->sa(s.sa_out).owner_worker;
    const uint32_t idx = rt_.tables->install_session(s, err);
    if (idx == dp::kInvalidIndex) {
        release_neighbor(nh);
        c_.session_install_failed++;
        return idx;
    }
    c_.sessions_installed++;
    if (s.sa_out != dp::kNoSa) c_.sessions_protected++;
    return idx;
}

bool ControlCore::remove_session(uint32_t index) {
    if (index >= rt_.tables->max_sessions()) return false;
    const uint32_t nh = rt_.tables->sessions()[index].lac_nh;
    if (!rt_.tables->remove_session(index)) return false;
    release_neighbor(nh);
    c_.sessions_removed++;
    return true;
}

unsigned ControlCore::poll(uint64_t now_ns) {
    now_ = now_ns;
    const uint64_t t0 = rte_rdtsc();
    unsigned handled = 0;
    rte_mbuf *pkts[32];
    for (rte_ring *r : rt_.punt_rings) {
        const unsigned n = rte_ring_sc_dequeue_burst(r, reinterpret_cast<void **>(pkts), 32, nullptr);
        for (unsigned i = 0; i < n; i++) handle_punt(pkts[i], now_ns);
        handled += n;
    }
    bool timers = false;
    if (resolver_.next_deadline() <= now_ns) {
        timers = true;
        resolver_.on_timer(now_ns, [this](const net::NeighborEvent &ev) { on_neighbor_event(ev); });
    }
    if (l2tp_ && l2tp_->next_deadline() <= now_ns) {
        timers = true;
        l2tp_->on_timer(now_ns);
        run_l2tp_actions();
    }
    if (subs_ && subs_->next_deadline() <= now_ns) timers = true;
    poll_subscribers(now_ns);
    poll_ipsec(now_ns);
    rt_.tables->reclaim();
    rt_.sas->reclaim();
    // Load: the time of the polls that had something to do (packets or timers);
    // empty polls are the idle loop.
    if (handled || timers) busy_cycles_ += rte_rdtsc() - t0;
    return handled;
}

void ControlCore::handle_punt(rte_mbuf *m, uint64_t now) {
    switch (dp::Punt(dp::meta(m)->punt)) {
        case dp::Punt::arp: return handle_arp(m, now);
        case dp::Punt::nd: return handle_nd(m, now);
        case dp::Punt::icmp_local: return handle_icmp_local(m);
        case dp::Punt::neighbor_miss: return handle_neighbor_miss(m, now);
        case dp::Punt::ttl_expired: return handle_icmp_error(m, true);
        case dp::Punt::too_big: return handle_icmp_error(m, false);
        case dp::Punt::l2tp_control:
            if (l2tp_) return handle_l2tp(m);
            c_.unhandled_l2tp_control++;
            break;
        case dp::Punt::ppp_control: return handle_ppp(m);
        case dp::Punt::ike: c_.unhandled_ike++; break;
        default: break;
    }
    rte_pktmbuf_free(m);
}

bool ControlCore::to_inbox(unsigned worker, rte_mbuf *m) {
    if (rte_ring_mp_enqueue(rt_.inboxes[worker], m) != 0) {
        c_.inbox_full++;
        rte_pktmbuf_free(m);
        return false;
    }
    return true;
}

rte_mbuf *ControlCore::copy_to_mbuf(const uint8_t *bytes, size_t len) {
    rte_mbuf *m = rte_pktmbuf_alloc(rt_.pool);
    char *p = m ? rte_pktmbuf_append(m, uint16_t(len)) : nullptr;
    if (!p) {
        c_.mbuf_alloc_failed++;
        if (m) rte_pktmbuf_free(m);
        return nullptr;
    }
    std::memcpy(p, bytes, len);
    return m;
}

void ControlCore::send_frame(uint16_t port, const uint8_t *frame, size_t len) {
    rte_mbuf *m = copy_to_mbuf(frame, len);
    if (!m) return;
    dp::MbufMeta *md = dp::meta(m);
    md->kind = uint8_t(dp::InboxKind::frame);
    md->out_port = port;
    to_inbox(next_worker_++ % rt_.workers.size(), m);
}

void ControlCore::send_into_session(uint32_t session, uint16_t proto, const uint8_t *ip, size_t len) {
    rte_mbuf *m = copy_to_mbuf(ip, len);
    if (!m) return;
    dp::MbufMeta *md = dp::meta(m);
    md->kind = uint8_t(dp::InboxKind::session_ip);
    md->index = session;
    md->aux = proto;
    md->in_port = rt_.tables->sessions()[session].access_port;
    to_inbox(rt_.tables->sessions()[session].owner_worker, m);
}

std::vector<std::pair<std::string, uint64_t>> ControlCore::counter_list() const {
    std::vector<std::pair<std::string, uint64_t>> v;
#define LNS_CTL_ITEM(n) v.emplace_back(#n, c_.n);
    LNS_CTL_COUNTERS(LNS_CTL_ITEM)
#undef LNS_CTL_ITEM
    const auto &rc = resolver_.counters();
    v.emplace_back("neighbor_retries", rc.retries);
    v.emplace_back("neighbor_refreshes", rc.refreshes);
    v.emplace_back("neighbors_in_use", dir_.in_use());
    v.emplace_back("busy_us", busy_cycles_ * 1000000 / rte_get_tsc_hz());
    return v;
}

}  // namespace lns::cp
