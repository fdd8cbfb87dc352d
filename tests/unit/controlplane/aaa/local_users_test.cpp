#include "controlplane/aaa/local_users.hpp"

#include <gtest/gtest.h>

#include "controlplane/ppp/chap_md5.hpp"
#include "controlplane/ppp/mschap.hpp"

namespace lns::cp::aaa {
namespace {

std::vector<cfg::LocalUser> users() {
    cfg::LocalUser a;
    a.name = "alice";
    a.password = "s3cret";
    a.ipv4 = 0x64400005;
    cfg::LocalUser b;
    b.name = "User";
    b.password = "clientPass";
    return {a, b};
}

TEST(LocalUsers, Pap) {
    LocalUsers db(users());
    ppp::VerifyRequest r;
    r.ticket = 7;
    r.protocol = ppp::AuthProtocol::pap;
    r.user = "alice";
    r.password = "s3cret";
    auto v = db.verify(r);
    EXPECT_TRUE(v.accept);
    EXPECT_EQ(v.ticket, 7u);
    r.password = "s3cre";
    EXPECT_FALSE(db.verify(r).accept);
    r.password = "s3cret!";
    EXPECT_FALSE(db.verify(r).accept);
    r.user = "mallory";
    r.password = "s3cret";
    EXPECT_FALSE(db.verify(r).accept);
    EXPECT_EQ(db.counters().accepts, 1u);
    EXPECT_EQ(db.counters().rejects_bad_password, 2u);
    EXPECT_EQ(db.counters().rejects_unknown_user, 1u);
    ASSERT_NE(db.find("alice"), nullptr);
    EXPECT_EQ(*db.find("alice")->ipv4, 0x64400005u);
}

TEST(LocalUsers, ChapMd5) {
    LocalUsers db(users());
    const uint8_t challenge[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    auto good = ppp::chap_md5_response(42, "s3cret", challenge);
    ppp::VerifyRequest r;
    r.protocol = ppp::AuthProtocol::chap_md5;
    r.id = 42;
    r.user = "alice";
    r.challenge = challenge;
    r.response = good;
    EXPECT_TRUE(db.verify(r).accept);
    r.id = 43;  // the identifier is part of the hash
    EXPECT_FALSE(db.verify(r).accept);
}

TEST(LocalUsers, MsChapV2Rfc2759Vector) {
    LocalUsers db(users());
    // RFC 2759 §9.2.
    const ppp::MsChallenge auth = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
                                   0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
    const ppp::MsChallenge peer = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
                                   0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};
    const uint8_t nt[24] = {0x82, 0x30, 0x9E, 0xCD, 0x8D, 0x70, 0x8B, 0x5E, 0xA0, 0x8F, 0xAA, 0x39,
                            0x81, 0xCD, 0x83, 0x54, 0x42, 0x33, 0x11, 0x4A, 0x3D, 0x85, 0xD6, 0xDF};
    ppp::VerifyRequest r;
    r.protocol = ppp::AuthProtocol::mschap_v2;
    r.user = "User";
    r.challenge = auth;
    r.peer_challenge = peer;
    r.nt_response = nt;
    auto v = db.verify(r);
    EXPECT_TRUE(v.accept);
    EXPECT_EQ(v.authenticator_response, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
    uint8_t bad[24];
    std::memcpy(bad, nt, 24);
    bad[23] ^= 1;
    r.nt_response = bad;
    EXPECT_FALSE(db.verify(r).accept);
    r.nt_response = std::span<const uint8_t>(nt, 23);  // wrong size: rejected, no crash
    EXPECT_FALSE(db.verify(r).accept);
}

TEST(LocalUsers, ReplaceSwapsTheList) {
    LocalUsers db(users());
    std::vector<cfg::LocalUser> next(1);
    next[0].name = "carol";
    next[0].password = "pw";
    db.replace(next);
    EXPECT_EQ(db.find("alice"), nullptr);
    ASSERT_NE(db.find("carol"), nullptr);
    EXPECT_EQ(db.size(), 1u);
}

}  // namespace
}  // namespace lns::cp::aaa
