#include "controlplane/ppp/pap.hpp"

#include <algorithm>

namespace lns::cp::ppp {

namespace {

std::string_view as_text(std::span<const uint8_t> b) {
    return {reinterpret_cast<const char *>(b.data()), b.size()};
}

std::span<const uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

// One length-prefixed field at the front of *rest.
bool take_field(std::span<const uint8_t> *rest, std::string_view *out) {
    if (rest->empty()) return false;
    const size_t n = (*rest)[0];
    if (n + 1 > rest->size()) return false;
    *out = as_text(rest->subspan(1, n));
    *rest = rest->subspan(n + 1);
    return true;
}

}  // namespace

AuthError parse_pap_request(const ControlPacket &p, PapRequest *out) {
    if (p.code != uint8_t(PapCode::AuthenticateRequest)) return AuthError::unknown_code;
    std::span<const uint8_t> rest = p.data;
    if (rest.empty()) return AuthError::truncated;
    if (!take_field(&rest, &out->user)) return AuthError::bad_field_length;
    if (rest.empty()) return AuthError::truncated;
    if (!take_field(&rest, &out->password)) return AuthError::bad_field_length;
    return AuthError::ok;
}

AuthError parse_pap_reply(const ControlPacket &p, std::string_view *message) {
    if (p.code != uint8_t(PapCode::AuthenticateAck) &&
        p.code != uint8_t(PapCode::AuthenticateNak))
        return AuthError::unknown_code;
    *message = {};
    std::span<const uint8_t> rest = p.data;
    if (rest.empty()) return AuthError::ok;
    return take_field(&rest, message) ? AuthError::ok : AuthError::bad_field_length;
}

std::span<const uint8_t> build_pap_request(PacketWriter &w, uint8_t id, std::string_view user,
                                           std::string_view password) {
    w.begin(uint8_t(PapCode::AuthenticateRequest), id);
    user = user.substr(0, 255);
    password = password.substr(0, 255);
    w.put_u8(uint8_t(user.size()));
    w.put_bytes(as_bytes(user));
    w.put_u8(uint8_t(password.size()));
    w.put_bytes(as_bytes(password));
    return w.finish();
}

std::span<const uint8_t> build_pap_reply(PacketWriter &w, PapCode code, uint8_t id,
                                         std::string_view message) {
    w.begin(uint8_t(code), id);
    message = message.substr(0, 255);
    w.put_u8(uint8_t(message.size()));
    w.put_bytes(as_bytes(message));
    return w.finish();
}

// ---- Authenticator --------------------------------------------------------------

void PapAuthenticator::start(uint64_t now) {
    state_ = AuthState::wait_request;
    accepted_ = false;
    name_.clear();
    reply_.clear();
    const uint64_t t = ctx_.config->timeout_ns;
    deadline_ = t ? now + t : UINT64_MAX;
}

void PapAuthenticator::on_packet(std::span<const uint8_t> info, uint64_t) {
    AuthCounters &c = *ctx_.counters;
    ControlPacket p;
    if (!parse_auth_packet(info, c, &p)) return;
    if (p.code == uint8_t(PapCode::AuthenticateRequest)) return handle_request(p);
    if (p.code == uint8_t(PapCode::AuthenticateAck) || p.code == uint8_t(PapCode::AuthenticateNak))
        ++c.unexpected_code;
    else
        ++c.unknown_code;
}

void PapAuthenticator::handle_request(const ControlPacket &p) {
    AuthCounters &c = *ctx_.counters;
    PapRequest req;
    if (const AuthError e = parse_pap_request(p, &req); e != AuthError::ok) {
        count_error(c, e);
        return;
    }
    switch (state_) {
        case AuthState::wait_request: break;
        case AuthState::verifying:  // a retransmission: answer it when the verdict comes
            reply_id_ = p.id;
            ++c.duplicate_while_verifying;
            return;
        case AuthState::success:
        case AuthState::failure:
            if (!reply_.empty()) {  // our Ack/Nak was lost
                ++c.results_resent;
                send_reply(p.id);
                return;
            }
            [[fallthrough]];
        default: ++c.response_without_challenge; return;
    }
    state_ = AuthState::verifying;  // deadline_ still bounds the verdict
    reply_id_ = p.id;
    ticket_ = uint32_t(ctx_.random->next());
    name_.assign(req.user);
    ++c.verify_requests;
    VerifyRequest v;
    v.ticket = ticket_;
    v.protocol = AuthProtocol::pap;
    v.id = p.id;
    v.user = req.user;
    v.password = req.password;
    AuthEvent e;
    e.kind = AuthEventKind::verify;
    e.protocol = AuthProtocol::pap;
    e.peer_name = req.user;
    e.verify = &v;
    ctx_.listener->on_auth_event(e);
}

void PapAuthenticator::verdict(const AuthVerdict &v, uint64_t) {
    if (state_ != AuthState::verifying || v.ticket != ticket_) {
        ++ctx_.counters->stale_verdicts;
        return;
    }
    accepted_ = v.accept;
    state_ = v.accept ? AuthState::success : AuthState::failure;
    deadline_ = UINT64_MAX;
    reply_.assign(verdict_text(v.message, v.accept));
    send_reply(reply_id_);
    emit_result(v.accept, v.accept ? AuthFailure::none : AuthFailure::rejected);
}

void PapAuthenticator::send_reply(uint8_t id) {
    PacketWriter w(0, 0);
    const PapCode code = accepted_ ? PapCode::AuthenticateAck : PapCode::AuthenticateNak;
    ++ctx_.counters->packets_out;
    ctx_.out->send(kProtoPap, build_pap_reply(w, code, id, reply_));
}

void PapAuthenticator::emit_result(bool accept, AuthFailure why) {
    accept ? ++ctx_.counters->successes : ++ctx_.counters->failures;
    AuthEvent e;
    e.kind = accept ? AuthEventKind::success : AuthEventKind::failure;
    e.protocol = AuthProtocol::pap;
    e.reason = why;
    e.peer_name = name_;
    e.message = reply_;
    ctx_.listener->on_auth_event(e);
}

void PapAuthenticator::on_timer(uint64_t now) {
    if (now < deadline_) return;
    const bool verifying = state_ == AuthState::verifying;
    if (!verifying && state_ != AuthState::wait_request) return;
    deadline_ = UINT64_MAX;
    state_ = AuthState::failure;
    ++ctx_.counters->timeouts;
    if (verifying) {  // the peer asked: tell it
        accepted_ = false;
        reply_.assign("Authentication timed out");
        send_reply(reply_id_);
    }
    emit_result(false, AuthFailure::timeout);
}

void PapAuthenticator::close() {
    state_ = AuthState::closed;
    deadline_ = UINT64_MAX;
}

// ---- Peer -----------------------------------------------------------------------

void PapPeer::start(std::string_view user, std::string_view password, uint64_t now) {
    user_.assign(user.substr(0, kMaxAuthName));
    password_.assign(password.substr(0, kMaxAuthPassword));
    state_ = AuthState::request_sent;
    transmits_ = 0;
    id_ = first_id_ = uint8_t(ctx_.random->next());
    const uint64_t t = ctx_.config->timeout_ns;
    give_up_at_ = t ? now + t : UINT64_MAX;
    send_request(now);
}

void PapPeer::send_request(uint64_t now) {
    if (transmits_ > 0) {
        ++id_;  // §2.2.1: a new Identifier for every Authenticate-Request
        ++ctx_.counters->retransmits;
    }
    ++transmits_;
    retransmit_at_ = now + ctx_.config->restart_ns;
    PacketWriter w(0, 0);
    ++ctx_.counters->packets_out;
    ctx_.out->send(kProtoPap, build_pap_request(w, id_, user_, password_));
}

void PapPeer::on_packet(std::span<const uint8_t> info, uint64_t) {
    AuthCounters &c = *ctx_.counters;
    ControlPacket p;
    if (!parse_auth_packet(info, c, &p)) return;
    if (p.code == uint8_t(PapCode::AuthenticateRequest)) {
        ++c.unexpected_code;
        return;
    }
    std::string_view msg;
    if (const AuthError e = parse_pap_reply(p, &msg); e != AuthError::ok) {
        count_error(c, e);
        return;
    }
    if (state_ != AuthState::request_sent) {
        ++c.result_without_request;
        return;
    }
    if (uint8_t(p.id - first_id_) > uint8_t(id_ - first_id_)) {
        ++c.wrong_id;
        return;
    }
    const bool ack = p.code == uint8_t(PapCode::AuthenticateAck);
    finish(ack, ack ? AuthFailure::none : AuthFailure::peer_rejected, msg);
}

void PapPeer::finish(bool accept, AuthFailure why, std::string_view message) {
    state_ = accept ? AuthState::success : AuthState::failure;
    retransmit_at_ = give_up_at_ = UINT64_MAX;
    accept ? ++ctx_.counters->successes : ++ctx_.counters->failures;
    AuthEvent e;
    e.kind = accept ? AuthEventKind::success : AuthEventKind::failure;
    e.protocol = AuthProtocol::pap;
    e.authenticator = false;
    e.reason = why;
    e.peer_name = user_;
    e.message = message;
    ctx_.listener->on_auth_event(e);
}

void PapPeer::on_timer(uint64_t now) {
    if (state_ != AuthState::request_sent) return;
    if (now >= give_up_at_ || (now >= retransmit_at_ && transmits_ >= ctx_.config->max_transmits)) {
        ++ctx_.counters->timeouts;
        return finish(false, AuthFailure::timeout, {});
    }
    if (now >= retransmit_at_) send_request(now);
}

uint64_t PapPeer::next_deadline() const {
    if (state_ != AuthState::request_sent) return UINT64_MAX;
    return std::min(retransmit_at_, give_up_at_);
}

void PapPeer::close() {
    state_ = AuthState::closed;
    retransmit_at_ = give_up_at_ = UINT64_MAX;
}

}  // namespace lns::cp::ppp
