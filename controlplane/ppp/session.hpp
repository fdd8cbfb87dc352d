// A subscriber's PPP on the LNS side: LCP, then authentication, then IPCP (and
// IPv6CP when enabled), composed from the engines of this folder.  Sans-I/O like
// them: frames in through receive(), packets out and decisions up through the
// SessionHost the owner implements (lnsd's control core; tests).
//
// Life of a session (RFC 1661 §3.2 phases):
//   start(now)                 LCP Open + Up (or Opened at once with proxy LCP)
//   LCP up                     authentication: PAP or CHAP/MS-CHAPv2 authenticator
//                              (or the LAC's proxied credentials, checked once)
//     host.ppp_verify(req)     -> the owner answers with auth_verdict()
//   authenticated              host.ppp_authenticated(user): the owner assigns
//                              addresses and calls start_network()
//   IPCP / IPv6CP up           host.ppp_network_up(protocol): addresses usable;
//                              with IPv6CP, Router Advertisements carry the /64
//                              (RFC 4861 §6.2.4 schedule) and Router
//                              Solicitations are answered (§6.2.6)
//   anything fatal             host.ppp_finished(why): the owner ends the call
// close(now) sends LCP Terminate-Request (the subscriber is told), and
// ppp_finished follows when the link is down.
//
// The host's callbacks run synchronously from inside this object's methods; the
// host must not destroy the session from inside them (defer it).
//
// Thread: one owner (the control core).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/chap.hpp"
#include "controlplane/ppp/ipcp.hpp"
#include "controlplane/ppp/ipv6cp.hpp"
#include "controlplane/ppp/lcp.hpp"
#include "controlplane/ppp/nd_ra.hpp"
#include "controlplane/ppp/pap.hpp"

namespace lns::cp::ppp {

class PppSession;

// Why a session's PPP ended, for the owner (CDN cause, accounting terminate cause).
enum class EndReason : uint8_t {
    none,
    lcp_failed,        // LCP never opened (Max-Configure, no agreement)
    peer_terminated,   // the subscriber sent LCP Terminate-Request
    peer_dead,         // LCP echo keepalive failed
    looped_back,
    auth_failed,       // credentials rejected
    auth_timeout,      // no credentials / no verdict in time
    ncp_failed,        // no NCP opened (IPCP failed and IPv6CP not up)
    admin,             // close() by the owner
};
const char *end_reason_name(EndReason r);

class SessionHost {
public:
    virtual ~SessionHost() = default;
    // One PPP packet (information field) for the subscriber.
    virtual void ppp_send(PppSession &s, uint16_t protocol, std::span<const uint8_t> packet) = 0;
    // Credentials to check; answer (now or later) with s.auth_verdict().
    virtual void ppp_verify(PppSession &s, const VerifyRequest &req) = 0;
    // Authentication done (user may be empty without authentication): assign
    // addresses and call s.start_network(), or s.close() to refuse.
    virtual void ppp_authenticated(PppSession &s, std::string_view user) = 0;
    // IPCP (kProtoIpcp) or IPv6CP (kProtoIpv6cp) opened; result in s.ipcp() / s.ipv6cp().
    virtual void ppp_network_up(PppSession &s, uint16_t protocol) = 0;
    // The PPP link is over; end the call.  Called once.
    virtual void ppp_finished(PppSession &s, EndReason why) = 0;
};

// Per control core: configuration, counters and randomness shared by every session.
struct PppShared {
    LcpShared lcp;
    IpcpShared ipcp;
    Ipv6cpShared ipv6cp;
    bool ipv6 = true;          // run IPv6CP when the owner gives a prefix
    RaConfig ra;               // Router Advertisement contents (lifetimes, flags)
    uint64_t ra_interval_ns = 600'000'000'000ull;
    AuthConfig auth;
    AuthCounters auth_counters;
    AuthRandom *auth_random = nullptr;
    bool accept_proxy_lcp = true;
    bool accept_proxy_auth = true;
    struct Counters {
        uint64_t started = 0, authenticated = 0, network_up = 0, finished = 0;
        uint64_t proxy_lcp_used = 0, proxy_lcp_refused = 0, proxy_auth_used = 0;
        uint64_t protocol_rejects_sent = 0;  // frames of protocols we do not run
        uint64_t frames_before_phase = 0;    // auth/NCP frames before their phase (dropped)
        uint64_t bad_frames = 0;             // no protocol field
        uint64_t ra_sent = 0, rs_answered = 0;
        uint64_t rs_bad = 0;                 // IPv6 from the subscriber to the LNS that is not a valid RS
        uint64_t ipv6_before_ipv6cp = 0;     // IPv6 for the LNS before IPv6CP opened
        uint64_t finished_by[9] = {};        // by EndReason
    } counters;
};

// Proxy data the LAC sent in ICCN (RFC 2661 §4.4.5, AVPs 26-33).
struct ProxyInfo {
    bool has_lcp = false;
    LcpResult lcp;  // the negotiated values derived from the proxied ConfReqs
    bool has_auth = false;
    AuthProtocol auth_protocol = AuthProtocol::pap;
    std::string user;
    std::string password;             // PAP (Proxy Authen Response)
    uint8_t chap_id = 0;
    std::string challenge, response;  // CHAP
};

class PppSession final : public NoticeSink, public AuthListener, public Output {
public:
    // `shared` and `host` must outlive the session.  `cookie` is the owner's.
    PppSession(PppShared &shared, SessionHost &host, uint64_t cookie);
    ~PppSession() override;
    PppSession(const PppSession &) = delete;
    PppSession &operator=(const PppSession &) = delete;

    uint64_t cookie() const { return cookie_; }
    // The tunnel path's limit on the PPP information field; before start().
    void set_path_mru(uint16_t mru) { lcp_.set_path_mru(mru); }
    void start(uint64_t now, const ProxyInfo *proxy = nullptr);
    // A PPP frame's protocol and information field from the subscriber.
    void receive(uint16_t protocol, std::span<const uint8_t> info, uint64_t now);
    // The host's answer to ppp_verify.
    void auth_verdict(const AuthVerdict &v, uint64_t now);
    // After ppp_authenticated: our address, the subscriber's, DNS, and (IPv6CP)
    // the prefix its Router Advertisements carry (the first /64 of `ipv6_prefix`).
    void start_network(uint32_t local_ipv4, const IpcpAssignment &a, uint64_t now,
                       const Ip6Addr *ipv6_prefix = nullptr);
    // An IPv6 packet the subscriber sent to the LNS itself (link-local: Router
    // Solicitations).  lnsd's data plane punts these.
    void receive_ipv6(std::span<const uint8_t> packet, uint64_t now) { receive(kProtoIpv6, packet, now); }
    // Ends the link politely (LCP Terminate); ppp_finished follows.
    void close(uint64_t now, EndReason why = EndReason::admin);
    // Traffic from the subscriber proves it alive (resets the echo count).
    void peer_alive() { lcp_.peer_alive(); }

    uint64_t next_deadline() const;
    void on_timer(uint64_t now);

    const Lcp &lcp() const { return lcp_; }
    const Ipcp &ipcp() const { return ipcp_; }
    const Ipv6cp &ipv6cp() const { return ipv6cp_; }
    std::string_view user() const { return user_; }
    bool authenticated() const { return authenticated_; }
    bool finished() const { return finished_; }

    // Engine plumbing (NoticeSink, AuthListener, Output); not for the owner.
    void on_notice(const Notice &n) override;
    void on_auth_event(const AuthEvent &e) override;
    void send(uint16_t protocol, std::span<const uint8_t> packet) override;

private:
    void lcp_up(uint64_t now);
    void start_auth(uint64_t now);
    void verify_proxy(uint64_t now);
    void auth_done(std::string_view user, uint64_t now);
    void finish(EndReason why);
    void receive_auth(uint16_t protocol, std::span<const uint8_t> info, uint64_t now);
    void handle_ipv6(std::span<const uint8_t> packet, uint64_t now);
    void send_ra(const Ip6Addr &dst);
    AuthContext auth_ctx();

    PppShared &sh_;
    SessionHost &host_;
    uint64_t cookie_;
    uint64_t now_ = 0;
    Lcp lcp_;
    Ipcp ipcp_;
    Ipv6cp ipv6cp_;
    RaSchedule ra_;
    Ip6Addr prefix_{};  // the /64 advertised
    std::variant<std::monostate, PapAuthenticator, ChapAuthenticator> auth_;
    std::unique_ptr<ProxyInfo> proxy_;  // kept until its credentials are checked
    std::string user_;
    uint32_t proxy_ticket_ = 0;
    EndReason ending_ = EndReason::none;  // why close() was called
    bool authenticated_ = false;
    bool network_started_ = false;
    bool ipv6_started_ = false;
    bool finished_ = false;
};

}  // namespace lns::cp::ppp
