// Address text parsing and prefix arithmetic used by the configuration.
#include <gtest/gtest.h>

#include "config/net_parse.hpp"

namespace lns::cfg {
namespace {

TEST(NetParse, Ipv4) {
    EXPECT_EQ(parse_ipv4("192.0.2.1"), 0xC0000201u);
    EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
    EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xFFFFFFFFu);
    for (const char *bad :
         {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4",
          "1.2.3.-4", "a.b.c.d", "1.2.3.4/24", "1234.1.1.1"})
        EXPECT_FALSE(parse_ipv4(bad).has_value()) << bad;
    EXPECT_EQ(format_ipv4(0xC0000201u), "192.0.2.1");
}

TEST(NetParse, Ipv6) {
    auto a = parse_ipv6("2001:db8::1");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ((*a)[0], 0x20);
    EXPECT_EQ((*a)[1], 0x01);
    EXPECT_EQ((*a)[15], 0x01);
    EXPECT_TRUE(parse_ipv6("::").has_value());
    EXPECT_TRUE(parse_ipv6("::ffff:192.0.2.1").has_value());
    for (const char *bad : {"", "2001:db8:::1", "2001:db8::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0",
                            "2001:db8::/64", "192.0.2.1"})
        EXPECT_FALSE(parse_ipv6(bad).has_value()) << bad;
    EXPECT_EQ(format_ipv6(*parse_ipv6("2001:0db8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
}

TEST(NetParse, Prefixes) {
    auto p4 = parse_ipv4_prefix("203.0.113.7/24");
    ASSERT_TRUE(p4.has_value());
    EXPECT_EQ(p4->addr, 0xCB007107u);  // host bits kept
    EXPECT_EQ(p4->len, 24);
    EXPECT_TRUE(parse_ipv4_prefix("0.0.0.0/0").has_value());
    for (const char *bad : {"203.0.113.7", "203.0.113.7/", "203.0.113.7/33", "203.0.113.7/024",
                            "203.0.113.7/2a", "/24"})
        EXPECT_FALSE(parse_ipv4_prefix(bad).has_value()) << bad;
    auto p6 = parse_ipv6_prefix("2001:db8:1::/48");
    ASSERT_TRUE(p6.has_value());
    EXPECT_EQ(p6->len, 48);
    EXPECT_EQ(format_prefix(*p6), "2001:db8:1::/48");
    EXPECT_FALSE(parse_ipv6_prefix("2001:db8::/129").has_value());
    EXPECT_FALSE(parse_ipv6_prefix("2001:db8::").has_value());
}

TEST(NetParse, Mac) {
    EXPECT_EQ(parse_mac("02:00:5e:00:53:FF"), (MacAddr{0x02, 0x00, 0x5e, 0x00, 0x53, 0xff}));
    for (const char *bad : {"", "02:00:5e:00:53", "02:00:5e:00:53:ff:01", "02-00-5e-00-53-ff",
                            "2:0:5e:0:53:ff", "02:00:5e:00:53:fg", "0200.5e00.53ff"})
        EXPECT_FALSE(parse_mac(bad).has_value()) << bad;
    EXPECT_EQ(format_mac(MacAddr{0x02, 0, 0, 0, 0, 0xfe}), "02:00:00:00:00:fe");
}

TEST(NetParse, PrefixArithmetic) {
    Ipv4Prefix p{0xCB007101u, 24};
    EXPECT_TRUE(ipv4_in_prefix(0xCB0071FEu, p));
    EXPECT_FALSE(ipv4_in_prefix(0xCB007201u, p));
    EXPECT_EQ(ipv4_mask(0), 0u);
    EXPECT_EQ(ipv4_mask(32), 0xFFFFFFFFu);
    EXPECT_TRUE(ipv4_in_prefix(0x01020304u, Ipv4Prefix{0, 0}));

    Ipv6Prefix p6 = *parse_ipv6_prefix("2001:db8:ff00::/40");
    EXPECT_TRUE(ipv6_in_prefix(*parse_ipv6("2001:db8:ffff::1"), p6));
    EXPECT_FALSE(ipv6_in_prefix(*parse_ipv6("2001:db8:fe00::1"), p6));
    EXPECT_TRUE(ipv6_host_bits_zero(p6));
    EXPECT_FALSE(ipv6_host_bits_zero(*parse_ipv6_prefix("2001:db8:ff80::/40")));
    EXPECT_TRUE(ipv6_host_bits_zero(*parse_ipv6_prefix("2001:db8::1/128")));
    EXPECT_FALSE(ipv6_host_bits_zero(*parse_ipv6_prefix("2001:db8::1/127")));
    EXPECT_EQ(ipv6_high64(*parse_ipv6("2001:db8:1:2::")), 0x20010db800010002ull);

    EXPECT_TRUE(ipv4_is_unicast(*parse_ipv4("100.64.0.1")));
    for (const char *bad : {"0.1.2.3", "127.0.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255"})
        EXPECT_FALSE(ipv4_is_unicast(*parse_ipv4(bad))) << bad;
    EXPECT_TRUE(ipv6_is_link_local(*parse_ipv6("fe80::1")));
    EXPECT_TRUE(ipv6_is_link_local(*parse_ipv6("febf::1")));
    EXPECT_FALSE(ipv6_is_link_local(*parse_ipv6("fec0::1")));
    EXPECT_TRUE(ipv6_is_multicast(*parse_ipv6("ff02::1")));
    EXPECT_TRUE(ipv6_is_unspecified(*parse_ipv6("::")));
}

}  // namespace
}  // namespace lns::cfg
