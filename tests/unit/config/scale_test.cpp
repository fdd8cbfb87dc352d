// Large static session blocks validate quickly and still catch collisions.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

using test::kBase;
using test::with;

constexpr auto kBudget = std::chrono::milliseconds(1000);

std::string block(const std::string &name, uint32_t count, uint32_t local_session,
                  uint32_t remote_session, const std::string &ipv4, const std::string &ipv6) {
    return "  - name: " + name + "\n    port: access0\n    count: " + std::to_string(count) +
           "\n    sessions_per_tunnel: 1000\n    local_tunnel_id: 1000\n    local_session_id: " +
           std::to_string(local_session) + "\n    remote_tunnel_id: 2000\n    remote_session_id: " +
           std::to_string(remote_session) + "\n    lac_address: 203.0.113.2\n    ipv4: " + ipv4 +
           "\n    ipv6_prefix: " + ipv6 + "\n";
}

// kBase without its own sessions, with room for 1M sessions and `blocks` instead.
std::string config_with(const std::string &blocks) {
    std::string head = kBase.substr(0, kBase.find("sessions:\n"));
    return head + "tables: {max_sessions: 1048576}\nsessions:\n" + blocks;
}

LoadResult timed_load(const std::string &yaml, std::chrono::milliseconds &took) {
    auto start = std::chrono::steady_clock::now();
    LoadResult r = test::load(yaml);
    took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
    return r;
}

TEST(ConfigScale, OneMillionSessionBlock) {
    std::chrono::milliseconds took{};
    LoadResult r = timed_load(
        config_with(block("big", 1u << 20, 1, 1, "100.64.0.1", "2001:db8:1000::/64")), took);
    EXPECT_TRUE(r.errors.empty()) << test::all_errors(r);
    ASSERT_TRUE(r.config.has_value());
    EXPECT_EQ(r.config->sessions[0].count, 1u << 20);
    EXPECT_LT(took, kBudget) << took.count() << " ms";
}

TEST(ConfigScale, TwoHalfMillionBlocksSharingTunnelsAreExpanded) {
    // Same tunnels 1000..1499, session ids 1..1000 and 1001..2000: every session
    // of both blocks goes through the duplicate-id tables.
    std::string blocks = block("a", 500000, 1, 1, "100.64.0.1", "2001:db8:1000::/64") +
                         block("b", 500000, 1001, 1001, "100.72.0.1", "2001:db8:2000::/64");
    std::chrono::milliseconds took{};
    LoadResult r = timed_load(config_with(blocks), took);
    EXPECT_TRUE(r.errors.empty()) << test::all_errors(r);
    EXPECT_LT(took, kBudget) << took.count() << " ms";

    // Block b one id lower: its first session of every tunnel collides with a's last.
    blocks = with(blocks, "local_session_id: 1001", "local_session_id: 1000");
    r = timed_load(config_with(blocks), took);
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_NE(r.errors[0].find("sessions[1].local_session_id: local session id 1000 in local "
                               "tunnel 1000 (session #0 of this block) is also used by "
                               "sessions[0] (and 499 more)"),
              std::string::npos)
        << r.errors[0];
    EXPECT_LT(took, kBudget) << took.count() << " ms";
}

TEST(ConfigScale, ManySingleSessionEntries) {
    // 5000 entries of one session each, all in tunnel 1.  yaml-cpp itself needs
    // about a second for 20000 such entries, so the budget here is loose.
    std::string entries;
    for (int i = 0; i < 5000; ++i) {
        entries +=
            "  - {port: access0, local_tunnel_id: 1, local_session_id: " + std::to_string(i + 1) +
            ", remote_tunnel_id: 1, remote_session_id: " + std::to_string(i + 1) +
            ", lac_address: 203.0.113.2, ipv4: 100.64." + std::to_string(i / 250) + "." +
            std::to_string(i % 250 + 1) + "}\n";
    }
    std::chrono::milliseconds took{};
    LoadResult r = timed_load(config_with(entries), took);
    EXPECT_TRUE(r.errors.empty()) << test::all_errors(r);
    EXPECT_LT(took, 3 * kBudget) << took.count() << " ms";
    entries = with(entries, "ipv4: 100.64.0.2}", "ipv4: 100.64.0.1}");
    r = test::load(config_with(entries));
    ASSERT_EQ(r.errors.size(), 1u) << test::all_errors(r);
    EXPECT_NE(r.errors[0].find("sessions[1].ipv4: subscriber address 100.64.0.1"),
              std::string::npos)
        << r.errors[0];
}

}  // namespace
}  // namespace lns::cfg
