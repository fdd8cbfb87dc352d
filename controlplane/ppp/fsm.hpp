// The RFC 1661 option negotiation automaton (§4), once, for LCP, IPCP and IPv6CP.
// A protocol derives from Fsm and supplies its options through the hooks below
// (option.hpp does the per-option work); the automaton owns states, the restart
// timer and counter, identifiers, and the Configure/Terminate/Code-Reject packets.
//
// Use (sans-I/O):
//   engine.open(now); engine.up(now);          // administrative Open, lower layer Up
//   engine.receive(packet, now);               // each packet of this protocol
//   engine.on_timer(now);                      // when now >= engine.next_deadline()
//   engine.close(now); engine.down(now);
// Packets go out through Output::send(protocol, bytes) during the call; notices
// (types.hpp) are delivered to the NoticeSink at the end of the call.
//
// Table (§4.1): transition(state, event) gives the actions and next state;
// "-" cells (events that cannot occur in a state) are counted in
// illegal_events and change nothing.  Actions run in the order tld, irc, zrc,
// scr, sca/scn, str, sta, scj, ser, then the state changes, then tlu, tls, tlf
// (every cell of the RFC lists its actions in that order).
// Restart counter (§4.6): irc sets Max-Terminate when the cell also sends a
// Terminate-Request, else Max-Configure; each scr/str decrements it and (re)starts
// the restart timer; zrc zeroes it and starts the timer.  On expiry the event is
// TO+ while the counter is above zero, else TO-.  So Max-Configure = 10 means ten
// Configure-Requests, then TO- one restart period after the last.  The timer runs
// only in Closing, Stopping, Req-Sent, Ack-Rcvd and Ack-Sent.
// Implementation choices: the [r] restart option is not taken (Open in Stopped,
// Closing, Stopping or Opened only changes state as listed); the [p] passive option
// is FsmConfig::passive (TO- in Req-Sent/Ack-Rcvd/Ack-Sent then goes to Stopped
// without This-Layer-Finished, §4.2 Stopped).  Retransmissions (TO+) keep the
// request's Identifier; every other Configure/Terminate-Request takes a new one.
// Validity (§5): in Req-Sent, Ack-Rcvd, Ack-Sent and Opened a Configure-Ack, -Nak
// or -Reject must carry the Identifier of our last Configure-Request; an Ack must
// repeat its options exactly, a Reject must list only options from it; otherwise
// the packet is discarded and counted.  In the other states no request is
// outstanding and any of them is the RCA/RCN event (Closed, Stopped: Terminate-Ack).
// Codes 1-7 are handled here; the protocol may handle more (LCP 8-11), the rest are
// RUC.  Max-Failure (§4.6): after Max-Failure Configure-Naks sent without a
// Configure-Ack, options we would Nak are Rejected instead (the count restarts with
// each Configure-Ack sent and each new negotiation).
//
// Thread: any; one owner per engine (plain object, no locks, no allocation per packet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "controlplane/ppp/packet.hpp"
#include "controlplane/ppp/types.hpp"

namespace lns::cp::ppp {

// States and events named as in RFC 1661 §4.2 and §4.3.
enum class State : uint8_t {
    Initial, Starting, Closed, Stopped, Closing, Stopping, ReqSent, AckRcvd, AckSent, Opened,
};
inline constexpr size_t kStateCount = 10;

enum class Event : uint8_t {
    up, down, open, close, to_plus, to_minus, rcr_good, rcr_bad, rca, rcn, rtr, rta, ruc,
    rxj_good, rxj_bad, rxr,
};
inline constexpr size_t kEventCount = 16;

const char *state_name(State s);
const char *event_name(Event e);

// Actions (RFC 1661 §4.4) as bits of Transition::actions.
namespace action {
inline constexpr uint16_t tlu = 1 << 0;  // This-Layer-Up
inline constexpr uint16_t tld = 1 << 1;  // This-Layer-Down
inline constexpr uint16_t tls = 1 << 2;  // This-Layer-Started
inline constexpr uint16_t tlf = 1 << 3;  // This-Layer-Finished
inline constexpr uint16_t irc = 1 << 4;  // Initialize-Restart-Count
inline constexpr uint16_t zrc = 1 << 5;  // Zero-Restart-Count
inline constexpr uint16_t scr = 1 << 6;  // Send-Configure-Request
inline constexpr uint16_t sca = 1 << 7;  // Send-Configure-Ack
inline constexpr uint16_t scn = 1 << 8;  // Send-Configure-Nak/Rej
inline constexpr uint16_t str = 1 << 9;  // Send-Terminate-Request
inline constexpr uint16_t sta = 1 << 10; // Send-Terminate-Ack
inline constexpr uint16_t scj = 1 << 11; // Send-Code-Reject
inline constexpr uint16_t ser = 1 << 12; // Send-Echo-Reply
}  // namespace action

struct Transition {
    uint16_t actions = 0;
    State next = State::Initial;
    bool valid = false;  // false: a "-" cell
};
// The RFC 1661 §4.1 state transition table.
Transition transition(State s, Event e);

// RFC 1661 §4.6 counters and timer; defaults as the RFC recommends.
struct FsmConfig {
    uint64_t restart_ns = 3'000'000'000ull;  // Restart timer
    uint8_t max_terminate = 2;
    uint8_t max_configure = 10;
    uint8_t max_failure = 5;
    bool passive = false;  // §4.2 Stopped: wait passively after TO- (no tlf)
};

// Counters of one protocol, shared by all its engines on one core (the owner keeps
// one per protocol per core; engines hold a pointer).  rx_* count received packets
// by fate; every discarded packet lands in exactly one discard counter.
struct FsmCounters {
    uint64_t rx_packets = 0;
    uint64_t rx_truncated = 0;         // discarded: shorter than header or Length
    uint64_t rx_bad_length = 0;        // discarded: Length below 4
    uint64_t rx_not_ready = 0;         // discarded: Initial/Starting (lower layer not up)
    uint64_t rx_bad_options = 0;       // discarded: option list malformed (§6)
    uint64_t rx_bad_id = 0;            // discarded: Ack/Nak/Rej not for our last request
    uint64_t rx_ack_mismatch = 0;      // discarded: Ack options differ from our request
    uint64_t rx_bad_reject = 0;        // discarded: Reject lists options we did not send
    uint64_t rx_short_code_reject = 0; // discarded: Code-Reject without a rejected packet
    uint64_t rx_unknown_code = 0;      // answered with Code-Reject (RUC)
    uint64_t rx_protocol_handled = 0;  // codes the protocol handles itself (LCP 8-11)
    uint64_t illegal_events = 0;       // "-" cells: event impossible in the state
    uint64_t conf_req_sent = 0, conf_ack_sent = 0, conf_nak_sent = 0, conf_rej_sent = 0;
    uint64_t term_req_sent = 0, term_ack_sent = 0, code_rej_sent = 0;
    uint64_t conf_req_rcvd = 0, conf_ack_rcvd = 0, conf_nak_rcvd = 0, conf_rej_rcvd = 0;
    uint64_t term_req_rcvd = 0, term_ack_rcvd = 0, code_rej_rcvd = 0;
    uint64_t retransmits = 0;          // TO+ (Configure- or Terminate-Request resent)
    uint64_t timeouts = 0;             // TO-
    uint64_t options_unknown = 0;      // peer options Rejected as unknown
    uint64_t options_malformed = 0;    // peer options Rejected for a bad length/value
    uint64_t options_naked = 0;        // peer options Nak'd
    uint64_t nak_options_malformed = 0; // options in a Nak with a bad length: ignored
    uint64_t max_failure_rejects = 0;  // Naks turned into Rejects by Max-Failure
    uint64_t negotiation_failed = 0;   // we closed: a required option cannot be agreed
    uint64_t layer_up = 0, layer_down = 0, layer_finished = 0;
    uint64_t tx_overflow = 0;          // a packet did not fit kMaxPacket: not sent
    uint64_t notice_overflow = 0;      // more notices in one call than the queue holds
};

// Result of a hook that applies a Nak, Reject or Ack to our options.
struct Applied {
    enum Kind : uint8_t { ok, malformed, fail } kind = ok;
    Reason why = Reason::none;  // fail: why we give up (the automaton then closes)
};

class Fsm {
public:
    Fsm(const Fsm &) = delete;
    Fsm &operator=(const Fsm &) = delete;
    virtual ~Fsm() = default;

    // Administrative and lower-layer events (RFC 1661 §4.3).  close() records `why`
    // as the reason the notices carry (unless a reason is already pending).
    void up(uint64_t now);
    void down(uint64_t now);
    void open(uint64_t now);
    void close(uint64_t now, Reason why = Reason::local_close);
    // One packet of this protocol (the PPP information field: code, id, length, data).
    void receive(std::span<const uint8_t> packet, uint64_t now);
    // RXJ- from outside: LCP received a Protocol-Reject for this protocol (§5.7).
    void protocol_rejected(uint64_t now);

    // Earliest time on_timer() has work; UINT64_MAX when none.
    virtual uint64_t next_deadline() const { return deadline_; }
    // Runs what is due at `now` (restart timer: TO+ / TO-).
    virtual void on_timer(uint64_t now);

    State state() const { return state_; }
    bool opened() const { return state_ == State::Opened; }
    uint8_t restart_count() const { return restart_; }
    uint8_t last_request_id() const { return req_id_; }
    // Why the layer last went (or is going) down; Reason::none while it never did.
    Reason reason() const { return reason_; }
    uint16_t protocol() const { return protocol_; }
    // Largest packet the peer accepts (its MRU, capped by the tunnel path): bounds
    // Code-Rejects (§5.6).  LCP sets it when Opened; the owner sets it on NCPs.
    void set_peer_mru(uint16_t mru) { peer_mru_ = mru < kHeaderLen + 1 ? kHeaderLen + 1 : mru; }
    uint16_t peer_mru() const { return peer_mru_; }

protected:
    Fsm(uint16_t protocol, const FsmConfig *cfg, FsmCounters *counters, Output *out,
        NoticeSink *sink);

    // ---- Hooks for the protocol (its option set) ----------------------------------
    // A new negotiation starts (scr from a state that was not negotiating): our
    // options as configured, Naks and Rejects forgotten.
    virtual void reset_request() = 0;
    // Our Configure-Request options (no header); must not change state (it also
    // rebuilds the request to check Acks and Rejects against it).
    virtual void write_request(PacketWriter &w) const = 0;
    // The peer's Configure-Request options: write the whole reply (begin(code, id),
    // options) into `reply`.  Returns ConfigureAck, ConfigureNak, ConfigureReject,
    // or 0 when the option list is malformed (packet discarded).
    virtual uint8_t check_request(std::span<const uint8_t> options, uint8_t id,
                                  bool reject_if_disagree, PacketWriter &reply) = 0;
    virtual Applied apply_ack() { return {}; }
    virtual Applied apply_nak(std::span<const uint8_t> options) = 0;
    // `options` were checked to be a subset of our last request.
    virtual Applied apply_reject(std::span<const uint8_t> options) = 0;
    virtual void layer_up(uint64_t now) { (void)now; }  // before the up notice
    virtual void layer_down() {}                        // before the down notice
    // Codes beyond 1-7: handle and return true, or false for RUC (Code-Reject).
    virtual bool handle_code(const ControlPacket &p, uint64_t now);
    // A Code-Reject of `code`: true when it is catastrophic (RXJ-).  Default: 1-7.
    virtual bool code_reject_fatal(uint8_t code) const { return code >= 1 && code <= 7; }
    // The ser action (Opened, RXR): LCP answers Echo-Requests here.
    virtual void handle_rxr(const ControlPacket &p, uint64_t now) { (void)p, (void)now; }

    // ---- For protocols ------------------------------------------------------------
    // Runs one RFC event; `p` is the packet that caused it (sta, scj, ser), `reply`
    // the answer to a Configure-Request (sca/scn).
    void signal(Event e, uint64_t now, const ControlPacket *p = nullptr,
                PacketWriter *reply = nullptr);
    // Closes with `why` (the reason notices carry), as close() does, inside a call.
    void close_for(uint64_t now, Reason why);
    // From a hook while a packet is handled: close with `why` once it is answered.
    void close_after_packet(Reason why) { pending_close_ = why; }
    // Proxy LCP (RFC 2661 §18): jump from Initial/Starting to Opened with values the
    // protocol has already set; emits up.  False (nothing done) in other states.
    bool force_opened(uint64_t now);
    void notify(NoticeKind k, uint16_t arg = 0);
    // Sends one finished packet through the output (counts tx_overflow if !w.ok()).
    void emit(PacketWriter &w);
    uint8_t next_id() { return ++id_; }
    FsmCounters &counters() { return *ctr_; }
    const FsmConfig &fsm_config() const { return *cfg_; }
    Output &output() { return *out_; }

    // Delivers queued notices when the outermost public call ends.
    class Deliver {
    public:
        explicit Deliver(Fsm *f) : f_(f) { ++f_->depth_; }
        ~Deliver() {
            if (--f_->depth_ == 0) f_->flush_notices();
        }
        Deliver(const Deliver &) = delete;
        Deliver &operator=(const Deliver &) = delete;

    private:
        Fsm *f_;
    };

private:
    void send_conf_req(uint64_t now, State from, bool retransmit);
    void send_term_req(uint64_t now, bool retransmit);
    void send_term_ack(uint8_t id);
    void send_code_reject(const ControlPacket &p);
    void dispatch(const ControlPacket &p, uint64_t now);
    void handle_conf_req(const ControlPacket &p, uint64_t now);
    void handle_conf_ack(const ControlPacket &p, uint64_t now);
    void handle_nak_rej(const ControlPacket &p, uint64_t now);
    void handle_code_reject(const ControlPacket &p, uint64_t now);
    bool matches_request(std::span<const uint8_t> options) const;
    bool subset_of_request(std::span<const uint8_t> options) const;
    void set_reason(Reason r);
    void flush_notices();

    struct Queued {
        NoticeKind kind;
        Reason reason;
        uint16_t arg;
    };
    static constexpr uint8_t kQueue = 4;

    const FsmConfig *cfg_;
    FsmCounters *ctr_;
    Output *out_;
    NoticeSink *sink_;
    uint64_t deadline_ = UINT64_MAX;
    uint16_t protocol_;
    uint16_t peer_mru_ = 1500;
    State state_ = State::Initial;
    uint8_t restart_ = 0;
    uint8_t naks_ = 0;       // Configure-Naks sent since the last Configure-Ack (Max-Failure)
    uint8_t id_ = 0;         // last Identifier used
    uint8_t req_id_ = 0;     // Identifier of our last Configure-Request
    uint8_t term_id_ = 0;    // Identifier of our last Terminate-Request
    Reason reason_ = Reason::none;
    Reason pending_close_ = Reason::none;
    uint8_t depth_ = 0;  // nesting of public calls (Deliver)
    uint8_t q_head_ = 0, q_len_ = 0;
    bool delivering_ = false;
    Queued queue_[kQueue];
};

}  // namespace lns::cp::ppp
