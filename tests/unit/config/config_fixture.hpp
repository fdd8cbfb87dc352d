// Helpers shared by the config tests: a small valid configuration to mutate,
// and assertions on "FILE:LINE:COL: path: message" errors.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "config/load.hpp"

namespace lns::cfg::test {

// Valid: two ports, two workers covering the three RX queues, one neighbour and
// a block of 10 sessions in 2 tunnels.  Tests replace unique substrings.
inline const std::string kBase = R"(control_lcore: 0
ports:
  - name: access0
    device: net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap
    role: access
    rx_queues: 1
    ipv4: 203.0.113.1/24
  - name: core0
    device: net_null0
    role: core
    rx_queues: 2
    ipv4: 198.51.100.1/24
    gateway4: 198.51.100.254
    ipv6: 2001:db8:ffff::1/64
workers:
  - lcore: 1
    rx: [{port: access0, queue: 0}, {port: core0, queue: 0}]
  - lcore: 2
    rx: [{port: core0, queue: 1}]
neighbors:
  - {port: core0, ipv4: 198.51.100.254, mac: "02:00:00:00:00:fe"}
sessions:
  - name: a
    port: access0
    count: 10
    sessions_per_tunnel: 5
    local_tunnel_id: 1
    local_session_id: 1
    remote_tunnel_id: 101
    remote_session_id: 1
    lac_address: 203.0.113.2
    ipv4: 100.64.0.1
    ipv6_prefix: 2001:db8:1000::/64
)";

inline constexpr const char *kSource = "t.yaml";

// `text` with the only occurrence of `from` replaced by `to`.
inline std::string with(const std::string &text, const std::string &from, const std::string &to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "'" << from << "' not in the test YAML";
    if (at == std::string::npos) return text;
    EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "'" << from << "' is not unique";
    return text.substr(0, at) + to + text.substr(at + from.size());
}

// "t.yaml:LINE:COL" of a unique needle in `text`.  A '|' in the needle marks the
// column (it is not part of the text); without one, the needle's first character.
inline std::string location(const std::string &text, std::string needle) {
    size_t bar = needle.find('|');
    size_t shift = bar == std::string::npos ? 0 : bar;
    if (bar != std::string::npos) needle.erase(bar, 1);
    size_t at = text.find(needle);
    EXPECT_NE(at, std::string::npos) << "'" << needle << "' not in the test YAML";
    if (at == std::string::npos) return "?";
    EXPECT_EQ(text.find(needle, at + 1), std::string::npos) << "'" << needle << "' not unique";
    at += shift;
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < at; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return std::string(kSource) + ":" + std::to_string(line) + ":" +
           std::to_string(at - line_start + 1);
}

inline LoadResult load(const std::string &yaml) {
    return load_config_string(yaml, kSource);
}

inline std::string all_errors(const LoadResult &r) {
    std::string s;
    for (const auto &e : r.errors) s += "  " + e + "\n";
    return s;
}

// Loading fails with an error "LOC: path: ..." containing `message`, where LOC is
// the position of `at` (see location()).
inline void expect_error(const std::string &yaml, const std::string &at, const std::string &path,
                         const std::string &message) {
    LoadResult r = load(yaml);
    EXPECT_FALSE(r.config.has_value());
    std::string prefix = location(yaml, at) + ": " + path + ": ";
    bool found = false;
    for (const auto &e : r.errors)
        found |= e.rfind(prefix, 0) == 0 && e.find(message) != std::string::npos;
    EXPECT_TRUE(found) << "expected an error starting '" << prefix << "' containing '" << message
                       << "'; got:\n"
                       << all_errors(r);
}

// Loads without errors.
inline Config expect_ok(const std::string &yaml) {
    LoadResult r = load(yaml);
    EXPECT_TRUE(r.errors.empty()) << all_errors(r);
    EXPECT_TRUE(r.config.has_value());
    return r.config.value_or(Config{});
}

}  // namespace lns::cfg::test
