// The structured event log: formats, quoting, levels, rate limit.
#include "controlplane/log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lns::log {
namespace {

class LogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        set_sink([this](std::string_view l) { lines.emplace_back(l); });
        set_clock({[this] { return mono; }, [] { return uint64_t(1796657462417); }});
        Options o;
        o.level = Level::info;
        o.rate_per_s = 0;
        configure(o);
    }
    void TearDown() override {
        reset_sink();
        reset_clock();
        configure(Options{});
    }
    std::vector<std::string> lines;
    uint64_t mono = 1'000'000'000;
};

TEST_F(LogTest, TextIsLogfmtWithUtcTimestamp) {
    event(Level::info, "tunnel_up")
        .ipv4("peer", 0xc6336402)
        .kv("peer_port", uint16_t(1701))
        .kv("tunnel", 5);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(
        lines[0],
        "2026-12-07T15:31:02.417Z info tunnel_up peer=198.51.100.2 peer_port=1701 tunnel=5\n");
}

TEST_F(LogTest, TextQuotesValuesThatNeedIt) {
    Options o = options();
    o.timestamps = false;
    configure(o);
    event(Level::notice, "auth_rejected")
        .kv("user", "alice smith")
        .kv("reason", "say \"no\"")
        .kv("empty", "")
        .kv("eq", "a=b")
        .kv("ctl", std::string("x\ny\x01", 4))
        .kv("ok", true);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(
        lines[0],
        "notice auth_rejected user=\"alice smith\" reason=\"say \\\"no\\\"\" empty=\"\" eq=\"a=b\" "
        "ctl=\"x\\ny\\u0001\" ok=true\n");
}

TEST_F(LogTest, JsonIsOneObjectPerLine) {
    Options o = options();
    o.format = Format::json;
    configure(o);
    event(Level::warning, "neighbor_unreachable")
        .ipv4("address", 0xcb007102)
        .kv("port", 0)
        .kv("user", "a\"b\\");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0],
              "{\"ts\":\"2026-12-07T15:31:02.417Z\",\"level\":\"warning\",\"event\":\"neighbor_"
              "unreachable\","
              "\"address\":\"203.0.113.2\",\"port\":0,\"user\":\"a\\\"b\\\\\"}\n");
}

TEST_F(LogTest, LevelsFilterAndCanChangeAtRunTime) {
    event(Level::debug, "call_up").kv("tunnel", 1);
    EXPECT_TRUE(lines.empty());
    EXPECT_FALSE(enabled(Level::debug));
    set_level(Level::debug);
    EXPECT_TRUE(enabled(Level::debug));
    event(Level::debug, "call_up").kv("tunnel", 1);
    EXPECT_EQ(lines.size(), 1u);
    set_level(Level::error);
    event(Level::warning, "x");
    EXPECT_EQ(lines.size(), 1u);
    Level l;
    EXPECT_TRUE(parse_level("notice", &l));
    EXPECT_EQ(l, Level::notice);
    EXPECT_FALSE(parse_level("verbose", &l));
}

TEST_F(LogTest, RateLimitPerEventReportsSuppressed) {
    Options o = options();
    o.timestamps = false;
    o.rate_per_s = 10;
    o.burst = 3;
    configure(o);
    const Counters before = counters();
    for (int i = 0; i < 10; i++) event(Level::info, "subscriber_up").kv("i", i);
    event(Level::info, "tunnel_up");  // another event has its own bucket
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0], "info subscriber_up i=0\n");
    EXPECT_EQ(lines[2], "info subscriber_up i=2\n");
    EXPECT_EQ(lines[3], "info tunnel_up\n");
    EXPECT_EQ(counters().suppressed - before.suppressed, 7u);
    mono += 200'000'000;  // 0.2 s at 10/s: two more tokens
    event(Level::info, "subscriber_up").kv("i", 10);
    event(Level::info, "subscriber_up").kv("i", 11);
    event(Level::info, "subscriber_up").kv("i", 12);
    ASSERT_EQ(lines.size(), 6u);
    EXPECT_EQ(lines[4], "info subscriber_up suppressed=7 i=10\n");
    EXPECT_EQ(lines[5], "info subscriber_up i=11\n");
    EXPECT_EQ(counters().suppressed - before.suppressed, 8u);
}

TEST_F(LogTest, CountsLinesByLevel) {
    const Counters before = counters();
    event(Level::error, "a");
    event(Level::info, "b");
    event(Level::debug, "c");  // filtered: not counted as written
    const Counters after = counters();
    EXPECT_EQ(after.lines[size_t(Level::error)] - before.lines[size_t(Level::error)], 1u);
    EXPECT_EQ(after.lines[size_t(Level::info)] - before.lines[size_t(Level::info)], 1u);
    EXPECT_EQ(after.lines[size_t(Level::debug)] - before.lines[size_t(Level::debug)], 0u);
}

}  // namespace
}  // namespace lns::log
