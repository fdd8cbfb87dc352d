// RADIUS packet codec: the wire format of RFC 2865 §3 (header) and §5
// (attributes), the authenticators of RFC 2865 §3 (Request / Response
// Authenticator) and §5.2 (User-Password hiding), RFC 2866 §3 (Accounting-Request
// authenticator), RFC 5176 §3.5 (Disconnect / CoA request authenticator) and
// RFC 2869 §5.14 / RFC 3579 §3.2 (Message-Authenticator, HMAC-MD5).
//
// Decoding: decode_packet() takes a datagram, checks the header and walks every
// attribute once (so AttrIter never meets a malformed one); it never reads past
// the span, never allocates and returns a named error.  Octets past the Length
// field are padding and ignored (§3).  Authenticator checks are separate
// functions so a caller decides which apply (a reply needs the request's
// authenticator, a DAE request only the secret).
//
// Encoding: PacketWriter writes into a caller's bounded buffer; once something
// does not fit (or a value exceeds 253 octets) it is in error and finish()
// returns an empty span.  The signing functions then fill the authenticator and
// Message-Authenticator in place.
//
// MD5 and HMAC-MD5 come from Nettle.  Thread: any; pure functions and plain data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "controlplane/aaa/ipv6_prefix.hpp"

namespace lns::cp::aaa {

using Bytes16 = std::array<uint8_t, 16>;
using ByteSpan = std::span<const uint8_t>;

inline constexpr size_t kRadiusHeaderLen = 20;
inline constexpr size_t kRadiusMaxLen = 4096;   // RFC 2865 §3
inline constexpr size_t kMaxAttrValueLen = 253;
inline constexpr size_t kMaxPasswordLen = 128;  // RFC 2865 §5.2
inline constexpr uint32_t kVendorMicrosoft = 311;  // RFC 2548

// Packet codes (RFC 2865 §3, RFC 2866 §4, RFC 5176 §2.3).
enum class Code : uint8_t {
    AccessRequest = 1,
    AccessAccept = 2,
    AccessReject = 3,
    AccountingRequest = 4,
    AccountingResponse = 5,
    AccessChallenge = 11,
    DisconnectRequest = 40,
    DisconnectAck = 41,
    DisconnectNak = 42,
    CoaRequest = 43,
    CoaAck = 44,
    CoaNak = 45,
};
const char *code_name(Code c);

// Attribute types used here (RFC 2865 §5, 2866 §5, 2869 §5, 3162, 4818, 5176).
namespace attr {
inline constexpr uint8_t kUserName = 1, kUserPassword = 2, kChapPassword = 3,
                         kNasIpAddress = 4, kNasPort = 5, kServiceType = 6,
                         kFramedProtocol = 7, kFramedIpAddress = 8, kFramedIpNetmask = 9,
                         kFilterId = 11, kFramedMtu = 12, kReplyMessage = 18, kState = 24,
                         kClass = 25, kVendorSpecific = 26, kSessionTimeout = 27,
                         kIdleTimeout = 28, kCalledStationId = 30, kCallingStationId = 31,
                         kNasIdentifier = 32, kProxyState = 33, kAcctStatusType = 40,
                         kAcctDelayTime = 41, kAcctInputOctets = 42, kAcctOutputOctets = 43,
                         kAcctSessionId = 44, kAcctAuthentic = 45, kAcctSessionTime = 46,
                         kAcctInputPackets = 47, kAcctOutputPackets = 48,
                         kAcctTerminateCause = 49, kAcctMultiSessionId = 50,
                         kAcctInputGigawords = 52, kAcctOutputGigawords = 53,
                         kEventTimestamp = 55, kChapChallenge = 60, kNasPortType = 61,
                         kConnectInfo = 77, kMessageAuthenticator = 80,
                         kAcctInterimInterval = 85, kNasPortId = 87, kFramedPool = 88,
                         kErrorCause = 101, kNasIpv6Address = 95, kFramedInterfaceId = 96,
                         kFramedIpv6Prefix = 97, kFramedIpv6Pool = 100,
                         kDelegatedIpv6Prefix = 123;
}  // namespace attr

// Microsoft vendor attributes (RFC 2548 §2.3).
namespace ms {
inline constexpr uint8_t kChapError = 2, kChapChallenge = 11, kChap2Response = 25,
                         kChap2Success = 26;
}

// Error-Cause values (RFC 5176 §3.6).
enum class ErrorCause : uint32_t {
    ResidualSessionContextRemoved = 201,
    InvalidEapPacket = 202,
    UnsupportedAttribute = 401,
    MissingAttribute = 402,
    NasIdentificationMismatch = 403,
    InvalidRequest = 404,
    UnsupportedService = 405,
    UnsupportedExtension = 406,
    InvalidAttributeValue = 407,
    AdministrativelyProhibited = 501,
    RequestNotRoutable = 502,
    SessionContextNotFound = 503,
    SessionContextNotRemovable = 504,
    OtherProxyProcessingError = 505,
    ResourcesUnavailable = 506,
    RequestInitiated = 507,
    MultipleSessionSelectionUnsupported = 508,
};

enum class RadiusError : uint8_t {
    ok,
    truncated,              // shorter than 20 octets or than its Length field
    bad_length,             // Length field < 20 or > 4096
    bad_attribute_length,   // an attribute's length < 2 or past the packet's end
    bad_code,               // not the code expected here
    bad_authenticator,      // Response / Request Authenticator does not verify
    bad_message_authenticator,      // present but wrong (or not 16 octets)
    missing_message_authenticator,  // required and absent
    count_,
};
const char *radius_error_name(RadiusError e);

struct Attribute {
    uint8_t type = 0;
    ByteSpan value;
};

// A decoded packet: views into the caller's buffer, valid while it lives.
struct PacketView {
    Code code{};
    uint8_t id = 0;
    uint16_t length = 0;
    ByteSpan bytes;          // the whole packet, [0, Length)
    ByteSpan attributes;     // [20, Length), well formed
    const uint8_t *authenticator() const { return bytes.data() + 4; }
};

// RFC 2865 §3: header and attribute framing.  Does not check the code.
RadiusError decode_packet(ByteSpan datagram, PacketView *out);

// Walks attributes already validated by decode_packet().
class AttrIter {
public:
    explicit AttrIter(ByteSpan attrs) : p_(attrs) {}
    bool next(Attribute *a) {
        if (p_.size() < 2) return false;
        a->type = p_[0];
        a->value = p_.subspan(2, p_[1] - 2);
        p_ = p_.subspan(p_[1]);
        return true;
    }

private:
    ByteSpan p_;
};

// First attribute of `type` (false if none).
bool find_attr(const PacketView &p, uint8_t type, Attribute *out);

// Vendor-Specific (RFC 2865 §5.26) holding one vendor attribute in the
// recommended format (vendor type, vendor length, data), as RFC 2548 uses.
bool parse_vsa(ByteSpan value, uint32_t *vendor, uint8_t *vtype, ByteSpan *vdata);

// Integer values (4 octets, network order); false if the length is not 4.
bool attr_u32(ByteSpan value, uint32_t *out);

// IPv6 prefix (RFC 3162 §2.3: reserved, prefix length, up to 16 prefix octets);
// the type is in ipv6_prefix.hpp, shared with the address pools.
bool attr_ipv6_prefix(ByteSpan value, Ipv6Prefix *out);

// ---- Encoding ----

class PacketWriter {
public:
    // Writes the header (authenticator zero) at the start of `buf`.
    PacketWriter(std::span<uint8_t> buf, Code code, uint8_t id);

    bool add(uint8_t type, ByteSpan value);
    bool add_string(uint8_t type, std::string_view s);
    bool add_u32(uint8_t type, uint32_t v);
    bool add_ipv4(uint8_t type, uint32_t ip_host_order) { return add_u32(type, ip_host_order); }
    bool add_ipv6_prefix(uint8_t type, const Ipv6Prefix &p);
    bool add_vsa(uint32_t vendor, uint8_t vtype, ByteSpan data);
    // Pre-encoded attributes (type, length, value ...), copied as they are.
    bool add_raw(ByteSpan attrs);
    // User-Password hidden with `secret` and the Request Authenticator `ra`
    // (RFC 2865 §5.2); false if longer than 128 octets.
    bool add_user_password(std::string_view password, ByteSpan secret, const Bytes16 &ra);
    // A zeroed Message-Authenticator; returns its value's offset (0 on error).
    size_t add_message_authenticator();

    void set_authenticator(const Bytes16 &a);
    bool ok() const { return ok_; }
    size_t size() const { return len_; }
    // Writes the Length field; the packet, or empty if anything failed.
    std::span<uint8_t> finish();

private:
    uint8_t *room(size_t n);
    std::span<uint8_t> buf_;
    size_t len_ = 0;
    bool ok_ = true;
};

// ---- Authenticators ----

// RFC 2865 §5.2.  hide: `out` gets the padded, hidden password (16..128 octets,
// a multiple of 16); returns its length, 0 if `pw` is too long.  unhide: the
// plain password with trailing NULs removed; false if the length is not a
// multiple of 16 in 16..128.
size_t hide_user_password(std::string_view pw, ByteSpan secret, const Bytes16 &ra,
                          std::span<uint8_t, kMaxPasswordLen> out);
bool unhide_user_password(ByteSpan hidden, ByteSpan secret, const Bytes16 &ra,
                          std::span<uint8_t, kMaxPasswordLen> out, size_t *len);

// MD5(Code+ID+Length+auth+Attributes+Secret) for `pkt` (Length octets) with the
// authenticator field taken as `auth` instead of what the packet holds.
Bytes16 compute_authenticator(ByteSpan pkt, const Bytes16 &auth, ByteSpan secret);

// Offset of the Message-Authenticator value in `pkt`, 0 if absent; sets *bad
// when one is present with a length other than 18.
size_t find_message_authenticator(ByteSpan pkt, bool *bad);

// HMAC-MD5 over `pkt` with the authenticator field taken as `auth` and the
// Message-Authenticator value (at `ma_off`) as zeros (RFC 3579 §3.2).
Bytes16 compute_message_authenticator(ByteSpan pkt, const Bytes16 &auth, size_t ma_off,
                                      ByteSpan secret);

// Access-Request (RFC 2865 §3, RFC 3579 §3.2): the packet already holds its
// random Request Authenticator; fills the Message-Authenticator at `ma_off`
// (if non-zero).
void sign_access_request(std::span<uint8_t> pkt, size_t ma_off, ByteSpan secret);
// Accounting-Request, Disconnect-Request, CoA-Request (RFC 2866 §3, RFC 5176
// §3.5): Message-Authenticator (if `ma_off`) over a zero authenticator, then the
// Request Authenticator = MD5 over the packet with a zero authenticator.
void sign_request(std::span<uint8_t> pkt, size_t ma_off, ByteSpan secret);
// Replies (Access-Accept/Reject/Challenge, Accounting-Response, DAE ACK/NAK):
// Message-Authenticator (if `ma_off`) with the request's authenticator `ra`,
// then the Response Authenticator.
void sign_response(std::span<uint8_t> pkt, size_t ma_off, const Bytes16 &ra, ByteSpan secret);

// Checks a reply against the request authenticator `ra`: Response
// Authenticator, then the Message-Authenticator if present (or required).
RadiusError verify_response(const PacketView &p, const Bytes16 &ra, ByteSpan secret,
                            bool require_ma);
// Checks an Accounting / Disconnect / CoA request: Request Authenticator over a
// zero authenticator, then the Message-Authenticator if present (or required).
RadiusError verify_request(const PacketView &p, ByteSpan secret, bool require_ma);

inline ByteSpan as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}
inline uint32_t load_be32(const uint8_t *p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

}  // namespace lns::cp::aaa
