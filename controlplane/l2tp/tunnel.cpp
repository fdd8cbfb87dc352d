// Tunnel-level handlers (RFC 2661 §5.1, §6.1-§6.5, §7.2): control connection
// establishment with tunnel authentication and tie breaking, HELLO, StopCCN.
#include <algorithm>
#include <cstring>

#include "controlplane/l2tp/endpoint.hpp"

namespace lns::cp::l2tp {

namespace {

std::span<const uint8_t> bytes(const std::string &s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

void random_bytes(Random &rng, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i += 8) {
        const uint64_t r = rng.next();
        std::memcpy(out + i, &r, std::min<size_t>(8, n - i));
    }
}

bool response_ok(MsgType in_msg, const std::string &secret, std::span<const uint8_t> challenge,
                 std::span<const uint8_t> response) {
    if (response.size() != 16) return false;
    const auto want = challenge_response(in_msg, bytes(secret), challenge);
    return std::equal(want.begin(), want.end(), response.begin());
}

}  // namespace

void Endpoint::emit_tunnel(Tunnel &t, EventKind k, DownReason why, uint16_t result, uint16_t error) {
    Event ev;
    ev.kind = k;
    ev.tunnel_id = t.id;
    ev.peer_tunnel_id = t.peer_id;
    ev.transport = t.transport;
    ev.reason = why;
    ev.result = result;
    ev.error = error;
    on_event_(ev);
}

// The tunnel stops carrying calls: sessions end, the owner hears tunnel_down once.
void Endpoint::tunnel_gone(Tunnel &t, DownReason why, uint16_t result, uint16_t error, uint64_t now) {
    if (t.down_reported) return;
    t.down_reported = true;
    end_all_sessions(t, DownReason::tunnel_down, now);
    active_tunnels_--;
    c_.tunnels_closed++;
    emit_tunnel(t, EventKind::tunnel_down, why, result, error);
}

// Sends StopCCN and holds the tunnel for a full retransmission cycle, so the
// StopCCN is retransmitted until acknowledged and late messages are acknowledged.
void Endpoint::stop_tunnel(Tunnel &t, uint16_t result, uint16_t error, DownReason why, uint64_t now) {
    if (t.state == TunnelState::closing) return;
    forget_awaiting_reply(t);
    MessageBuilder mb = begin(t, MsgType::stopccn, 0);
    mb.avps().add_u16(AvpType::assigned_tunnel_id, t.id);
    mb.avps().add_result(result, error == 0 && result != stopccn::kGeneralError ? -1 : error);
    commit(t, mb, MsgType::stopccn);
    c_.stopccn_sent++;
    t.state = TunnelState::closing;
    t.close_deadline = now + close_hold_ns(t);
    tunnel_gone(t, why, result, error, now);
}

bool Endpoint::close_tunnel(uint16_t tunnel, uint16_t result, uint16_t error, uint64_t now) {
    auto it = tunnels_.find(tunnel);
    if (it == tunnels_.end() || it->second->state == TunnelState::closing) return false;
    Tunnel &t = *it->second;
    stop_tunnel(t, result, error, DownReason::local_request, now);
    flush(t, now);
    return true;
}

void Endpoint::shutdown(uint64_t now) {
    std::vector<uint16_t> ids;
    for (const auto &[id, t] : tunnels_) ids.push_back(id);
    for (uint16_t id : ids) close_tunnel(id, stopccn::kShuttingDown, 0, now);
}

// ---- LNS side: SCCRQ -> SCCRP -> SCCCN -----------------------------------------------

// `decode_error`: the SCCRQ did not decode (error code, §4.4.2): refused with
// StopCCN result 2 and that error.
void Endpoint::handle_sccrq(const Transport &from, const ControlHeader &h, const ControlMessage &m,
                            std::span<const uint8_t> payload, uint64_t now, uint16_t decode_error) {
    // Tie breaker (§4.4.3): we also sent an SCCRQ to this peer.  The lower value
    // wins; equal values: both sides drop theirs.
    if (!decode_error && m.has(AvpType::tie_breaker)) {
        auto [b, e] = awaiting_reply_.equal_range(from.peer_ip);
        for (auto it = b; it != e; ++it) {
            auto ot = tunnels_.find(it->second);
            if (ot == tunnels_.end() || ot->second->state != TunnelState::wait_ctl_reply) continue;
            Tunnel &o = *ot->second;
            const int cmp = std::memcmp(m.tie_breaker.data(), o.tie_breaker.data(), 8);
            if (cmp > 0) {
                c_.tie_breaker_won++;
                return;  // ours stands; theirs is discarded
            }
            c_.tie_breaker_lost++;
            tunnel_gone(o, DownReason::tie_breaker, 0, 0, now);
            destroy_tunnel(o.id, now);  // invalidates `it`
            if (cmp == 0) return;
            break;
        }
    }
    const PeerPolicy *p = match_policy(from.peer_ip, m.host_name);
    // A rejected tunnel is created too (and counted out of the limit at once) so
    // that its StopCCN is delivered reliably; ids bound how many can exist.
    Tunnel *t = new_tunnel(from, p ? *p : cfg_.default_peer, now);
    if (!t) {  // no id left at all: nothing to hold state in; the peer times out
        c_.tunnels_rejected++;
        return;
    }
    t->peer_id = m.assigned_tunnel_id;
    t->ch.set_peer_tunnel_id(t->peer_id);
    t->ch.set_peer_window(m.has(AvpType::receive_window_size) ? m.receive_window_size : 0);
    t->peer_host_name.assign(m.host_name);
    t->peer_vendor.assign(m.vendor_name);
    t->peer_firmware = m.firmware_revision;
    t->peer_framing_caps = m.framing_capabilities;
    t->peer_bearer_caps = m.bearer_capabilities;
    by_peer_[peer_key(from.peer_ip, from.peer_port, t->peer_id)] = t->id;
    t->ch.on_receive(h, payload, now);  // Ns 0: in sequence, acknowledged by our reply
    t->c.msgs_in++;
    c_.msg_in[unsigned(MsgType::sccrq)]++;
    // Rejections are StopCCNs from a tunnel in `closing`, so retransmitted SCCRQs
    // are acknowledged and the peer hears why (§4.4.2).
    uint16_t reject = 0, error = 0;
    if (decode_error) {
        reject = stopccn::kGeneralError;
        error = decode_error;
    } else if (!p) {
        reject = stopccn::kNotAuthorized;
    } else if (active_tunnels_ > cfg_.max_tunnels) {
        reject = stopccn::kGeneralError;
        error = errc::kNoResources;
    } else if (m.has(AvpType::challenge) && t->policy.secret.empty()) {
        reject = stopccn::kNotAuthorized;  // we cannot answer its challenge
    }
    if (reject) {
        c_.tunnels_rejected++;
        if (reject == stopccn::kNotAuthorized) c_.auth_failures += (p != nullptr);
        stop_tunnel(*t, reject, error,
                    decode_error ? DownReason::protocol_error : DownReason::rejected, now);
    } else {
        send_sccrp(*t, m, now);
    }
    flush(*t, now);
}

void Endpoint::send_sccrp(Tunnel &t, const ControlMessage &m, uint64_t now) {
    (void)now;
    MessageBuilder mb = begin(t, MsgType::sccrp, 0);
    AvpWriter &w = mb.avps();
    w.add_u16(AvpType::protocol_version, 0x0100);
    w.add_u32(AvpType::framing_capabilities, cfg_.framing_capabilities);
    w.add_u32(AvpType::bearer_capabilities, cfg_.bearer_capabilities);
    w.add_u16(AvpType::firmware_revision, cfg_.firmware_revision);
    w.add_str(AvpType::host_name, cfg_.host_name);
    w.add_str(AvpType::vendor_name, cfg_.vendor_name);
    w.add_u16(AvpType::assigned_tunnel_id, t.id, hide(t));
    w.add_u16(AvpType::receive_window_size, t.policy.reliable.receive_window);
    if (m.has(AvpType::challenge)) {
        const auto r = challenge_response(MsgType::sccrp, bytes(t.policy.secret), m.challenge);
        w.add(AvpType::challenge_response, r);
    }
    if (t.policy.require_authentication && !t.policy.secret.empty()) {
        random_bytes(rng_, t.challenge.data(), t.challenge.size());
        t.challenged = true;
        w.add(AvpType::challenge, t.challenge);
    }
    commit(t, mb, MsgType::sccrp);
    t.state = TunnelState::wait_ctl_conn;
}

void Endpoint::handle_scccn(Tunnel &t, const ControlMessage &m, uint64_t now) {
    if (t.state != TunnelState::wait_ctl_conn) {
        c_.unexpected_messages++;
        return stop_tunnel(t, stopccn::kFsmError, 0, DownReason::protocol_error, now);
    }
    if (t.challenged && !(m.has(AvpType::challenge_response) &&
                          response_ok(MsgType::scccn, t.policy.secret, t.challenge, m.challenge_response))) {
        c_.auth_failures++;
        return stop_tunnel(t, stopccn::kNotAuthorized, 0, DownReason::rejected, now);
    }
    t.state = TunnelState::established;
    c_.tunnels_established++;
    emit_tunnel(t, EventKind::tunnel_up, DownReason::none, 0, 0);
}

// ---- LAC side: SCCRQ out, SCCRP in, SCCCN out ----------------------------------------

uint16_t Endpoint::open_tunnel(const Transport &to, const PeerPolicy &policy, uint64_t now) {
    if (active_tunnels_ >= cfg_.max_tunnels) return 0;
    Tunnel *t = new_tunnel(to, policy, now);
    if (!t) return 0;
    t->initiator = true;
    t->state = TunnelState::wait_ctl_reply;
    awaiting_reply_.emplace(to.peer_ip, t->id);
    random_bytes(rng_, t->tie_breaker.data(), t->tie_breaker.size());
    MessageBuilder mb = begin(*t, MsgType::sccrq, 0);
    AvpWriter &w = mb.avps();
    w.add_u16(AvpType::protocol_version, 0x0100);
    w.add_str(AvpType::host_name, cfg_.host_name);
    w.add_u32(AvpType::framing_capabilities, cfg_.framing_capabilities);
    w.add_u32(AvpType::bearer_capabilities, cfg_.bearer_capabilities);
    w.add(AvpType::tie_breaker, t->tie_breaker);
    w.add_u16(AvpType::firmware_revision, cfg_.firmware_revision);
    w.add_str(AvpType::vendor_name, cfg_.vendor_name);
    w.add_u16(AvpType::assigned_tunnel_id, t->id, hide(*t));
    w.add_u16(AvpType::receive_window_size, policy.reliable.receive_window);
    if (policy.require_authentication && !policy.secret.empty()) {
        random_bytes(rng_, t->challenge.data(), t->challenge.size());
        t->challenged = true;
        w.add(AvpType::challenge, t->challenge);
    }
    commit(*t, mb, MsgType::sccrq);
    flush(*t, now);
    return t->id;
}

void Endpoint::handle_sccrp(Tunnel &t, const ControlMessage &m, uint64_t now) {
    if (t.state != TunnelState::wait_ctl_reply) {
        c_.unexpected_messages++;
        return stop_tunnel(t, stopccn::kFsmError, 0, DownReason::protocol_error, now);
    }
    forget_awaiting_reply(t);
    t.peer_id = m.assigned_tunnel_id;
    t.ch.set_peer_tunnel_id(t.peer_id);
    t.ch.set_peer_window(m.has(AvpType::receive_window_size) ? m.receive_window_size : 0);
    t.peer_host_name.assign(m.host_name);
    t.peer_vendor.assign(m.vendor_name);
    t.peer_firmware = m.firmware_revision;
    by_peer_[peer_key(t.transport.peer_ip, t.transport.peer_port, t.peer_id)] = t.id;
    if (t.challenged && !(m.has(AvpType::challenge_response) &&
                          response_ok(MsgType::sccrp, t.policy.secret, t.challenge, m.challenge_response))) {
        c_.auth_failures++;
        return stop_tunnel(t, stopccn::kNotAuthorized, 0, DownReason::rejected, now);
    }
    if (m.has(AvpType::challenge) && t.policy.secret.empty()) {
        c_.auth_failures++;
        return stop_tunnel(t, stopccn::kNotAuthorized, 0, DownReason::rejected, now);
    }
    MessageBuilder mb = begin(t, MsgType::scccn, 0);
    if (m.has(AvpType::challenge))
        mb.avps().add(AvpType::challenge_response,
                      challenge_response(MsgType::scccn, bytes(t.policy.secret), m.challenge));
    commit(t, mb, MsgType::scccn);
    t.state = TunnelState::established;
    c_.tunnels_established++;
    emit_tunnel(t, EventKind::tunnel_up, DownReason::none, 0, 0);
}

// ---- Either side ---------------------------------------------------------------------

void Endpoint::handle_stopccn(Tunnel &t, const ControlMessage &m, uint64_t now) {
    c_.stopccn_received++;
    forget_awaiting_reply(t);
    if (t.peer_id == 0 && m.has(AvpType::assigned_tunnel_id)) {
        // Our SCCRQ refused before any SCCRP: the StopCCN names the peer's tunnel,
        // where our acknowledgements must go.
        t.peer_id = m.assigned_tunnel_id;
        t.ch.set_peer_tunnel_id(t.peer_id);
    }
    t.state = TunnelState::closing;  // acknowledged by the channel; held for retransmissions
    t.close_deadline = now + close_hold_ns(t);
    tunnel_gone(t, DownReason::peer_request, m.result_code.result, m.result_code.error, now);
}

void Endpoint::handle_hello(Tunnel &t, const ControlMessage &, uint64_t) {
    (void)t;  // the channel acknowledges it; receiving it reset the HELLO timer
}

}  // namespace lns::cp::l2tp
