// One test per class of configuration error: each asserts the YAML path, the
// line and column, and the gist of the message.
#include <gtest/gtest.h>

#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

using test::expect_error;
using test::expect_ok;
using test::kBase;
using test::load;
using test::with;

TEST(ConfigErrors, BaseIsValid) {
    expect_ok(kBase);
}

// Keys and types --------------------------------------------------------------------

TEST(ConfigErrors, UnknownKeyListsTheValidKeys) {
    expect_error(with(kBase, "    rx_queues: 1\n", "    rx_queues: 1\n    speed: 10g\n"), "speed",
                 "ports[0].speed",
                 "unknown key 'speed'; valid keys: name, device, role, rx_queues, rx_desc, "
                 "tx_desc, mtu, promiscuous, ipv4, gateway4, ipv6, gateway6");
    expect_error(kBase + "ports_extra: 1\n", "ports_extra", "ports_extra",
                 "unknown key 'ports_extra'; valid keys: eal, control_lcore");
    expect_error(with(kBase, "{port: core0, queue: 1}", "{port: core0, queue: 1, q: 2}"), "q: 2",
                 "workers[1].rx[0].q", "valid keys: port, queue");
    expect_error(kBase + "mtu: {clamp: true}\n", "clamp", "mtu.clamp", "unknown key 'clamp'");
}

TEST(ConfigErrors, DuplicateKey) {
    expect_error(with(kBase, "    rx_queues: 1\n", "    rx_queues: 1\n    rx_queues: 1\n"),
                 "rx_queues: 1\n    |rx_queues", "ports[0].rx_queues",
                 "duplicate key (first given on line 6)");
}

TEST(ConfigErrors, StringWhereIntegerExpected) {
    expect_error(kBase + "mbufs: \"100000\"\n", "mbufs: |\"100000\"", "mbufs",
                 "expected an integer, got string \"100000\"");
    expect_error(with(kBase, "rx_queues: 2", "rx_queues: two"), "rx_queues: |two",
                 "ports[1].rx_queues", "expected an integer, got 'two'");
    expect_error(kBase + "burst: 1.5\n", "burst: |1.5", "burst", "expected an integer");
    expect_error(kBase + "burst: [1]\n", "burst: |[1]", "burst",
                 "expected an integer, got a sequence");
    expect_error(kBase + "burst:\n", "|burst:", "burst", "expected an integer, got null");
    expect_error(kBase + "burst: 010\n", "burst: |010", "burst", "without leading zeros");
}

TEST(ConfigErrors, NegativeNumber) {
    expect_error(kBase + "burst: -1\n", "burst: |-1", "burst", "must be between 1 and 64, got -1");
    expect_error(with(kBase, "lcore: 2", "lcore: -2"), "lcore: |-2", "workers[1].lcore",
                 "must be between 0 and 127, got -2");
}

TEST(ConfigErrors, NotABoolean) {
    expect_error(with(kBase, "    rx_queues: 1\n", "    rx_queues: 1\n    promiscuous: yes\n"),
                 "promiscuous: |yes", "ports[0].promiscuous", "expected true or false, got 'yes'");
    expect_error(kBase + "mtu: {clamp_upstream: \"true\"}\n", "clamp_upstream: |\"true\"",
                 "mtu.clamp_upstream", "expected true or false, got string \"true\"");
    expect_error(kBase + "eal: {no_huge: 1}\n", "no_huge: |1", "eal.no_huge",
                 "expected true or false");
}

TEST(ConfigErrors, OutOfRange) {
    expect_error(with(kBase, "rx_queues: 2", "rx_queues: 99"), "rx_queues: |99",
                 "ports[1].rx_queues", "must be between 0 and 64, got 99");
    expect_error(kBase + "mbufs: 1022\n", "mbufs: |1022", "mbufs",
                 "must be between 1023 and 16777216, got 1022");
    expect_error(kBase + "tables: {max_sessions: 99999999999999999999999}\n", "max_sessions: |9999",
                 "tables.max_sessions",
                 "must be between 1 and 16777216, got 99999999999999999999999");
    expect_error(kBase + "arp: {retries: 0}\n", "retries: |0", "arp.retries",
                 "must be between 1 and 100, got 0");
    expect_error(with(kBase, "count: 10", "count: 10\n    framing: {offset: 256}"), "offset: |256",
                 "sessions[0].framing.offset", "must be between 0 and 255");
    expect_error(with(kBase, "local_tunnel_id: 1", "local_tunnel_id: 65536"),
                 "local_tunnel_id: |65536", "sessions[0].local_tunnel_id",
                 "must be between 1 and 65535, got 65536");
    expect_error(with(kBase, "    rx_queues: 1\n", "    rx_queues: 1\n    mtu: 575\n"), "mtu: |575",
                 "ports[0].mtu", "must be between 576 and 9000, got 575");
    expect_error(kBase + "worker_idle_polls: 0\n", "worker_idle_polls: |0", "worker_idle_polls",
                 "must be between 1 and 1000000, got 0");
}

TEST(ConfigErrors, NotAPowerOfTwo) {
    expect_error(with(kBase, "    rx_queues: 1\n", "    rx_queues: 1\n    rx_desc: 1000\n"),
                 "rx_desc: |1000", "ports[0].rx_desc",
                 "must be a power of two between 64 and 16384, got 1000");
    expect_error(kBase + "punt_ring_size: 32\n", "punt_ring_size: |32", "punt_ring_size",
                 "must be between 64 and 1048576, got 32");
}

TEST(ConfigErrors, ZeroOrRange) {
    expect_error(kBase + "mtu: {tcp_mss_v6: 1200}\n", "tcp_mss_v6: |1200", "mtu.tcp_mss_v6",
                 "must be 0 (off) or between 1220 and 9000, got 1200");
    expect_ok(kBase + "mtu: {tcp_mss_v4: 0, tcp_mss_v6: 1220}\n");
}

TEST(ConfigErrors, NotOneOfTheChoices) {
    expect_error(with(kBase, "role: core", "role: upstream"), "role: |upstream", "ports[1].role",
                 "must be one of: access, core; got 'upstream'");
    expect_error(kBase + "mtu: {too_big: drop}\n", "too_big: |drop", "mtu.too_big",
                 "must be one of: fragment, icmp; got 'drop'");
}

TEST(ConfigErrors, WrongContainer) {
    expect_error(kBase + "tables: [1]\n", "tables: |[1]", "tables",
                 "expected a mapping, got a sequence");
    expect_error(with(kBase,
                      "neighbors:\n  - {port: core0, ipv4: 198.51.100.254, mac: "
                      "\"02:00:00:00:00:fe\"}\n",
                      "neighbors: {port: core0}\n"),
                 "neighbors: |{", "neighbors", "expected a sequence, got a mapping");
    expect_error(kBase + "eal: {args: --no-huge}\n", "args: |--no", "eal.args",
                 "expected a sequence");
}

TEST(ConfigErrors, RequiredKeyMissing) {
    // Reported at the mapping that lacks the key.
    expect_error(with(kBase, "    ipv4: 203.0.113.1/24\n", ""), "- |name: access0", "ports[0].ipv4",
                 "required key missing");
    expect_error(with(kBase, "    lac_address: 203.0.113.2\n", ""), "- |name: a\n",
                 "sessions[0].lac_address", "required key missing");
    expect_error(with(kBase, "{port: access0, queue: 0}", "{port: access0}"), "{port: access0}",
                 "workers[0].rx[0].queue", "required key missing");
    LoadResult r = load("control_lcore: 0\n");
    ASSERT_EQ(r.errors.size(), 2u) << test::all_errors(r);
    EXPECT_EQ(r.errors[0], "t.yaml:1:1: ports: required key missing");
    EXPECT_EQ(r.errors[1], "t.yaml:1:1: workers: required key missing");
}

// Values ---------------------------------------------------------------------------------

TEST(ConfigErrors, MalformedIpv4) {
    expect_error(with(kBase, "lac_address: 203.0.113.2", "lac_address: 203.0.113.256"),
                 "lac_address: |203", "sessions[0].lac_address",
                 "expected an IPv4 address like 192.0.2.1, got '203.0.113.256'");
    expect_error(with(kBase, "ipv4: 100.64.0.1", "ipv4: 100.64.1"), "ipv4: |100.64.1",
                 "sessions[0].ipv4", "expected an IPv4 address");
    expect_error(with(kBase, "ipv4: 100.64.0.1", "ipv4: 224.0.0.1"), "ipv4: |224.0.0.1",
                 "sessions[0].ipv4", "224.0.0.1 is not a unicast address");
}

TEST(ConfigErrors, MalformedIpv6) {
    expect_error(with(kBase, "    ipv6: 2001:db8:ffff::1/64\n",
                      "    ipv6: 2001:db8:ffff::1/64\n    gateway6: 2001:db8:ffff::g\n"),
                 "gateway6: |2001", "ports[1].gateway6",
                 "expected an IPv6 address like 2001:db8::1, got '2001:db8:ffff::g'");
    expect_error(with(kBase, "ipv6: 2001:db8:ffff::1/64", "ipv6: 2001:db8:::1/64"),
                 "ipv6: |2001:db8:::1", "ports[1].ipv6", "expected an IPv6 address");
}

TEST(ConfigErrors, MalformedPrefix) {
    expect_error(with(kBase, "ipv4: 203.0.113.1/24", "ipv4: 203.0.113.1"), "ipv4: |203.0.113.1",
                 "ports[0].ipv4", "with prefix length like 192.0.2.1/24, got '203.0.113.1'");
    expect_error(with(kBase, "ipv4: 203.0.113.1/24", "ipv4: 203.0.113.1/4"), "ipv4: |203.0.113.1",
                 "ports[0].ipv4", "prefix length must be between 8 and 32, got /4");
    expect_error(with(kBase, "ipv4: 203.0.113.1/24", "ipv4: 203.0.113.1/33"), "ipv4: |203.0.113.1",
                 "ports[0].ipv4", "expected an IPv4 address with prefix");
    expect_error(with(kBase, "ipv4: 203.0.113.1/24", "ipv4: 203.0.113.0/24"), "ipv4: |203.0.113.0",
                 "ports[0].ipv4", "is the network or broadcast address");
    expect_error(with(kBase, "2001:db8:1000::/64", "2001:db8:1000::/80"), "|2001:db8:1000::/80",
                 "sessions[0].ipv6_prefix", "prefix length must be between 32 and 64, got /80");
}

TEST(ConfigErrors, PrefixHostBitsSet) {
    expect_error(with(kBase, "2001:db8:1000::/64", "2001:db8:1000::1/64"), "|2001:db8:1000::1/64",
                 "sessions[0].ipv6_prefix",
                 "host bits must be zero (did you mean 2001:db8:1000::/64?)");
}

TEST(ConfigErrors, MalformedMac) {
    expect_error(with(kBase, "\"02:00:00:00:00:fe\"", "\"02:00:00:00:fe\""), "|\"02:00:00:00:fe",
                 "neighbors[0].mac", "expected a MAC address like 02:00:00:00:00:01");
    expect_error(with(kBase, "\"02:00:00:00:00:fe\"", "\"01:00:5e:00:00:01\""), "|\"01:00:5e",
                 "neighbors[0].mac", "must be a unicast, non-zero MAC");
}

TEST(ConfigErrors, BadNamesAndDevices) {
    expect_error(with(kBase, "name: core0", "name: access0"),
                 "name: |access0\n    device: net_null0", "ports[1].name",
                 "duplicate port name 'access0' (also ports[0])");
    expect_error(with(kBase, "name: core0", "name: core 0"), "name: |core 0", "ports[1].name",
                 "must be 1 to 32 characters from [A-Za-z0-9_.-]");
    expect_error(with(kBase, "device: net_null0", "device: net_pcap0,rx_pcap=x.pcap"),
                 "device: |net_pcap0,rx_pcap=x", "ports[1].device",
                 "device 'net_pcap0' is already used by ports[0]");
    expect_error(with(kBase, "device: net_null0", "device: eth0"), "device: |eth0",
                 "ports[1].device", "must be a PCI address (0000:03:00.0) or a vdev");
    expect_ok(with(kBase, "device: net_null0", "device: 0000:af:00.1,txq_inline=128"));
    expect_error(kBase + "eal: {file_prefix: \"a/b\"}\n", "file_prefix: |\"a/b\"",
                 "eal.file_prefix", "must be 1 to 48 characters");
    expect_error(with(kBase, "- name: a\n", "- name: \"\"\n"), "name: |\"\"", "sessions[0].name",
                 "must be 1 to 64 characters");
}

TEST(ConfigErrors, EalArgsThatLnsdSets) {
    expect_error(kBase + "eal: {args: [\"--vdev=net_tap0\", \"-l\", \"0-3\"]}\n", "|\"-l\"",
                 "eal.args[1]", "'-l' is set by lnsd from control_lcore and workers[].lcore");
    expect_error(kBase + "eal: {args: [\"--file-prefix=x\"]}\n", "|\"--file-prefix=x\"",
                 "eal.args[0]", "eal.file_prefix");
    expect_error(kBase + "eal: {args: [\"--main-lcore\", \"0\"]}\n", "|\"--main-lcore\"",
                 "eal.args[0]", "is set by lnsd from control_lcore");
    expect_ok(kBase + "eal: {args: [\"--log-level=8\", \"--vdev=crypto_aesni_mb0\"]}\n");
}

// References between sections ----------------------------------------------------------

TEST(ConfigErrors, UnknownPortReference) {
    expect_error(with(kBase, "{port: core0, queue: 1}", "{port: core1, queue: 1}"), "port: |core1",
                 "workers[1].rx[0].port", "unknown port 'core1'; ports: access0, core0");
    expect_error(with(kBase, "    port: access0\n", "    port: acces0\n"), "port: |acces0",
                 "sessions[0].port", "unknown port 'acces0'");
    expect_error(with(kBase, "{port: core0, ipv4", "{port: core, ipv4"), "port: |core,",
                 "neighbors[0].port", "unknown port 'core'");
}

TEST(ConfigErrors, QueueBeyondRxQueues) {
    expect_error(with(kBase, "{port: core0, queue: 1}", "{port: core0, queue: 2}"), "queue: |2}",
                 "workers[1].rx[0].queue", "port core0 has 2 RX queue(s), got queue 2");
    expect_error(with(kBase, "rx_queues: 1", "rx_queues: 0"), "access0, queue: |0",
                 "workers[0].rx[0].queue", "port access0 has no RX queues (rx_queues: 0)");
}

TEST(ConfigErrors, UnpolledQueue) {
    expect_error(with(kBase, "rx_queues: 2", "rx_queues: 4"), "rx_queues: |4", "ports[1].rx_queues",
                 "queues 2, 3 of port core0 are not polled by any worker (every RX queue needs "
                 "exactly one)");
    // With rx_queues left at its default (1), the error points at the port.
    std::string y = with(kBase, "    rx_queues: 1\n", "");
    y = with(y, "{port: access0, queue: 0}, ", "");
    expect_error(y, "- |name: access0", "ports[0].rx_queues",
                 "queue 0 of port access0 is not polled by any worker");
}

TEST(ConfigErrors, DoublyPolledQueue) {
    expect_error(with(kBase, "{port: core0, queue: 1}",
                      "{port: core0, queue: 1}, {port: core0, "
                      "queue: 0}"),
                 "{port: core0, queue: 1}, |{", "workers[1].rx[1]",
                 "port core0 queue 0 is already polled by workers[0].rx[1]");
}

TEST(ConfigErrors, SessionOnCorePort) {
    expect_error(with(kBase, "    port: access0\n", "    port: core0\n"), "    port: |core0",
                 "sessions[0].port",
                 "port core0 is a core port; static sessions must be on an access port");
}

TEST(ConfigErrors, NeedsAccessAndCorePortsAndWorkers) {
    expect_error(with(kBase, "role: core", "role: access"), "ports:\n  |-", "ports",
                 "at least one port with role: core is required");
    expect_error(with(kBase, "role: access", "role: core"), "ports:\n  |-", "ports",
                 "at least one port with role: access is required");
    LoadResult r = load("ports: []\nworkers: []\n");
    ASSERT_EQ(r.errors.size(), 3u) << test::all_errors(r);
    EXPECT_EQ(r.errors[0], "t.yaml:1:8: ports: at least one port with role: access is required");
    EXPECT_EQ(r.errors[2], "t.yaml:2:10: workers: at least one worker is required");
}

TEST(ConfigErrors, LcoreConflicts) {
    expect_error(with(kBase, "lcore: 2", "lcore: 1"), "lcore: |1\n    rx: [{port: core0",
                 "workers[1].lcore", "lcore 1 is already used by workers[0]");
    expect_error(with(kBase, "control_lcore: 0", "control_lcore: 2"), "- lcore: |2",
                 "workers[1].lcore", "lcore 2 is the control_lcore");
}

TEST(ConfigErrors, GatewayChecks) {
    expect_error(with(kBase, "gateway4: 198.51.100.254", "gateway4: 198.51.101.254"),
                 "gateway4: |198", "ports[1].gateway4",
                 "198.51.101.254 is not inside the port's prefix 198.51.100.0/24");
    expect_error(with(kBase, "gateway4: 198.51.100.254", "gateway4: 198.51.100.1"),
                 "gateway4: |198", "ports[1].gateway4", "must differ from the port's own address");
    expect_error(with(kBase, "    ipv4: 203.0.113.1/24\n",
                      "    ipv4: 203.0.113.1/24\n    gateway6: fe80::1\n"),
                 "gateway6: |fe80", "ports[0].gateway6", "requires ipv6 on the same port");
    expect_ok(with(kBase, "    ipv6: 2001:db8:ffff::1/64\n",
                   "    ipv6: 2001:db8:ffff::1/64\n    gateway6: 2001:db8:ffff::fe\n"));
}

TEST(ConfigErrors, NeighborNotOnLink) {
    expect_error(with(kBase, "ipv4: 198.51.100.254, mac", "ipv4: 198.51.99.254, mac"),
                 "ipv4: |198.51.99.254", "neighbors[0].ipv4",
                 "not on-link: 198.51.99.254 is not inside port core0's prefix 198.51.100.0/24");
    expect_error(with(kBase, "{port: core0, ipv4: 198.51.100.254,",
                      "{port: access0, ipv6: "
                      "\"2001:db8::1\","),
                 "ipv6: |\"2001", "neighbors[0].ipv6", "port access0 has no ipv6 address");
    expect_error(with(kBase, "ipv4: 198.51.100.254, mac", "ipv4: 198.51.100.1, mac"),
                 "ipv4: |198.51.100.1, mac", "neighbors[0].ipv4", "is the port's own address");
    expect_error(
        with(kBase, "ipv4: 198.51.100.254, mac", "ipv6: \"::1\", ipv4: 198.51.100.254, mac"),
        "- |{port: core0, ipv6", "neighbors[0]", "give exactly one of ipv4 and ipv6");
    expect_ok(with(kBase, "ipv4: 198.51.100.254, mac", "ipv6: \"fe80::5\", mac"));
}

TEST(ConfigErrors, LacAddressUnreachable) {
    expect_error(with(kBase, "lac_address: 203.0.113.2", "lac_address: 192.0.2.2"),
                 "lac_address: |192", "sessions[0].lac_address",
                 "192.0.2.2 is not on-link for port access0 (203.0.113.1/24) and the port has no "
                 "gateway4");
    expect_error(with(kBase, "lac_address: 203.0.113.2", "lac_address: 203.0.113.1"),
                 "lac_address: |203", "sessions[0].lac_address", "is the address of port access0");
}

// Session blocks -----------------------------------------------------------------------

// kBase with its session block's count, sessions_per_tunnel and ids replaced.
std::string block(const std::string &count, const std::string &per_tunnel, const std::string &lt,
                  const std::string &ls) {
    std::string y = with(kBase, "count: 10", "count: " + count);
    y = with(y, "sessions_per_tunnel: 5", "sessions_per_tunnel: " + per_tunnel);
    y = with(y, "local_tunnel_id: 1", "local_tunnel_id: " + lt);
    return with(y, "local_session_id: 1", "local_session_id: " + ls);
}

TEST(ConfigErrors, TunnelIdOverflow) {
    // 10 sessions, 5 per tunnel: 2 tunnels.  65534 + 1 is fine, 65535 + 1 is not.
    expect_ok(block("10", "5", "65534", "1"));
    expect_error(block("10", "5", "65535", "1"), "local_tunnel_id: |65535",
                 "sessions[0].local_tunnel_id",
                 "the block's 10 sessions at 5 per tunnel need 2 tunnels: ids 65535..65536 exceed "
                 "65535");
    expect_error(with(kBase, "remote_tunnel_id: 101", "remote_tunnel_id: 65535"),
                 "remote_tunnel_id: |65535", "sessions[0].remote_tunnel_id", "ids 65535..65536");
}

TEST(ConfigErrors, SessionIdOverflow) {
    // Session ids restart per tunnel: only min(count, per tunnel) of them are used.
    expect_ok(block("10", "5", "1", "65531"));
    expect_error(block("10", "5", "1", "65532"), "local_session_id: |65532",
                 "sessions[0].local_session_id",
                 "each tunnel of the block holds 5 sessions: ids 65532..65536 exceed 65535");
    expect_ok(block("3", "100", "1", "65533"));  // only 3 sessions in the tunnel
    expect_error(with(kBase, "remote_session_id: 1", "remote_session_id: 65535"),
                 "remote_session_id: |65535", "sessions[0].remote_session_id", "65535..65539");
}

TEST(ConfigErrors, Ipv4RangeOverflow) {
    expect_error(with(kBase, "ipv4: 100.64.0.1", "ipv4: 223.255.255.250"), "ipv4: |223.255.255.250",
                 "sessions[0].ipv4",
                 "range 223.255.255.250..224.0.0.3 includes non-unicast addresses");
    expect_error(with(kBase, "ipv4: 100.64.0.1", "ipv4: 126.255.255.255"), "ipv4: |126",
                 "sessions[0].ipv4", "includes non-unicast addresses");
    expect_error(with(kBase, "ipv4: 100.64.0.1", "ipv4: 198.51.99.255"), "ipv4: |198.51.99",
                 "sessions[0].ipv4", "includes 198.51.100.1, an address of ports[1]");
}

TEST(ConfigErrors, Ipv6RangeOverflow) {
    // The last global /64 is feff:ffff:ffff:ffff::/64; 10 from fff6 end exactly there.
    expect_ok(with(kBase, "2001:db8:1000::/64", "feff:ffff:ffff:fff6::/64"));
    expect_error(with(kBase, "2001:db8:1000::/64", "feff:ffff:ffff:fff7::/64"), "|feff",
                 "sessions[0].ipv6_prefix",
                 "block of 10 /64 prefixes from feff:ffff:ffff:fff7::/64 reaches link-local "
                 "(fe80::/10) or multicast (ff00::/8) space");
    expect_error(with(kBase, "2001:db8:1000::/64", "fe7f:fffa::/32"), "|fe7f",
                 "sessions[0].ipv6_prefix", "block of 10 /32 prefixes");
    expect_error(with(kBase, "2001:db8:1000::/64", "ff02::/64"), "|ff02", "sessions[0].ipv6_prefix",
                 "must be a global unicast prefix");
}

// A second block appended to kBase's sessions.
std::string second_block(const std::string &fields) {
    return kBase + "  - port: access0\n" + fields;
}

const char *kSecond = R"(    name: b
    count: 10
    sessions_per_tunnel: 5
    local_tunnel_id: 2
    local_session_id: 6
    remote_tunnel_id: 102
    remote_session_id: 6
    lac_address: 203.0.113.2
)";

TEST(ConfigErrors, DuplicateSessionIdsAcrossBlocks) {
    // Block a: tunnels 1-2 sessions 1-5.  Block b: tunnels 2-3, sessions 6-10: fine.
    expect_ok(second_block(kSecond));
    // Sessions 5-9 in tunnel 2 collide with block a's session 5 (its 10th session).
    std::string y = second_block(with(kSecond, "local_session_id: 6", "local_session_id: 5"));
    expect_error(y, "local_session_id: |5", "sessions[1].local_session_id",
                 "local session id 5 in local tunnel 2 (session #0 of this block) is also used by "
                 "sessions[0]");
    y = second_block(with(kSecond, "remote_session_id: 6", "remote_session_id: 3"));
    expect_error(y, "remote_session_id: |3", "sessions[1].remote_session_id",
                 "remote session id 3 in local tunnel 2 (session #0 of this block) is also used "
                 "by sessions[0] (and 2 more)");
}

TEST(ConfigErrors, TunnelDefinedDifferently) {
    std::string y = second_block(with(kSecond, "remote_tunnel_id: 102", "remote_tunnel_id: 202"));
    expect_error(y, "local_tunnel_id: |2", "sessions[1].local_tunnel_id",
                 "local tunnel 2 is also used by sessions[0] with a different remote tunnel id");
    y = second_block(with(kSecond, "local_tunnel_id: 2", "local_tunnel_id: 20"));
    expect_error(y, "remote_tunnel_id: |102", "sessions[1].remote_tunnel_id",
                 "remote tunnel 102 of LAC 203.0.113.2:1701 is already paired with local tunnel 2");
}

TEST(ConfigErrors, DuplicateSubscriberAddresses) {
    std::string y = second_block(std::string(kSecond) + "    ipv4: 100.64.0.8\n");
    expect_error(y, "ipv4: |100.64.0.8", "sessions[1].ipv4",
                 "subscriber address 100.64.0.8 (session #0 of this block) is also in sessions[0] "
                 "(session #7)");
    y = second_block(std::string(kSecond) + "    ipv6_prefix: 2001:db8:1000:9::/64\n");
    expect_error(y, "|2001:db8:1000:9::/64", "sessions[1].ipv6_prefix",
                 "subscriber prefix 2001:db8:1000:9::/64 (session #0 of this block) is also in "
                 "sessions[0] (session #9)");
    // A /48 block containing a /64 of the other block also overlaps.
    y = second_block(std::string(kSecond) + "    ipv6_prefix: 2001:db8:1000::/48\n");
    expect_error(y, "|2001:db8:1000::/48", "sessions[1].ipv6_prefix", "is also in sessions[0]");
    y = second_block(std::string(kSecond) + "    ipv4: 100.64.0.11\n");
    expect_ok(y);
}

TEST(ConfigErrors, TooManySessions) {
    expect_error(kBase + "tables: {max_sessions: 9}\n", "max_sessions: |9", "tables.max_sessions",
                 "10 static sessions (blocks expanded) exceed tables.max_sessions (9)");
    expect_ok(kBase + "tables: {max_sessions: 10}\n");
}

TEST(ConfigErrors, TooManyNeighbors) {
    std::string y = kBase + "tables: {max_neighbors: 16}\n";
    std::string entries;
    for (int i = 2; i < 20; ++i)
        entries += "  - {port: core0, ipv4: 198.51.100." + std::to_string(i) +
                   ", mac: \"02:00:00:00:00:01\"}\n";
    y = with(y, "neighbors:\n", "neighbors:\n" + entries);
    expect_error(y, "neighbors:\n  |- {port: core0, ipv4: 198.51.100.2,", "neighbors",
                 "19 static neighbours exceed tables.max_neighbors (16)");
}

TEST(ConfigErrors, DuplicateNeighbor) {
    std::string y =
        with(kBase, "neighbors:\n",
             "neighbors:\n  - {port: core0, ipv4: 198.51.100.254, mac: \"02:00:00:00:00:01\"}\n");
    expect_error(y, "ipv4: |198.51.100.254, mac: \"02:00:00:00:00:fe\"", "neighbors[1].ipv4",
                 "duplicate neighbour 198.51.100.254 on port core0");
}

TEST(ConfigErrors, OverlappingPortPrefixes) {
    expect_error(with(kBase, "ipv4: 198.51.100.1/24", "ipv4: 203.0.113.129/25"),
                 "ipv4: |203.0.113.129/25", "ports[1].ipv4",
                 "on-link prefix 203.0.113.128/25 overlaps ports[0].ipv4 (203.0.113.1/24)");
}

TEST(ConfigErrors, OneMistakeIsReportedOnce) {
    // A misspelt port name in a worker must not also report its queue as unpolled.
    LoadResult r = load(with(kBase, "{port: core0, queue: 1}", "{port: core1, queue: 1}"));
    EXPECT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    // A session block with a bad id is not checked against other blocks.
    r = load(with(kBase, "local_tunnel_id: 1", "local_tunnel_id: x"));
    EXPECT_EQ(r.errors.size(), 1u) << test::all_errors(r);
}

}  // namespace
}  // namespace lns::cfg
