// L2TPv2 control messages (RFC 2661 §3.1, §6): the control header, decoding a
// message's AVPs into one flat struct checked against the AVP catalogue, and
// encoding messages.
//
// Decoding is two steps because hidden AVPs need the tunnel's secret, and which
// tunnel (hence which secret) is only known from the header:
//   parse_control_header(bytes) -> ControlHeader   (T=1, L=1, S=1, O=0, P=0, Ver=2)
//   decode_message(avps, secret, &msg)             (AVPs, catalogue rules)
//
// Thread: any; no allocation.  Decoded views point into the input bytes or into
// ControlMessage::scratch, so a ControlMessage is valid while its input lives.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "controlplane/l2tp/avp.hpp"

namespace lns::cp::l2tp {

inline constexpr size_t kControlHeaderLen = 12;  // T L S: flags, length, tid, sid, Ns, Nr
inline constexpr uint16_t kL2tpPort = 1701;

struct ControlHeader {
    uint16_t length = 0;  // whole message, from the Length field
    uint16_t tunnel_id = 0;
    uint16_t session_id = 0;
    uint16_t ns = 0;
    uint16_t nr = 0;
    std::span<const uint8_t> avps;  // bytes after the header, up to `length`
    bool zlb() const { return avps.empty(); }
};

enum class CtlError : uint8_t {
    ok = 0,
    truncated,            // shorter than the 12-byte header or than Length says
    not_control,          // T bit clear (a data message)
    bad_version,          // Ver != 2 (Ver 1 is L2F)
    bad_flags,            // L or S clear, O or P set (reserved bits are ignored, §3.1)
    // decode_message:
    first_not_message_type,  // first AVP is not Message Type (§4.4.1)
    bad_avp,                 // AvpReader error (see ControlMessage::avp_error)
    bad_avp_length,          // a known AVP's value outside its catalogue bounds
    unknown_message_type,    // Message Type value not known (check message_type_mandatory)
    unknown_mandatory_avp,   // an unrecognised AVP with M=1 (see unknown_avp_*)
    missing_avp,             // a required AVP is absent (see missing_avp)
    duplicate_avp,           // a single-valued AVP appears twice
    bad_avp_value,           // e.g. protocol version not 1.0, hidden Message Type
};
const char *ctl_error_name(CtlError e);

// Parses and checks the control header of `msg` (UDP payload).  Checks, in order:
// at least 2 bytes (truncated), Ver (bad_version), T (not_control), L/S/O/P
// (bad_flags), 12 bytes and 12 <= Length <= size (truncated).  The x bits are
// ignored as §3.1 requires of a receiver; bytes after Length are ignored.
CtlError parse_control_header(std::span<const uint8_t> msg, ControlHeader *out);

struct ResultCodeAvp {
    uint16_t result = 0;
    bool has_error = false;
    uint16_t error = 0;
    std::string_view message;
};

// PPP Disconnect Cause Code (RFC 3145 §3.2).
struct DisconnectCause {
    uint16_t code = 0;
    uint16_t protocol = 0;
    uint8_t direction = 0;
    std::string_view message;
};

// Call Errors (§4.4.6, WEN) and ACCM (§4.4.6, SLI).
struct CallErrors {
    uint32_t crc = 0, framing = 0, hw_overruns = 0, buffer_overruns = 0, timeouts = 0,
             alignment = 0;
};

// Every AVP of every message, decoded.  `has(type)` tells which were present.
struct ControlMessage {
    MsgType type = MsgType::zlb;
    uint64_t present = 0;  // bit n: AVP type n seen (IETF types <= kMaxAvpType)
    bool has(AvpType t) const { return (present >> unsigned(t)) & 1; }

    uint16_t protocol_version = 0;  // 0x0100
    uint32_t framing_capabilities = 0;
    uint32_t bearer_capabilities = 0;
    std::span<const uint8_t> tie_breaker;  // 8 bytes
    uint16_t firmware_revision = 0;
    std::string_view host_name;
    std::string_view vendor_name;
    uint16_t assigned_tunnel_id = 0;
    uint16_t receive_window_size = 0;
    std::span<const uint8_t> challenge;
    std::span<const uint8_t> challenge_response;  // 16 bytes
    uint16_t assigned_session_id = 0;
    uint32_t call_serial_number = 0;
    uint32_t minimum_bps = 0, maximum_bps = 0;
    uint32_t bearer_type = 0;
    uint32_t framing_type = 0;
    std::string_view called_number, calling_number;
    std::span<const uint8_t> sub_address;
    uint32_t tx_connect_speed = 0, rx_connect_speed = 0;
    uint32_t physical_channel_id = 0;
    std::span<const uint8_t> initial_received_lcp_confreq;  // LCP options, no header
    std::span<const uint8_t> last_sent_lcp_confreq;
    std::span<const uint8_t> last_received_lcp_confreq;
    uint16_t proxy_authen_type = 0;
    std::string_view proxy_authen_name;
    std::span<const uint8_t> proxy_authen_challenge;
    uint16_t proxy_authen_id = 0;  // low byte is the id
    std::span<const uint8_t> proxy_authen_response;
    CallErrors call_errors;
    uint32_t send_accm = 0, receive_accm = 0;
    std::span<const uint8_t> private_group_id;
    ResultCodeAvp result_code;
    uint16_t q931_cause = 0;
    uint8_t q931_msg = 0;
    std::string_view q931_advisory;
    DisconnectCause disconnect_cause;

    // Diagnostics filled on error or when ignoring things.
    AvpError avp_error = AvpError::ok;
    uint16_t raw_message_type = 0;        // the Message Type value as received
    bool message_type_mandatory = false;  // its M bit (§4.4.1: unknown + M -> clear tunnel)
    uint16_t unknown_avp_vendor = 0, unknown_avp_type = 0;  // first unknown M=1 AVP
    uint16_t error_avp_type = 0;  // type of the AVP behind the first AVP-level error
    uint16_t missing_avp = 0;            // first required AVP absent
    uint16_t ignored_avps = 0;           // unknown M=0, vendor M=0, or not allowed here with M=0

    std::array<uint8_t, 2048> scratch;  // un-hidden values
};

// Decodes the AVPs of a non-ZLB control message (header.avps).  Checks, in order:
// first AVP is Message Type (not hidden: bad_avp_value; value 2 bytes); each AVP
// with the reader; per AVP: unknown AVPs (M=1 -> unknown_mandatory_avp, M=0 ->
// ignored); AVPs not allowed in this message (M=1 -> unknown_mandatory_avp, M=0 ->
// ignored); known AVPs' value lengths and formats; duplicates (every AVP but Random
// Vector is single-valued); then required AVPs present; protocol version 1.0.
// Returns the first error; after an AVP-level error the remaining AVPs are still
// decoded (only a reader error stops the walk), so the assigned ids the caller
// needs for its CDN or StopCCN are set wherever they sit in the message.  The M bit
// of a known AVP is not checked against its MRule (lenient receiver).  Empty
// `avps` (a ZLB) gives type zlb and ok.
CtlError decode_message(std::span<const uint8_t> avps, std::span<const uint8_t> secret,
                        ControlMessage *out);

// ---- Encoding --------------------------------------------------------------------

// Builds one control message in a caller-owned buffer: a 12-byte header (Ns and Nr
// left zero for the reliable channel to fill), the Message Type AVP, then AVPs.
class MessageBuilder {
public:
    MessageBuilder(std::span<uint8_t> out, MsgType type, uint16_t peer_tunnel_id,
                   uint16_t peer_session_id);
    AvpWriter &avps() { return w_; }
    // Writes the Length field; returns the message size, 0 if anything did not fit
    // (or `out` was shorter than the header).  A builder for MsgType::zlb writes no
    // Message Type AVP (prefer build_zlb).
    size_t finish();

private:
    std::span<uint8_t> out_;
    AvpWriter w_;
};

// A ZLB acknowledgement (header only) into `out` (>= 12 bytes).  Returns 12 (0 if
// `out` is shorter).
size_t build_zlb(std::span<uint8_t> out, uint16_t peer_tunnel_id, uint16_t ns, uint16_t nr);

// Stamps Ns and Nr into an encoded message (offsets 8 and 10; no-op if shorter).
void stamp_ns_nr(std::span<uint8_t> msg, uint16_t ns, uint16_t nr);

}  // namespace lns::cp::l2tp
