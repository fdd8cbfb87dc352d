// Unit tests for parse_ppp_header (dataplane/pkt/l2tp.hpp): PPP inside L2TP,
// RFC 1662 address/control FF 03 optional (ACFC), protocol field of 2 bytes or 1
// byte when compressed (PFC), RFC 1661 §6.5: low byte odd, high byte even.
// Reference frames built with scapy 2.5 (`from scapy.all import *`); scapy's PPP()
// writes a 1-byte protocol for values < 0x100, so 00 21 is spelled as Raw.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "dataplane/pkt/l2tp.hpp"

namespace lns::dp {
namespace {

std::vector<uint8_t> hex(const char *s) {
    std::vector<uint8_t> out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; s[i] && s[i + 1]; i += 2) out.push_back(uint8_t(nib(s[i]) << 4 | nib(s[i + 1])));
    return out;
}

// Parses the first `n` bytes from an exact-size heap copy (reads past `n` trip ASan).
PppStatus parse_prefix(const std::vector<uint8_t> &b, size_t n, uint16_t *proto, size_t *hl) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n == 0 ? 1 : n]);
    if (n) std::memcpy(copy.get(), b.data(), n);
    return parse_ppp_header(copy.get(), n, proto, hl);
}

// scapy: HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (32 bytes)
constexpr char kPppFull4[] =
    "ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (30 bytes)
constexpr char kPppAcfc4[] =
    "00214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: HDLC()/PPP(proto=0x21)/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (31 bytes)
constexpr char kPppPfc4[] =
    "ff03214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: PPP(proto=0x57)/IPv6(src='2001:db8:100::1',dst='2001:db8::1')/ICMPv6EchoRequest(id=1,seq=1)
// (49 bytes)
constexpr char kPppAcfcPfc6[] =
    "576000000000083a4020010db801000000000000000000000120010db80000000000000000000000"
    "018000234700010001";

// scapy: HDLC()/PPP(proto=0xc021)/PPP_LCP_Configure(code=1,id=1,options=[PPP_LCP_MRU_Option(max_recv_unit=1492),PPP_LCP_Magic_Number_Option(magic_number=0x12345678)])
// (18 bytes)
constexpr char kPppLcpConfReq[] =
    "ff03c0210101000e010405d4050612345678";

// scapy: HDLC()/PPP(proto=0x8021)/PPP_IPCP(code=1,id=1,options=[PPP_IPCP_Option_IPAddress(data='0.0.0.0')])
// (14 bytes)
constexpr char kPppIpcpConfReq[] =
    "ff0380210101000a030600000000";

// scapy: HDLC()/Raw(b'\x00\x20')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (32 bytes)
constexpr char kPppEvenProto[] =
    "ff0300204500001c000100004001549e64400001c00002010800f7fd00010001";

struct PppCase {
    const char *name;
    const char *hex;
    uint16_t protocol;
    size_t header_len;
};

const PppCase kCases[] = {
    {"FF 03 00 21", kPppFull4, kPppIpv4, 4},
    {"ACFC: 00 21", kPppAcfc4, kPppIpv4, 2},
    {"PFC: FF 03 21", kPppPfc4, kPppIpv4, 3},
    {"ACFC+PFC: 57", kPppAcfcPfc6, kPppIpv6, 1},
    {"LCP", kPppLcpConfReq, kPppLcp, 4},
    {"IPCP", kPppIpcpConfReq, kPppIpcp, 4},
};

TEST(DataplanePpp, ParsesEveryFraming) {
    for (const PppCase &c : kCases) {
        SCOPED_TRACE(c.name);
        const std::vector<uint8_t> b = hex(c.hex);
        uint16_t proto = 0;
        size_t hl = 0;
        ASSERT_EQ(parse_prefix(b, b.size(), &proto, &hl), PppStatus::ok);
        EXPECT_EQ(proto, c.protocol);
        EXPECT_EQ(hl, c.header_len);
    }
}

TEST(DataplanePpp, PayloadStartsWhereScapyPutIt) {
    // The byte after the header is the first byte of the payload scapy built:
    // 0x45 (IPv4), 0x60 (IPv6), 0x01 (LCP/IPCP Configure-Request code).
    const uint8_t first[] = {0x45, 0x45, 0x45, 0x60, 0x01, 0x01};
    for (size_t i = 0; i < std::size(kCases); i++) {
        const std::vector<uint8_t> b = hex(kCases[i].hex);
        uint16_t proto;
        size_t hl;
        ASSERT_EQ(parse_prefix(b, b.size(), &proto, &hl), PppStatus::ok);
        EXPECT_EQ(b[hl], first[i]) << kCases[i].name;
    }
}

TEST(DataplanePpp, EvenProtocolIsBad) {
    uint16_t proto = 0xdead;
    size_t hl = 99;
    const std::vector<uint8_t> b = hex(kPppEvenProto);  // FF 03 00 20
    EXPECT_EQ(parse_prefix(b, b.size(), &proto, &hl), PppStatus::bad_protocol);
    EXPECT_EQ(proto, 0xdead);  // outputs untouched on error
    EXPECT_EQ(hl, 99u);
    for (uint16_t p : {0x0000, 0x0020, 0xc020, 0x8056, 0x00fe}) {
        std::vector<uint8_t> x = {0xff, 0x03, uint8_t(p >> 8), uint8_t(p), 0x45};
        EXPECT_EQ(parse_prefix(x, x.size(), &proto, &hl), PppStatus::bad_protocol) << p;
        std::vector<uint8_t> y = {uint8_t(p >> 8), uint8_t(p), 0x45};  // without FF 03
        EXPECT_EQ(parse_prefix(y, y.size(), &proto, &hl), PppStatus::bad_protocol) << p;
    }
}

TEST(DataplanePpp, TruncatedAtEveryByte) {
    for (const PppCase &c : kCases) {
        SCOPED_TRACE(c.name);
        const std::vector<uint8_t> b = hex(c.hex);
        for (size_t n = 0; n < c.header_len; n++) {
            uint16_t proto = 0;
            size_t hl = 0;
            const PppStatus st = parse_prefix(b, n, &proto, &hl);
            if (st == PppStatus::ok) {
                // A prefix can itself be a shorter valid header only when it ends
                // in an odd byte: "FF" alone is the 1-byte protocol 0xFF.
                EXPECT_EQ(hl, n) << n;
                EXPECT_TRUE(proto & 1) << n;
                EXPECT_LE(hl, n);
            } else {
                EXPECT_EQ(st, PppStatus::truncated) << n;
            }
        }
    }
    // Exact classification of the short cases.
    uint16_t proto;
    size_t hl;
    const std::vector<uint8_t> none;
    EXPECT_EQ(parse_prefix(none, 0, &proto, &hl), PppStatus::truncated);
    const std::vector<uint8_t> ff03 = {0xff, 0x03};
    EXPECT_EQ(parse_prefix(ff03, 2, &proto, &hl), PppStatus::truncated);
    const std::vector<uint8_t> ff0300 = {0xff, 0x03, 0x00};
    EXPECT_EQ(parse_prefix(ff0300, 3, &proto, &hl), PppStatus::truncated);
    const std::vector<uint8_t> zero = {0x00};
    EXPECT_EQ(parse_prefix(zero, 1, &proto, &hl), PppStatus::truncated);
    const std::vector<uint8_t> c0 = {0xc0};
    EXPECT_EQ(parse_prefix(c0, 1, &proto, &hl), PppStatus::truncated);
    const std::vector<uint8_t> ff0321 = {0xff, 0x03, 0x21};
    ASSERT_EQ(parse_prefix(ff0321, 3, &proto, &hl), PppStatus::ok);
    EXPECT_EQ(proto, 0x21);
    EXPECT_EQ(hl, 3u);
}

TEST(DataplanePpp, OneByteProtocolsAreTheOddOnes) {
    // Every first byte: odd = a compressed protocol of that value; even = the
    // high byte of a 2-byte protocol.
    for (int v = 0; v < 256; v++) {
        std::vector<uint8_t> b = {uint8_t(v), 0x21, 0x45};
        uint16_t proto = 0;
        size_t hl = 0;
        const PppStatus st = parse_prefix(b, b.size(), &proto, &hl);
        if (v & 1) {
            ASSERT_EQ(st, PppStatus::ok) << v;
            EXPECT_EQ(proto, v);
            EXPECT_EQ(hl, 1u);
        } else {
            ASSERT_EQ(st, PppStatus::ok) << v;
            EXPECT_EQ(proto, uint16_t(v << 8 | 0x21));
            EXPECT_EQ(hl, 2u);
        }
    }
}

TEST(DataplanePpp, AddressControlOnlyWhenBoth) {
    // FF not followed by 03 is no address/control field: FF is read as a
    // compressed protocol (odd).
    const std::vector<uint8_t> b = {0xff, 0x00, 0x21};
    uint16_t proto;
    size_t hl;
    ASSERT_EQ(parse_prefix(b, b.size(), &proto, &hl), PppStatus::ok);
    EXPECT_EQ(proto, 0xff);
    EXPECT_EQ(hl, 1u);
}

}  // namespace
}  // namespace lns::dp
