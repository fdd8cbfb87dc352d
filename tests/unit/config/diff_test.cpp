// diff_config: hot keys and restart keys between two configurations; the api
// section's parsing and checks.
#include <gtest/gtest.h>

#include "config/diff.hpp"
#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

using test::expect_error;
using test::expect_ok;
using test::kBase;
using test::with;

const std::string kPeers = kBase + R"(ppp:
  auth: []
l2tp:
  peers:
    - {name: lac1, sources: [203.0.113.2/32], secret: s1}
    - {name: lac2, sources: [203.0.113.3/32]}
aaa:
  ipv4_pools: [{name: p1, prefix: 100.64.0.0/24}]
)";

TEST(ConfigDiff, SameConfigurationIsEmpty) {
    const Config a = expect_ok(kPeers);
    EXPECT_TRUE(diff_config(a, a).empty());
}

TEST(ConfigDiff, PeersAddedRemovedChangedAreHot) {
    const Config a = expect_ok(kPeers);
    const Config b = expect_ok(with(with(kPeers, "    - {name: lac2, sources: [203.0.113.3/32]}\n",
                                         "    - {name: lac3, sources: [203.0.113.4/32]}\n"),
                                    "secret: s1", "secret: s2"));
    const ConfigDiff d = diff_config(a, b);
    EXPECT_TRUE(d.restart.empty());
    EXPECT_EQ(d.hot,
              (std::vector<std::string>{"l2tp.peers[lac1] (changed)", "l2tp.peers[lac3] (added)",
                                        "l2tp.peers[lac2] (removed)"}));
}

TEST(ConfigDiff, RestartKeysAreNamed) {
    const Config a = expect_ok(kPeers);
    const Config b = expect_ok(
        with(with(kPeers, "    rx_queues: 2\n", "    rx_queues: 2\n    mtu: 1400\n"),
             "control_lcore: 0\n", "control_lcore: 0\nmbufs: 16383\nstats_interval_s: 5\n"));
    const ConfigDiff d = diff_config(a, b);
    EXPECT_EQ(d.restart, (std::vector<std::string>{"mbufs", "ports"}));
    EXPECT_EQ(d.hot, (std::vector<std::string>{"stats_interval_s"}));
}

TEST(ConfigDiff, PoolsByNameRemovedOnesMustDrain) {
    const Config a = expect_ok(kPeers);
    const Config added =
        expect_ok(with(kPeers, "[{name: p1, prefix: 100.64.0.0/24}]",
                       "[{name: p2, prefix: 100.64.1.0/24}, {name: p1, prefix: 100.64.0.0/24}]"));
    ConfigDiff d =
        diff_config(a, added);  // p1 kept although it moved; the implicit default follows the first
    EXPECT_TRUE(d.restart.empty());
    EXPECT_EQ(d.hot,
              (std::vector<std::string>{"aaa.ipv4_pools[p2] (added)", "aaa.default_ipv4_pool"}));
    EXPECT_TRUE(d.drain4.empty());
    d = diff_config(added, a);  // removing p2
    EXPECT_TRUE(d.restart.empty());
    EXPECT_EQ(d.hot,
              (std::vector<std::string>{"aaa.ipv4_pools[p2] (removed)", "aaa.default_ipv4_pool"}));
    EXPECT_EQ(d.drain4, (std::vector<std::string>{"p2"}));
    const Config changed = expect_ok(with(kPeers, "100.64.0.0/24", "100.64.2.0/24"));
    d = diff_config(a, changed);
    EXPECT_EQ(d.hot, (std::vector<std::string>{"aaa.ipv4_pools[p1] (changed)"}));
    EXPECT_EQ(d.drain4, (std::vector<std::string>{"p1"}));
    EXPECT_TRUE(d.drain6.empty());
}

TEST(ConfigDiff, L2tpLimitsHotQuarantineRestart) {
    const Config a = expect_ok(kPeers);
    const Config b =
        expect_ok(with(kPeers, "l2tp:\n", "l2tp:\n  max_tunnels: 7\n  id_quarantine_s: 5\n"));
    const ConfigDiff d = diff_config(a, b);
    EXPECT_EQ(d.hot, (std::vector<std::string>{"l2tp.max_tunnels"}));
    EXPECT_EQ(d.restart, (std::vector<std::string>{"l2tp.id_quarantine_s"}));
}

TEST(ApiConfig, AbsentMeansDisabled) {
    const Config c = expect_ok(kBase);
    EXPECT_FALSE(c.api.enabled);
}

TEST(ApiConfig, Parsed) {
    const Config c = expect_ok(
        kBase + "api:\n  listen: 127.0.0.2:9000\n  token_file: t\n  max_body_bytes: 4096\n");
    EXPECT_TRUE(c.api.enabled);
    EXPECT_EQ(c.api.listen_ip, 0x7f000002u);
    EXPECT_EQ(c.api.listen_port, 9000);
    EXPECT_EQ(c.api.max_body_bytes, 4096u);
    EXPECT_FALSE(c.api.tls.has_value());
}

TEST(ApiConfig, Errors) {
    expect_error(kBase + "api:\n  listen: 127.0.0.1\n  token_file: t\n", "127.0.0.1\n",
                 "api.listen", "must be IPV4:PORT");
    expect_error(kBase + "api:\n  listen: 127.0.0.1:8080\n", "listen: 127", "api",
                 "token_file is required");
    expect_error(kBase + "api:\n  listen: 192.0.2.1:8080\n  token_file: t\n", "192.0.2.1:8080",
                 "api.listen", "is not a loopback address");
    expect_error(kBase + "api:\n  token_file: t\n  tls: {cert: c}\n", "{cert: c}", "api.tls.key",
                 "required key missing");
    expect_ok(kBase +
              "api:\n  listen: 192.0.2.1:8080\n  token_file: t\n  allow_plaintext_remote: true\n");
    expect_ok(
        kBase +
        "api:\n  listen: 192.0.2.1:8443\n  token_file: t\n  tls: {cert: c.pem, key: k.pem}\n");
    expect_ok(kBase + "api:\n  enabled: false\n");
}

}  // namespace
}  // namespace lns::cfg
