// The l2tp section: defaults, every key, inheritance from l2tp.defaults, and
// each error with its path, line and column.
#include <gtest/gtest.h>

#include <string>

#include "config/load.hpp"
#include "config/net_parse.hpp"
#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

using test::expect_error;
using test::expect_ok;
using test::kBase;
using test::load;
using test::with;

// kBase with an l2tp section whose body (indented by two) is `body`.
std::string l2tp(const std::string &body) {
    return kBase + "l2tp:\n" + body;
}

// Every key set to something other than its default.
const std::string kFull = R"(  enabled: false
  host_name: lns-1.example
  max_tunnels: 2000
  max_sessions: 30000
  max_sessions_per_tunnel: 1000
  call_setup_timeout_s: 45
  id_quarantine_s: 0
  accept_unknown_peers: false
  defaults:
    secret: d3fault
    require_authentication: true
    hide_avps: true
    max_sessions: 500
    force_sequencing: true
    receive_window: 64
    retransmit_initial_ms: 500
    retransmit_cap_ms: 16000
    max_retransmits: 10
    ack_delay_ms: 50
    slow_start: false
    hello_interval_s: 0
  peers:
    - name: lac1
      sources: [198.51.100.0/24, 203.0.113.7, 0.0.0.0/0]
      host_name: lac1.example
      secret: s3cret
      require_authentication: false
      hide_avps: false
      max_sessions: 65535
      force_sequencing: false
      receive_window: 1024
      retransmit_initial_ms: 10000
      retransmit_cap_ms: 60000
      max_retransmits: 20
      ack_delay_ms: 1000
      slow_start: true
      hello_interval_s: 3600
    - name: lac-2.b_c
)";

TEST(L2tpConfig, DefaultsWhenAbsent) {
    Config c = expect_ok(kBase);
    const L2tpConfig &l = c.l2tp;
    L2tpConfig d;
    EXPECT_TRUE(l.enabled);
    EXPECT_EQ(l.host_name, "lnsd");
    EXPECT_EQ(l.max_tunnels, 1024u);
    EXPECT_EQ(l.max_sessions, 65536u);  // = tables.max_sessions by default
    EXPECT_EQ(l.max_sessions_per_tunnel, 65535u);
    EXPECT_EQ(l.call_setup_timeout_s, 30u);
    EXPECT_EQ(l.id_quarantine_s, 60u);
    EXPECT_TRUE(l.accept_unknown_peers);
    EXPECT_TRUE(l.peers.empty());
    EXPECT_EQ(l.defaults.name, "default");
    EXPECT_TRUE(l.defaults.sources.empty());
    EXPECT_EQ(l.defaults.host_name, "");
    EXPECT_EQ(l.defaults.secret, "");
    EXPECT_FALSE(l.defaults.require_authentication);
    EXPECT_FALSE(l.defaults.hide_avps);
    EXPECT_EQ(l.defaults.max_sessions, 0u);
    EXPECT_FALSE(l.defaults.force_sequencing);
    const L2tpChannel &ch = l.defaults.channel;
    EXPECT_EQ(ch.receive_window, 16);
    EXPECT_EQ(ch.retransmit_initial_ms, 1000u);
    EXPECT_EQ(ch.retransmit_cap_ms, 8000u);
    EXPECT_EQ(ch.max_retransmits, 5u);
    EXPECT_EQ(ch.ack_delay_ms, 100u);
    EXPECT_TRUE(ch.slow_start);
    EXPECT_EQ(ch.hello_interval_s, 60u);
    // The documented defaults are the struct's.
    EXPECT_EQ(l.max_tunnels, d.max_tunnels);
    EXPECT_EQ(ch.receive_window, d.defaults.channel.receive_window);
    EXPECT_EQ(ch.hello_interval_s, d.defaults.channel.hello_interval_s);
}

TEST(L2tpConfig, EmptySectionsAreDefaults) {
    Config c = expect_ok(l2tp("  defaults:\n  peers:\n"));
    EXPECT_TRUE(c.l2tp.peers.empty());
    EXPECT_EQ(c.l2tp.defaults.name, "default");
    EXPECT_EQ(c.l2tp.defaults.channel.retransmit_initial_ms, 1000u);
    c = expect_ok(kBase + "l2tp:\n");
    EXPECT_EQ(c.l2tp.defaults.name, "default");
    EXPECT_EQ(c.l2tp.host_name, "lnsd");
    c = expect_ok(l2tp("  peers: []\n  defaults: {}\n"));
    EXPECT_TRUE(c.l2tp.peers.empty());
}

TEST(L2tpConfig, FullConfig) {
    Config c = expect_ok(l2tp(kFull));
    const L2tpConfig &l = c.l2tp;
    EXPECT_FALSE(l.enabled);
    EXPECT_EQ(l.host_name, "lns-1.example");
    EXPECT_EQ(l.max_tunnels, 2000u);
    EXPECT_EQ(l.max_sessions, 30000u);
    EXPECT_EQ(l.max_sessions_per_tunnel, 1000u);
    EXPECT_EQ(l.call_setup_timeout_s, 45u);
    EXPECT_EQ(l.id_quarantine_s, 0u);
    EXPECT_FALSE(l.accept_unknown_peers);

    const L2tpPeer &d = l.defaults;
    EXPECT_EQ(d.name, "default");
    EXPECT_EQ(d.secret, "d3fault");
    EXPECT_TRUE(d.require_authentication);
    EXPECT_TRUE(d.hide_avps);
    EXPECT_EQ(d.max_sessions, 500u);
    EXPECT_TRUE(d.force_sequencing);
    EXPECT_EQ(d.channel.receive_window, 64);
    EXPECT_EQ(d.channel.retransmit_initial_ms, 500u);
    EXPECT_EQ(d.channel.retransmit_cap_ms, 16000u);
    EXPECT_EQ(d.channel.max_retransmits, 10u);
    EXPECT_EQ(d.channel.ack_delay_ms, 50u);
    EXPECT_FALSE(d.channel.slow_start);
    EXPECT_EQ(d.channel.hello_interval_s, 0u);

    ASSERT_EQ(l.peers.size(), 2u);
    const L2tpPeer &p = l.peers[0];
    EXPECT_EQ(p.name, "lac1");
    ASSERT_EQ(p.sources.size(), 3u);
    EXPECT_EQ(p.sources[0].addr, 0xC6336400u);  // host order
    EXPECT_EQ(p.sources[0].len, 24);
    EXPECT_EQ(p.sources[1].addr, 0xCB007107u);  // an address is a /32
    EXPECT_EQ(p.sources[1].len, 32);
    EXPECT_EQ(p.sources[2].addr, 0u);
    EXPECT_EQ(p.sources[2].len, 0);
    EXPECT_EQ(p.host_name, "lac1.example");
    EXPECT_EQ(p.secret, "s3cret");
    EXPECT_FALSE(p.require_authentication);
    EXPECT_FALSE(p.hide_avps);
    EXPECT_EQ(p.max_sessions, 65535u);
    EXPECT_FALSE(p.force_sequencing);
    EXPECT_EQ(p.channel.receive_window, 1024);
    EXPECT_EQ(p.channel.retransmit_initial_ms, 10000u);
    EXPECT_EQ(p.channel.retransmit_cap_ms, 60000u);
    EXPECT_EQ(p.channel.max_retransmits, 20u);
    EXPECT_EQ(p.channel.ack_delay_ms, 1000u);
    EXPECT_TRUE(p.channel.slow_start);
    EXPECT_EQ(p.channel.hello_interval_s, 3600u);

    EXPECT_EQ(l.peers[1].name, "lac-2.b_c");
}

TEST(L2tpConfig, PeersInheritDefaults) {
    Config c = expect_ok(l2tp(R"(  defaults:
    secret: shared
    require_authentication: true
    max_sessions: 100
    receive_window: 32
    hello_interval_s: 30
  peers:
    - name: own
      secret: mine
      receive_window: 8
    - name: inherits
      sources: [192.0.2.0/25]
    - name: switches-off
      require_authentication: false
      hello_interval_s: 0
)"));
    const auto &peers = c.l2tp.peers;
    ASSERT_EQ(peers.size(), 3u);
    // Own keys override, the others come from defaults.
    EXPECT_EQ(peers[0].secret, "mine");
    EXPECT_TRUE(peers[0].require_authentication);
    EXPECT_EQ(peers[0].max_sessions, 100u);
    EXPECT_EQ(peers[0].channel.receive_window, 8);
    EXPECT_EQ(peers[0].channel.hello_interval_s, 30u);
    EXPECT_EQ(peers[0].channel.retransmit_initial_ms, 1000u);  // built-in default
    // Nothing but name and sources: everything from defaults.
    EXPECT_EQ(peers[1].name, "inherits");
    EXPECT_EQ(peers[1].secret, "shared");
    EXPECT_TRUE(peers[1].require_authentication);
    EXPECT_EQ(peers[1].max_sessions, 100u);
    EXPECT_EQ(peers[1].channel.receive_window, 32);
    EXPECT_EQ(peers[1].channel.hello_interval_s, 30u);
    EXPECT_TRUE(peers[1].host_name.empty());
    ASSERT_EQ(peers[1].sources.size(), 1u);
    EXPECT_EQ(format_prefix(peers[1].sources[0]), "192.0.2.0/25");
    EXPECT_FALSE(peers[2].require_authentication);
    EXPECT_EQ(peers[2].secret, "shared");
    EXPECT_EQ(peers[2].channel.hello_interval_s, 0u);
    EXPECT_TRUE(peers[2].sources.empty());
    // defaults keeps its own name, peers do not inherit it.
    EXPECT_EQ(c.l2tp.defaults.name, "default");

    // The order of the keys does not matter: defaults given after peers.
    c = expect_ok(l2tp("  peers:\n    - name: p\n  defaults: {secret: x, hide_avps: true}\n"));
    ASSERT_EQ(c.l2tp.peers.size(), 1u);
    EXPECT_EQ(c.l2tp.peers[0].secret, "x");
    EXPECT_TRUE(c.l2tp.peers[0].hide_avps);
}

// max_sessions and tables.max_sessions ---------------------------------------------

TEST(L2tpConfig, MaxSessionsFollowsASmallerTable) {
    Config c = expect_ok(kBase + "tables: {max_sessions: 1000}\n");
    EXPECT_EQ(c.l2tp.max_sessions, 1000u);  // not given: bounded silently
    c = expect_ok(kBase + "tables: {max_sessions: 1000000}\n");
    EXPECT_EQ(c.l2tp.max_sessions, 65536u);  // not given: its own default
    c = expect_ok(kBase + "tables: {max_sessions: 1000}\nl2tp: {max_sessions: 1000}\n");
    EXPECT_EQ(c.l2tp.max_sessions, 1000u);
    c = expect_ok(kBase + "tables: {max_sessions: 1000}\nl2tp: {max_sessions: 10}\n");
    EXPECT_EQ(c.l2tp.max_sessions, 10u);
}

TEST(L2tpConfig, MaxSessionsAboveTheTable) {
    expect_error(kBase + "tables: {max_sessions: 1000}\nl2tp: {max_sessions: 1001}\n",
                 "max_sessions: |1001", "l2tp.max_sessions",
                 "exceeds tables.max_sessions (1000), got 1001");
    expect_error(l2tp("  max_sessions: 65537\n"), "max_sessions: |65537", "l2tp.max_sessions",
                 "exceeds tables.max_sessions (65536), got 65537");
    // An invalid table size is reported once, not again here.
    LoadResult r = load(kBase + "tables: {max_sessions: 0}\nl2tp: {max_sessions: 70000}\n");
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_NE(r.errors[0].find("tables.max_sessions: must be between 1"), std::string::npos);
}

// Errors ---------------------------------------------------------------------------------

TEST(L2tpConfig, ErrorFormat) {
    std::string yaml = l2tp("  max_tunnels: 0\n");
    LoadResult r = load(yaml);
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_EQ(r.errors[0], test::location(yaml, "max_tunnels: |0") +
                               ": l2tp.max_tunnels: must be between 1 and 65535, got 0");
}

TEST(L2tpConfig, UnknownKeys) {
    expect_error(l2tp("  tunnels: 5\n"), "tunnels: 5", "l2tp.tunnels",
                 "unknown key 'tunnels'; valid keys: enabled, host_name, max_tunnels, "
                 "max_sessions, max_sessions_per_tunnel, call_setup_timeout_s, id_quarantine_s, "
                 "accept_unknown_peers, defaults, peers");
    // defaults has no name, sources or host_name.
    expect_error(l2tp("  defaults:\n    name: x\n"), "name: x", "l2tp.defaults.name",
                 "unknown key 'name'; valid keys: secret, require_authentication, hide_avps, "
                 "max_sessions, force_sequencing, receive_window, retransmit_initial_ms, "
                 "retransmit_cap_ms, max_retransmits, ack_delay_ms, slow_start, hello_interval_s");
    expect_error(l2tp("  defaults:\n    sources: [192.0.2.1]\n"),
                 "sources:", "l2tp.defaults.sources", "unknown key 'sources'");
    expect_error(l2tp("  peers:\n    - name: p\n      window: 4\n"), "window: 4",
                 "l2tp.peers[0].window",
                 "unknown key 'window'; valid keys: name, sources, host_name, secret, "
                 "require_authentication, hide_avps, max_sessions, force_sequencing, "
                 "receive_window, retransmit_initial_ms, retransmit_cap_ms, max_retransmits, "
                 "ack_delay_ms, slow_start, hello_interval_s");
    // The channel keys sit directly in the peer, not under a `channel` mapping.
    expect_error(l2tp("  peers:\n    - name: p\n      channel: {receive_window: 4}\n"),
                 "channel:", "l2tp.peers[0].channel", "unknown key 'channel'");
    expect_error(l2tp("  enabled: true\n  enabled: false\n"), "enabled: false", "l2tp.enabled",
                 "duplicate key");
}

TEST(L2tpConfig, WrongTypes) {
    expect_error(kBase + "l2tp: [1]\n", "l2tp: |[1]", "l2tp", "expected a mapping, got a sequence");
    expect_error(l2tp("  defaults: 5\n"), "defaults: |5", "l2tp.defaults",
                 "expected a mapping, got '5'");
    expect_error(l2tp("  peers: {name: p}\n"), "peers: |{", "l2tp.peers",
                 "expected a sequence, got a mapping");
    expect_error(l2tp("  peers: [p]\n"), "peers: [|p]", "l2tp.peers[0]",
                 "expected a mapping, got 'p'");
    expect_error(l2tp("  enabled: yes\n"), "enabled: |yes", "l2tp.enabled",
                 "expected true or false, got 'yes'");
    expect_error(l2tp("  accept_unknown_peers: \"false\"\n"), "accept_unknown_peers: |\"false\"",
                 "l2tp.accept_unknown_peers", "expected true or false, got string \"false\"");
    expect_error(l2tp("  max_tunnels: \"10\"\n"), "max_tunnels: |\"10\"", "l2tp.max_tunnels",
                 "expected an integer, got string \"10\"");
    expect_error(l2tp("  host_name: [a]\n"), "host_name: |[a]", "l2tp.host_name",
                 "expected a string, got a sequence");
    expect_error(l2tp("  defaults:\n    secret:\n"), "secret:", "l2tp.defaults.secret",
                 "expected a string, got null");
    expect_error(l2tp("  defaults:\n    slow_start: 1\n"), "slow_start: |1",
                 "l2tp.defaults.slow_start", "expected true or false, got '1'");
    expect_error(l2tp("  peers:\n    - name: p\n      sources: 192.0.2.0/24\n"),
                 "sources: |192.0.2.0/24", "l2tp.peers[0].sources",
                 "expected a sequence, got '192.0.2.0/24'");
    expect_error(l2tp("  peers:\n    - name: p\n      hide_avps: on\n"), "hide_avps: |on",
                 "l2tp.peers[0].hide_avps", "expected true or false, got 'on'");
}

TEST(L2tpConfig, Ranges) {
    struct Case {
        const char *key;
        const char *value;
        const char *message;
    };
    const Case top[] = {
        {"max_tunnels", "0", "must be between 1 and 65535, got 0"},
        {"max_tunnels", "65536", "must be between 1 and 65535, got 65536"},
        {"max_sessions", "0", "must be between 1 and 16777216, got 0"},
        {"max_sessions", "16777217", "must be between 1 and 16777216, got 16777217"},
        {"max_sessions_per_tunnel", "0", "must be between 1 and 65535, got 0"},
        {"max_sessions_per_tunnel", "65536", "must be between 1 and 65535, got 65536"},
        {"call_setup_timeout_s", "0", "must be between 1 and 3600, got 0"},
        {"call_setup_timeout_s", "3601", "must be between 1 and 3600, got 3601"},
        {"id_quarantine_s", "3601", "must be between 0 and 3600, got 3601"},
        {"id_quarantine_s", "-1", "must be between 0 and 3600, got -1"},
    };
    for (const Case &c : top) {
        std::string line = std::string(c.key) + ": " + c.value;
        expect_error(l2tp("  " + line + "\n"), std::string(c.key) + ": |" + c.value,
                     std::string("l2tp.") + c.key, c.message);
    }
    const Case peer[] = {
        {"max_sessions", "65536", "must be between 0 and 65535, got 65536"},
        {"receive_window", "0", "must be between 1 and 1024, got 0"},
        {"receive_window", "1025", "must be between 1 and 1024, got 1025"},
        {"retransmit_initial_ms", "99", "must be between 100 and 10000, got 99"},
        {"retransmit_initial_ms", "10001", "must be between 100 and 10000, got 10001"},
        {"retransmit_cap_ms", "7999", "must be between 8000 and 60000, got 7999"},
        {"retransmit_cap_ms", "60001", "must be between 8000 and 60000, got 60001"},
        {"max_retransmits", "0", "must be between 1 and 20, got 0"},
        {"max_retransmits", "21", "must be between 1 and 20, got 21"},
        {"ack_delay_ms", "1001", "must be between 0 and 1000, got 1001"},
        {"hello_interval_s", "3601", "must be between 0 and 3600, got 3601"},
    };
    for (const Case &c : peer) {
        std::string needle = std::string(c.key) + ": |" + c.value;
        std::string line = std::string(c.key) + ": " + c.value + "\n";
        // In defaults, and in a peer: each reported once, at its own path.
        std::string yaml = l2tp("  defaults:\n    " + line);
        expect_error(yaml, needle, std::string("l2tp.defaults.") + c.key, c.message);
        EXPECT_EQ(load(yaml).errors.size(), 1u) << test::all_errors(load(yaml));
        yaml = l2tp("  peers:\n    - name: p\n    - name: q\n      " + line);
        expect_error(yaml, needle, std::string("l2tp.peers[1].") + c.key, c.message);
        EXPECT_EQ(load(yaml).errors.size(), 1u) << test::all_errors(load(yaml));
    }
}

TEST(L2tpConfig, RetransmitCapBelowInitial) {
    // Both in defaults: reported at the cap.
    expect_error(l2tp("  defaults: {retransmit_initial_ms: 9000, retransmit_cap_ms: 8500}\n"),
                 "retransmit_cap_ms: |8500", "l2tp.defaults.retransmit_cap_ms",
                 "must not be below retransmit_initial_ms (9000), got 8500");
    // The cap is the default one: reported at the initial value.
    expect_error(l2tp("  defaults: {retransmit_initial_ms: 9000}\n"),
                 "retransmit_initial_ms: |9000", "l2tp.defaults.retransmit_initial_ms",
                 "must not exceed retransmit_cap_ms (8000), got 9000");
    // Across inheritance: the peer's cap against the inherited initial value,
    // and the peer's initial value against the inherited cap.
    std::string yaml = l2tp(R"(  defaults: {retransmit_initial_ms: 9000, retransmit_cap_ms: 9000}
  peers:
    - name: ok
    - name: cap
      retransmit_cap_ms: 8500
    - name: initial
      retransmit_initial_ms: 9500
)");
    expect_error(yaml, "retransmit_cap_ms: |8500", "l2tp.peers[1].retransmit_cap_ms",
                 "must not be below retransmit_initial_ms (9000), got 8500");
    expect_error(yaml, "retransmit_initial_ms: |9500", "l2tp.peers[2].retransmit_initial_ms",
                 "must not exceed retransmit_cap_ms (9000), got 9500");
    EXPECT_EQ(load(yaml).errors.size(), 2u) << test::all_errors(load(yaml));
    // Equal is fine.
    expect_ok(l2tp("  defaults: {retransmit_initial_ms: 10000, retransmit_cap_ms: 10000}\n"));
}

TEST(L2tpConfig, AckDelayNotBelowInitial) {
    expect_error(l2tp("  defaults: {ack_delay_ms: 1000}\n"), "ack_delay_ms: |1000",
                 "l2tp.defaults.ack_delay_ms",
                 "must be below retransmit_initial_ms (1000), got 1000");
    expect_error(l2tp("  defaults: {ack_delay_ms: 300, retransmit_initial_ms: 200}\n"),
                 "ack_delay_ms: |300", "l2tp.defaults.ack_delay_ms",
                 "must be below retransmit_initial_ms (200), got 300");
    std::string yaml = l2tp(R"(  defaults: {ack_delay_ms: 150}
  peers:
    - name: fine
      retransmit_initial_ms: 151
    - name: initial
      retransmit_initial_ms: 150
)");
    expect_error(yaml, "retransmit_initial_ms: |150\n", "l2tp.peers[1].retransmit_initial_ms",
                 "must be above ack_delay_ms (150), got 150");
    EXPECT_EQ(load(yaml).errors.size(), 1u) << test::all_errors(load(yaml));
    expect_ok(l2tp("  defaults: {ack_delay_ms: 0, retransmit_initial_ms: 100}\n"));
}

TEST(L2tpConfig, RequireAuthenticationNeedsASecret) {
    // In a peer, reported at the peer.
    std::string yaml = l2tp(R"(  peers:
    - name: lac1
      require_authentication: true
)");
    expect_error(yaml, "- |name: lac1", "l2tp.peers[0]",
                 "require_authentication is true but there is no secret (neither here nor in "
                 "l2tp.defaults)");
    // The secret may come from defaults...
    expect_ok(l2tp(R"(  defaults: {secret: s}
  peers:
    - name: lac1
      require_authentication: true
)"));
    // ...and require_authentication too.
    expect_ok(l2tp(R"(  defaults: {require_authentication: true, secret: s}
  peers:
    - name: lac1
)"));
    // An empty secret is no secret.
    expect_error(l2tp(R"(  defaults: {secret: s}
  peers:
    - name: lac1
      require_authentication: true
      secret: ""
)"),
                 "- |name: lac1", "l2tp.peers[0]", "require_authentication is true");
}

TEST(L2tpConfig, RequireAuthenticationInDefaults) {
    // defaults serve unknown LACs: checked there, and not again in each peer
    // that only inherits it.
    std::string yaml = l2tp(R"(  defaults:
    require_authentication: true
  peers:
    - name: inherits
    - name: own-secret
      secret: s
    - name: sets-hide
      hide_avps: true
)");
    LoadResult r = load(yaml);
    ASSERT_EQ(r.errors.size(), 2u) << test::all_errors(r);
    EXPECT_EQ(r.errors[0], test::location(yaml, "|require_authentication: true") +
                               ": l2tp.defaults: require_authentication is true but there is no "
                               "secret");
    EXPECT_EQ(r.errors[1], test::location(yaml, "- |name: sets-hide") +
                               ": l2tp.peers[2]: hide_avps is true but there is no secret "
                               "(neither here nor in l2tp.defaults)");

    // Without unknown LACs, defaults are only inherited: each peer must end up
    // with a secret.
    yaml = l2tp(R"(  accept_unknown_peers: false
  defaults:
    require_authentication: true
  peers:
    - name: inherits
    - name: own-secret
      secret: s
)");
    r = load(yaml);
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_EQ(r.errors[0], test::location(yaml, "- |name: inherits") +
                               ": l2tp.peers[0]: require_authentication is true but there is no "
                               "secret (neither here nor in l2tp.defaults)");
    expect_ok(l2tp("  accept_unknown_peers: false\n  defaults: {require_authentication: true}\n"));
}

TEST(L2tpConfig, HideAvpsNeedsASecret) {
    expect_error(l2tp("  defaults: {hide_avps: true}\n"), "defaults: |{", "l2tp.defaults",
                 "hide_avps is true but there is no secret");
    expect_error(l2tp("  peers:\n    - {name: p, hide_avps: true}\n"), "|{name: p", "l2tp.peers[0]",
                 "hide_avps is true but there is no secret");
    expect_ok(l2tp("  defaults: {secret: s}\n  peers:\n    - {name: p, hide_avps: true}\n"));
    expect_ok(l2tp("  peers:\n    - {name: p, hide_avps: true, secret: s}\n"));
}

TEST(L2tpConfig, SecretLength) {
    std::string s255(255, 'x');
    Config c = expect_ok(l2tp("  defaults: {secret: " + s255 + "}\n"));
    EXPECT_EQ(c.l2tp.defaults.secret, s255);
    expect_error(l2tp("  defaults: {secret: " + s255 + "y}\n"), "secret: |x",
                 "l2tp.defaults.secret", "must be at most 255 bytes, got 256");
    // Bytes, not characters: 128 two-byte characters.
    std::string utf8;
    for (int i = 0; i < 128; ++i) utf8 += "\xc3\xa9";
    expect_error(l2tp("  peers:\n    - name: p\n      secret: \"" + utf8 + "\"\n"), "secret: |\"",
                 "l2tp.peers[0].secret", "must be at most 255 bytes, got 256");
}

TEST(L2tpConfig, PeerNames) {
    std::string yaml = l2tp(R"(  peers:
    - name: lac1
    - name: lac2
    - name: lac1
)");
    expect_error(yaml, "name: lac1\n    - name: lac2\n    - name: |lac1", "l2tp.peers[2].name",
                 "duplicate peer name 'lac1' (also l2tp.peers[0])");
    expect_error(l2tp("  peers:\n    - secret: s\n"), "- |secret: s", "l2tp.peers[0].name",
                 "required key missing");
    expect_error(l2tp("  peers:\n    - name: \"lac 1\"\n"), "name: |\"lac 1\"",
                 "l2tp.peers[0].name", "must be 1 to 64 characters from [A-Za-z0-9_.-]");
    expect_error(l2tp("  peers:\n    - name: default\n"), "name: |default", "l2tp.peers[0].name",
                 "and not 'default', got 'default'");
    expect_error(l2tp("  peers:\n    - name: \"\"\n"), "name: |\"\"", "l2tp.peers[0].name",
                 "must be 1 to 64 characters");
}

TEST(L2tpConfig, Sources) {
    auto peer = [](const std::string &sources) {
        return l2tp("  peers:\n    - name: p\n      sources: " + sources + "\n");
    };
    Config c = expect_ok(peer("[10.0.0.0/8, 192.0.2.1/32, 192.0.2.9]"));
    ASSERT_EQ(c.l2tp.peers[0].sources.size(), 3u);
    EXPECT_EQ(format_prefix(c.l2tp.peers[0].sources[0]), "10.0.0.0/8");
    EXPECT_EQ(format_prefix(c.l2tp.peers[0].sources[1]), "192.0.2.1/32");
    EXPECT_EQ(format_prefix(c.l2tp.peers[0].sources[2]), "192.0.2.9/32");
    EXPECT_TRUE(expect_ok(peer("[]")).l2tp.peers[0].sources.empty());
    EXPECT_TRUE(
        expect_ok(l2tp("  peers:\n    - name: p\n      sources:\n")).l2tp.peers[0].sources.empty());

    expect_error(peer("[192.0.2.0/24, 198.51.100.7/24]"), "|198.51.100.7/24",
                 "l2tp.peers[0].sources[1]",
                 "host bits must be zero (did you mean 198.51.100.0/24?)");
    expect_error(peer("[192.0.2]"), "[|192.0.2]", "l2tp.peers[0].sources[0]",
                 "expected an IPv4 address or prefix like 192.0.2.1 or 198.51.100.0/24, got "
                 "'192.0.2'");
    expect_error(peer("[192.0.2.0/33]"), "|192.0.2.0/33", "l2tp.peers[0].sources[0]",
                 "expected an IPv4 address or prefix");
    expect_error(peer("[\"2001:db8::/32\"]"), "|\"2001:db8::/32", "l2tp.peers[0].sources[0]",
                 "expected an IPv4 address or prefix");
    expect_error(peer("[[192.0.2.1]]"), "[|[192.0.2.1]]", "l2tp.peers[0].sources[0]",
                 "expected an IPv4 address or prefix like 192.0.2.1 or 198.51.100.0/24, got a "
                 "sequence");
}

TEST(L2tpConfig, HostNames) {
    expect_error(l2tp("  host_name: \"\"\n"), "host_name: |\"\"", "l2tp.host_name",
                 "must not be empty");
    expect_error(l2tp("  host_name: " + std::string(256, 'h') + "\n"), "host_name: |h",
                 "l2tp.host_name", "must be at most 255 bytes, got 256");
    // A peer's empty host_name is the default: any.
    Config c = expect_ok(l2tp("  peers:\n    - {name: p, host_name: \"\"}\n"));
    EXPECT_TRUE(c.l2tp.peers[0].host_name.empty());
    expect_error(l2tp("  peers:\n    - {name: p, host_name: " + std::string(256, 'h') + "}\n"),
                 "host_name: |h", "l2tp.peers[0].host_name", "must be at most 255 bytes");
}

TEST(L2tpConfig, OneMistakeOneError) {
    // A secret of the wrong type is not then reported as missing.
    std::string yaml = l2tp(R"(  peers:
    - name: p
      require_authentication: true
      secret: [s]
)");
    LoadResult r = load(yaml);
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_NE(r.errors[0].find("l2tp.peers[0].secret: expected a string"), std::string::npos);
    // An out-of-range initial value in defaults is not compared again in peers.
    yaml = l2tp(R"(  defaults: {retransmit_initial_ms: 50}
  peers:
    - {name: p, ack_delay_ms: 500}
)");
    r = load(yaml);
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_NE(r.errors[0].find("l2tp.defaults.retransmit_initial_ms: must be between"),
              std::string::npos);
}

}  // namespace
}  // namespace lns::cfg
