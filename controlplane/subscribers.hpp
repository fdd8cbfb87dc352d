// The subscribers of lnsd: for every established L2TP call, its PPP session
// (controlplane/ppp/session.hpp), its authentication and addresses
// (controlplane/aaa/), its accounting records and timeouts, and the data-plane
// entry's subscriber addresses.  Implements ppp::SessionHost.
//
// Sans-I/O: what it needs from lnsd's control core (send a PPP packet into a
// session, publish the subscriber's addresses, end the L2TP call, read the
// session's traffic counters) goes through SubscriberEnv, so the whole life of a
// subscriber is tested without DPDK (tests/unit/controlplane/subscribers_test.cpp).
//
// Subscribers are keyed by their data-plane session index (the punt path carries
// it).  Ending a subscriber (PPP finished, timeouts, Disconnect-Request) is
// deferred to the end of the public call that caused it, then: accounting Stop,
// addresses released, env.end_call() (CDN, data-plane entry removed).  A call the
// LAC cleared (call_down) ends at once without PPP packets.
//
// PPP frames for an index with no subscriber yet are held (a few per index, for
// kEarlyTtlNs) and delivered when call_up comes: the LAC may send its LCP
// Configure-Request right after ICCN, and the ICCN can reach us later (L2TP
// control messages are reordered by Ns, data messages are not).
//
// Timers: one binary heap of (deadline, index, generation), lazily invalidated.
//
// Thread: the control core only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "controlplane/aaa/aaa.hpp"
#include "controlplane/aaa/radius_dae.hpp"
#include "controlplane/l2tp/types.hpp"
#include "controlplane/ppp/session.hpp"

namespace lns::cp {

// PPP Disconnect Cause Code (RFC 3145) sent in the CDN; code 0: none sent.
struct CallCause {
    uint16_t code = 0;
    uint16_t protocol = 0;   // the control protocol concerned (LCP, CHAP, IPCP), 0 global
    uint8_t direction = 0;   // 0 global, 1 at the peer (subscriber), 2 at our side
};

class SubscriberEnv {
public:
    virtual ~SubscriberEnv() = default;
    virtual void send_ppp(uint32_t index, uint16_t protocol, std::span<const uint8_t> packet) = 0;
    // Publishes the subscriber's address / prefix in the data plane.
    virtual bool set_addresses(uint32_t index, std::optional<uint32_t> ipv4,
                               std::optional<aaa::Ipv6Prefix> ipv6, std::string *err) = 0;
    // Clears the L2TP call (CDN with result/error and `cause`) and removes the
    // data-plane entry.
    virtual void end_call(uint32_t index, uint16_t result, uint16_t error, const CallCause &cause) = 0;
    virtual aaa::TrafficCounters traffic(uint32_t index) = 0;
    // Our IPCP address toward this subscriber.
    virtual uint32_t local_ipv4(uint32_t index) = 0;
};

// Why a subscriber ended, beyond PPP's own reasons.
enum class SubEnd : uint8_t {
    ppp,              // see ppp::EndReason
    lac_cleared,      // CDN / StopCCN / dead LAC: the call is gone
    session_timeout,
    idle_timeout,
    disconnect,       // RADIUS Disconnect-Request
    no_address,       // address assignment failed
    install_failed,   // the data plane refused the addresses
};

struct SubscriberCounters {
    uint64_t calls = 0, ended = 0;
    uint64_t auth_accepts = 0, auth_rejects = 0, auth_stale = 0;
    uint64_t address_failures = 0, install_failures = 0;
    uint64_t sessions_up = 0;                     // IPCP up, addresses published
    uint64_t ipv6_up = 0;                         // IPv6CP up, prefix published
    uint64_t session_timeouts = 0, idle_timeouts = 0, disconnects = 0, lac_cleared = 0;
    uint64_t acct_start = 0, acct_interim = 0, acct_stop = 0;
    uint64_t bad_frames = 0;
    // PPP frames punted for an index whose call is not up yet (the LAC's LCP
    // Configure-Request can overtake its ICCN, held in the tunnel's receive
    // window): held, then delivered by call_up; or discarded (no call came within
    // kEarlyTtlNs, or over the per-index / total bound): unknown_index.
    uint64_t early_held = 0, early_delivered = 0, unknown_index = 0;
    uint64_t dae_disconnect_acks = 0, dae_coa_acks = 0, dae_not_found = 0;
};

class SubscriberManager final : public ppp::SessionHost {
public:
    static constexpr size_t kEarlyPerIndex = 4;      // frames held per index
    static constexpr size_t kEarlyTotal = 16384;     // frames held in all
    static constexpr uint64_t kEarlyTtlNs = 2'000'000'000ull;  // below LCP's restart timer
    // `aaa` answers through auth_answer() (the owner wires Aaa's DoneFn to it).
    SubscriberManager(const cfg::Config &cfg, SubscriberEnv &env, aaa::Aaa &aaa,
                      ppp::Random &rnd, ppp::AuthRandom &auth_rnd, uint32_t max_index);
    ~SubscriberManager() override;

    // L2TP events: the call is up (data-plane entry `index` installed), or gone.
    void call_up(uint32_t index, uint16_t tunnel, uint16_t session, const l2tp::CallInfo *call,
                 uint16_t path_mru, uint64_t now);
    void call_down(uint32_t index, uint64_t now);
    // A PPP frame (FF 03 optional, protocol, information) punted for `index`.
    void frame(uint32_t index, std::span<const uint8_t> ppp_frame, uint64_t now);
    // The same, already split into protocol and information field.
    void packet(uint32_t index, uint16_t protocol, std::span<const uint8_t> info, uint64_t now);
    void auth_answer(const aaa::AuthAnswer &a, uint64_t now);
    // RFC 5176: finds the sessions the request names; disconnects them or applies
    // the changes.  Returns how many matched (0: the owner NAKs 503).
    size_t dae_request(const aaa::DaeRequest &r, uint64_t now);
    // Ends every subscriber (lnsd shutting down): LCP Terminate, accounting Stop.
    void shutdown(uint64_t now);

    uint64_t next_deadline();
    void on_timer(uint64_t now);

    size_t count() const { return live_; }
    const SubscriberCounters &counters() const { return c_; }
    const ppp::PppShared &ppp_shared() const { return ppp_; }
    // Per subscriber, for stats and tests.
    struct View {
        uint32_t index = 0;
        std::string user, acct_session_id;
        std::optional<uint32_t> ipv4;
        bool up = false;
        // for the management API (mgmt/)
        uint16_t tunnel = 0, session = 0;
        std::optional<aaa::Ipv6Prefix> ipv6;
        bool ipv6_up = false, ending = false;
        uint64_t started_ns = 0, up_ns = 0;
        const ppp::PppSession *ppp = nullptr;  // valid until the next call into the manager
    };
    std::optional<View> view(uint32_t index) const;
    // The subscriber's traffic since its first address reached the data plane
    // (what its accounting records report); none before that or when unknown.
    std::optional<aaa::TrafficCounters> traffic(uint32_t index);
    // Ends a subscriber as a RADIUS Disconnect-Request does (LCP Terminate,
    // accounting Stop, CDN); the management API's disconnect.  False if there is
    // no such subscriber or it is already ending.
    bool disconnect(uint32_t index, uint64_t now);

    // ppp::SessionHost
    void ppp_send(ppp::PppSession &s, uint16_t protocol, std::span<const uint8_t> packet) override;
    void ppp_verify(ppp::PppSession &s, const ppp::VerifyRequest &req) override;
    void ppp_authenticated(ppp::PppSession &s, std::string_view user) override;
    void ppp_network_up(ppp::PppSession &s, uint16_t protocol) override;
    void ppp_finished(ppp::PppSession &s, ppp::EndReason why) override;

private:
    struct Sub;
    class Entry;
    Sub *find(uint32_t index);
    Sub *from(ppp::PppSession &s);
    void arm(Sub &s);
    void run_timers(Sub &s, uint64_t now);
    void end(Sub &s, SubEnd why, ppp::EndReason ppp_why);
    void drain(uint64_t now);
    void finish_now(Sub &s, uint64_t now);
    void account(Sub &s, aaa::AcctStatusType type, uint64_t now);
    aaa::TrafficCounters traffic(const Sub &s);

    cfg::Config cfg_;
    SubscriberEnv &env_;
    aaa::Aaa &aaa_;
    ppp::PppShared ppp_;
    std::vector<std::unique_ptr<Sub>> subs_;  // by data-plane index
    size_t live_ = 0;
    uint32_t gen_ = 0;
    uint64_t boot_id_ = 0;
    uint64_t now_ = 0;
    unsigned depth_ = 0;            // nesting of public calls (Entry)
    std::vector<uint32_t> ending_;  // indices to finish after the current call
    using HeapItem = std::tuple<uint64_t, uint32_t, uint32_t>;  // deadline, index, gen
    std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> heap_;
    std::unordered_map<std::string, uint32_t> by_acct_id_;
    std::unordered_map<uint32_t, uint32_t> by_ipv4_;
    struct Early {
        uint64_t at;
        uint16_t protocol;
        std::vector<uint8_t> info;
    };
    std::unordered_map<uint32_t, std::vector<Early>> early_;  // by index, arrival order
    size_t early_count_ = 0;
    void hold_early(uint32_t index, uint16_t protocol, std::span<const uint8_t> info, uint64_t now);
    void expire_early(uint64_t now);
    void discard_early(std::vector<Early> &held, size_t n);
    SubscriberCounters c_;
};

}  // namespace lns::cp
