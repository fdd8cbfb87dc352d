// What the PPP authentication engines share (PAP: RFC 1334 §2; CHAP-MD5: RFC 1994;
// MS-CHAPv2: RFC 2759): protocol names and the LCP Authentication-Protocol option
// value (RFC 1661 §6.2, RFC 1994 §3, RFC 2759 §2), configuration, counters, the
// verification request the authenticator hands its owner, the verdict the owner
// answers with, the events engines report, and the injected randomness.
//
// Engines (pap.hpp, chap.hpp) play either role:
//  - authenticator (lnsd): challenges or waits for credentials, emits a `verify`
//    event, and sends Success/Failure when the owner calls verdict() — at once
//    (local users: verdict() may be called from inside the verify event) or later
//    (RADIUS).  Crypto for the owner lives in chap_md5.hpp and mschap.hpp.
//  - peer (the LAC emulator's PPP client): answers with a name and secret.
//
// Time is `uint64_t now` in nanoseconds; engines report next_deadline() and run
// on_timer(now).  Packets go out through `Output` (packet.hpp) with the PPP
// protocol number; events through `AuthListener`.  Spans and string_views inside
// events are valid only during the callback: copy what must outlive it.
//
// Thread: any, one owner per engine; plain objects, no locks, clocks or sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "controlplane/ppp/packet.hpp"

namespace lns::cp::ppp {

enum class AuthProtocol : uint8_t {
    pap,        // RFC 1334: LCP option value C023
    chap_md5,   // RFC 1994: C223, algorithm 5
    mschap_v2,  // RFC 2759: C223, algorithm 0x81
};
const char *to_string(AuthProtocol p);

inline constexpr uint8_t kChapAlgorithmMd5 = 5;
inline constexpr uint8_t kChapAlgorithmMsChapV2 = 0x81;

// The Authentication-Protocol option's value (after type and length): C023, or
// C223 followed by the algorithm.  False for anything else (MS-CHAPv1, EAP, ...).
bool auth_protocol_from_option(std::span<const uint8_t> value, AuthProtocol *out);
// Writes the option value for `p` into out[0..3); returns its length (2 or 3).
size_t auth_option_value(AuthProtocol p, uint8_t out[3]);
// PPP protocol number the engine for `p` talks on (kProtoPap or kProtoChap).
uint16_t auth_ppp_protocol(AuthProtocol p);

inline constexpr size_t kMaxAuthName = 255;      // user / peer names we accept
inline constexpr size_t kMaxAuthPassword = 255;  // PAP passwords (one-octet length)
inline constexpr size_t kMaxAuthMessage = 255;   // message text we send or report
inline constexpr size_t kMaxChallenge = 32;      // CHAP-MD5 challenge we generate

// Injected randomness (conventions.md §2): challenges, identifiers, MS-CHAPv2
// peer challenges.  Tests supply a predictable one; lnsd adapts its generator.
class AuthRandom {
public:
    virtual ~AuthRandom() = default;
    virtual uint64_t next() = 0;
};

struct AuthConfig {
    // Retransmission of a Challenge (authenticator) or Authenticate-Request (PAP
    // peer) without an answer (RFC 1994 §4.1, RFC 1334 §2.2.1; pppd's defaults).
    uint64_t restart_ns = 3'000'000'000ull;
    unsigned max_transmits = 10;  // sends of one Challenge / Authenticate-Request, then fail
    // The whole first authentication (PppConfig::auth_timeout_s): authenticator,
    // from start() to the verdict; peer, from start() to Success.  0: none.
    uint64_t timeout_ns = 30'000'000'000ull;
    // CHAP authenticator: a new Challenge this long after each success (RFC 1994
    // §2 "at random intervals"; a fixed period here).  0: off.
    uint64_t rechallenge_ns = 0;
    uint8_t challenge_len = 16;  // CHAP-MD5 challenge octets, 1..kMaxChallenge (MS-CHAPv2: 16)
    std::string_view name = "lnsd";  // Name in our Challenges; must outlive the engines
};

// Named counters: every packet that is malformed, unexpected or ignored has one.
// An owner may share one struct among all its engines (they only add to it).
struct AuthCounters {
    uint64_t packets_in = 0, packets_out = 0;
    uint64_t truncated = 0;           // shorter than a header, or than Length says
    uint64_t bad_length = 0;          // Length field below 4
    uint64_t bad_field_length = 0;    // a length octet inside runs past the packet
    uint64_t unknown_code = 0;        // code not defined for the protocol
    uint64_t unexpected_code = 0;     // defined, but not for our role (e.g. a Challenge to the authenticator)
    uint64_t wrong_id = 0;            // identifier matches nothing outstanding
    uint64_t bad_value_size = 0;      // CHAP value size wrong for the algorithm
    uint64_t name_too_long = 0;       // name or password beyond 255 octets
    uint64_t response_without_challenge = 0;  // Response / Auth-Request when not waiting for one
    uint64_t result_without_request = 0;      // Success/Failure/Ack/Nak when we had not asked
    uint64_t duplicate_while_verifying = 0;   // retransmitted request while the verdict is pending
    uint64_t results_resent = 0;      // Success/Failure/Ack/Nak re-sent for a retransmitted request
    uint64_t retransmits = 0;         // Challenge / Authenticate-Request re-sent on timer
    uint64_t timeouts = 0;            // gave up: max_transmits or timeout_ns
    uint64_t verify_requests = 0;
    uint64_t stale_verdicts = 0;      // verdict for a closed engine or an old request
    uint64_t bad_verdicts = 0;        // MS-CHAPv2 accept without a valid "S=" response
    uint64_t successes = 0, failures = 0;
    uint64_t rechallenges = 0;        // periodic CHAP challenges sent
    uint64_t name_changed = 0;        // re-challenge answered with another name
    uint64_t bad_authenticator_response = 0;  // MS-CHAPv2 peer: "S=" wrong or missing
    uint64_t challenge_ignored = 0;   // CHAP peer: Challenge before start(), after failure or close
    uint64_t responses_resent = 0;    // CHAP peer: same Response for a repeated Challenge
    uint64_t unsupported = 0;         // MS-CHAPv2 Change-Password, Failure with R=1 (no retry)
};

enum class AuthState : uint8_t {
    initial,         // not started
    wait_request,    // PAP authenticator: waiting for Authenticate-Request
    challenge_sent,  // CHAP authenticator: Challenge out, retransmitting
    verifying,       // authenticator: verify event emitted, verdict pending
    request_sent,    // PAP peer: Authenticate-Request out, retransmitting
    wait_challenge,  // CHAP peer: no Challenge yet
    response_sent,   // CHAP peer: Response out, waiting for Success/Failure
    success,         // authenticated (CHAP authenticator: re-challenges may follow)
    failure,         // failed; the owner should terminate the link (RFC 1994 §4.2)
    closed,          // close() called
};
const char *to_string(AuthState s);

enum class AuthFailure : uint8_t {
    none,
    rejected,                    // authenticator: the owner's verdict said no
    timeout,                     // no Response/Request/answer within the retransmissions or timeout_ns
    peer_rejected,               // peer: the authenticator sent Failure / Authenticate-Nak
    bad_authenticator_response,  // MS-CHAPv2 peer: "S=" did not match (RFC 2759 §5)
    name_changed,                // re-challenge answered with another name
    bad_verdict,                 // MS-CHAPv2 accept without a valid authenticator response
};
const char *to_string(AuthFailure f);

// Credentials to check, for the owner (authenticator role).  Unused fields are
// empty.  Names and passwords are arbitrary octets (UTF-8 or not), at most 255.
struct VerifyRequest {
    uint32_t ticket = 0;  // give it back in AuthVerdict::ticket
    AuthProtocol protocol = AuthProtocol::pap;
    uint8_t id = 0;       // the packet identifier (CHAP: part of the MD5 input)
    std::string_view user;
    std::string_view password;               // PAP
    std::span<const uint8_t> challenge;      // CHAP-MD5: ours; MS-CHAPv2: authenticator challenge (16)
    std::span<const uint8_t> response;       // CHAP-MD5: the peer's value (16)
    std::span<const uint8_t> peer_challenge; // MS-CHAPv2 (16)
    std::span<const uint8_t> nt_response;    // MS-CHAPv2 (24)
    uint8_t flags = 0;                        // MS-CHAPv2 (reserved, 0)
};

// The owner's answer.  The engine copies what it needs during the call.
struct AuthVerdict {
    uint32_t ticket = 0;
    bool accept = false;
    // Text for the peer: PAP Ack/Nak Msg, CHAP Success/Failure Message, the
    // MS-CHAPv2 "M=" part.  Empty: "Access granted" / "Access denied".
    std::string_view message;
    // MS-CHAPv2 accept: "S=" and 40 hex digits (mschapv2_verify() or RADIUS
    // MS-CHAP2-Success after its ident octet).  Required; without it the
    // engine fails the peer (bad_verdict).
    std::string_view authenticator_response;
    // MS-CHAPv2 reject: the whole failure text "E=.. R=.. C=.. V=.. M=.." (e.g.
    // RADIUS MS-CHAP-Error after its ident octet).  Empty: the engine sends
    // "E=691 R=0 C=<challenge> V=3 M=<message>" (RFC 2759 §6).
    std::string_view mschap_error;
};

enum class AuthEventKind : uint8_t { verify, success, failure };

struct AuthEvent {
    AuthEventKind kind = AuthEventKind::failure;
    AuthProtocol protocol = AuthProtocol::pap;
    bool authenticator = true;      // role of the engine reporting
    bool rechallenge = false;       // CHAP: outcome of a periodic re-challenge
    AuthFailure reason = AuthFailure::none;
    std::string_view peer_name;     // authenticator: the peer's name; peer: our own name
    std::string_view message;       // text sent (authenticator) or received (peer)
    const VerifyRequest *verify = nullptr;  // kind == verify
};

class AuthListener {
public:
    virtual ~AuthListener() = default;
    // Called synchronously from the engine's methods, always as their last
    // action.  The owner may call back into the same engine from it: verdict()
    // from a verify event (local users answer at once), close() from a failure.
    // It must not destroy the engine from inside the callback.
    virtual void on_auth_event(const AuthEvent &e) = 0;
};

// What an engine needs from its owner; every pointer must outlive the engine.
// config, random and counters are typically shared by all sessions; out and
// listener are per session (e.g. the session object implements both).
struct AuthContext {
    const AuthConfig *config = nullptr;
    AuthRandom *random = nullptr;
    AuthCounters *counters = nullptr;
    Output *out = nullptr;
    AuthListener *listener = nullptr;
};

// Decoder result shared by the PAP and CHAP codecs.
enum class AuthError : uint8_t {
    ok,
    truncated,         // fewer octets than a header or the Length field
    bad_length,        // Length below 4
    bad_field_length,  // an inner length octet points past the packet
    name_too_long,     // name or password above 255 octets
    bad_value_size,    // CHAP Value-Size 0 (or wrong for MS-CHAPv2)
    unknown_code,
};
const char *to_string(AuthError e);

// Counts a decode error in the matching counter.
void count_error(AuthCounters &c, AuthError e);

// parse_control_packet() for the auth engines: counts packets_in and, on error,
// truncated / bad_length; true when *out is filled.
bool parse_auth_packet(std::span<const uint8_t> in, AuthCounters &c, ControlPacket *out);

// Clamps message text to kMaxAuthMessage; "Access granted"/"Access denied" when empty.
std::string_view verdict_text(std::string_view message, bool accept);

}  // namespace lns::cp::ppp
