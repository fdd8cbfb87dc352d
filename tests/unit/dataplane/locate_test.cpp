// Unit tests for locate_ppp_payload (dataplane/pkt/locate.hpp): finding the PPP
// payload inside an Ethernet/IPv4/UDP/L2TP data frame.  Reference frames built
// with scapy 2.5 (`from scapy.all import *; from scapy.layers.l2tp import L2TP`).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/pkt/locate.hpp"

namespace lns::dp {
namespace {

std::vector<uint8_t> hex(const char *s) {
    std::vector<uint8_t> out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; s[i] && s[i + 1]; i += 2) out.push_back(uint8_t(nib(s[i]) << 4 | nib(s[i + 1])));
    return out;
}

bool locate_prefix(const std::vector<uint8_t> &b, size_t n, PppPayload *out) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n == 0 ? 1 : n]);
    if (n) std::memcpy(copy.get(), b.data(), n);
    return locate_ppp_payload(copy.get(), n, out);
}

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701)/L2TP(tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (80 bytes)
constexpr char kFramePlain4[] =
    "0200000000015254001234560800450000420101000040112540c6336402c633640106a506a5002e"
    "360a000212345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701)/L2TP(hdr='length+sequence+offset',tunnel_id=0x1234,session_id=0x5678,ns=1,nr=0,offset=2)/PPP(proto=0x57)/IPv6(src='2001:db8:100::1',dst='2001:db8::1')/ICMPv6EchoRequest(id=1,seq=1)
// (107 bytes)
constexpr char kFrameLso6[] =
    "02000000000152540012345608004500005d0101000040112525c6336402c633640106a506a50049"
    "8d1a4a020041123456780001000000020000576000000000083a4020010db8010000000000000000"
    "00000120010db80000000000000000000000018000234700010001";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701)/L2TP(tunnel_id=0x1234,session_id=0x5678)/PPP(proto=0xc021)/PPP_LCP_Echo(code=9,id=1,magic_number=0x11223344)/Padding(load=b'\x00'*2)
// (60 bytes)
constexpr char kFramePaddedLcp[] =
    "02000000000152540012345608004500002c0101000040112556c6336402c633640106a506a50018"
    "27ca000212345678c02109010008112233440000";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701)/L2TP(hdr='length',tunnel_id=0x1234,session_id=0x5678,len=40)/Raw(bytes(HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1))+b'TRAILER!')
// (90 bytes)
constexpr char kFrameLengthShort[] =
    "02000000000152540012345608004500004c0101000040112536c6336402c633640106a506a50038"
    "c1cb4002002812345678ff0300214500001c000100004001549e64400001c00002010800f7fd0001"
    "0001545241494c455221";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701)/L2TP(hdr='control+length+sequence',tunnel_id=1,ns=0,nr=0)/Raw(bytes.fromhex('8008000000000006'))
// (62 bytes)
constexpr char kFrameControl[] =
    "0200000000015254001234560800450000300101000040112552c6336402c633640106a506a5001c"
    "55dbc802001400010000000000008008000000000006";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',flags='MF',proto=17)/UDP(sport=1701,dport=1701)/L2TP(tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (80 bytes)
constexpr char kFrameFragment[] =
    "0200000000015254001234560800450000420001200040110640c6336402c633640106a506a5002e"
    "360a000212345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/TCP(sport=1701,dport=1701)/L2TP(tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (92 bytes)
constexpr char kFrameTcp[] =
    "02000000000152540012345608004500004e010100004006253fc6336402c633640106a506a50000"
    "00000000000050022000c6340000000212345678ff0300214500001c000100004001549e64400001"
    "c00002010800f7fd00010001";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701)/L2TP(tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x20')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (80 bytes)
constexpr char kFrameBadPpp[] =
    "0200000000015254001234560800450000420101000040112540c6336402c633640106a506a5002e"
    "360b000212345678ff0300204500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701,len=200)/L2TP(tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (80 bytes)
constexpr char kFrameUdpTooLong[] =
    "0200000000015254001234560800450000420101000040112540c6336402c633640106a506a500c8"
    "3570000212345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IPv6(src='2001:db8::2',dst='2001:db8::1')/UDP(sport=1701,dport=1701)/L2TP(tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (100 bytes)
constexpr char kFrameIpv6[] =
    "02000000000152540012345686dd60000000002e114020010db80000000000000000000000022001"
    "0db800000000000000000000000106a506a5002e2f00000212345678ff0300214500001c00010000"
    "4001549e64400001c00002010800f7fd00010001";

// scapy: Ether(dst='ff:ff:ff:ff:ff:ff',src='52:54:00:12:34:56')/ARP(op=1,hwsrc='52:54:00:12:34:56',psrc='198.51.100.2',pdst='198.51.100.1')
// (42 bytes)
constexpr char kFrameArp[] =
    "ffffffffffff52540012345608060001080006040001525400123456c6336402000000000000c633"
    "6401";

// scapy: Ether(dst='02:00:00:00:00:01',src='52:54:00:12:34:56')/IP(src='198.51.100.2',dst='198.51.100.1',id=0x0101)/UDP(sport=1701,dport=1701)/L2TP(version=3,tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (80 bytes)
constexpr char kFrameL2tpv3[] =
    "0200000000015254001234560800450000420101000040112540c6336402c633640106a506a5002e"
    "3609000312345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

struct Good {
    const char *name;
    const char *hex;
    size_t offset;
    size_t length;
    uint16_t protocol;
    uint8_t first;  // first payload byte
};

// Offsets: Ethernet 14 + IPv4 20 + UDP 8 = 42, then the L2TP header and PPP.
const Good kGood[] = {
    {"plain, FF 03 00 21, IPv4", kFramePlain4, 42 + 6 + 4, 28, kPppIpv4, 0x45},
    {"L S O(2), PFC, IPv6", kFrameLso6, 42 + 16 + 1, 48, kPppIpv6, 0x60},
    {"padded to 60 bytes, LCP", kFramePaddedLcp, 42 + 6 + 2, 8, kPppLcp, 0x09},
};

TEST(DataplaneLocate, FindsThePayload) {
    for (const Good &g : kGood) {
        SCOPED_TRACE(g.name);
        const std::vector<uint8_t> f = hex(g.hex);
        PppPayload pl;
        ASSERT_TRUE(locate_prefix(f, f.size(), &pl));
        EXPECT_EQ(pl.offset, g.offset);
        EXPECT_EQ(pl.length, g.length);
        EXPECT_EQ(pl.protocol, g.protocol);
        EXPECT_EQ(f[pl.offset], g.first);
        EXPECT_LE(pl.offset + pl.length, f.size());
    }
}

TEST(DataplaneLocate, PayloadIsTheInnerPacket) {
    // The inner IPv4 packet found is exactly the one scapy built (its total
    // length and checksum agree).
    const std::vector<uint8_t> f = hex(kFramePlain4);
    PppPayload pl;
    ASSERT_TRUE(locate_prefix(f, f.size(), &pl));
    Ipv4Info ip;
    ASSERT_EQ(parse_ipv4(f.data() + pl.offset, pl.length, false, &ip), Ipv4Status::ok);
    EXPECT_EQ(ip.total_len, pl.length);
    EXPECT_EQ(ip.proto, kIpProtoIcmp);
}

TEST(DataplaneLocate, EthernetPaddingExcluded) {
    // 58 bytes of frame + 2 of padding: the payload ends where UDP ends.
    const std::vector<uint8_t> f = hex(kFramePaddedLcp);
    ASSERT_EQ(f.size(), 60u);
    PppPayload pl;
    ASSERT_TRUE(locate_prefix(f, f.size(), &pl));
    EXPECT_EQ(pl.offset + pl.length, 58u);
}

TEST(DataplaneLocate, RejectsWhatIsNotAnL2tpDataFrame) {
    struct Bad {
        const char *name;
        const char *hex;
    };
    const Bad bad[] = {
        {"L2TP control message", kFrameControl},
        {"outer IPv4 fragment", kFrameFragment},
        {"TCP, not UDP", kFrameTcp},
        {"PPP protocol even", kFrameBadPpp},
        {"UDP length beyond the IP packet", kFrameUdpTooLong},
        {"outer IPv6", kFrameIpv6},
        {"ARP", kFrameArp},
        {"L2TPv3 (version 3)", kFrameL2tpv3},
        {"L2TP Length shorter than the UDP payload", kFrameLengthShort},
    };
    for (const Bad &b : bad) {
        const std::vector<uint8_t> f = hex(b.hex);
        PppPayload pl;
        EXPECT_FALSE(locate_prefix(f, f.size(), &pl)) << b.name;
    }
}

TEST(DataplaneLocate, UdpLengthBelowHeaderRejected) {
    std::vector<uint8_t> f = hex(kFramePlain4);
    PppPayload pl;
    for (uint16_t ulen : {0, 1, 7}) {
        store_be16(f.data() + 38, ulen);
        EXPECT_FALSE(locate_prefix(f, f.size(), &pl)) << ulen;
    }
    // UDP length shorter than the datagram: L2TP sees only that much.
    store_be16(f.data() + 38, uint16_t(8 + 6 + 4 + 20));  // cut the inner packet to 20 bytes
    ASSERT_TRUE(locate_prefix(f, f.size(), &pl));
    EXPECT_EQ(pl.length, 20u);
}

TEST(DataplaneLocate, EveryPrefixRejectedSafely) {
    for (const Good &g : kGood) {
        SCOPED_TRACE(g.name);
        const std::vector<uint8_t> f = hex(g.hex);
        // Ethernet padding aside, any prefix cuts the outer IPv4 packet short.
        const size_t ip_end = 14 + load_be16(f.data() + 16);
        for (size_t n = 0; n < ip_end; n++) {
            PppPayload pl;
            EXPECT_FALSE(locate_prefix(f, n, &pl)) << n;
        }
        for (size_t n = ip_end; n <= f.size(); n++) {
            PppPayload pl;
            EXPECT_TRUE(locate_prefix(f, n, &pl)) << n;
            EXPECT_EQ(pl.offset, g.offset);
        }
    }
}

TEST(DataplaneLocate, OuterIpChecksumNotVerified) {
    // The control core locates payloads of frames the worker already checked.
    std::vector<uint8_t> f = hex(kFramePlain4);
    f[24] ^= 0xff;  // outer header checksum
    PppPayload pl;
    EXPECT_TRUE(locate_prefix(f, f.size(), &pl));
}

}  // namespace
}  // namespace lns::dp
