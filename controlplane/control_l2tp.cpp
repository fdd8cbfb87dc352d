// The control core's side of L2TP: control frames from the punt rings into the
// endpoint, its datagrams out as Ethernet/IPv4/UDP frames through the workers'
// inboxes, and its session events into the data-plane tables.
#include <rte_mbuf.h>

#include <cstdio>
#include <cstring>
#include <random>

#include "config/sessions.hpp"
#include "controlplane/log.hpp"
#include "controlplane/control_core.hpp"
#include "controlplane/net/bytes.hpp"
#include "controlplane/net/checksum.hpp"
#include "controlplane/net/ethernet.hpp"
#include "controlplane/net/ipv4.hpp"
#include "dataplane/pkt/l2tp.hpp"

namespace lns::cp {

namespace {

constexpr uint8_t kIpProtoUdp = 17;
constexpr size_t kUdpHeaderLen = 8;
constexpr size_t kMaxMacEntries = 65536;

uint64_t mac_key(uint16_t port, uint32_t ip) { return (uint64_t(port) << 32) | ip; }
uint32_t session_key(uint16_t tunnel, uint16_t session) { return (uint32_t(tunnel) << 16) | session; }

l2tp::PeerPolicy to_policy(const cfg::L2tpPeer &p) {
    l2tp::PeerPolicy q;
    q.name = p.name;
    for (const auto &s : p.sources) q.sources.push_back({s.addr, s.len});
    q.host_name = p.host_name;
    q.secret = p.secret;
    q.require_authentication = p.require_authentication;
    q.hide_avps = p.hide_avps;
    q.hello_interval_s = p.channel.hello_interval_s;
    q.max_sessions = p.max_sessions;
    q.force_sequencing = p.force_sequencing;
    q.reliable.receive_window = p.channel.receive_window;
    q.reliable.retransmit_initial_ns = uint64_t(p.channel.retransmit_initial_ms) * 1000000;
    q.reliable.retransmit_cap_ns = uint64_t(p.channel.retransmit_cap_ms) * 1000000;
    q.reliable.max_retransmits = p.channel.max_retransmits;
    q.reliable.ack_delay_ns = uint64_t(p.channel.ack_delay_ms) * 1000000;
    q.reliable.slow_start = p.channel.slow_start;
    return q;
}

}  // namespace

l2tp::EndpointConfig ControlCore::endpoint_config(const cfg::Config &cfg) {
    const cfg::L2tpConfig &lc = cfg.l2tp;
    l2tp::EndpointConfig ec;
    ec.host_name = lc.host_name;
    ec.vendor_name = "lnsd";
    ec.max_tunnels = lc.max_tunnels;
    ec.max_sessions = std::min(lc.max_sessions, cfg.tables.max_sessions);
    ec.max_sessions_per_tunnel = lc.max_sessions_per_tunnel;
    ec.call_setup_timeout_s = lc.call_setup_timeout_s;
    ec.id_quarantine_s = lc.id_quarantine_s;
    ec.accept_unknown_peers = lc.accept_unknown_peers;
    ec.announce_accepted_calls = true;  // data path installed at ICRP: see l2tp_install
    ec.default_peer = to_policy(lc.defaults);
    ec.default_peer.name = "default";
    for (const auto &p : lc.peers) ec.peers.push_back(to_policy(p));
    return ec;
}

void ControlCore::init_l2tp() {
    if (!rt_.cfg.l2tp.enabled) return;
    l2tp::EndpointConfig ec = endpoint_config(rt_.cfg);
    // One entry per call from ICRP on: never rehashed while calls arrive.
    l2tp_sessions_.reserve(ec.max_sessions);
    std::random_device rd;
    l2tp_rng_ = std::make_unique<l2tp::Xoshiro>((uint64_t(rd()) << 32) | rd());
    l2tp_ = std::make_unique<l2tp::Endpoint>(
        std::move(ec), *l2tp_rng_,
        [this](const l2tp::Transport &t, std::span<const uint8_t> b) { l2tp_send(t, b); },
        [this](const l2tp::Event &ev) { l2tp_event(ev); });
    // Static sessions' tunnel ids are never handed to signalled tunnels, so the
    // two can never collide in the data-plane session table.
    for (const auto &blk : rt_.cfg.sessions)
        for (uint32_t i = 0; i < blk.count; i++) l2tp_->reserve_tunnel_id(cfg::session_instance(blk, i).local_tunnel_id);
}

void ControlCore::shutdown_l2tp() {
    if (!l2tp_) return;
    l2tp_->shutdown(now_);
    run_l2tp_actions();
}

size_t ControlCore::l2tp_unacked() const {
    if (!l2tp_) return 0;
    size_t n = 0;
    for (const l2tp::TunnelStats &ts : l2tp_->tunnel_stats()) {
        const l2tp::Tunnel *t = l2tp_->tunnel(ts.id);
        n += t && !t->ch.idle() && !t->ch.failed();
    }
    return n;
}

// A punted L2TP control frame: Ethernet / IPv4 (checked by the worker) / UDP 1701.
void ControlCore::handle_l2tp(rte_mbuf *m) {
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    const size_t len = rte_pktmbuf_data_len(m);
    net::Ipv4Header ip;
    if (len < net::kEthHeaderLen ||
        net::parse_ipv4({f + net::kEthHeaderLen, len - net::kEthHeaderLen}, &ip) != net::NetError::ok ||
        ip.protocol != kIpProtoUdp || ip.payload.size() < kUdpHeaderLen) {
        c_.l2tp_bad_frame++;
        rte_pktmbuf_free(m);
        return;
    }
    const uint8_t *udp = ip.payload.data();
    const size_t udp_len = net::load_be16(udp + 4);
    if (udp_len < kUdpHeaderLen || udp_len > ip.payload.size()) {
        c_.l2tp_bad_frame++;
        rte_pktmbuf_free(m);
        return;
    }
    const uint16_t port = dp::meta(m)->in_port;
    l2tp::Transport t;
    t.peer_ip = ip.src;
    t.peer_port = net::load_be16(udp);
    t.local_ip = ip.dst;
    t.local_port = net::load_be16(udp + 2);
    t.iface = port;
    // Replies go back through the router (or LAC) the request came from.
    if (l2tp_mac_.size() >= kMaxMacEntries) l2tp_mac_.clear();
    l2tp_mac_[mac_key(port, ip.src)] = net::load_mac(f + 6);
    // The SA it was decrypted with decides the SA of the tunnel's replies: bound
    // to the tunnel now when it exists, else (SCCRQ) when the endpoint answers.
    const std::span<const uint8_t> msg{udp + kUdpHeaderLen, udp_len - kUdpHeaderLen};
    const uint16_t reply_sa = l2tp_reply_sa(dp::meta(m)->aux, ip.src);
    l2tp::ControlHeader h;
    if (l2tp::parse_control_header(msg, &h) == l2tp::CtlError::ok && h.tunnel_id != 0) {
        if (const l2tp::Tunnel *tn = l2tp_->tunnel(h.tunnel_id);
            tn && tn->transport.peer_ip == t.peer_ip && tn->transport.peer_port == t.peer_port)
            l2tp_bind_sa(port, t.peer_ip, t.peer_port, tn->peer_id, reply_sa);
    }
    l2tp_rx_ = {true, port, t.peer_port, reply_sa, t.peer_ip};
    l2tp_->on_datagram(t, msg, now_);
    l2tp_rx_.active = false;
    rte_pktmbuf_free(m);
    run_l2tp_actions();
}

void ControlCore::l2tp_send(const l2tp::Transport &t, std::span<const uint8_t> payload) {
    auto mac = l2tp_mac_.find(mac_key(t.iface, t.peer_ip));
    if (mac == l2tp_mac_.end() || t.iface >= rt_.ports.size()) {
        c_.l2tp_tx_no_mac++;
        return;
    }
    uint8_t frame[2048];
    const size_t ip_len = 20 + kUdpHeaderLen + payload.size();
    if (net::kEthHeaderLen + ip_len > sizeof(frame)) return;
    net::MacAddr src;
    std::memcpy(src.data(), rt_.ports[t.iface].mac, 6);
    net::write_eth_header(frame, mac->second, src, net::kEtherTypeIpv4);
    uint8_t *ip = frame + net::kEthHeaderLen;
    static uint16_t ip_id = 0;
    net::write_ipv4_header(ip, 0, uint16_t(ip_len), ip_id++, 0, net::kIpv4DefaultTtl, kIpProtoUdp,
                           t.local_ip, t.peer_ip);
    uint8_t *udp = ip + 20;
    net::store_be16(udp, t.local_port);
    net::store_be16(udp + 2, t.peer_port);
    net::store_be16(udp + 4, uint16_t(kUdpHeaderLen + payload.size()));
    net::store_be16(udp + 6, 0);
    std::memcpy(udp + kUdpHeaderLen, payload.data(), payload.size());
    uint64_t sum = net::checksum_add32(0, t.local_ip);
    sum = net::checksum_add32(sum, t.peer_ip);
    sum = net::checksum_add16(sum, kIpProtoUdp);
    sum = net::checksum_add16(sum, uint16_t(kUdpHeaderLen + payload.size()));
    sum = net::checksum_add(sum, udp, kUdpHeaderLen + payload.size());
    uint16_t cs = net::checksum_finish(sum);
    net::store_be16(udp + 6, cs == 0 ? 0xffff : cs);
    size_t n = net::kEthHeaderLen + ip_len;
    // The tunnel's SA, by the peer's tunnel id in the header we send; a reply
    // to a message being handled (an SCCRP: the tunnel is new) binds it.
    const uint16_t peer_tunnel = payload.size() >= 6 ? net::load_be16(payload.data() + 4) : 0;
    uint16_t sa = l2tp_sa(t.iface, t.peer_ip, t.peer_port, peer_tunnel);
    if (l2tp_rx_.active && l2tp_rx_.port == t.iface && l2tp_rx_.ip == t.peer_ip &&
        l2tp_rx_.udp_port == t.peer_port && sa != l2tp_rx_.sa && peer_tunnel != 0) {
        l2tp_bind_sa(t.iface, t.peer_ip, t.peer_port, peer_tunnel, l2tp_rx_.sa);
        sa = l2tp_rx_.sa;
    }
    if (sa != dp::kNoSa) return send_esp_frame(t.iface, sa, frame, n);  // ESP pads itself
    n = net::pad_eth_frame(frame, n, sizeof(frame));
    send_frame(t.iface, frame, n);
}

// The data path of a call: installed when the call is accepted (ICRP sent), so
// that the LAC's first PPP frames, which may follow its ICCN at once, find the
// session in the data plane (the worker punts them behind the ICCN, in order);
// the subscriber starts at session_up.  Returns the table index, or
// dp::kInvalidIndex (the call gets a CDN).
uint32_t ControlCore::l2tp_install(const l2tp::Event &ev, bool sequencing) {
    SessionRequest r;
    r.access_port = ev.transport.iface;
    r.local_tunnel_id = ev.tunnel_id;
    r.local_session_id = ev.session_id;
    r.remote_tunnel_id = ev.peer_tunnel_id;
    r.remote_session_id = ev.peer_session_id;
    r.lac_ip = ev.transport.peer_ip;
    r.lac_port = ev.transport.peer_port;
    r.framing.sequencing = sequencing;
    r.sa_out = l2tp_sa(ev.transport.iface, ev.transport.peer_ip, ev.transport.peer_port, ev.peer_tunnel_id);
    std::string err;
    const uint32_t idx = install_session(r, &err);
    if (idx == dp::kInvalidIndex) {
        c_.l2tp_session_install_failed++;
        l2tp_to_close_.emplace_back(ev.tunnel_id, ev.session_id);
        return idx;
    }
    l2tp_sessions_[session_key(ev.tunnel_id, ev.session_id)] = idx;
    // The LAC's control frames came from the session's next hop (the LAC when
    // on-link, else the gateway): its MAC is known, the data path need not ARP.
    const uint32_t nh = rt_.tables->sessions()[idx].lac_nh;
    if (!resolver_.has_mac(nh)) {
        auto mac = l2tp_mac_.find(mac_key(ev.transport.iface, ev.transport.peer_ip));
        if (mac != l2tp_mac_.end()) learn(ev.transport.iface, nh, mac->second, now_);
    }
    return idx;
}

namespace {

// The LAC asked for sequencing in its ICCN (RFC 2661 §5.4: the AVP is only there):
// data messages of the session, installed at ICRP without Ns, now carry Ns.  The
// record is changed in place (reinstalling would collide with its own key, still
// held until the RCU grace period ends): nothing has been sent into the session yet
// (the subscriber starts after this) and the worker reads these fields only to
// send, after dequeuing what the control core queued later.
void set_sequencing(dp::DpSession &r) {
    r.framing.sequencing = true;
    r.flags = uint8_t(r.flags & ~dp::kSessPlainFraming);
    const int old_encap = r.encap_len;
    r.encap_len = uint8_t(dp::l2tp_data_header_size(r.framing) + dp::ppp_header_size(r.framing, dp::kPppIpv4));
    const int room = int(r.max_inner) - (int(r.encap_len) - old_encap);
    r.max_inner = uint16_t(room < 0 ? 0 : room);
}

}  // namespace

void ControlCore::l2tp_event(const l2tp::Event &ev) {
    using l2tp::EventKind;
    switch (ev.kind) {
        case EventKind::tunnel_up:
            log::event(log::Level::info, "tunnel_up")
                .ipv4("peer", ev.transport.peer_ip)
                .kv("peer_port", ev.transport.peer_port)
                .kv("tunnel", ev.tunnel_id)
                .kv("peer_tunnel", ev.peer_tunnel_id);
            break;
        case EventKind::tunnel_down:
            log::event(ev.reason == l2tp::DownReason::peer_dead || ev.reason == l2tp::DownReason::protocol_error
                           ? log::Level::warning
                           : log::Level::info,
                       "tunnel_down")
                .ipv4("peer", ev.transport.peer_ip)
                .kv("peer_port", ev.transport.peer_port)
                .kv("tunnel", ev.tunnel_id)
                .kv("peer_tunnel", ev.peer_tunnel_id)
                .kv("reason", l2tp::down_reason_name(ev.reason))
                .kv("result", ev.result)
                .kv("error", ev.error);
            break;
        case EventKind::session_up:
        case EventKind::session_down:
            log::event(log::Level::debug, ev.kind == EventKind::session_up ? "call_up" : "call_down")
                .ipv4("peer", ev.transport.peer_ip)
                .kv("tunnel", ev.tunnel_id)
                .kv("session", ev.session_id)
                .kv("reason", l2tp::down_reason_name(ev.reason))
                .kv("result", ev.result);
            break;
        default: break;
    }
    if (ev.kind == EventKind::session_accepted) {
        l2tp_install(ev, ev.call && ev.call->sequencing_required);
    } else if (ev.kind == EventKind::session_up) {
        const bool seq = ev.call && ev.call->sequencing_required;
        uint32_t idx = dp::kInvalidIndex;
        auto it = l2tp_sessions_.find(session_key(ev.tunnel_id, ev.session_id));
        if (it != l2tp_sessions_.end()) {
            idx = it->second;
            // ICCN asked for sequencing (or the policy forces it).
            if (seq && !rt_.tables->sessions()[idx].framing.sequencing) set_sequencing(rt_.tables->sessions()[idx]);
        } else {
            idx = l2tp_install(ev, seq);
        }
        if (idx == dp::kInvalidIndex) return;
        c_.l2tp_sessions_sequenced += seq;  // data messages with Ns (§5.4)
        // PPP starts: the information field is bounded by what the tunnel path carries.
        if (subs_)
            subs_->call_up(idx, ev.tunnel_id, ev.session_id, ev.call,
                           rt_.tables->sessions()[idx].max_inner, now_);
    } else if (ev.kind == EventKind::session_down) {
        auto it = l2tp_sessions_.find(session_key(ev.tunnel_id, ev.session_id));
        if (it == l2tp_sessions_.end()) return;
        if (subs_) subs_->call_down(it->second, now_);  // accounting Stop, addresses back
        remove_session(it->second);  // reclaimed through RCU
        c_.l2tp_sessions_removed++;
        l2tp_sessions_.erase(it);
    }
}

// Actions that must not run inside the endpoint's callbacks.
void ControlCore::run_l2tp_actions() {
    while (!l2tp_to_close_.empty()) {
        const auto [tid, sid] = l2tp_to_close_.back();
        l2tp_to_close_.pop_back();
        l2tp_->close_session(tid, sid, l2tp::cdn::kTempNoFacilities, 0, now_);
    }
}

std::vector<std::pair<std::string, uint64_t>> ControlCore::l2tp_counter_list() const {
    std::vector<std::pair<std::string, uint64_t>> v;
    if (!l2tp_) return v;
    const l2tp::EndpointCounters &c = l2tp_->counters();
#define LNS_L2TP_ITEM(n) v.emplace_back(#n, c.n);
    LNS_L2TP_ITEM(datagrams_in) LNS_L2TP_ITEM(header_errors) LNS_L2TP_ITEM(decode_errors)
    LNS_L2TP_ITEM(unknown_tunnel) LNS_L2TP_ITEM(wrong_source) LNS_L2TP_ITEM(not_sccrq_on_zero)
    LNS_L2TP_ITEM(sccrq_duplicate) LNS_L2TP_ITEM(sccrq_after_close) LNS_L2TP_ITEM(tunnels_rejected) LNS_L2TP_ITEM(auth_failures)
    LNS_L2TP_ITEM(tie_breaker_lost) LNS_L2TP_ITEM(tie_breaker_won) LNS_L2TP_ITEM(tunnels_established)
    LNS_L2TP_ITEM(tunnels_closed) LNS_L2TP_ITEM(tunnels_peer_dead) LNS_L2TP_ITEM(sessions_established)
    LNS_L2TP_ITEM(sessions_closed) LNS_L2TP_ITEM(sessions_rejected) LNS_L2TP_ITEM(setup_timeouts)
    LNS_L2TP_ITEM(unexpected_messages) LNS_L2TP_ITEM(stopccn_sent) LNS_L2TP_ITEM(stopccn_received)
    LNS_L2TP_ITEM(cdn_sent) LNS_L2TP_ITEM(cdn_received) LNS_L2TP_ITEM(hellos_sent)
    LNS_L2TP_ITEM(wen_received) LNS_L2TP_ITEM(sli_received)
#undef LNS_L2TP_ITEM
    for (unsigned t = 1; t <= l2tp::kMaxMsgType; t++) {
        if (!l2tp::msg_type_known(t)) continue;
        const std::string n = l2tp::msg_type_name(l2tp::MsgType(t));
        v.emplace_back("in_" + n, c.msg_in[t]);
        v.emplace_back("out_" + n, c.msg_out[t]);
    }
    for (size_t e = 1; e < c.ctl_errors.size(); e++)
        if (c.ctl_errors[e]) v.emplace_back(std::string("error_") + l2tp::ctl_error_name(l2tp::CtlError(e)), c.ctl_errors[e]);
    v.emplace_back("tunnels_active", l2tp_->active_tunnels());
    v.emplace_back("sessions_active", l2tp_->session_count());
    return v;
}

std::vector<dp::TunnelRow> ControlCore::tunnel_rows() const {
    std::vector<dp::TunnelRow> rows;
    if (!l2tp_) return rows;
    auto printable = [](std::string s) {
        for (char &ch : s)
            if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') ch = '?';
        return s;
    };
    for (const l2tp::TunnelStats &t : l2tp_->tunnel_stats()) {
        dp::TunnelRow r;
        r.id = t.id;
        r.peer_id = t.peer_id;
        r.state = l2tp::tunnel_state_name(t.state);
        char peer[32];
        const uint32_t a = t.transport.peer_ip;
        std::snprintf(peer, sizeof peer, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                      a & 255, t.transport.peer_port);
        r.peer = peer;
        r.host_name = printable(t.peer_host_name);
        r.policy = printable(t.policy);
        r.sessions = t.sessions;
        r.msgs_in = t.c.msgs_in;
        r.msgs_out = t.c.msgs_out;
        r.retransmits = t.rc.retransmits;
        r.duplicates = t.rc.duplicates;
        r.out_of_order = t.rc.out_of_order;
        r.zlb_in = t.rc.zlb_received;
        r.zlb_out = t.rc.zlb_sent;
        r.hellos = t.c.hellos_sent;
        rows.push_back(std::move(r));
    }
    return rows;
}

}  // namespace lns::cp
