#include "controlplane/aaa/aaa.hpp"

namespace lns::cp::aaa {

namespace {

RadiusClientConfig radius_config(const cfg::AaaConfig &a, uint32_t nas_ip) {
    RadiusClientConfig rc;
    for (const auto &s : a.radius.servers) {
        RadiusServer rs;
        rs.ip = s.address;
        rs.auth_port = s.auth_port;
        rs.acct_port = s.acct_port;
        rs.secret = s.secret;
        rs.timeout_ns = rs.acct_timeout_ns = uint64_t(a.radius.timeout_ms) * 1000000ull;
        rs.retries = rs.acct_retries = a.radius.retries;
        rc.servers.push_back(rs);
    }
    rc.nas.nas_ip = a.radius.nas_ip ? a.radius.nas_ip : nas_ip;
    rc.nas.nas_identifier = a.radius.nas_identifier;
    rc.sockets = a.radius.source_ports;
    rc.dead_holddown_ns = uint64_t(a.radius.dead_time_s) * kRadiusSec;
    rc.require_message_authenticator = a.radius.require_message_authenticator;
    return rc;
}

// The value of MS-CHAP2-Success / MS-CHAP-Error without its Ident octet.
std::string after_ident(const std::string &v) { return v.size() > 1 ? v.substr(1) : std::string(); }

}  // namespace

Aaa::Aaa(const cfg::AaaConfig &cfg, uint32_t nas_ip, RadiusClient::RandomFn rng,
         RadiusClient::SendFn send, DoneFn done)
    : cfg_(cfg), done_(std::move(done)), users_(cfg.users), pools_(cfg) {
    if (cfg.backend == cfg::AaaBackend::radius && !cfg.radius.servers.empty()) {
        radius_ = std::make_unique<RadiusClient>(radius_config(cfg, nas_ip), std::move(rng),
                                                 std::move(send),
                                                 [this](const RadiusResult &r) { radius_done(r); });
    }
}

void Aaa::reconfigure(const cfg::AaaConfig &cfg) {
    cfg_ = cfg;
    users_.replace(cfg.users);
    pools_.reconfigure(cfg);
}

void Aaa::local_answer(uint64_t tag, const ppp::VerifyRequest &req) {
    const ppp::AuthVerdict v = users_.verify(req);
    AuthAnswer a;
    a.tag = tag;
    a.accept = v.accept;
    a.authenticator_response = std::string(v.authenticator_response);
    if (v.accept) {
        const cfg::LocalUser *u = users_.find(req.user);
        Grant &g = a.grant;
        g.ipv4 = u->ipv4;
        g.ipv4_pool = u->ipv4_pool;
        if (u->ipv6_prefix) g.ipv6 = Ipv6Prefix{u->ipv6_prefix->addr, u->ipv6_prefix->len};
        g.ipv6_pool = u->ipv6_pool;
        g.session_timeout_s = u->session_timeout_s ? u->session_timeout_s : cfg_.session_timeout_s;
        g.idle_timeout_s = u->idle_timeout_s ? u->idle_timeout_s : cfg_.idle_timeout_s;
        c_.accepts++;
    } else {
        c_.rejects++;
    }
    done_(a);
}

void Aaa::authenticate(uint64_t tag, const ppp::VerifyRequest &req, const CallContext &call,
                       uint64_t now) {
    c_.auth_requests++;
    if (!radius_) return local_answer(tag, req);
    AccessRequest r;
    r.user_name = req.user;
    r.chap_id = req.id;
    switch (req.protocol) {
        case ppp::AuthProtocol::pap:
            r.method = AuthMethod::pap;
            r.password = req.password;
            break;
        case ppp::AuthProtocol::chap_md5:
            r.method = AuthMethod::chap;
            r.challenge = req.challenge;
            r.chap_response = req.response;
            break;
        case ppp::AuthProtocol::mschap_v2:
            r.method = AuthMethod::mschapv2;
            r.challenge = req.challenge;
            r.peer_challenge = req.peer_challenge;
            r.nt_response = req.nt_response;
            r.mschap_flags = req.flags;
            break;
    }
    r.has_nas_port = true;
    r.nas_port = call.nas_port;
    r.calling_station_id = call.calling_station_id;
    r.called_station_id = call.called_station_id;
    r.acct_session_id = call.acct_session_id;
    const Submitted s = radius_->submit_access(r, tag, now);
    if (s.status != RadiusStatus::pending) {
        c_.radius_submit_failed++;
        c_.rejects++;
        AuthAnswer a;
        a.tag = tag;
        a.message = std::string("RADIUS ") + radius_status_name(s.status);
        done_(a);
    }
}

void Aaa::radius_done(const RadiusResult &r) {
    if (r.service == Service::acct) {
        if (r.status == RadiusStatus::accounting_response) {
            c_.accounting_answered++;
        } else {
            c_.accounting_failed++;
        }
        return;
    }
    AuthAnswer a;
    a.tag = r.tag;
    a.timeout = r.status == RadiusStatus::timeout;
    const AccessReply *rep = r.reply;
    if (rep) {
        a.message = rep->reply_message;
        a.mschap_error = after_ident(rep->ms_chap_error);
    }
    if (r.status == RadiusStatus::accept && rep) {
        a.accept = true;
        a.authenticator_response = after_ident(rep->ms_chap2_success);
        Grant &g = a.grant;
        g.radius = true;
        // 0xFFFFFFFE: the NAS chooses; 0xFFFFFFFF: the user may choose (RFC 2865 §5.8).
        if (rep->has_framed_ip && rep->framed_ip < 0xFFFFFFFEu) g.ipv4 = rep->framed_ip;
        g.ipv4_pool = rep->framed_pool;
        if (rep->has_framed_ipv6_prefix) g.ipv6 = rep->framed_ipv6_prefix;
        if (rep->has_delegated_ipv6_prefix) g.delegated = rep->delegated_ipv6_prefix;
        g.session_timeout_s = rep->session_timeout ? rep->session_timeout : cfg_.session_timeout_s;
        g.idle_timeout_s = rep->idle_timeout ? rep->idle_timeout : cfg_.idle_timeout_s;
        g.interim_interval_s = interim_interval_s(*rep, cfg_.radius.interim_interval_s);
        g.classes = rep->classes;
        c_.accepts++;
    } else {
        if (a.timeout) c_.timeouts++;
        c_.rejects++;
    }
    done_(a);
}

void Aaa::account(const AccountingRequest &r, uint64_t now) {
    if (!accounting_enabled()) return;
    const Submitted s = radius_->submit_accounting(r, 0, now);
    if (s.status == RadiusStatus::pending) {
        c_.accounting_sent++;
    } else {
        c_.accounting_failed++;
    }
}

void Aaa::on_datagram(uint16_t socket, uint32_t ip, uint16_t port, ByteSpan bytes, uint64_t now) {
    if (radius_) radius_->on_datagram(socket, ip, port, bytes, now);
}

void Aaa::on_timer(uint64_t now) {
    if (radius_) radius_->on_timer(now);
}

uint64_t Aaa::next_deadline() { return radius_ ? radius_->next_deadline() : UINT64_MAX; }

}  // namespace lns::cp::aaa
