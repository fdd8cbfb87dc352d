// ChapAuthenticator (chap.hpp); ChapPeer is in chap_peer.cpp.
#include "controlplane/ppp/chap.hpp"

#include <algorithm>
#include <cstring>

namespace lns::cp::ppp {

namespace {
constexpr std::string_view kTimedOut = "Authentication timed out";
constexpr std::string_view kNameChanged = "Name changed";
}  // namespace

ChapAuthenticator::ChapAuthenticator(const AuthContext &ctx, AuthProtocol protocol)
    : ctx_(ctx),
      protocol_(protocol == AuthProtocol::mschap_v2 ? protocol : AuthProtocol::chap_md5) {}

void ChapAuthenticator::start(uint64_t now) {
    authenticated_ = false;
    name_.clear();
    id_ = uint8_t(ctx_.random->next());
    const uint64_t t = ctx_.config->timeout_ns;
    give_up_at_ = t ? now + t : UINT64_MAX;
    new_challenge(now);
}

// A new challenge value (the caller has set the identifier) and its first send.
void ChapAuthenticator::new_challenge(uint64_t now) {
    challenge_len_ = protocol_ == AuthProtocol::mschap_v2
                         ? uint8_t(kMsChapChallengeLen)
                         : uint8_t(std::clamp<size_t>(ctx_.config->challenge_len, 1, kMaxChallenge));
    for (size_t i = 0; i < challenge_len_; i += 8) {
        const uint64_t r = ctx_.random->next();
        std::memcpy(challenge_.data() + i, &r, std::min<size_t>(8, challenge_len_ - i));
    }
    reply_.clear();  // a late Response to an old round must not get its reply
    transmits_ = 0;
    state_ = AuthState::challenge_sent;
    transmit_challenge(now);
}

void ChapAuthenticator::transmit_challenge(uint64_t now) {
    if (transmits_ > 0) ++ctx_.counters->retransmits;
    ++transmits_;
    deadline_ = now + ctx_.config->restart_ns;
    PacketWriter w(0, 0);
    ++ctx_.counters->packets_out;
    ctx_.out->send(kProtoChap, build_chap_value(w, ChapCode::Challenge, id_, challenge(),
                                                ctx_.config->name.substr(0, kMaxAuthName)));
}

void ChapAuthenticator::on_packet(std::span<const uint8_t> info, uint64_t now) {
    AuthCounters &c = *ctx_.counters;
    ControlPacket p;
    if (!parse_auth_packet(info, c, &p)) return;
    switch (ChapCode(p.code)) {
        case ChapCode::Response: return handle_response(p, now);
        case ChapCode::Challenge:
        case ChapCode::Success:
        case ChapCode::Failure: ++c.unexpected_code; return;
        case ChapCode::ChangePassword:  // RFC 2759 §7: only after a Failure with R=1, which we never send
            protocol_ == AuthProtocol::mschap_v2 ? ++c.unsupported : ++c.unknown_code;
            return;
    }
    ++c.unknown_code;
}

bool ChapAuthenticator::check_value(std::span<const uint8_t> value) {
    if (protocol_ == AuthProtocol::mschap_v2) return value.size() == kMsChapV2ValueLen;
    return value.size() == 16;  // RFC 1994 §2.2: MD5's output
}

void ChapAuthenticator::handle_response(const ControlPacket &p, uint64_t now) {
    AuthCounters &c = *ctx_.counters;
    ChapValue v;
    if (const AuthError e = parse_chap_value(p, &v); e != AuthError::ok) {
        count_error(c, e);
        return;
    }
    switch (state_) {
        case AuthState::challenge_sent: break;
        case AuthState::verifying:
            p.id == id_ ? ++c.duplicate_while_verifying : ++c.wrong_id;
            return;
        case AuthState::success:
        case AuthState::failure:
            if (p.id != id_ || reply_.empty()) {
                ++c.wrong_id;
                return;
            }
            ++c.results_resent;
            return send_status();
        default: ++c.response_without_challenge; return;
    }
    if (p.id != id_) {
        ++c.wrong_id;
        return;
    }
    if (!check_value(v.value)) {
        ++c.bad_value_size;
        return;
    }
    if (authenticated_ && v.name != name_) {  // the identity of a session cannot change
        ++c.name_changed;
        set_failure_reply(kNameChanged, {});
        send_status();
        return finish(false, AuthFailure::name_changed, now);
    }
    request_verify(p, v);
}

void ChapAuthenticator::request_verify(const ControlPacket &p, const ChapValue &v) {
    state_ = AuthState::verifying;
    deadline_ = UINT64_MAX;
    ticket_ = uint32_t(ctx_.random->next());
    if (!authenticated_) name_.assign(v.name);
    ++ctx_.counters->verify_requests;
    VerifyRequest req;
    req.ticket = ticket_;
    req.protocol = protocol_;
    req.id = p.id;
    req.user = v.name;
    req.challenge = challenge();
    if (protocol_ == AuthProtocol::mschap_v2) {
        MsChapV2Value mv;
        parse_mschapv2_value(v.value, &mv);  // size checked by check_value
        req.peer_challenge = mv.peer_challenge;
        req.nt_response = mv.nt_response;
        req.flags = mv.flags;
    } else {
        req.response = v.value;
    }
    AuthEvent e;
    e.kind = AuthEventKind::verify;
    e.protocol = protocol_;
    e.rechallenge = authenticated_;
    e.peer_name = v.name;
    e.verify = &req;
    ctx_.listener->on_auth_event(e);
}

void ChapAuthenticator::verdict(const AuthVerdict &v, uint64_t now) {
    if (state_ != AuthState::verifying || v.ticket != ticket_) {
        ++ctx_.counters->stale_verdicts;
        return;
    }
    if (v.accept && protocol_ == AuthProtocol::mschap_v2 &&
        !is_authenticator_response(v.authenticator_response)) {
        ++ctx_.counters->bad_verdicts;
        set_failure_reply({}, {});
        send_status();
        return finish(false, AuthFailure::bad_verdict, now);
    }
    if (v.accept) {
        accepted_ = true;
        const std::string_view text = verdict_text(v.message, true);
        if (protocol_ == AuthProtocol::mschap_v2)
            format_mschapv2_success(&reply_, v.authenticator_response, text);
        else
            reply_.assign(text);
    } else {
        set_failure_reply(v.message, v.mschap_error);
    }
    send_status();
    finish(v.accept, v.accept ? AuthFailure::none : AuthFailure::rejected, now);
}

// The Failure text (RFC 1994 §4.2 Message; RFC 2759 §6 for MS-CHAPv2).
void ChapAuthenticator::set_failure_reply(std::string_view message,
                                          std::string_view mschap_error) {
    accepted_ = false;
    const std::string_view text = verdict_text(message, false);
    if (protocol_ != AuthProtocol::mschap_v2)
        reply_.assign(text);
    else if (!mschap_error.empty())
        reply_.assign(mschap_error.substr(0, 2 * kMaxAuthMessage));
    else
        format_mschapv2_failure(&reply_, kMsChapErrorAuthFailure,
                                ChallengeSpan(challenge_.data(), kMsChapChallengeLen), text);
}

void ChapAuthenticator::send_status() {
    PacketWriter w(0, 0);
    ++ctx_.counters->packets_out;
    ctx_.out->send(kProtoChap, build_chap_status(w, accepted_ ? ChapCode::Success : ChapCode::Failure,
                                                 id_, reply_));
}

void ChapAuthenticator::finish(bool accept, AuthFailure why, uint64_t now) {
    const bool re = authenticated_;
    state_ = accept ? AuthState::success : AuthState::failure;
    give_up_at_ = UINT64_MAX;
    deadline_ = UINT64_MAX;
    if (accept) {
        authenticated_ = true;
        if (const uint64_t r = ctx_.config->rechallenge_ns) deadline_ = now + r;
    }
    accept ? ++ctx_.counters->successes : ++ctx_.counters->failures;
    AuthEvent e;
    e.kind = accept ? AuthEventKind::success : AuthEventKind::failure;
    e.protocol = protocol_;
    e.rechallenge = re;
    e.reason = why;
    e.peer_name = name_;
    e.message = reply_;
    ctx_.listener->on_auth_event(e);
}

void ChapAuthenticator::on_timer(uint64_t now) {
    const bool waiting = state_ == AuthState::challenge_sent || state_ == AuthState::verifying;
    if (waiting && now >= give_up_at_) {
        ++ctx_.counters->timeouts;
        if (state_ == AuthState::verifying) {  // the peer answered: tell it
            set_failure_reply(kTimedOut, {});
            send_status();
        }
        return finish(false, AuthFailure::timeout, now);
    }
    if (now < deadline_) return;
    if (state_ == AuthState::challenge_sent) {
        if (transmits_ >= ctx_.config->max_transmits) {
            ++ctx_.counters->timeouts;
            return finish(false, AuthFailure::timeout, now);
        }
        transmit_challenge(now);
    } else if (state_ == AuthState::success) {
        ++ctx_.counters->rechallenges;
        ++id_;  // RFC 1994 §4.1: a new Identifier for each new Challenge
        new_challenge(now);
    }
}

uint64_t ChapAuthenticator::next_deadline() const {
    switch (state_) {
        case AuthState::challenge_sent: return std::min(deadline_, give_up_at_);
        case AuthState::verifying: return give_up_at_;
        case AuthState::success: return deadline_;
        default: return UINT64_MAX;
    }
}

void ChapAuthenticator::close() {
    state_ = AuthState::closed;
    deadline_ = give_up_at_ = UINT64_MAX;
}

}  // namespace lns::cp::ppp
