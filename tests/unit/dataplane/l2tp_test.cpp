// Unit tests for the L2TPv2 data-message header codec (dataplane/pkt/l2tp.hpp):
// parse_l2tp_header (RFC 2661 §3.1), write_l2tp_ppp_header, l2tp_data_header_size,
// ppp_header_size.  Reference frames were built with scapy 2.5
// (`from scapy.all import *; from scapy.layers.l2tp import L2TP; import struct`),
// the expression is above each one.  scapy's L2TP layer always writes 2 bytes of
// offset padding, so frames with other pad sizes are built with struct.pack.
// scapy's PPP() writes a 1-byte protocol (PFC) for values < 0x100, so the
// uncompressed form is spelled Raw(b'\x00\x21').
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"

namespace lns::dp {
namespace {

std::vector<uint8_t> hex(const char *s) {
    std::vector<uint8_t> out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; s[i] && s[i + 1]; i += 2) out.push_back(uint8_t(nib(s[i]) << 4 | nib(s[i + 1])));
    return out;
}

// Parses the first `n` bytes of `b` from an exact-size heap copy, so that a read
// past `n` is caught by AddressSanitizer in the sanitizer build.
L2tpStatus parse_prefix(const std::vector<uint8_t> &b, size_t n, L2tpHeader *h) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n == 0 ? 1 : n]);
    if (n) std::memcpy(copy.get(), b.data(), n);
    return parse_l2tp_header(copy.get(), n, h);
}

// ---------------------------------------------------------------------------
// Reference frames: L2TP data messages carrying FF 03 00 21 + an IPv4 ICMP echo.
// ---------------------------------------------------------------------------
// scapy: L2TP(tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (38 bytes)
constexpr char kDataPlain[] =
    "000212345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: L2TP(hdr='length',tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (40 bytes)
constexpr char kDataL[] =
    "4002002812345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: L2TP(hdr='sequence',tunnel_id=0x1234,session_id=0x5678,ns=7,nr=9)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (42 bytes)
constexpr char kDataS[] =
    "08021234567800070009ff0300214500001c000100004001549e64400001c00002010800f7fd0001"
    "0001";

// scapy: L2TP(hdr='offset',tunnel_id=0x1234,session_id=0x5678,offset=2)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (42 bytes)
constexpr char kDataO2[] =
    "02021234567800020000ff0300214500001c000100004001549e64400001c00002010800f7fd0001"
    "0001";

// scapy: struct.pack('!HHHH',0x0202,0x1234,0x5678,0)+bytes(HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1))
// (40 bytes)
constexpr char kDataO0[] =
    "0202123456780000ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: struct.pack('!HHHH',0x0202,0x1234,0x5678,1)+b'\x00'+bytes(HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1))
// (41 bytes)
constexpr char kDataO1[] =
    "020212345678000100ff0300214500001c000100004001549e64400001c00002010800f7fd000100"
    "01";

// scapy: struct.pack('!HHHH',0x0202,0x1234,0x5678,8)+b'\x00'*8+bytes(HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1))
// (48 bytes)
constexpr char kDataO8[] =
    "02021234567800080000000000000000ff0300214500001c000100004001549e64400001c0000201"
    "0800f7fd00010001";

// scapy: L2TP(hdr='priority',tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (38 bytes)
constexpr char kDataP[] =
    "010212345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: L2TP(hdr='length+sequence+offset+priority',tunnel_id=0x1234,session_id=0x5678,ns=7,nr=9,offset=2)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (48 bytes)
constexpr char kDataAll[] =
    "4b020030123456780007000900020000ff0300214500001c000100004001549e64400001c0000201"
    "0800f7fd00010001";

// scapy: (lambda b: b[:2]+struct.pack('!H',len(b))+b[4:])(struct.pack('!HHHHHHH',0x4b02,0,0x1234,0x5678,7,9,8)+b'\x00'*8+bytes(HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)))
// (54 bytes)
constexpr char kDataAllPad8[] =
    "4b020036123456780007000900080000000000000000ff0300214500001c000100004001549e6440"
    "0001c00002010800f7fd00010001";

// scapy: L2TP(hdr='control+length+sequence',tunnel_id=0,session_id=0,ns=0,nr=0)/Raw(bytes.fromhex('80080000000000018008000000020100'))
// (28 bytes)
constexpr char kCtrlSccrq[] =
    "c802001c000000000000000080080000000000018008000000020100";

// scapy: L2TP(hdr='control+length+sequence',tunnel_id=5,session_id=0,ns=1,nr=2)
// (12 bytes)
constexpr char kCtrlZlb[] =
    "c802000c0005000000010002";

// scapy: L2TP(version=1,tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (38 bytes)
constexpr char kVer1L2f[] =
    "000112345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: L2TP(version=3,tunnel_id=0x1234,session_id=0x5678)/HDLC()/Raw(b'\x00\x21')/IP(src='100.64.0.1',dst='192.0.2.1',id=1)/ICMP(id=1,seq=1)
// (38 bytes)
constexpr char kVer3[] =
    "000312345678ff0300214500001c000100004001549e64400001c00002010800f7fd00010001";

// scapy: L2TP(hdr='control+length+sequence',version=3,tunnel_id=5,ns=1,nr=2)
// (12 bytes)
constexpr char kVer3Ctrl[] =
    "c803000c0005000000010002";

// ---------------------------------------------------------------------------
// Encoder references: what the LNS sends downstream for tunnel 0xbeef, session
// 0x0102, Ns 0x0304 (Nr always 0), for each framing.
// ---------------------------------------------------------------------------
// scapy: IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (28 bytes)
constexpr char kInner4[] =
    "4500001c0007000040015498c0000201644000010000fffd00010001";

// scapy: IPv6(src='2001:db8::1',dst='2001:db8:100::1')/ICMPv6EchoReply(id=1,seq=1)
// (48 bytes)
constexpr char kInner6[] =
    "6000000000083a4020010db800000000000000000000000120010db8010000000000000000000001"
    "8100224700010001";

// scapy: PPP_LCP_Echo(code=10,id=3,magic_number=0x11223344)
// (8 bytes)
constexpr char kLcpEcho[] =
    "0a03000811223344";

// scapy: L2TP(tunnel_id=0xbeef,session_id=0x0102)/HDLC()/Raw(b'\x00\x21')/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (38 bytes)
constexpr char kEncPlain[] =
    "0002beef0102ff0300214500001c0007000040015498c0000201644000010000fffd00010001";

// scapy: L2TP(hdr='length',tunnel_id=0xbeef,session_id=0x0102)/HDLC()/Raw(b'\x00\x21')/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (40 bytes)
constexpr char kEncL[] =
    "40020028beef0102ff0300214500001c0007000040015498c0000201644000010000fffd00010001";

// scapy: L2TP(hdr='sequence',tunnel_id=0xbeef,session_id=0x0102,ns=0x0304,nr=0)/HDLC()/Raw(b'\x00\x21')/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (42 bytes)
constexpr char kEncS[] =
    "0802beef010203040000ff0300214500001c0007000040015498c0000201644000010000fffd0001"
    "0001";

// scapy: L2TP(hdr='offset',tunnel_id=0xbeef,session_id=0x0102,offset=2)/HDLC()/Raw(b'\x00\x21')/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (42 bytes)
constexpr char kEncO2[] =
    "0202beef010200020000ff0300214500001c0007000040015498c0000201644000010000fffd0001"
    "0001";

// scapy: struct.pack('!HHHH',0x0202,0xbeef,0x0102,1)+b'\x00'+bytes(HDLC()/Raw(b'\x00\x21')/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1))
// (41 bytes)
constexpr char kEncO1[] =
    "0202beef0102000100ff0300214500001c0007000040015498c0000201644000010000fffd000100"
    "01";

// scapy: (lambda b: b[:2]+struct.pack('!H',len(b))+b[4:])(struct.pack('!HHHHHHH',0x4a02,0,0xbeef,0x0102,0x0304,0,8)+b'\x00'*8+bytes(HDLC()/Raw(b'\x00\x21')/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)))
// (54 bytes)
constexpr char kEncLSO8[] =
    "4a020036beef01020304000000080000000000000000ff0300214500001c0007000040015498c000"
    "0201644000010000fffd00010001";

// scapy: L2TP(tunnel_id=0xbeef,session_id=0x0102)/Raw(b'\x00\x21')/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (36 bytes)
constexpr char kEncAcfc[] =
    "0002beef010200214500001c0007000040015498c0000201644000010000fffd00010001";

// scapy: L2TP(tunnel_id=0xbeef,session_id=0x0102)/HDLC()/PPP(proto=0x21)/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (37 bytes)
constexpr char kEncPfc[] =
    "0002beef0102ff03214500001c0007000040015498c0000201644000010000fffd00010001";

// scapy: L2TP(tunnel_id=0xbeef,session_id=0x0102)/PPP(proto=0x21)/IP(src='192.0.2.1',dst='100.64.0.1',id=7)/ICMP(type=0,id=1,seq=1)
// (35 bytes)
constexpr char kEncAcfcPfc[] =
    "0002beef0102214500001c0007000040015498c0000201644000010000fffd00010001";

// scapy: L2TP(tunnel_id=0xbeef,session_id=0x0102)/PPP(proto=0xc021)/PPP_LCP_Echo(code=10,id=3,magic_number=0x11223344)
// (16 bytes)
constexpr char kEncAcfcPfcLcp[] =
    "0002beef0102c0210a03000811223344";

// scapy: L2TP(hdr='length+sequence',tunnel_id=0xbeef,session_id=0x0102,ns=0x0304,nr=0)/HDLC()/Raw(b'\x00\x57')/IPv6(src='2001:db8::1',dst='2001:db8:100::1')/ICMPv6EchoReply(id=1,seq=1)
// (64 bytes)
constexpr char kEncLS6[] =
    "48020040beef010203040000ff0300576000000000083a4020010db8000000000000000000000001"
    "20010db80100000000000000000000018100224700010001";

// scapy: (lambda b: b[:2]+struct.pack('!H',len(b))+b[4:])(struct.pack('!HHHHHHH',0x4a02,0,0xbeef,0x0102,0x0304,0,8)+b'\x00'*8+bytes(PPP(proto=0x57)/IPv6(src='2001:db8::1',dst='2001:db8:100::1')/ICMPv6EchoReply(id=1,seq=1)))
// (71 bytes)
constexpr char kEncAll6[] =
    "4a020047beef01020304000000080000000000000000576000000000083a4020010db80000000000"
    "0000000000000120010db80100000000000000000000018100224700010001";

// ---------------------------------------------------------------------------
// Parser: every header variant
// ---------------------------------------------------------------------------

struct DataCase {
    const char *name;
    const char *hex;
    uint16_t flags;
    uint16_t ns, nr;
    size_t header_len;  // L2TP header including offset padding
};

const DataCase kDataCases[] = {
    {"plain", kDataPlain, 0x0002, 0, 0, 6},
    {"L", kDataL, 0x4002, 0, 0, 8},
    {"S", kDataS, 0x0802, 7, 9, 10},
    {"O pad 2", kDataO2, 0x0202, 0, 0, 10},
    {"O pad 0", kDataO0, 0x0202, 0, 0, 8},
    {"O pad 1", kDataO1, 0x0202, 0, 0, 9},
    {"O pad 8", kDataO8, 0x0202, 0, 0, 16},
    {"P", kDataP, 0x0102, 0, 0, 6},
    {"L S O P", kDataAll, 0x4b02, 7, 9, 16},
    {"L S O(8) P", kDataAllPad8, 0x4b02, 7, 9, 22},
};

TEST(DataplaneL2tpParse, EveryHeaderVariant) {
    for (const DataCase &c : kDataCases) {
        SCOPED_TRACE(c.name);
        const std::vector<uint8_t> b = hex(c.hex);
        L2tpHeader h;
        ASSERT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::data);
        EXPECT_EQ(h.flags, c.flags);
        EXPECT_EQ(h.tunnel_id, 0x1234);
        EXPECT_EQ(h.session_id, 0x5678);
        if (c.flags & kL2tpFlagS) {
            EXPECT_EQ(h.ns, c.ns);
            EXPECT_EQ(h.nr, c.nr);
        }
        EXPECT_EQ(h.header_len, c.header_len);
        EXPECT_EQ(h.total_len, b.size());
        // What follows the header is the PPP frame scapy put there.
        uint16_t proto = 0;
        size_t hl = 0;
        ASSERT_EQ(parse_ppp_header(b.data() + h.header_len, h.total_len - h.header_len, &proto, &hl),
                  PppStatus::ok);
        EXPECT_EQ(proto, kPppIpv4);
        EXPECT_EQ(hl, 4u);
        Ipv4Info ip;
        EXPECT_EQ(parse_ipv4(b.data() + h.header_len + hl, h.total_len - h.header_len - hl, false, &ip),
                  Ipv4Status::ok);
    }
}

TEST(DataplaneL2tpParse, ReservedBitsAreIgnored) {
    // RFC 2661 §3.1: the x bits are sent as 0 and ignored on receipt.
    for (const DataCase &c : kDataCases) {
        SCOPED_TRACE(c.name);
        std::vector<uint8_t> b = hex(c.hex);
        b[0] |= 0x34;  // the three x bits of the first octet
        b[1] |= 0xf0;  // the four x bits before Ver
        L2tpHeader h;
        ASSERT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::data);
        EXPECT_EQ(h.header_len, c.header_len);
        EXPECT_EQ(h.tunnel_id, 0x1234);
        EXPECT_EQ(h.session_id, 0x5678);
    }
}

TEST(DataplaneL2tpParse, ControlMessages) {
    for (const char *x : {kCtrlSccrq, kCtrlZlb}) {
        const std::vector<uint8_t> b = hex(x);
        L2tpHeader h;
        EXPECT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::control);
        // T=1 is recognised from the first two octets alone.
        for (size_t n = 2; n <= b.size(); n++) EXPECT_EQ(parse_prefix(b, n, &h), L2tpStatus::control) << n;
        EXPECT_EQ(parse_prefix(b, 1, &h), L2tpStatus::truncated);
        EXPECT_EQ(parse_prefix(b, 0, &h), L2tpStatus::truncated);
    }
}

TEST(DataplaneL2tpParse, WrongVersions) {
    L2tpHeader h;
    for (const char *x : {kVer1L2f, kVer3, kVer3Ctrl}) {
        const std::vector<uint8_t> b = hex(x);
        EXPECT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::bad_version);
    }
    // Every other value of Ver, data and control.
    std::vector<uint8_t> b = hex(kDataPlain);
    for (uint8_t ver = 0; ver < 16; ver++) {
        for (uint8_t t : {0x00, 0x80}) {
            b[0] = t;
            b[1] = ver;
            const L2tpStatus want =
                ver != 2 ? L2tpStatus::bad_version : t ? L2tpStatus::control : L2tpStatus::data;
            EXPECT_EQ(parse_prefix(b, b.size(), &h), want) << int(ver) << " T=" << int(t);
        }
    }
}

// Truncation at every byte boundary: exact expectations per prefix length.
TEST(DataplaneL2tpParse, TruncatedAtEveryByte) {
    for (const DataCase &c : kDataCases) {
        SCOPED_TRACE(c.name);
        const std::vector<uint8_t> b = hex(c.hex);
        const bool has_l = c.flags & kL2tpFlagL;
        const bool has_o = c.flags & kL2tpFlagO;
        const size_t pad_start = 2 + (has_l ? 2 : 0) + 4 + (c.flags & kL2tpFlagS ? 4 : 0) + 2;
        for (size_t n = 0; n <= b.size(); n++) {
            L2tpHeader h;
            const L2tpStatus st = parse_prefix(b, n, &h);
            L2tpStatus want;
            if (n < 2) {
                want = L2tpStatus::truncated;
            } else if (has_l) {
                // Length says b.size(): any other datagram size disagrees with it.
                want = n < 4 ? L2tpStatus::truncated
                             : n != b.size() ? L2tpStatus::bad_length : L2tpStatus::data;
            } else if (n >= c.header_len) {
                want = L2tpStatus::data;
            } else if (has_o && n >= pad_start) {
                want = L2tpStatus::bad_offset;  // the Offset Size is there, the pad is not
            } else {
                want = L2tpStatus::truncated;
            }
            ASSERT_EQ(st, want) << "prefix " << n;
            if (st == L2tpStatus::data) {
                EXPECT_EQ(h.header_len, c.header_len) << n;
                EXPECT_EQ(h.total_len, n) << n;
                EXPECT_LE(h.header_len, h.total_len);
            }
        }
    }
}

TEST(DataplaneL2tpParse, LengthLargerThanDatagram) {
    std::vector<uint8_t> b = hex(kDataL);
    L2tpHeader h;
    for (uint16_t len : {uint16_t(b.size() + 1), uint16_t(b.size() + 100), uint16_t(0xffff)}) {
        store_be16(b.data() + 2, len);
        EXPECT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::bad_length) << len;
    }
}

// Length must equal the UDP payload: a shorter Length (trailing bytes after the
// message, or a Length that does not even cover the header) is malformed.
TEST(DataplaneL2tpParse, LengthShorterThanDatagram) {
    L2tpHeader h;
    for (const char *x : {kDataL, kDataAll, kDataAllPad8}) {
        std::vector<uint8_t> b = hex(x);
        for (size_t len = 0; len < b.size(); len++) {
            store_be16(b.data() + 2, uint16_t(len));
            EXPECT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::bad_length) << "Length " << len;
        }
    }
}

TEST(DataplaneL2tpParse, BytesPastLengthAreRejected) {
    std::vector<uint8_t> b = hex(kDataAll);
    b.insert(b.end(), {0xde, 0xad, 0xbe, 0xef, 0, 0, 0});
    L2tpHeader h;
    EXPECT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::bad_length);
    // Without L nothing bounds the message but the datagram: the bytes belong to it.
    std::vector<uint8_t> p = hex(kDataS);
    p.insert(p.end(), {0xde, 0xad});
    ASSERT_EQ(parse_prefix(p, p.size(), &h), L2tpStatus::data);
    EXPECT_EQ(h.total_len, p.size());
}

TEST(DataplaneL2tpParse, LengthEqualToHeaderIsAnEmptyMessage) {
    std::vector<uint8_t> b = hex(kDataAll);
    b.resize(16);
    store_be16(b.data() + 2, 16);
    L2tpHeader h;
    ASSERT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::data);
    EXPECT_EQ(h.header_len, 16u);
    EXPECT_EQ(h.total_len, 16u);
}

TEST(DataplaneL2tpParse, LengthAgreeingWithAShortDatagramIsTruncated) {
    // Length matches the datagram, but neither holds the whole header.
    std::vector<uint8_t> all = hex(kDataAll);  // fixed header 14 bytes, pad 2
    L2tpHeader h;
    for (uint16_t len = 4; len < 14; len++) {
        store_be16(all.data() + 2, len);
        EXPECT_EQ(parse_prefix(all, len, &h), L2tpStatus::truncated) << len;
    }
    for (uint16_t len : {14, 15}) {  // the Offset Size is there, the pad is not
        store_be16(all.data() + 2, len);
        EXPECT_EQ(parse_prefix(all, len, &h), L2tpStatus::bad_offset) << len;
    }
}

TEST(DataplaneL2tpParse, OffsetSizeBeyondPacket) {
    L2tpHeader h;
    std::vector<uint8_t> b = hex(kDataO8);  // Offset Size at bytes 6..7
    // Pad exactly to the end: an empty PPP frame, still a data message.
    store_be16(b.data() + 6, uint16_t(b.size() - 8));
    ASSERT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::data);
    EXPECT_EQ(h.header_len, b.size());
    EXPECT_EQ(h.total_len, b.size());
    for (uint16_t pad : {uint16_t(b.size() - 7), uint16_t(0x100), uint16_t(0xffff)}) {
        store_be16(b.data() + 6, pad);
        EXPECT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::bad_offset) << pad;
    }
    // With L, S and O.
    std::vector<uint8_t> a = hex(kDataAllPad8);  // Length 54, Offset Size at 12..13
    store_be16(a.data() + 12, uint16_t(a.size() - 14 + 1));
    EXPECT_EQ(parse_prefix(a, a.size(), &h), L2tpStatus::bad_offset);
    store_be16(a.data() + 12, uint16_t(a.size() - 14));
    ASSERT_EQ(parse_prefix(a, a.size(), &h), L2tpStatus::data);
    EXPECT_EQ(h.header_len, a.size());
    EXPECT_EQ(h.total_len, a.size());
}

TEST(DataplaneL2tpParse, OffsetSizeFieldItselfTruncated) {
    const std::vector<uint8_t> b = hex(kDataO2);
    L2tpHeader h;
    EXPECT_EQ(parse_prefix(b, 6, &h), L2tpStatus::truncated);
    EXPECT_EQ(parse_prefix(b, 7, &h), L2tpStatus::truncated);
    EXPECT_EQ(parse_prefix(b, 8, &h), L2tpStatus::bad_offset);
    EXPECT_EQ(parse_prefix(b, 9, &h), L2tpStatus::bad_offset);
    EXPECT_EQ(parse_prefix(b, 10, &h), L2tpStatus::data);
}

// ---------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------

struct EncCase {
    const char *name;
    const char *frame;    // scapy: L2TP + PPP + payload
    const char *payload;  // the bytes after the PPP protocol field
    L2tpTxFraming f;
    uint16_t protocol;
};

L2tpTxFraming framing(bool seq, bool len, uint8_t offset, bool acfc, bool pfc) {
    L2tpTxFraming f;
    f.sequencing = seq;
    f.length = len;
    f.offset = offset;
    f.acfc = acfc;
    f.pfc = pfc;
    return f;
}

const EncCase kEncCases[] = {
    {"plain", kEncPlain, kInner4, framing(false, false, 0, false, false), kPppIpv4},
    {"L", kEncL, kInner4, framing(false, true, 0, false, false), kPppIpv4},
    {"S", kEncS, kInner4, framing(true, false, 0, false, false), kPppIpv4},
    {"O 2", kEncO2, kInner4, framing(false, false, 2, false, false), kPppIpv4},
    {"O 1", kEncO1, kInner4, framing(false, false, 1, false, false), kPppIpv4},
    {"L S O 8", kEncLSO8, kInner4, framing(true, true, 8, false, false), kPppIpv4},
    {"ACFC", kEncAcfc, kInner4, framing(false, false, 0, true, false), kPppIpv4},
    {"PFC", kEncPfc, kInner4, framing(false, false, 0, false, true), kPppIpv4},
    {"ACFC PFC", kEncAcfcPfc, kInner4, framing(false, false, 0, true, true), kPppIpv4},
    {"ACFC PFC LCP keeps 2-byte protocol", kEncAcfcPfcLcp, kLcpEcho, framing(false, false, 0, true, true),
     kPppLcp},
    {"L S IPv6", kEncLS6, kInner6, framing(true, true, 0, false, false), kPppIpv6},
    {"L S O 8 ACFC PFC IPv6", kEncAll6, kInner6, framing(true, true, 8, true, true), kPppIpv6},
};

TEST(DataplaneL2tpEncode, MatchesScapyByteForByte) {
    for (const EncCase &c : kEncCases) {
        SCOPED_TRACE(c.name);
        const std::vector<uint8_t> want = hex(c.frame);
        const std::vector<uint8_t> payload = hex(c.payload);
        std::vector<uint8_t> buf(256, 0xaa);
        const size_t n = write_l2tp_ppp_header(buf.data(), c.f, 0xbeef, 0x0102, 0x0304, c.protocol,
                                               payload.size());
        ASSERT_EQ(n, l2tp_data_header_size(c.f) + ppp_header_size(c.f, c.protocol));
        ASSERT_EQ(n + payload.size(), want.size());
        for (size_t i = n; i < buf.size(); i++) ASSERT_EQ(buf[i], 0xaa) << "wrote past the header at " << i;
        std::memcpy(buf.data() + n, payload.data(), payload.size());
        buf.resize(want.size());
        EXPECT_EQ(buf, want);
    }
}

TEST(DataplaneL2tpEncode, ScapyFramesParseBack) {
    for (const EncCase &c : kEncCases) {
        SCOPED_TRACE(c.name);
        const std::vector<uint8_t> b = hex(c.frame);
        L2tpHeader h;
        ASSERT_EQ(parse_prefix(b, b.size(), &h), L2tpStatus::data);
        EXPECT_EQ(h.tunnel_id, 0xbeef);
        EXPECT_EQ(h.session_id, 0x0102);
        EXPECT_EQ(h.ns, c.f.sequencing ? 0x0304 : 0);
        EXPECT_EQ(h.nr, 0);
        EXPECT_EQ(h.header_len, l2tp_data_header_size(c.f));
        EXPECT_EQ(h.total_len, b.size());
        uint16_t proto = 0;
        size_t hl = 0;
        ASSERT_EQ(parse_ppp_header(b.data() + h.header_len, b.size() - h.header_len, &proto, &hl),
                  PppStatus::ok);
        EXPECT_EQ(proto, c.protocol);
        EXPECT_EQ(hl, ppp_header_size(c.f, c.protocol));
    }
}

TEST(DataplaneL2tpEncode, HeaderSizes) {
    EXPECT_EQ(l2tp_data_header_size(framing(false, false, 0, false, false)), 6u);
    EXPECT_EQ(l2tp_data_header_size(framing(false, true, 0, false, false)), 8u);
    EXPECT_EQ(l2tp_data_header_size(framing(true, false, 0, false, false)), 10u);
    EXPECT_EQ(l2tp_data_header_size(framing(false, false, 1, false, false)), 9u);
    EXPECT_EQ(l2tp_data_header_size(framing(true, true, 255, false, false)), 2u + 2 + 4 + 4 + 2 + 255);
    EXPECT_EQ(ppp_header_size(framing(false, false, 0, false, false), kPppIpv4), 4u);
    EXPECT_EQ(ppp_header_size(framing(false, false, 0, true, false), kPppIpv4), 2u);
    EXPECT_EQ(ppp_header_size(framing(false, false, 0, false, true), kPppIpv4), 3u);
    EXPECT_EQ(ppp_header_size(framing(false, false, 0, true, true), kPppIpv6), 1u);
    // PFC applies only to protocols below 0x100 (RFC 1661 §6.5).
    EXPECT_EQ(ppp_header_size(framing(false, false, 0, true, true), kPppLcp), 2u);
    EXPECT_EQ(ppp_header_size(framing(false, false, 0, false, true), kPppIpcp), 4u);
}

// Every framing (S, L, Offset Size 0/1/2/8, ACFC, PFC) for an IPv4 and an LCP
// protocol: the L2TP + PPP header bytes for tunnel 0xbeef, session 0x0102,
// Ns 0x0304 and a 28-byte payload, generated with scapy 2.5:
//   ppp = (b'' if acfc else bytes(HDLC())) + (bytes(PPP(proto=proto)) if pfc and proto < 0x100
//                                            else struct.pack('!H', proto))
//   offset 0 or 2: bytes(L2TP(hdr='length+sequence+offset' (those set), tunnel_id=0xbeef,
//                  session_id=0x0102, ns=0x0304, nr=0, len=<total>, offset=2)) + ppp
//   offset 1 or 8 (scapy always pads the Offset Size to 4 bytes): struct.pack of
//                  flags, Length, ids, Ns, Nr 0, Offset Size, then that many zero bytes
struct FramingRow {
    int seq, length, offset, acfc, pfc;
    uint16_t protocol;
    const char *header;
};
const FramingRow kEveryFraming[] = {
    {0, 0, 0, 0, 0, 0x0021, "0002beef0102ff030021"},
    {0, 0, 0, 0, 0, 0xc021, "0002beef0102ff03c021"},
    {0, 0, 0, 0, 1, 0x0021, "0002beef0102ff0321"},
    {0, 0, 0, 0, 1, 0xc021, "0002beef0102ff03c021"},
    {0, 0, 0, 1, 0, 0x0021, "0002beef01020021"},
    {0, 0, 0, 1, 0, 0xc021, "0002beef0102c021"},
    {0, 0, 0, 1, 1, 0x0021, "0002beef010221"},
    {0, 0, 0, 1, 1, 0xc021, "0002beef0102c021"},
    {0, 0, 1, 0, 0, 0x0021, "0202beef0102000100ff030021"},
    {0, 0, 1, 0, 0, 0xc021, "0202beef0102000100ff03c021"},
    {0, 0, 1, 0, 1, 0x0021, "0202beef0102000100ff0321"},
    {0, 0, 1, 0, 1, 0xc021, "0202beef0102000100ff03c021"},
    {0, 0, 1, 1, 0, 0x0021, "0202beef01020001000021"},
    {0, 0, 1, 1, 0, 0xc021, "0202beef0102000100c021"},
    {0, 0, 1, 1, 1, 0x0021, "0202beef010200010021"},
    {0, 0, 1, 1, 1, 0xc021, "0202beef0102000100c021"},
    {0, 0, 2, 0, 0, 0x0021, "0202beef010200020000ff030021"},
    {0, 0, 2, 0, 0, 0xc021, "0202beef010200020000ff03c021"},
    {0, 0, 2, 0, 1, 0x0021, "0202beef010200020000ff0321"},
    {0, 0, 2, 0, 1, 0xc021, "0202beef010200020000ff03c021"},
    {0, 0, 2, 1, 0, 0x0021, "0202beef0102000200000021"},
    {0, 0, 2, 1, 0, 0xc021, "0202beef010200020000c021"},
    {0, 0, 2, 1, 1, 0x0021, "0202beef01020002000021"},
    {0, 0, 2, 1, 1, 0xc021, "0202beef010200020000c021"},
    {0, 0, 8, 0, 0, 0x0021, "0202beef010200080000000000000000ff030021"},
    {0, 0, 8, 0, 0, 0xc021, "0202beef010200080000000000000000ff03c021"},
    {0, 0, 8, 0, 1, 0x0021, "0202beef010200080000000000000000ff0321"},
    {0, 0, 8, 0, 1, 0xc021, "0202beef010200080000000000000000ff03c021"},
    {0, 0, 8, 1, 0, 0x0021, "0202beef0102000800000000000000000021"},
    {0, 0, 8, 1, 0, 0xc021, "0202beef010200080000000000000000c021"},
    {0, 0, 8, 1, 1, 0x0021, "0202beef01020008000000000000000021"},
    {0, 0, 8, 1, 1, 0xc021, "0202beef010200080000000000000000c021"},
    {0, 1, 0, 0, 0, 0x0021, "40020028beef0102ff030021"},
    {0, 1, 0, 0, 0, 0xc021, "40020028beef0102ff03c021"},
    {0, 1, 0, 0, 1, 0x0021, "40020027beef0102ff0321"},
    {0, 1, 0, 0, 1, 0xc021, "40020028beef0102ff03c021"},
    {0, 1, 0, 1, 0, 0x0021, "40020026beef01020021"},
    {0, 1, 0, 1, 0, 0xc021, "40020026beef0102c021"},
    {0, 1, 0, 1, 1, 0x0021, "40020025beef010221"},
    {0, 1, 0, 1, 1, 0xc021, "40020026beef0102c021"},
    {0, 1, 1, 0, 0, 0x0021, "4202002bbeef0102000100ff030021"},
    {0, 1, 1, 0, 0, 0xc021, "4202002bbeef0102000100ff03c021"},
    {0, 1, 1, 0, 1, 0x0021, "4202002abeef0102000100ff0321"},
    {0, 1, 1, 0, 1, 0xc021, "4202002bbeef0102000100ff03c021"},
    {0, 1, 1, 1, 0, 0x0021, "42020029beef01020001000021"},
    {0, 1, 1, 1, 0, 0xc021, "42020029beef0102000100c021"},
    {0, 1, 1, 1, 1, 0x0021, "42020028beef010200010021"},
    {0, 1, 1, 1, 1, 0xc021, "42020029beef0102000100c021"},
    {0, 1, 2, 0, 0, 0x0021, "4202002cbeef010200020000ff030021"},
    {0, 1, 2, 0, 0, 0xc021, "4202002cbeef010200020000ff03c021"},
    {0, 1, 2, 0, 1, 0x0021, "4202002bbeef010200020000ff0321"},
    {0, 1, 2, 0, 1, 0xc021, "4202002cbeef010200020000ff03c021"},
    {0, 1, 2, 1, 0, 0x0021, "4202002abeef0102000200000021"},
    {0, 1, 2, 1, 0, 0xc021, "4202002abeef010200020000c021"},
    {0, 1, 2, 1, 1, 0x0021, "42020029beef01020002000021"},
    {0, 1, 2, 1, 1, 0xc021, "4202002abeef010200020000c021"},
    {0, 1, 8, 0, 0, 0x0021, "42020032beef010200080000000000000000ff030021"},
    {0, 1, 8, 0, 0, 0xc021, "42020032beef010200080000000000000000ff03c021"},
    {0, 1, 8, 0, 1, 0x0021, "42020031beef010200080000000000000000ff0321"},
    {0, 1, 8, 0, 1, 0xc021, "42020032beef010200080000000000000000ff03c021"},
    {0, 1, 8, 1, 0, 0x0021, "42020030beef0102000800000000000000000021"},
    {0, 1, 8, 1, 0, 0xc021, "42020030beef010200080000000000000000c021"},
    {0, 1, 8, 1, 1, 0x0021, "4202002fbeef01020008000000000000000021"},
    {0, 1, 8, 1, 1, 0xc021, "42020030beef010200080000000000000000c021"},
    {1, 0, 0, 0, 0, 0x0021, "0802beef010203040000ff030021"},
    {1, 0, 0, 0, 0, 0xc021, "0802beef010203040000ff03c021"},
    {1, 0, 0, 0, 1, 0x0021, "0802beef010203040000ff0321"},
    {1, 0, 0, 0, 1, 0xc021, "0802beef010203040000ff03c021"},
    {1, 0, 0, 1, 0, 0x0021, "0802beef0102030400000021"},
    {1, 0, 0, 1, 0, 0xc021, "0802beef010203040000c021"},
    {1, 0, 0, 1, 1, 0x0021, "0802beef01020304000021"},
    {1, 0, 0, 1, 1, 0xc021, "0802beef010203040000c021"},
    {1, 0, 1, 0, 0, 0x0021, "0a02beef010203040000000100ff030021"},
    {1, 0, 1, 0, 0, 0xc021, "0a02beef010203040000000100ff03c021"},
    {1, 0, 1, 0, 1, 0x0021, "0a02beef010203040000000100ff0321"},
    {1, 0, 1, 0, 1, 0xc021, "0a02beef010203040000000100ff03c021"},
    {1, 0, 1, 1, 0, 0x0021, "0a02beef0102030400000001000021"},
    {1, 0, 1, 1, 0, 0xc021, "0a02beef010203040000000100c021"},
    {1, 0, 1, 1, 1, 0x0021, "0a02beef01020304000000010021"},
    {1, 0, 1, 1, 1, 0xc021, "0a02beef010203040000000100c021"},
    {1, 0, 2, 0, 0, 0x0021, "0a02beef01020304000000020000ff030021"},
    {1, 0, 2, 0, 0, 0xc021, "0a02beef01020304000000020000ff03c021"},
    {1, 0, 2, 0, 1, 0x0021, "0a02beef01020304000000020000ff0321"},
    {1, 0, 2, 0, 1, 0xc021, "0a02beef01020304000000020000ff03c021"},
    {1, 0, 2, 1, 0, 0x0021, "0a02beef010203040000000200000021"},
    {1, 0, 2, 1, 0, 0xc021, "0a02beef01020304000000020000c021"},
    {1, 0, 2, 1, 1, 0x0021, "0a02beef0102030400000002000021"},
    {1, 0, 2, 1, 1, 0xc021, "0a02beef01020304000000020000c021"},
    {1, 0, 8, 0, 0, 0x0021, "0a02beef01020304000000080000000000000000ff030021"},
    {1, 0, 8, 0, 0, 0xc021, "0a02beef01020304000000080000000000000000ff03c021"},
    {1, 0, 8, 0, 1, 0x0021, "0a02beef01020304000000080000000000000000ff0321"},
    {1, 0, 8, 0, 1, 0xc021, "0a02beef01020304000000080000000000000000ff03c021"},
    {1, 0, 8, 1, 0, 0x0021, "0a02beef010203040000000800000000000000000021"},
    {1, 0, 8, 1, 0, 0xc021, "0a02beef01020304000000080000000000000000c021"},
    {1, 0, 8, 1, 1, 0x0021, "0a02beef0102030400000008000000000000000021"},
    {1, 0, 8, 1, 1, 0xc021, "0a02beef01020304000000080000000000000000c021"},
    {1, 1, 0, 0, 0, 0x0021, "4802002cbeef010203040000ff030021"},
    {1, 1, 0, 0, 0, 0xc021, "4802002cbeef010203040000ff03c021"},
    {1, 1, 0, 0, 1, 0x0021, "4802002bbeef010203040000ff0321"},
    {1, 1, 0, 0, 1, 0xc021, "4802002cbeef010203040000ff03c021"},
    {1, 1, 0, 1, 0, 0x0021, "4802002abeef0102030400000021"},
    {1, 1, 0, 1, 0, 0xc021, "4802002abeef010203040000c021"},
    {1, 1, 0, 1, 1, 0x0021, "48020029beef01020304000021"},
    {1, 1, 0, 1, 1, 0xc021, "4802002abeef010203040000c021"},
    {1, 1, 1, 0, 0, 0x0021, "4a02002fbeef010203040000000100ff030021"},
    {1, 1, 1, 0, 0, 0xc021, "4a02002fbeef010203040000000100ff03c021"},
    {1, 1, 1, 0, 1, 0x0021, "4a02002ebeef010203040000000100ff0321"},
    {1, 1, 1, 0, 1, 0xc021, "4a02002fbeef010203040000000100ff03c021"},
    {1, 1, 1, 1, 0, 0x0021, "4a02002dbeef0102030400000001000021"},
    {1, 1, 1, 1, 0, 0xc021, "4a02002dbeef010203040000000100c021"},
    {1, 1, 1, 1, 1, 0x0021, "4a02002cbeef01020304000000010021"},
    {1, 1, 1, 1, 1, 0xc021, "4a02002dbeef010203040000000100c021"},
    {1, 1, 2, 0, 0, 0x0021, "4a020030beef01020304000000020000ff030021"},
    {1, 1, 2, 0, 0, 0xc021, "4a020030beef01020304000000020000ff03c021"},
    {1, 1, 2, 0, 1, 0x0021, "4a02002fbeef01020304000000020000ff0321"},
    {1, 1, 2, 0, 1, 0xc021, "4a020030beef01020304000000020000ff03c021"},
    {1, 1, 2, 1, 0, 0x0021, "4a02002ebeef010203040000000200000021"},
    {1, 1, 2, 1, 0, 0xc021, "4a02002ebeef01020304000000020000c021"},
    {1, 1, 2, 1, 1, 0x0021, "4a02002dbeef0102030400000002000021"},
    {1, 1, 2, 1, 1, 0xc021, "4a02002ebeef01020304000000020000c021"},
    {1, 1, 8, 0, 0, 0x0021, "4a020036beef01020304000000080000000000000000ff030021"},
    {1, 1, 8, 0, 0, 0xc021, "4a020036beef01020304000000080000000000000000ff03c021"},
    {1, 1, 8, 0, 1, 0x0021, "4a020035beef01020304000000080000000000000000ff0321"},
    {1, 1, 8, 0, 1, 0xc021, "4a020036beef01020304000000080000000000000000ff03c021"},
    {1, 1, 8, 1, 0, 0x0021, "4a020034beef010203040000000800000000000000000021"},
    {1, 1, 8, 1, 0, 0xc021, "4a020034beef01020304000000080000000000000000c021"},
    {1, 1, 8, 1, 1, 0x0021, "4a020033beef0102030400000008000000000000000021"},
    {1, 1, 8, 1, 1, 0xc021, "4a020034beef01020304000000080000000000000000c021"},
};

TEST(DataplaneL2tpEncode, EveryFramingMatchesScapyHeaders) {
    ASSERT_EQ(std::size(kEveryFraming), 128u);
    for (const FramingRow &r : kEveryFraming) {
        const L2tpTxFraming f = framing(r.seq, r.length, uint8_t(r.offset), r.acfc, r.pfc);
        const std::vector<uint8_t> want = hex(r.header);
        std::vector<uint8_t> buf(64, 0xaa);
        const size_t n = write_l2tp_ppp_header(buf.data(), f, 0xbeef, 0x0102, 0x0304, r.protocol, 28);
        buf.resize(n);
        EXPECT_EQ(buf, want) << "S=" << r.seq << " L=" << r.length << " O=" << r.offset << " ACFC=" << r.acfc
                             << " PFC=" << r.pfc << " protocol=" << std::hex << r.protocol;
    }
}

// Every framing and protocol: what the encoder writes parses back to the same
// fields, and the Length field counts header + payload.
TEST(DataplaneL2tpEncode, RoundTripEveryFraming) {
    const uint16_t protocols[] = {kPppIpv4, kPppIpv6, kPppLcp, kPppPap, kPppChap, kPppIpcp, kPppIpv6cp};
    const uint8_t offsets[] = {0, 1, 2, 3, 8, 255};
    int cases = 0;
    for (int bits = 0; bits < 16; bits++) {
        for (uint8_t off : offsets) {
            for (uint16_t proto : protocols) {
                const L2tpTxFraming f = framing(bits & 1, bits & 2, off, bits & 4, bits & 8);
                const size_t payload_len = 37;
                std::vector<uint8_t> buf(512, 0x5a);
                const size_t n = write_l2tp_ppp_header(buf.data(), f, 0x0a0b, 0xc0d0, 0xfffe, proto, payload_len);
                ASSERT_EQ(n, l2tp_data_header_size(f) + ppp_header_size(f, proto));
                buf.resize(n + payload_len);
                L2tpHeader h;
                ASSERT_EQ(parse_prefix(buf, buf.size(), &h), L2tpStatus::data);
                EXPECT_EQ(h.tunnel_id, 0x0a0b);
                EXPECT_EQ(h.session_id, 0xc0d0);
                EXPECT_EQ(bool(h.flags & kL2tpFlagS), f.sequencing);
                EXPECT_EQ(bool(h.flags & kL2tpFlagL), f.length);
                EXPECT_EQ(bool(h.flags & kL2tpFlagO), off != 0);
                EXPECT_EQ(h.flags & (kL2tpFlagT | kL2tpFlagP), 0);
                if (f.sequencing) {
                    EXPECT_EQ(h.ns, 0xfffe);
                    EXPECT_EQ(h.nr, 0);
                }
                if (f.length) {
                    EXPECT_EQ(load_be16(buf.data() + 2), buf.size());
                }
                EXPECT_EQ(h.header_len, l2tp_data_header_size(f));
                for (size_t i = h.header_len - off; i < h.header_len; i++) EXPECT_EQ(buf[i], 0) << "pad " << i;
                uint16_t p = 0;
                size_t hl = 0;
                ASSERT_EQ(parse_ppp_header(buf.data() + h.header_len, buf.size() - h.header_len, &p, &hl),
                          PppStatus::ok);
                EXPECT_EQ(p, proto);
                EXPECT_EQ(h.header_len + hl, n);
                cases++;
            }
        }
    }
    EXPECT_EQ(cases, 16 * 6 * 7);
}

}  // namespace
}  // namespace lns::dp
