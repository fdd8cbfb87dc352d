// The AAA façade the subscriber sessions talk to: one call to check credentials,
// whatever the backend (aaa.backend: local users or RADIUS), one answer with what
// the subscriber is entitled to (addresses or pools, timeouts, Class), and
// accounting records (RADIUS only).
//
// Local answers arrive through DoneFn before authenticate() returns; RADIUS
// answers later, when on_datagram()/on_timer() complete the request.  Tags are
// the owner's (e.g. session index and generation): an answer for a session that
// has gone is the owner's to ignore.
//
// Sans-I/O like the engines it composes: RADIUS datagrams go out through SendFn
// and come back through on_datagram(); the owner opens the sockets.
//
// Thread: the control core only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "controlplane/aaa/addresses.hpp"
#include "controlplane/aaa/local_users.hpp"
#include "controlplane/aaa/radius_client.hpp"
#include "controlplane/ppp/auth.hpp"

namespace lns::cp::aaa {

// What an accepted subscriber gets.
struct Grant {
    std::optional<uint32_t> ipv4;         // fixed (local ipv4, RADIUS Framed-IP-Address)
    std::string ipv4_pool;                // else this pool ("" = default)
    std::optional<Ipv6Prefix> ipv6;       // the link's /64 (local ipv6_prefix, Framed-IPv6-Prefix)
    std::string ipv6_pool;
    std::optional<Ipv6Prefix> delegated;  // RADIUS Delegated-IPv6-Prefix (kept, for accounting)
    uint32_t session_timeout_s = 0;       // 0: none
    uint32_t idle_timeout_s = 0;
    uint32_t interim_interval_s = 0;      // 0: no interim accounting
    std::vector<std::string> classes;     // RADIUS Class, echoed in accounting
    bool radius = false;                  // authenticated by RADIUS (Acct-Authentic)
};

struct AuthAnswer {
    uint64_t tag = 0;
    bool accept = false;
    bool timeout = false;                 // RADIUS: no server answered
    std::string message;                  // Reply-Message, for the peer
    std::string authenticator_response;   // MS-CHAPv2 accept: "S=..."
    std::string mschap_error;             // MS-CHAPv2 reject from RADIUS: "E=..."
    Grant grant;
};

// About the call, for RADIUS (NAS-Port, Calling-Station-Id...).
struct CallContext {
    uint32_t nas_port = 0;
    std::string_view calling_station_id, called_station_id, acct_session_id;
};

struct AaaCounters {
    uint64_t auth_requests = 0, accepts = 0, rejects = 0, timeouts = 0;
    uint64_t radius_submit_failed = 0;   // queue full / does not encode: rejected at once
    uint64_t accounting_sent = 0, accounting_failed = 0, accounting_answered = 0;
};

class Aaa {
public:
    using DoneFn = std::function<void(const AuthAnswer &)>;

    // `nas_ip`: NAS-IP-Address when aaa.radius.nas_ip is 0.  `radius_sockets`: how
    // many source sockets the owner opened (aaa.radius.source_ports).
    Aaa(const cfg::AaaConfig &cfg, uint32_t nas_ip, RadiusClient::RandomFn rng,
        RadiusClient::SendFn send, DoneFn done);

    void authenticate(uint64_t tag, const ppp::VerifyRequest &req, const CallContext &call,
                      uint64_t now);
    // Sends an accounting record (RADIUS with accounting on; else nothing).
    void account(const AccountingRequest &r, uint64_t now);
    bool accounting_enabled() const { return radius_ && cfg_.radius.accounting; }

    // RADIUS plumbing (no-ops without RADIUS).
    void on_datagram(uint16_t socket, uint32_t ip, uint16_t port, ByteSpan bytes, uint64_t now);
    void on_timer(uint64_t now);
    uint64_t next_deadline();

    // Configuration reload (the caller checked with cfg::diff_config that only
    // hot keys differ, and that pools removed or changed hold no address): the
    // new user list, pools added / retired (AddressPools::reconfigure), default
    // pools and timeouts for subscribers authenticated from now on.
    void reconfigure(const cfg::AaaConfig &cfg);

    AddressPools &pools() { return pools_; }
    LocalUsers &users() { return users_; }
    const RadiusClient *radius() const { return radius_.get(); }
    const AaaCounters &counters() const { return c_; }
    const cfg::AaaConfig &config() const { return cfg_; }

private:
    void local_answer(uint64_t tag, const ppp::VerifyRequest &req);
    void radius_done(const RadiusResult &r);

    cfg::AaaConfig cfg_;
    DoneFn done_;
    LocalUsers users_;
    AddressPools pools_;
    std::unique_ptr<RadiusClient> radius_;
    AaaCounters c_;
};

}  // namespace lns::cp::aaa
