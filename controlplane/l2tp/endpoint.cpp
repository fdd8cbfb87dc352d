// Endpoint: datagram dispatch, tunnel lifetime, timers, message building.
#include "controlplane/l2tp/endpoint.hpp"

#include <algorithm>
#include <cstring>

#include "controlplane/net/bytes.hpp"

namespace lns::cp::l2tp {

namespace {

constexpr uint64_t kSecond = 1000000000ull;

bool tunnel_level(MsgType t) {
    switch (t) {
        case MsgType::sccrq:
        case MsgType::sccrp:
        case MsgType::scccn:
        case MsgType::stopccn:
        case MsgType::hello: return true;
        default: return false;
    }
}

// Error code (§4.4.2) for a message that failed to decode.
uint16_t error_code(CtlError e) {
    return e == CtlError::unknown_mandatory_avp ? errc::kUnknownMandatoryAvp
           : e == CtlError::bad_avp_length      ? errc::kBadLength
                                                : errc::kBadValue;
}

// The Host Name AVP of an SCCRQ, read without decoding (it is never hidden,
// §4.4.3): it selects the peer policy, hence the secret for the hidden AVPs.
std::string_view clear_host_name(std::span<const uint8_t> avps) {
    size_t off = 0;
    while (avps.size() - off >= kAvpHeaderLen) {
        const uint8_t *p = avps.data() + off;
        const size_t len = ((p[0] & 0x03u) << 8) | p[1];
        if (len < kAvpHeaderLen || len > avps.size() - off) break;
        if (!(p[0] & 0x40) && net::load_be16(p + 2) == 0 &&
            net::load_be16(p + 4) == uint16_t(AvpType::host_name))
            return {reinterpret_cast<const char *>(p + kAvpHeaderLen), len - kAvpHeaderLen};
        off += len;
    }
    return {};
}

}  // namespace

// ---- Names and randomness ---------------------------------------------------------

const char *tunnel_state_name(TunnelState s) {
    switch (s) {
        case TunnelState::wait_ctl_reply: return "wait_ctl_reply";
        case TunnelState::wait_ctl_conn: return "wait_ctl_conn";
        case TunnelState::established: return "established";
        case TunnelState::closing: return "closing";
    }
    return "?";
}

const char *session_state_name(SessionState s) {
    switch (s) {
        case SessionState::wait_reply: return "wait_reply";
        case SessionState::wait_connect: return "wait_connect";
        case SessionState::established: return "established";
    }
    return "?";
}

const char *event_kind_name(EventKind k) {
    switch (k) {
        case EventKind::tunnel_up: return "tunnel_up";
        case EventKind::tunnel_down: return "tunnel_down";
        case EventKind::session_up: return "session_up";
        case EventKind::session_down: return "session_down";
        case EventKind::session_accepted: return "session_accepted";
    }
    return "?";
}

const char *down_reason_name(DownReason r) {
    switch (r) {
        case DownReason::none: return "none";
        case DownReason::local_request: return "local_request";
        case DownReason::peer_request: return "peer_request";
        case DownReason::peer_dead: return "peer_dead";
        case DownReason::rejected: return "rejected";
        case DownReason::protocol_error: return "protocol_error";
        case DownReason::setup_timeout: return "setup_timeout";
        case DownReason::tie_breaker: return "tie_breaker";
        case DownReason::tunnel_down: return "tunnel_down";
    }
    return "?";
}

Xoshiro::Xoshiro(uint64_t seed) {
    for (auto &w : s_) {  // splitmix64 expansion of the seed
        seed += 0x9e3779b97f4a7c15ull;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        w = z ^ (z >> 31);
    }
}

uint64_t Xoshiro::next() {
    const auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
    const uint64_t r = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
}

// ---- Construction ------------------------------------------------------------------

Endpoint::Endpoint(EndpointConfig cfg, Random &rng, SendFn send, EventFn on_event)
    : cfg_(std::move(cfg)),
      rng_(rng),
      send_(std::move(send)),
      on_event_(std::move(on_event)),
      tunnel_ids_(uint64_t(cfg_.id_quarantine_s) * kSecond) {}

Endpoint::~Endpoint() = default;

void Endpoint::reconfigure(EndpointConfig cfg) {
    cfg.id_quarantine_s = cfg_.id_quarantine_s;
    cfg_ = std::move(cfg);
}

const Tunnel *Endpoint::tunnel(uint16_t id) const {
    auto it = tunnels_.find(id);
    return it == tunnels_.end() ? nullptr : it->second.get();
}

const PeerPolicy *Endpoint::match_policy(uint32_t ip, std::string_view host) const {
    for (const PeerPolicy &p : cfg_.peers) {
        const bool src_ok = p.sources.empty() ||
                            std::any_of(p.sources.begin(), p.sources.end(),
                                        [ip](const Ipv4Range &r) { return r.contains(ip); });
        if (src_ok && (p.host_name.empty() || p.host_name == host)) return &p;
    }
    return cfg_.accept_unknown_peers ? &cfg_.default_peer : nullptr;
}

Tunnel *Endpoint::new_tunnel(const Transport &tr, const PeerPolicy &p, uint64_t now) {
    const uint16_t id = tunnel_ids_.allocate(rng_, now);
    if (id == 0) return nullptr;
    auto t = std::make_unique<Tunnel>(p, uint64_t(cfg_.id_quarantine_s) * kSecond);
    t->id = id;
    t->transport = tr;
    t->created = now;
    t->last_rx = now;
    Tunnel *raw = t.get();
    tunnels_.emplace(id, std::move(t));
    active_tunnels_++;
    return raw;
}

void Endpoint::forget_awaiting_reply(const Tunnel &t) {
    if (!t.initiator) return;
    auto [b, e] = awaiting_reply_.equal_range(t.transport.peer_ip);
    for (auto it = b; it != e; ++it) {
        if (it->second == t.id) {
            awaiting_reply_.erase(it);
            return;
        }
    }
}

void Endpoint::destroy_tunnel(uint16_t id, uint64_t now) {
    auto it = tunnels_.find(id);
    if (it == tunnels_.end()) return;
    Tunnel &t = *it->second;
    forget_awaiting_reply(t);
    if (!t.down_reported) tunnel_gone(t, DownReason::peer_dead, 0, 0, now);
    auto k = by_peer_.find(peer_key(t.transport.peer_ip, t.transport.peer_port, t.peer_id));
    if (k != by_peer_.end() && k->second == id) by_peer_.erase(k);
    tunnel_ids_.release(id, now);
    tunnels_.erase(it);
}

// ---- Input -------------------------------------------------------------------------

void Endpoint::on_datagram(const Transport &from, std::span<const uint8_t> payload, uint64_t now) {
    c_.datagrams_in++;
    ControlHeader h;
    const CtlError e = parse_control_header(payload, &h);
    if (e != CtlError::ok) {
        c_.header_errors++;
        c_.ctl_errors[size_t(e) % c_.ctl_errors.size()]++;
        return;
    }
    if (h.tunnel_id == 0) return on_tunnel_zero(from, h, payload, now);
    auto it = tunnels_.find(h.tunnel_id);
    if (it == tunnels_.end()) {
        c_.unknown_tunnel++;
        return;
    }
    Tunnel &t = *it->second;
    if (from.peer_ip != t.transport.peer_ip) {
        c_.wrong_source++;
        return;
    }
    if (from.peer_port != t.transport.peer_port) {  // follow a NAT rebinding (and re-key)
        auto k = by_peer_.find(peer_key(t.transport.peer_ip, t.transport.peer_port, t.peer_id));
        if (k != by_peer_.end() && k->second == t.id) {
            by_peer_.erase(k);
            by_peer_[peer_key(from.peer_ip, from.peer_port, t.peer_id)] = t.id;
        }
        t.transport.peer_port = from.peer_port;
    }
    receive(t, h, payload, now);
    flush(t, now);
}

void Endpoint::on_tunnel_zero(const Transport &from, const ControlHeader &h,
                              std::span<const uint8_t> payload, uint64_t now) {
    if (h.zlb()) {
        c_.not_sccrq_on_zero++;
        return;
    }
    const PeerPolicy *guess = match_policy(from.peer_ip, clear_host_name(h.avps));
    std::span<const uint8_t> secret;
    if (guess) secret = {reinterpret_cast<const uint8_t *>(guess->secret.data()), guess->secret.size()};
    ControlMessage &m = *msg_;
    const CtlError e = decode_message(h.avps, secret, &m);
    if (e != CtlError::ok) {
        c_.decode_errors++;
        c_.ctl_errors[size_t(e) % c_.ctl_errors.size()]++;
    }
    if (e == CtlError::ok && m.type == MsgType::stopccn) {
        // From a peer that never learnt our id (its SCCRQ was answered, the SCCRP
        // lost): the Assigned Tunnel Id names its tunnel (§6.4).
        auto k = by_peer_.find(peer_key(from.peer_ip, from.peer_port, m.assigned_tunnel_id));
        auto it = k == by_peer_.end() ? tunnels_.end() : tunnels_.find(k->second);
        if (it != tunnels_.end()) {
            receive(*it->second, h, payload, now);
            flush(*it->second, now);
            return;
        }
    }
    // A malformed SCCRQ (e.g. an unknown M=1 AVP, §4.1) that names the peer's
    // tunnel is refused with a StopCCN; other messages on tunnel 0 are dropped.
    const bool answerable = m.type == MsgType::sccrq && m.has(AvpType::assigned_tunnel_id);
    if (m.type != MsgType::sccrq || (e != CtlError::ok && !answerable)) {
        c_.not_sccrq_on_zero += (e == CtlError::ok);
        return;
    }
    auto dup = by_peer_.find(peer_key(from.peer_ip, from.peer_port, m.assigned_tunnel_id));
    if (dup != by_peer_.end()) {
        auto it = tunnels_.find(dup->second);
        if (it != tunnels_.end() && it->second->state == TunnelState::closing) {
            // That tunnel is over (StopCCN exchanged, state only held to ack a
            // retransmitted StopCCN on its own id): an SCCRQ is a new control
            // connection from a LAC that reuses its tunnel id (e.g. restarted).
            c_.sccrq_after_close++;
            by_peer_.erase(dup);
        } else if (it != tunnels_.end()) {  // a retransmitted SCCRQ: the channel re-acknowledges it
            c_.sccrq_duplicate++;
            receive(*it->second, h, payload, now);
            flush(*it->second, now);
            return;
        } else {
            by_peer_.erase(dup);
        }
    }
    handle_sccrq(from, h, m, payload, now, e == CtlError::ok ? 0 : error_code(e));
}

void Endpoint::receive(Tunnel &t, const ControlHeader &h, std::span<const uint8_t> payload,
                       uint64_t now) {
    switch (t.ch.on_receive(h, payload, now)) {
        case ReliableChannel::Rx::deliver: break;
        default: return;  // ZLB, duplicate, held, out of window: the channel acted
    }
    t.last_rx = now;
    process(t, h, now);
    while (tunnels_.count(t.id) && t.ch.pop_in_order(&held_)) {
        ControlHeader hh;
        if (parse_control_header(held_, &hh) != CtlError::ok) continue;
        process(t, hh, now);
    }
}

void Endpoint::process(Tunnel &t, const ControlHeader &h, uint64_t now) {
    if (t.state == TunnelState::closing) return;  // acknowledged by the channel, no action
    ControlMessage &m = *msg_;
    const std::span<const uint8_t> secret{reinterpret_cast<const uint8_t *>(t.policy.secret.data()),
                                          t.policy.secret.size()};
    const CtlError e = decode_message(h.avps, secret, &m);
    if (e != CtlError::ok) return on_decode_error(t, h, m, e, now);
    t.c.msgs_in++;
    c_.msg_in[unsigned(m.type) <= kMaxMsgType ? unsigned(m.type) : 0]++;
    dispatch(t, h, m, now);
}

void Endpoint::dispatch(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now) {
    switch (m.type) {
        case MsgType::sccrq:  // a new SCCRQ inside an existing tunnel
            c_.unexpected_messages++;
            return stop_tunnel(t, stopccn::kFsmError, 0, DownReason::protocol_error, now);
        case MsgType::sccrp: return handle_sccrp(t, m, now);
        case MsgType::scccn: return handle_scccn(t, m, now);
        case MsgType::stopccn: return handle_stopccn(t, m, now);
        case MsgType::hello: return handle_hello(t, m, now);
        case MsgType::icrq: return handle_icrq(t, m, now);
        case MsgType::icrp: return handle_icrp(t, h, m, now);
        case MsgType::iccn: return handle_iccn(t, h, m, now);
        case MsgType::ocrq: return handle_ocrq(t, m, now);
        case MsgType::ocrp: return handle_ocrp(t, h, m, now);
        case MsgType::occn: return handle_occn(t, h, m, now);
        case MsgType::cdn: return handle_cdn(t, h, m, now);
        case MsgType::wen: return handle_wen(t, m);
        case MsgType::sli: return handle_sli(t, m);
        case MsgType::zlb: return;
    }
}

// RFC 2661 §4.1: an unrecognised AVP with M=1 clears the session (call-level
// message) or the tunnel (tunnel-level message), error code 8; an unknown message
// type with M=1 clears the tunnel; malformed mandatory content is a general error.
void Endpoint::on_decode_error(Tunnel &t, const ControlHeader &h, const ControlMessage &m,
                               CtlError e, uint64_t now) {
    c_.decode_errors++;
    c_.ctl_errors[size_t(e) % c_.ctl_errors.size()]++;
    t.c.decode_errors++;
    if (e == CtlError::unknown_message_type) {
        if (m.message_type_mandatory) stop_tunnel(t, stopccn::kGeneralError, errc::kUnknownMandatoryAvp,
                                                  DownReason::protocol_error, now);
        return;
    }
    const uint16_t error = error_code(e);
    if (tunnel_level(m.type) || m.type == MsgType::zlb)
        return stop_tunnel(t, stopccn::kGeneralError, error, DownReason::protocol_error, now);
    // Call level: the session the header names, or (ICRQ/OCRQ) the one the peer asked for.
    if (h.session_id != 0 && find_session(t, h.session_id)) {
        const uint16_t peer = t.sessions.at(h.session_id).peer_id;
        send_cdn(t, h.session_id, peer, cdn::kGeneralError, error);
        return end_session(t, h.session_id, DownReason::protocol_error, cdn::kGeneralError, error, now);
    }
    if ((m.type == MsgType::icrq || m.type == MsgType::ocrq) && m.has(AvpType::assigned_session_id))
        send_cdn(t, 0, m.assigned_session_id, cdn::kGeneralError, error);
}

// ---- Timers ------------------------------------------------------------------------

uint64_t Endpoint::close_hold_ns(const Tunnel &t) const {
    // One full retransmission cycle (RFC 2661 §5.7): the sum of every back-off interval.
    const ReliableConfig &r = t.policy.reliable;
    uint64_t total = 0, iv = r.retransmit_initial_ns;
    for (unsigned i = 0; i <= r.max_retransmits; i++) {
        total += iv;
        iv = std::min(iv * 2, r.retransmit_cap_ns);
    }
    return total;
}

uint64_t Endpoint::tunnel_deadline(const Tunnel &t) const {
    uint64_t d = t.ch.next_deadline();
    switch (t.state) {
        case TunnelState::closing: d = std::min(d, t.close_deadline); break;
        case TunnelState::established:
            if (t.policy.hello_interval_s)
                d = std::min(d, t.last_rx + uint64_t(t.policy.hello_interval_s) * kSecond);
            break;
        default: d = std::min(d, t.created + uint64_t(cfg_.call_setup_timeout_s) * kSecond);
    }
    if (!t.setup_fifo.empty()) d = std::min(d, t.setup_fifo.front().first);
    return d;
}

void Endpoint::reschedule(Tunnel &t) {
    const uint64_t d = tunnel_deadline(t);
    if (d == t.scheduled) return;
    t.scheduled = d;
    if (d != UINT64_MAX) timers_.push({d, t.id});
}

uint64_t Endpoint::next_deadline() {
    while (!timers_.empty()) {
        const auto [d, id] = timers_.top();
        auto it = tunnels_.find(id);
        if (it != tunnels_.end() && it->second->scheduled == d) return d;
        timers_.pop();  // stale entry
    }
    return UINT64_MAX;
}

void Endpoint::on_timer(uint64_t now) {
    while (!timers_.empty() && timers_.top().first <= now) {
        const auto [d, id] = timers_.top();
        timers_.pop();
        auto it = tunnels_.find(id);
        if (it == tunnels_.end() || it->second->scheduled != d) continue;
        Tunnel &t = *it->second;
        t.scheduled = UINT64_MAX;
        run_tunnel_timers(t, now);
        if (tunnels_.count(id)) flush(t, now);
    }
}

void Endpoint::run_tunnel_timers(Tunnel &t, uint64_t now) {
    run_setup_timeouts(t, now);
    switch (t.state) {
        case TunnelState::closing:
            if (now >= t.close_deadline) return destroy_tunnel(t.id, now);
            break;
        case TunnelState::established:
            if (t.policy.hello_interval_s &&
                now >= t.last_rx + uint64_t(t.policy.hello_interval_s) * kSecond) {
                t.last_rx = now;  // the HELLO's own retransmissions detect a dead peer
                MessageBuilder mb = begin(t, MsgType::hello, 0);
                commit(t, mb, MsgType::hello);
                t.c.hellos_sent++;
                c_.hellos_sent++;
            }
            break;
        default:
            if (now >= t.created + uint64_t(cfg_.call_setup_timeout_s) * kSecond)
                stop_tunnel(t, stopccn::kGeneralError, 0, DownReason::setup_timeout, now);
    }
}

// Sends what the channel has due; a failed channel (retransmissions exhausted)
// means the peer is gone: the tunnel and its sessions are removed at once.
void Endpoint::flush(Tunnel &t, uint64_t now) {
    t.ch.flush(now, [&](std::span<const uint8_t> b) { send_(t.transport, b); });
    if (t.ch.failed()) {
        if (t.state != TunnelState::closing) c_.tunnels_peer_dead++;
        return destroy_tunnel(t.id, now);
    }
    reschedule(t);
}

// ---- Building ----------------------------------------------------------------------

bool Endpoint::hide(const Tunnel &t) const { return t.policy.hide_avps && !t.policy.secret.empty(); }

MessageBuilder Endpoint::begin(Tunnel &t, MsgType type, uint16_t peer_session) {
    MessageBuilder mb(tx_, type, t.peer_id, peer_session);
    if (hide(t)) {
        std::array<uint8_t, 16> &vec = rv_;
        for (size_t i = 0; i < vec.size(); i += 8) {
            const uint64_t r = rng_.next();
            std::memcpy(vec.data() + i, &r, 8);
        }
        mb.avps().set_hiding({reinterpret_cast<const uint8_t *>(t.policy.secret.data()),
                              t.policy.secret.size()},
                             vec);
    }
    return mb;
}

void Endpoint::commit(Tunnel &t, MessageBuilder &mb, MsgType type) {
    const size_t n = mb.finish();
    if (n == 0) return;  // cannot happen with tx_'s size; the builder counts no_room
    t.ch.send({tx_.data(), n});
    t.c.msgs_out++;
    c_.msg_out[unsigned(type)]++;
}

// ---- Introspection -----------------------------------------------------------------

std::vector<TunnelStats> Endpoint::tunnel_stats() const {
    std::vector<TunnelStats> v;
    v.reserve(tunnels_.size());
    for (const auto &[id, t] : tunnels_)
        v.push_back(TunnelStats{t->id, t->peer_id, t->state, t->transport, t->peer_host_name,
                                t->policy.name, t->sessions.size(), t->c, t->ch.counters(),
                                t->ch.cwnd()});
    std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) { return a.id < b.id; });
    return v;
}

}  // namespace lns::cp::l2tp
