// PppClient: the subscriber side of PPP.  See client.hpp.
#include "controlplane/ppp/client.hpp"

#include <algorithm>

namespace lns::cp::ppp {

const char *client_failure_name(ClientFailure f) {
    switch (f) {
        case ClientFailure::none: return "none";
        case ClientFailure::lcp_timeout: return "lcp_timeout";
        case ClientFailure::lcp_failed: return "lcp_failed";
        case ClientFailure::auth_rejected: return "auth_rejected";
        case ClientFailure::auth_timeout: return "auth_timeout";
        case ClientFailure::auth_bad_server: return "auth_bad_server";
        case ClientFailure::no_address: return "no_address";
        case ClientFailure::ipcp_failed: return "ipcp_failed";
        case ClientFailure::ipv6cp_failed: return "ipv6cp_failed";
        case ClientFailure::peer_terminated: return "peer_terminated";
        case ClientFailure::peer_dead: return "peer_dead";
        case ClientFailure::looped_back: return "looped_back";
        case ClientFailure::lower_down: return "lower_down";
        case ClientFailure::local_close: return "local_close";
    }
    return "?";
}

const char *client_phase_name(ClientPhase p) {
    switch (p) {
        case ClientPhase::initial: return "initial";
        case ClientPhase::establish: return "establish";
        case ClientPhase::authenticate: return "authenticate";
        case ClientPhase::network: return "network";
        case ClientPhase::up: return "up";
        case ClientPhase::terminate: return "terminate";
        case ClientPhase::finished: return "finished";
    }
    return "?";
}

const char *client_step_name(ClientStep s) {
    switch (s) {
        case ClientStep::lcp_up: return "lcp_up";
        case ClientStep::auth_ok: return "auth_ok";
        case ClientStep::ipcp_up: return "ipcp_up";
        case ClientStep::ipv6cp_up: return "ipv6cp_up";
        case ClientStep::ipv6cp_refused: return "ipv6cp_refused";
    }
    return "?";
}

namespace {

// Why LCP finished, as the client's failure (unless one is already pending).
ClientFailure from_lcp(Reason r) {
    switch (r) {
        case Reason::max_configure: return ClientFailure::lcp_timeout;
        case Reason::option_refused:
        case Reason::code_rejected:
        case Reason::protocol_rejected: return ClientFailure::lcp_failed;
        case Reason::peer_terminate: return ClientFailure::peer_terminated;
        case Reason::peer_dead: return ClientFailure::peer_dead;
        case Reason::looped_back: return ClientFailure::looped_back;
        case Reason::lower_down: return ClientFailure::lower_down;
        default: return ClientFailure::local_close;
    }
}

// Times are stored with 0 meaning "not reached": a step at time 0 reads as 1 ns.
uint64_t stamp(uint64_t now) { return now != 0 ? now : 1; }

}  // namespace

ClientShared::ClientShared() {
    lcp.config = LcpConfig::client();
    ipcp.config = IpcpConfig::client();
}

PppClient::PppClient(ClientShared &shared, ClientHost &host, uint32_t cookie)
    : sh_(shared), host_(host), cookie_(cookie), lcp_(shared.lcp, *this, *this),
      ipcp_(shared.ipcp, *this, *this), ipv6cp_(shared.ipv6cp, *this, *this) {}

AuthContext PppClient::auth_ctx() {
    AuthContext c;
    c.config = &sh_.auth;
    c.random = &sh_.auth_rng();
    c.counters = &sh_.auth_counters;
    c.out = this;
    c.listener = this;
    return c;
}

void PppClient::send(uint16_t protocol, std::span<const uint8_t> packet) {
    host_.ppp_send(*this, protocol, packet);
}

void PppClient::start(uint64_t now) {
    if (phase_ != ClientPhase::initial) return;
    now_ = now;
    times_.start = stamp(now);
    phase_ = ClientPhase::establish;
    sh_.counters.started++;
    lcp_.open(now);
    lcp_.up(now);  // Initial -> Req-Sent: our Configure-Request at once
}

// ---- Notices -------------------------------------------------------------------------

void PppClient::on_notice(const Notice &n) {
    if (phase_ == ClientPhase::finished) return;
    if (n.protocol == kProtoLcp) return lcp_notice(n);
    ncp_notice(n);
}

void PppClient::lcp_notice(const Notice &n) {
    switch (n.kind) {
        case NoticeKind::up: return lcp_up();
        case NoticeKind::down:
            if (auto *p = std::get_if<PapPeer>(&auth_)) p->close();
            if (auto *c = std::get_if<ChapPeer>(&auth_)) c->close();
            if (network_started_) {
                ipcp_.down(now_);
                ipv6cp_.down(now_);
            }
            if (phase_ != ClientPhase::terminate) phase_ = ClientPhase::establish;
            return;
        case NoticeKind::finished:
            return finish(pending_ != ClientFailure::none ? pending_ : from_lcp(n.reason));
        case NoticeKind::protocol_rejected:
            if (n.arg == kProtoIpcp) ipcp_.protocol_rejected(now_);
            if (n.arg == kProtoIpv6cp) ipv6cp_.protocol_rejected(now_);
            return;
        case NoticeKind::looped_back:
            if (pending_ == ClientFailure::none) pending_ = ClientFailure::looped_back;
            return;
        case NoticeKind::peer_dead:
            if (pending_ == ClientFailure::none) pending_ = ClientFailure::peer_dead;
            return;
        case NoticeKind::started: return;
    }
}

void PppClient::lcp_up() {
    const LcpResult r = lcp_.result();
    ipcp_.set_peer_mru(r.peer_mru);
    ipv6cp_.set_peer_mru(r.peer_mru);
    if (times_.lcp_up == 0) {
        times_.lcp_up = stamp(now_);
        sh_.counters.lcp_up++;
        host_.ppp_step(*this, ClientStep::lcp_up, now_);
    }
    if (authenticated_) {  // LCP renegotiated (RFC 1661 §3.7): back to the network phase
        phase_ = ClientPhase::network;
        if (sh_.config.ipv4) ipcp_.up(now_);
        if (sh_.config.ipv6) ipv6cp_.up(now_);
        return;
    }
    if (!r.auth_peer_requires) return auth_done();
    phase_ = ClientPhase::authenticate;
    const AuthProtocol p = *r.auth_peer_requires;
    const Credentials cr = host_.ppp_credentials(*this);
    if (p == AuthProtocol::pap) {
        auth_.emplace<PapPeer>(auth_ctx()).start(cr.user, cr.password, now_);
    } else {
        auth_.emplace<ChapPeer>(auth_ctx(), p).start(cr.user, cr.password, now_);
    }
}

void PppClient::on_auth_event(const AuthEvent &e) {
    if (phase_ == ClientPhase::finished || e.authenticator) return;
    if (e.kind == AuthEventKind::success) {
        if (!authenticated_) auth_done();
        return;
    }
    if (e.kind != AuthEventKind::failure) return;
    switch (e.reason) {
        case AuthFailure::timeout: return fail(ClientFailure::auth_timeout);
        case AuthFailure::bad_authenticator_response: return fail(ClientFailure::auth_bad_server);
        default: return fail(ClientFailure::auth_rejected);
    }
}

void PppClient::auth_done() {
    authenticated_ = true;
    times_.auth_ok = stamp(now_);
    sh_.counters.authenticated++;
    host_.ppp_step(*this, ClientStep::auth_ok, now_);
    if (phase_ == ClientPhase::finished) return;
    phase_ = ClientPhase::network;
    network_started_ = true;
    if (!sh_.config.ipv4) ipcp_done_ = true;
    if (!sh_.config.ipv6) ipv6cp_done_ = true;
    if (sh_.config.ipv4) {
        ipcp_.open(now_);
        ipcp_.up(now_);
    }
    if (sh_.config.ipv6) {
        ipv6cp_.open(now_);
        ipv6cp_.up(now_);
    }
    check_up();
}

void PppClient::ncp_notice(const Notice &n) {
    const bool v4 = n.protocol == kProtoIpcp;
    if (n.kind == NoticeKind::up) {
        (v4 ? ipcp_done_ : ipv6cp_done_) = true;
        uint64_t &t = v4 ? times_.ipcp_up : times_.ipv6cp_up;
        if (t == 0) {
            t = stamp(now_);
            (v4 ? sh_.counters.ipcp_up : sh_.counters.ipv6cp_up)++;
            host_.ppp_step(*this, v4 ? ClientStep::ipcp_up : ClientStep::ipv6cp_up, now_);
        }
        return check_up();
    }
    if (n.kind != NoticeKind::finished || !lcp_.opened()) return;
    // The NCP gave up (no address, Max-Configure, Protocol-Reject by the LNS).
    if (v4) return fail(n.reason == Reason::no_address ? ClientFailure::no_address
                                                        : ClientFailure::ipcp_failed);
    if (sh_.config.ipv6_required) return fail(ClientFailure::ipv6cp_failed);
    if (!ipv6cp_done_) {
        ipv6cp_done_ = true;
        host_.ppp_step(*this, ClientStep::ipv6cp_refused, now_);
        check_up();
    }
}

void PppClient::check_up() {
    if (phase_ != ClientPhase::network || !ipcp_done_ || !ipv6cp_done_) return;
    if (sh_.config.ipv4 && !ipcp_.opened()) return;
    phase_ = ClientPhase::up;
    if (times_.up != 0) return;  // back up after an LCP renegotiation: reported once
    times_.up = stamp(now_);
    sh_.counters.up++;
    host_.ppp_up(*this, now_);
}

// ---- Input ---------------------------------------------------------------------------

void PppClient::receive_frame(std::span<const uint8_t> frame, uint64_t now) {
    Frame f;
    if (parse_frame(frame, &f) != PppError::ok) {
        sh_.counters.bad_frames++;
        return;
    }
    receive(f.protocol, f.payload, now);
}

void PppClient::receive(uint16_t protocol, std::span<const uint8_t> info, uint64_t now) {
    now_ = now;
    if (phase_ == ClientPhase::finished) return;
    sh_.counters.frames_in++;
    switch (protocol) {
        case kProtoLcp: return lcp_.receive(info, now);
        case kProtoPap:
        case kProtoChap: return receive_auth(protocol, info);
        case kProtoIpcp:
        case kProtoIpv6cp: {
            const bool v4 = protocol == kProtoIpcp;
            if (!(v4 ? sh_.config.ipv4 : sh_.config.ipv6)) break;  // not run: Protocol-Reject
            if (!network_started_) {
                sh_.counters.frames_before_phase++;  // RFC 1661 §3.5: discarded
                return;
            }
            return v4 ? ipcp_.receive(info, now) : ipv6cp_.receive(info, now);
        }
        case kProtoIpv4:
        case kProtoIpv6:
            if (protocol == kProtoIpv4 ? ipcp_.opened() : ipv6cp_.opened()) {
                lcp_.peer_alive();
                sh_.counters.ip_in++;
                host_.ppp_ip(*this, protocol, info, now);
            } else {
                sh_.counters.frames_before_phase++;
            }
            return;
        default: break;
    }
    if (lcp_.send_protocol_reject(protocol, info, now)) sh_.counters.protocol_rejects_sent++;
}

void PppClient::receive_auth(uint16_t protocol, std::span<const uint8_t> info) {
    if (protocol == kProtoPap) {
        if (auto *p = std::get_if<PapPeer>(&auth_)) return p->on_packet(info, now_);
    } else if (auto *c = std::get_if<ChapPeer>(&auth_)) {
        return c->on_packet(info, now_);
    }
    sh_.counters.frames_before_phase++;
}

// ---- Ending --------------------------------------------------------------------------

// Something fatal on our side: remember why, and terminate the link politely.
void PppClient::fail(ClientFailure why) {
    if (phase_ == ClientPhase::finished) return;
    if (pending_ == ClientFailure::none) pending_ = why;
    phase_ = ClientPhase::terminate;
    lcp_.close(now_, Reason::local_close);
    // From a state without a Terminate exchange LCP reports no finished: end here.
    const State s = lcp_.state();
    if (s != State::Closing && s != State::Stopping && phase_ != ClientPhase::finished)
        finish(pending_);
}

void PppClient::close(uint64_t now) {
    now_ = now;
    fail(ClientFailure::local_close);
}

void PppClient::lower_down(uint64_t now) {
    now_ = now;
    if (phase_ == ClientPhase::finished) return;
    if (pending_ == ClientFailure::none) pending_ = ClientFailure::lower_down;
    const ClientPhase at = phase_;  // LCP's down notice moves it back to establish
    lcp_.down(now);
    if (phase_ == ClientPhase::finished) return;
    phase_ = at;
    finish(pending_);
}

void PppClient::finish(ClientFailure why) {
    if (phase_ == ClientPhase::finished) return;
    end_phase_ = phase_;
    phase_ = ClientPhase::finished;
    failure_ = why;
    times_.end = stamp(now_);
    if (auto *p = std::get_if<PapPeer>(&auth_)) p->close();
    if (auto *c = std::get_if<ChapPeer>(&auth_)) c->close();
    sh_.counters.finished++;
    sh_.counters.finished_by[size_t(why)]++;
    host_.ppp_finished(*this, why, now_);
}

// ---- Timers and results --------------------------------------------------------------

uint64_t PppClient::next_deadline() const {
    if (phase_ == ClientPhase::finished) return UINT64_MAX;
    uint64_t d = std::min({lcp_.next_deadline(), ipcp_.next_deadline(), ipv6cp_.next_deadline()});
    if (auto *p = std::get_if<PapPeer>(&auth_)) d = std::min(d, p->next_deadline());
    if (auto *c = std::get_if<ChapPeer>(&auth_)) d = std::min(d, c->next_deadline());
    return d;
}

void PppClient::on_timer(uint64_t now) {
    now_ = now;
    if (phase_ == ClientPhase::finished) return;
    if (lcp_.next_deadline() <= now) lcp_.on_timer(now);
    if (phase_ != ClientPhase::finished && ipcp_.next_deadline() <= now) ipcp_.on_timer(now);
    if (phase_ != ClientPhase::finished && ipv6cp_.next_deadline() <= now) ipv6cp_.on_timer(now);
    if (phase_ == ClientPhase::finished) return;
    if (auto *p = std::get_if<PapPeer>(&auth_); p && p->next_deadline() <= now) p->on_timer(now);
    if (auto *c = std::get_if<ChapPeer>(&auth_); c && c->next_deadline() <= now) c->on_timer(now);
}

ClientResult PppClient::result() const {
    ClientResult r;
    const LcpResult l = lcp_.result();
    r.auth = l.auth_peer_requires;
    r.peer_mru = l.peer_mru;
    r.ipv4 = ipcp_.opened();
    if (r.ipv4) {
        const IpcpResult i = ipcp_.result();
        r.address = i.local_address;
        r.peer_address = i.peer_address;
        r.dns[0] = i.dns[0];
        r.dns[1] = i.dns[1];
    }
    r.ipv6 = ipv6cp_.opened();
    if (r.ipv6) {
        const Ipv6cpResult v = ipv6cp_.result();
        r.interface_id = v.local_id;
        r.peer_interface_id = v.peer_id;
    }
    return r;
}

}  // namespace lns::cp::ppp
