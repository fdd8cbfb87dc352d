// L2TPv2 Attribute-Value Pairs (RFC 2661 §4): the AVP catalogue as data, a reader
// that walks the AVPs of a control message (un-hiding hidden ones), and a writer
// that appends AVPs (hiding them on request).
//
// AVP wire format (§4.1):  |M|H|rsvd(4)|Length(10)| Vendor ID(16) | Attribute Type(16) | value
// Hidden AVPs (§4.3): value = subformat (2-byte original length | original value |
// padding), XORed with MD5 chained over (type(2) | secret | Random Vector) then
// (secret | previous cipher block).  The Random Vector AVP (36) that precedes them in
// the message supplies the vector.  The decoded "original length" is attacker
// controlled: it is checked against the decrypted size and never bounds a read.
//
// Thread: any; no allocation (the reader un-hides into caller-owned scratch).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

namespace lns::cp::l2tp {

// Control message types (§3.2).  `zlb` is not on the wire: a message with no AVPs.
enum class MsgType : uint16_t {
    zlb = 0,
    sccrq = 1,
    sccrp = 2,
    scccn = 3,
    stopccn = 4,
    hello = 6,
    ocrq = 7,
    ocrp = 8,
    occn = 9,
    icrq = 10,
    icrp = 11,
    iccn = 12,
    cdn = 14,
    wen = 15,
    sli = 16,
};
inline constexpr unsigned kMaxMsgType = 16;

// "SCCRQ"..., "unknown" for anything else.
const char *msg_type_name(MsgType t);
// True for the message types this implementation knows (the enum's values but zlb).
bool msg_type_known(uint16_t t);

// IETF AVP types (§4.4, RFC 3145 for 46).
enum class AvpType : uint16_t {
    message_type = 0,
    result_code = 1,
    protocol_version = 2,
    framing_capabilities = 3,
    bearer_capabilities = 4,
    tie_breaker = 5,
    firmware_revision = 6,
    host_name = 7,
    vendor_name = 8,
    assigned_tunnel_id = 9,
    receive_window_size = 10,
    challenge = 11,
    q931_cause_code = 12,
    challenge_response = 13,
    assigned_session_id = 14,
    call_serial_number = 15,
    minimum_bps = 16,
    maximum_bps = 17,
    bearer_type = 18,
    framing_type = 19,
    called_number = 21,
    calling_number = 22,
    sub_address = 23,
    tx_connect_speed = 24,
    physical_channel_id = 25,
    initial_received_lcp_confreq = 26,
    last_sent_lcp_confreq = 27,
    last_received_lcp_confreq = 28,
    proxy_authen_type = 29,
    proxy_authen_name = 30,
    proxy_authen_challenge = 31,
    proxy_authen_id = 32,
    proxy_authen_response = 33,
    call_errors = 34,
    accm = 35,
    random_vector = 36,
    private_group_id = 37,
    rx_connect_speed = 38,
    sequencing_required = 39,
    ppp_disconnect_cause = 46,
};
inline constexpr unsigned kMaxAvpType = 46;  // highest IETF type described below

inline constexpr size_t kAvpHeaderLen = 6;       // flags+length, vendor, type
inline constexpr size_t kMaxAvpValueLen = 1017;  // 10-bit Length (1023) minus the header

// Bit set of message types (bit n = MsgType n).
using MsgMask = uint32_t;
constexpr MsgMask msg_bit(MsgType t) { return MsgMask{1} << unsigned(t); }

// The M-bit rule for an AVP (§4.4): what the RFC says the sender sets.
enum class MRule : uint8_t { must_set, must_not_set, either };

// One row of the catalogue: everything the parser and the tests need about an AVP.
struct AvpSpec {
    AvpType type;
    const char *name;      // snake_case, for logs and counters
    MRule m_rule;
    bool may_hide;         // §4.4: "This AVP MAY be hidden"
    uint16_t min_value;    // value length bounds (bytes, after un-hiding)
    uint16_t max_value;
    MsgMask allowed_in;    // messages the AVP may appear in
    MsgMask required_in;   // messages that must carry it
};

// The catalogue row for `type`, or nullptr for an unknown (or non-IETF) type.
const AvpSpec *avp_spec(uint16_t type);
// Every row, in type order (for tests and docs).
std::span<const AvpSpec> avp_catalogue();

// Errors a reader or writer reports; each is counted by name.
enum class AvpError : uint8_t {
    ok = 0,
    truncated,               // fewer than 6 bytes left, or Length < 6
    overrun,                 // Length runs past the end of the message
    reserved_bits,           // the 4 reserved bits are not zero (treated as unrecognised, §4.1)
    hidden_without_vector,   // H set but no Random Vector AVP before it
    hidden_without_secret,   // H set and no shared secret configured
    hidden_bad_length,       // hidden value shorter than 2 or its inner length > decrypted size
    no_room,                 // writer: output buffer full; reader: scratch exhausted
};
const char *avp_error_name(AvpError e);

// One AVP as read.  `value` points into the message or, for hidden AVPs, into the
// reader's scratch buffer; it stays valid while both live.  Exception: a hidden AVP
// that is unrecognised (vendor != 0 or no catalogue row) and has M=0 is returned as
// received, still hidden (`hidden` set, `value` the cipher text): §4.1 says to
// ignore it, so its value is never needed and it must not fail the message.
struct Avp {
    bool mandatory = false;
    bool hidden = false;
    uint16_t vendor = 0;
    uint16_t type = 0;
    std::span<const uint8_t> value;
};

// Walks AVPs in order.  `secret` may be empty (hidden AVPs then fail with
// hidden_without_secret).  Random Vector AVPs are returned too, and (when not
// hidden themselves) remembered for the hidden AVPs after them.  An AVP with
// reserved bits set is unrecognised (§4.1): with M=1 it is the error
// reserved_bits, with M=0 it is skipped and counted in skipped().  The first error
// ends the walk.
class AvpReader {
public:
    AvpReader(std::span<const uint8_t> avps, std::span<const uint8_t> secret,
              std::span<uint8_t> scratch);
    // Next AVP into *out.  Returns false at the end or on error (see error()).
    bool next(Avp *out);
    AvpError error() const { return err_; }
    size_t offset() const { return off_; }  // bytes consumed so far
    uint16_t skipped() const { return skipped_; }  // M=0 AVPs with reserved bits set

private:
    bool unhide(uint16_t type, std::span<const uint8_t> cipher, Avp *out);
    bool fail(AvpError e) {
        err_ = e;
        return false;
    }

    std::span<const uint8_t> buf_;
    std::span<const uint8_t> secret_;
    std::span<uint8_t> scratch_;
    size_t scratch_used_ = 0;
    size_t off_ = 0;
    std::span<const uint8_t> vector_;
    uint16_t skipped_ = 0;
    AvpError err_ = AvpError::ok;
};

// Appends AVPs to a caller-owned buffer.  Hidden AVPs need set_hiding() first: the
// writer then emits a Random Vector AVP (from `vector`) before the first hidden AVP.
// Hidden values carry no padding (§4.3 makes it optional).  An AVP is written whole
// or not at all; after the first failure (no_room: the buffer is full or the value
// exceeds kMaxAvpValueLen; hidden_without_secret / hidden_without_vector: `hide`
// without set_hiding()) every later add is ignored and error() keeps that failure.
class AvpWriter {
public:
    explicit AvpWriter(std::span<uint8_t> out) : out_(out) {}

    // Views are kept: `secret` and `vector` must outlive the writer's adds.
    void set_hiding(std::span<const uint8_t> secret, std::span<const uint8_t> vector) {
        secret_ = secret;
        vector_ = vector;
    }

    // Raw AVP; `hide` requires set_hiding().  M bit as given.
    void add(uint16_t vendor, uint16_t type, bool mandatory, std::span<const uint8_t> value,
             bool hide = false);
    // IETF AVP with the M bit from the catalogue (must_set -> 1, otherwise 0; use
    // the raw add() above for another M bit).  `hide` is honoured only for AVPs
    // the catalogue says may be hidden; the others are written in clear (§4.4).
    void add(AvpType type, std::span<const uint8_t> value, bool hide = false);
    void add_u16(AvpType type, uint16_t v, bool hide = false);
    void add_u32(AvpType type, uint32_t v, bool hide = false);
    void add_str(AvpType type, std::string_view s, bool hide = false);
    // Result Code (§4.4.2): result, optional error code and message (a message
    // without an error code gets error code 0, since the message follows it).
    void add_result(uint16_t result, int error = -1, std::string_view message = {});

    size_t size() const { return len_; }
    AvpError error() const { return err_; }  // no_room once anything did not fit

private:
    bool fail(AvpError e) {
        err_ = e;
        return false;
    }

    std::span<uint8_t> out_;
    std::span<const uint8_t> secret_;
    std::span<const uint8_t> vector_;
    bool vector_written_ = false;
    size_t len_ = 0;
    AvpError err_ = AvpError::ok;
};

// MD5 (RFC 1321) over the concatenation of `parts`; used for hiding (§4.3) and for
// tunnel authentication (§4.2, §5.1.1).  Backed by Nettle.
std::array<uint8_t, 16> md5(std::initializer_list<std::span<const uint8_t>> parts);

// Tunnel authentication response (§4.2): MD5(message type of the response as one
// byte ‖ secret ‖ challenge).  `msg` is SCCRP (2) or SCCCN (3).
std::array<uint8_t, 16> challenge_response(MsgType msg, std::span<const uint8_t> secret,
                                           std::span<const uint8_t> challenge);

}  // namespace lns::cp::l2tp
