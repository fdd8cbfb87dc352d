#include "controlplane/ppp/chap_packet.hpp"

namespace lns::cp::ppp {

AuthError parse_chap_value(const ControlPacket &p, ChapValue *out) {
    if (p.code != uint8_t(ChapCode::Challenge) && p.code != uint8_t(ChapCode::Response))
        return AuthError::unknown_code;
    if (p.data.empty()) return AuthError::truncated;
    const size_t n = p.data[0];
    if (n == 0) return AuthError::bad_value_size;
    if (n + 1 > p.data.size()) return AuthError::bad_field_length;
    const std::span<const uint8_t> name = p.data.subspan(n + 1);
    if (name.size() > kMaxAuthName) return AuthError::name_too_long;
    out->value = p.data.subspan(1, n);
    out->name = auth_text(name);
    return AuthError::ok;
}

AuthError parse_chap_status(const ControlPacket &p, std::string_view *message) {
    if (p.code != uint8_t(ChapCode::Success) && p.code != uint8_t(ChapCode::Failure))
        return AuthError::unknown_code;
    *message = auth_text(p.data);
    return AuthError::ok;
}

std::span<const uint8_t> build_chap_value(PacketWriter &w, ChapCode code, uint8_t id,
                                          std::span<const uint8_t> value, std::string_view name) {
    w.begin(uint8_t(code), id);
    if (value.size() > 255) value = value.first(255);
    w.put_u8(uint8_t(value.size()));
    w.put_bytes(value);
    const size_t room = kMaxPacket - w.size();
    w.put_bytes(auth_bytes(name.substr(0, room)));
    return w.finish();
}

std::span<const uint8_t> build_chap_status(PacketWriter &w, ChapCode code, uint8_t id,
                                           std::string_view message) {
    w.begin(uint8_t(code), id);
    w.put_bytes(auth_bytes(message.substr(0, kMaxPacket - kHeaderLen)));
    return w.finish();
}

}  // namespace lns::cp::ppp
