// A subscriber's PPP, the client side: LCP in its client role, then the
// authentication peer the LNS asks for (PAP, CHAP-MD5 or MS-CHAPv2), then IPCP
// (address and DNS from the LNS) and, when enabled, IPv6CP (interface
// identifiers).  Used by the LAC emulator (one PppClient per emulated call, frames
// carried in L2TP data messages) and by lns-pppd (one client on a pty, frames in
// asynchronous HDLC, hdlc.hpp).
//
// Sans-I/O, like the engines it composes: frames in through receive(), packets
// out and results up through the ClientHost the owner implements; time is the
// owner's `now` (ns); timers through next_deadline() / on_timer(now).
//
// Life (RFC 1661 §3.2 phases):
//   start(now)              LCP Open + Up: our Configure-Request goes out at once
//   LCP up                  the Auth-Protocol the LNS asked for (accepted by the
//                           client policy, LcpConfig::client()) starts its peer
//                           engine with host.ppp_credentials(); none: skip
//   authenticated           IPCP (and IPv6CP) Open + Up
//   every NCP settled       host.ppp_up(): IPCP opened, and IPv6CP opened (or,
//                           unless required, refused); result() has the values
//   IP frames while up      host.ppp_ip(protocol, packet)
//   anything fatal          host.ppp_finished(why), once; the owner ends the call
// close(now) sends LCP Terminate-Request; ppp_finished(local_close) follows when
// LCP is done.  lower_down(now) is for a carrier that is already gone (the L2TP
// call cleared): LCP Down, ppp_finished(lower_down) at once.
//
// The host's callbacks run synchronously inside this object's methods; the host
// must not destroy the client from inside them (defer it).
//
// Per session: about 600 bytes plus the authentication peer's copy of the
// credentials (allocated when authentication starts).  No allocation per packet.
//
// Thread: one owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/chap.hpp"
#include "controlplane/ppp/ipcp.hpp"
#include "controlplane/ppp/ipv6cp.hpp"
#include "controlplane/ppp/lcp.hpp"
#include "controlplane/ppp/pap.hpp"

namespace lns::cp::ppp {

class PppClient;

// Why a client's PPP ended (or never came up).
enum class ClientFailure : uint8_t {
    none,
    lcp_timeout,        // LCP never agreed within Max-Configure (no answer, usually)
    lcp_failed,         // LCP refused: a required option, Code-/Protocol-Reject
    auth_rejected,      // PAP Nak / CHAP Failure
    auth_timeout,       // no Challenge, or no answer to our credentials, in time
    auth_bad_server,    // MS-CHAPv2: the authenticator response did not check out
    no_address,         // IPCP ended without an IPv4 address for us
    ipcp_failed,        // IPCP timed out or was rejected by the LNS
    ipv6cp_failed,      // IPv6CP failed while required
    peer_terminated,    // the LNS sent LCP Terminate-Request
    peer_dead,          // LCP echo keepalive failed
    looped_back,        // LCP Magic-Number loop
    lower_down,         // the carrier went away (lower_down())
    local_close,        // close() by the owner
};
inline constexpr size_t kClientFailureCount = 14;
const char *client_failure_name(ClientFailure f);

enum class ClientPhase : uint8_t {
    initial,       // not started
    establish,     // LCP negotiating
    authenticate,  // auth peer running
    network,       // NCPs negotiating
    up,            // ppp_up reported
    terminate,     // closing (LCP Terminate)
    finished,      // ppp_finished reported
};
const char *client_phase_name(ClientPhase p);

// Steps for progress reporting (ClientHost::ppp_step).
enum class ClientStep : uint8_t { lcp_up, auth_ok, ipcp_up, ipv6cp_up, ipv6cp_refused };
const char *client_step_name(ClientStep s);

// Times (the owner's clock, ns) at which the client reached each step; 0: not yet
// (a step at time 0 is recorded as 1).
struct ClientTimes {
    uint64_t start = 0, lcp_up = 0, auth_ok = 0, ipcp_up = 0, ipv6cp_up = 0, up = 0, end = 0;
};

// What was negotiated.  IPv4 addresses in host order; IPv6 interface ids as 64-bit
// host-order values of the 8 octets (link-local fe80::<id>).
struct ClientResult {
    bool ipv4 = false, ipv6 = false;  // the NCP opened
    uint32_t address = 0, peer_address = 0;
    uint32_t dns[2] = {};
    uint64_t interface_id = 0, peer_interface_id = 0;
    std::optional<AuthProtocol> auth;  // what we authenticated with (none: not asked)
    uint16_t peer_mru = kDefaultMru;   // largest frame we may send
};

struct Credentials {
    std::string_view user, password;
};

class ClientHost {
public:
    virtual ~ClientHost() = default;
    // One PPP packet (protocol, information field) for the LNS; the owner frames it
    // (FF 03 + protocol: ppp_frame() in hdlc.hpp) and carries it.
    virtual void ppp_send(PppClient &c, uint16_t protocol, std::span<const uint8_t> packet) = 0;
    // Name and secret when authentication starts; copied during the call.
    virtual Credentials ppp_credentials(PppClient &c) = 0;
    // Every NCP settled: addresses in c.result().
    virtual void ppp_up(PppClient &c, uint64_t now) = 0;
    // The link is over (or never came up).  Called once.
    virtual void ppp_finished(PppClient &c, ClientFailure why, uint64_t now) = 0;
    // An IPv4 (kProtoIpv4) or IPv6 (kProtoIpv6) packet from the LNS while its NCP is open.
    virtual void ppp_ip(PppClient &c, uint16_t protocol, std::span<const uint8_t> packet,
                        uint64_t now) {
        (void)c, (void)protocol, (void)packet, (void)now;
    }
    // Progress, for logs.
    virtual void ppp_step(PppClient &c, ClientStep step, uint64_t now) {
        (void)c, (void)step, (void)now;
    }
};

struct ClientConfig {
    bool ipv4 = true;            // run IPCP (an address is then required)
    bool ipv6 = false;           // run IPv6CP
    bool ipv6_required = false;  // IPv6CP refused or failed ends the link
};

struct ClientCounters {
    uint64_t started = 0, lcp_up = 0, authenticated = 0, ipcp_up = 0, ipv6cp_up = 0;
    uint64_t up = 0, finished = 0;
    uint64_t finished_by[kClientFailureCount] = {};
    uint64_t frames_in = 0;
    uint64_t bad_frames = 0;            // dropped: no protocol field
    uint64_t frames_before_phase = 0;   // dropped: auth / NCP / IP frames before their phase
    uint64_t protocol_rejects_sent = 0; // frames of protocols we do not run
    uint64_t ip_in = 0;                 // IPv4/IPv6 packets handed to ppp_ip
};

// Per owner (one per core): configuration, counters and randomness shared by all
// clients; must outlive them.  The constructor applies the client presets
// (LcpConfig::client(), IpcpConfig::client()).
struct ClientShared {
    ClientShared();
    ClientConfig config;
    LcpShared lcp;
    IpcpShared ipcp;
    Ipv6cpShared ipv6cp;
    AuthConfig auth;
    AuthCounters auth_counters;
    AuthRandom *auth_random = nullptr;  // MS-CHAPv2 peer challenges; null: built in
    ClientCounters counters;

    AuthRandom &auth_rng() { return auth_random != nullptr ? *auth_random : own_auth_random_; }

private:
    struct OwnRandom final : AuthRandom {
        SplitMix64 g{0x4155544845ull};
        uint64_t next() override { return g.next(); }
    } own_auth_random_;
};

class PppClient final : public NoticeSink, public AuthListener, public Output {
public:
    // `shared` and `host` must outlive the client.  `cookie` is the owner's.
    PppClient(ClientShared &shared, ClientHost &host, uint32_t cookie);
    PppClient(const PppClient &) = delete;
    PppClient &operator=(const PppClient &) = delete;

    uint32_t cookie() const { return cookie_; }
    // The carrier's limit on the PPP information field; before start().
    void set_path_mru(uint16_t mru) { lcp_.set_path_mru(mru); }
    void start(uint64_t now);
    // A whole PPP frame (FF 03 optional, 1- or 2-octet protocol).
    void receive_frame(std::span<const uint8_t> frame, uint64_t now);
    // A frame's protocol and information field.
    void receive(uint16_t protocol, std::span<const uint8_t> info, uint64_t now);
    void close(uint64_t now);
    void lower_down(uint64_t now);

    uint64_t next_deadline() const;
    void on_timer(uint64_t now);

    ClientPhase phase() const { return phase_; }
    bool is_up() const { return phase_ == ClientPhase::up; }
    bool finished() const { return phase_ == ClientPhase::finished; }
    ClientFailure failure() const { return failure_; }
    // Once finished: the phase the client was in when it ended (e.g. authenticate
    // for an LNS that clears the call on bad credentials without a CHAP Failure).
    ClientPhase end_phase() const { return end_phase_; }
    const ClientTimes &times() const { return times_; }
    ClientResult result() const;
    const Lcp &lcp() const { return lcp_; }
    const Ipcp &ipcp() const { return ipcp_; }
    const Ipv6cp &ipv6cp() const { return ipv6cp_; }

    // Engine plumbing (NoticeSink, AuthListener, Output); not for the owner.
    void on_notice(const Notice &n) override;
    void on_auth_event(const AuthEvent &e) override;
    void send(uint16_t protocol, std::span<const uint8_t> packet) override;

private:
    void lcp_notice(const Notice &n);
    void ncp_notice(const Notice &n);
    void lcp_up();
    void auth_done();
    void check_up();
    void fail(ClientFailure why);
    void finish(ClientFailure why);
    void receive_auth(uint16_t protocol, std::span<const uint8_t> info);
    AuthContext auth_ctx();

    ClientShared &sh_;
    ClientHost &host_;
    uint32_t cookie_;
    ClientPhase phase_ = ClientPhase::initial;
    ClientFailure failure_ = ClientFailure::none;
    ClientFailure pending_ = ClientFailure::none;  // why we are closing
    ClientPhase end_phase_ = ClientPhase::initial;
    bool authenticated_ = false, network_started_ = false;
    bool ipcp_done_ = false, ipv6cp_done_ = false;  // opened, or finished without
    uint64_t now_ = 0;
    ClientTimes times_;
    Lcp lcp_;
    Ipcp ipcp_;
    Ipv6cp ipv6cp_;
    std::variant<std::monostate, PapPeer, ChapPeer> auth_;
};

}  // namespace lns::cp::ppp
