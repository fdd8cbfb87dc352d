// Unit tests for TCP MSS clamping (dataplane/pkt/ip.hpp): tcp_clamp_mss,
// ipv4_clamp_mss, ipv6_clamp_mss.  The clamp rewrites the MSS option of a SYN
// (RFC 9293 §3.7.1, option kind 2 length 4) and updates the TCP checksum
// incrementally (RFC 1624); the option may sit at an odd offset.
// Reference segments built with scapy 2.5 (`from scapy.all import *`): each
// "before" has a twin with the clamped MSS and scapy's own checksum, and the
// clamp must reproduce it byte for byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dataplane/pkt/ip.hpp"

namespace lns::dp {
namespace {

std::vector<uint8_t> hex(const char *s) {
    std::vector<uint8_t> out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; s[i] && s[i + 1]; i += 2) out.push_back(uint8_t(nib(s[i]) << 4 | nib(s[i + 1])));
    return out;
}

// Reference one's-complement sum (RFC 1071), independent of csum_partial.
uint64_t ref_sum(const uint8_t *p, size_t len, uint64_t sum = 0) {
    for (size_t i = 0; i < len; i++) sum += (i & 1) ? uint64_t(p[i]) : uint64_t(p[i]) << 8;
    return sum;
}
uint16_t ref_fold(uint64_t sum) {
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum & 0xffff);
}

// TCP checksum recomputed from scratch: pseudo-header + segment with the
// checksum field zeroed (RFC 9293 §3.1, RFC 8200 §8.1).
uint16_t tcp_checksum_v4(const uint8_t *ip) {
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    const size_t seg = load_be16(ip + 2) - ihl;
    std::vector<uint8_t> t(ip + ihl, ip + ihl + seg);
    t[16] = t[17] = 0;
    uint8_t ph[12];
    std::memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = kIpProtoTcp;
    store_be16(ph + 10, uint16_t(seg));
    return ref_fold(ref_sum(t.data(), t.size(), ref_sum(ph, sizeof ph)));
}
uint16_t tcp_checksum_v6(const uint8_t *ip) {
    const size_t seg = load_be16(ip + 4);
    std::vector<uint8_t> t(ip + 40, ip + 40 + seg);
    t[16] = t[17] = 0;
    uint8_t ph[40] = {};
    std::memcpy(ph, ip + 8, 32);
    store_be32(ph + 32, uint32_t(seg));
    ph[39] = kIpProtoTcp;
    return ref_fold(ref_sum(t.data(), t.size(), ref_sum(ph, sizeof ph)));
}
bool tcp_checksum_ok(const std::vector<uint8_t> &ip) {
    if ((ip[0] >> 4) == 6) return tcp_checksum_v6(ip.data()) == load_be16(ip.data() + 40 + 16);
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    return tcp_checksum_v4(ip.data()) == load_be16(ip.data() + ihl + 16);
}

// An IPv4 SYN from 100.64.0.1:40000 to 192.0.2.1:443 with the given TCP options
// (padded with EOL to a multiple of 4) and payload; checksums from scratch.
std::vector<uint8_t> make_syn4(std::vector<uint8_t> opts, size_t payload = 0, uint8_t flags = 0x02) {
    while (opts.size() % 4) opts.push_back(0);
    const size_t tcp_len = 20 + opts.size();
    std::vector<uint8_t> p(20 + tcp_len + payload, 0);
    p[0] = 0x45;
    store_be16(p.data() + 2, uint16_t(p.size()));
    p[8] = 64;
    p[9] = kIpProtoTcp;
    store_be32(p.data() + 12, 0x64400001);
    store_be32(p.data() + 16, 0xc0000201);
    store_be16(p.data() + 10, ref_fold(ref_sum(p.data(), 20)));
    uint8_t *t = p.data() + 20;
    store_be16(t, 40000);
    store_be16(t + 2, 443);
    store_be32(t + 4, 1000);
    t[12] = uint8_t(tcp_len / 4 << 4);
    t[13] = flags;
    store_be16(t + 14, 64240);
    std::memcpy(t + 20, opts.data(), opts.size());
    for (size_t i = 0; i < payload; i++) t[tcp_len + i] = uint8_t('a' + i % 26);
    store_be16(t + 16, tcp_checksum_v4(p.data()));
    return p;
}

// Runs `fn` on an exact-size heap copy of `b` (reads or writes past the end trip
// ASan) and copies the result back.
template <class Fn>
bool on_copy(std::vector<uint8_t> &b, size_t n, Fn fn) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n == 0 ? 1 : n]);
    if (n) std::memcpy(copy.get(), b.data(), n);
    const bool r = fn(copy.get(), n);
    std::memcpy(b.data(), copy.get(), n);
    return r;
}

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1460)])
// (44 bytes)
constexpr char kSynMssEven[] =
    "4500002c000900004006548164400001c00002019c4001bb000003e8000000006002faf0d50f0000"
    "020405b4";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1400)])
// (44 bytes)
constexpr char kSynMssEven1400[] =
    "4500002c000900004006548164400001c00002019c4001bb000003e8000000006002faf0d54b0000"
    "02040578";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('MSS',1460)])
// (48 bytes)
constexpr char kSynMssOdd[] =
    "45000030000900004006547d64400001c00002019c4001bb000003e8000000007002faf013bc0000"
    "01020405b4000000";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('MSS',1400)])
// (48 bytes)
constexpr char kSynMssOdd1400[] =
    "45000030000900004006547d64400001c00002019c4001bb000003e8000000007002faf04fbc0000"
    "0102040578000000";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1460),('SAckOK',b''),('Timestamp',(12345,0)),('NOP',None),('WScale',7)])
// (60 bytes)
constexpr char kSynLinux[] =
    "4500003c000900004006547164400001c00002019c4001bb000003e800000000a002faf054b00000"
    "020405b40402080a000030390000000001030307";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1400),('SAckOK',b''),('Timestamp',(12345,0)),('NOP',None),('WScale',7)])
// (60 bytes)
constexpr char kSynLinux1400[] =
    "4500003c000900004006547164400001c00002019c4001bb000003e800000000a002faf054ec0000"
    "020405780402080a000030390000000001030307";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('NOP',None),('Timestamp',(1,2)),('NOP',None),('MSS',1460)])
// (60 bytes)
constexpr char kSynMssOddLate[] =
    "4500003c000900004006547164400001c00002019c4001bb000003e800000000a002faf0daa10000"
    "0101080a000000010000000201020405b4000000";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('NOP',None),('Timestamp',(1,2)),('NOP',None),('MSS',1400)])
// (60 bytes)
constexpr char kSynMssOddLate1400[] =
    "4500003c000900004006547164400001c00002019c4001bb000003e800000000a002faf016a20000"
    "0101080a00000001000000020102040578000000";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='SA',window=64240,options=[('MSS',1460),('NOP',None),('WScale',7)])
// (48 bytes)
constexpr char kSynAckMss[] =
    "45000030000900004006547d64400001c00002019c4001bb000003e8000000007012faf0c0f10000"
    "020405b401030307";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='SA',window=64240,options=[('MSS',1400),('NOP',None),('WScale',7)])
// (48 bytes)
constexpr char kSynAckMss1400[] =
    "45000030000900004006547d64400001c00002019c4001bb000003e8000000007012faf0c12d0000"
    "0204057801030307";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9,options=[IPOption_Router_Alert()])/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1460)])
// (48 bytes)
constexpr char kSynRouterAlert[] =
    "46000030000900004006bf7864400001c0000201940400009c4001bb000003e8000000006002faf0"
    "d50f0000020405b4";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9,options=[IPOption_Router_Alert()])/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1400)])
// (48 bytes)
constexpr char kSynRouterAlert1400[] =
    "46000030000900004006bf7864400001c0000201940400009c4001bb000003e8000000006002faf0"
    "d54b000002040578";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('MSS',1460)])/Raw(b'hello')
// (53 bytes)
constexpr char kSynPayloadOdd[] =
    "45000035000900004006547864400001c00002019c4001bb000003e8000000007002faf0cfe40000"
    "01020405b400000068656c6c6f";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('MSS',1400)])/Raw(b'hello')
// (53 bytes)
constexpr char kSynPayloadOdd1400[] =
    "45000035000900004006547864400001c00002019c4001bb000003e8000000007002faf00be50000"
    "010204057800000068656c6c6f";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='A',window=64240,options=[('MSS',1460)])
// (44 bytes)
constexpr char kAckWithMss[] =
    "4500002c000900004006548164400001c00002019c4001bb000003e8000000006010faf0d5010000"
    "020405b4";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1300)])
// (44 bytes)
constexpr char kSynMss1300[] =
    "4500002c000900004006548164400001c00002019c4001bb000003e8000000006002faf0d5af0000"
    "02040514";

// scapy: IPv6(src='2001:db8:100::1',dst='2001:db8::1')/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1440)])
// (64 bytes)
constexpr char kSyn6MssEven[] =
    "600000000018064020010db801000000000000000000000120010db8000000000000000000000001"
    "9c4001bb000003e8000000006002faf09ef20000020405a0";

// scapy: IPv6(src='2001:db8:100::1',dst='2001:db8::1')/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1220)])
// (64 bytes)
constexpr char kSyn6MssEven1220[] =
    "600000000018064020010db801000000000000000000000120010db8000000000000000000000001"
    "9c4001bb000003e8000000006002faf09fce0000020404c4";

// scapy: IPv6(src='2001:db8:100::1',dst='2001:db8::1')/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('MSS',1440)])
// (68 bytes)
constexpr char kSyn6MssOdd[] =
    "60000000001c064020010db801000000000000000000000120010db8000000000000000000000001"
    "9c4001bb000003e8000000007002faf0f18a000001020405a0000000";

// scapy: IPv6(src='2001:db8:100::1',dst='2001:db8::1')/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('NOP',None),('MSS',1220)])
// (68 bytes)
constexpr char kSyn6MssOdd1220[] =
    "60000000001c064020010db801000000000000000000000120010db8000000000000000000000001"
    "9c4001bb000003e8000000007002faf0cd8b000001020404c4000000";

// scapy: IPv6(src='2001:db8:100::1',dst='2001:db8::1')/IPv6ExtHdrHopByHop()/TCP(sport=40000,dport=443,seq=1000,flags='S',window=64240,options=[('MSS',1440)])
// (72 bytes)
constexpr char kSyn6HopByHop[] =
    "600000000020004020010db801000000000000000000000120010db8000000000000000000000001"
    "06000104000000009c4001bb000003e8000000006002faf09ef20000020405a0";

// scapy: IP(src='100.64.0.1',dst='192.0.2.1',id=9)/UDP(sport=40000,dport=443)/Raw(bytes.fromhex('02040584'))
// (32 bytes)
constexpr char kUdpNotTcp[] =
    "45000020000900004011548264400001c00002019c4001bb000c341002040584";

struct ClampCase {
    const char *name;
    const char *before;
    const char *after;
    uint16_t mss;
};

const ClampCase kV4Cases[] = {
    {"MSS at offset 20 (even)", kSynMssEven, kSynMssEven1400, 1400},
    {"MSS after one NOP (odd offset 21)", kSynMssOdd, kSynMssOdd1400, 1400},
    {"Linux SYN options", kSynLinux, kSynLinux1400, 1400},
    {"MSS at odd offset 33 after timestamps", kSynMssOddLate, kSynMssOddLate1400, 1400},
    {"SYN-ACK", kSynAckMss, kSynAckMss1400, 1400},
    {"IPv4 options before TCP", kSynRouterAlert, kSynRouterAlert1400, 1400},
    {"odd MSS offset and odd segment length", kSynPayloadOdd, kSynPayloadOdd1400, 1400},
};
const ClampCase kV6Cases[] = {
    {"IPv6, MSS even", kSyn6MssEven, kSyn6MssEven1220, 1220},
    {"IPv6, MSS odd", kSyn6MssOdd, kSyn6MssOdd1220, 1220},
};

TEST(DataplaneMss, Ipv4ClampMatchesScapy) {
    for (const ClampCase &c : kV4Cases) {
        SCOPED_TRACE(c.name);
        std::vector<uint8_t> b = hex(c.before);
        const std::vector<uint8_t> want = hex(c.after);
        ASSERT_TRUE(tcp_checksum_ok(b));
        ASSERT_TRUE(on_copy(b, b.size(), [&](uint8_t *p, size_t n) { return ipv4_clamp_mss(p, n, c.mss); }));
        EXPECT_EQ(b, want);
        EXPECT_TRUE(tcp_checksum_ok(b));
    }
}

TEST(DataplaneMss, TcpClampOnTheSegmentAlone) {
    for (const ClampCase &c : kV4Cases) {
        SCOPED_TRACE(c.name);
        std::vector<uint8_t> b = hex(c.before);
        const size_t ihl = size_t(b[0] & 0x0f) * 4;
        std::vector<uint8_t> seg(b.begin() + long(ihl), b.end());
        ASSERT_TRUE(on_copy(seg, seg.size(), [&](uint8_t *p, size_t n) { return tcp_clamp_mss(p, n, c.mss); }));
        const std::vector<uint8_t> want = hex(c.after);
        EXPECT_EQ(seg, std::vector<uint8_t>(want.begin() + long(ihl), want.end()));
    }
}

TEST(DataplaneMss, Ipv6ClampMatchesScapy) {
    for (const ClampCase &c : kV6Cases) {
        SCOPED_TRACE(c.name);
        std::vector<uint8_t> b = hex(c.before);
        ASSERT_TRUE(tcp_checksum_ok(b));
        ASSERT_TRUE(on_copy(b, b.size(), [&](uint8_t *p, size_t n) { return ipv6_clamp_mss(p, n, c.mss); }));
        EXPECT_EQ(b, hex(c.after));
        EXPECT_TRUE(tcp_checksum_ok(b));
    }
}

void expect_untouched4(std::vector<uint8_t> b, uint16_t mss, const char *why) {
    SCOPED_TRACE(why);
    const std::vector<uint8_t> before = b;
    EXPECT_FALSE(on_copy(b, b.size(), [&](uint8_t *p, size_t n) { return ipv4_clamp_mss(p, n, mss); }));
    EXPECT_EQ(b, before);
}

TEST(DataplaneMss, NonSynUntouched) {
    expect_untouched4(hex(kAckWithMss), 1400, "ACK carrying an MSS option");
    std::vector<uint8_t> rst = make_syn4({0x02, 0x04, 0x05, 0xb4}, 0, 0x04);
    expect_untouched4(rst, 1400, "RST");
}

TEST(DataplaneMss, LowerOrEqualMssUntouched) {
    expect_untouched4(hex(kSynMss1300), 1400, "MSS 1300 < 1400");
    expect_untouched4(hex(kSynMssEven), 1460, "MSS equal");
    expect_untouched4(hex(kSynMssEven), 9000, "clamp above");
    expect_untouched4(hex(kSynMssOdd), 1460, "MSS equal, odd offset");
}

TEST(DataplaneMss, NotTcpOrNotFirstFragmentUntouched) {
    expect_untouched4(hex(kUdpNotTcp), 1400, "UDP whose payload looks like an MSS option");
    std::vector<uint8_t> b = hex(kSynMssEven);
    store_be16(b.data() + 6, 0x0001);  // fragment offset 8: no TCP header here
    expect_untouched4(b, 1400, "non-first fragment");
    store_be16(b.data() + 6, 0x2000 | 0x0100);
    expect_untouched4(b, 1400, "non-first fragment, MF set");
    // A first fragment (MF, offset 0) carries the TCP header: clamped.
    b = hex(kSynMssEven);
    store_be16(b.data() + 6, 0x2000);
    EXPECT_TRUE(on_copy(b, b.size(), [](uint8_t *p, size_t n) { return ipv4_clamp_mss(p, n, 1400); }));
    EXPECT_TRUE(tcp_checksum_ok(b));
    EXPECT_EQ(load_be16(b.data() + 42), 1400);
}

TEST(DataplaneMss, MalformedOptionsSafe) {
    struct Case {
        const char *name;
        std::vector<uint8_t> opts;
    };
    const Case cases[] = {
        {"option length 0 before MSS", {0x03, 0x00, 0x02, 0x04, 0x05, 0xb4}},
        {"option length 1 before MSS", {0x08, 0x01, 0x02, 0x04, 0x05, 0xb4}},
        {"option overruns the header", {0x08, 0x28, 0x02, 0x04, 0x05, 0xb4}},
        {"MSS cut by the data offset", {0x01, 0x02, 0x04, 0x05}},
        {"MSS with length 3", {0x02, 0x03, 0x05, 0xb4}},
        {"MSS with length 6", {0x02, 0x06, 0x05, 0xb4, 0x00, 0x00}},
        {"EOL before MSS", {0x00, 0x02, 0x04, 0x05, 0xb4}},
        {"kind without length at the end", {0x01, 0x01, 0x01, 0x08}},
        {"MSS length 2", {0x02, 0x02, 0x02, 0x04, 0x05, 0xb4}},  // skipped as a 2-byte option, then a real MSS
    };
    for (const Case &c : cases) {
        std::vector<uint8_t> b = make_syn4(c.opts);
        ASSERT_TRUE(tcp_checksum_ok(b)) << c.name;
        if (std::string(c.name) == "MSS length 2") {
            // kind 2 with length 2 is not an MSS option; the clamp walks past it
            // and finds the real one.
            ASSERT_TRUE(on_copy(b, b.size(), [](uint8_t *p, size_t n) { return ipv4_clamp_mss(p, n, 1400); }));
            EXPECT_EQ(load_be16(b.data() + 40 + 4), 1400);
            EXPECT_TRUE(tcp_checksum_ok(b));
            continue;
        }
        expect_untouched4(b, 1400, c.name);
    }
}

TEST(DataplaneMss, BadDataOffsetUntouched) {
    std::vector<uint8_t> b = make_syn4({0x02, 0x04, 0x05, 0xb4});
    for (uint8_t doff = 0; doff < 5; doff++) {
        b[32] = uint8_t(doff << 4);
        expect_untouched4(b, 1400, "data offset < 5");
    }
    b[32] = 0xf0;  // 60 bytes of TCP header in a 24-byte segment
    expect_untouched4(b, 1400, "data offset past the segment");
}

TEST(DataplaneMss, TruncatedSegmentAtEveryByte) {
    const std::vector<uint8_t> full = hex(kSynLinux);
    const std::vector<uint8_t> seg(full.begin() + 20, full.end());  // doff 40, MSS at 20
    for (size_t n = 0; n <= seg.size(); n++) {
        std::vector<uint8_t> b = seg;
        const bool r = on_copy(b, n, [](uint8_t *p, size_t len) { return tcp_clamp_mss(p, len, 1400); });
        EXPECT_EQ(r, n >= 40) << n;
        if (!r) {
            EXPECT_EQ(b, seg) << n;
        }
    }
    // The IPv4 wrapper with a length shorter than the IP header, or than IHL.
    std::vector<uint8_t> b = hex(kSynRouterAlert);
    for (size_t n = 0; n < 24 + 20; n++) {
        std::vector<uint8_t> x = b;
        EXPECT_FALSE(on_copy(x, n, [](uint8_t *p, size_t len) { return ipv4_clamp_mss(p, len, 1400); })) << n;
    }
    std::vector<uint8_t> s6 = hex(kSyn6MssEven);
    for (size_t n = 0; n < 40 + 24; n++) {
        std::vector<uint8_t> x = s6;
        EXPECT_FALSE(on_copy(x, n, [](uint8_t *p, size_t len) { return ipv6_clamp_mss(p, len, 1220); })) << n;
    }
}

TEST(DataplaneMss, Ipv6ExtensionHeaderNotClamped) {
    // Only a TCP header right after the IPv6 header is clamped.
    std::vector<uint8_t> b = hex(kSyn6HopByHop);
    const std::vector<uint8_t> before = b;
    EXPECT_FALSE(on_copy(b, b.size(), [](uint8_t *p, size_t n) { return ipv6_clamp_mss(p, n, 1220); }));
    EXPECT_EQ(b, before);
}

// Random SYNs: MSS at every offset parity, random other options and payload
// lengths; the clamp lowers exactly the MSS and the checksum stays exact.
TEST(DataplaneMss, RandomSynsKeepChecksum) {
    std::mt19937 rng(9293);
    int clamped = 0, odd = 0;
    for (int iter = 0; iter < 4000; iter++) {
        std::vector<uint8_t> opts;
        const int nops = int(rng() % 4);
        for (int i = 0; i < nops; i++) opts.push_back(1);
        if (rng() % 2) opts.insert(opts.end(), {0x04, 0x02});  // SACK permitted
        if (rng() % 2) {
            opts.insert(opts.end(), {0x08, 0x0a});
            for (int i = 0; i < 8; i++) opts.push_back(uint8_t(rng()));
        }
        const size_t mss_at = 20 + opts.size();
        const uint16_t mss = uint16_t(536 + rng() % 8800);
        opts.insert(opts.end(), {0x02, 0x04, uint8_t(mss >> 8), uint8_t(mss)});
        if (rng() % 2) opts.insert(opts.end(), {0x01, 0x03, 0x03, 0x07});  // window scale
        const size_t payload = rng() % 7;
        std::vector<uint8_t> b = make_syn4(opts, payload, rng() % 2 ? 0x02 : 0x12);
        // Random addresses and ports, so the sums vary.
        for (size_t i : {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 24, 25, 26, 27}) b[i] = uint8_t(rng());
        b[10] = b[11] = 0;
        store_be16(b.data() + 10, ref_fold(ref_sum(b.data(), 20)));
        store_be16(b.data() + 36, tcp_checksum_v4(b.data()));
        const std::vector<uint8_t> before = b;
        const uint16_t clamp = 1400;
        const bool r = on_copy(b, b.size(), [&](uint8_t *p, size_t n) { return ipv4_clamp_mss(p, n, clamp); });
        ASSERT_EQ(r, mss > clamp) << iter;
        ASSERT_TRUE(tcp_checksum_ok(b)) << "iter " << iter << " MSS at " << mss_at;
        if (r) {
            clamped++;
            odd += mss_at & 1;
            EXPECT_EQ(load_be16(b.data() + 20 + mss_at + 2), clamp);
            for (size_t i = 0; i < b.size(); i++) {
                if (i == 36 || i == 37 || i == 20 + mss_at + 2 || i == 20 + mss_at + 3) continue;
                ASSERT_EQ(b[i], before[i]) << "iter " << iter << " byte " << i;
            }
        } else {
            ASSERT_EQ(b, before);
        }
    }
    EXPECT_GT(clamped, 1000);
    EXPECT_GT(odd, 300);  // the odd-offset path was exercised
}

}  // namespace
}  // namespace lns::dp
