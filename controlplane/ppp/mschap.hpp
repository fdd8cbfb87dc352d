// MS-CHAPv2 (RFC 2759): the crypto of §8 as pure functions, and the formats of
// its Response value (§4) and Success (§5) / Failure (§6) messages.
//
// The authenticator engine (chap.hpp) never computes these: its owner does, with
// mschapv2_verify() for local users, or a RADIUS server does (MS-CHAP2-Response
// in, MS-CHAP2-Success / MS-CHAP-Error back, RFC 2548).  ChapPeer uses them to
// answer and to check the authenticator response.
//
// Crypto is Nettle's MD4, SHA-1 and DES.  Passwords are UTF-8 (or any octets:
// an octet that does not start valid UTF-8 counts as the code point of the same
// value) and are hashed as UTF-16LE, as Windows does (§8.3).  User names go
// into ChallengeHash without a "DOMAIN\" prefix (§8.2: "excluding any prepended
// domain name"), as pppd does.
//
// Thread: any; pure functions, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "controlplane/ppp/auth.hpp"

namespace lns::cp::ppp {

inline constexpr size_t kMsChapChallengeLen = 16;   // authenticator and peer challenges
inline constexpr size_t kNtResponseLen = 24;
inline constexpr size_t kMsChapV2ValueLen = 49;     // Response Value-Size (§4)
inline constexpr size_t kAuthenticatorResponseLen = 42;  // "S=" + 40 hex digits

using MsChallenge = std::array<uint8_t, kMsChapChallengeLen>;
using NtHash = std::array<uint8_t, 16>;
using NtResponse = std::array<uint8_t, kNtResponseLen>;
using AuthenticatorResponse = std::array<char, kAuthenticatorResponseLen>;
using ChallengeSpan = std::span<const uint8_t, kMsChapChallengeLen>;

inline std::string_view to_view(const AuthenticatorResponse &r) { return {r.data(), r.size()}; }

// ---- §8 crypto -------------------------------------------------------------------
// NtPasswordHash (§8.3): MD4 of the UTF-16LE password.
NtHash nt_password_hash(std::string_view password);
// HashNtPasswordHash (§8.4): MD4 of the hash.
NtHash hash_nt_password_hash(const NtHash &password_hash);
// ChallengeHash (§8.2): first 8 octets of SHA1(peer || authenticator || user).
std::array<uint8_t, 8> challenge_hash(ChallengeSpan peer_challenge, ChallengeSpan auth_challenge,
                                      std::string_view user);
// ChallengeResponse (§8.5): DES of the challenge under three 7-octet keys cut
// from the zero-padded 21-octet hash (§8.6 DesEncrypt).
NtResponse challenge_response(const std::array<uint8_t, 8> &challenge, const NtHash &password_hash);
// GenerateNTResponse (§8.1).
NtResponse generate_nt_response(ChallengeSpan auth_challenge, ChallengeSpan peer_challenge,
                                std::string_view user, std::string_view password);
NtResponse generate_nt_response_from_hash(ChallengeSpan auth_challenge,
                                          ChallengeSpan peer_challenge, std::string_view user,
                                          const NtHash &password_hash);
// GenerateAuthenticatorResponse (§8.7): "S=" and 40 upper-case hex digits.
AuthenticatorResponse generate_authenticator_response(std::string_view password,
                                                      std::span<const uint8_t, kNtResponseLen> nt_response,
                                                      ChallengeSpan peer_challenge,
                                                      ChallengeSpan auth_challenge,
                                                      std::string_view user);
AuthenticatorResponse generate_authenticator_response_from_hash(
    const NtHash &password_hash, std::span<const uint8_t, kNtResponseLen> nt_response,
    ChallengeSpan peer_challenge, ChallengeSpan auth_challenge, std::string_view user);

// The authenticator's check (§8.1 recomputed, compared in constant time): true
// when `nt_response` is right for `password`, with the authenticator response
// for the Success message in *authenticator_response (untouched when false).
bool mschapv2_verify(std::string_view user, std::string_view password,
                     ChallengeSpan auth_challenge, ChallengeSpan peer_challenge,
                     std::span<const uint8_t, kNtResponseLen> nt_response,
                     AuthenticatorResponse *authenticator_response);
// The same from a stored NT hash (databases that keep no clear passwords).
bool mschapv2_verify_hash(std::string_view user, const NtHash &password_hash,
                          ChallengeSpan auth_challenge, ChallengeSpan peer_challenge,
                          std::span<const uint8_t, kNtResponseLen> nt_response,
                          AuthenticatorResponse *authenticator_response);
// The same for an MS-CHAPv2 verify event (false for any other protocol).
bool mschapv2_verify(const VerifyRequest &req, std::string_view password,
                     AuthenticatorResponse *authenticator_response);

// ---- §4 Response value -------------------------------------------------------------
struct MsChapV2Value {
    std::span<const uint8_t> peer_challenge;  // 16
    std::span<const uint8_t> nt_response;     // 24
    uint8_t flags = 0;
};
// Value-Size must be 49: Peer-Challenge (16), Reserved (8, ignored), NT-Response
// (24), Flags (1).  bad_value_size otherwise.
AuthError parse_mschapv2_value(std::span<const uint8_t> value, MsChapV2Value *out);
void build_mschapv2_value(ChallengeSpan peer_challenge,
                          std::span<const uint8_t, kNtResponseLen> nt_response,
                          std::array<uint8_t, kMsChapV2ValueLen> *out);

// ---- §5, §6 messages ---------------------------------------------------------------
// True for "S=" followed by exactly 40 hex digits (either case).
bool is_authenticator_response(std::string_view s);
// Success message: "S=<40 hex> M=<message>" (§5).
void format_mschapv2_success(std::string *out, std::string_view authenticator_response,
                             std::string_view message);
// Failure message: "E=<error> R=0 C=<challenge, 32 hex> V=3 M=<message>" (§6).
void format_mschapv2_failure(std::string *out, unsigned error, ChallengeSpan challenge,
                             std::string_view message);

struct MsChapV2Success {
    std::string_view authenticator_response;  // "S=" + 40 hex
    std::string_view message;                  // after " M=", may be empty
};
// False when the text does not start with a valid authenticator response.
bool parse_mschapv2_success(std::string_view text, MsChapV2Success *out);

struct MsChapV2Failure {
    unsigned error = 0;     // E=, 0 when absent
    bool retry = false;     // R=1
    unsigned version = 0;   // V=
    std::string_view challenge;  // C= (hex text)
    std::string_view message;    // M= (the rest of the text)
};
// Reads the space-separated fields in any order until "M=", which takes the rest.
// Never fails; fields not present keep their defaults.
void parse_mschapv2_failure(std::string_view text, MsChapV2Failure *out);

}  // namespace lns::cp::ppp
