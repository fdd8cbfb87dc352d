#include "controlplane/ppp/auth.hpp"

namespace lns::cp::ppp {

const char *to_string(AuthProtocol p) {
    switch (p) {
        case AuthProtocol::pap: return "pap";
        case AuthProtocol::chap_md5: return "chap-md5";
        case AuthProtocol::mschap_v2: return "mschap-v2";
    }
    return "?";
}

bool auth_protocol_from_option(std::span<const uint8_t> value, AuthProtocol *out) {
    if (value.size() < 2) return false;
    const uint16_t proto = load_be16(value.data());
    if (proto == kProtoPap && value.size() == 2) {
        *out = AuthProtocol::pap;
        return true;
    }
    if (proto != kProtoChap || value.size() != 3) return false;
    if (value[2] == kChapAlgorithmMd5) {
        *out = AuthProtocol::chap_md5;
        return true;
    }
    if (value[2] == kChapAlgorithmMsChapV2) {
        *out = AuthProtocol::mschap_v2;
        return true;
    }
    return false;
}

size_t auth_option_value(AuthProtocol p, uint8_t out[3]) {
    const uint16_t proto = auth_ppp_protocol(p);
    out[0] = uint8_t(proto >> 8);
    out[1] = uint8_t(proto);
    if (p == AuthProtocol::pap) return 2;
    out[2] = p == AuthProtocol::chap_md5 ? kChapAlgorithmMd5 : kChapAlgorithmMsChapV2;
    return 3;
}

uint16_t auth_ppp_protocol(AuthProtocol p) {
    return p == AuthProtocol::pap ? kProtoPap : kProtoChap;
}

const char *to_string(AuthState s) {
    switch (s) {
        case AuthState::initial: return "initial";
        case AuthState::wait_request: return "wait_request";
        case AuthState::challenge_sent: return "challenge_sent";
        case AuthState::verifying: return "verifying";
        case AuthState::request_sent: return "request_sent";
        case AuthState::wait_challenge: return "wait_challenge";
        case AuthState::response_sent: return "response_sent";
        case AuthState::success: return "success";
        case AuthState::failure: return "failure";
        case AuthState::closed: return "closed";
    }
    return "?";
}

const char *to_string(AuthFailure f) {
    switch (f) {
        case AuthFailure::none: return "none";
        case AuthFailure::rejected: return "rejected";
        case AuthFailure::timeout: return "timeout";
        case AuthFailure::peer_rejected: return "peer_rejected";
        case AuthFailure::bad_authenticator_response: return "bad_authenticator_response";
        case AuthFailure::name_changed: return "name_changed";
        case AuthFailure::bad_verdict: return "bad_verdict";
    }
    return "?";
}

const char *to_string(AuthError e) {
    switch (e) {
        case AuthError::ok: return "ok";
        case AuthError::truncated: return "truncated";
        case AuthError::bad_length: return "bad_length";
        case AuthError::bad_field_length: return "bad_field_length";
        case AuthError::name_too_long: return "name_too_long";
        case AuthError::bad_value_size: return "bad_value_size";
        case AuthError::unknown_code: return "unknown_code";
    }
    return "?";
}

void count_error(AuthCounters &c, AuthError e) {
    switch (e) {
        case AuthError::ok: break;
        case AuthError::truncated: ++c.truncated; break;
        case AuthError::bad_length: ++c.bad_length; break;
        case AuthError::bad_field_length: ++c.bad_field_length; break;
        case AuthError::name_too_long: ++c.name_too_long; break;
        case AuthError::bad_value_size: ++c.bad_value_size; break;
        case AuthError::unknown_code: ++c.unknown_code; break;
    }
}

bool parse_auth_packet(std::span<const uint8_t> in, AuthCounters &c, ControlPacket *out) {
    ++c.packets_in;
    const PppError e = parse_control_packet(in, out);
    if (e == PppError::ok) return true;
    count_error(c, e == PppError::bad_length ? AuthError::bad_length : AuthError::truncated);
    return false;
}

std::string_view verdict_text(std::string_view message, bool accept) {
    if (message.empty()) return accept ? "Access granted" : "Access denied";
    return message.substr(0, kMaxAuthMessage);
}

}  // namespace lns::cp::ppp
