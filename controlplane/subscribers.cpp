#include "controlplane/subscribers.hpp"
#include "controlplane/log.hpp"

#include <algorithm>
#include <cstdio>

#include "controlplane/ppp/proxy_lcp.hpp"

namespace lns::cp {

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
constexpr uint64_t kMs = 1'000'000ull;

ppp::AuthProtocol to_ppp(cfg::AuthProtocol p) {
    switch (p) {
        case cfg::AuthProtocol::pap: return ppp::AuthProtocol::pap;
        case cfg::AuthProtocol::chap_md5: return ppp::AuthProtocol::chap_md5;
        case cfg::AuthProtocol::mschapv2: return ppp::AuthProtocol::mschap_v2;
    }
    return ppp::AuthProtocol::chap_md5;
}

void configure(ppp::PppShared &sh, const cfg::Config &cfg) {
    const cfg::PppConfig &p = cfg.ppp;
    ppp::FsmConfig fsm;
    fsm.restart_ns = uint64_t(p.restart_ms) * kMs;
    fsm.max_configure = uint8_t(p.max_configure);
    fsm.max_failure = uint8_t(p.max_failure);
    fsm.max_terminate = uint8_t(p.max_terminate);
    ppp::LcpConfig &l = sh.lcp.config;
    l = ppp::LcpConfig::lns();
    l.fsm = fsm;
    l.mru = p.mru;
    l.path_mru = p.mru;
    l.request_auth.clear();
    for (cfg::AuthProtocol a : p.auth) l.request_auth.push_back(to_ppp(a));
    l.auth_required = !p.auth.empty();
    l.echo.interval_ns = uint64_t(p.echo_interval_s) * kSec;
    l.echo.max_failures = uint8_t(std::min<uint32_t>(p.echo_failures, 255));
    sh.ipcp.config = ppp::IpcpConfig::lns();
    sh.ipcp.config.fsm = fsm;
    sh.ipv6cp.config.fsm = fsm;
    sh.ipv6 = p.ipv6;
    sh.ra_interval_ns = uint64_t(p.ra_interval_s) * kSec;
    sh.ra.router_lifetime_s = uint16_t(std::min<uint32_t>(p.ra_lifetime_s, 9000));
    sh.ra.valid_lifetime_s = p.ra_lifetime_s;
    sh.ra.preferred_lifetime_s = p.ra_lifetime_s / 2;
    sh.auth.restart_ns = fsm.restart_ns;
    sh.auth.timeout_ns = uint64_t(p.auth_timeout_s) * kSec;
    sh.auth.rechallenge_ns = uint64_t(p.chap_rechallenge_s) * kSec;
    sh.auth.name = cfg.l2tp.host_name;  // string_view into cfg_ (outlives the engines)
    sh.accept_proxy_lcp = p.accept_proxy_lcp;
    sh.accept_proxy_auth = p.accept_proxy_auth;
}

// CDN result (RFC 2661 §4.4.2) and Acct-Terminate-Cause (RFC 2866 §5.10) for an end.
std::pair<uint16_t, aaa::TerminateCause> causes(SubEnd why, ppp::EndReason p) {
    using TC = aaa::TerminateCause;
    switch (why) {
        case SubEnd::lac_cleared:
            return {0, p == ppp::EndReason::peer_terminated ? TC::UserRequest : TC::LostCarrier};
        case SubEnd::session_timeout: return {l2tp::cdn::kAdmin, TC::SessionTimeout};
        case SubEnd::idle_timeout: return {l2tp::cdn::kAdmin, TC::IdleTimeout};
        case SubEnd::disconnect: return {l2tp::cdn::kAdmin, TC::AdminReset};
        case SubEnd::no_address: return {l2tp::cdn::kTempNoFacilities, TC::NasError};
        case SubEnd::install_failed: return {l2tp::cdn::kTempNoFacilities, TC::NasError};
        case SubEnd::ppp: break;
    }
    switch (p) {
        case ppp::EndReason::peer_terminated: return {l2tp::cdn::kAdmin, TC::UserRequest};
        case ppp::EndReason::peer_dead: return {l2tp::cdn::kLostCarrier, TC::LostCarrier};
        case ppp::EndReason::admin: return {l2tp::cdn::kAdmin, TC::AdminReset};
        case ppp::EndReason::auth_failed:
        case ppp::EndReason::auth_timeout: return {l2tp::cdn::kAdmin, TC::UserError};
        default: return {l2tp::cdn::kGeneralError, TC::NasError};
    }
}

// RFC 3145 §3 Disconnect Code for the CDN of an end; `auth` is the protocol the
// subscriber authenticated with (LCP's result), for authentication failures.
CallCause disconnect_cause(SubEnd why, ppp::EndReason p, std::optional<ppp::AuthProtocol> auth) {
    constexpr uint8_t kGlobal = 0, kPeer = 1, kLocal = 2;
    switch (why) {
        case SubEnd::lac_cleared: return {};  // no CDN of ours
        case SubEnd::session_timeout:
        case SubEnd::idle_timeout: return {3, ppp::kProtoLcp, kLocal};  // normal, our Terminate-Request
        case SubEnd::disconnect: return {1, 0, kGlobal};                // administrative
        case SubEnd::no_address: return {20, ppp::kProtoIpcp, kLocal};  // no address permitted
        case SubEnd::install_failed: return {};
        case SubEnd::ppp: break;
    }
    const uint16_t auth_proto = !auth ? 0 : *auth == ppp::AuthProtocol::pap ? ppp::kProtoPap : ppp::kProtoChap;
    switch (p) {
        case ppp::EndReason::peer_terminated: return {3, ppp::kProtoLcp, kPeer};
        case ppp::EndReason::admin: return {1, 0, kGlobal};
        case ppp::EndReason::lcp_failed: return {5, ppp::kProtoLcp, kLocal};    // FSM timeout
        case ppp::EndReason::looped_back: return {7, ppp::kProtoLcp, kGlobal};  // magic number
        case ppp::EndReason::peer_dead: return {8, ppp::kProtoLcp, kLocal};     // echo timeout
        case ppp::EndReason::auth_timeout: return {13, auth_proto, kLocal};     // auth FSM timeout
        case ppp::EndReason::auth_failed: return {16, auth_proto, kLocal};      // bad credentials
        case ppp::EndReason::ncp_failed: return {18, 0, kGlobal};               // no NCP opened
        case ppp::EndReason::none: return {};
    }
    return {};
}

}  // namespace

// Public entry points nest (a local verdict arrives inside the PPP call that
// asked for it): subscribers are finished only when the outermost one returns.
class SubscriberManager::Entry {
public:
    Entry(SubscriberManager &m, uint64_t now) : m_(m) {
        m_.now_ = now;
        m_.depth_++;
    }
    ~Entry() {
        if (--m_.depth_ == 0) m_.drain(m_.now_);
    }
    Entry(const Entry &) = delete;
    Entry &operator=(const Entry &) = delete;

private:
    SubscriberManager &m_;
};

struct SubscriberManager::Sub {
    uint32_t index = 0;
    uint32_t gen = 0;
    uint16_t tunnel = 0, session = 0;
    std::unique_ptr<ppp::PppSession> ppp;
    aaa::Lease lease;
    aaa::Grant grant;
    std::string acct_session_id, calling;
    std::string auth_user;  // the name of the verification in progress (for the log)
    ppp::AuthProtocol auth_method = ppp::AuthProtocol::pap;
    uint64_t started = 0, up_at = 0;
    uint64_t session_end = UINT64_MAX, next_interim = UINT64_MAX, idle_check = UINT64_MAX;
    uint64_t idle_packets = 0;
    aaa::TrafficCounters baseline;
    uint64_t deadline = UINT64_MAX;  // armed in the heap
    uint32_t ticket = 0;             // of the verify request in progress
    bool up = false, ipv6_up = false, acct_started = false, ending = false, queued = false;
    SubEnd end_why = SubEnd::ppp;
    ppp::EndReason ppp_why = ppp::EndReason::none;
};

SubscriberManager::SubscriberManager(const cfg::Config &cfg, SubscriberEnv &env, aaa::Aaa &aaa,
                                     ppp::Random &rnd, ppp::AuthRandom &auth_rnd, uint32_t max_index)
    : cfg_(cfg), env_(env), aaa_(aaa), subs_(max_index) {
    configure(ppp_, cfg_);
    ppp_.lcp.random = &rnd;
    ppp_.ipv6cp.random = &rnd;
    ppp_.auth_random = &auth_rnd;
    boot_id_ = rnd.next() & 0xffffffffull;
}

SubscriberManager::~SubscriberManager() = default;

SubscriberManager::Sub *SubscriberManager::find(uint32_t index) {
    return index < subs_.size() ? subs_[index].get() : nullptr;
}

SubscriberManager::Sub *SubscriberManager::from(ppp::PppSession &s) {
    Sub *sub = find(uint32_t(s.cookie() >> 32));
    return sub && sub->gen == uint32_t(s.cookie()) ? sub : nullptr;
}

void SubscriberManager::call_up(uint32_t index, uint16_t tunnel, uint16_t session,
                                const l2tp::CallInfo *call, uint16_t path_mru, uint64_t now) {
    Entry entry(*this, now);
    if (index >= subs_.size() || subs_[index]) {
        c_.unknown_index++;
        return;
    }
    auto sub = std::make_unique<Sub>();
    Sub &s = *sub;
    s.index = index;
    s.gen = ++gen_;
    s.tunnel = tunnel;
    s.session = session;
    s.started = now;
    char id[24];
    std::snprintf(id, sizeof id, "%08llx%08x", static_cast<unsigned long long>(boot_id_), s.gen);
    s.acct_session_id = id;
    if (call) s.calling = call->calling_number;
    s.ppp = std::make_unique<ppp::PppSession>(ppp_, *this, uint64_t(index) << 32 | s.gen);
    s.ppp->set_path_mru(std::min<uint16_t>(path_mru, cfg_.ppp.mru));
    subs_[index] = std::move(sub);
    live_++;
    c_.calls++;
    by_acct_id_[s.acct_session_id] = index;
    ppp::ProxyInfo proxy;
    const ppp::ProxyInfo *pp = nullptr;
    if (call) {
        if (ppp::derive_proxy_lcp(call->last_sent_lcp_confreq, call->last_received_lcp_confreq,
                                  ppp_.lcp.config, &proxy.lcp) == ppp::ProxyLcpError::ok) {
            proxy.has_lcp = true;
            pp = &proxy;
        }
        // Proxy authentication: PAP (3) and CHAP (2) can be checked again here.
        if (call->has_proxy_auth && (call->proxy_authen_type == 2 || call->proxy_authen_type == 3) &&
            proxy.has_lcp) {
            proxy.has_auth = true;
            proxy.auth_protocol = call->proxy_authen_type == 3 ? ppp::AuthProtocol::pap : ppp::AuthProtocol::chap_md5;
            proxy.user = call->proxy_authen_name;
            proxy.chap_id = call->proxy_authen_id;
            proxy.challenge.assign(call->proxy_authen_challenge.begin(), call->proxy_authen_challenge.end());
            const auto &resp = call->proxy_authen_response;
            (call->proxy_authen_type == 3 ? proxy.password : proxy.response).assign(resp.begin(), resp.end());
        }
    }
    s.ppp->start(now, pp);
    // Frames that overtook the call: in arrival order, unless too old.
    if (auto it = early_.find(index); it != early_.end()) {
        std::vector<Early> held = std::move(it->second);
        early_.erase(it);
        early_count_ -= held.size();
        for (const Early &e : held) {
            if (s.ending) break;
            if (now - e.at > kEarlyTtlNs) {
                c_.unknown_index++;
                continue;
            }
            c_.early_delivered++;
            s.ppp->receive(e.protocol, e.info, now);
        }
    }
    if (!s.ending) arm(s);
}

void SubscriberManager::call_down(uint32_t index, uint64_t now) {
    Entry entry(*this, now);
    Sub *s = find(index);
    if (!s) {
        if (auto it = early_.find(index); it != early_.end()) {  // the call never came up
            discard_early(it->second, it->second.size());
            early_.erase(it);
        }
        return;
    }
    c_.lac_cleared++;
    s->end_why = SubEnd::lac_cleared;
    if (s->ppp->lcp().state() == ppp::State::Stopping)  // the peer's Terminate-Request came first
        s->ppp_why = ppp::EndReason::peer_terminated;
    s->ending = true;
    if (!s->queued) {  // no PPP packets: the call is gone
        s->queued = true;
        ending_.push_back(index);
    }
}

void SubscriberManager::frame(uint32_t index, std::span<const uint8_t> bytes, uint64_t now) {
    ppp::Frame f;
    if (ppp::parse_frame(bytes, &f) != ppp::PppError::ok) {
        c_.bad_frames++;
        return;
    }
    packet(index, f.protocol, f.payload, now);
}

void SubscriberManager::packet(uint32_t index, uint16_t protocol, std::span<const uint8_t> info,
                               uint64_t now) {
    Entry entry(*this, now);
    Sub *s = find(index);
    if (!s) return hold_early(index, protocol, info, now);
    s->ppp->receive(protocol, info, now);
    if (!s->ending) arm(*s);
}

void SubscriberManager::hold_early(uint32_t index, uint16_t protocol, std::span<const uint8_t> info,
                                   uint64_t now) {
    if (index >= subs_.size()) {
        c_.unknown_index++;
        return;
    }
    if (early_count_ >= kEarlyTotal) expire_early(now);
    auto &held = early_[index];
    if (!held.empty() && now - held.front().at > kEarlyTtlNs)  // left by a call that never came up
        discard_early(held, held.size());
    if (held.size() >= kEarlyPerIndex || early_count_ >= kEarlyTotal) {
        if (held.empty()) early_.erase(index);
        c_.unknown_index++;
        return;
    }
    held.push_back({now, protocol, std::vector<uint8_t>(info.begin(), info.end())});
    early_count_++;
    c_.early_held++;
}

// Drops held frames older than kEarlyTtlNs (only when the total bound is reached:
// call_up and hold_early check the age of what they find anyway).
void SubscriberManager::expire_early(uint64_t now) {
    for (auto it = early_.begin(); it != early_.end();) {
        auto &held = it->second;
        const auto keep = std::find_if(held.begin(), held.end(),
                                       [&](const Early &e) { return now - e.at <= kEarlyTtlNs; });
        discard_early(held, size_t(keep - held.begin()));
        it = held.empty() ? early_.erase(it) : std::next(it);
    }
}

// Drops the first n held frames of an index, counted as unknown_index.
void SubscriberManager::discard_early(std::vector<Early> &held, size_t n) {
    c_.unknown_index += n;
    early_count_ -= n;
    held.erase(held.begin(), held.begin() + std::ptrdiff_t(n));
}

void SubscriberManager::ppp_send(ppp::PppSession &ps, uint16_t protocol, std::span<const uint8_t> p) {
    env_.send_ppp(uint32_t(ps.cookie() >> 32), protocol, p);
}

void SubscriberManager::ppp_verify(ppp::PppSession &ps, const ppp::VerifyRequest &req) {
    Sub *s = from(ps);
    if (!s) return;
    s->ticket = req.ticket;
    s->auth_user.assign(req.user);
    s->auth_method = req.protocol;
    aaa::CallContext call;
    call.nas_port = s->index;
    call.calling_station_id = s->calling;
    call.acct_session_id = s->acct_session_id;
    aaa_.authenticate(ps.cookie(), req, call, now_);
}

void SubscriberManager::auth_answer(const aaa::AuthAnswer &a, uint64_t now) {
    Entry entry(*this, now);
    Sub *s = find(uint32_t(a.tag >> 32));
    if (!s || s->gen != uint32_t(a.tag) || s->ending) {
        c_.auth_stale++;
        return;
    }
    a.accept ? c_.auth_accepts++ : c_.auth_rejects++;
    if (a.accept) s->grant = a.grant;
    else
        log::event(a.timeout ? log::Level::warning : log::Level::notice, "auth_rejected")
            .kv("user", s->auth_user)
            .kv("method", ppp::to_string(s->auth_method))
            .kv("tunnel", s->tunnel)
            .kv("session", s->session)
            .kv("reason", a.timeout ? "no RADIUS server answered" : "credentials rejected");
    ppp::AuthVerdict v;
    v.ticket = s->ticket;  // the engine's pending request
    v.accept = a.accept;
    v.message = a.message;
    v.authenticator_response = a.authenticator_response;
    v.mschap_error = a.mschap_error;
    s->ppp->auth_verdict(v, now);
    if (!s->ending) arm(*s);
}

void SubscriberManager::ppp_authenticated(ppp::PppSession &ps, std::string_view user) {
    Sub *s = from(ps);
    if (!s) return;
    (void)user;
    aaa::AddressRequest req;
    req.ipv4 = s->grant.ipv4;
    req.ipv4_pool = s->grant.ipv4_pool;
    req.want_ipv6 = cfg_.ppp.ipv6;
    req.ipv6 = s->grant.ipv6;
    req.ipv6_pool = s->grant.ipv6_pool;
    const aaa::AssignError e = aaa_.pools().assign(req, &s->lease);
    if (e != aaa::AssignError::ok) {
        c_.address_failures++;
        log::event(log::Level::warning, "address_assign_failed")
            .kv("user", s->ppp->user())
            .kv("error", aaa::to_string(e));
        return end(*s, SubEnd::no_address, ppp::EndReason::none);
    }
    ppp::IpcpAssignment a;
    a.peer_address = *s->lease.ipv4;
    if (cfg_.ppp.dns_primary) a.dns[0] = *cfg_.ppp.dns_primary;
    if (cfg_.ppp.dns_secondary) a.dns[1] = *cfg_.ppp.dns_secondary;
    ps.start_network(env_.local_ipv4(s->index), a, now_, s->lease.ipv6 ? &s->lease.ipv6->addr : nullptr);
}

void SubscriberManager::ppp_network_up(ppp::PppSession &ps, uint16_t protocol) {
    Sub *s = from(ps);
    if (!s) return;
    std::string err;
    // The traffic counters start from here: before the first address is in the
    // data plane nothing of this session is forwarded, and once it is, a worker
    // may forward (and count) the subscriber's first packet at once.
    if (!s->up && !s->ipv6_up) s->baseline = env_.traffic(s->index);
    if (protocol == ppp::kProtoIpv6cp) {
        if (s->ipv6_up || !s->lease.ipv6) return;
        if (!env_.set_addresses(s->index, std::nullopt, s->lease.ipv6, &err)) {
            c_.install_failures++;
            return end(*s, SubEnd::install_failed, ppp::EndReason::none);
        }
        s->ipv6_up = true;
        c_.ipv6_up++;
        return;
    }
    if (protocol != ppp::kProtoIpcp || s->up) return;
    if (!env_.set_addresses(s->index, s->lease.ipv4, std::nullopt, &err)) {
        c_.install_failures++;
        return end(*s, SubEnd::install_failed, ppp::EndReason::none);
    }
    s->up = true;
    s->up_at = now_;
    c_.sessions_up++;
    log::event(log::Level::info, "subscriber_up")
        .kv("user", s->ppp->user())
        .ipv4("ipv4", *s->lease.ipv4)
        .kv("tunnel", s->tunnel)
        .kv("session", s->session)
        .kv("acct_session_id", s->acct_session_id)
        .kv("setup_ms", (now_ - s->started) / 1000000);
    by_ipv4_[*s->lease.ipv4] = s->index;
    const aaa::Grant &g = s->grant;
    if (g.session_timeout_s) s->session_end = now_ + uint64_t(g.session_timeout_s) * kSec;
    if (g.idle_timeout_s) s->idle_check = now_ + uint64_t(g.idle_timeout_s) * kSec;
    if (aaa_.accounting_enabled()) {
        account(*s, aaa::AcctStatusType::Start, now_);
        if (g.interim_interval_s) s->next_interim = now_ + uint64_t(g.interim_interval_s) * kSec;
    }
}

void SubscriberManager::ppp_finished(ppp::PppSession &ps, ppp::EndReason why) {
    Sub *s = from(ps);
    if (!s) return;
    end(*s, s->ending ? s->end_why : SubEnd::ppp, why);
}

// Starts ending: PPP is told (LCP Terminate) unless it is already over; the rest
// happens in drain() once the current call returns.
void SubscriberManager::end(Sub &s, SubEnd why, ppp::EndReason ppp_why) {
    if (!s.ending) {
        s.ending = true;
        s.end_why = why;
    }
    if (ppp_why != ppp::EndReason::none) s.ppp_why = ppp_why;
    if (!s.ppp->finished()) {
        s.ppp->close(now_, ppp::EndReason::admin);  // ppp_finished follows, now or later
        if (!s.ppp->finished()) return arm(s);
    }
    if (!s.queued) {
        s.queued = true;
        ending_.push_back(s.index);
    }
}

void SubscriberManager::drain(uint64_t now) {
    while (!ending_.empty()) {
        const uint32_t idx = ending_.back();
        ending_.pop_back();
        if (Sub *s = find(idx)) finish_now(*s, now);
    }
}

void SubscriberManager::finish_now(Sub &s, uint64_t now) {
    now_ = now;
    if (s.acct_started) account(s, aaa::AcctStatusType::Stop, now);
    aaa_.pools().release(s.lease);
    if (s.up) by_ipv4_.erase(s.lease.ipv4.value_or(0));
    by_acct_id_.erase(s.acct_session_id);
    const uint32_t idx = s.index;
    const bool lac_gone = s.end_why == SubEnd::lac_cleared;
    const auto [result, acct] = causes(s.end_why, s.ppp_why);
    log::event(log::Level::info, "subscriber_down")
        .kv("user", s.ppp->user())
        .kv("tunnel", s.tunnel)
        .kv("session", s.session)
        .kv("acct_session_id", s.acct_session_id)
        .kv("cause", aaa::terminate_cause_name(acct))
        .kv("ppp", ppp::end_reason_name(s.ppp_why))
        .kv("was_up", s.up)
        .kv("duration_s", s.up ? (now - s.up_at) / kSec : 0);
    const CallCause cause = disconnect_cause(s.end_why, s.ppp_why, s.ppp->lcp().result().auth_we_require);
    switch (s.end_why) {
        case SubEnd::session_timeout: c_.session_timeouts++; break;
        case SubEnd::idle_timeout: c_.idle_timeouts++; break;
        case SubEnd::disconnect: c_.disconnects++; break;
        default: break;
    }
    c_.ended++;
    live_--;
    subs_[idx].reset();  // the PPP session is not inside any of its calls here
    if (!lac_gone) env_.end_call(idx, result, 0, cause);
}

void SubscriberManager::account(Sub &s, aaa::AcctStatusType type, uint64_t now) {
    aaa::AccountingRequest r;
    r.status = type;
    r.user_name = s.ppp->user();
    r.session_id = s.acct_session_id;
    r.has_nas_port = true;
    r.nas_port = s.index;
    r.calling_station_id = s.calling;
    r.framed_ip = s.lease.ipv4.value_or(0);
    if (s.ipv6_up) r.framed_ipv6_prefix = &*s.lease.ipv6;
    if (s.grant.delegated) r.delegated_ipv6_prefix = &*s.grant.delegated;  // echoed; not routed (no DHCPv6-PD)
    r.classes = s.grant.classes;
    r.authentic = s.grant.radius ? 1 : 2;
    r.event_timestamp = 0;
    if (type != aaa::AcctStatusType::Start) {
        r.counters = traffic(s);
        r.session_time_s = uint32_t((now - s.up_at) / kSec);
    }
    if (type == aaa::AcctStatusType::Stop) r.cause = causes(s.end_why, s.ppp_why).second;
    aaa_.account(r, now);
    if (type == aaa::AcctStatusType::Start) {
        s.acct_started = true;
        c_.acct_start++;
    } else if (type == aaa::AcctStatusType::Stop) {
        c_.acct_stop++;
    } else {
        c_.acct_interim++;
    }
}

void SubscriberManager::arm(Sub &s) {
    const uint64_t d = std::min({s.ppp->next_deadline(), s.session_end, s.next_interim, s.idle_check});
    if (d == s.deadline) return;
    s.deadline = d;
    if (d != UINT64_MAX) heap_.emplace(d, s.index, s.gen);
}

void SubscriberManager::run_timers(Sub &s, uint64_t now) {
    if (s.ppp->next_deadline() <= now) s.ppp->on_timer(now);
    if (s.ending) return;
    if (s.session_end <= now) return end(s, SubEnd::session_timeout, ppp::EndReason::none);
    if (s.idle_check <= now) {
        const aaa::TrafficCounters t = env_.traffic(s.index);
        if (t.in_packets == s.idle_packets) return end(s, SubEnd::idle_timeout, ppp::EndReason::none);
        s.idle_packets = t.in_packets;
        s.ppp->peer_alive();
        s.idle_check = now + uint64_t(s.grant.idle_timeout_s) * kSec;
    }
    if (s.next_interim <= now) {
        account(s, aaa::AcctStatusType::InterimUpdate, now);
        const uint64_t step = uint64_t(s.grant.interim_interval_s) * kSec;
        while (s.next_interim <= now) s.next_interim += step;
    }
}

uint64_t SubscriberManager::next_deadline() {
    while (!heap_.empty()) {
        const auto [d, idx, gen] = heap_.top();
        Sub *s = find(idx);
        if (s && s->gen == gen && s->deadline == d) return d;
        heap_.pop();  // stale
    }
    return UINT64_MAX;
}

void SubscriberManager::on_timer(uint64_t now) {
    Entry entry(*this, now);
    for (int budget = 4096; budget > 0 && !heap_.empty(); budget--) {
        const auto [d, idx, gen] = heap_.top();
        if (d > now) break;
        heap_.pop();
        Sub *s = find(idx);
        if (!s || s->gen != gen || s->deadline != d) continue;
        s->deadline = UINT64_MAX;
        run_timers(*s, now);
        if (!s->ending) arm(*s);
    }
}

size_t SubscriberManager::dae_request(const aaa::DaeRequest &r, uint64_t now) {
    Entry entry(*this, now);
    std::vector<uint32_t> hits;
    if (!r.acct_session_id.empty()) {
        auto it = by_acct_id_.find(r.acct_session_id);
        if (it != by_acct_id_.end()) hits.push_back(it->second);
    } else if (r.has_framed_ip) {
        auto it = by_ipv4_.find(r.framed_ip);
        if (it != by_ipv4_.end()) hits.push_back(it->second);
    } else if (!r.user_name.empty()) {
        for (const auto &s : subs_)
            if (s && s->ppp->user() == r.user_name) hits.push_back(s->index);
    }
    // Every other identification attribute given must match too.
    std::erase_if(hits, [&](uint32_t i) {
        const Sub &s = *subs_[i];
        return s.ending || (!r.user_name.empty() && s.ppp->user() != r.user_name) ||
               (r.has_framed_ip && s.lease.ipv4 != r.framed_ip);
    });
    if (hits.empty()) {
        c_.dae_not_found++;
        return 0;
    }
    for (uint32_t i : hits) {
        Sub &s = *subs_[i];
        if (r.kind == aaa::DaeKind::disconnect) {
            c_.dae_disconnect_acks++;
            end(s, SubEnd::disconnect, ppp::EndReason::none);
            continue;
        }
        c_.dae_coa_acks++;
        if (r.has_session_timeout) {
            s.grant.session_timeout_s = r.session_timeout;
            s.session_end = r.session_timeout ? (s.up ? s.up_at : now) + uint64_t(r.session_timeout) * kSec : UINT64_MAX;
        }
        if (r.has_idle_timeout) {
            s.grant.idle_timeout_s = r.idle_timeout;
            s.idle_check = r.idle_timeout ? now + uint64_t(r.idle_timeout) * kSec : UINT64_MAX;
        }
        if (r.has_interim_interval && s.acct_started) {
            s.grant.interim_interval_s = r.acct_interim_interval;
            s.next_interim = r.acct_interim_interval ? now + uint64_t(r.acct_interim_interval) * kSec : UINT64_MAX;
        }
        if (!r.classes.empty()) s.grant.classes = r.classes;
        arm(s);
    }
    return hits.size();
}

void SubscriberManager::shutdown(uint64_t now) {
    Entry entry(*this, now);
    for (auto &s : subs_)
        if (s && !s->ending) end(*s, SubEnd::ppp, ppp::EndReason::admin);
}

aaa::TrafficCounters SubscriberManager::traffic(const Sub &s) {
    const aaa::TrafficCounters t = env_.traffic(s.index);
    aaa::TrafficCounters c;
    c.in_octets = t.in_octets - s.baseline.in_octets;
    c.out_octets = t.out_octets - s.baseline.out_octets;
    c.in_packets = t.in_packets - s.baseline.in_packets;
    c.out_packets = t.out_packets - s.baseline.out_packets;
    return c;
}

std::optional<aaa::TrafficCounters> SubscriberManager::traffic(uint32_t index) {
    const Sub *s = find(index);
    if (!s || (!s->up && !s->ipv6_up)) return std::nullopt;
    return traffic(*s);
}

std::optional<SubscriberManager::View> SubscriberManager::view(uint32_t index) const {
    if (index >= subs_.size() || !subs_[index]) return std::nullopt;
    const Sub &s = *subs_[index];
    View v;
    v.index = s.index;
    v.user = std::string(s.ppp->user());
    v.acct_session_id = s.acct_session_id;
    v.ipv4 = s.lease.ipv4;
    v.up = s.up;
    v.tunnel = s.tunnel;
    v.session = s.session;
    v.ipv6 = s.lease.ipv6;
    v.ipv6_up = s.ipv6_up;
    v.ending = s.ending;
    v.started_ns = s.started;
    v.up_ns = s.up_at;
    v.ppp = s.ppp.get();
    return v;
}

bool SubscriberManager::disconnect(uint32_t index, uint64_t now) {
    Entry entry(*this, now);
    Sub *s = find(index);
    if (!s || s->ending) return false;
    end(*s, SubEnd::disconnect, ppp::EndReason::none);
    return true;
}

}  // namespace lns::cp
