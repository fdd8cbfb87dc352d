// cfg::load_sa_string: one SA object (the REST API's POST /api/v1/sas and
// rekey bodies) read with the ipsec.sas[] rules; messages with the request's
// line, column and the key's path.
#include <gtest/gtest.h>

#include <string>

#include "config/load.hpp"
#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

Config running() {
    LoadResult r = load_config_string(test::kBase, "t.yaml");
    EXPECT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors.front());
    return *r.config;
}

const std::string kGcmIn = R"({"name": "c1-in", "direction": "inbound", "spi": 3221225729,
 "mode": "transport", "local": "203.0.113.1", "peer": "203.0.113.2",
 "cipher": "aes-gcm-128", "key": "000102030405060708090a0b0c0d0e0f10111213",
 "natt": {"local_port": 4500, "peer_port": 40001}, "reply_sa": "c1-out"})";

TEST(SaRequest, ValidJsonObjectGivesTheSa) {
    const SaLoadResult r = load_sa_string(kGcmIn, "request", "", running());
    ASSERT_TRUE(r.sa) << (r.errors.empty() ? "" : r.errors.front());
    EXPECT_EQ(r.sa->name, "c1-in");
    EXPECT_TRUE(r.sa->inbound);
    EXPECT_EQ(r.sa->spi, 3221225729u);
    EXPECT_EQ(r.sa->key.size(), 16u);  // the salt split off (RFC 4106 §8.1)
    EXPECT_EQ(r.sa->salt[3], 0x13);
    EXPECT_TRUE(r.sa->natt);
    EXPECT_EQ(r.sa->natt_peer_port, 40001);
    EXPECT_EQ(r.sa->reply_sa, "c1-out");
    EXPECT_EQ(r.sa->replay_window, 64u);  // the running ipsec.replay_window
    EXPECT_EQ(r.where_of("spi"), "request:1:43: spi");
}

TEST(SaRequest, ErrorsNameLineColumnAndPath) {
    std::string bad = test::with(kGcmIn, "0f10111213", "0f101112");
    const SaLoadResult r = load_sa_string(bad, "request", "", running());
    EXPECT_FALSE(r.sa);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0],
              "request:3:34: key: aes-gcm-128 needs 20 key bytes (key and 4-byte salt), got 19");
}

TEST(SaRequest, UnknownKeyMissingKeyAndLocalNotAnAccessPort) {
    std::string bad = test::with(kGcmIn, R"("mode": "transport", )", R"("colour": "red", )");
    bad = test::with(bad, "\"local\": \"203.0.113.1\"", "\"local\": \"198.51.100.1\"");
    const SaLoadResult r = load_sa_string(bad, "request", "", running());
    EXPECT_FALSE(r.sa);
    std::string all;
    for (const auto &e : r.errors) all += e + "\n";
    EXPECT_NE(all.find("request:2:2: colour: unknown key 'colour'; valid keys: name,"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("request:1:1: mode: required key missing"), std::string::npos) << all;
    // The local-address check runs once the rest is valid: alone it is reported.
    std::string only_local =
        test::with(kGcmIn, "\"local\": \"203.0.113.1\"", "\"local\": \"198.51.100.1\"");
    const SaLoadResult l = load_sa_string(only_local, "request", "", running());
    ASSERT_EQ(l.errors.size(), 1u);
    EXPECT_EQ(l.errors[0],
              "request:2:32: local: 198.51.100.1 is not the address of an access port");
}

TEST(SaRequest, MemberOfARekeyBody) {
    const std::string body = "{\"inbound\": " + kGcmIn + ",\n \"outbound\": {\"name\": \"x\"}}";
    const SaLoadResult in = load_sa_string(body, "request", "inbound", running());
    ASSERT_TRUE(in.sa) << (in.errors.empty() ? "" : in.errors.front());
    EXPECT_EQ(in.sa->name, "c1-in");
    const SaLoadResult out = load_sa_string(body, "request", "outbound", running());
    EXPECT_FALSE(out.sa);
    ASSERT_FALSE(out.errors.empty());
    EXPECT_EQ(out.errors[0], "request:5:14: outbound.direction: required key missing");
    const SaLoadResult none = load_sa_string("{\"inbound\": {}}", "request", "outbound", running());
    ASSERT_EQ(none.errors.size(), 1u);
    EXPECT_EQ(none.errors[0], "request:1:1: (root): missing key 'outbound'");
}

TEST(SaRequest, SyntaxErrorAndNonObject) {
    const SaLoadResult s = load_sa_string("{\"name\": [", "request", "", running());
    EXPECT_TRUE(s.syntax);
    ASSERT_EQ(s.errors.size(), 1u);
    EXPECT_EQ(s.errors[0].rfind("request:", 0), 0u);
    const SaLoadResult a = load_sa_string("[1, 2]", "request", "", running());
    EXPECT_FALSE(a.syntax);
    ASSERT_EQ(a.errors.size(), 1u);
    EXPECT_NE(a.errors[0].find("expected a mapping"), std::string::npos) << a.errors[0];
}

}  // namespace
}  // namespace lns::cfg
