// Neighbour discovery tests (controlplane/net/nd.hpp, parse_icmp6 for ND, ipv6.hpp
// address helpers) against frames built by scapy 2.5.
#include "controlplane/net/nd.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "controlplane/net/bytes.hpp"
#include "controlplane/net/icmp6.hpp"
#include "controlplane/net/ipv6.hpp"

namespace lns::cp::net {
namespace {

std::vector<uint8_t> from_hex(std::string_view hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

using Bytes = std::vector<uint8_t>;
constexpr MacAddr kOurMac = {0x02, 0, 0, 0, 0, 0x01};
constexpr MacAddr kPeerMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr Ip6Addr kOurIp = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr Ip6Addr kPeerIp = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
// 2001:db8::abcd:ef12:3456
constexpr Ip6Addr kGatewayIp = {0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
                                0,    0,    0xab, 0xcd, 0xef, 0x12, 0x34, 0x56};

// Rewrites the IPv6 payload length to `msg_len` (truncating the frame to match)
// and recomputes the ICMPv6 checksum, after a test has changed the message.
void fix_icmp6(Bytes &f, size_t msg_len) {
    f.resize(kEthHeaderLen + kIpv6HeaderLen + msg_len);
    uint8_t *ip = f.data() + kEthHeaderLen;
    store_be16(ip + 4, static_cast<uint16_t>(msg_len));
    Ip6Addr src, dst;
    std::memcpy(src.data(), ip + 8, 16);
    std::memcpy(dst.data(), ip + 24, 16);
    icmp6_set_checksum(ip + kIpv6HeaderLen, msg_len, src, dst);
}
void fix_icmp6(Bytes &f) {
    fix_icmp6(f, f.size() - kEthHeaderLen - kIpv6HeaderLen);
}

Bytes frame(const uint8_t *p, size_t n) {
    return Bytes(p, p + n);
}

// scapy: Ether(dst='33:33:ff:00:00:01', src='52:54:00:12:34:56')/IPv6(src='2001:db8::2',
// dst='ff02::1:ff00:1',
// hlim=255)/ICMPv6ND_NS(tgt='2001:db8::1')/ICMPv6NDOptSrcLLAddr(lladdr='52:54:00:12:34:56')
constexpr const char *kPeerNs =
    "3333ff00000152540012345686dd6000000000203aff20010db8000000000000000000000002ff0200000000"
    "000000000001ff0000018700976c0000000020010db80000000000000000000000010101525400123456";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IPv6(src='2001:db8::1',
// dst='2001:db8::2', hlim=255)/ICMPv6ND_NA(R=1, S=1, O=1,
// tgt='2001:db8::1')/ICMPv6NDOptDstLLAddr(lladdr='02:00:00:00:00:01')
constexpr const char *kNaForPeer =
    "52540012345602000000000186dd6000000000203aff20010db800000000000000000000000120010db80000"
    "0000000000000000000288000a73e000000020010db80000000000000000000000010201020000000001";

// scapy: Ether(dst='33:33:ff:00:00:01', src='52:54:00:12:34:56')/IPv6(src='::',
// dst='ff02::1:ff00:1', hlim=255)/ICMPv6ND_NS(tgt='2001:db8::1')
constexpr const char *kDadNs =
    "3333ff00000152540012345686dd6000000000183aff00000000000000000000000000000000ff0200000000"
    "000000000001ff00000187004ced0000000020010db8000000000000000000000001";

// scapy: Ether(dst='33:33:00:00:00:01', src='02:00:00:00:00:01')/IPv6(src='2001:db8::1',
// dst='ff02::1', hlim=255)/ICMPv6ND_NA(R=0, S=0, O=1,
// tgt='2001:db8::1')/ICMPv6NDOptDstLLAddr(lladdr='02:00:00:00:00:01')
constexpr const char *kNaForDad =
    "33330000000102000000000186dd6000000000203aff20010db8000000000000000000000001ff0200000000"
    "000000000000000000018800f92a2000000020010db80000000000000000000000010201020000000001";

// scapy: Ether(dst='33:33:ff:12:34:56', src='02:00:00:00:00:01')/IPv6(src='2001:db8::1',
// dst='ff02::1:ff12:3456', hlim=255)/ICMPv6ND_NS(tgt='2001:db8::abcd:ef12:3456')/ICMPv6NDOptSrcL
// LAddr(lladdr='02:00:00:00:00:01')
constexpr const char *kOurNs =
    "3333ff12345602000000000186dd6000000000203aff20010db8000000000000000000000001ff0200000000"
    "000000000001ff1234568700188c0000000020010db8000000000000abcdef1234560101020000000001";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IPv6(src='2001:db8::1',
// dst='2001:db8::abcd:ef12:3456', hlim=255)/ICMPv6ND_NS(tgt='2001:db8::abcd:ef12:3456')/ICMPv6ND
// OptSrcLLAddr(lladdr='02:00:00:00:00:01')
constexpr const char *kOurNsUnicast =
    "52540012345602000000000186dd6000000000203aff20010db800000000000000000000000120010db80000"
    "00000000abcdef12345687004e090000000020010db8000000000000abcdef1234560101020000000001";

// scapy: Ether(dst='02:00:00:00:00:01',
// src='52:54:00:12:34:56')/IPv6(src='2001:db8::abcd:ef12:3456', dst='2001:db8::1',
// hlim=255)/ICMPv6ND_NA(R=1, S=1, O=1,
// tgt='2001:db8::abcd:ef12:3456')/ICMPv6NDOptDstLLAddr(lladdr='52:54:00:12:34:56')
constexpr const char *kGatewayNa =
    "02000000000152540012345686dd6000000000203aff20010db8000000000000abcdef12345620010db80000"
    "000000000000000000018800e74ce000000020010db8000000000000abcdef1234560201525400123456";

// scapy: Ether(dst='33:33:00:00:00:01',
// src='52:54:00:12:34:56')/IPv6(src='fe80::5054:ff:fe12:3456', dst='ff02::1', hlim=255)/ICMPv6ND
// _RA()/ICMPv6NDOptSrcLLAddr(lladdr='52:54:00:12:34:56')/ICMPv6NDOptPrefixInfo(prefix='2001:db8:
// :', prefixlen=64)
constexpr const char *kRouterAdvert =
    "33330000000152540012345686dd6000000000383afffe80000000000000505400fffe123456ff0200000000"
    "000000000000000000018600f8000008070800000000000000000101525400123456030440c0ffffffffffff"
    "ffff0000000020010db8000000000000000000000000";

TEST(Ipv6Addr, SolicitedNodeAndMulticastMac) {
    Ip6Addr sn = solicited_node_address(kGatewayIp);
    Ip6Addr want = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x12, 0x34, 0x56};
    EXPECT_EQ(sn, want);
    EXPECT_EQ(ip6_multicast_mac(sn), (MacAddr{0x33, 0x33, 0xff, 0x12, 0x34, 0x56}));
    EXPECT_EQ(ip6_multicast_mac(kIp6AllNodes), (MacAddr{0x33, 0x33, 0, 0, 0, 1}));
}

TEST(Ipv6Addr, LinkLocalFromMacIsModifiedEui64) {
    // scapy: in6_mactoifaceid('52:54:00:12:34:56') == '5054:ff:fe12:3456'
    Ip6Addr want = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56};
    EXPECT_EQ(link_local_from_mac(kPeerMac), want);
    // U/L bit set in the MAC is cleared in the identifier: fe80::ff:fe00:1
    Ip6Addr ours = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01};
    EXPECT_EQ(link_local_from_mac(kOurMac), ours);
    EXPECT_TRUE(ip6_is_link_local(ours));
    EXPECT_FALSE(ip6_is_link_local(kOurIp));
}

TEST(NdBuild, MulticastSolicitationMatchesScapy) {
    uint8_t buf[128];
    size_t n = build_neighbor_solicitation(buf, sizeof buf, kOurMac, kOurIp, kGatewayIp);
    EXPECT_EQ(frame(buf, n), from_hex(kOurNs));
}

TEST(NdBuild, UnicastSolicitationMatchesScapy) {
    uint8_t buf[128];
    size_t n =
        build_neighbor_solicitation_unicast(buf, sizeof buf, kOurMac, kOurIp, kGatewayIp, kPeerMac);
    EXPECT_EQ(frame(buf, n), from_hex(kOurNsUnicast));
}

TEST(NdBuild, AdvertisementMatchesScapy) {
    uint8_t buf[128];
    size_t n = build_neighbor_advertisement(buf, sizeof buf, kOurMac, kOurIp, kPeerMac, kPeerIp,
                                            kNaFlagRouter | kNaFlagSolicited | kNaFlagOverride);
    EXPECT_EQ(frame(buf, n), from_hex(kNaForPeer));
}

TEST(NdBuild, RefusesSmallBuffer) {
    uint8_t buf[kNdFrameLen - 1];
    EXPECT_EQ(build_neighbor_solicitation(buf, sizeof buf, kOurMac, kOurIp, kGatewayIp), 0u);
    EXPECT_EQ(build_neighbor_advertisement(buf, sizeof buf, kOurMac, kOurIp, kPeerMac, kPeerIp, 0),
              0u);
}

TEST(NdParse, NeighborSolicitation) {
    Bytes f = from_hex(kPeerNs);
    Icmp6Packet p;
    ASSERT_EQ(parse_icmp6(f, &p), NetError::ok);
    EXPECT_EQ(p.type, kNdNeighborSolicit);
    EXPECT_EQ(p.hop_limit, 255);
    EXPECT_EQ(p.src, kPeerIp);
    EXPECT_EQ(p.dst, solicited_node_address(kOurIp));
    EXPECT_EQ(p.target, kOurIp);
    EXPECT_TRUE(p.has_source_lla);
    EXPECT_EQ(p.source_lla, kPeerMac);
    EXPECT_FALSE(p.has_target_lla);
    EXPECT_EQ(p.eth_src, kPeerMac);
}

TEST(NdParse, AnswerToSolicitationMatchesScapy) {
    Bytes f = from_hex(kPeerNs);
    Icmp6Packet ns;
    ASSERT_EQ(parse_icmp6(f, &ns), NetError::ok);
    uint8_t buf[128];
    size_t len = 0;
    ASSERT_EQ(make_na_for_ns(ns, kOurMac, true, buf, sizeof buf, &len), NetError::ok);
    EXPECT_EQ(frame(buf, len), from_hex(kNaForPeer));
}

TEST(NdParse, AnswerToDadProbeGoesToAllNodes) {
    Bytes f = from_hex(kDadNs);
    Icmp6Packet ns;
    ASSERT_EQ(parse_icmp6(f, &ns), NetError::ok);
    EXPECT_TRUE(ip6_is_unspecified(ns.src));
    EXPECT_FALSE(ns.has_source_lla);
    uint8_t buf[128];
    size_t len = 0;
    ASSERT_EQ(make_na_for_ns(ns, kOurMac, false, buf, sizeof buf, &len), NetError::ok);
    EXPECT_EQ(frame(buf, len), from_hex(kNaForDad));
}

TEST(NdParse, AnswerWithoutSourceOptionUsesEthernetSource) {
    Bytes f = from_hex(kPeerNs);
    fix_icmp6(f, kNdNsNaLen);  // drop the source link-layer option
    Icmp6Packet ns;
    ASSERT_EQ(parse_icmp6(f, &ns), NetError::ok);
    EXPECT_FALSE(ns.has_source_lla);
    uint8_t buf[128];
    size_t len = 0;
    ASSERT_EQ(make_na_for_ns(ns, kOurMac, true, buf, sizeof buf, &len), NetError::ok);
    EXPECT_EQ(frame(buf, len), from_hex(kNaForPeer));
    EXPECT_EQ(make_na_for_ns(ns, kOurMac, true, buf, kNdFrameLen - 1, &len), NetError::no_room);
}

TEST(NdParse, NeighborAdvertisement) {
    Bytes f = from_hex(kGatewayNa);
    Icmp6Packet p;
    ASSERT_EQ(parse_icmp6(f, &p), NetError::ok);
    EXPECT_EQ(p.type, kNdNeighborAdvert);
    EXPECT_EQ(p.target, kGatewayIp);
    EXPECT_EQ(p.na_flags, kNaFlagRouter | kNaFlagSolicited | kNaFlagOverride);
    EXPECT_TRUE(p.has_target_lla);
    EXPECT_EQ(p.target_lla, kPeerMac);
    uint8_t buf[128];
    size_t len = 0;
    EXPECT_EQ(make_na_for_ns(p, kOurMac, true, buf, sizeof buf, &len), NetError::unsupported_type);
}

TEST(NdParse, RouterAdvertisementSkipsOtherOptions) {
    Bytes f = from_hex(kRouterAdvert);
    Icmp6Packet p;
    ASSERT_EQ(parse_icmp6(f, &p), NetError::ok);
    EXPECT_EQ(p.type, kNdRouterAdvert);
    EXPECT_TRUE(p.has_source_lla);
    EXPECT_EQ(p.source_lla, kPeerMac);
}

TEST(NdParse, ParsesOwnBuilders) {
    uint8_t buf[128];
    size_t n = build_neighbor_solicitation(buf, sizeof buf, kOurMac, kOurIp, kGatewayIp);
    Icmp6Packet p;
    ASSERT_EQ(parse_icmp6({buf, n}, &p), NetError::ok);
    EXPECT_EQ(p.target, kGatewayIp);
    EXPECT_EQ(p.source_lla, kOurMac);
    n = build_neighbor_advertisement(buf, sizeof buf, kOurMac, kOurIp, kPeerMac, kPeerIp,
                                     kNaFlagSolicited);
    ASSERT_EQ(parse_icmp6({buf, n}, &p), NetError::ok);
    EXPECT_EQ(p.na_flags, kNaFlagSolicited);
    EXPECT_EQ(p.target_lla, kOurMac);
}

TEST(NdParse, RejectsWrongHopLimit) {
    for (const char *hex : {kPeerNs, kGatewayNa, kRouterAdvert, kDadNs}) {
        Bytes f = from_hex(hex);
        f[kEthHeaderLen + 7] = 64;  // not in the pseudo-header: checksum still good
        Icmp6Packet p;
        EXPECT_EQ(parse_icmp6(f, &p), NetError::bad_hop_limit) << hex;
    }
}

TEST(NdParse, RejectsBadChecksumAndTruncation) {
    Bytes f = from_hex(kPeerNs);
    Icmp6Packet p;
    Bytes bad = f;
    bad.back() ^= 0x40;
    EXPECT_EQ(parse_icmp6(bad, &p), NetError::bad_checksum);
    for (size_t n = 0; n < f.size(); ++n)
        EXPECT_EQ(parse_icmp6({f.data(), n}, &p), NetError::truncated) << n;
    Bytes short_ns = f;
    fix_icmp6(short_ns, 20);  // NS needs 24 bytes before options
    EXPECT_EQ(parse_icmp6(short_ns, &p), NetError::truncated);
}

struct NdCase {
    const char *what;
    const char *hex;
    void (*mutate)(Bytes &);
    NetError want;
};

constexpr size_t kMsg = kEthHeaderLen + kIpv6HeaderLen;  // offset of the ICMPv6 message

TEST(NdParse, RejectsInvalidMessages) {
    const NdCase cases[] = {
        {"code", kPeerNs, [](Bytes &f) { f[kMsg + 1] = 1; }, NetError::bad_code},
        {"option length 0", kPeerNs, [](Bytes &f) { f[kMsg + 25] = 0; }, NetError::bad_option},
        {"option overruns", kPeerNs, [](Bytes &f) { f[kMsg + 25] = 2; }, NetError::bad_option},
        {"option cut", kPeerNs, [](Bytes &f) { f.push_back(1); }, NetError::bad_option},
        {"group source lla", kPeerNs, [](Bytes &f) { f[kMsg + 26] = 0x01; }, NetError::bad_option},
        {"multicast target", kPeerNs, [](Bytes &f) { f[kMsg + 8] = 0xff; }, NetError::bad_address},
        {"dad with source lla", kPeerNs,
         [](Bytes &f) { std::memset(&f[kEthHeaderLen + 8], 0, 16); }, NetError::bad_option},
        {"dad to unicast", kDadNs, [](Bytes &f) { f[kEthHeaderLen + 24] = 0x20; },
         NetError::bad_address},
        {"na multicast with S", kNaForPeer, [](Bytes &f) { f[kEthHeaderLen + 24] = 0xff; },
         NetError::bad_address},
        {"na multicast target", kGatewayNa, [](Bytes &f) { f[kMsg + 8] = 0xff; },
         NetError::bad_address},
        {"ra global source", kRouterAdvert, [](Bytes &f) { f[kEthHeaderLen + 8] = 0x20; },
         NetError::bad_address},
    };
    for (const NdCase &c : cases) {
        Bytes f = from_hex(c.hex);
        c.mutate(f);
        fix_icmp6(f);
        Icmp6Packet p;
        EXPECT_EQ(parse_icmp6(f, &p), c.want) << c.what;
    }
    // Multicast NA without S is fine (an unsolicited advertisement).
    Bytes f = from_hex(kNaForDad);
    Icmp6Packet p;
    EXPECT_EQ(parse_icmp6(f, &p), NetError::ok);
}

}  // namespace
}  // namespace lns::cp::net
