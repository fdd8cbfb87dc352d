// The emulator's PPP layer.  See ppp_layer.hpp.
#include "tools/lac-emu/ppp_layer.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>

#include "controlplane/ppp/hdlc.hpp"

namespace lns::lacemu {

namespace ppp = cp::ppp;

namespace {

constexpr unsigned kTrafficBurst = 256;  // packets per timer call at most
constexpr double kMaxLagNs = 2e6;        // a late loop catches up at most 2 ms of schedule
constexpr size_t kDataHeader = 10;       // flags, tunnel, session, Ns, Nr

Percentiles percentiles(std::vector<uint64_t> v, bool sorted_stats) {
    Percentiles p;
    p.count = v.size();
    if (v.empty() || !sorted_stats) return p;
    std::sort(v.begin(), v.end());
    const auto at = [&](double q) {  // nearest rank
        const size_t rank = size_t(std::ceil(q * double(v.size())));
        return double(v[std::clamp<size_t>(rank, 1, v.size()) - 1]) / 1e6;
    };
    p.p50_ms = at(0.50);
    p.p90_ms = at(0.90);
    p.p99_ms = at(0.99);
    p.max_ms = double(v.back()) / 1e6;
    return p;
}

std::string ip_text(uint32_t ip) {
    in_addr a{htonl(ip)};
    char buf[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

}  // namespace

const char *auth_choice_name(AuthChoice a) {
    switch (a) {
        case AuthChoice::any: return "any";
        case AuthChoice::pap: return "pap";
        case AuthChoice::chap: return "chap";
        case AuthChoice::mschapv2: return "mschapv2";
    }
    return "?";
}

PppLayer::PppLayer(const PppLayerConfig &cfg, Link &link)
    : cfg_(cfg), link_(link), rng_(cfg.seed ^ 0x505050ull) {
    auth_rng_.x = &rng_;
    shared_.lcp.random = &auth_rng_;
    shared_.ipv6cp.random = &auth_rng_;
    shared_.auth_random = &auth_rng_;
    shared_.config.ipv6 = cfg_.ipv6;
    // The tunnel carries PPP in UDP: keep frames within a 1500-octet path.
    shared_.lcp.config.path_mru = 1460;
    switch (cfg_.auth) {
        case AuthChoice::any: break;
        case AuthChoice::pap: shared_.lcp.config.accept_auth = {ppp::AuthProtocol::pap}; break;
        case AuthChoice::chap:
            shared_.lcp.config.accept_auth = {ppp::AuthProtocol::chap_md5};
            break;
        case AuthChoice::mschapv2:
            shared_.lcp.config.accept_auth = {ppp::AuthProtocol::mschap_v2};
            break;
    }
    shared_.auth.name = "lac-emu";
    txbuf_.resize(kDataHeader + 4 + ppp::kMaxPacket + 64);
}

PppLayer::~PppLayer() = default;

void PppLayer::add_transport(uint32_t tunnel, const cp::l2tp::Transport &to) {
    if (tunnel >= transports_.size()) transports_.resize(tunnel + 1);
    transports_[tunnel] = to;
}

// ---- Calls ---------------------------------------------------------------------------

void PppLayer::on_up(SessionCtx &s, const cp::l2tp::CallInfo &call,
                     const cp::l2tp::Transport &to, uint64_t now) {
    (void)call;
    const uint32_t row = s.index;
    if (row >= slots_.size()) slots_.resize(std::max<size_t>(row + 1, slots_.size() * 2));
    Slot &sl = slots_[row];
    if (sl.client) return;  // up twice: ignore
    add_transport(s.tunnel_index, to);
    sl.t_request = s.t_request;
    sl.tunnel = s.tunnel_index;
    sl.n = s.index;
    sl.peer_tunnel = s.peer_tunnel_id;
    sl.peer_session = s.peer_session_id;
    sl.sequencing = s.sequencing;
    sl.ns = 0;
    sl.up = false;
    sl.heap_at = UINT64_MAX;
    sl.client = std::make_unique<ppp::PppClient>(shared_, *this, row);
    first_request_ = std::min(first_request_, s.t_request);
    started_++;
    negotiating_++;
    sl.client->start(now);
    reschedule(row);
}

void PppLayer::on_down(SessionCtx &s, uint64_t now) {
    Slot *sl = slot(s.index);
    if (!sl || !sl->client) return;
    sl->client->lower_down(now);  // ppp_finished runs inside
    sl->client.reset();           // safe: not inside a client callback
    sl->heap_at = UINT64_MAX;
}

void PppLayer::on_data(SessionCtx &s, std::span<const uint8_t> frame, bool has_seq, uint16_t ns,
                       uint16_t nr, uint64_t now) {
    (void)has_seq, (void)ns, (void)nr;
    Slot *sl = slot(s.index);
    if (!sl || !sl->client) return;
    sl->client->receive_frame(frame, now);
    reschedule(s.index);
}

// ---- Timers --------------------------------------------------------------------------

void PppLayer::reschedule(uint32_t row) {
    Slot &sl = slots_[row];
    if (!sl.client) return;
    const uint64_t d = sl.client->next_deadline();
    if (d < sl.heap_at) {
        sl.heap_at = d;
        heap_.push({d, row});
    }
}

uint64_t PppLayer::next_deadline() const {
    uint64_t d = heap_.empty() ? UINT64_MAX : heap_.top().at;
    if (traffic_on_) d = std::min(d, uint64_t(std::max(next_tx_at_, 0.0)));
    return d;
}

void PppLayer::on_timer(uint64_t now) {
    while (!heap_.empty() && heap_.top().at <= now) {
        const HeapEntry e = heap_.top();
        heap_.pop();
        Slot *sl = slot(e.row);
        if (!sl || !sl->client || sl->heap_at != e.at) continue;  // stale entry
        sl->heap_at = UINT64_MAX;
        if (sl->client->next_deadline() <= now) sl->client->on_timer(now);
        reschedule(e.row);
    }
    if (traffic_on_) send_traffic(now);
}

// ---- Client host ---------------------------------------------------------------------

void PppLayer::ppp_send(ppp::PppClient &c, uint16_t protocol, std::span<const uint8_t> packet) {
    const Slot &sl = slots_[c.cookie()];
    uint8_t *b = txbuf_.data();
    // RFC 2661 §3.1: T=0 L=0 S=sequencing O=0 P=0, Ver 2.
    const uint16_t flags = sl.sequencing ? 0x0802 : 0x0002;
    size_t n = 0;
    b[n++] = uint8_t(flags >> 8);
    b[n++] = uint8_t(flags);
    b[n++] = uint8_t(sl.peer_tunnel >> 8);
    b[n++] = uint8_t(sl.peer_tunnel);
    b[n++] = uint8_t(sl.peer_session >> 8);
    b[n++] = uint8_t(sl.peer_session);
    if (sl.sequencing) {
        const uint16_t ns = slots_[c.cookie()].ns++;
        b[n++] = uint8_t(ns >> 8);
        b[n++] = uint8_t(ns);
        b[n++] = 0;  // Nr: reserved in data messages (§5.4)
        b[n++] = 0;
    }
    const size_t f = ppp::ppp_frame(protocol, packet, {b + n, txbuf_.size() - n});
    if (f == 0) return;
    data_out_++;
    link_.send(transports_[sl.tunnel], {b, n + f});
}

ppp::Credentials PppLayer::ppp_credentials(ppp::PppClient &c) {
    const Slot &sl = slots_[c.cookie()];
    const uint32_t spt = cfg_.sessions_per_tunnel;
    const uint32_t within = spt && sl.n / spt == sl.tunnel ? sl.n % spt : 0;  // 0: answered OCRQ
    cfg_.user.expand(sl.n, sl.tunnel, within, scratch_user_);
    return {scratch_user_, cfg_.password};
}

void PppLayer::ppp_up(ppp::PppClient &c, uint64_t now) {
    Slot &sl = slots_[c.cookie()];
    sl.up = true;
    sl.address = c.result().address;
    up_++;
    up_now_++;
    negotiating_--;
    last_up_ = now;
    const ppp::ClientTimes &t = c.times();
    const auto since = [&](uint64_t at) { return at > sl.t_request ? at - sl.t_request : 0; };
    lcp_ns_.push_back(since(t.lcp_up));
    if (t.auth_ok) auth_ns_.push_back(since(t.auth_ok));
    if (t.ipcp_up) ipcp_ns_.push_back(since(t.ipcp_up));
    full_ns_.push_back(since(t.up));
    sl.up_pos = uint32_t(up_rows_.size());
    up_rows_.push_back(c.cookie());
}

void PppLayer::ppp_finished(ppp::PppClient &c, ppp::ClientFailure why, uint64_t now) {
    (void)now;
    Slot &sl = slots_[c.cookie()];
    if (sl.up) {
        up_now_--;
        sl.up = false;
        if (!tearing_down_) {
            dropped_++;
            drops_[size_t(why)]++;
        }
        const uint32_t moved = up_rows_.back();  // swap-remove, O(1)
        up_rows_[sl.up_pos] = moved;
        slots_[moved].up_pos = sl.up_pos;
        up_rows_.pop_back();
        return;
    }
    negotiating_--;
    failed_++;
    size_t row = size_t(why);
    if (why == ppp::ClientFailure::lower_down) {
        switch (c.end_phase()) {
            case ppp::ClientPhase::establish: row = ppp::kClientFailureCount; break;
            case ppp::ClientPhase::authenticate: row = ppp::kClientFailureCount + 1; break;
            case ppp::ClientPhase::network: row = ppp::kClientFailureCount + 2; break;
            default: break;
        }
    }
    failures_[row]++;
}

// Reasons; an LNS that clears the call (CDN) instead of answering shows as
// lower_down_in_<phase> (l2tpns does so on bad credentials: no CHAP Failure).
const char *PppLayer::failure_row_name(size_t row) {
    if (row < ppp::kClientFailureCount) return ppp::client_failure_name(ppp::ClientFailure(row));
    switch (row - ppp::kClientFailureCount) {
        case 0: return "lower_down_in_lcp";
        case 1: return "lower_down_in_auth";
        default: return "lower_down_in_ncp";
    }
}

void PppLayer::ppp_ip(ppp::PppClient &c, uint16_t protocol, std::span<const uint8_t> packet,
                      uint64_t now) {
    (void)now;
    if (protocol != ppp::kProtoIpv4) {
        rx_other_++;
        return;
    }
    const uint32_t dst = ipv4_destination(packet);
    if (dst != 0 && dst == slots_[c.cookie()].address) {
        rx_packets_++;
        rx_bytes_ += packet.size();
    } else {
        rx_other_++;
    }
}

// ---- Traffic -------------------------------------------------------------------------

void PppLayer::on_hold(uint64_t now, uint64_t until) {
    const TrafficConfig &t = cfg_.traffic;
    if (t.pps <= 0 || t.dest == 0) return;
    // Stop early enough for the last replies to come back (at most 200 ms).
    const uint64_t span = until > now ? until - now : 0;
    const uint64_t drain = std::min<uint64_t>(200'000'000ull, span / 5);
    traffic_on_ = span > drain;
    traffic_from_ = now;
    traffic_stop_ = now + span - drain;
    next_tx_at_ = double(now);
}

void PppLayer::on_hold_end(uint64_t now) {
    if (traffic_from_ != 0 && traffic_until_ == 0) traffic_until_ = std::min(now, traffic_stop_);
    traffic_on_ = false;
    tearing_down_ = true;
}

void PppLayer::send_traffic(uint64_t now) {
    if (now >= traffic_stop_) {
        traffic_on_ = false;
        traffic_until_ = traffic_stop_;
        return;
    }
    const double step = 1e9 / cfg_.traffic.pps;
    next_tx_at_ = std::max(next_tx_at_, double(now) - kMaxLagNs);
    uint8_t pkt[kMaxTrafficSize];
    for (unsigned k = 0; k < kTrafficBurst && next_tx_at_ <= double(now); k++) {
        next_tx_at_ += step;
        if (up_rows_.empty()) {
            tx_skipped_++;
            continue;
        }
        if (traffic_cursor_ >= up_rows_.size()) traffic_cursor_ = 0;
        const uint32_t row = up_rows_[traffic_cursor_++];
        Slot &sl = slots_[row];
        const size_t n =
            build_traffic_packet(cfg_.traffic, sl.address, uint16_t(sl.n), sl.tx_seq++, pkt);
        ppp_send(*sl.client, ppp::kProtoIpv4, {pkt, n});
        tx_packets_++;
        tx_bytes_ += n;
    }
}

// ---- Report --------------------------------------------------------------------------

PppReport PppLayer::report(bool sorted) const {
    PppReport r;
    r.enabled = true;
    r.auth = auth_choice_name(cfg_.auth);
    r.ipv6 = cfg_.ipv6;
    const ppp::ClientCounters &c = shared_.counters;
    r.started = started_;
    r.lcp_up = c.lcp_up;
    r.authenticated = c.authenticated;
    r.ipcp_up = c.ipcp_up;
    r.ipv6cp_up = c.ipv6cp_up;
    r.up = up_;
    r.failed = failed_;
    r.dropped = dropped_;
    r.negotiating = negotiating_;
    r.up_now = up_now_;
    r.lcp_ms = percentiles(lcp_ns_, sorted);
    r.auth_ms = percentiles(auth_ns_, sorted);
    r.ipcp_ms = percentiles(ipcp_ns_, sorted);
    r.full_ms = percentiles(full_ns_, sorted);
    if (up_ > 0 && last_up_ > first_request_) {
        r.window_s = double(last_up_ - first_request_) / 1e9;
        r.rate = double(up_) / r.window_s;
    }
    for (size_t i = 1; i < kFailureRows; i++)
        if (failures_[i]) r.failures.emplace_back(failure_row_name(i), failures_[i]);
    for (size_t i = 1; i < ppp::kClientFailureCount; i++)
        if (drops_[i]) r.drops.emplace_back(failure_row_name(i), drops_[i]);
    const auto by_count = [](const auto &a, const auto &b) { return a.second > b.second; };
    std::stable_sort(r.failures.begin(), r.failures.end(), by_count);
    std::stable_sort(r.drops.begin(), r.drops.end(), by_count);
    const ppp::FsmCounters &lf = shared_.lcp.counters.fsm;
    r.lcp_conf_req_sent = lf.conf_req_sent;
    r.lcp_retransmits = lf.retransmits;
    r.ncp_retransmits = shared_.ipcp.counters.fsm.retransmits + shared_.ipv6cp.counters.fsm.retransmits;
    r.auth_retransmits = shared_.auth_counters.retransmits;
    r.echo_req_rcvd = shared_.lcp.counters.echo_req_rcvd;
    r.echo_reply_sent = shared_.lcp.counters.echo_reply_sent;
    r.frames_in = c.frames_in;
    r.frames_out = data_out_;
    r.bad_frames = c.bad_frames;
    r.protocol_rejects_sent = c.protocol_rejects_sent;
    const TrafficConfig &tc = cfg_.traffic;
    auto &t = r.traffic;
    t.enabled = tc.pps > 0 && tc.dest != 0;
    t.proto = traffic_proto_name(tc.proto);
    t.pps = tc.pps;
    t.size = tc.size;
    t.dest = tc.dest ? ip_text(tc.dest) : "";
    t.sent = tx_packets_;
    t.received = rx_packets_;
    t.lost = tx_packets_ > rx_packets_ ? tx_packets_ - rx_packets_ : 0;
    t.tx_bytes = tx_bytes_;
    t.rx_bytes = rx_bytes_;
    t.rx_other = rx_other_;
    t.skipped = tx_skipped_;
    const uint64_t end = traffic_until_ ? traffic_until_ : traffic_stop_;
    if (traffic_from_ && end > traffic_from_) t.duration_s = double(end - traffic_from_) / 1e9;
    return r;
}

bool PppLayer::success(uint64_t l2tp_established) const {
    return up_ == l2tp_established && failed_ == 0 && dropped_ == 0 && negotiating_ == 0;
}

}  // namespace lns::lacemu
