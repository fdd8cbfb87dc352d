// MS-CHAPv2 crypto and message formats (controlplane/ppp/mschap.hpp) against
// RFC 2759 §9.2's worked example, and the DES/MD4 corner cases behind them.
#include "controlplane/ppp/mschap.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nettle/md4.h>

#include "controlplane/ppp/chap_md5.hpp"

namespace lns::cp::ppp {
namespace {

std::vector<uint8_t> unhex(std::string_view h) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(uint8_t(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

template <class C>
std::string hex(const C &c) {
    static const char *d = "0123456789ABCDEF";
    std::string s;
    for (uint8_t v : c) {
        s += d[v >> 4];
        s += d[v & 15];
    }
    return s;
}

// RFC 2759 §9.2.
constexpr std::string_view kUser = "User";
constexpr std::string_view kPassword = "clientPass";
const std::vector<uint8_t> kAuthChallenge = unhex("5B5D7C7D7B3F2F3E3C2C602132262628");
const std::vector<uint8_t> kPeerChallenge = unhex("21402324255E262A28295F2B3A337C7E");
constexpr std::string_view kNtResponseHex = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
constexpr std::string_view kAuthResponse = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

ChallengeSpan auth_ch() { return ChallengeSpan(kAuthChallenge.data(), 16); }
ChallengeSpan peer_ch() { return ChallengeSpan(kPeerChallenge.data(), 16); }

TEST(MsChapV2Rfc2759, ChallengeHash) {
    EXPECT_EQ(hex(challenge_hash(peer_ch(), auth_ch(), kUser)), "D02E4386BCE91226");
}

TEST(MsChapV2Rfc2759, NtPasswordHash) {
    EXPECT_EQ(hex(nt_password_hash(kPassword)), "44EBBA8D5312B8D611474411F56989AE");
}

TEST(MsChapV2Rfc2759, PasswordHashHash) {
    EXPECT_EQ(hex(hash_nt_password_hash(nt_password_hash(kPassword))),
              "41C00C584BD2D91C4017A2A12FA59F3F");
}

TEST(MsChapV2Rfc2759, GenerateNtResponse) {
    EXPECT_EQ(hex(generate_nt_response(auth_ch(), peer_ch(), kUser, kPassword)), kNtResponseHex);
    const auto r = challenge_response(challenge_hash(peer_ch(), auth_ch(), kUser),
                                      nt_password_hash(kPassword));
    EXPECT_EQ(hex(r), kNtResponseHex);
}

TEST(MsChapV2Rfc2759, GenerateAuthenticatorResponse) {
    const std::vector<uint8_t> nt = unhex(kNtResponseHex);
    const auto r = generate_authenticator_response(kPassword, std::span<const uint8_t, 24>(nt.data(), 24),
                                                   peer_ch(), auth_ch(), kUser);
    EXPECT_EQ(to_view(r), kAuthResponse);
}

TEST(MsChapV2Rfc2759, VerifyGivesTheAuthenticatorResponse) {
    const std::vector<uint8_t> nt = unhex(kNtResponseHex);
    std::span<const uint8_t, 24> nts(nt.data(), 24);
    AuthenticatorResponse out{};
    ASSERT_TRUE(mschapv2_verify(kUser, kPassword, auth_ch(), peer_ch(), nts, &out));
    EXPECT_EQ(to_view(out), kAuthResponse);
    AuthenticatorResponse untouched{};
    EXPECT_FALSE(mschapv2_verify(kUser, "clientPasS", auth_ch(), peer_ch(), nts, &untouched));
    EXPECT_EQ(untouched[0], 0);
    EXPECT_FALSE(mschapv2_verify("Usr", kPassword, auth_ch(), peer_ch(), nts, &untouched));
    EXPECT_TRUE(mschapv2_verify_hash(kUser, nt_password_hash(kPassword), auth_ch(), peer_ch(), nts,
                                     nullptr));
}

}  // namespace
}  // namespace lns::cp::ppp

namespace lns::cp::ppp {
namespace {

// MD4 of explicit UTF-16LE octets, to check the UTF-8 conversion independently.
NtHash md4_of(std::vector<uint8_t> b) {
    NtHash h;
    md4_ctx c;
    md4_init(&c);
    md4_update(&c, b.size(), b.data());
    md4_digest(&c, h.size(), h.data());
    return h;
}

TEST(MsChapV2Password, Utf8IsHashedAsUtf16le) {
    // "é" (U+00E9), "€" (U+20AC), "😀" (U+1F600 -> D83D DE00)
    EXPECT_EQ(nt_password_hash("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
              md4_of({0xe9, 0x00, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde}));
    // Octets that are not valid UTF-8 stand for themselves: a lone continuation,
    // a cut-off sequence, an overlong form, a surrogate.
    EXPECT_EQ(nt_password_hash("\x80"), md4_of({0x80, 0}));
    EXPECT_EQ(nt_password_hash("a\xe2\x82"), md4_of({'a', 0, 0xe2, 0, 0x82, 0}));
    EXPECT_EQ(nt_password_hash("\xc0\xaf"), md4_of({0xc0, 0, 0xaf, 0}));
    EXPECT_EQ(nt_password_hash("\xed\xa0\x80"), md4_of({0xed, 0, 0xa0, 0, 0x80, 0}));
    EXPECT_EQ(nt_password_hash(""), md4_of({}));
    // Longer than the conversion buffer.
    std::string longpw(300, 'x');
    std::vector<uint8_t> u;
    for (char ch : longpw) u.insert(u.end(), {uint8_t(ch), 0});
    EXPECT_EQ(nt_password_hash(longpw), md4_of(u));
}

TEST(MsChapV2Des, WeakKeysStillEncrypt) {
    // An all-zero hash gives three all-zero (weak) DES keys; DES_0(0) is 8CA64DE9C1B123A7.
    EXPECT_EQ(hex(challenge_response({}, NtHash{})), "8CA64DE9C1B123A78CA64DE9C1B123A78CA64DE9C1B123A7");
}

TEST(MsChapV2Hash, DomainIsStripped) {
    EXPECT_EQ(challenge_hash(peer_ch(), auth_ch(), "CORP\\User"),
              challenge_hash(peer_ch(), auth_ch(), "User"));
    EXPECT_EQ(challenge_hash(peer_ch(), auth_ch(), "a\\b\\User"),
              challenge_hash(peer_ch(), auth_ch(), "User"));
    EXPECT_NE(challenge_hash(peer_ch(), auth_ch(), "User@corp"),
              challenge_hash(peer_ch(), auth_ch(), "User"));
}

TEST(MsChapV2Value, ParseAndBuild) {
    const std::vector<uint8_t> nt = unhex(kNtResponseHex);
    std::array<uint8_t, kMsChapV2ValueLen> v;
    build_mschapv2_value(peer_ch(), std::span<const uint8_t, 24>(nt.data(), 24), &v);
    EXPECT_EQ(hex(v), "21402324255E262A28295F2B3A337C7E" "0000000000000000" + std::string(kNtResponseHex) + "00");
    MsChapV2Value p;
    ASSERT_EQ(parse_mschapv2_value(v, &p), AuthError::ok);
    EXPECT_EQ(hex(p.peer_challenge), "21402324255E262A28295F2B3A337C7E");
    EXPECT_EQ(hex(p.nt_response), kNtResponseHex);
    EXPECT_EQ(p.flags, 0);
    EXPECT_EQ(parse_mschapv2_value(std::span(v).first(48), &p), AuthError::bad_value_size);
}

TEST(MsChapV2Messages, Success) {
    std::string s;
    format_mschapv2_success(&s, kAuthResponse, "Welcome home");
    EXPECT_EQ(s, std::string(kAuthResponse) + " M=Welcome home");
    MsChapV2Success p;
    ASSERT_TRUE(parse_mschapv2_success(s, &p));
    EXPECT_EQ(p.authenticator_response, kAuthResponse);
    EXPECT_EQ(p.message, "Welcome home");
    ASSERT_TRUE(parse_mschapv2_success(kAuthResponse, &p));  // without M=
    EXPECT_EQ(p.message, "");
    EXPECT_FALSE(parse_mschapv2_success("S=407A", &p));
    EXPECT_FALSE(parse_mschapv2_success("M=hello", &p));
    EXPECT_FALSE(parse_mschapv2_success("S=407A5589115FD0D6209F510FE9C04566932CDA5G", &p));
    EXPECT_TRUE(is_authenticator_response("s=407a5589115fd0d6209f510fe9c04566932cda56") == false);
    EXPECT_TRUE(is_authenticator_response("S=407a5589115fd0d6209f510fe9c04566932cda56"));
}

TEST(MsChapV2Messages, Failure) {
    std::string s;
    format_mschapv2_failure(&s, 691, auth_ch(), "Access denied");
    EXPECT_EQ(s, "E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=Access denied");
    MsChapV2Failure f;
    parse_mschapv2_failure(s, &f);
    EXPECT_EQ(f.error, 691u);
    EXPECT_FALSE(f.retry);
    EXPECT_EQ(f.version, 3u);
    EXPECT_EQ(f.challenge, "5B5D7C7D7B3F2F3E3C2C602132262628");
    EXPECT_EQ(f.message, "Access denied");
    MsChapV2Failure g;
    parse_mschapv2_failure("E=649 R=1", &g);
    EXPECT_EQ(g.error, 649u);
    EXPECT_TRUE(g.retry);
    EXPECT_EQ(g.message, "");
    MsChapV2Failure h;
    parse_mschapv2_failure("  garbage E= X=1 M=with  spaces E=1", &h);
    EXPECT_EQ(h.error, 0u);
    EXPECT_EQ(h.message, "with  spaces E=1");
}

}  // namespace
}  // namespace lns::cp::ppp
