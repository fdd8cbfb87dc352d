#include "controlplane/ppp/session.hpp"

#include <algorithm>

namespace lns::cp::ppp {

const char *end_reason_name(EndReason r) {
    switch (r) {
        case EndReason::none: return "none";
        case EndReason::lcp_failed: return "lcp_failed";
        case EndReason::peer_terminated: return "peer_terminated";
        case EndReason::peer_dead: return "peer_dead";
        case EndReason::looped_back: return "looped_back";
        case EndReason::auth_failed: return "auth_failed";
        case EndReason::auth_timeout: return "auth_timeout";
        case EndReason::ncp_failed: return "ncp_failed";
        case EndReason::admin: return "admin";
    }
    return "?";
}

namespace {

// Why LCP finished, as the session's end reason.
EndReason from_lcp(Reason r, EndReason pending) {
    switch (r) {
        case Reason::peer_terminate: return EndReason::peer_terminated;
        case Reason::peer_dead: return EndReason::peer_dead;
        case Reason::looped_back: return EndReason::looped_back;
        case Reason::max_configure:
        case Reason::option_refused:
        case Reason::code_rejected:
        case Reason::protocol_rejected: return EndReason::lcp_failed;
        default: break;
    }
    return pending != EndReason::none ? pending : EndReason::admin;
}

}  // namespace

PppSession::PppSession(PppShared &shared, SessionHost &host, uint64_t cookie)
    : sh_(shared), host_(host), cookie_(cookie), lcp_(shared.lcp, *this, *this),
      ipcp_(shared.ipcp, *this, *this), ipv6cp_(shared.ipv6cp, *this, *this),
      ra_(shared.ra_interval_ns) {}

PppSession::~PppSession() = default;

AuthContext PppSession::auth_ctx() {
    AuthContext c;
    c.config = &sh_.auth;
    c.random = sh_.auth_random;
    c.counters = &sh_.auth_counters;
    c.out = this;
    c.listener = this;
    return c;
}

void PppSession::send(uint16_t protocol, std::span<const uint8_t> packet) {
    host_.ppp_send(*this, protocol, packet);
}

void PppSession::start(uint64_t now, const ProxyInfo *proxy) {
    now_ = now;
    sh_.counters.started++;
    if (proxy && proxy->has_auth && sh_.accept_proxy_auth) proxy_ = std::make_unique<ProxyInfo>(*proxy);
    lcp_.open(now);
    if (proxy && proxy->has_lcp && sh_.accept_proxy_lcp) {
        if (lcp_.start_opened(proxy->lcp, now)) {
            sh_.counters.proxy_lcp_used++;
            return;
        }
        sh_.counters.proxy_lcp_refused++;
    }
    lcp_.up(now);
}

void PppSession::on_notice(const Notice &n) {
    if (n.protocol == kProtoLcp) {
        switch (n.kind) {
            case NoticeKind::up: lcp_up(now_); break;
            case NoticeKind::down:
                if (auto *p = std::get_if<PapAuthenticator>(&auth_)) p->close();
                if (auto *c = std::get_if<ChapAuthenticator>(&auth_)) c->close();
                if (network_started_) ipcp_.down(now_);
                if (ipv6_started_) ipv6cp_.down(now_);
                ra_.stop();
                break;
            case NoticeKind::finished: finish(from_lcp(n.reason, ending_)); break;
            case NoticeKind::protocol_rejected:
                if (n.arg == kProtoIpcp) ipcp_.protocol_rejected(now_);
                if (n.arg == kProtoIpv6cp && ipv6_started_) ipv6cp_.protocol_rejected(now_);
                break;
            case NoticeKind::looped_back: ending_ = EndReason::looped_back; break;
            case NoticeKind::peer_dead: ending_ = EndReason::peer_dead; break;
            case NoticeKind::started: break;
        }
        return;
    }
    if (n.protocol == kProtoIpv6cp) {
        // IPv6 is optional for a subscriber: its failure leaves IPv4 running.
        if (n.kind == NoticeKind::up) {
            sh_.counters.network_up++;
            ra_.start(now_);
            if (ra_.due(now_)) {  // the first RA at once
                send_ra(kAllNodes);
                ra_.sent(now_);
            }
            host_.ppp_network_up(*this, kProtoIpv6cp);
        } else if (n.kind == NoticeKind::down) {
            ra_.stop();
        }
        return;
    }
    if (n.protocol == kProtoIpcp) {
        if (n.kind == NoticeKind::up) {
            sh_.counters.network_up++;
            host_.ppp_network_up(*this, kProtoIpcp);
        } else if (n.kind == NoticeKind::finished && !finished_ && lcp_.opened()) {
            close(now_, EndReason::ncp_failed);  // IPv4 is the one NCP a session must have
        }
    }
}

void PppSession::lcp_up(uint64_t now) {
    ipcp_.set_peer_mru(lcp_.result().peer_mru);
    ipv6cp_.set_peer_mru(lcp_.result().peer_mru);
    if (authenticated_) {  // LCP renegotiated (RFC 1661 §3.7): back to the network phase
        if (network_started_) ipcp_.up(now);
        if (ipv6_started_) ipv6cp_.up(now);
        return;
    }
    if (proxy_) return verify_proxy(now);
    start_auth(now);
}

void PppSession::start_auth(uint64_t now) {
    const std::optional<AuthProtocol> want = lcp_.result().auth_we_require;
    if (!want) return auth_done("", now);
    const AuthProtocol p = *want;
    if (p == AuthProtocol::pap) {
        auth_.emplace<PapAuthenticator>(auth_ctx()).start(now);
    } else {
        auth_.emplace<ChapAuthenticator>(auth_ctx(), p).start(now);
    }
}

// The LAC already authenticated the subscriber (proxy authentication): check the
// same credentials once, without challenging again.
void PppSession::verify_proxy(uint64_t now) {
    (void)now;
    sh_.counters.proxy_auth_used++;
    VerifyRequest req;
    proxy_ticket_ = uint32_t(sh_.auth_random->next()) | 1u;
    req.ticket = proxy_ticket_;
    req.protocol = proxy_->auth_protocol;
    req.id = proxy_->chap_id;
    req.user = proxy_->user;
    req.password = proxy_->password;
    req.challenge = {reinterpret_cast<const uint8_t *>(proxy_->challenge.data()), proxy_->challenge.size()};
    req.response = {reinterpret_cast<const uint8_t *>(proxy_->response.data()), proxy_->response.size()};
    host_.ppp_verify(*this, req);
}

void PppSession::auth_verdict(const AuthVerdict &v, uint64_t now) {
    now_ = now;
    if (proxy_ && proxy_ticket_ != 0 && v.ticket == proxy_ticket_) {
        proxy_ticket_ = 0;
        const std::string user = proxy_->user;
        proxy_.reset();
        if (v.accept) return auth_done(user, now);
        return close(now, EndReason::auth_failed);
    }
    if (auto *p = std::get_if<PapAuthenticator>(&auth_)) p->verdict(v, now);
    if (auto *c = std::get_if<ChapAuthenticator>(&auth_)) c->verdict(v, now);
}

void PppSession::on_auth_event(const AuthEvent &e) {
    switch (e.kind) {
        case AuthEventKind::verify: host_.ppp_verify(*this, *e.verify); break;
        case AuthEventKind::success:
            if (!authenticated_) auth_done(e.peer_name, now_);
            break;
        case AuthEventKind::failure:
            close(now_, e.reason == AuthFailure::timeout ? EndReason::auth_timeout : EndReason::auth_failed);
            break;
    }
}

void PppSession::auth_done(std::string_view user, uint64_t now) {
    (void)now;
    authenticated_ = true;
    user_ = std::string(user);
    sh_.counters.authenticated++;
    host_.ppp_authenticated(*this, user_);
}

void PppSession::start_network(uint32_t local_ipv4, const IpcpAssignment &a, uint64_t now,
                               const Ip6Addr *ipv6_prefix) {
    now_ = now;
    if (finished_ || network_started_) return;
    network_started_ = true;
    ipcp_.set_local_address(local_ipv4);
    ipcp_.set_assignment(a);
    ipcp_.set_peer_mru(lcp_.result().peer_mru);
    ipcp_.open(now);
    if (lcp_.opened()) ipcp_.up(now);
    if (ipv6_prefix && sh_.ipv6 && !finished_) {
        ipv6_started_ = true;
        prefix_ = *ipv6_prefix;
        for (size_t i = 8; i < 16; i++) prefix_[i] = 0;  // the first /64
        ipv6cp_.set_peer_mru(lcp_.result().peer_mru);
        ipv6cp_.open(now);
        if (lcp_.opened()) ipv6cp_.up(now);
    }
}

void PppSession::send_ra(const Ip6Addr &dst) {
    InterfaceId iid;
    const uint64_t id = ipv6cp_.result().local_id;
    for (int i = 0; i < 8; i++) iid[size_t(i)] = uint8_t(id >> (56 - 8 * i));
    RaConfig cfg = sh_.ra;
    cfg.mtu = lcp_.result().peer_mru;
    uint8_t buf[kMaxRaPacket];
    const size_t n = build_router_advertisement(buf, cfg, iid, dst, prefix_, 64);
    if (n == 0) return;
    sh_.counters.ra_sent++;
    host_.ppp_send(*this, kProtoIpv6, {buf, n});
}

// IPv6 addressed to the LNS (the data plane punts link-local ICMPv6): Router
// Solicitations get an RA (rate-limited, RFC 4861 §6.2.6); anything else counted.
void PppSession::handle_ipv6(std::span<const uint8_t> packet, uint64_t now) {
    if (!ipv6cp_.opened()) {
        sh_.counters.ipv6_before_ipv6cp++;
        return;
    }
    RouterSolicitation rs;
    if (parse_router_solicitation(packet, &rs) != NdError::ok) {
        sh_.counters.rs_bad++;
        return;
    }
    if (ra_.on_solicitation(now)) {
        sh_.counters.rs_answered++;
        send_ra(ra_destination(rs));
        ra_.sent(now);
    }
}

void PppSession::receive(uint16_t protocol, std::span<const uint8_t> info, uint64_t now) {
    now_ = now;
    switch (protocol) {
        case kProtoLcp: lcp_.receive(info, now); return;
        case kProtoPap:
        case kProtoChap: receive_auth(protocol, info, now); return;
        case kProtoIpv6: handle_ipv6(info, now); return;
        case kProtoIpv6cp:
            if (ipv6_started_) {
                ipv6cp_.receive(info, now);
                return;
            }
            if (network_started_ || !sh_.ipv6) break;  // not run for this session: Protocol-Reject
            sh_.counters.frames_before_phase++;
            return;
        case kProtoIpcp:
            if (network_started_) {
                ipcp_.receive(info, now);
            } else {
                sh_.counters.frames_before_phase++;  // RFC 1661 §3.5: discarded before the phase
            }
            return;
        default: break;
    }
    // Anything else (IPv6CP while it is not run, CCP, unknown): Protocol-Reject.
    if (lcp_.send_protocol_reject(protocol, info, now)) sh_.counters.protocol_rejects_sent++;
}

void PppSession::receive_auth(uint16_t protocol, std::span<const uint8_t> info, uint64_t now) {
    if (protocol == kProtoPap) {
        if (auto *p = std::get_if<PapAuthenticator>(&auth_)) return p->on_packet(info, now);
    } else if (auto *c = std::get_if<ChapAuthenticator>(&auth_)) {
        return c->on_packet(info, now);
    }
    sh_.counters.frames_before_phase++;
}

void PppSession::close(uint64_t now, EndReason why) {
    now_ = now;
    if (finished_) return;
    if (ending_ == EndReason::none) ending_ = why;
    lcp_.close(now, Reason::local_close);
    // From a state without a Terminate exchange (Initial, Starting...) LCP does not
    // report finished: end here.
    const State s = lcp_.state();
    if (s != State::Closing && s != State::Stopping) finish(ending_);
}

void PppSession::finish(EndReason why) {
    if (finished_) return;
    finished_ = true;
    if (auto *p = std::get_if<PapAuthenticator>(&auth_)) p->close();
    if (auto *c = std::get_if<ChapAuthenticator>(&auth_)) c->close();
    sh_.counters.finished++;
    sh_.counters.finished_by[size_t(why)]++;
    host_.ppp_finished(*this, why);
}

uint64_t PppSession::next_deadline() const {
    if (finished_) return UINT64_MAX;
    uint64_t d = std::min({lcp_.next_deadline(), ipcp_.next_deadline(), ipv6cp_.next_deadline(),
                           ra_.next_deadline()});
    if (auto *p = std::get_if<PapAuthenticator>(&auth_)) d = std::min(d, p->next_deadline());
    if (auto *c = std::get_if<ChapAuthenticator>(&auth_)) d = std::min(d, c->next_deadline());
    return d;
}

void PppSession::on_timer(uint64_t now) {
    now_ = now;
    if (finished_) return;
    if (lcp_.next_deadline() <= now) lcp_.on_timer(now);
    if (!finished_ && ipcp_.next_deadline() <= now) ipcp_.on_timer(now);
    if (!finished_ && ipv6cp_.next_deadline() <= now) ipv6cp_.on_timer(now);
    if (finished_) return;
    if (ra_.due(now)) {
        send_ra(kAllNodes);
        ra_.sent(now);
    }
    if (auto *p = std::get_if<PapAuthenticator>(&auth_); p && p->next_deadline() <= now) p->on_timer(now);
    if (auto *c = std::get_if<ChapAuthenticator>(&auth_); c && c->next_deadline() <= now) c->on_timer(now);
}

}  // namespace lns::cp::ppp
