// Dynamic Authorization Extensions (RFC 5176): the server side lnsd runs on its
// listening port (3799), as a sans-I/O engine.  Datagrams in; typed requests out
// to the owner through `RequestFn`; the owner's answer (answer()) turns into a
// Disconnect-ACK/NAK or CoA-ACK/NAK sent through `SendFn`.
//
// Checks, in order (§3, §3.5): the packet decodes and is a Disconnect-Request or
// CoA-Request; its source address is in the DAE client list (which is not the
// RADIUS server list); the Request Authenticator verifies with that client's
// secret (MD5 over a zero authenticator, like accounting) and so does the
// Message-Authenticator when present (or required for the client).  Failures are
// dropped silently and counted (§3.5: no answer without a valid authenticator).
// A request with the same source address, port, Identifier and authenticator as
// one seen within `duplicate_window_ns` is a retransmission: the stored answer is
// sent again, or nothing while the owner has not answered yet (RFC 5080 §2.2.2).
//
// Then the content (§3, §3.6): attributes other than session identification
// (User-Name, Acct-Session-Id, Acct-Multi-Session-Id, Framed-IP-Address,
// Framed-IPv6-Prefix, NAS-Port, NAS-Port-Id, Calling/Called-Station-Id), NAS
// identification (NAS-IP-Address, NAS-IPv6-Address, NAS-Identifier),
// Event-Timestamp, State, Proxy-State, Service-Type and Message-Authenticator are
// answered at once with NAK 401 (Unsupported Attribute), except in a CoA-Request
// the changes lnsd applies: Session-Timeout, Idle-Timeout, Acct-Interim-Interval,
// Class, Reply-Message (allowed in both).  No session identification: NAK 402.
// A NAS-IP-Address / NAS-Identifier naming another NAS (when configured): NAK 403.
// Service-Type Authorize-Only: NAK 405 (no re-authorization here).
//
// Proxy-State attributes are echoed in the answer in order (§3.5); a
// Message-Authenticator is added when the request had one.
//
// Callbacks run synchronously; RequestFn may call answer().  Thread: one owner.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "controlplane/aaa/radius_codec.hpp"

namespace lns::cp::aaa {

struct DaeClient {
    uint32_t ip = 0;  // host order
    std::string secret;
    bool require_message_authenticator = false;
};

struct DaeConfig {
    std::vector<DaeClient> clients;
    uint64_t duplicate_window_ns = 5000000000ull;   // answers kept for retransmissions
    uint64_t answer_timeout_ns = 30000000000ull;    // unanswered requests forgotten after
    uint32_t nas_ip = 0;          // when non-zero, a different NAS-IP-Address: NAK 403
    std::string nas_identifier;   // when set, a different NAS-Identifier: NAK 403
};

enum class DaeKind : uint8_t { disconnect, coa };

// A Disconnect-Request or CoA-Request that passed every check.  The owner finds
// the session(s) it names (by whichever identification fields are present) and
// answers with answer(handle, ...).
struct DaeRequest {
    DaeKind kind = DaeKind::disconnect;
    uint64_t handle = 0;
    uint32_t client_ip = 0;
    uint16_t client_port = 0;
    // session identification
    std::string acct_session_id, acct_multi_session_id, user_name;
    std::string calling_station_id, called_station_id, nas_port_id;
    bool has_framed_ip = false;
    uint32_t framed_ip = 0;
    bool has_framed_ipv6_prefix = false;
    Ipv6Prefix framed_ipv6_prefix;
    bool has_nas_port = false;
    uint32_t nas_port = 0;
    // changes (CoA-Request)
    bool has_session_timeout = false, has_idle_timeout = false, has_interim_interval = false;
    uint32_t session_timeout = 0, idle_timeout = 0, acct_interim_interval = 0;
    std::vector<std::string> classes;
    std::string reply_message;
};

struct DaeDatagram {
    uint32_t ip = 0;
    uint16_t port = 0;
    ByteSpan bytes;  // valid during the call
};

struct DaeCounters {
    uint64_t datagrams_in = 0;
    uint64_t disconnect_requests = 0, coa_requests = 0;  // verified, not duplicates
    uint64_t acks = 0, naks = 0;           // answers sent (first time)
    uint64_t naks_auto = 0;                // of which decided here (401/402/403/405)
    uint64_t duplicates = 0;               // retransmitted requests
    uint64_t duplicate_answers = 0;        // of which answered again from the cache
    uint64_t unknown_client = 0;           // source not in the client list
    uint64_t unanswered = 0;               // owner did not answer in answer_timeout_ns
    uint64_t stale_answers = 0;            // answer() for an unknown or expired handle
    std::array<uint64_t, size_t(RadiusError::count_)> bad{};  // by RadiusError
};

class DaeServer {
public:
    using SendFn = std::function<void(const DaeDatagram &)>;
    using RequestFn = std::function<void(const DaeRequest &)>;

    DaeServer(DaeConfig cfg, SendFn send, RequestFn on_request);

    void on_datagram(uint32_t ip, uint16_t port, ByteSpan bytes, uint64_t now);
    // ACK (`ack` true; `cause` 0 or e.g. 201) or NAK with Error-Cause `cause`
    // (e.g. 503 Session Context Not Found, 404 Invalid Request).  False if the
    // handle is unknown, already answered or expired (counted).
    bool answer(uint64_t handle, bool ack, uint32_t cause, uint64_t now);

    void on_timer(uint64_t now);  // forgets old answers and unanswered requests
    uint64_t next_deadline() const;

    const DaeCounters &counters() const { return c_; }
    size_t pending() const { return by_handle_.size(); }

private:
    struct Entry {
        Bytes16 req_auth{};
        Code code{};
        uint8_t id = 0;
        int client = -1;
        bool answered = false;
        bool had_ma = false;
        uint64_t handle = 0;
        uint64_t expires = 0;
        std::vector<uint8_t> proxy_state;  // encoded Proxy-State attributes, in order
        std::vector<uint8_t> answer;       // the datagram sent
    };

    int find_client(uint32_t ip) const;
    static void fill_entry(const PacketView &p, int client, Entry *en);
    uint32_t check_content(const PacketView &p, DaeRequest *r) const;
    void send_answer(uint64_t key, Entry &e, bool ack, uint32_t cause, uint64_t now);
    void arm(uint64_t key, Entry &e, uint64_t due);

    DaeConfig cfg_;
    SendFn send_;
    RequestFn on_request_;
    std::unordered_map<uint64_t, Entry> entries_;      // (ip, port, id) -> entry
    std::unordered_map<uint64_t, uint64_t> by_handle_; // pending handle -> key
    using Due = std::pair<uint64_t, uint64_t>;         // (time, key)
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> expiry_;
    uint64_t next_handle_ = 1;
    DaeCounters c_;
};

}  // namespace lns::cp::aaa
