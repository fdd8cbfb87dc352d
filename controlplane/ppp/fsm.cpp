// The RFC 1661 automaton (§4).  See fsm.hpp for the semantics.
#include "controlplane/ppp/fsm.hpp"

#include <algorithm>
#include <cstring>

namespace lns::cp::ppp {

namespace {

using namespace action;
using S = State;

constexpr Transition T(uint16_t actions, State next) { return {actions, next, true}; }
constexpr Transition X{};  // "-": cannot occur

// RFC 1661 §4.1, one row per event, columns Initial .. Opened.
constexpr Transition kTable[kEventCount][kStateCount] = {
    // up
    {T(0, S::Closed), T(irc | scr, S::ReqSent), X, X, X, X, X, X, X, X},
    // down
    {X, X, T(0, S::Initial), T(tls, S::Starting), T(0, S::Initial), T(0, S::Starting),
     T(0, S::Starting), T(0, S::Starting), T(0, S::Starting), T(tld, S::Starting)},
    // open
    {T(tls, S::Starting), T(0, S::Starting), T(irc | scr, S::ReqSent), T(0, S::Stopped),
     T(0, S::Stopping), T(0, S::Stopping), T(0, S::ReqSent), T(0, S::AckRcvd), T(0, S::AckSent),
     T(0, S::Opened)},
    // close
    {T(0, S::Initial), T(tlf, S::Initial), T(0, S::Closed), T(0, S::Closed), T(0, S::Closing),
     T(0, S::Closing), T(irc | str, S::Closing), T(irc | str, S::Closing),
     T(irc | str, S::Closing), T(tld | irc | str, S::Closing)},
    // to_plus
    {X, X, X, X, T(str, S::Closing), T(str, S::Stopping), T(scr, S::ReqSent), T(scr, S::ReqSent),
     T(scr, S::AckSent), X},
    // to_minus
    {X, X, X, X, T(tlf, S::Closed), T(tlf, S::Stopped), T(tlf, S::Stopped), T(tlf, S::Stopped),
     T(tlf, S::Stopped), X},
    // rcr_good
    {X, X, T(sta, S::Closed), T(irc | scr | sca, S::AckSent), T(0, S::Closing),
     T(0, S::Stopping), T(sca, S::AckSent), T(sca | tlu, S::Opened), T(sca, S::AckSent),
     T(tld | scr | sca, S::AckSent)},
    // rcr_bad
    {X, X, T(sta, S::Closed), T(irc | scr | scn, S::ReqSent), T(0, S::Closing),
     T(0, S::Stopping), T(scn, S::ReqSent), T(scn, S::AckRcvd), T(scn, S::ReqSent),
     T(tld | scr | scn, S::ReqSent)},
    // rca
    {X, X, T(sta, S::Closed), T(sta, S::Stopped), T(0, S::Closing), T(0, S::Stopping),
     T(irc, S::AckRcvd), T(scr, S::ReqSent), T(irc | tlu, S::Opened), T(tld | scr, S::ReqSent)},
    // rcn
    {X, X, T(sta, S::Closed), T(sta, S::Stopped), T(0, S::Closing), T(0, S::Stopping),
     T(irc | scr, S::ReqSent), T(scr, S::ReqSent), T(irc | scr, S::AckSent),
     T(tld | scr, S::ReqSent)},
    // rtr
    {X, X, T(sta, S::Closed), T(sta, S::Stopped), T(sta, S::Closing), T(sta, S::Stopping),
     T(sta, S::ReqSent), T(sta, S::ReqSent), T(sta, S::ReqSent), T(tld | zrc | sta, S::Stopping)},
    // rta
    {X, X, T(0, S::Closed), T(0, S::Stopped), T(tlf, S::Closed), T(tlf, S::Stopped),
     T(0, S::ReqSent), T(0, S::ReqSent), T(0, S::AckSent), T(tld | scr, S::ReqSent)},
    // ruc
    {X, X, T(scj, S::Closed), T(scj, S::Stopped), T(scj, S::Closing), T(scj, S::Stopping),
     T(scj, S::ReqSent), T(scj, S::AckRcvd), T(scj, S::AckSent), T(scj, S::Opened)},
    // rxj_good
    {X, X, T(0, S::Closed), T(0, S::Stopped), T(0, S::Closing), T(0, S::Stopping),
     T(0, S::ReqSent), T(0, S::ReqSent), T(0, S::AckSent), T(0, S::Opened)},
    // rxj_bad
    {X, X, T(tlf, S::Closed), T(tlf, S::Stopped), T(tlf, S::Closed), T(tlf, S::Stopped),
     T(tlf, S::Stopped), T(tlf, S::Stopped), T(tlf, S::Stopped), T(tld | irc | str, S::Stopping)},
    // rxr
    {X, X, T(0, S::Closed), T(0, S::Stopped), T(0, S::Closing), T(0, S::Stopping),
     T(0, S::ReqSent), T(0, S::AckRcvd), T(0, S::AckSent), T(ser, S::Opened)},
};

bool negotiating(State s) { return s == S::ReqSent || s == S::AckRcvd || s == S::AckSent; }

// States where a Configure-Request of ours is outstanding or agreed: replies must
// match it (§5.2-5.4).  Elsewhere any Ack/Nak/Reject is answered per the table
// (Terminate-Ack in Closed and Stopped: we are not negotiating).
bool has_request(State s) { return negotiating(s) || s == S::Opened; }

// The restart timer runs only while a Configure- or Terminate-Request awaits an answer.
bool timer_runs(State s) { return negotiating(s) || s == S::Closing || s == S::Stopping; }

}  // namespace

Transition transition(State s, Event e) {
    const size_t si = size_t(s), ei = size_t(e);
    if (si >= kStateCount || ei >= kEventCount) return X;
    return kTable[ei][si];
}

const char *state_name(State s) {
    static constexpr const char *kNames[kStateCount] = {
        "Initial", "Starting", "Closed", "Stopped", "Closing",
        "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"};
    return size_t(s) < kStateCount ? kNames[size_t(s)] : "?";
}

const char *event_name(Event e) {
    static constexpr const char *kNames[kEventCount] = {
        "Up", "Down", "Open", "Close", "TO+", "TO-", "RCR+", "RCR-",
        "RCA", "RCN", "RTR", "RTA", "RUC", "RXJ+", "RXJ-", "RXR"};
    return size_t(e) < kEventCount ? kNames[size_t(e)] : "?";
}

const char *reason_name(Reason r) {
    switch (r) {
        case Reason::none: return "none";
        case Reason::local_close: return "local_close";
        case Reason::lower_down: return "lower_down";
        case Reason::peer_terminate: return "peer_terminate";
        case Reason::max_configure: return "max_configure";
        case Reason::code_rejected: return "code_rejected";
        case Reason::protocol_rejected: return "protocol_rejected";
        case Reason::option_refused: return "option_refused";
        case Reason::no_address: return "no_address";
        case Reason::looped_back: return "looped_back";
        case Reason::peer_dead: return "peer_dead";
        case Reason::renegotiate: return "renegotiate";
    }
    return "?";
}

const char *notice_kind_name(NoticeKind k) {
    switch (k) {
        case NoticeKind::up: return "up";
        case NoticeKind::down: return "down";
        case NoticeKind::started: return "started";
        case NoticeKind::finished: return "finished";
        case NoticeKind::protocol_rejected: return "protocol_rejected";
        case NoticeKind::looped_back: return "looped_back";
        case NoticeKind::peer_dead: return "peer_dead";
    }
    return "?";
}

Fsm::Fsm(uint16_t protocol, const FsmConfig *cfg, FsmCounters *counters, Output *out,
         NoticeSink *sink)
    : cfg_(cfg), ctr_(counters), out_(out), sink_(sink), protocol_(protocol) {}

// ---- Public events -------------------------------------------------------------------

void Fsm::up(uint64_t now) {
    Deliver d(this);
    signal(Event::up, now);
}

void Fsm::down(uint64_t now) {
    Deliver d(this);
    set_reason(Reason::lower_down);
    signal(Event::down, now);
}

void Fsm::open(uint64_t now) {
    Deliver d(this);
    signal(Event::open, now);
}

void Fsm::close(uint64_t now, Reason why) {
    Deliver d(this);
    close_for(now, why);
}

void Fsm::close_for(uint64_t now, Reason why) {
    set_reason(why);
    signal(Event::close, now);
}

void Fsm::protocol_rejected(uint64_t now) {
    Deliver d(this);
    set_reason(Reason::protocol_rejected);
    signal(Event::rxj_bad, now);
}

void Fsm::on_timer(uint64_t now) {
    Deliver d(this);
    if (deadline_ == UINT64_MAX || now < deadline_) return;
    if (restart_ > 0) {
        signal(Event::to_plus, now);
        return;
    }
    ++ctr_->timeouts;
    if (negotiating(state_)) set_reason(Reason::max_configure);
    signal(Event::to_minus, now);
}

// A new cause replaces the recorded reason while the layer is negotiating or open;
// once termination is under way its first cause stays.
void Fsm::set_reason(Reason r) {
    if (reason_ == Reason::none || negotiating(state_) || state_ == State::Opened) reason_ = r;
}

bool Fsm::force_opened(uint64_t now) {
    if (state_ != State::Initial && state_ != State::Starting) return false;
    state_ = State::Opened;
    deadline_ = UINT64_MAX;
    reason_ = Reason::none;
    ++ctr_->layer_up;
    layer_up(now);
    notify(NoticeKind::up);
    return true;
}

// ---- The automaton -------------------------------------------------------------------

void Fsm::signal(Event e, uint64_t now, const ControlPacket *p, PacketWriter *reply) {
    const Transition t = transition(state_, e);
    if (!t.valid) {
        ++ctr_->illegal_events;
        return;
    }
    const State from = state_;
    uint16_t a = t.actions;
    if (e == Event::to_minus && cfg_->passive && negotiating(from)) a &= uint16_t(~tlf);

    if (a & tld) {
        if (reason_ == Reason::none) reason_ = Reason::renegotiate;
        ++ctr_->layer_down;
        layer_down();
        notify(NoticeKind::down);
    }
    if (a & irc) restart_ = (a & str) ? cfg_->max_terminate : cfg_->max_configure;
    if (a & zrc) {
        restart_ = 0;
        deadline_ = now + cfg_->restart_ns;
    }
    if (a & scr) send_conf_req(now, from, e == Event::to_plus);
    if ((a & (sca | scn)) && reply != nullptr) {
        const uint8_t code = reply->finish()[0];
        if (code == uint8_t(Code::ConfigureAck)) {
            ++ctr_->conf_ack_sent;
            naks_ = 0;
        } else if (code == uint8_t(Code::ConfigureNak)) {
            ++ctr_->conf_nak_sent;
            if (naks_ < 255) ++naks_;
        } else {
            ++ctr_->conf_rej_sent;
        }
        emit(*reply);
    }
    if (a & str) send_term_req(now, e == Event::to_plus);
    if ((a & sta) && p != nullptr) send_term_ack(p->id);
    if ((a & scj) && p != nullptr) send_code_reject(*p);
    if ((a & ser) && p != nullptr) handle_rxr(*p, now);

    state_ = t.next;
    if (!timer_runs(state_)) deadline_ = UINT64_MAX;

    if (a & tlu) {
        ++ctr_->layer_up;
        reason_ = Reason::none;
        layer_up(now);
        notify(NoticeKind::up);
    }
    if (a & tls) notify(NoticeKind::started);
    if (a & tlf) {
        ++ctr_->layer_finished;
        notify(NoticeKind::finished);
    }
}

// scr (§4.4): a fresh negotiation resets our options; TO+ resends with the same Identifier.
void Fsm::send_conf_req(uint64_t now, State from, bool retransmit) {
    if (!negotiating(from)) {
        reset_request();
        naks_ = 0;
        reason_ = Reason::none;
    }
    if (retransmit) {
        ++ctr_->retransmits;
    } else {
        req_id_ = next_id();
    }
    PacketWriter w(uint8_t(Code::ConfigureRequest), req_id_);
    write_request(w);
    if (restart_ > 0) --restart_;
    deadline_ = now + cfg_->restart_ns;
    ++ctr_->conf_req_sent;
    emit(w);
}

void Fsm::send_term_req(uint64_t now, bool retransmit) {
    if (retransmit) {
        ++ctr_->retransmits;
    } else {
        term_id_ = next_id();
    }
    PacketWriter w(uint8_t(Code::TerminateRequest), term_id_);
    if (restart_ > 0) --restart_;
    deadline_ = now + cfg_->restart_ns;
    ++ctr_->term_req_sent;
    emit(w);
}

void Fsm::send_term_ack(uint8_t id) {
    PacketWriter w(uint8_t(Code::TerminateAck), id);
    ++ctr_->term_ack_sent;
    emit(w);
}

// §5.6: the rejected packet, truncated so the Code-Reject fits the peer's MRU.
void Fsm::send_code_reject(const ControlPacket &p) {
    PacketWriter w(uint8_t(Code::CodeReject), next_id());
    const size_t room = std::min<size_t>(peer_mru_, kMaxPacket) - kHeaderLen;
    w.put_bytes(p.whole.first(std::min(room, p.whole.size())));
    ++ctr_->code_rej_sent;
    emit(w);
}

void Fsm::emit(PacketWriter &w) {
    if (!w.ok()) {
        ++ctr_->tx_overflow;
        return;
    }
    if (out_ != nullptr) out_->send(protocol_, w.finish());
}

bool Fsm::handle_code(const ControlPacket &p, uint64_t now) {
    (void)p, (void)now;
    return false;
}

// ---- Receiving -----------------------------------------------------------------------

void Fsm::receive(std::span<const uint8_t> packet, uint64_t now) {
    Deliver d(this);
    ++ctr_->rx_packets;
    ControlPacket p;
    const PppError err = parse_control_packet(packet, &p);
    if (err != PppError::ok) {
        ++(err == PppError::bad_length ? ctr_->rx_bad_length : ctr_->rx_truncated);
        return;
    }
    if (state_ == State::Initial || state_ == State::Starting) {
        ++ctr_->rx_not_ready;
        return;
    }
    dispatch(p, now);
    if (pending_close_ != Reason::none) {
        const Reason why = pending_close_;
        pending_close_ = Reason::none;
        ++ctr_->negotiation_failed;
        close_for(now, why);
    }
}

void Fsm::dispatch(const ControlPacket &p, uint64_t now) {
    switch (Code(p.code)) {
        case Code::ConfigureRequest: handle_conf_req(p, now); return;
        case Code::ConfigureAck: handle_conf_ack(p, now); return;
        case Code::ConfigureNak:
        case Code::ConfigureReject: handle_nak_rej(p, now); return;
        case Code::TerminateRequest:
            ++ctr_->term_req_rcvd;
            set_reason(Reason::peer_terminate);
            signal(Event::rtr, now, &p);
            return;
        case Code::TerminateAck:
            ++ctr_->term_ack_rcvd;
            signal(Event::rta, now, &p);
            return;
        case Code::CodeReject: handle_code_reject(p, now); return;
        default: break;
    }
    if (handle_code(p, now)) {
        ++ctr_->rx_protocol_handled;
        return;
    }
    ++ctr_->rx_unknown_code;
    signal(Event::ruc, now, &p);
}

void Fsm::handle_conf_req(const ControlPacket &p, uint64_t now) {
    ++ctr_->conf_req_rcvd;
    if (state_ != State::Stopped && state_ != State::Opened && !negotiating(state_)) {
        signal(Event::rcr_good, now, &p);  // Closed: sta; Closing/Stopping: nothing
        return;
    }
    PacketWriter reply(uint8_t(Code::ConfigureAck), p.id);
    const uint8_t code = check_request(p.data, p.id, naks_ >= cfg_->max_failure, reply);
    if (code == 0) {
        ++ctr_->rx_bad_options;
        return;
    }
    const bool good = code == uint8_t(Code::ConfigureAck);
    signal(good ? Event::rcr_good : Event::rcr_bad, now, &p, &reply);
}

void Fsm::handle_conf_ack(const ControlPacket &p, uint64_t now) {
    ++ctr_->conf_ack_rcvd;
    if (has_request(state_) && p.id != req_id_) {
        ++ctr_->rx_bad_id;
        return;
    }
    if (has_request(state_) && !matches_request(p.data)) {
        ++ctr_->rx_ack_mismatch;
        return;
    }
    if (state_ == State::ReqSent || state_ == State::AckSent) {
        const Applied r = apply_ack();
        if (r.kind == Applied::fail) {
            ++ctr_->negotiation_failed;
            close_for(now, r.why);
            return;
        }
    }
    signal(Event::rca, now, &p);
}

void Fsm::handle_nak_rej(const ControlPacket &p, uint64_t now) {
    const bool nak = p.code == uint8_t(Code::ConfigureNak);
    ++(nak ? ctr_->conf_nak_rcvd : ctr_->conf_rej_rcvd);
    if (has_request(state_) && p.id != req_id_) {
        ++ctr_->rx_bad_id;
        return;
    }
    if (has_request(state_) && !nak && !subset_of_request(p.data)) {
        ++ctr_->rx_bad_reject;
        return;
    }
    Applied r;
    if (negotiating(state_)) {
        r = nak ? apply_nak(p.data) : apply_reject(p.data);
    } else {
        OptionReader rd(p.data);  // not applied, but still only a well-formed list counts
        Option o;
        while (rd.next(&o)) {
        }
        if (rd.error() != PppError::ok) r.kind = Applied::malformed;
    }
    if (r.kind == Applied::malformed) {
        ++ctr_->rx_bad_options;
        return;
    }
    if (r.kind == Applied::fail) {
        ++ctr_->negotiation_failed;
        close_for(now, r.why);
        return;
    }
    signal(Event::rcn, now, &p);
}

void Fsm::handle_code_reject(const ControlPacket &p, uint64_t now) {
    ++ctr_->code_rej_rcvd;
    if (p.data.empty()) {
        ++ctr_->rx_short_code_reject;
        return;
    }
    if (code_reject_fatal(p.data[0])) {
        set_reason(Reason::code_rejected);
        signal(Event::rxj_bad, now, &p);
    } else {
        signal(Event::rxj_good, now, &p);
    }
}

// §5.2: an Ack repeats our last request's options exactly.
bool Fsm::matches_request(std::span<const uint8_t> options) const {
    PacketWriter w(uint8_t(Code::ConfigureRequest), req_id_);
    write_request(w);
    const auto ours = w.finish().subspan(kHeaderLen);
    return ours.size() == options.size() &&
           (ours.empty() || std::memcmp(ours.data(), options.data(), ours.size()) == 0);
}

// §5.4: a Reject lists only options of our last request, unmodified.
bool Fsm::subset_of_request(std::span<const uint8_t> options) const {
    PacketWriter w(uint8_t(Code::ConfigureRequest), req_id_);
    write_request(w);
    const auto ours = w.finish().subspan(kHeaderLen);
    OptionReader rd(options);
    Option o;
    while (rd.next(&o)) {
        OptionReader mine(ours);
        Option m;
        bool found = false;
        while (!found && mine.next(&m)) {
            found = m.whole.size() == o.whole.size() &&
                    std::memcmp(m.whole.data(), o.whole.data(), m.whole.size()) == 0;
        }
        if (!found) return false;
    }
    return rd.error() == PppError::ok;
}

// ---- Notices -------------------------------------------------------------------------

void Fsm::notify(NoticeKind k, uint16_t arg) {
    if (q_len_ == kQueue) {
        ++ctr_->notice_overflow;
        return;
    }
    Reason r = Reason::none;
    if (k == NoticeKind::down || k == NoticeKind::finished) r = reason_;
    if (k == NoticeKind::looped_back) r = Reason::looped_back;
    if (k == NoticeKind::peer_dead) r = Reason::peer_dead;
    queue_[(q_head_ + q_len_) % kQueue] = {k, r, arg};
    ++q_len_;
}

// Delivered in order; notices queued by calls the sink makes are delivered by this loop.
void Fsm::flush_notices() {
    if (delivering_) return;
    delivering_ = true;
    while (q_len_ > 0) {
        const Queued q = queue_[q_head_];
        q_head_ = uint8_t((q_head_ + 1) % kQueue);
        --q_len_;
        if (sink_ != nullptr) sink_->on_notice(Notice{protocol_, q.kind, q.reason, q.arg});
    }
    delivering_ = false;
}

}  // namespace lns::cp::ppp
