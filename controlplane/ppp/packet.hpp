// PPP vocabulary shared by every PPP engine (LCP, IPCP, IPv6CP, PAP, CHAP,
// MS-CHAPv2) and their owners (lnsd's control core, the LAC emulator's PPP
// client, tests): protocol numbers, the control-packet header (RFC 1661 §5), the
// option list (RFC 1661 §6), a bounded packet writer, and the output interface
// engines send through.
//
// Decoders take a span, never read past it, never allocate, and return a named
// error (conventions.md §5).
//
// Thread: any; plain data and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace lns::cp::ppp {

// PPP protocol field values (RFC 1700 / IANA "PPP DLL Protocol Numbers").
inline constexpr uint16_t kProtoIpv4 = 0x0021;
inline constexpr uint16_t kProtoIpv6 = 0x0057;
inline constexpr uint16_t kProtoIpcp = 0x8021;
inline constexpr uint16_t kProtoIpv6cp = 0x8057;
inline constexpr uint16_t kProtoLcp = 0xC021;
inline constexpr uint16_t kProtoPap = 0xC023;
inline constexpr uint16_t kProtoChap = 0xC223;

// LCP / NCP packet codes (RFC 1661 §5).  IPCP and IPv6CP use 1..7 only.
enum class Code : uint8_t {
    ConfigureRequest = 1,
    ConfigureAck = 2,
    ConfigureNak = 3,
    ConfigureReject = 4,
    TerminateRequest = 5,
    TerminateAck = 6,
    CodeReject = 7,
    ProtocolReject = 8,
    EchoRequest = 9,
    EchoReply = 10,
    DiscardRequest = 11,
};

inline constexpr size_t kHeaderLen = 4;   // code, identifier, length
inline constexpr size_t kMaxPacket = 1500; // largest control packet we build

enum class PppError : uint8_t {
    ok,
    truncated,           // fewer bytes than a header, or than Length says
    bad_length,          // Length field below 4
    bad_option_length,   // an option's length below 2 or beyond the packet
    bad_frame,           // a PPP frame without a valid protocol field
};
const char *to_string(PppError e);

// One control packet.  `data` is the part after the 4-byte header, limited to the
// Length field: octets beyond Length are padding and ignored (RFC 1661 §5).
struct ControlPacket {
    uint8_t code = 0;
    uint8_t id = 0;
    std::span<const uint8_t> data;
    std::span<const uint8_t> whole;  // header + data, as Code-Reject quotes it
};
PppError parse_control_packet(std::span<const uint8_t> in, ControlPacket *out);

// A PPP frame as carried in an L2TP data message: optional FF 03 (absent with
// ACFC), then a 1- or 2-byte protocol field (PFC: odd first byte means one byte).
struct Frame {
    uint16_t protocol = 0;
    std::span<const uint8_t> payload;
};
PppError parse_frame(std::span<const uint8_t> in, Frame *out);

// Iterates the options of a Configure-Request/Ack/Nak/Reject.
struct Option {
    uint8_t type = 0;
    std::span<const uint8_t> value;  // after type and length
    std::span<const uint8_t> whole;  // type, length, value
};
class OptionReader {
public:
    explicit OptionReader(std::span<const uint8_t> options) : rest_(options) {}
    // true with *out filled; false at the end or on error (then error() says which).
    bool next(Option *out);
    PppError error() const { return err_; }

private:
    std::span<const uint8_t> rest_;
    PppError err_ = PppError::ok;
};

// Builds one control packet into a fixed buffer.  Writes past the buffer are
// refused (ok() turns false) rather than performed.
class PacketWriter {
public:
    PacketWriter(uint8_t code, uint8_t id) { begin(code, id); }
    void begin(uint8_t code, uint8_t id);
    void put_u8(uint8_t v);
    void put_u16(uint16_t v);  // network order
    void put_u32(uint32_t v);  // network order
    void put_bytes(std::span<const uint8_t> b);
    void put_option(uint8_t type, std::span<const uint8_t> value);
    // The finished packet (Length filled in).
    std::span<const uint8_t> finish();
    bool ok() const { return ok_; }
    size_t size() const { return len_; }

private:
    uint8_t buf_[kMaxPacket];
    size_t len_ = 0;
    bool ok_ = true;
};

inline uint16_t load_be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load_be32(const uint8_t *p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// Where engines send packets.  `protocol` is the PPP protocol field; `packet`
// is the PPP information field (for LCP, a control packet with its header).
// The owner adds framing (FF 03, protocol) and L2TP; the span is valid only
// during the call.
class Output {
public:
    virtual ~Output() = default;
    virtual void send(uint16_t protocol, std::span<const uint8_t> packet) = 0;
};

}  // namespace lns::cp::ppp
