// ChapPeer (chap.hpp): the client side of CHAP-MD5 and MS-CHAPv2.
#include <cstring>

#include "controlplane/ppp/chap.hpp"
#include "controlplane/ppp/chap_md5.hpp"

namespace lns::cp::ppp {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool equal_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

}  // namespace

ChapPeer::ChapPeer(const AuthContext &ctx, AuthProtocol protocol)
    : ctx_(ctx),
      protocol_(protocol == AuthProtocol::mschap_v2 ? protocol : AuthProtocol::chap_md5) {}

void ChapPeer::start(std::string_view name, std::string_view secret, uint64_t now) {
    name_.assign(name.substr(0, kMaxAuthName));
    secret_.assign(secret.substr(0, kMaxAuthPassword));
    state_ = AuthState::wait_challenge;
    rechallenge_ = false;
    value_len_ = 0;
    const uint64_t t = ctx_.config->timeout_ns;
    give_up_at_ = t ? now + t : UINT64_MAX;
}

void ChapPeer::on_packet(std::span<const uint8_t> info, uint64_t) {
    AuthCounters &c = *ctx_.counters;
    ControlPacket p;
    if (!parse_auth_packet(info, c, &p)) return;
    switch (ChapCode(p.code)) {
        case ChapCode::Challenge: return handle_challenge(p);
        case ChapCode::Success:
        case ChapCode::Failure: return handle_status(p);
        case ChapCode::Response:
        case ChapCode::ChangePassword: ++c.unexpected_code; return;
    }
    ++c.unknown_code;
}

void ChapPeer::handle_challenge(const ControlPacket &p) {
    AuthCounters &c = *ctx_.counters;
    ChapValue v;
    if (const AuthError e = parse_chap_value(p, &v); e != AuthError::ok) {
        count_error(c, e);
        return;
    }
    if (protocol_ == AuthProtocol::mschap_v2 && v.value.size() != kMsChapChallengeLen) {
        ++c.bad_value_size;
        return;
    }
    switch (state_) {
        case AuthState::wait_challenge: break;
        case AuthState::response_sent:
            if (p.id == id_) {  // our Response was lost: the same one again (MS-CHAPv2 must not change it)
                ++c.responses_resent;
                return send_response();
            }
            break;  // a new challenge replaces the old one
        case AuthState::success: rechallenge_ = true; break;
        default: ++c.challenge_ignored; return;
    }
    compute_response(p.id, v.value);
    state_ = AuthState::response_sent;
    send_response();
}

void ChapPeer::compute_response(uint8_t id, std::span<const uint8_t> challenge) {
    id_ = id;
    if (protocol_ != AuthProtocol::mschap_v2) {
        const ChapMd5Response r = chap_md5_response(id, secret_, challenge);
        std::memcpy(value_.data(), r.data(), r.size());
        value_len_ = uint8_t(r.size());
        return;
    }
    MsChallenge peer;
    for (size_t i = 0; i < peer.size(); i += 8) {
        const uint64_t r = ctx_.random->next();
        std::memcpy(peer.data() + i, &r, 8);
    }
    const ChallengeSpan auth(challenge.data(), kMsChapChallengeLen);
    const NtHash hash = nt_password_hash(secret_);
    const NtResponse nt = generate_nt_response_from_hash(auth, peer, name_, hash);
    build_mschapv2_value(peer, nt, &value_);
    value_len_ = uint8_t(kMsChapV2ValueLen);
    expected_ = generate_authenticator_response_from_hash(hash, nt, peer, auth, name_);
}

void ChapPeer::send_response() {
    PacketWriter w(0, 0);
    ++ctx_.counters->packets_out;
    ctx_.out->send(kProtoChap, build_chap_value(w, ChapCode::Response, id_,
                                                {value_.data(), value_len_}, name_));
}

void ChapPeer::handle_status(const ControlPacket &p) {
    AuthCounters &c = *ctx_.counters;
    std::string_view msg;
    parse_chap_status(p, &msg);  // the code was checked by the caller
    if (state_ != AuthState::response_sent) {
        ++c.result_without_request;
        return;
    }
    if (p.id != id_) {
        ++c.wrong_id;
        return;
    }
    const bool success = p.code == uint8_t(ChapCode::Success);
    if (protocol_ != AuthProtocol::mschap_v2)
        return finish(success, success ? AuthFailure::none : AuthFailure::peer_rejected, msg);
    if (!success) {
        MsChapV2Failure f;
        parse_mschapv2_failure(msg, &f);
        if (f.retry) ++c.unsupported;  // no new password to retry with
        return finish(false, AuthFailure::peer_rejected, f.message.empty() ? msg : f.message);
    }
    MsChapV2Success s;
    if (!parse_mschapv2_success(msg, &s) ||
        !equal_nocase(s.authenticator_response, to_view(expected_))) {  // RFC 2759 §5
        ++c.bad_authenticator_response;
        return finish(false, AuthFailure::bad_authenticator_response, msg);
    }
    finish(true, AuthFailure::none, s.message);
}

void ChapPeer::finish(bool accept, AuthFailure why, std::string_view message) {
    state_ = accept ? AuthState::success : AuthState::failure;
    give_up_at_ = UINT64_MAX;
    accept ? ++ctx_.counters->successes : ++ctx_.counters->failures;
    AuthEvent e;
    e.kind = accept ? AuthEventKind::success : AuthEventKind::failure;
    e.protocol = protocol_;
    e.authenticator = false;
    e.rechallenge = rechallenge_;
    e.reason = why;
    e.peer_name = name_;
    e.message = message;
    ctx_.listener->on_auth_event(e);
}

void ChapPeer::on_timer(uint64_t now) {
    if (now < give_up_at_) return;
    if (state_ != AuthState::wait_challenge && state_ != AuthState::response_sent) return;
    ++ctx_.counters->timeouts;
    finish(false, AuthFailure::timeout, {});
}

void ChapPeer::close() {
    state_ = AuthState::closed;
    give_up_at_ = UINT64_MAX;
}

}  // namespace lns::cp::ppp
