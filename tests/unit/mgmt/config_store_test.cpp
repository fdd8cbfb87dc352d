// ConfigStore: versions, redaction of secrets in GET /config, pushes parsed
// by the file loader's code; format_prometheus's exposition format.
#include <gtest/gtest.h>

#include "mgmt/config_store.hpp"
#include "mgmt/metrics.hpp"
#include "tests/unit/config/config_fixture.hpp"

namespace lns::mgmt {
namespace {

const std::string kText = cfg::test::kBase + R"(ppp:
  auth: []
l2tp:
  peers:
    - {name: lac1, secret: "very-secret-1"}
aaa:
  radius:
    servers: [{address: 192.0.2.10, secret: radius-secret-2}]
api:
  token_file: api.token
)";

TEST(ConfigStore, VersionsAndHashes) {
    ConfigStore s("/nonexistent/lnsd.yaml", "a: 1\n");
    EXPECT_EQ(s.version().version, 1u);
    const std::string h1 = s.version().hash;
    EXPECT_EQ(h1.size(), 16u);
    const VersionInfo v = s.commit("a: 2\n");
    EXPECT_EQ(v.version, 2u);
    EXPECT_NE(v.hash, h1);
    EXPECT_EQ(s.text(), "a: 2\n");
}

TEST(ConfigStore, RedactsSecrets) {
    const std::string yaml = ConfigStore::redacted_yaml(kText);
    EXPECT_EQ(yaml.find("very-secret-1"), std::string::npos);
    EXPECT_EQ(yaml.find("radius-secret-2"), std::string::npos);
    EXPECT_NE(yaml.find("secret: <redacted>"), std::string::npos);
    EXPECT_NE(yaml.find("token_file: api.token"), std::string::npos);  // a path, not a secret
    const nlohmann::json j = ConfigStore::redacted_json(kText);
    EXPECT_EQ(j["l2tp"]["peers"][0]["secret"], "<redacted>");
    EXPECT_EQ(j["l2tp"]["peers"][0]["name"], "lac1");
    EXPECT_EQ(j["control_lcore"], 0);
    EXPECT_EQ(j["workers"][0]["lcore"], 1);
    EXPECT_EQ(j.dump().find("radius-secret-2"), std::string::npos);
}

TEST(ConfigStore, ParseUsesTheLoader) {
    ConfigStore s("/nonexistent/lnsd.yaml", kText);
    Candidate c = s.parse(kText, "request");
    EXPECT_TRUE(c.config.has_value()) << (c.errors.empty() ? "" : c.errors[0]);
    c = s.parse(kText + "bogus: 1\n", "request");
    ASSERT_EQ(c.errors.size(), 1u);
    EXPECT_FALSE(c.syntax);
    EXPECT_EQ(c.errors[0].rfind("request:", 0), 0u);
    EXPECT_NE(c.errors[0].find("bogus: unknown key"), std::string::npos);
    c = s.parse("ports: [\n", "request");
    EXPECT_TRUE(c.syntax);
    EXPECT_FALSE(c.config.has_value());
    // JSON is YAML: the same loader reads it
    c = s.parse(R"({"control_lcore": 0, "ports": [], "workers": [], "nope": 1})", "request");
    EXPECT_FALSE(c.syntax);
    bool named = false;
    for (const auto &e : c.errors)
        named |= e.find("request:1:") == 0 && e.find("nope: unknown key") != std::string::npos;
    EXPECT_TRUE(named);
}

TEST(Metrics, ExpositionFormat) {
    dp::Snapshot s;
    s.ports.push_back({"access0", "", {10, 1000, 5, 500}, 0, 0});
    s.workers.push_back({1, 10, 100, 50, 0});
    s.drops[0] = 3;
    s.control = {{"arp_replies_sent", 4}};
    s.subscribers = {{"subscribers", 2}, {"pool_p1_used", 2}};
    const std::string t = format_prometheus(s, {{"lnsd_api_requests_total", "requests", true, 9}});
    EXPECT_NE(t.find("# TYPE lnsd_port_rx_packets_total counter\n"), std::string::npos);
    EXPECT_NE(t.find("lnsd_port_rx_packets_total{port=\"access0\"} 10\n"), std::string::npos);
    EXPECT_NE(t.find("lnsd_worker_loops_total{worker=\"0\",lcore=\"1\"} 100\n"), std::string::npos);
    EXPECT_NE(
        t.find(std::string("lnsd_drops_total{reason=\"") + dp::drop_name(dp::Drop(0)) + "\"} 3\n"),
        std::string::npos);
    EXPECT_NE(t.find("# TYPE lnsd_control_arp_replies_sent_total counter\n"), std::string::npos);
    EXPECT_NE(t.find("# TYPE lnsd_subscriber_subscribers gauge\nlnsd_subscriber_subscribers 2\n"),
              std::string::npos);
    EXPECT_NE(t.find("# TYPE lnsd_subscriber_pool_p1_used gauge\n"), std::string::npos);
    EXPECT_NE(t.find("lnsd_api_requests_total 9\n"), std::string::npos);
    // every sample's family has HELP and TYPE before it
    std::string family;
    size_t start = 0;
    while (start < t.size()) {
        const size_t end = t.find('\n', start);
        const std::string line = t.substr(start, end - start);
        start = end + 1;
        if (line.rfind("# TYPE ", 0) == 0) family = line.substr(7, line.find(' ', 7) - 7);
        if (line.empty() || line[0] == '#') continue;
        EXPECT_EQ(line.rfind(family, 0), 0u) << line;
    }
}

}  // namespace
}  // namespace lns::mgmt
