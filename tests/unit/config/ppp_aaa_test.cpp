// The ppp and aaa sections and the local users file: defaults, every key, and
// errors with their path, line and column.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config/load.hpp"
#include "config/net_parse.hpp"
#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

using test::expect_error;
using test::expect_ok;
using test::kBase;
using test::with;

const std::string kPpp = R"(ppp:
  mru: 1460
  auth: [mschapv2, pap]
  restart_ms: 2000
  max_configure: 8
  max_failure: 4
  max_terminate: 3
  echo_interval_s: 10
  echo_failures: 3
  auth_timeout_s: 20
  chap_rechallenge_s: 600
  ipv6: false
  ra_interval_s: 300
  ra_lifetime_s: 900
  accept_proxy_lcp: false
  accept_proxy_auth: false
  dns_primary: 198.51.100.53
  dns_secondary: 198.51.100.54
)";

const std::string kAaa = R"(aaa:
  backend: radius
  users_file: users.yaml
  ipv4_pools:
    - {name: subs, prefix: 100.64.0.0/16}
    - {name: biz, first: 198.51.100.100, last: 198.51.100.199}
  ipv6_pools:
    - {name: v6, prefix: "2001:db8:100::/40", delegated_length: 56}
  default_ipv4_pool: biz
  session_timeout_s: 86400
  idle_timeout_s: 1800
  radius:
    servers:
      - {address: 127.0.0.1, secret: testing123}
      - {address: 198.51.100.2, auth_port: 11812, acct_port: 11813, secret: other}
    timeout_ms: 1500
    retries: 2
    dead_time_s: 60
    source_ports: 8
    nas_ip: 203.0.113.1
    nas_identifier: lns-a
    accounting: false
    interim_interval_s: 300
    require_message_authenticator: true
    dae_listen: 127.0.0.1
    dae_port: 13799
    dae_clients:
      - {address: 127.0.0.1, secret: daesecret}
)";

TEST(ConfigPpp, Defaults) {
    Config c = expect_ok(kBase);
    EXPECT_EQ(c.ppp.mru, 1492);
    ASSERT_EQ(c.ppp.auth.size(), 3u);
    EXPECT_EQ(c.ppp.auth[0], AuthProtocol::chap_md5);
    EXPECT_EQ(c.ppp.restart_ms, 3000u);
    EXPECT_EQ(c.ppp.max_configure, 10u);
    EXPECT_EQ(c.ppp.max_failure, 5u);
    EXPECT_EQ(c.ppp.max_terminate, 2u);
    EXPECT_TRUE(c.ppp.accept_proxy_lcp);
    EXPECT_FALSE(c.ppp.dns_primary);
    EXPECT_EQ(c.aaa.backend, AaaBackend::local);
    EXPECT_TRUE(c.aaa.ipv4_pools.empty());
}

TEST(ConfigPpp, EveryKey) {
    Config c = expect_ok(kBase + kPpp);
    EXPECT_EQ(c.ppp.mru, 1460);
    ASSERT_EQ(c.ppp.auth.size(), 2u);
    EXPECT_EQ(c.ppp.auth[0], AuthProtocol::mschapv2);
    EXPECT_EQ(c.ppp.auth[1], AuthProtocol::pap);
    EXPECT_EQ(c.ppp.restart_ms, 2000u);
    EXPECT_EQ(c.ppp.max_configure, 8u);
    EXPECT_EQ(c.ppp.max_failure, 4u);
    EXPECT_EQ(c.ppp.max_terminate, 3u);
    EXPECT_EQ(c.ppp.echo_interval_s, 10u);
    EXPECT_EQ(c.ppp.echo_failures, 3u);
    EXPECT_EQ(c.ppp.auth_timeout_s, 20u);
    EXPECT_EQ(c.ppp.chap_rechallenge_s, 600u);
    EXPECT_FALSE(c.ppp.ipv6);
    EXPECT_EQ(c.ppp.ra_interval_s, 300u);
    EXPECT_EQ(c.ppp.ra_lifetime_s, 900u);
    EXPECT_FALSE(c.ppp.accept_proxy_lcp);
    EXPECT_FALSE(c.ppp.accept_proxy_auth);
    EXPECT_EQ(*c.ppp.dns_primary, *parse_ipv4("198.51.100.53"));
    EXPECT_EQ(*c.ppp.dns_secondary, *parse_ipv4("198.51.100.54"));
}

TEST(ConfigPpp, EmptyAuthMeansNone) {
    Config c = expect_ok(kBase + "ppp:\n  auth: []\n");
    EXPECT_TRUE(c.ppp.auth.empty());
}

TEST(ConfigPpp, Errors) {
    expect_error(kBase + with(kPpp, "mru: 1460", "mru: 100"), "mru: |100", "ppp.mru", "576");
    expect_error(kBase + with(kPpp, "auth: [mschapv2, pap]", "auth: [chap, eap]"), "eap]",
                 "ppp.auth[1]", "chap");
    expect_error(kBase + with(kPpp, "auth: [mschapv2, pap]", "auth: [pap, pap]"), "pap]",
                 "ppp.auth[1]", "twice");
    expect_error(kBase + with(kPpp, "  dns_primary: 198.51.100.53\n", ""), "198.51.100.54",
                 "ppp.dns_secondary", "dns_primary is not");
    expect_error(kBase + with(kPpp, "ipv6: false", "ipv6: false\n  lcp_options: {}"), "lcp_options",
                 "ppp.lcp_options", "unknown");
}

TEST(ConfigAaa, EveryKey) {
    Config c = expect_ok(kBase + kAaa);
    const AaaConfig &a = c.aaa;
    EXPECT_EQ(a.backend, AaaBackend::radius);
    EXPECT_EQ(a.users_file, "users.yaml");
    EXPECT_TRUE(a.users.empty());  // read only by load_config_file
    ASSERT_EQ(a.ipv4_pools.size(), 2u);
    EXPECT_EQ(a.ipv4_pools[0].first, *parse_ipv4("100.64.0.1"));
    EXPECT_EQ(a.ipv4_pools[0].last, *parse_ipv4("100.64.255.254"));
    EXPECT_EQ(a.ipv4_pools[1].first, *parse_ipv4("198.51.100.100"));
    EXPECT_EQ(a.ipv4_pools[1].last, *parse_ipv4("198.51.100.199"));
    ASSERT_EQ(a.ipv6_pools.size(), 1u);
    EXPECT_EQ(a.ipv6_pools[0].prefix.len, 40);
    EXPECT_EQ(a.ipv6_pools[0].delegated_len, 56);
    EXPECT_EQ(a.default_ipv4_pool, "biz");
    EXPECT_EQ(a.default_ipv6_pool, "v6");  // the first one
    EXPECT_EQ(a.session_timeout_s, 86400u);
    EXPECT_EQ(a.idle_timeout_s, 1800u);
    const RadiusConfig &r = a.radius;
    ASSERT_EQ(r.servers.size(), 2u);
    EXPECT_EQ(r.servers[0].address, *parse_ipv4("127.0.0.1"));
    EXPECT_EQ(r.servers[0].auth_port, 1812);
    EXPECT_EQ(r.servers[0].acct_port, 1813);
    EXPECT_EQ(r.servers[0].secret, "testing123");
    EXPECT_EQ(r.servers[1].auth_port, 11812);
    EXPECT_EQ(r.servers[1].acct_port, 11813);
    EXPECT_EQ(r.timeout_ms, 1500u);
    EXPECT_EQ(r.retries, 2u);
    EXPECT_EQ(r.dead_time_s, 60u);
    EXPECT_EQ(r.source_ports, 8u);
    EXPECT_EQ(r.nas_ip, *parse_ipv4("203.0.113.1"));
    EXPECT_EQ(r.nas_identifier, "lns-a");
    EXPECT_FALSE(r.accounting);
    EXPECT_EQ(r.interim_interval_s, 300u);
    EXPECT_TRUE(r.require_message_authenticator);
    EXPECT_EQ(*r.dae_address, *parse_ipv4("127.0.0.1"));
    EXPECT_EQ(r.dae_port, 13799);
    ASSERT_EQ(r.dae_clients.size(), 1u);
    EXPECT_EQ(r.dae_clients[0].secret, "daesecret");
}

TEST(ConfigAaa, Errors) {
    const std::string b = kBase + kAaa;
    expect_error(with(b, "backend: radius", "backend: ldap"), "ldap", "aaa.backend", "local");
    expect_error(with(b, "prefix: 100.64.0.0/16}", "prefix: 100.64.0.0/16, first: 100.64.0.1}"),
                 "{name: subs", "aaa.ipv4_pools[0]", "either");
    expect_error(with(b, "last: 198.51.100.199", "last: 198.51.100.1"), "198.51.100.1}",
                 "aaa.ipv4_pools[1].last", "below");
    expect_error(with(b, "prefix: 100.64.0.0/16}", "prefix: 198.51.100.0/24}"),
                 "{name: biz", "aaa.ipv4_pools[1]", "overlaps aaa.ipv4_pools[0]");
    expect_error(with(b, "{name: v6,", "{name: subs,"), "subs, prefix: \"", "aaa.ipv6_pools[0].name",
                 "duplicate");
    expect_error(with(b, "delegated_length: 56", "delegated_length: 32"), "32}",
                 "aaa.ipv6_pools[0].delegated_length", "48");
    expect_error(with(b, "2001:db8:100::/40", "2001:db8::/16"), "\"2001:db8::/16\"",
                 "aaa.ipv6_pools[0].prefix", "2^24");
    expect_error(with(b, "default_ipv4_pool: biz", "default_ipv4_pool: nope"), "nope",
                 "aaa.default_ipv4_pool", "no IPv4 pool");
    expect_error(with(b, "interim_interval_s: 300", "interim_interval_s: 5"), "interim_interval_s: |5",
                 "aaa.radius.interim_interval_s", "60");
    expect_error(with(b, "      - {address: 127.0.0.1, secret: daesecret}\n", ""), "dae_listen: |127.0.0.1",
                 "aaa.radius.dae_listen", "dae_clients is empty");
    expect_error(with(b, "{address: 127.0.0.1, secret: testing123}", "{address: 127.0.0.1}"),
                 "{address: 127.0.0.1}", "aaa.radius.servers[0].secret", "required");
    expect_error(kBase + "aaa:\n  backend: radius\n", "backend: |radius", "aaa.backend",
                 "servers is empty");
    expect_error(kBase + "aaa:\n  ipv4_pools: []\n", "ipv4_pools", "aaa", "users_file is not set");
}

class UsersFile : public ::testing::Test {
protected:
    AaaConfig aaa() {
        Config c = expect_ok(kBase + kAaa);
        return c.aaa;
    }
};

TEST_F(UsersFile, ReadsEveryKey) {
    const std::string y = R"(users:
  - name: alice
    password: "s3cret pass"
    ipv4: 100.64.0.10
    ipv6_prefix: 2001:db8:7::/64
    session_timeout_s: 3600
    idle_timeout_s: 600
  - {name: bob, password: b0b, ipv4_pool: biz, ipv6_pool: v6}
)";
    std::vector<LocalUser> users;
    auto errs = load_users_string(y, "u.yaml", aaa(), &users);
    ASSERT_TRUE(errs.empty()) << errs[0];
    ASSERT_EQ(users.size(), 2u);
    EXPECT_EQ(users[0].name, "alice");
    EXPECT_EQ(users[0].password, "s3cret pass");
    EXPECT_EQ(*users[0].ipv4, *parse_ipv4("100.64.0.10"));
    EXPECT_EQ(users[0].ipv6_prefix->len, 64);
    EXPECT_EQ(users[0].session_timeout_s, 3600u);
    EXPECT_EQ(users[0].idle_timeout_s, 600u);
    EXPECT_EQ(users[1].ipv4_pool, "biz");
    EXPECT_EQ(users[1].ipv6_pool, "v6");
}

TEST_F(UsersFile, ErrorsNameTheFileAndLine) {
    const std::string y = "users:\n  - {name: a, password: x}\n  - {name: a, password: y}\n"
                          "  - {name: c, password: z, ipv4_pool: gone}\n  - {name: d}\n";
    std::vector<LocalUser> users;
    auto errs = load_users_string(y, "u.yaml", aaa(), &users);
    ASSERT_EQ(errs.size(), 3u);
    EXPECT_EQ(errs[0].rfind("u.yaml:3:", 0), 0u) << errs[0];
    EXPECT_NE(errs[0].find("users[1].name: duplicate user 'a'"), std::string::npos) << errs[0];
    EXPECT_NE(errs[1].find("users[2].ipv4_pool: no IPv4 pool named 'gone'"), std::string::npos) << errs[1];
    EXPECT_NE(errs[2].find("users[3].password: required"), std::string::npos) << errs[2];
    EXPECT_TRUE(users.empty());
}

TEST_F(UsersFile, LoadedRelativeToTheConfigFile) {
    char dir[] = "/tmp/lns-users-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string d = dir;
    std::ofstream(d + "/users.yaml") << "users:\n  - {name: carol, password: pw}\n";
    std::ofstream(d + "/lnsd.yaml") << kBase + with(kAaa, "backend: radius", "backend: local");
    LoadResult r = load_config_file(d + "/lnsd.yaml");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0];
    ASSERT_EQ(r.config->aaa.users.size(), 1u);
    EXPECT_EQ(r.config->aaa.users[0].name, "carol");
    std::ofstream(d + "/users.yaml") << "users:\n  - {name: carol, pasword: pw}\n";
    r = load_config_file(d + "/lnsd.yaml");
    EXPECT_FALSE(r.config);
    ASSERT_FALSE(r.errors.empty());
    EXPECT_EQ(r.errors[0].rfind(d + "/users.yaml:2:", 0), 0u) << r.errors[0];
    std::remove((d + "/users.yaml").c_str());
    r = load_config_file(d + "/lnsd.yaml");
    ASSERT_FALSE(r.errors.empty());
    EXPECT_NE(r.errors[0].find("cannot read"), std::string::npos);
    std::remove((d + "/lnsd.yaml").c_str());
    rmdir(dir);
}

}  // namespace
}  // namespace lns::cfg
