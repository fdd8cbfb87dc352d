// CHAP packet codec (RFC 1994 §4), PPP protocol C223, shared by CHAP-MD5 and
// MS-CHAPv2 (RFC 2759 §3-§7, whose Response value and Success/Failure messages
// mschap.hpp reads and writes).
//
//   Challenge (1), Response (2): Value-Size, Value, Name (the rest of the packet)
//   Success (3), Failure (4):    Message (the rest of the packet)
//   Change-Password (7):         MS-CHAPv2 only (RFC 2759 §7); not supported here
//
// Decoders take a parsed ControlPacket (packet.hpp), never read past it, never
// allocate, and return a named AuthError (conventions.md §5).
//
// Thread: any; pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/packet.hpp"

namespace lns::cp::ppp {

enum class ChapCode : uint8_t {
    Challenge = 1,
    Response = 2,
    Success = 3,
    Failure = 4,
    ChangePassword = 7,  // RFC 2759 §7
};

// Challenge or Response body.
struct ChapValue {
    std::span<const uint8_t> value;
    std::string_view name;  // arbitrary octets, at most kMaxAuthName
};

// Reads a Challenge or Response (code checked): Value-Size 0 is bad_value_size,
// a value past the packet bad_field_length, a name above 255 octets name_too_long.
AuthError parse_chap_value(const ControlPacket &p, ChapValue *out);

// Success or Failure message text (code checked; unknown_code otherwise).
AuthError parse_chap_status(const ControlPacket &p, std::string_view *message);

// Builders into `w` (begun here); the value is cut to 255 octets, the name and
// message to what fits in the writer.  Valid until `w` is reused.
std::span<const uint8_t> build_chap_value(PacketWriter &w, ChapCode code, uint8_t id,
                                          std::span<const uint8_t> value, std::string_view name);
std::span<const uint8_t> build_chap_status(PacketWriter &w, ChapCode code, uint8_t id,
                                           std::string_view message);

inline std::span<const uint8_t> auth_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}
inline std::string_view auth_text(std::span<const uint8_t> b) {
    return {reinterpret_cast<const char *>(b.data()), b.size()};
}

}  // namespace lns::cp::ppp
