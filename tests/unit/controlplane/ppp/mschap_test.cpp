// MS-CHAPv2 crypto and message formats (controlplane/ppp/mschap.hpp) against
// RFC 2759 §9.2's worked example, and the DES/MD4 corner cases behind them.
#include "controlplane/ppp/mschap.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
