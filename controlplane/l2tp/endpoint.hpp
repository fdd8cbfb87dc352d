// The L2TPv2 control plane of one host (RFC 2661 §5-§7) as a sans-I/O engine:
// datagrams and time in, datagrams (through `SendFn`) and events (through
// `EventFn`) out.  It plays both roles, so one class serves lnsd (accepting
// tunnels and incoming calls, placing outgoing calls) and the LAC emulator
// (opening tunnels and calls, answering outgoing calls); a test can wire two
// endpoints back to back.
//
// Tunnels and their sessions live here; reliable delivery is ReliableChannel's
// (one per tunnel); message codecs are message.hpp's.  Handlers are one per
// message type: tunnel-level ones in tunnel.cpp, call-level ones in session.cpp.
//
// Callbacks run synchronously inside on_datagram / on_timer / the actions and
// must not call back into the endpoint (queue actions and run them afterwards).
// Thread: one owner (the control core); no locks, no clocks, no sockets.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "controlplane/l2tp/id_alloc.hpp"
#include "controlplane/l2tp/message.hpp"
#include "controlplane/l2tp/policy.hpp"
#include "controlplane/l2tp/reliable.hpp"
#include "controlplane/l2tp/types.hpp"

namespace lns::cp::l2tp {

// Key of the by-peer index: a retransmitted SCCRQ finds the tunnel it created.
inline uint64_t peer_key(uint32_t ip, uint16_t port, uint16_t peer_tid) {
    return (uint64_t(ip) << 32) | (uint64_t(port) << 16) | peer_tid;
}

enum class TunnelState : uint8_t {
    wait_ctl_reply,  // we sent SCCRQ
    wait_ctl_conn,   // we sent SCCRP
    established,
    closing,  // StopCCN sent or received: state held for a retransmission cycle
};
const char *tunnel_state_name(TunnelState s);

enum class SessionState : uint8_t {
    wait_reply,    // we sent ICRQ (LAC) or OCRQ (LNS)
    wait_connect,  // we sent ICRP (LNS) or OCRP (LAC, OCCN follows at once)
    established,
};
const char *session_state_name(SessionState s);

struct Session {
    uint16_t id = 0;
    uint16_t peer_id = 0;
    SessionState state = SessionState::wait_reply;
    bool outgoing = false;  // an LNS-initiated call (OCRQ)
    bool announced = false; // session_accepted was emitted (the owner knows the call)
    uint64_t setup_deadline = 0;
    CallInfo call;
};

struct TunnelCounters {
    uint64_t msgs_in = 0;  // non-ZLB messages acted on
    uint64_t msgs_out = 0; // non-ZLB messages queued
    uint64_t hellos_sent = 0;
    uint64_t sessions_opened = 0;
    uint64_t sessions_closed = 0;
    uint64_t wen_received = 0;
    uint64_t sli_received = 0;
    uint64_t unknown_session = 0;
    uint64_t decode_errors = 0;
};

struct Tunnel {
    uint16_t id = 0;
    uint16_t peer_id = 0;
    TunnelState state = TunnelState::wait_ctl_conn;
    bool initiator = false;  // we sent the SCCRQ
    bool down_reported = false;
    Transport transport;
    PeerPolicy policy;
    ReliableChannel ch;
    std::string peer_host_name, peer_vendor;
    uint16_t peer_firmware = 0;
    uint32_t peer_framing_caps = 0, peer_bearer_caps = 0;
    std::array<uint8_t, 16> challenge{};  // ours, when we challenged
    bool challenged = false;
    std::array<uint8_t, 8> tie_breaker{};  // ours, when initiator
    uint64_t created = 0;
    uint64_t last_rx = 0;        // last control message from the peer (HELLO timer)
    uint64_t close_deadline = 0; // closing: destroy at
    uint32_t next_call_serial = 1;
    std::unordered_map<uint16_t, Session> sessions;
    IdAllocator session_ids;
    std::deque<std::pair<uint64_t, uint16_t>> setup_fifo;  // (deadline, session) in order
    uint64_t scheduled = UINT64_MAX;
    TunnelCounters c;

    Tunnel(const PeerPolicy &p, uint64_t quarantine_ns)
        : policy(p), ch(p.reliable), session_ids(quarantine_ns) {}
};

struct EndpointCounters {
    uint64_t datagrams_in = 0;
    uint64_t header_errors = 0;
    uint64_t decode_errors = 0;
    uint64_t unknown_tunnel = 0;      // header tunnel id matches no tunnel
    uint64_t wrong_source = 0;        // tunnel exists but another peer address sent it
    uint64_t not_sccrq_on_zero = 0;   // tunnel id 0 and not an SCCRQ
    uint64_t sccrq_after_close = 0;   // SCCRQ reusing the id of a tunnel we hold closed: a new one
    uint64_t sccrq_duplicate = 0;     // retransmitted SCCRQ for a tunnel we have
    uint64_t tunnels_rejected = 0;    // SCCRQ refused (policy, limits)
    uint64_t auth_failures = 0;       // challenge response wrong or missing
    uint64_t tie_breaker_lost = 0, tie_breaker_won = 0;
    uint64_t tunnels_established = 0, tunnels_closed = 0, tunnels_peer_dead = 0;
    uint64_t sessions_established = 0, sessions_closed = 0, sessions_rejected = 0;
    uint64_t setup_timeouts = 0;
    uint64_t unexpected_messages = 0;  // valid message, wrong state: answered per RFC
    uint64_t stopccn_sent = 0, stopccn_received = 0, cdn_sent = 0, cdn_received = 0;
    uint64_t hellos_sent = 0, wen_received = 0, sli_received = 0;
    std::array<uint64_t, kMaxMsgType + 1> msg_in{};   // by message type
    std::array<uint64_t, kMaxMsgType + 1> msg_out{};
    std::array<uint64_t, 16> ctl_errors{};  // by CtlError
};

// Per-tunnel view for stats output (lnsd's tunnel table, the REST API later).
struct TunnelStats {
    uint16_t id, peer_id;
    TunnelState state;
    Transport transport;
    std::string peer_host_name;
    std::string policy;
    size_t sessions;
    TunnelCounters c;
    ReliableCounters rc;
    unsigned cwnd;
};

class Endpoint {
public:
    using SendFn = std::function<void(const Transport &, std::span<const uint8_t>)>;
    using EventFn = std::function<void(const Event &)>;

    Endpoint(EndpointConfig cfg, Random &rng, SendFn send, EventFn on_event);
    ~Endpoint();

    // A control datagram (UDP payload) from `from` (peer = source).  Data
    // messages (T=0) are not for this class and are counted as header errors.
    void on_datagram(const Transport &from, std::span<const uint8_t> payload, uint64_t now);
    // Runs timers due at `now`: retransmissions, delayed acks, HELLO, setup
    // timeouts, the end of closing tunnels.
    void on_timer(uint64_t now);
    // Earliest time on_timer has something to do (UINT64_MAX: nothing).
    uint64_t next_deadline();

    // ---- Actions (owner -> protocol) ----
    // LAC role: opens a tunnel to `to` (SCCRQ).  Returns our tunnel id, 0 when the
    // tunnel limit is reached.
    uint16_t open_tunnel(const Transport &to, const PeerPolicy &policy, uint64_t now);
    // LAC role: an incoming call on an established tunnel (ICRQ).  Returns our
    // session id, 0 if the tunnel is not established or limits are reached.
    uint16_t open_session(uint16_t tunnel, const CallInfo &call, uint64_t now);
    // LNS role: an outgoing call (OCRQ) to `call.called_number`.
    uint16_t place_call(uint16_t tunnel, const CallInfo &call, uint64_t now);
    // Clears a call (CDN with `result`/`error`; PPP Disconnect Cause when `cause`
    // is non-zero, RFC 3145 §3: code, control protocol, direction 1 at the peer,
    // 2 at our side, 0 global).  False if unknown.
    bool close_session(uint16_t tunnel, uint16_t session, uint16_t result, uint16_t error,
                       uint64_t now, uint16_t cause = 0, uint16_t cause_protocol = 0,
                       uint8_t cause_direction = 2);
    // Clears a tunnel (StopCCN) and all its calls.
    bool close_tunnel(uint16_t tunnel, uint16_t result, uint16_t error, uint64_t now);
    // StopCCN "shutting down" (result 6) on every tunnel.
    void shutdown(uint64_t now);
    // Configuration reload: new policies, limits and timers for tunnels and
    // calls set up from now on.  Tunnels keep the policy they were opened with;
    // id_quarantine_s keeps its start-up value (the id allocator is built with it).
    void reconfigure(EndpointConfig cfg);
    // Keeps `id` out of tunnel id allocation (tunnel ids of static sessions, which
    // share the data-plane session table).  False if it is already taken.
    bool reserve_tunnel_id(uint16_t id) { return tunnel_ids_.reserve(id); }

    // ---- Introspection ----
    const EndpointCounters &counters() const { return c_; }
    const EndpointConfig &config() const { return cfg_; }
    size_t tunnel_count() const { return tunnels_.size(); }
    uint32_t active_tunnels() const { return active_tunnels_; }
    uint32_t session_count() const { return sessions_total_; }
    const Tunnel *tunnel(uint16_t id) const;
    std::vector<TunnelStats> tunnel_stats() const;

private:
    // Dispatch (endpoint.cpp).
    void on_tunnel_zero(const Transport &from, const ControlHeader &h,
                        std::span<const uint8_t> payload, uint64_t now);
    void receive(Tunnel &t, const ControlHeader &h, std::span<const uint8_t> payload,
                 uint64_t now);
    void process(Tunnel &t, const ControlHeader &h, uint64_t now);
    void dispatch(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now);
    void on_decode_error(Tunnel &t, const ControlHeader &h, const ControlMessage &m, CtlError e,
                         uint64_t now);
    const PeerPolicy *match_policy(uint32_t ip, std::string_view host) const;
    Tunnel *new_tunnel(const Transport &tr, const PeerPolicy &p, uint64_t now);
    void destroy_tunnel(uint16_t id, uint64_t now);
    void forget_awaiting_reply(const Tunnel &t);
    void flush(Tunnel &t, uint64_t now);
    void reschedule(Tunnel &t);
    void run_tunnel_timers(Tunnel &t, uint64_t now);
    uint64_t tunnel_deadline(const Tunnel &t) const;
    uint64_t close_hold_ns(const Tunnel &t) const;

    // Message building (endpoint.cpp).
    MessageBuilder begin(Tunnel &t, MsgType type, uint16_t peer_session);
    void commit(Tunnel &t, MessageBuilder &mb, MsgType type);
    bool hide(const Tunnel &t) const;

    // Tunnel level (tunnel.cpp).
    void handle_sccrq(const Transport &from, const ControlHeader &h, const ControlMessage &m,
                      std::span<const uint8_t> payload, uint64_t now, uint16_t decode_error = 0);
    void handle_sccrp(Tunnel &t, const ControlMessage &m, uint64_t now);
    void handle_scccn(Tunnel &t, const ControlMessage &m, uint64_t now);
    void handle_stopccn(Tunnel &t, const ControlMessage &m, uint64_t now);
    void handle_hello(Tunnel &t, const ControlMessage &m, uint64_t now);
    void send_sccrp(Tunnel &t, const ControlMessage &m, uint64_t now);
    void stop_tunnel(Tunnel &t, uint16_t result, uint16_t error, DownReason why, uint64_t now);
    void tunnel_gone(Tunnel &t, DownReason why, uint16_t result, uint16_t error, uint64_t now);
    void emit_tunnel(Tunnel &t, EventKind k, DownReason why, uint16_t result, uint16_t error);

    // Call level (session.cpp).
    void handle_icrq(Tunnel &t, const ControlMessage &m, uint64_t now);
    void handle_icrp(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now);
    void handle_iccn(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now);
    void handle_ocrq(Tunnel &t, const ControlMessage &m, uint64_t now);
    void handle_ocrp(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now);
    void handle_occn(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now);
    void handle_cdn(Tunnel &t, const ControlHeader &h, const ControlMessage &m, uint64_t now);
    void handle_wen(Tunnel &t, const ControlMessage &m);
    void handle_sli(Tunnel &t, const ControlMessage &m);
    Session *find_session(Tunnel &t, uint16_t id);
    uint16_t session_limit(const Tunnel &t) const;
    Session *new_session(Tunnel &t, uint16_t peer_id, uint64_t now);
    Session *start_call(uint16_t tunnel, const CallInfo &call, bool outgoing, uint64_t now,
                        Tunnel **tp);
    void session_established(Tunnel &t, Session &s);
    void send_cdn(Tunnel &t, uint16_t our_sid, uint16_t peer_sid, uint16_t result, uint16_t error,
                  uint16_t cause = 0, uint16_t cause_protocol = 0, uint8_t cause_direction = 2);
    void end_session(Tunnel &t, uint16_t sid, DownReason why, uint16_t result, uint16_t error,
                     uint64_t now);
    void end_all_sessions(Tunnel &t, DownReason why, uint64_t now);
    void run_setup_timeouts(Tunnel &t, uint64_t now);

    EndpointConfig cfg_;
    Random &rng_;
    SendFn send_;
    EventFn on_event_;
    std::unordered_map<uint16_t, std::unique_ptr<Tunnel>> tunnels_;
    std::unordered_map<uint64_t, uint16_t> by_peer_;  // (peer ip, port, peer tid) -> ours
    // Tunnels we opened, by peer address, while they wait for the SCCRP (tie
    // breaker lookups, §4.4.3); an entry goes when its tunnel leaves that state.
    std::unordered_multimap<uint32_t, uint16_t> awaiting_reply_;
    IdAllocator tunnel_ids_;
    using Timer = std::pair<uint64_t, uint16_t>;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
    uint32_t active_tunnels_ = 0;
    uint32_t sessions_total_ = 0;
    EndpointCounters c_;
    std::array<uint8_t, 4096> tx_;
    std::array<uint8_t, 16> rv_{};  // Random Vector of the message being built
    std::unique_ptr<ControlMessage> msg_ = std::make_unique<ControlMessage>();
    std::vector<uint8_t> held_;
};

}  // namespace lns::cp::l2tp
