// The RADIUS client of lnsd as a sans-I/O engine (conventions.md §1-2): requests
// in, datagrams out through `SendFn`, datagrams and time in, results out through
// `DoneFn`.  No sockets, clocks or threads inside; randomness (Request
// Authenticators) is injected.
//
// Sockets and identifiers (RFC 2865 §3, RFC 5080 §2.2.2): an Identifier is 8 bits
// per source port, so the owner opens `sockets` UDP source ports and the engine
// assigns each transmission a (socket, id) pair from a FIFO of free pairs (the
// pair freed longest ago is reused last).  A table indexed by socket * 256 + id
// finds the request a reply belongs to; requests come from a pool sized at
// construction, so steady state does no allocation but copying attribute bytes
// into buffers that keep their capacity.  When every pair is busy, requests
// wait in a bounded FIFO; when that is full, submit() fails at once with
// `queue_full` (counted).
//
// Retransmission and failover: an Access-Request is retransmitted with the same
// id and authenticator `retries` times, `timeout_ns` apart (RFC 2865 §2.5 /
// RFC 5080 §2.2.1); then the server has timed out for this request and the
// request moves to the next server of the list (new id, new authenticator, the
// password hidden with that server's secret).  Servers are tried in list order,
// live ones first; a server that timed out `dead_after` requests in a row is
// dead for `dead_holddown_ns` (skipped while a live server remains untried) and
// is live again after it, or as soon as it answers.  When every server has been
// tried the request fails with `timeout`.
// Accounting-Requests get a new id and authenticator on every transmission,
// because Acct-Delay-Time changes (RFC 2866 §5.2); they go `acct_rounds` times
// over the server list, with their own timeout and retry count.
//
// Replies are matched by (socket, id) and must come from the server and port the
// request was sent to, carry the expected code, a valid Response Authenticator
// (RFC 2865 §3) and, when present (or required by `require_message_authenticator`
// for Access-* replies), a valid Message-Authenticator (RFC 3579 §3.2).
// Anything else is dropped and counted by reason; a reply for a pair with nothing
// in flight (late, duplicate) is counted as `unknown_id`.  Every Access-Request
// carries a Message-Authenticator (RFC 3579 §3.2, the BlastRADIUS advice).
//
// Callbacks run synchronously.  `DoneFn` may call submit_*() and cancel(); `SendFn`
// must not call into the engine.  Thread: one owner (the control core).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "controlplane/aaa/radius_attrs.hpp"
#include "controlplane/aaa/radius_codec.hpp"

namespace lns::cp::aaa {

inline constexpr uint64_t kRadiusSec = 1000000000ull;

struct RadiusServer {
    uint32_t ip = 0;  // IPv4, host order
    uint16_t auth_port = 1812, acct_port = 1813;
    std::string secret;
    uint64_t timeout_ns = 3 * kRadiusSec;       // Access-Request: wait per transmission
    unsigned retries = 3;                       // retransmissions before failing over
    uint64_t acct_timeout_ns = 3 * kRadiusSec;  // Accounting-Request
    unsigned acct_retries = 3;
};

struct RadiusClientConfig {
    std::vector<RadiusServer> servers;  // 1..64, tried in this order
    NasIdentity nas;                    // NAS-IP-Address / NAS-Identifier in every request
    unsigned sockets = 1;               // source sockets the owner opened (256 ids each), 1..256
    uint32_t max_queue = 4096;          // requests waiting for a free (socket, id)
    unsigned dead_after = 3;            // consecutive request timeouts that make a server dead
    uint64_t dead_holddown_ns = 30 * kRadiusSec;
    unsigned acct_rounds = 2;           // passes over the server list for accounting
    bool require_message_authenticator = false;  // in Access-Accept/Reject/Challenge
};

enum class Service : uint8_t { auth, acct };

// One datagram to send: from the owner's socket `socket` to ip:port.  `bytes` is
// valid during the SendFn call only.
struct RadiusDatagram {
    uint16_t socket = 0;
    uint32_t ip = 0;
    uint16_t port = 0;
    ByteSpan bytes;
};

enum class RadiusStatus : uint8_t {
    pending,              // submit(): accepted, a result will follow
    accept,               // Access-Accept
    reject,               // Access-Reject
    challenge,            // Access-Challenge (State and Reply-Message in the reply)
    accounting_response,  // Accounting-Response
    timeout,              // every server tried, no valid answer
    queue_full,           // submit(): nothing free and the wait queue is full
    invalid_request,      // submit(): does not encode (too long, missing fields)
};
const char *radius_status_name(RadiusStatus s);

struct RadiusResult {
    RadiusStatus status = RadiusStatus::pending;
    uint64_t tag = 0;              // the owner's, from submit
    Service service = Service::auth;
    int server = -1;               // index of the server that answered (-1: none)
    unsigned transmissions = 0;    // datagrams sent for this request, all servers
    uint64_t elapsed_ns = 0;       // submit to result
    const AccessReply *reply = nullptr;  // accept / reject / challenge: valid during the call
};

struct RequestHandle {
    uint32_t index = UINT32_MAX;
    uint32_t gen = 0;
    bool valid() const { return index != UINT32_MAX; }
};

struct Submitted {
    RadiusStatus status = RadiusStatus::pending;  // pending, queue_full or invalid_request
    RequestHandle handle;                         // valid when pending
};

struct RadiusClientCounters {
    uint64_t access_requests = 0, accounting_requests = 0;  // accepted by submit
    uint64_t transmissions = 0;   // every datagram sent
    uint64_t retransmits = 0;     // same server, after a timeout
    uint64_t timeouts = 0;        // transmissions that got no valid answer in time
    uint64_t failovers = 0;       // a request moved to another server
    uint64_t requests_timed_out = 0;  // every server tried: result timeout
    uint64_t servers_marked_dead = 0, servers_revived = 0;
    uint64_t accepts = 0, rejects = 0, challenges = 0, accounting_responses = 0;
    uint64_t queued = 0;          // waited for a free (socket, id)
    uint64_t queue_full = 0, invalid_requests = 0, cancelled = 0;
    uint64_t replies_in = 0;      // datagrams given to on_datagram
    uint64_t unknown_id = 0;      // nothing in flight on (socket, id): late or duplicate
    uint64_t wrong_source = 0;    // from another address/port than the request went to
    std::array<uint64_t, size_t(RadiusError::count_)> bad_reply{};  // by RadiusError
};

struct ServerState {
    bool dead = false;
    uint64_t dead_until = 0;
    unsigned consecutive_timeouts = 0;
    uint64_t requests = 0, replies = 0, timeouts = 0;  // request timeouts on this server
};

class RadiusClient {
public:
    using SendFn = std::function<void(const RadiusDatagram &)>;
    using DoneFn = std::function<void(const RadiusResult &)>;
    using RandomFn = std::function<uint64_t()>;

    // Throws std::invalid_argument on a config out of range.
    RadiusClient(RadiusClientConfig cfg, RandomFn rng, SendFn send, DoneFn done);
    ~RadiusClient();

    // Encodes and sends (or queues) a request.  `tag` comes back in the result.
    Submitted submit_access(const AccessRequest &r, uint64_t tag, uint64_t now);
    Submitted submit_accounting(const AccountingRequest &r, uint64_t tag, uint64_t now);
    // Forgets a request without a result (e.g. the session went away).  False if
    // it already completed.
    bool cancel(RequestHandle h, uint64_t now);

    // A datagram that arrived on the owner's socket `socket` from ip:port.
    void on_datagram(uint16_t socket, uint32_t ip, uint16_t port, ByteSpan bytes, uint64_t now);
    // Retransmissions, failovers and timeouts due at `now`.
    void on_timer(uint64_t now);
    // Earliest time on_timer has work (UINT64_MAX: none).
    uint64_t next_deadline();

    const RadiusClientCounters &counters() const { return c_; }
    const ServerState &server_state(size_t server, Service s) const;
    const RadiusClientConfig &config() const { return cfg_; }
    size_t in_flight() const { return in_flight_; }
    size_t queued() const { return queued_; }

private:
    struct Req;
    struct Timer {
        uint64_t deadline;
        uint32_t req, gen;
        bool operator>(const Timer &o) const { return deadline > o.deadline; }
    };

    Submitted admit(Service svc, uint64_t tag, uint64_t now, uint32_t *idx);
    Submitted start(uint32_t idx, uint64_t now);
    void transmit_new(uint32_t idx, uint64_t now);
    bool encode(Req &q, uint8_t id, uint64_t now);
    void send_current(Req &q, uint64_t now);
    void on_timeout(uint32_t idx, uint64_t now);
    void fail_over(uint32_t idx, uint64_t now);
    int pick_server(Req &q, uint64_t now);
    void server_timed_out(int server, Service svc, uint64_t now);
    void complete(uint32_t idx, RadiusStatus st, int server, const AccessReply *reply,
                  uint64_t now);
    void release_slot(Req &q);
    void free_req(uint32_t idx);
    void pump_queue(uint64_t now);
    void count_result(RadiusStatus st);
    RadiusStatus check_reply(const Req &q, const PacketView &p, ByteSpan secret);
    ServerState &state(int server, Service s) { return states_[size_t(server) * 2 + size_t(s)]; }

    RadiusClientConfig cfg_;
    RandomFn rng_;
    SendFn send_;
    DoneFn done_;
    std::vector<Req> reqs_;
    std::vector<uint32_t> free_reqs_;
    std::vector<uint32_t> slots_;     // socket * 256 + id -> request index
    std::vector<uint32_t> free_ids_;  // ring of free (socket * 256 + id)
    size_t free_head_ = 0, free_count_ = 0;
    std::vector<uint32_t> wait_;      // ring of request indices waiting for an id
    size_t wait_head_ = 0, wait_count_ = 0;
    std::vector<Timer> timers_;       // min-heap; stale entries skipped
    std::vector<ServerState> states_; // [server * 2 + service]
    std::array<uint8_t, kRadiusMaxLen> scratch_{};
    AccessReply reply_;
    size_t in_flight_ = 0, queued_ = 0;
    RadiusClientCounters c_;
};

}  // namespace lns::cp::aaa
