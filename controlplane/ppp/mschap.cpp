#include "controlplane/ppp/mschap.hpp"

#include <algorithm>
#include <cstring>
#include <nettle/des.h>
#include <nettle/md4.h>
#include <nettle/memops.h>
#include <nettle/sha1.h>

namespace lns::cp::ppp {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// §8.7 constants.
constexpr char kMagic1[] = "Magic server to client signing constant";
constexpr char kMagic2[] = "Pad to make it do more than one iteration";
static_assert(sizeof kMagic1 - 1 == 39 && sizeof kMagic2 - 1 == 41);

// One code point of UTF-8 at s[*i]; an octet that does not start a valid,
// shortest-form sequence stands for itself (Latin-1).  Advances *i.
uint32_t next_code_point(std::string_view s, size_t *i) {
    const uint8_t b0 = uint8_t(s[*i]);
    size_t n = 0;
    uint32_t cp = 0, min = 0;
    if ((b0 & 0xe0) == 0xc0) { n = 1; cp = b0 & 0x1f; min = 0x80; }
    else if ((b0 & 0xf0) == 0xe0) { n = 2; cp = b0 & 0x0f; min = 0x800; }
    else if ((b0 & 0xf8) == 0xf0) { n = 3; cp = b0 & 0x07; min = 0x10000; }
    if (n == 0 || *i + n >= s.size()) {  // not a lead octet, or the sequence is cut off
        ++*i;
        return b0;
    }
    for (size_t k = 1; k <= n; ++k) {
        const uint8_t b = uint8_t(s[*i + k]);
        if ((b & 0xc0) != 0x80) { ++*i; return b0; }
        cp = cp << 6 | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) { ++*i; return b0; }
    *i += n + 1;
    return cp;
}

// Seven key octets spread over eight DES key octets, high 7 bits each (§8.6;
// the parity bit, ignored by DES, is left as Nettle's des_fix_parity sets it).
void des_encrypt7(const uint8_t clear[8], const uint8_t k[7], uint8_t out[8]) {
    uint8_t key[8] = {
        k[0],
        uint8_t(k[0] << 7 | k[1] >> 1),
        uint8_t(k[1] << 6 | k[2] >> 2),
        uint8_t(k[2] << 5 | k[3] >> 3),
        uint8_t(k[3] << 4 | k[4] >> 4),
        uint8_t(k[4] << 3 | k[5] >> 5),
        uint8_t(k[5] << 2 | k[6] >> 6),
        uint8_t(k[6] << 1),
    };
    des_fix_parity(8, key, key);
    des_ctx ctx;
    (void)des_set_key(&ctx, key);  // 0 for weak keys, which are still set and used
    des_encrypt(&ctx, 8, out, clear);
}

AuthenticatorResponse to_authenticator_response(const uint8_t digest[SHA1_DIGEST_SIZE]) {
    AuthenticatorResponse r;
    r[0] = 'S';
    r[1] = '=';
    for (size_t i = 0; i < SHA1_DIGEST_SIZE; ++i) {
        r[2 + 2 * i] = kHex[digest[i] >> 4];
        r[3 + 2 * i] = kHex[digest[i] & 15];
    }
    return r;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

void append_hex(std::string *out, std::span<const uint8_t> b) {
    for (uint8_t v : b) {
        out->push_back(kHex[v >> 4]);
        out->push_back(kHex[v & 15]);
    }
}

// Decimal digits at the front of `s` (at most 9), 0 when none.
unsigned read_number(std::string_view s) {
    unsigned v = 0;
    for (size_t i = 0; i < s.size() && i < 9 && s[i] >= '0' && s[i] <= '9'; ++i)
        v = v * 10 + unsigned(s[i] - '0');
    return v;
}

}  // namespace

NtHash nt_password_hash(std::string_view password) {
    md4_ctx ctx;
    md4_init(&ctx);
    uint8_t buf[128];
    size_t n = 0;
    auto put = [&](uint16_t unit) {
        buf[n++] = uint8_t(unit);
        buf[n++] = uint8_t(unit >> 8);
        if (n == sizeof buf) {
            md4_update(&ctx, n, buf);
            n = 0;
        }
    };
    for (size_t i = 0; i < password.size();) {
        const uint32_t cp = next_code_point(password, &i);
        if (cp < 0x10000) {
            put(uint16_t(cp));
        } else {
            put(uint16_t(0xd800 + ((cp - 0x10000) >> 10)));
            put(uint16_t(0xdc00 + ((cp - 0x10000) & 0x3ff)));
        }
    }
    md4_update(&ctx, n, buf);
    NtHash h;
    md4_digest(&ctx, h.size(), h.data());
    return h;
}

NtHash hash_nt_password_hash(const NtHash &password_hash) {
    md4_ctx ctx;
    md4_init(&ctx);
    md4_update(&ctx, password_hash.size(), password_hash.data());
    NtHash h;
    md4_digest(&ctx, h.size(), h.data());
    return h;
}

std::array<uint8_t, 8> challenge_hash(ChallengeSpan peer_challenge, ChallengeSpan auth_challenge,
                                      std::string_view user) {
    if (const size_t slash = user.rfind('\\'); slash != std::string_view::npos)
        user = user.substr(slash + 1);
    sha1_ctx ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, peer_challenge.size(), peer_challenge.data());
    sha1_update(&ctx, auth_challenge.size(), auth_challenge.data());
    sha1_update(&ctx, user.size(), reinterpret_cast<const uint8_t *>(user.data()));
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_digest(&ctx, sizeof digest, digest);
    std::array<uint8_t, 8> out;
    std::memcpy(out.data(), digest, out.size());
    return out;
}

NtResponse challenge_response(const std::array<uint8_t, 8> &challenge, const NtHash &password_hash) {
    uint8_t z[21] = {};
    std::memcpy(z, password_hash.data(), password_hash.size());
    NtResponse r;
    for (size_t i = 0; i < 3; ++i) des_encrypt7(challenge.data(), z + 7 * i, r.data() + 8 * i);
    return r;
}

NtResponse generate_nt_response_from_hash(ChallengeSpan auth_challenge,
                                          ChallengeSpan peer_challenge, std::string_view user,
                                          const NtHash &password_hash) {
    return challenge_response(challenge_hash(peer_challenge, auth_challenge, user), password_hash);
}

NtResponse generate_nt_response(ChallengeSpan auth_challenge, ChallengeSpan peer_challenge,
                                std::string_view user, std::string_view password) {
    return generate_nt_response_from_hash(auth_challenge, peer_challenge, user,
                                          nt_password_hash(password));
}

AuthenticatorResponse generate_authenticator_response_from_hash(
    const NtHash &password_hash, std::span<const uint8_t, kNtResponseLen> nt_response,
    ChallengeSpan peer_challenge, ChallengeSpan auth_challenge, std::string_view user) {
    const NtHash hash_hash = hash_nt_password_hash(password_hash);
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_ctx ctx;
    sha1_init(&ctx);
    sha1_update(&ctx, hash_hash.size(), hash_hash.data());
    sha1_update(&ctx, nt_response.size(), nt_response.data());
    sha1_update(&ctx, sizeof kMagic1 - 1, reinterpret_cast<const uint8_t *>(kMagic1));
    sha1_digest(&ctx, sizeof digest, digest);
    const std::array<uint8_t, 8> challenge = challenge_hash(peer_challenge, auth_challenge, user);
    sha1_init(&ctx);
    sha1_update(&ctx, sizeof digest, digest);
    sha1_update(&ctx, challenge.size(), challenge.data());
    sha1_update(&ctx, sizeof kMagic2 - 1, reinterpret_cast<const uint8_t *>(kMagic2));
    sha1_digest(&ctx, sizeof digest, digest);
    return to_authenticator_response(digest);
}

AuthenticatorResponse generate_authenticator_response(std::string_view password,
                                                      std::span<const uint8_t, kNtResponseLen> nt_response,
                                                      ChallengeSpan peer_challenge,
                                                      ChallengeSpan auth_challenge,
                                                      std::string_view user) {
    return generate_authenticator_response_from_hash(nt_password_hash(password), nt_response,
                                                     peer_challenge, auth_challenge, user);
}

bool mschapv2_verify_hash(std::string_view user, const NtHash &password_hash,
                          ChallengeSpan auth_challenge, ChallengeSpan peer_challenge,
                          std::span<const uint8_t, kNtResponseLen> nt_response,
                          AuthenticatorResponse *authenticator_response) {
    const NtResponse want =
        generate_nt_response_from_hash(auth_challenge, peer_challenge, user, password_hash);
    if (!memeql_sec(want.data(), nt_response.data(), want.size())) return false;
    if (authenticator_response)
        *authenticator_response = generate_authenticator_response_from_hash(
            password_hash, nt_response, peer_challenge, auth_challenge, user);
    return true;
}

bool mschapv2_verify(std::string_view user, std::string_view password,
                     ChallengeSpan auth_challenge, ChallengeSpan peer_challenge,
                     std::span<const uint8_t, kNtResponseLen> nt_response,
                     AuthenticatorResponse *authenticator_response) {
    return mschapv2_verify_hash(user, nt_password_hash(password), auth_challenge, peer_challenge,
                                nt_response, authenticator_response);
}

bool mschapv2_verify(const VerifyRequest &req, std::string_view password,
                     AuthenticatorResponse *authenticator_response) {
    if (req.protocol != AuthProtocol::mschap_v2 || req.challenge.size() != kMsChapChallengeLen ||
        req.peer_challenge.size() != kMsChapChallengeLen || req.nt_response.size() != kNtResponseLen)
        return false;
    return mschapv2_verify(req.user, password, req.challenge.first<kMsChapChallengeLen>(),
                           req.peer_challenge.first<kMsChapChallengeLen>(),
                           req.nt_response.first<kNtResponseLen>(), authenticator_response);
}

AuthError parse_mschapv2_value(std::span<const uint8_t> value, MsChapV2Value *out) {
    if (value.size() != kMsChapV2ValueLen) return AuthError::bad_value_size;
    out->peer_challenge = value.subspan(0, kMsChapChallengeLen);
    out->nt_response = value.subspan(kMsChapChallengeLen + 8, kNtResponseLen);
    out->flags = value[kMsChapV2ValueLen - 1];
    return AuthError::ok;
}

void build_mschapv2_value(ChallengeSpan peer_challenge,
                          std::span<const uint8_t, kNtResponseLen> nt_response,
                          std::array<uint8_t, kMsChapV2ValueLen> *out) {
    out->fill(0);
    std::memcpy(out->data(), peer_challenge.data(), kMsChapChallengeLen);
    std::memcpy(out->data() + kMsChapChallengeLen + 8, nt_response.data(), kNtResponseLen);
}

bool is_authenticator_response(std::string_view s) {
    if (s.size() != kAuthenticatorResponseLen || s[0] != 'S' || s[1] != '=') return false;
    for (size_t i = 2; i < s.size(); ++i)
        if (!is_hex(s[i])) return false;
    return true;
}

void format_mschapv2_success(std::string *out, std::string_view authenticator_response,
                             std::string_view message) {
    out->assign(authenticator_response);
    out->append(" M=");
    out->append(message);
}

void format_mschapv2_failure(std::string *out, unsigned error, ChallengeSpan challenge,
                             std::string_view message) {
    out->assign("E=");
    out->append(std::to_string(error));
    out->append(" R=0 C=");
    append_hex(out, challenge);
    out->append(" V=3 M=");
    out->append(message);
}

bool parse_mschapv2_success(std::string_view text, MsChapV2Success *out) {
    if (!is_authenticator_response(text.substr(0, kAuthenticatorResponseLen))) return false;
    out->authenticator_response = text.substr(0, kAuthenticatorResponseLen);
    std::string_view rest = text.substr(kAuthenticatorResponseLen);
    if (rest.starts_with(" M=")) rest.remove_prefix(3);
    else if (rest.starts_with(' ')) rest.remove_prefix(1);
    out->message = rest;
    return true;
}

void parse_mschapv2_failure(std::string_view text, MsChapV2Failure *out) {
    while (!text.empty()) {
        if (text[0] == ' ') {
            text.remove_prefix(1);
            continue;
        }
        if (text.starts_with("M=")) {
            out->message = text.substr(2);
            return;
        }
        const size_t end = std::min(text.find(' '), text.size());
        const std::string_view field = text.substr(0, end);
        text.remove_prefix(end);
        if (field.size() < 2 || field[1] != '=') continue;
        const std::string_view v = field.substr(2);
        switch (field[0]) {
            case 'E': out->error = read_number(v); break;
            case 'R': out->retry = v == "1"; break;
            case 'V': out->version = read_number(v); break;
            case 'C': out->challenge = v; break;
            default: break;
        }
    }
}

}  // namespace lns::cp::ppp
