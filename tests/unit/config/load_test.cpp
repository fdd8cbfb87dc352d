// load_config_*: a complete configuration into the typed structs, the shipped
// examples, defaults, and inputs that are not a configuration at all.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "config/net_parse.hpp"
#include "dataplane/runtime.hpp"
#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

using test::expect_error;
using test::expect_ok;
using test::kBase;
using test::load;
using test::with;

// Every key set to something other than its default.
const std::string kFull = R"(eal:
  no_huge: true
  memory_mb: 1024
  file_prefix: lnsd-test
  no_pci: true
  args: ["--log-level=lib.eal:debug", "--vdev=crypto_aesni_mb0"]
control_lcore: 3
mbufs: 131071
burst: 16
tx_drain_us: 250
punt_ring_size: 8192
stats_interval_s: 10
worker_idle_sleep_us: 200
worker_idle_polls: 8
ports:
  - name: core-a
    device: "0000:03:00.1,rxq_cqe_comp_en=1"
    role: core
    rx_queues: 1
    rx_desc: 2048
    tx_desc: 512
    mtu: 9000
    promiscuous: true
    ipv4: 198.51.100.1/24
    gateway4: 198.51.100.254
    ipv6: 2001:db8:ffff::1/64
    gateway6: fe80::1
  - name: access.0
    device: 03:00.0
    role: access
    rx_queues: 2
    ipv4: 203.0.113.1/24
  - name: core_b
    device: net_null0
    role: core
    rx_queues: 0
    ipv4: 192.0.2.1/30
workers:
  - lcore: 5
    rx: [{port: access.0, queue: 1}, {port: core-a, queue: 0}]
  - lcore: 4
    rx:
      - port: access.0
        queue: 0
neighbors:
  - {port: core-a, ipv4: 198.51.100.254, mac: "02:00:00:00:00:FE"}
  - {port: core-a, ipv6: "fe80::1", mac: "02:00:00:00:00:fd"}
tables:
  max_sessions: 2000
  max_neighbors: 100
  frag_flows: 1024
  frag_timeout_ms: 500
mtu:
  tcp_mss_v4: 1400
  tcp_mss_v6: 1380
  clamp_upstream: false
  clamp_downstream: false
  too_big: icmp
  icmp_time_exceeded: false
arp:
  reachable_ms: 60000
  retry_ms: 500
  retries: 5
  pending_packets: 0
sessions:
  - name: block
    port: access.0
    count: 1000
    sessions_per_tunnel: 250
    local_tunnel_id: 10
    local_session_id: 100
    remote_tunnel_id: 20
    remote_session_id: 200
    lac_address: 203.0.113.2
    lac_port: 1702
    ipv4: 100.64.0.1
    ipv6_prefix: 2001:db8:1000::/56
    mru: 1492
    framing: {sequencing: true, length: true, offset: 4, acfc: true, pfc: true}
  - port: access.0
    local_tunnel_id: 9
    local_session_id: 1
    remote_tunnel_id: 9
    remote_session_id: 1
    lac_address: 192.0.2.200
)";

TEST(ConfigLoad, FullConfigRoundTrips) {
    Config c = expect_ok(with(kFull, "192.0.2.200", "203.0.113.3"));
    EXPECT_EQ(c.source, "t.yaml");
    EXPECT_TRUE(c.eal.no_huge);
    EXPECT_EQ(c.eal.memory_mb, 1024u);
    EXPECT_EQ(c.eal.file_prefix, "lnsd-test");
    EXPECT_TRUE(c.eal.no_pci);
    EXPECT_EQ(c.eal.extra_args,
              (std::vector<std::string>{"--log-level=lib.eal:debug", "--vdev=crypto_aesni_mb0"}));
    EXPECT_EQ(c.control_lcore, 3u);
    EXPECT_EQ(c.mbufs, 131071u);
    EXPECT_EQ(c.burst, 16u);
    EXPECT_EQ(c.tx_drain_us, 250u);
    EXPECT_EQ(c.punt_ring_size, 8192u);
    EXPECT_EQ(c.stats_interval_s, 10u);
    EXPECT_EQ(c.worker_idle_sleep_us, 200u);
    EXPECT_EQ(c.worker_idle_polls, 8u);
    EXPECT_EQ(c.core_port, 0u);  // the first core port, even before the access port

    ASSERT_EQ(c.ports.size(), 3u);
    const PortConfig &a = c.ports[0];
    EXPECT_EQ(a.name, "core-a");
    EXPECT_EQ(a.device, "0000:03:00.1,rxq_cqe_comp_en=1");
    EXPECT_EQ(a.role, PortRole::core);
    EXPECT_EQ(a.rx_queues, 1);
    EXPECT_EQ(a.rx_desc, 2048);
    EXPECT_EQ(a.tx_desc, 512);
    EXPECT_EQ(a.mtu, 9000);
    EXPECT_TRUE(a.promiscuous);
    EXPECT_EQ(a.ipv4.addr, 0xC6336401u);  // host order
    EXPECT_EQ(a.ipv4.len, 24);
    EXPECT_EQ(a.gateway4, 0xC63364FEu);
    ASSERT_TRUE(a.ipv6.has_value());
    EXPECT_EQ(a.ipv6->addr, parse_ipv6("2001:db8:ffff::1"));
    EXPECT_EQ(a.ipv6->len, 64);
    EXPECT_EQ(a.gateway6, parse_ipv6("fe80::1"));
    const PortConfig &b = c.ports[1];
    EXPECT_EQ(b.role, PortRole::access);
    EXPECT_EQ(b.rx_queues, 2);
    EXPECT_EQ(b.rx_desc, 1024);  // defaults
    EXPECT_EQ(b.mtu, 1500);
    EXPECT_FALSE(b.promiscuous);
    EXPECT_FALSE(b.gateway4.has_value());
    EXPECT_FALSE(b.ipv6.has_value());
    EXPECT_EQ(c.ports[2].rx_queues, 0);

    ASSERT_EQ(c.workers.size(), 2u);
    EXPECT_EQ(c.workers[0].lcore, 5u);
    ASSERT_EQ(c.workers[0].rx.size(), 2u);
    EXPECT_EQ(c.workers[0].rx[0].port, 1);
    EXPECT_EQ(c.workers[0].rx[0].queue, 1);
    EXPECT_EQ(c.workers[0].rx[1].port, 0);
    EXPECT_EQ(c.workers[0].rx[1].queue, 0);
    ASSERT_EQ(c.workers[1].rx.size(), 1u);
    EXPECT_EQ(c.workers[1].rx[0].port, 1);

    ASSERT_EQ(c.neighbors.size(), 2u);
    EXPECT_EQ(c.neighbors[0].port, 0);
    EXPECT_EQ(c.neighbors[0].ipv4, 0xC63364FEu);
    EXPECT_FALSE(c.neighbors[0].ipv6.has_value());
    EXPECT_EQ(c.neighbors[0].mac, (MacAddr{0x02, 0, 0, 0, 0, 0xfe}));
    EXPECT_EQ(c.neighbors[1].ipv6, parse_ipv6("fe80::1"));
    EXPECT_FALSE(c.neighbors[1].ipv4.has_value());

    EXPECT_EQ(c.tables.max_sessions, 2000u);
    EXPECT_EQ(c.tables.max_neighbors, 100u);
    EXPECT_EQ(c.tables.frag_flows, 1024u);
    EXPECT_EQ(c.tables.frag_timeout_ms, 500u);
    EXPECT_EQ(c.mtu.tcp_mss_v4, 1400);
    EXPECT_EQ(c.mtu.tcp_mss_v6, 1380);
    EXPECT_FALSE(c.mtu.clamp_upstream);
    EXPECT_FALSE(c.mtu.clamp_downstream);
    EXPECT_EQ(c.mtu.too_big, TooBigPolicy::icmp);
    EXPECT_FALSE(c.mtu.icmp_time_exceeded);
    EXPECT_EQ(c.arp.reachable_ms, 60000u);
    EXPECT_EQ(c.arp.retry_ms, 500u);
    EXPECT_EQ(c.arp.retries, 5u);
    EXPECT_EQ(c.arp.pending_packets, 0u);

    ASSERT_EQ(c.sessions.size(), 2u);
    const StaticSession &s = c.sessions[0];
    EXPECT_EQ(s.name, "block");
    EXPECT_EQ(s.port, 1);
    EXPECT_EQ(s.count, 1000u);
    EXPECT_EQ(s.sessions_per_tunnel, 250u);
    EXPECT_EQ(s.local_tunnel_id, 10);
    EXPECT_EQ(s.local_session_id, 100);
    EXPECT_EQ(s.remote_tunnel_id, 20);
    EXPECT_EQ(s.remote_session_id, 200);
    EXPECT_EQ(s.lac_address, 0xCB007102u);
    EXPECT_EQ(s.lac_port, 1702);
    EXPECT_EQ(s.ipv4, 0x64400001u);
    ASSERT_TRUE(s.ipv6_prefix.has_value());
    EXPECT_EQ(s.ipv6_prefix->addr, parse_ipv6("2001:db8:1000::"));
    EXPECT_EQ(s.ipv6_prefix->len, 56);
    EXPECT_EQ(s.mru, 1492);
    EXPECT_TRUE(s.framing.sequencing);
    EXPECT_TRUE(s.framing.length);
    EXPECT_EQ(s.framing.offset, 4);
    EXPECT_TRUE(s.framing.acfc);
    EXPECT_TRUE(s.framing.pfc);
    const StaticSession &one = c.sessions[1];
    EXPECT_EQ(one.name, "");
    EXPECT_EQ(one.count, 1u);
    EXPECT_EQ(one.sessions_per_tunnel, 1u);
    EXPECT_EQ(one.lac_port, 1701);
    EXPECT_EQ(one.mru, 1500);
    EXPECT_FALSE(one.ipv4.has_value());
    EXPECT_FALSE(one.ipv6_prefix.has_value());
    EXPECT_FALSE(one.framing.sequencing);
}

TEST(ConfigLoad, OffLinkLacNeedsGateway) {
    // In kFull the access port has no gateway4, so 192.0.2.200 is unreachable.
    expect_error(kFull, "lac_address: |192.0.2.200", "sessions[1].lac_address",
                 "not on-link for port access.0");
}

TEST(ConfigLoad, DefaultsWhenOptionalSectionsAreAbsentOrEmpty) {
    Config c = expect_ok(kBase + "eal:\ntables:\nmtu:\narp:\n");
    Config defaults;
    EXPECT_EQ(c.mbufs, defaults.mbufs);
    EXPECT_EQ(c.burst, defaults.burst);
    EXPECT_EQ(c.tx_drain_us, defaults.tx_drain_us);
    EXPECT_EQ(c.punt_ring_size, defaults.punt_ring_size);
    EXPECT_EQ(c.worker_idle_sleep_us, 0u);
    EXPECT_EQ(c.worker_idle_polls, 256u);
    EXPECT_EQ(c.eal.file_prefix, "lnsd");
    EXPECT_EQ(c.tables.max_sessions, defaults.tables.max_sessions);
    EXPECT_EQ(c.mtu.too_big, TooBigPolicy::fragment);
    EXPECT_EQ(c.arp.retries, defaults.arp.retries);
    EXPECT_EQ(c.core_port, 1);
}

TEST(ConfigLoad, ExampleFilesLoadWithoutErrors) {
    for (const char *name : {"lab.yaml", "lnsd.example.yaml"}) {
        std::string path = std::string(LNS_SOURCE_DIR) + "/config/examples/" + name;
        LoadResult r = load_config_file(path);
        EXPECT_TRUE(r.errors.empty()) << name << ":\n" << test::all_errors(r);
        ASSERT_TRUE(r.config.has_value()) << name;
        EXPECT_EQ(r.config->source, path);
    }
}

TEST(ConfigLoad, LabExampleIsTheDocumentedLab) {
    LoadResult r = load_config_file(std::string(LNS_SOURCE_DIR) + "/config/examples/lab.yaml");
    ASSERT_TRUE(r.config.has_value()) << test::all_errors(r);
    const Config &c = *r.config;
    EXPECT_EQ(c.control_lcore, 0u);
    ASSERT_EQ(c.workers.size(), 1u);
    EXPECT_EQ(c.workers[0].lcore, 1u);
    ASSERT_EQ(c.ports.size(), 2u);
    EXPECT_EQ(c.ports[0].device.rfind("net_pcap", 0), 0u);
    EXPECT_EQ(c.ports[1].device.rfind("net_null", 0), 0u);
    ASSERT_EQ(c.sessions.size(), 1u);
    EXPECT_EQ(c.sessions[0].count, 1000u);
}

TEST(ConfigLoad, MissingFileIsAnErrorNotAnException) {
    LoadResult r = load_config_file("/nonexistent/lnsd.yaml");
    EXPECT_FALSE(r.config.has_value());
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0], "/nonexistent/lnsd.yaml: cannot read: No such file or directory");
    r = load_config_file("/");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find("/: cannot read: "), std::string::npos);
}

TEST(ConfigLoad, SyntaxErrorReportsItsLine) {
    std::string yaml = with(kBase, "rx: [{port: core0, queue: 1}]", "rx: [{port: core0, queue: 1}");
    LoadResult r = load(yaml);
    EXPECT_FALSE(r.config.has_value());
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_EQ(r.errors[0].rfind("t.yaml:20:", 0), 0u) << r.errors[0];
    EXPECT_NE(r.errors[0].find("syntax error: "), std::string::npos) << r.errors[0];

    r = load("ports:\n  - name: a\n   role: core\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].rfind("t.yaml:3:", 0), 0u) << r.errors[0];
}

// Found by fuzz_config: yaml-cpp 0.7's LoadAll never returns on this input.
TEST(ConfigLoad, MalformedFlowCollectionTerminates) {
    const LoadResult r = load(", role: access}]\nworkers: [{lcore: 1, rx: [{port: a, prkers: [{x: 1}]}]\n");
    EXPECT_FALSE(r.config.has_value());
    EXPECT_FALSE(r.errors.empty());
}

TEST(ConfigLoad, NotAConfiguration) {
    for (const char *yaml : {"", "# only a comment\n", "42\n", "[1, 2]\n", "\"text\"\n",
                             "a: &x 1\nb: *y\n", "{{{{", "\t\x01\x02", "ports: !!binary x\n"}) {
        LoadResult r;
        EXPECT_NO_THROW(r = load(yaml)) << yaml;
        EXPECT_FALSE(r.config.has_value()) << yaml;
        EXPECT_FALSE(r.errors.empty()) << yaml;
    }
    LoadResult r = load("ports: []\nworkers: []\n---\nports: []\n");
    ASSERT_FALSE(r.errors.empty());
    EXPECT_EQ(r.errors.back(),
              "t.yaml:3:1: (document): only one YAML document is allowed; remove the second '---'");
    r = load("");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0],
              "t.yaml: (root): the configuration is empty; at least 'ports' and "
              "'workers' are required");
    expect_error("- a\n", "- a", "(root)", "expected a mapping, got a sequence");
}

TEST(ConfigLoad, ErrorsAreSortedByPositionAndAllReported) {
    std::string yaml = with(kBase, "rx_queues: 2", "rx_queues: 99");
    yaml = with(yaml, "control_lcore: 0", "control_lcore: 0\nburst: 0");
    yaml = with(yaml, "remote_session_id: 1", "remote_session_id: 0");
    yaml = with(yaml, "{port: core0, queue: 1}", "{port: core9, queue: 1}");
    LoadResult r = load(yaml);
    ASSERT_EQ(r.errors.size(), 4u) << test::all_errors(r);
    EXPECT_EQ(r.errors[0], "t.yaml:2:8: burst: must be between 1 and 64, got 0");
    EXPECT_EQ(r.errors[1], "t.yaml:12:16: ports[1].rx_queues: must be between 0 and 64, got 99");
    EXPECT_EQ(r.errors[2].rfind("t.yaml:20:17: workers[1].rx[0].port: unknown port 'core9'", 0), 0u)
        << r.errors[2];
    EXPECT_EQ(r.errors[3],
              "t.yaml:31:24: sessions[0].remote_session_id: must be between 1 and 65535, got 0");
}

}  // namespace
}  // namespace lns::cfg

namespace lns::cfg {
namespace {

TEST(ConfigLogging, DefaultsAndEveryKey) {
    Config d = test::expect_ok(test::kBase);
    EXPECT_EQ(d.logging.level, 3);  // info
    EXPECT_FALSE(d.logging.json);
    EXPECT_EQ(d.logging.rate_per_s, 100u);
    EXPECT_EQ(d.logging.burst, 500u);
    EXPECT_TRUE(d.logging.timestamps);
    Config c = test::expect_ok(test::kBase +
                               "logging: {level: debug, format: json, rate_per_s: 0, burst: 7, timestamps: false}\n");
    EXPECT_EQ(c.logging.level, 4);
    EXPECT_TRUE(c.logging.json);
    EXPECT_EQ(c.logging.rate_per_s, 0u);
    EXPECT_EQ(c.logging.burst, 7u);
    EXPECT_FALSE(c.logging.timestamps);
}

TEST(ConfigLogging, Errors) {
    const std::string y = test::kBase + "logging:\n  level: verbose\n  format: xml\n  burst: 0\n  colour: true\n";
    test::expect_error(y, "verbose", "logging.level", "notice");
    test::expect_error(y, "xml", "logging.format", "json");
    test::expect_error(y, "burst: |0", "logging.burst", "between");
    test::expect_error(y, "colour", "logging.colour", "unknown key");
}

// control_cpu / workers[].cpu: lcores on CPUs other than their number (several
// may share one): EAL gets --lcores LCORE@CPU; without them, -l as before.
TEST(ConfigLoad, LcoresMappedToCpus) {
    const Config plain = expect_ok(kBase);
    EXPECT_FALSE(plain.control_cpu);
    std::vector<std::string> a = dp::eal_args(plain, "lnsd");
    ASSERT_GE(a.size(), 3u);
    EXPECT_EQ(a[1], "-l");
    EXPECT_EQ(a[2], "0,1,2");
    const Config mapped = expect_ok(with(kBase, "  - lcore: 1\n", "  - lcore: 1\n    cpu: 0\n"));
    ASSERT_TRUE(mapped.workers[0].cpu);
    EXPECT_EQ(*mapped.workers[0].cpu, 0u);
    EXPECT_FALSE(mapped.workers[1].cpu);
    a = dp::eal_args(mapped, "lnsd");
    EXPECT_EQ(a[1], "--lcores");
    EXPECT_EQ(a[2], "0@0,1@0,2@2");
    EXPECT_EQ(a[3], "--main-lcore");
    EXPECT_EQ(a[4], "0");
    const Config ctl = expect_ok("control_cpu: 3\n" + kBase);
    EXPECT_EQ(dp::eal_args(ctl, "lnsd")[2], "0@3,1@1,2@2");
    expect_error(with(kBase, "  - lcore: 1\n", "  - lcore: 1\n    cpu: 5000\n"), "5000",
                 "workers[0].cpu", "must be between 0 and 1023, got 5000");
    expect_error("control_cpu: -1\n" + kBase, "-1", "control_cpu", "must be between 0 and 1023");
}

// rx_burst: packets per rte_eth_rx_burst call, at most `burst` (the stages'
// pass); unset, the data path uses min(32, burst).
TEST(ConfigLoad, RxBurst) {
    EXPECT_FALSE(expect_ok(kBase).rx_burst);
    const Config c = expect_ok("burst: 48\nrx_burst: 16\n" + kBase);
    ASSERT_TRUE(c.rx_burst);
    EXPECT_EQ(*c.rx_burst, 16u);
    EXPECT_EQ(c.burst, 48u);
    expect_error("burst: 16\nrx_burst: 32\n" + kBase, "rx_burst: |32", "rx_burst",
                 "rx_burst 32 is larger than burst 16");
    expect_error("rx_burst: 0\n" + kBase, "rx_burst: |0", "rx_burst", "must be between 1 and 64");
}

}  // namespace
}  // namespace lns::cfg
