#include "controlplane/aaa/pool.hpp"

#include <gtest/gtest.h>

#include <set>

namespace lns::cp::aaa {
namespace {

TEST(IndexPool, AllocatesEachIndexOnceThenExhausts) {
    IndexPool p(100);
    std::set<uint32_t> seen;
    for (int i = 0; i < 100; i++) {
        auto v = p.allocate();
        ASSERT_TRUE(v);
        EXPECT_TRUE(seen.insert(*v).second) << "double allocation of " << *v;
    }
    EXPECT_FALSE(p.allocate());
    EXPECT_EQ(p.counters().exhausted, 1u);
    EXPECT_EQ(p.used(), 100u);
}

TEST(IndexPool, ReleasedIndexIsReusedLast) {
    IndexPool p(4);
    auto a = p.allocate();
    ASSERT_TRUE(a);
    EXPECT_TRUE(p.release(*a));
    // The three never-used indices come before the one just released.
    for (int i = 0; i < 3; i++) EXPECT_NE(*p.allocate(), *a);
    EXPECT_EQ(*p.allocate(), *a);
}

TEST(IndexPool, DoubleReleaseAndOutOfRangeAreRefusedAndCounted) {
    IndexPool p(8);
    auto a = p.allocate();
    EXPECT_TRUE(p.release(*a));
    EXPECT_FALSE(p.release(*a));
    EXPECT_FALSE(p.release(8));
    EXPECT_EQ(p.counters().bad_release, 2u);
    EXPECT_EQ(p.used(), 0u);
}

TEST(IndexPool, ClaimedIndexIsNeverAllocated) {
    IndexPool p(3);
    EXPECT_TRUE(p.claim(1));
    EXPECT_FALSE(p.claim(1));
    EXPECT_EQ(p.counters().claim_conflicts, 1u);
    std::set<uint32_t> got;
    while (auto v = p.allocate()) got.insert(*v);
    EXPECT_EQ(got, (std::set<uint32_t>{0, 2}));
    // Release and re-allocate a claimed index: it comes back exactly once.
    EXPECT_TRUE(p.release(1));
    EXPECT_EQ(*p.allocate(), 1u);
    EXPECT_FALSE(p.allocate());
}

TEST(IndexPool, ChurnNeverDoubleAllocates) {
    IndexPool p(64);
    std::set<uint32_t> live;
    uint64_t x = 12345;
    for (int step = 0; step < 20000; step++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        if ((x >> 33) % 3 != 0 || live.empty()) {
            if (auto v = p.allocate()) {
                EXPECT_TRUE(live.insert(*v).second);
            } else {
                EXPECT_EQ(live.size(), 64u);
            }
        } else {
            auto it = live.begin();
            std::advance(it, (x >> 40) % live.size());
            EXPECT_TRUE(p.release(*it));
            live.erase(it);
        }
        if (step % 7 == 0 && !live.empty()) {
            EXPECT_FALSE(p.claim(*live.begin()));
        }
    }
    EXPECT_EQ(p.used(), live.size());
}

TEST(Ipv4Pool, RangeWithExclusions) {
    // 198.51.100.1 .. 198.51.100.6, the LNS's .1 excluded.
    const uint32_t base = 0xC6336400;
    Ipv4Pool p("subs", base + 1, base + 6, {base + 1, base + 200});
    std::set<uint32_t> got;
    while (auto ip = p.allocate()) got.insert(*ip);
    EXPECT_EQ(got, (std::set<uint32_t>{base + 2, base + 3, base + 4, base + 5, base + 6}));
    EXPECT_FALSE(p.release(base + 7));
    EXPECT_TRUE(p.release(base + 4));
    EXPECT_EQ(*p.allocate(), base + 4);
}

TEST(Ipv4Pool, ClaimFromRadius) {
    const uint32_t base = 0xCB007100;  // 203.0.113.0
    Ipv4Pool p("p", base + 10, base + 11);
    EXPECT_TRUE(p.claim(base + 11));
    EXPECT_FALSE(p.claim(base + 11));
    EXPECT_FALSE(p.claim(base + 12));  // outside
    EXPECT_EQ(*p.allocate(), base + 10);
    EXPECT_FALSE(p.allocate());
}

Ipv6Prefix v6(std::initializer_list<uint8_t> head, uint8_t len) {
    Ipv6Prefix p{};
    size_t i = 0;
    for (uint8_t b : head) p.addr[i++] = b;
    p.len = len;
    return p;
}

TEST(Ipv6PrefixPool, Carves64sFromA56) {
    // 2001:db8:0:100::/56 -> 256 /64s.
    Ipv6PrefixPool p("v6", v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x01, 0x00}, 56), 64);
    EXPECT_EQ(p.index().size(), 256u);
    std::set<std::array<uint8_t, 16>> got;
    while (auto pre = p.allocate()) {
        EXPECT_EQ(pre->len, 64);
        EXPECT_EQ(pre->addr[6], 0x01);
        for (int i = 8; i < 16; i++) EXPECT_EQ(pre->addr[i], 0);
        EXPECT_TRUE(got.insert(pre->addr).second);
    }
    EXPECT_EQ(got.size(), 256u);
    const auto some = v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x01, 0x7f}, 64);
    EXPECT_TRUE(p.contains(some));
    EXPECT_TRUE(p.release(some));
    EXPECT_EQ(p.allocate()->addr, some.addr);
    EXPECT_FALSE(p.contains(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x02, 0x00}, 64)));  // other /56
    EXPECT_FALSE(p.contains(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x01, 0x00}, 60)));  // wrong length
    auto host_bits = some;
    host_bits.addr[15] = 1;
    EXPECT_FALSE(p.contains(host_bits));
}

TEST(Ipv6PrefixPool, Delegated48sAndClaim) {
    Ipv6PrefixPool p("pd", v6({0x20, 0x01, 0x0d, 0xb8}, 32), 48);
    EXPECT_EQ(p.index().size(), 65536u);
    const auto pre = v6({0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd}, 48);
    EXPECT_TRUE(p.claim(pre));
    EXPECT_FALSE(p.claim(pre));
    EXPECT_TRUE(p.release(pre));
    EXPECT_FALSE(p.release(pre));
}

TEST(Ipv6PrefixPool, TooLargeASplitIsAnEmptyPool) {
    Ipv6PrefixPool p("huge", v6({0x20, 0x01}, 16), 64);  // 2^48 prefixes: refused
    EXPECT_EQ(p.index().size(), 0u);
    EXPECT_FALSE(p.allocate());
}

}  // namespace
}  // namespace lns::cp::aaa
