#include "controlplane/aaa/addresses.hpp"

#include <gtest/gtest.h>

namespace lns::cp::aaa {
namespace {

cfg::AaaConfig two_pools() {
    cfg::AaaConfig a;
    a.ipv4_pools.push_back({"small", 0x64400001, 0x64400002});  // 100.64.0.1-2
    a.ipv4_pools.push_back({"other", 0x64400101, 0x64400101});
    cfg::Ipv6PoolConfig p6;
    p6.name = "v6";
    p6.prefix.addr = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0};
    p6.prefix.len = 63;  // two /64s
    p6.delegated_len = 64;
    a.ipv6_pools.push_back(p6);
    a.default_ipv4_pool = "small";
    a.default_ipv6_pool = "v6";
    return a;
}

AddressRequest req(std::optional<uint32_t> ip = {}, std::string_view pool4 = {},
                   bool want6 = false, std::string_view pool6 = {}) {
    AddressRequest r;
    r.ipv4 = ip;
    r.ipv4_pool = pool4;
    r.want_ipv6 = want6;
    r.ipv6_pool = pool6;
    return r;
}

TEST(AddressPools, DefaultPoolsThenExhaustion) {
    AddressPools ap(two_pools());
    AddressRequest r;
    r.want_ipv6 = true;
    Lease a, b, c;
    ASSERT_EQ(ap.assign(r, &a), AssignError::ok);
    ASSERT_EQ(ap.assign(r, &b), AssignError::ok);
    EXPECT_NE(*a.ipv4, *b.ipv4);
    ASSERT_TRUE(a.ipv6 && b.ipv6);
    EXPECT_NE(a.ipv6->addr, b.ipv6->addr);
    EXPECT_EQ(ap.assign(r, &c), AssignError::ipv4_exhausted);
    EXPECT_FALSE(c.ipv4);
    ap.release(a);
    EXPECT_FALSE(a.ipv4);
    ASSERT_EQ(ap.assign(r, &c), AssignError::ok);
    EXPECT_EQ(ap.counters().assigned, 3u);
    EXPECT_EQ(ap.counters().released, 1u);
    EXPECT_EQ(ap.counters().failures[size_t(AssignError::ipv4_exhausted)], 1u);
}

TEST(AddressPools, Ipv6ExhaustionRollsBackIpv4) {
    AddressPools ap(two_pools());
    AddressRequest r;
    r.ipv4_pool = "other";
    r.want_ipv6 = true;
    Lease a, b;
    ASSERT_EQ(ap.assign(req({}, "small", true), &a), AssignError::ok);
    ASSERT_EQ(ap.assign(req({}, "small", true), &b), AssignError::ok);
    Lease c;
    EXPECT_EQ(ap.assign(r, &c), AssignError::ipv6_exhausted);
    // The address of "other" was given back: a request without IPv6 gets it.
    r.want_ipv6 = false;
    ASSERT_EQ(ap.assign(r, &c), AssignError::ok);
    EXPECT_EQ(*c.ipv4, 0x64400101u);
    EXPECT_FALSE(c.ipv6);
}

TEST(AddressPools, FixedAddressesInsideAndOutsidePools) {
    AddressPools ap(two_pools());
    Lease a, b, c, d;
    ASSERT_EQ(ap.assign(req(0x64400002), &a), AssignError::ok);  // inside "small": claimed
    EXPECT_EQ(a.pool4, 0);
    EXPECT_EQ(ap.assign(req(0x64400002), &b), AssignError::ipv4_in_use);
    ASSERT_EQ(ap.assign(req(), &b), AssignError::ok);
    EXPECT_EQ(*b.ipv4, 0x64400001u);  // the pool hands out the other one
    EXPECT_EQ(ap.assign(req(), &c), AssignError::ipv4_exhausted);
    ASSERT_EQ(ap.assign(req(0xC6336405), &c), AssignError::ok);  // outside every pool
    EXPECT_EQ(c.pool4, -1);
    EXPECT_EQ(ap.assign(req(0xC6336405), &d), AssignError::ipv4_in_use);
    ap.release(c);
    EXPECT_EQ(ap.assign(req(0xC6336405), &d), AssignError::ok);
}

TEST(AddressPools, UnknownOrMissingPools) {
    AddressPools none(cfg::AaaConfig{});
    Lease l;
    EXPECT_EQ(none.assign(req(), &l), AssignError::no_ipv4_pool);
    // No IPv6 pool configured and none asked for by name: IPv4 only, not an error.
    ASSERT_EQ(none.assign(req(0x0a000001, {}, true), &l), AssignError::ok);
    EXPECT_FALSE(l.ipv6);
    AddressPools ap(two_pools());
    EXPECT_EQ(ap.assign(req({}, "nope"), &l), AssignError::no_ipv4_pool);
    EXPECT_EQ(ap.assign(req({}, {}, true, "nope"), &l), AssignError::no_ipv6_pool);
    EXPECT_FALSE(l.ipv4);
}

}  // namespace
}  // namespace lns::cp::aaa

namespace lns::cp::aaa {
namespace {

// Configuration reload: pools added, removed and changed by name; leases of
// the pools kept stay valid and are released into the right pool.
TEST(AddressPools, ReconfigureAddsRetiresAndKeepsLeases) {
    AddressPools ap(two_pools());
    Lease held;
    ASSERT_EQ(ap.assign(req({}, "other"), &held), AssignError::ok);
    cfg::AaaConfig next = two_pools();
    next.ipv4_pools.erase(next.ipv4_pools.begin());             // "small" removed
    next.ipv4_pools.push_back({"big", 0x64410001, 0x644100ff});  // 100.65.0.1-255 added
    next.default_ipv4_pool = "big";
    EXPECT_EQ(ap.in_use4("small"), 0u);
    EXPECT_EQ(ap.in_use4("other"), 1u);
    ap.reconfigure(next);
    EXPECT_TRUE(ap.retired4(0));
    EXPECT_FALSE(ap.retired4(1));
    Lease a;
    EXPECT_EQ(ap.assign(req({}, "small"), &a), AssignError::no_ipv4_pool);
    ASSERT_EQ(ap.assign(req(), &a), AssignError::ok);  // the new default
    EXPECT_EQ(*a.ipv4 >> 8, 0x644100u);
    // a fixed address inside the retired pool is now outside every pool
    Lease f;
    ASSERT_EQ(ap.assign(req(0x64400001), &f), AssignError::ok);
    EXPECT_EQ(f.pool4, -1);
    ap.release(held);  // back into "other", which was kept
    EXPECT_EQ(ap.in_use4("other"), 0u);
    // "other" changed: the old one retired, a new one with the same name
    next.ipv4_pools[0].last = 0x64400102;
    ap.reconfigure(next);
    Lease b, c;
    ASSERT_EQ(ap.assign(req({}, "other"), &b), AssignError::ok);
    ASSERT_EQ(ap.assign(req({}, "other"), &c), AssignError::ok);  // two addresses now
    EXPECT_EQ(ap.in_use4("other"), 2u);
}

}  // namespace
}  // namespace lns::cp::aaa
