// Typed RADIUS requests and replies on top of radius_codec.hpp: what lnsd puts in
// an Access-Request (RFC 2865 §5; PAP §5.2, CHAP §5.3 / §5.40, MS-CHAPv2 RFC 2548
// §2.3.2 / §2.1.5) and an Accounting-Request (RFC 2866 §5, RFC 2869 §5.1-5.3
// Gigawords), and what it reads from an Access-Accept / -Reject / -Challenge
// (Framed-IP-Address, Framed-Pool RFC 2869 §5.18, Framed-IPv6-Prefix RFC 3162
// §2.3, Delegated-IPv6-Prefix RFC 4818, Session-Timeout, Idle-Timeout,
// Acct-Interim-Interval RFC 2869 §5.16, Class, Reply-Message, State,
// MS-CHAP2-Success, MS-CHAP-Error).
//
// Requests are views (string_view / span) over the caller's data, encoded at
// once by the client engine; nothing here keeps them.  The encoders write every
// attribute except User-Password, Acct-Delay-Time and Message-Authenticator,
// which depend on the server and the transmission (radius_client.cpp adds them).
//
// Thread: any; pure functions and plain data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/aaa/radius_codec.hpp"

namespace lns::cp::aaa {

// Who we are, put in every request (RFC 2865 §4.1: NAS-IP-Address and/or
// NAS-Identifier).  nas_ip 0 and an empty identifier are left out.
struct NasIdentity {
    uint32_t nas_ip = 0;  // host order
    std::string nas_identifier;
};

enum class AuthMethod : uint8_t { pap, chap, mschapv2 };
const char *auth_method_name(AuthMethod m);

struct AccessRequest {
    std::string_view user_name;
    AuthMethod method = AuthMethod::pap;
    std::string_view password;        // pap: the plain password (<= 128 octets)
    uint8_t chap_id = 0;              // chap, mschapv2: the CHAP Identifier
    ByteSpan challenge;               // chap: CHAP-Challenge (1..253); mschapv2: 16 octets
    ByteSpan chap_response;           // chap: the 16-octet MD5 response
    ByteSpan peer_challenge;          // mschapv2: 16 octets (RFC 2759 §4)
    ByteSpan nt_response;             // mschapv2: 24 octets
    uint8_t mschap_flags = 0;         // mschapv2: Flags (0)
    bool has_nas_port = false;
    uint32_t nas_port = 0;
    std::string_view nas_port_id, calling_station_id, called_station_id, acct_session_id;
    ByteSpan state;                   // echoed from an Access-Challenge (RFC 2865 §5.24)
    ByteSpan extra_attrs;             // pre-encoded attributes, appended as they are
};

// Acct-Status-Type (RFC 2866 §5.1).
enum class AcctStatusType : uint32_t {
    Start = 1,
    Stop = 2,
    InterimUpdate = 3,
    AccountingOn = 7,
    AccountingOff = 8,
};

// Acct-Terminate-Cause (RFC 2866 §5.10).
enum class TerminateCause : uint32_t {
    None = 0,  // not sent
    UserRequest = 1,
    LostCarrier = 2,
    LostService = 3,
    IdleTimeout = 4,
    SessionTimeout = 5,
    AdminReset = 6,
    AdminReboot = 7,
    PortError = 8,
    NasError = 9,
    NasRequest = 10,
    NasReboot = 11,
    PortUnneeded = 12,
    PortPreempted = 13,
    PortSuspended = 14,
    ServiceUnavailable = 15,
    Callback = 16,
    UserError = 17,
    HostRequest = 18,
};
const char *terminate_cause_name(TerminateCause c);

// Per-session traffic from the data plane.  "Input" is what the user sent (RFC
// 2866 §5.3: received from the port), "output" what was delivered to the user.
// Octets go out as 32-bit value + Gigawords (RFC 2869 §5.1-5.2); packet counts
// have no Gigawords and are sent modulo 2^32.
struct TrafficCounters {
    uint64_t in_octets = 0, out_octets = 0, in_packets = 0, out_packets = 0;
};

struct AccountingRequest {
    AcctStatusType status = AcctStatusType::Start;
    std::string_view user_name, session_id, multi_session_id;
    bool has_nas_port = false;
    uint32_t nas_port = 0;
    std::string_view nas_port_id, calling_station_id, called_station_id;
    uint32_t framed_ip = 0;                       // 0: none
    const Ipv6Prefix *framed_ipv6_prefix = nullptr;
    const Ipv6Prefix *delegated_ipv6_prefix = nullptr;
    std::span<const std::string> classes;         // from the Access-Accept, echoed
    uint32_t authentic = 1;                       // Acct-Authentic: 1 RADIUS, 2 Local
    TrafficCounters counters;                     // not sent with Start
    uint32_t session_time_s = 0;                  // not sent with Start
    TerminateCause cause = TerminateCause::None;  // Stop only
    uint32_t event_timestamp = 0;                 // UNIX seconds; 0: not sent
    ByteSpan extra_attrs;
};

// An Access-Accept / -Reject / -Challenge, parsed.  Absent integers are 0.
struct AccessReply {
    Code code = Code::AccessReject;
    bool has_framed_ip = false;
    uint32_t framed_ip = 0;  // host order (0xFFFFFFFE: NAS chooses, RFC 2865 §5.8)
    std::string framed_pool;
    bool has_framed_ipv6_prefix = false;
    Ipv6Prefix framed_ipv6_prefix;
    bool has_delegated_ipv6_prefix = false;
    Ipv6Prefix delegated_ipv6_prefix;
    uint32_t session_timeout = 0, idle_timeout = 0, acct_interim_interval = 0;
    uint32_t framed_mtu = 0;
    std::vector<std::string> classes;  // octets, in order
    std::string reply_message;         // all Reply-Message attributes, joined
    std::string state;
    std::string ms_chap2_success;      // value: Ident + "S=<40 hex>" (RFC 2548 §2.3.3)
    std::string ms_chap_error;         // value: Ident + "E=..." (RFC 2548 §2.1.5)
    unsigned malformed = 0;            // known attributes of the wrong size: ignored
    void clear() { *this = AccessReply{}; }
};

// Attributes of an Access-Request but User-Password and Message-Authenticator.
// False if they do not fit in `w` or a field is out of range.
bool encode_access_attrs(const AccessRequest &r, const NasIdentity &nas, PacketWriter *w);
// Attributes of an Accounting-Request but Acct-Delay-Time and
// Message-Authenticator.
bool encode_accounting_attrs(const AccountingRequest &r, const NasIdentity &nas,
                             PacketWriter *w);
// Fills *out from a verified reply (clears it first).
void parse_access_reply(const PacketView &p, AccessReply *out);

// The interim interval to use for a session (RFC 2869 §5.16): the RADIUS value
// when present, else `configured`; never below `minimum` (60 s advised) unless
// it is 0 (no interim updates).
uint32_t interim_interval_s(const AccessReply &r, uint32_t configured, uint32_t minimum = 60);

}  // namespace lns::cp::aaa
