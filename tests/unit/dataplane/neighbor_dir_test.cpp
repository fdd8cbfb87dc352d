// Unit tests for NeighborDirectory (dataplane/neighbor_dir.hpp): the control
// core's map from (port, IPv4/IPv6 next hop) to neighbour-table index, with
// reference counts.  Pure C++: no EAL needed.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "dataplane/neighbor_dir.hpp"

namespace lns::dp {
namespace {

std::array<uint8_t, 16> v6(uint16_t a, uint16_t b, uint16_t last) {
    std::array<uint8_t, 16> x{};
    x[0] = uint8_t(a >> 8);
    x[1] = uint8_t(a);
    x[2] = uint8_t(b >> 8);
    x[3] = uint8_t(b);
    x[14] = uint8_t(last >> 8);
    x[15] = uint8_t(last);
    return x;
}

TEST(DataplaneNeighborDir, AcquireCreatesThenAddsReferences) {
    NeighborDirectory d(8);
    EXPECT_EQ(d.capacity(), 8u);
    EXPECT_EQ(d.in_use(), 0u);
    EXPECT_EQ(d.find4(0, 0xc0000201), kInvalidIndex);
    const uint32_t a = d.acquire4(0, 0xc0000201);
    ASSERT_NE(a, kInvalidIndex);
    EXPECT_EQ(a, 0u);  // low indices first
    EXPECT_EQ(d.in_use(), 1u);
    const NeighborEntry &e = d.entry(a);
    EXPECT_TRUE(e.in_use);
    EXPECT_FALSE(e.v6);
    EXPECT_FALSE(e.is_static);
    EXPECT_EQ(e.port, 0);
    EXPECT_EQ(e.ipv4, 0xc0000201u);
    EXPECT_EQ(e.refs, 1u);
    EXPECT_EQ(d.acquire4(0, 0xc0000201), a);
    EXPECT_EQ(d.acquire4(0, 0xc0000201), a);
    EXPECT_EQ(d.entry(a).refs, 3u);
    EXPECT_EQ(d.in_use(), 1u);
    EXPECT_EQ(d.find4(0, 0xc0000201), a);
    // Same address on another port, another address on the same port.
    const uint32_t b = d.acquire4(1, 0xc0000201);
    const uint32_t c = d.acquire4(0, 0xc0000202);
    EXPECT_EQ(b, 1u);
    EXPECT_EQ(c, 2u);
    EXPECT_EQ(d.in_use(), 3u);
    EXPECT_EQ(d.find4(1, 0xc0000201), b);
    EXPECT_EQ(d.find4(2, 0xc0000201), kInvalidIndex);
}

TEST(DataplaneNeighborDir, ReleaseFreesAtZero) {
    NeighborDirectory d(4);
    const uint32_t a = d.acquire4(2, 0x0a000001);
    d.acquire4(2, 0x0a000001);
    EXPECT_FALSE(d.release(a));  // 2 -> 1
    EXPECT_EQ(d.entry(a).refs, 1u);
    EXPECT_EQ(d.find4(2, 0x0a000001), a);
    EXPECT_TRUE(d.release(a));  // 1 -> 0: freed
    EXPECT_FALSE(d.entry(a).in_use);
    EXPECT_EQ(d.find4(2, 0x0a000001), kInvalidIndex);
    EXPECT_EQ(d.in_use(), 0u);
    EXPECT_FALSE(d.release(a));  // not in use
    EXPECT_EQ(d.in_use(), 0u);
    EXPECT_FALSE(d.release(4));  // out of range
    EXPECT_FALSE(d.release(kInvalidIndex));
}

TEST(DataplaneNeighborDir, FreedIndexIsReusedFresh) {
    NeighborDirectory d(4);
    const uint32_t a = d.acquire4(0, 1);
    const uint32_t b = d.acquire4(0, 2);
    d.entry(a).is_static = true;
    ASSERT_TRUE(d.release(a));
    const uint32_t c = d.acquire6(3, v6(0x2001, 0xdb8, 1));
    EXPECT_EQ(c, a);  // the freed index comes back first
    const NeighborEntry &e = d.entry(c);
    EXPECT_TRUE(e.v6);
    EXPECT_FALSE(e.is_static);  // nothing left over from the previous owner
    EXPECT_EQ(e.ipv4, 0u);
    EXPECT_EQ(e.port, 3);
    EXPECT_EQ(e.refs, 1u);
    EXPECT_EQ(d.find4(0, 1), kInvalidIndex);
    EXPECT_EQ(d.find4(0, 2), b);
    EXPECT_EQ(d.find6(3, v6(0x2001, 0xdb8, 1)), c);
}

TEST(DataplaneNeighborDir, Ipv6) {
    NeighborDirectory d(8);
    const auto gw = v6(0xfe80, 0, 1);
    const uint32_t a = d.acquire6(0, gw);
    ASSERT_NE(a, kInvalidIndex);
    EXPECT_EQ(d.entry(a).ipv6, gw);
    EXPECT_TRUE(d.entry(a).v6);
    EXPECT_EQ(d.acquire6(0, gw), a);
    EXPECT_EQ(d.entry(a).refs, 2u);
    EXPECT_EQ(d.find6(0, gw), a);
    EXPECT_EQ(d.find6(1, gw), kInvalidIndex);
    EXPECT_EQ(d.find6(0, v6(0xfe80, 0, 2)), kInvalidIndex);
    const uint32_t b = d.acquire6(1, gw);
    EXPECT_NE(b, a);
    // An IPv4 next hop never matches an IPv6 one, whatever the bytes.
    EXPECT_EQ(d.find4(0, 0xfe800000), kInvalidIndex);
    EXPECT_FALSE(d.release(a));
    EXPECT_TRUE(d.release(a));
    EXPECT_EQ(d.find6(0, gw), kInvalidIndex);
    EXPECT_EQ(d.find6(1, gw), b);
    EXPECT_EQ(d.in_use(), 1u);
}

TEST(DataplaneNeighborDir, CapacityExhaustion) {
    NeighborDirectory d(3);
    std::set<uint32_t> got;
    got.insert(d.acquire4(0, 1));
    got.insert(d.acquire6(0, v6(0x2001, 0xdb8, 1)));
    got.insert(d.acquire4(1, 1));
    EXPECT_EQ(got, (std::set<uint32_t>{0, 1, 2}));
    EXPECT_EQ(d.in_use(), 3u);
    EXPECT_EQ(d.acquire4(0, 2), kInvalidIndex);
    EXPECT_EQ(d.acquire6(0, v6(0x2001, 0xdb8, 2)), kInvalidIndex);
    EXPECT_EQ(d.in_use(), 3u);
    EXPECT_EQ(d.find4(0, 2), kInvalidIndex);  // a failed acquire leaves no entry
    // Existing next hops can still be referenced when full.
    EXPECT_EQ(d.acquire4(0, 1), 0u);
    EXPECT_EQ(d.acquire6(0, v6(0x2001, 0xdb8, 1)), 1u);
    // Freeing one makes room again.
    ASSERT_TRUE(d.release(2));
    EXPECT_EQ(d.acquire4(0, 2), 2u);
    EXPECT_EQ(d.acquire4(0, 3), kInvalidIndex);
}

TEST(DataplaneNeighborDir, ZeroCapacity) {
    NeighborDirectory d(0);
    EXPECT_EQ(d.acquire4(0, 1), kInvalidIndex);
    EXPECT_EQ(d.acquire6(0, v6(1, 2, 3)), kInvalidIndex);
    EXPECT_FALSE(d.release(0));
}

// Random acquire/release sequences against a simple model.
TEST(DataplaneNeighborDir, MatchesAModel) {
    std::mt19937 rng(826);
    NeighborDirectory d(16);
    using Key = std::tuple<uint16_t, bool, uint32_t>;  // port, v6, address (low word)
    std::map<Key, std::pair<uint32_t, uint32_t>> model;   // key -> (index, refs)
    for (int step = 0; step < 20000; step++) {
        const uint16_t port = uint16_t(rng() % 3);
        const bool is6 = rng() % 2;
        const uint32_t addr = rng() % 12;
        const Key k{port, is6, addr};
        auto it = model.find(k);
        if (rng() % 3 != 0) {
            const uint32_t idx = is6 ? d.acquire6(port, v6(0x2001, 0xdb8, uint16_t(addr))) : d.acquire4(port, addr);
            if (it != model.end()) {
                ASSERT_EQ(idx, it->second.first) << step;
                it->second.second++;
            } else if (model.size() == 16) {
                ASSERT_EQ(idx, kInvalidIndex) << step;
            } else {
                ASSERT_NE(idx, kInvalidIndex) << step;
                for (auto &[key, v] : model) ASSERT_NE(v.first, idx) << "index handed out twice";
                model[k] = {idx, 1};
            }
        } else if (it != model.end()) {
            const bool freed = d.release(it->second.first);
            ASSERT_EQ(freed, it->second.second == 1) << step;
            if (--it->second.second == 0) model.erase(it);
        }
        ASSERT_EQ(d.in_use(), model.size()) << step;
        for (const auto &[key, v] : model) {
            const auto [p, six, a] = key;
            const uint32_t f = six ? d.find6(p, v6(0x2001, 0xdb8, uint16_t(a))) : d.find4(p, a);
            ASSERT_EQ(f, v.first);
            ASSERT_EQ(d.entry(f).refs, v.second);
        }
    }
}

}  // namespace
}  // namespace lns::dp
