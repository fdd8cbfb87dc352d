// session_instance(): the i-th session of a static block.
#include <gtest/gtest.h>

#include "config/net_parse.hpp"
#include "config/sessions.hpp"

namespace lns::cfg {
namespace {

StaticSession make_block(uint32_t count, uint32_t per_tunnel) {
    StaticSession s;
    s.count = count;
    s.sessions_per_tunnel = per_tunnel;
    s.local_tunnel_id = 10;
    s.local_session_id = 100;
    s.remote_tunnel_id = 20;
    s.remote_session_id = 200;
    return s;
}

TEST(SessionInstance, FirstSessionIsTheBlockItself) {
    StaticSession s = make_block(1, 1);
    s.ipv4 = 0x64400001;
    s.ipv6_prefix = parse_ipv6_prefix("2001:db8:1000::/64");
    SessionInstance i = session_instance(s, 0);
    EXPECT_EQ(i.local_tunnel_id, 10);
    EXPECT_EQ(i.local_session_id, 100);
    EXPECT_EQ(i.remote_tunnel_id, 20);
    EXPECT_EQ(i.remote_session_id, 200);
    EXPECT_EQ(i.ipv4, 0x64400001u);
    ASSERT_TRUE(i.ipv6_prefix.has_value());
    EXPECT_EQ(format_prefix(*i.ipv6_prefix), "2001:db8:1000::/64");
}

TEST(SessionInstance, TunnelRollsOverEverySessionsPerTunnel) {
    StaticSession s = make_block(10, 4);
    struct Want {
        uint32_t i;
        uint16_t lt, ls, rt, rs;
    };
    for (Want w :
         {Want{0, 10, 100, 20, 200}, Want{3, 10, 103, 20, 203}, Want{4, 11, 100, 21, 200},
          Want{7, 11, 103, 21, 203}, Want{8, 12, 100, 22, 200}, Want{9, 12, 101, 22, 201}}) {
        SessionInstance i = session_instance(s, w.i);
        EXPECT_EQ(i.local_tunnel_id, w.lt) << "i=" << w.i;
        EXPECT_EQ(i.local_session_id, w.ls) << "i=" << w.i;
        EXPECT_EQ(i.remote_tunnel_id, w.rt) << "i=" << w.i;
        EXPECT_EQ(i.remote_session_id, w.rs) << "i=" << w.i;
    }
}

TEST(SessionInstance, OneSessionPerTunnelAdvancesTunnelsOnly) {
    StaticSession s = make_block(1000, 1);
    SessionInstance i = session_instance(s, 999);
    EXPECT_EQ(i.local_tunnel_id, 1009);
    EXPECT_EQ(i.remote_tunnel_id, 1019);
    EXPECT_EQ(i.local_session_id, 100);
    EXPECT_EQ(i.remote_session_id, 200);
}

TEST(SessionInstance, AllInOneTunnelReachesTheTopId) {
    StaticSession s = make_block(65436, 65535);
    s.remote_session_id = 1;
    SessionInstance i = session_instance(s, 65435);
    EXPECT_EQ(i.local_tunnel_id, 10);
    EXPECT_EQ(i.remote_tunnel_id, 20);
    EXPECT_EQ(i.local_session_id, 65535);
    EXPECT_EQ(i.remote_session_id, 65436);
}

TEST(SessionInstance, Ipv4AdvancesByOneAcrossOctets) {
    StaticSession s = make_block(1000, 100);
    s.ipv4 = *parse_ipv4("100.64.0.255");
    EXPECT_EQ(format_ipv4(*session_instance(s, 1).ipv4), "100.64.1.0");
    EXPECT_EQ(format_ipv4(*session_instance(s, 999).ipv4), "100.64.4.230");
    EXPECT_FALSE(session_instance(make_block(2, 1), 1).ipv4.has_value());
}

TEST(SessionInstance, Ipv6PrefixAdvancesByItsSize) {
    StaticSession s = make_block(100000, 1000);
    s.ipv6_prefix = parse_ipv6_prefix("2001:db8:0:ffff::/64");
    EXPECT_EQ(format_prefix(*session_instance(s, 1).ipv6_prefix), "2001:db8:1::/64");  // carry
    EXPECT_EQ(format_prefix(*session_instance(s, 65537).ipv6_prefix), "2001:db8:2::/64");
    s.ipv6_prefix = parse_ipv6_prefix("2001:db8:ff00::/56");
    EXPECT_EQ(format_prefix(*session_instance(s, 1).ipv6_prefix), "2001:db8:ff00:100::/56");
    EXPECT_EQ(format_prefix(*session_instance(s, 256).ipv6_prefix), "2001:db8:ff01::/56");
    s.ipv6_prefix = parse_ipv6_prefix("2001:db8::/32");
    EXPECT_EQ(format_prefix(*session_instance(s, 3).ipv6_prefix), "2001:dbb::/32");
    EXPECT_EQ(session_instance(s, 99999).ipv6_prefix->len, 32);
}

}  // namespace
}  // namespace lns::cfg
