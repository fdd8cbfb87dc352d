// Shared authentication vocabulary (controlplane/ppp/auth.hpp): the LCP
// Authentication-Protocol option value (RFC 1661 §6.2, RFC 1994 §3, RFC 2759 §2),
// names, decode-error counting and verdict text.
#include "controlplane/ppp/auth.hpp"

#include <gtest/gtest.h>

#include "auth_test_harness.hpp"

namespace lns::cp::ppp {
namespace {

using test::Bytes;
using test::unhex;

TEST(AuthOption, ReadsTheThreeProtocols) {
    AuthProtocol p;
    ASSERT_TRUE(auth_protocol_from_option(unhex("c023"), &p));
    EXPECT_EQ(p, AuthProtocol::pap);
    ASSERT_TRUE(auth_protocol_from_option(unhex("c22305"), &p));
    EXPECT_EQ(p, AuthProtocol::chap_md5);
    ASSERT_TRUE(auth_protocol_from_option(unhex("c22381"), &p));
    EXPECT_EQ(p, AuthProtocol::mschap_v2);
}

TEST(AuthOption, RefusesOthers) {
    AuthProtocol p = AuthProtocol::pap;
    EXPECT_FALSE(auth_protocol_from_option(unhex("c22380"), &p));  // MS-CHAPv1
    EXPECT_FALSE(auth_protocol_from_option(unhex("c227"), &p));    // EAP
    EXPECT_FALSE(auth_protocol_from_option(unhex("c223"), &p));    // CHAP without algorithm
    EXPECT_FALSE(auth_protocol_from_option(unhex("c02300"), &p));  // PAP with data
    EXPECT_FALSE(auth_protocol_from_option(unhex("c2230500"), &p));
    EXPECT_FALSE(auth_protocol_from_option(unhex("c0"), &p));
    EXPECT_FALSE(auth_protocol_from_option({}, &p));
}

TEST(AuthOption, WritesWhatItReads) {
    for (AuthProtocol p : {AuthProtocol::pap, AuthProtocol::chap_md5, AuthProtocol::mschap_v2}) {
        uint8_t v[3];
        const size_t n = auth_option_value(p, v);
        AuthProtocol back;
        ASSERT_TRUE(auth_protocol_from_option({v, n}, &back));
        EXPECT_EQ(back, p);
        EXPECT_EQ(auth_ppp_protocol(p), p == AuthProtocol::pap ? kProtoPap : kProtoChap);
    }
    uint8_t v[3];
    ASSERT_EQ(auth_option_value(AuthProtocol::mschap_v2, v), 3u);
    EXPECT_EQ(Bytes(v, v + 3), unhex("c22381"));
}

TEST(AuthNames, AreDistinct) {
    EXPECT_STREQ(to_string(AuthProtocol::mschap_v2), "mschap-v2");
    EXPECT_STREQ(to_string(AuthState::response_sent), "response_sent");
    EXPECT_STREQ(to_string(AuthFailure::bad_authenticator_response), "bad_authenticator_response");
    EXPECT_STREQ(to_string(AuthError::name_too_long), "name_too_long");
    EXPECT_STRNE(to_string(AuthState::success), to_string(AuthState::failure));
}

TEST(AuthErrors, AreCountedByName) {
    AuthCounters c;
    count_error(c, AuthError::truncated);
    count_error(c, AuthError::bad_field_length);
    count_error(c, AuthError::name_too_long);
    count_error(c, AuthError::bad_value_size);
    count_error(c, AuthError::unknown_code);
    count_error(c, AuthError::ok);
    EXPECT_EQ(c.truncated + c.bad_field_length + c.name_too_long + c.bad_value_size + c.unknown_code, 5u);
    EXPECT_EQ(c.name_too_long, 1u);
    ControlPacket p;
    EXPECT_FALSE(parse_auth_packet(unhex("010100"), c, &p));
    EXPECT_FALSE(parse_auth_packet(unhex("01010003"), c, &p));
    EXPECT_TRUE(parse_auth_packet(unhex("01010004ff"), c, &p));
    EXPECT_EQ(c.packets_in, 3u);
    EXPECT_EQ(c.truncated, 2u);
    EXPECT_EQ(c.bad_length, 1u);
    EXPECT_TRUE(p.data.empty());
}

TEST(AuthVerdictText, DefaultsAndBounds) {
    EXPECT_EQ(verdict_text("", true), "Access granted");
    EXPECT_EQ(verdict_text("", false), "Access denied");
    EXPECT_EQ(verdict_text("Hi", false), "Hi");
    const std::string longer(300, 'm');
    EXPECT_EQ(verdict_text(longer, true).size(), kMaxAuthMessage);
}

}  // namespace
}  // namespace lns::cp::ppp
