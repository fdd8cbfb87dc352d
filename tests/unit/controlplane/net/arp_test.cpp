// ARP codec tests (controlplane/net/arp.hpp) against frames built by scapy 2.5.
#include "controlplane/net/arp.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace lns::cp::net {
namespace {

std::vector<uint8_t> from_hex(std::string_view hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

constexpr MacAddr kOurMac = {0x02, 0, 0, 0, 0, 0x01};
constexpr MacAddr kPeerMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr uint32_t kOurIp = 0xc0000201;   // 192.0.2.1
constexpr uint32_t kPeerIp = 0xc0000202;  // 192.0.2.2

// scapy: Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01')/ARP(op=1,
// hwsrc='02:00:00:00:00:01', psrc='192.0.2.1', hwdst='00:00:00:00:00:00', pdst='192.0.2.2')
// (zero-padded to 60)
constexpr const char *kArpRequest =
    "ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c00002020000"
    "00000000000000000000000000000000";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/ARP(op=1,
// hwsrc='02:00:00:00:00:01', psrc='192.0.2.1', hwdst='00:00:00:00:00:00', pdst='192.0.2.2')
// (zero-padded to 60)
constexpr const char *kArpRequestUnicast =
    "52540012345602000000000108060001080006040001020000000001c0000201000000000000c00002020000"
    "00000000000000000000000000000000";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/ARP(op=2,
// hwsrc='02:00:00:00:00:01', psrc='192.0.2.1', hwdst='52:54:00:12:34:56', pdst='192.0.2.2')
// (zero-padded to 60)
constexpr const char *kArpReply =
    "52540012345602000000000108060001080006040002020000000001c0000201525400123456c00002020000"
    "00000000000000000000000000000000";

// scapy: Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01')/ARP(op=1,
// hwsrc='02:00:00:00:00:01', psrc='192.0.2.1', hwdst='00:00:00:00:00:00', pdst='192.0.2.1')
// (zero-padded to 60)
constexpr const char *kGratuitousArp =
    "ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c00002010000"
    "00000000000000000000000000000000";

// scapy: Ether(dst='ff:ff:ff:ff:ff:ff', src='52:54:00:12:34:56')/ARP(op='who-has',
// hwsrc='52:54:00:12:34:56', psrc='192.0.2.2', pdst='192.0.2.1')
constexpr const char *kPeerRequest =
    "ffffffffffff52540012345608060001080006040001525400123456c0000202000000000000c0000201";

// scapy: Ether(dst='02:00:00:00:00:01', src='52:54:00:12:34:56')/ARP(op='is-at',
// hwsrc='52:54:00:12:34:56', psrc='192.0.2.2', hwdst='02:00:00:00:00:01', pdst='192.0.2.1')
// (zero-padded to 60)
constexpr const char *kPeerReplyPadded =
    "02000000000152540012345608060001080006040002525400123456c0000202020000000001c00002010000"
    "00000000000000000000000000000000";

TEST(Arp, RequestMatchesScapy) {
    uint8_t buf[128];
    size_t n = build_arp_request(buf, sizeof buf, kOurMac, kOurIp, kPeerIp);
    EXPECT_EQ(std::vector<uint8_t>(buf, buf + n), from_hex(kArpRequest));
}

TEST(Arp, UnicastRequestMatchesScapy) {
    uint8_t buf[128];
    size_t n = build_arp_request_unicast(buf, sizeof buf, kOurMac, kOurIp, kPeerIp, kPeerMac);
    EXPECT_EQ(std::vector<uint8_t>(buf, buf + n), from_hex(kArpRequestUnicast));
}

TEST(Arp, ReplyMatchesScapy) {
    uint8_t buf[128];
    size_t n = build_arp_reply(buf, sizeof buf, kOurMac, kOurIp, kPeerMac, kPeerIp);
    EXPECT_EQ(std::vector<uint8_t>(buf, buf + n), from_hex(kArpReply));
}

TEST(Arp, GratuitousMatchesScapy) {
    uint8_t buf[128];
    size_t n = build_gratuitous_arp(buf, sizeof buf, kOurMac, kOurIp);
    EXPECT_EQ(std::vector<uint8_t>(buf, buf + n), from_hex(kGratuitousArp));
}

TEST(Arp, BuildersRefuseSmallBuffer) {
    uint8_t buf[59];
    EXPECT_EQ(build_arp_request(buf, sizeof buf, kOurMac, kOurIp, kPeerIp), 0u);
    EXPECT_EQ(build_arp_reply(buf, sizeof buf, kOurMac, kOurIp, kPeerMac, kPeerIp), 0u);
    EXPECT_EQ(build_gratuitous_arp(buf, sizeof buf, kOurMac, kOurIp), 0u);
    uint8_t exact[60];
    EXPECT_EQ(build_gratuitous_arp(exact, sizeof exact, kOurMac, kOurIp), 60u);
}

TEST(Arp, ParsesUnpaddedRequest) {
    auto f = from_hex(kPeerRequest);
    ASSERT_EQ(f.size(), 42u);
    ArpPacket a;
    ASSERT_EQ(parse_arp(f, &a), NetError::ok);
    EXPECT_EQ(a.opcode, kArpOpRequest);
    EXPECT_EQ(a.eth_dst, kBroadcastMac);
    EXPECT_EQ(a.eth_src, kPeerMac);
    EXPECT_EQ(a.sender_mac, kPeerMac);
    EXPECT_EQ(a.sender_ip, kPeerIp);
    EXPECT_EQ(a.target_mac, kZeroMac);
    EXPECT_EQ(a.target_ip, kOurIp);
}

TEST(Arp, ParsesPaddedReply) {
    auto f = from_hex(kPeerReplyPadded);
    ASSERT_EQ(f.size(), 60u);
    ArpPacket a;
    ASSERT_EQ(parse_arp(f, &a), NetError::ok);
    EXPECT_EQ(a.opcode, kArpOpReply);
    EXPECT_EQ(a.sender_mac, kPeerMac);
    EXPECT_EQ(a.sender_ip, kPeerIp);
    EXPECT_EQ(a.target_mac, kOurMac);
    EXPECT_EQ(a.target_ip, kOurIp);
}

TEST(Arp, ParsesOwnBuilderOutput) {
    uint8_t buf[64];
    size_t n = build_arp_reply(buf, sizeof buf, kOurMac, kOurIp, kPeerMac, kPeerIp);
    ArpPacket a;
    ASSERT_EQ(parse_arp({buf, n}, &a), NetError::ok);
    EXPECT_EQ(a.opcode, kArpOpReply);
    EXPECT_EQ(a.sender_mac, kOurMac);
    EXPECT_EQ(a.target_ip, kPeerIp);
}

TEST(Arp, RejectsEveryTruncation) {
    auto f = from_hex(kPeerRequest);
    ArpPacket a;
    for (size_t len = 0; len < f.size(); ++len)
        EXPECT_EQ(parse_arp({f.data(), len}, &a), NetError::truncated) << len;
}

TEST(Arp, RejectsBadFields) {
    const auto good = from_hex(kPeerRequest);
    ArpPacket a;
    auto f = good;
    f[12] = 0x08;  // IPv4 EtherType
    f[13] = 0x00;
    EXPECT_EQ(parse_arp(f, &a), NetError::bad_ethertype);
    f = good;
    f[15] = 6;  // hardware type IEEE 802
    EXPECT_EQ(parse_arp(f, &a), NetError::bad_hw_type);
    f = good;
    f[18] = 8;  // hardware length
    EXPECT_EQ(parse_arp(f, &a), NetError::bad_hw_type);
    f = good;
    f[16] = 0x86;  // protocol type IPv6
    f[17] = 0xdd;
    EXPECT_EQ(parse_arp(f, &a), NetError::bad_proto_type);
    f = good;
    f[19] = 16;  // protocol length
    EXPECT_EQ(parse_arp(f, &a), NetError::bad_proto_type);
    f = good;
    f[21] = 3;  // RARP request
    EXPECT_EQ(parse_arp(f, &a), NetError::unsupported_opcode);
    f = good;
    f[22] = 0x01;  // multicast sender hardware address
    EXPECT_EQ(parse_arp(f, &a), NetError::bad_address);
}

TEST(NetErrorName, NamesEveryError) {
    EXPECT_STREQ(net_error_name(NetError::ok), "ok");
    EXPECT_STREQ(net_error_name(NetError::truncated), "truncated");
    EXPECT_STREQ(net_error_name(NetError::bad_checksum), "bad_checksum");
    for (int i = 0; i <= static_cast<int>(NetError::no_room); ++i)
        EXPECT_STRNE(net_error_name(static_cast<NetError>(i)), "unknown") << i;
}

}  // namespace
}  // namespace lns::cp::net
