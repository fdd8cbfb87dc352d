// Unit tests for the drop and punt reason tables (dataplane/counters.hpp,
// drop_reasons.def, punt_reasons.def): every reason has a unique, stable,
// metric-safe name and a description (conventions item 9).
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <set>
#include <string>

#include "dataplane/counters.hpp"

namespace lns::dp {
namespace {

bool metric_safe(const std::string &s) {
    if (s.empty() || !std::islower(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    return true;
}

TEST(DataplaneCounters, DropNamesUniqueAndDescribed) {
    ASSERT_GT(kDropCount, 0u);
    std::set<std::string> names, descs;
    for (size_t i = 0; i < kDropCount; i++) {
        const Drop d = Drop(i);
        ASSERT_NE(drop_name(d), nullptr) << i;
        ASSERT_NE(drop_description(d), nullptr) << i;
        const std::string n = drop_name(d), desc = drop_description(d);
        EXPECT_TRUE(metric_safe(n)) << "drop " << i << ": '" << n << "'";
        EXPECT_TRUE(names.insert(n).second) << "duplicate drop name " << n;
        EXPECT_GE(desc.size(), 3u) << n;
        EXPECT_TRUE(descs.insert(desc).second) << "duplicate description for " << n << ": " << desc;
    }
    EXPECT_EQ(names.size(), kDropCount);
}

TEST(DataplaneCounters, PuntNamesUniqueAndDescribed) {
    ASSERT_GT(kPuntCount, 0u);
    std::set<std::string> names;
    for (size_t i = 0; i < kPuntCount; i++) {
        const Punt p = Punt(i);
        ASSERT_NE(punt_name(p), nullptr) << i;
        ASSERT_NE(punt_description(p), nullptr) << i;
        const std::string n = punt_name(p), desc = punt_description(p);
        EXPECT_TRUE(metric_safe(n)) << "punt " << i << ": '" << n << "'";
        EXPECT_TRUE(names.insert(n).second) << "duplicate punt name " << n;
        EXPECT_FALSE(desc.empty()) << n;
    }
    EXPECT_EQ(names.size(), kPuntCount);
}

TEST(DataplaneCounters, NamesMatchEnumerators) {
    // The table is generated from the same .def as the enum: a few spot checks
    // that an entry's name is its enumerator's (stable names for dashboards).
    EXPECT_STREQ(drop_name(Drop::eth_truncated), "eth_truncated");
    EXPECT_STREQ(drop_name(Drop::l2tp_truncated), "l2tp_truncated");
    EXPECT_STREQ(drop_name(Drop::l2tp_bad_version), "l2tp_bad_version");
    EXPECT_STREQ(drop_name(Drop::l2tp_bad_length), "l2tp_bad_length");
    EXPECT_STREQ(drop_name(Drop::l2tp_bad_offset), "l2tp_bad_offset");
    EXPECT_STREQ(drop_name(Drop::ppp_truncated), "ppp_truncated");
    EXPECT_STREQ(drop_name(Drop::ppp_bad_protocol), "ppp_bad_protocol");
    EXPECT_STREQ(drop_name(Drop::ttl_expired), "ttl_expired");
    EXPECT_STREQ(drop_name(Drop::tx_full), "tx_full");
    EXPECT_STREQ(drop_name(Drop::multi_segment), "multi_segment");
    EXPECT_STREQ(punt_name(Punt::arp), "arp");
    EXPECT_STREQ(punt_name(Punt::l2tp_control), "l2tp_control");
    EXPECT_STREQ(punt_name(Punt::ttl_expired), "ttl_expired");
}

TEST(DataplaneCounters, RingAndTxFullAreCounted) {
    // Conventions item 9: ring-full and TX-full are counted, never silent.
    std::set<std::string> names;
    for (size_t i = 0; i < kDropCount; i++) names.insert(drop_name(Drop(i)));
    for (const char *n : {"punt_ring_full", "handoff_ring_full", "tx_full", "no_headroom"})
        EXPECT_TRUE(names.count(n)) << n;
}

TEST(DataplaneCounters, WorkerCountersHoldEveryReason) {
    WorkerCounters c;
    EXPECT_EQ(sizeof(c.drops) / sizeof(c.drops[0]), kDropCount);
    EXPECT_EQ(sizeof(c.punts) / sizeof(c.punts[0]), kPuntCount);
    for (size_t i = 0; i < kDropCount; i++) EXPECT_EQ(c.drops[i], 0u);
    for (size_t i = 0; i < kPuntCount; i++) EXPECT_EQ(c.punts[i], 0u);
    EXPECT_EQ(alignof(WorkerCounters), 64u);
    EXPECT_EQ(sizeof(WorkerCounters) % 64, 0u);  // no false sharing between workers
    c.drops[size_t(Drop::tx_full)] = 7;
    EXPECT_EQ(read_counter(c.drops[size_t(Drop::tx_full)]), 7u);
}

}  // namespace
}  // namespace lns::dp
