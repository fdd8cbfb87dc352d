// Control core: subscribers (PPP, AAA, accounting) on top of the L2TP calls.
// The SubscriberManager does the work; this file gives it the data plane
// (SubscriberEnv), feeds it punted PPP frames, and runs the RADIUS and Dynamic
// Authorization sockets.
#include <rte_mbuf.h>

#include "controlplane/control_core.hpp"
#include "controlplane/control_env.hpp"
#include "dataplane/pkt/locate.hpp"
#include "dataplane/worker.hpp"

namespace lns::cp {

namespace {
constexpr uint64_t kSocketPollNs = 100'000;  // RADIUS/DAE sockets: every 100 us
}  // namespace

bool ControlCore::init_subscribers(std::string *err) {
    const cfg::Config &cfg = rt_.cfg;
    uint32_t nas_ip = 0;
    for (const auto &p : cfg.ports)
        if (p.role == cfg::PortRole::access && !nas_ip) nas_ip = p.ipv4.addr;
    ppp_rng_ = std::make_unique<PppRandom>(rte_rdtsc() ^ 0x9e3779b97f4a7c15ull);
    const bool radius = cfg.aaa.backend == cfg::AaaBackend::radius;
    if (radius) {
        radius_socks_.resize(cfg.aaa.radius.source_ports);
        for (auto &s : radius_socks_)
            if (!s.open(0, 0, err)) return *err = "RADIUS source socket: " + *err, false;
    }
    aaa_ = std::make_unique<aaa::Aaa>(
        cfg.aaa, nas_ip, [this] { return ppp_rng_->next(); },
        [this](const aaa::RadiusDatagram &d) {
            if (d.socket < radius_socks_.size()) radius_socks_[d.socket].send_to(d.ip, d.port, d.bytes);
        },
        [this](const aaa::AuthAnswer &a) { subs_->auth_answer(a, now_); });
    if (cfg.aaa.radius.dae_address && radius) {
        if (!dae_sock_.open(*cfg.aaa.radius.dae_address, cfg.aaa.radius.dae_port, err))
            return *err = "DAE listener (aaa.radius.dae_listen): " + *err, false;
        aaa::DaeConfig dc;
        for (const auto &c : cfg.aaa.radius.dae_clients) dc.clients.push_back({c.address, c.secret, false});
        dae_ = std::make_unique<aaa::DaeServer>(
            dc, [this](const aaa::DaeDatagram &d) { dae_sock_.send_to(d.ip, d.port, d.bytes); },
            [this](const aaa::DaeRequest &r) {
                const size_t n = subs_->dae_request(r, now_);
                dae_->answer(r.handle, n > 0, n > 0 ? 0 : 503, now_);  // 503: Session Context Not Found
            });
    }
    sub_env_ = std::make_unique<SubEnv>(*this);
    subs_ = std::make_unique<SubscriberManager>(cfg, *sub_env_, *aaa_, *ppp_rng_, *ppp_rng_,
                                                rt_.tables->max_sessions());
    return true;
}

void ControlCore::handle_ppp(rte_mbuf *m) {
    const dp::MbufMeta md = *dp::meta(m);
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    dp::PppPayload pl;
    if (!subs_ || !dp::locate_ppp_payload(f, rte_pktmbuf_data_len(m), &pl)) {
        c_.unhandled_ppp_control++;
    } else {
        subs_->packet(md.index, pl.protocol, {f + pl.offset, pl.length}, now_);
    }
    rte_pktmbuf_free(m);
}

// IPv6 a subscriber sent to the LNS (link-local ICMPv6: Router Solicitations).
void ControlCore::handle_subscriber_nd(rte_mbuf *m) {
    const dp::MbufMeta md = *dp::meta(m);
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    dp::PppPayload pl;
    if (!subs_ || !dp::locate_ppp_payload(f, rte_pktmbuf_data_len(m), &pl) || pl.protocol != ppp::kProtoIpv6) {
        c_.unhandled_subscriber_nd++;
    } else {
        subs_->packet(md.index, pl.protocol, {f + pl.offset, pl.length}, now_);
    }
    rte_pktmbuf_free(m);
}

void ControlCore::poll_subscribers(uint64_t now) {
    if (!subs_) return;
    if (now >= next_socket_poll_) {
        next_socket_poll_ = now + kSocketPollNs;
        for (size_t i = 0; i < radius_socks_.size(); i++)
            radius_socks_[i].receive([&](uint32_t ip, uint16_t port, std::span<const uint8_t> b) {
                aaa_->on_datagram(uint16_t(i), ip, port, b, now);
            });
        if (dae_)
            dae_sock_.receive([&](uint32_t ip, uint16_t port, std::span<const uint8_t> b) {
                dae_->on_datagram(ip, port, b, now);
            });
    }
    if (aaa_->next_deadline() <= now) aaa_->on_timer(now);
    if (dae_ && dae_->next_deadline() <= now) dae_->on_timer(now);
    if (subs_->next_deadline() <= now) subs_->on_timer(now);
}

void ControlCore::shutdown_subscribers() {
    if (subs_) subs_->shutdown(now_);
}

std::vector<std::pair<std::string, uint64_t>> ControlCore::subscriber_counter_list() const {
    std::vector<std::pair<std::string, uint64_t>> v;
    if (!subs_) return v;
    const SubscriberCounters &c = subs_->counters();
    v.emplace_back("subscribers", subs_->count());
#define LNS_SUB(n) v.emplace_back(#n, c.n);
    LNS_SUB(calls) LNS_SUB(sessions_up) LNS_SUB(ipv6_up) LNS_SUB(ended) LNS_SUB(auth_accepts) LNS_SUB(auth_rejects)
    LNS_SUB(auth_stale) LNS_SUB(address_failures) LNS_SUB(install_failures) LNS_SUB(session_timeouts)
    LNS_SUB(idle_timeouts) LNS_SUB(disconnects) LNS_SUB(lac_cleared) LNS_SUB(acct_start)
    LNS_SUB(acct_interim) LNS_SUB(acct_stop) LNS_SUB(bad_frames) LNS_SUB(early_held)
    LNS_SUB(early_delivered) LNS_SUB(unknown_index)
    LNS_SUB(dae_disconnect_acks) LNS_SUB(dae_coa_acks) LNS_SUB(dae_not_found)
#undef LNS_SUB
    const ppp::PppShared &p = subs_->ppp_shared();
    v.emplace_back("ppp_protocol_rejects_sent", p.counters.protocol_rejects_sent);
    v.emplace_back("ppp_frames_before_phase", p.counters.frames_before_phase);
    v.emplace_back("ppp_proxy_lcp_used", p.counters.proxy_lcp_used);
    v.emplace_back("ppp_proxy_auth_used", p.counters.proxy_auth_used);
    for (size_t i = 1; i < std::size(p.counters.finished_by); i++)
        v.emplace_back(std::string("ppp_end_") + ppp::end_reason_name(ppp::EndReason(i)), p.counters.finished_by[i]);
    const ppp::FsmCounters &lf = p.lcp.counters.fsm;
    v.emplace_back("lcp_rx_packets", lf.rx_packets);
    v.emplace_back("lcp_rx_discarded", lf.rx_truncated + lf.rx_bad_length + lf.rx_not_ready + lf.rx_bad_options +
                                           lf.rx_bad_id + lf.rx_ack_mismatch + lf.rx_bad_reject);
    v.emplace_back("lcp_retransmits", lf.retransmits);
    v.emplace_back("lcp_echo_req_sent", p.lcp.counters.echo_req_sent);
    v.emplace_back("lcp_echo_reply_rcvd", p.lcp.counters.echo_reply_rcvd);
    v.emplace_back("lcp_peer_dead", p.lcp.counters.peer_dead);
    v.emplace_back("ipcp_rx_packets", p.ipcp.counters.fsm.rx_packets);
    v.emplace_back("ipcp_retransmits", p.ipcp.counters.fsm.retransmits);
    v.emplace_back("ipv6cp_rx_packets", p.ipv6cp.counters.fsm.rx_packets);
    v.emplace_back("ra_sent", p.counters.ra_sent);
    v.emplace_back("rs_answered", p.counters.rs_answered);
    v.emplace_back("rs_bad", p.counters.rs_bad);
    const ppp::AuthCounters &ac = p.auth_counters;
    v.emplace_back("auth_successes", ac.successes);
    v.emplace_back("auth_failures", ac.failures);
    v.emplace_back("auth_timeouts", ac.timeouts);
    v.emplace_back("auth_retransmits", ac.retransmits);
    const aaa::AaaCounters &a = aaa_->counters();
    v.emplace_back("aaa_requests", a.auth_requests);
    v.emplace_back("aaa_radius_timeouts", a.timeouts);
    v.emplace_back("aaa_radius_submit_failed", a.radius_submit_failed);
    v.emplace_back("acct_sent", a.accounting_sent);
    v.emplace_back("acct_answered", a.accounting_answered);
    v.emplace_back("acct_failed", a.accounting_failed);
    if (const aaa::RadiusClient *rc = aaa_->radius()) {
        v.emplace_back("radius_transmissions", rc->counters().transmissions);
        v.emplace_back("radius_retransmits", rc->counters().retransmits);
        v.emplace_back("radius_failovers", rc->counters().failovers);
        v.emplace_back("radius_in_flight", rc->in_flight());
    }
    const auto &pools = aaa_->pools();
    for (size_t i = 0; i < pools.ipv4_pools().size(); i++) {
        if (pools.retired4(i)) continue;  // removed by a reload
        const auto &pl = pools.ipv4_pools()[i];
        v.emplace_back("pool_" + pl.name() + "_used", pl.index().used());
        v.emplace_back("pool_" + pl.name() + "_exhausted", pl.index().counters().exhausted);
    }
    for (size_t i = 0; i < pools.ipv6_pools().size(); i++) {
        if (pools.retired6(i)) continue;
        const auto &pl = pools.ipv6_pools()[i];
        v.emplace_back("pool_" + pl.name() + "_used", pl.index().used());
        v.emplace_back("pool_" + pl.name() + "_exhausted", pl.index().counters().exhausted);
    }
    return v;
}

}  // namespace lns::cp
