// Top level of the document: its keys, the global scalars and the small
// sections (eal, tables, mtu, arp).  Ports, workers, neighbours, sessions and
// l2tp have their own files.
#include <string>

#include "config/parse.hpp"

namespace lns::cfg::detail {

namespace {

constexpr uint64_t kMaxMbufs = 16u << 20;

// EAL options lnsd derives from typed keys; giving them in eal.args as well
// would conflict.
struct ManagedOption {
    const char *option;
    const char *use_instead;
};
constexpr ManagedOption kManagedOptions[] = {
    {"-l", "control_lcore and workers[].lcore"},
    {"-c", "control_lcore and workers[].lcore"},
    {"--lcores", "control_lcore, control_cpu, workers[].lcore and workers[].cpu"},
    {"--main-lcore", "control_lcore"},
    {"--master-lcore", "control_lcore"},
    {"-m", "eal.memory_mb"},
    {"--no-huge", "eal.no_huge"},
    {"--file-prefix", "eal.file_prefix"},
    {"--no-pci", "eal.no_pci"},
};

// "-l", "-l1-3", "--lcores", "--lcores=..." all match their option.
bool matches_option(const std::string &arg, const std::string &option) {
    if (arg.rfind(option, 0) != 0) return false;
    if (arg.size() == option.size()) return true;
    bool is_short = option.size() == 2;
    return is_short || arg[option.size()] == '=';
}

void check_eal_arg(const std::string &arg, const std::string &path, Diagnostics &diag) {
    for (const auto &m : kManagedOptions) {
        if (matches_option(arg, m.option)) {
            diag.error(path, std::string("'") + m.option + "' is set by lnsd from " +
                                 m.use_instead + "; do not pass it in eal.args");
            return;
        }
    }
}

bool valid_file_prefix(const std::string &s) {
    // DPDK puts it in a Unix socket path (108 bytes with the run-time directory).
    if (s.empty() || s.size() > 48) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

void parse_eal(const YAML::Node &node, EalConfig &eal, Diagnostics &diag) {
    if (node.IsNull()) return;
    MapReader r(node, "eal", {"no_huge", "memory_mb", "file_prefix", "no_pci", "args"}, diag);
    r.read("no_huge", eal.no_huge);
    r.read("memory_mb", eal.memory_mb, 0, 1u << 20);
    r.read("no_pci", eal.no_pci);
    if (r.read("file_prefix", eal.file_prefix) && !valid_file_prefix(eal.file_prefix)) {
        diag.error(r.path_of("file_prefix"),
                   "must be 1 to 48 characters from [A-Za-z0-9_.-], got '" + eal.file_prefix + "'");
    }
    if (auto args = r.get("args")) {
        for_each_item(*args, r.path_of("args"), diag, true,
                      [&](const YAML::Node &item, const std::string &path, size_t) {
                          auto s = read_string(item, path, diag);
                          if (!s) return;
                          check_eal_arg(*s, path, diag);
                          eal.extra_args.push_back(*s);
                      });
    }
}

void parse_tables(const YAML::Node &node, TableConfig &t, Diagnostics &diag) {
    if (node.IsNull()) return;
    MapReader r(node, "tables", {"max_sessions", "max_neighbors", "frag_flows", "frag_timeout_ms"},
                diag);
    r.read("max_sessions", t.max_sessions, 1, 16u << 20);
    r.read("max_neighbors", t.max_neighbors, 16, 1u << 20);
    r.read("frag_flows", t.frag_flows, 16, 1u << 20);
    r.read("frag_timeout_ms", t.frag_timeout_ms, 10, 60000);
}

void parse_mtu(const YAML::Node &node, MtuConfig &m, Diagnostics &diag) {
    if (node.IsNull()) return;
    MapReader r(node, "mtu",
                {"tcp_mss_v4", "tcp_mss_v6", "clamp_upstream", "clamp_downstream", "too_big",
                 "icmp_time_exceeded"},
                diag);
    r.read_zero_or("tcp_mss_v4", m.tcp_mss_v4, 536, 9000);
    r.read_zero_or("tcp_mss_v6", m.tcp_mss_v6, 1220, 9000);
    r.read("clamp_upstream", m.clamp_upstream);
    r.read("clamp_downstream", m.clamp_downstream);
    r.read("icmp_time_exceeded", m.icmp_time_exceeded);
    if (auto n = r.get("too_big")) {
        auto choice = read_choice(*n, r.path_of("too_big"), {"fragment", "icmp"}, diag);
        if (choice) m.too_big = *choice == 0 ? TooBigPolicy::fragment : TooBigPolicy::icmp;
    }
}

void parse_arp(const YAML::Node &node, ArpConfig &a, Diagnostics &diag) {
    if (node.IsNull()) return;
    MapReader r(node, "arp", {"reachable_ms", "retry_ms", "retries", "pending_packets"}, diag);
    r.read("reachable_ms", a.reachable_ms, 1000, 86400000);
    r.read("retry_ms", a.retry_ms, 10, 60000);
    r.read("retries", a.retries, 1, 100);
    r.read("pending_packets", a.pending_packets, 0, 1024);
}

void parse_logging(const YAML::Node &node, LoggingConfig &l, Diagnostics &diag) {
    if (node.IsNull()) return;
    MapReader r(node, "logging", {"level", "format", "rate_per_s", "burst", "timestamps"}, diag);
    if (auto n = r.get("level")) {
        auto choice = read_choice(*n, r.path_of("level"), {"error", "warning", "notice", "info", "debug"}, diag);
        if (choice) l.level = uint8_t(*choice);
    }
    if (auto n = r.get("format")) {
        auto choice = read_choice(*n, r.path_of("format"), {"text", "json"}, diag);
        if (choice) l.json = *choice == 1;
    }
    r.read("rate_per_s", l.rate_per_s, 0, 1000000);
    r.read("burst", l.burst, 1, 1000000);
    r.read("timestamps", l.timestamps);
}

void parse_globals(MapReader &r, Config &c) {
    r.read("control_lcore", c.control_lcore, 0, kMaxLcore);
    r.read("control_cpu", c.control_cpu, 0, kMaxCpu);
    r.read("mbufs", c.mbufs, 1023, kMaxMbufs);
    r.read("burst", c.burst, 1, 64);
    r.read("rx_burst", c.rx_burst, 1, 64);
    r.read("tx_drain_us", c.tx_drain_us, 1, 100000);
    r.read_pow2("punt_ring_size", c.punt_ring_size, 64, 1u << 20);
    r.read("stats_interval_s", c.stats_interval_s, 0, 86400);
    r.read("worker_idle_sleep_us", c.worker_idle_sleep_us, 0, 10000);
    r.read("worker_idle_polls", c.worker_idle_polls, 1, 1000000);
}

}  // namespace

void parse_document(const YAML::Node &root, Parsed &p, Diagnostics &diag) {
    if (root.IsNull()) {
        diag.error("", "the configuration is empty; at least 'ports' and 'workers' are required");
        return;
    }
    MapReader r(root, "",
                {"eal", "control_lcore", "control_cpu", "mbufs", "burst", "rx_burst", "tx_drain_us", "punt_ring_size",
                 "stats_interval_s", "worker_idle_sleep_us", "worker_idle_polls", "ports", "workers",
                 "neighbors", "tables", "mtu", "arp", "sessions", "l2tp", "ppp", "aaa", "logging",
                 "ipsec", "api"},
                diag);
    if (!r.ok()) return;
    r.require({"ports", "workers"});
    Config &c = p.config;
    parse_globals(r, c);
    const YAML::Node null_node;
    auto section = [&](const char *key) { return r.get(key).value_or(null_node); };
    parse_eal(section("eal"), c.eal, diag);
    parse_tables(section("tables"), c.tables, diag);
    parse_mtu(section("mtu"), c.mtu, diag);
    parse_arp(section("arp"), c.arp, diag);
    parse_logging(section("logging"), c.logging, diag);
    parse_l2tp(section("l2tp"), p, diag);  // after tables
    parse_ppp(section("ppp"), p, diag);
    parse_aaa(section("aaa"), p, diag);    // after ppp
    parse_api(section("api"), p, diag);
    if (auto n = r.get("ports")) parse_ports(*n, p, diag);
    if (auto n = r.get("workers")) parse_workers(*n, p, diag);
    parse_neighbors(section("neighbors"), p, diag);
    parse_sessions(section("sessions"), p, diag);
    parse_ipsec(section("ipsec"), p, diag);
}

}  // namespace lns::cfg::detail
