// Call-level handlers (RFC 2661 §6.6-§6.13, §7.4-§7.5): incoming calls (ICRQ,
// ICRP, ICCN), outgoing calls (OCRQ, OCRP, OCCN), CDN, WEN and SLI.
#include <algorithm>

#include "controlplane/l2tp/endpoint.hpp"

namespace lns::cp::l2tp {

namespace {

constexpr uint64_t kSecond = 1000000000ull;

template <class Span>
std::vector<uint8_t> vec(Span s) {
    return std::vector<uint8_t>(s.begin(), s.end());
}

// Copies what the peer told about the call from ICRQ / ICCN / OCRQ / OCCN.
void take_call_info(CallInfo &c, const ControlMessage &m) {
    if (m.has(AvpType::call_serial_number)) c.call_serial = m.call_serial_number;
    if (m.has(AvpType::bearer_type)) c.bearer_type = m.bearer_type;
    if (m.has(AvpType::framing_type)) c.framing_type = m.framing_type;
    if (m.has(AvpType::tx_connect_speed)) c.tx_connect_speed = m.tx_connect_speed;
    if (m.has(AvpType::rx_connect_speed)) c.rx_connect_speed = m.rx_connect_speed;
    if (m.has(AvpType::physical_channel_id)) c.physical_channel_id = m.physical_channel_id;
    if (m.has(AvpType::sequencing_required)) c.sequencing_required = true;
    if (m.has(AvpType::calling_number)) c.calling_number.assign(m.calling_number);
    if (m.has(AvpType::called_number)) c.called_number.assign(m.called_number);
    if (m.has(AvpType::sub_address)) c.sub_address.assign(m.sub_address.begin(), m.sub_address.end());
    if (m.has(AvpType::private_group_id))
        c.private_group_id.assign(m.private_group_id.begin(), m.private_group_id.end());
    if (m.has(AvpType::initial_received_lcp_confreq))
        c.initial_received_lcp_confreq = vec(m.initial_received_lcp_confreq);
    if (m.has(AvpType::last_sent_lcp_confreq)) c.last_sent_lcp_confreq = vec(m.last_sent_lcp_confreq);
    if (m.has(AvpType::last_received_lcp_confreq))
        c.last_received_lcp_confreq = vec(m.last_received_lcp_confreq);
    if (m.has(AvpType::proxy_authen_type)) {
        c.has_proxy_auth = true;
        c.proxy_authen_type = m.proxy_authen_type;
        c.proxy_authen_name.assign(m.proxy_authen_name);
        c.proxy_authen_challenge = vec(m.proxy_authen_challenge);
        c.proxy_authen_response = vec(m.proxy_authen_response);
        c.proxy_authen_id = uint8_t(m.proxy_authen_id);
    }
}

// Whether the owner knows the call: it heard session_up, or it asked for the call
// (open_session: wait_reply; place_call: outgoing, until OCCN).  Calls the peer
// started that never came up (ICRP sent, no ICCN) were never reported, unless
// announced (session_accepted).
bool owner_knows(const Session &s) {
    return s.state == SessionState::established || s.state == SessionState::wait_reply ||
           s.outgoing || s.announced;
}

}  // namespace

Session *Endpoint::find_session(Tunnel &t, uint16_t id) {
    auto it = t.sessions.find(id);
    return it == t.sessions.end() ? nullptr : &it->second;
}

uint16_t Endpoint::session_limit(const Tunnel &t) const {
    const uint32_t per = t.policy.max_sessions ? t.policy.max_sessions : cfg_.max_sessions_per_tunnel;
    return uint16_t(std::min<uint32_t>(per, 65535));
}

// A new call in `t`, or nullptr when a limit or the id space says no.
Session *Endpoint::new_session(Tunnel &t, uint16_t peer_id, uint64_t now) {
    if (t.state != TunnelState::established || t.sessions.size() >= session_limit(t) ||
        sessions_total_ >= cfg_.max_sessions)
        return nullptr;
    const uint16_t id = t.session_ids.allocate(rng_, now);
    if (id == 0) return nullptr;
    Session &s = t.sessions[id];
    s.id = id;
    s.peer_id = peer_id;
    s.setup_deadline = now + uint64_t(cfg_.call_setup_timeout_s) * kSecond;
    t.setup_fifo.emplace_back(s.setup_deadline, id);
    sessions_total_++;
    t.c.sessions_opened++;
    return &s;
}

void Endpoint::session_established(Tunnel &t, Session &s) {
    s.state = SessionState::established;
    if (t.policy.force_sequencing) s.call.sequencing_required = true;
    c_.sessions_established++;
    Event ev;
    ev.kind = EventKind::session_up;
    ev.tunnel_id = t.id;
    ev.session_id = s.id;
    ev.peer_tunnel_id = t.peer_id;
    ev.peer_session_id = s.peer_id;
    ev.transport = t.transport;
    ev.call = &s.call;
    ev.lns_initiated = s.outgoing;
    on_event_(ev);
}

void Endpoint::send_cdn(Tunnel &t, uint16_t our_sid, uint16_t peer_sid, uint16_t result,
                        uint16_t error, uint16_t cause, uint16_t cause_protocol,
                        uint8_t cause_direction) {
    MessageBuilder mb = begin(t, MsgType::cdn, peer_sid);
    AvpWriter &w = mb.avps();
    w.add_result(result, result == cdn::kGeneralError || error ? int(error) : -1);
    w.add_u16(AvpType::assigned_session_id, our_sid);
    if (cause) {  // RFC 3145 §2: code, control protocol, direction (0 global, 1 peer, 2 local)
        const uint8_t v[5] = {uint8_t(cause >> 8), uint8_t(cause), uint8_t(cause_protocol >> 8),
                              uint8_t(cause_protocol), cause_direction};
        w.add(AvpType::ppp_disconnect_cause, v);
    }
    commit(t, mb, MsgType::cdn);
    c_.cdn_sent++;
}

void Endpoint::end_session(Tunnel &t, uint16_t sid, DownReason why, uint16_t result, uint16_t error,
                           uint64_t now) {
    auto it = t.sessions.find(sid);
    if (it == t.sessions.end()) return;
    Session &s = it->second;
    if (owner_knows(s)) {  // also a call it asked for that failed (CDN, timeout, tunnel)
        Event ev;
        ev.kind = EventKind::session_down;
        ev.tunnel_id = t.id;
        ev.session_id = sid;
        ev.peer_tunnel_id = t.peer_id;
        ev.peer_session_id = s.peer_id;
        ev.transport = t.transport;
        ev.reason = why;
        ev.result = result;
        ev.error = error;
        ev.call = &s.call;
        ev.lns_initiated = s.outgoing;
        on_event_(ev);
    }
    c_.sessions_closed++;
    t.c.sessions_closed++;
    sessions_total_--;
    t.session_ids.release(sid, now);
    t.sessions.erase(it);
}

void Endpoint::end_all_sessions(Tunnel &t, DownReason why, uint64_t now) {
    std::vector<uint16_t> ids;
    ids.reserve(t.sessions.size());
    for (const auto &[id, s] : t.sessions) ids.push_back(id);
    for (uint16_t id : ids) end_session(t, id, why, 0, 0, now);
    t.setup_fifo.clear();
}

// Calls not connected within call_setup_timeout_s: CDN result 10 (§4.4.2).
void Endpoint::run_setup_timeouts(Tunnel &t, uint64_t now) {
    while (!t.setup_fifo.empty() && t.setup_fifo.front().first <= now) {
        const auto [deadline, sid] = t.setup_fifo.front();
        t.setup_fifo.pop_front();
        Session *s = find_session(t, sid);
        if (!s || s->state == SessionState::established || s->setup_deadline != deadline) continue;
        c_.setup_timeouts++;
        send_cdn(t, sid, s->peer_id, cdn::kTimeout, 0);
        end_session(t, sid, DownReason::setup_timeout, cdn::kTimeout, 0, now);
    }
}

bool Endpoint::close_session(uint16_t tunnel, uint16_t session, uint16_t result, uint16_t error,
                             uint64_t now, uint16_t cause, uint16_t cause_protocol,
                             uint8_t cause_direction) {
    auto it = tunnels_.find(tunnel);
    if (it == tunnels_.end()) return false;
    Tunnel &t = *it->second;
    Session *s = find_session(t, session);
    if (!s) return false;
    send_cdn(t, session, s->peer_id, result, error, cause, cause_protocol, cause_direction);
    end_session(t, session, DownReason::local_request, result, error, now);
    flush(t, now);
    return true;
}

// ---- Incoming calls: ICRQ -> ICRP -> ICCN (LNS side) -------------------------------------

void Endpoint::handle_icrq(Tunnel &t, const ControlMessage &m, uint64_t now) {
    if (t.state != TunnelState::established) {
        c_.unexpected_messages++;
        return stop_tunnel(t, stopccn::kFsmError, 0, DownReason::protocol_error, now);
    }
    Session *s = new_session(t, m.assigned_session_id, now);
    if (!s) {
        c_.sessions_rejected++;
        return send_cdn(t, 0, m.assigned_session_id, cdn::kTempNoFacilities, 0);
    }
    s->state = SessionState::wait_connect;
    take_call_info(s->call, m);
    MessageBuilder mb = begin(t, MsgType::icrp, s->peer_id);
    mb.avps().add_u16(AvpType::assigned_session_id, s->id, hide(t));
    commit(t, mb, MsgType::icrp);
    if (cfg_.announce_accepted_calls) {
        s->announced = true;
        Event ev;
        ev.kind = EventKind::session_accepted;
        ev.tunnel_id = t.id;
        ev.session_id = s->id;
        ev.peer_tunnel_id = t.peer_id;
        ev.peer_session_id = s->peer_id;
        ev.transport = t.transport;
        ev.call = &s->call;
        on_event_(ev);
    }
}

void Endpoint::handle_iccn(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now) {
    Session *s = find_session(t, h.session_id);
    if (!s) {
        t.c.unknown_session++;
        return;
    }
    if (s->outgoing || s->state != SessionState::wait_connect) {
        c_.unexpected_messages++;
        send_cdn(t, s->id, s->peer_id, cdn::kGeneralError, errc::kNone);
        return end_session(t, s->id, DownReason::protocol_error, cdn::kGeneralError, 0, now);
    }
    take_call_info(s->call, m);
    session_established(t, *s);
}

// ---- Incoming calls: ICRQ out, ICRP in, ICCN out (LAC side) -------------------------------

// A call our owner starts (ICRQ or OCRQ): the session in wait_reply, or nullptr
// when the tunnel is unknown, not established or full.
Session *Endpoint::start_call(uint16_t tunnel, const CallInfo &call, bool outgoing, uint64_t now,
                              Tunnel **tp) {
    auto it = tunnels_.find(tunnel);
    if (it == tunnels_.end()) return nullptr;
    Tunnel &t = *it->second;
    Session *s = new_session(t, 0, now);
    if (!s) return nullptr;
    s->call = call;
    s->call.call_serial = call.call_serial ? call.call_serial : t.next_call_serial++;
    s->outgoing = outgoing;
    s->state = SessionState::wait_reply;
    *tp = &t;
    return s;
}

uint16_t Endpoint::open_session(uint16_t tunnel, const CallInfo &call, uint64_t now) {
    Tunnel *tp = nullptr;
    Session *s = start_call(tunnel, call, false, now, &tp);
    if (!s) return 0;
    Tunnel &t = *tp;
    MessageBuilder mb = begin(t, MsgType::icrq, 0);
    AvpWriter &w = mb.avps();
    w.add_u16(AvpType::assigned_session_id, s->id, hide(t));
    w.add_u32(AvpType::call_serial_number, s->call.call_serial);
    w.add_u32(AvpType::bearer_type, call.bearer_type);
    if (!call.calling_number.empty()) w.add_str(AvpType::calling_number, call.calling_number, hide(t));
    if (!call.called_number.empty()) w.add_str(AvpType::called_number, call.called_number, hide(t));
    if (call.physical_channel_id) w.add_u32(AvpType::physical_channel_id, call.physical_channel_id);
    commit(t, mb, MsgType::icrq);
    const uint16_t id = s->id;
    flush(t, now);
    return id;
}

void Endpoint::handle_icrp(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now) {
    Session *s = find_session(t, h.session_id);
    if (!s) {
        t.c.unknown_session++;
        return;
    }
    if (s->outgoing || s->state != SessionState::wait_reply) {
        c_.unexpected_messages++;
        return;
    }
    (void)now;
    s->peer_id = m.assigned_session_id;
    const CallInfo &c = s->call;
    MessageBuilder mb = begin(t, MsgType::iccn, s->peer_id);
    AvpWriter &w = mb.avps();
    w.add_u32(AvpType::tx_connect_speed, c.tx_connect_speed ? c.tx_connect_speed : 100000000);
    w.add_u32(AvpType::framing_type, c.framing_type ? c.framing_type : 1);
    if (c.rx_connect_speed) w.add_u32(AvpType::rx_connect_speed, c.rx_connect_speed);
    if (c.sequencing_required) w.add(AvpType::sequencing_required, std::span<const uint8_t>{});
    if (!c.initial_received_lcp_confreq.empty())
        w.add(AvpType::initial_received_lcp_confreq, c.initial_received_lcp_confreq);
    if (!c.last_sent_lcp_confreq.empty()) w.add(AvpType::last_sent_lcp_confreq, c.last_sent_lcp_confreq);
    if (!c.last_received_lcp_confreq.empty())
        w.add(AvpType::last_received_lcp_confreq, c.last_received_lcp_confreq);
    if (c.has_proxy_auth) {
        w.add_u16(AvpType::proxy_authen_type, c.proxy_authen_type);
        if (!c.proxy_authen_name.empty())
            w.add_str(AvpType::proxy_authen_name, c.proxy_authen_name, hide(t));
        if (!c.proxy_authen_challenge.empty())
            w.add(AvpType::proxy_authen_challenge, c.proxy_authen_challenge);
        w.add_u16(AvpType::proxy_authen_id, c.proxy_authen_id);
        if (!c.proxy_authen_response.empty())
            w.add(AvpType::proxy_authen_response, c.proxy_authen_response, hide(t));
    }
    commit(t, mb, MsgType::iccn);
    session_established(t, *s);
}

// ---- Outgoing calls: OCRQ -> OCRP -> OCCN -------------------------------------------------

uint16_t Endpoint::place_call(uint16_t tunnel, const CallInfo &call, uint64_t now) {
    Tunnel *tp = nullptr;
    Session *s = start_call(tunnel, call, true, now, &tp);
    if (!s) return 0;
    Tunnel &t = *tp;
    MessageBuilder mb = begin(t, MsgType::ocrq, 0);
    AvpWriter &w = mb.avps();
    w.add_u16(AvpType::assigned_session_id, s->id, hide(t));
    w.add_u32(AvpType::call_serial_number, s->call.call_serial);
    w.add_u32(AvpType::minimum_bps, 0);
    w.add_u32(AvpType::maximum_bps, 1000000000);
    w.add_u32(AvpType::bearer_type, call.bearer_type ? call.bearer_type : 3);
    w.add_u32(AvpType::framing_type, call.framing_type ? call.framing_type : 3);
    w.add_str(AvpType::called_number, call.called_number, hide(t));
    commit(t, mb, MsgType::ocrq);
    const uint16_t id = s->id;
    flush(t, now);
    return id;
}

void Endpoint::handle_ocrq(Tunnel &t, const ControlMessage &m, uint64_t now) {
    if (t.state != TunnelState::established) {
        c_.unexpected_messages++;
        return stop_tunnel(t, stopccn::kFsmError, 0, DownReason::protocol_error, now);
    }
    Session *s = cfg_.accept_outgoing_calls ? new_session(t, m.assigned_session_id, now) : nullptr;
    if (!s) {
        c_.sessions_rejected++;
        return send_cdn(t, 0, m.assigned_session_id,
                        cfg_.accept_outgoing_calls ? cdn::kTempNoFacilities : cdn::kPermNoFacilities, 0);
    }
    s->outgoing = true;
    take_call_info(s->call, m);
    MessageBuilder mb = begin(t, MsgType::ocrp, s->peer_id);
    mb.avps().add_u16(AvpType::assigned_session_id, s->id, hide(t));
    commit(t, mb, MsgType::ocrp);
    // The emulated call connects at once.
    MessageBuilder cn = begin(t, MsgType::occn, s->peer_id);
    cn.avps().add_u32(AvpType::tx_connect_speed, 100000000);
    cn.avps().add_u32(AvpType::framing_type, 1);
    commit(t, cn, MsgType::occn);
    session_established(t, *s);
}

void Endpoint::handle_ocrp(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now) {
    Session *s = find_session(t, h.session_id);
    if (!s) {
        t.c.unknown_session++;
        return;
    }
    if (!s->outgoing || s->state != SessionState::wait_reply) {
        c_.unexpected_messages++;
        send_cdn(t, s->id, s->peer_id, cdn::kGeneralError, errc::kNone);
        return end_session(t, s->id, DownReason::protocol_error, cdn::kGeneralError, 0, now);
    }
    s->peer_id = m.assigned_session_id;
    s->state = SessionState::wait_connect;
}

void Endpoint::handle_occn(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now) {
    Session *s = find_session(t, h.session_id);
    if (!s) {
        t.c.unknown_session++;
        return;
    }
    if (!s->outgoing || s->state != SessionState::wait_connect) {
        c_.unexpected_messages++;
        send_cdn(t, s->id, s->peer_id, cdn::kGeneralError, errc::kNone);
        return end_session(t, s->id, DownReason::protocol_error, cdn::kGeneralError, 0, now);
    }
    take_call_info(s->call, m);
    session_established(t, *s);
}

// ---- Clearing and link status ----------------------------------------------------------

void Endpoint::handle_cdn(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now) {
    c_.cdn_received++;
    uint16_t sid = h.session_id;
    if (sid == 0 || !find_session(t, sid)) {
        // Sent before the peer learned our id: find the call by the peer's id.
        sid = 0;
        for (const auto &[id, s] : t.sessions)
            if (s.peer_id == m.assigned_session_id && s.peer_id != 0) sid = id;
    }
    if (sid == 0) {
        t.c.unknown_session++;
        return;
    }
    end_session(t, sid, DownReason::peer_request, m.result_code.result, m.result_code.error, now);
}

void Endpoint::handle_wen(Tunnel &t, const ControlMessage &) {
    t.c.wen_received++;
    c_.wen_received++;
}

void Endpoint::handle_sli(Tunnel &t, const ControlMessage &) {
    t.c.sli_received++;
    c_.sli_received++;
}

}  // namespace lns::cp::l2tp
