// Unit tests for the IPv4/IPv6 helpers in dataplane/pkt/ip.hpp: parse_ipv4,
// the Internet checksum helpers (RFC 1071), csum_update16 (RFC 1624),
// ipv4_decrement_ttl and ipv6_decrement_hop_limit.  Reference packets built with
// scapy 2.5 (`from scapy.all import *`).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
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

Ipv4Status parse_prefix(const std::vector<uint8_t> &b, size_t n, bool skip, Ipv4Info *info) {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n == 0 ? 1 : n]);
    if (n) std::memcpy(copy.get(), b.data(), n);
    return parse_ipv4(copy.get(), n, skip, info);
}

// Independent reference: RFC 1071 checksum of `len` bytes, computed one byte
// pair at a time with a 64-bit accumulator, written apart from csum_partial.
uint16_t ref_checksum(const uint8_t *p, size_t len) {
    uint64_t sum = 0;
    for (size_t i = 0; i < len; i++) sum += (i & 1) ? uint64_t(p[i]) : uint64_t(p[i]) << 8;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum & 0xffff);
}

// The IPv4 header checksum as a sender computes it: field zeroed, then summed.
uint16_t recompute_ipv4_checksum(const uint8_t *ip) {
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    std::vector<uint8_t> h(ip, ip + ihl);
    h[10] = h[11] = 0;
    return ref_checksum(h.data(), h.size());
}

// scapy: IP(src='192.0.2.1',dst='198.51.100.7',id=0x1c46,ttl=64)/UDP(sport=1701,dport=1701)/Raw(b'abcd')
// (32 bytes)
constexpr char kIpv4Udp[] =
    "450000201c4600004011724bc0000201c633640706a506a5000c418961626364";

// scapy: IP(src='192.0.2.1',dst='198.51.100.7',id=0x1c46,ttl=64,options=[IPOption_Router_Alert()])/UDP(sport=1701,dport=1701)/Raw(b'abcd')
// (36 bytes)
constexpr char kIpv4RouterAlert[] =
    "460000241c4600004011dd42c0000201c63364079404000006a506a5000c418961626364";

// scapy: IP(src='192.0.2.1',dst='198.51.100.7',id=2,options=[IPOption_RR(routers=['0.0.0.0']*9)])/ICMP()
// (68 bytes)
constexpr char kIpv4Ihl15[] =
    "4f0000440002000040017954c0000201c63364070727040000000000000000000000000000000000"
    "00000000000000000000000000000000000000000800f7ff00000000";

// scapy: IP(src='192.0.2.1',dst='198.51.100.7',id=3,flags='MF',frag=0)/Raw(b'x'*16)
// (36 bytes)
constexpr char kIpv4Mf[] =
    "450000240003200040006e9bc0000201c633640778787878787878787878787878787878";

// scapy: IP(src='192.0.2.1',dst='198.51.100.7',id=3,frag=2,proto=17)/Raw(b'x'*16)
// (36 bytes)
constexpr char kIpv4LastFrag[] =
    "450000240003000240118e88c0000201c633640778787878787878787878787878787878";

// scapy: IP(src='192.0.2.1',dst='198.51.100.7',id=4,flags='DF')/TCP(sport=40000,dport=80,flags='A')
// (40 bytes)
constexpr char kIpv4Df[] =
    "450000280004400040064e90c0000201c63364079c40005000000000000000005010200007080000";

// ---------------------------------------------------------------------------
// parse_ipv4
// ---------------------------------------------------------------------------

TEST(DataplaneIpv4Parse, ScapyPackets) {
    struct Case {
        const char *name;
        const char *hex;
        size_t ihl;
        uint8_t proto;
        bool fragment;
    };
    const Case cases[] = {
        {"UDP", kIpv4Udp, 20, kIpProtoUdp, false},
        {"router alert option", kIpv4RouterAlert, 24, kIpProtoUdp, false},
        {"IHL 15 (record route)", kIpv4Ihl15, 60, kIpProtoIcmp, false},
        {"MF", kIpv4Mf, 20, 0, true},
        {"last fragment", kIpv4LastFrag, 20, kIpProtoUdp, true},
        {"DF is not a fragment", kIpv4Df, 20, kIpProtoTcp, false},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name);
        const std::vector<uint8_t> b = hex(c.hex);
        Ipv4Info info{};
        ASSERT_EQ(parse_prefix(b, b.size(), false, &info), Ipv4Status::ok);
        EXPECT_EQ(info.header_len, c.ihl);
        EXPECT_EQ(info.total_len, b.size());
        EXPECT_EQ(info.proto, c.proto);
        EXPECT_EQ(info.fragment, c.fragment);
    }
}

TEST(DataplaneIpv4Parse, EthernetPaddingAllowed) {
    std::vector<uint8_t> b = hex(kIpv4Udp);
    b.resize(46, 0);  // minimum Ethernet payload
    Ipv4Info info{};
    ASSERT_EQ(parse_prefix(b, b.size(), false, &info), Ipv4Status::ok);
    EXPECT_EQ(info.total_len, 32u);
}

TEST(DataplaneIpv4Parse, TruncatedAtEveryByte) {
    for (const char *x : {kIpv4Udp, kIpv4RouterAlert, kIpv4Ihl15}) {
        const std::vector<uint8_t> b = hex(x);
        for (size_t n = 0; n < b.size(); n++) {
            Ipv4Info info{};
            EXPECT_EQ(parse_prefix(b, n, false, &info), Ipv4Status::truncated) << n;
            EXPECT_EQ(parse_prefix(b, n, true, &info), Ipv4Status::truncated) << n;
        }
    }
}

TEST(DataplaneIpv4Parse, BadVersion) {
    for (uint8_t v : {0, 5, 6, 15}) {
        std::vector<uint8_t> b = hex(kIpv4Udp);
        b[0] = uint8_t(v << 4 | 5);
        Ipv4Info info{};
        EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::bad_header) << int(v);
    }
}

TEST(DataplaneIpv4Parse, BadIhl) {
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        std::vector<uint8_t> b = hex(kIpv4Udp);
        b[0] = uint8_t(0x40 | ihl);
        Ipv4Info info{};
        EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::bad_header) << int(ihl);
    }
    // IHL past the total length.
    std::vector<uint8_t> b = hex(kIpv4Udp);
    b[0] = 0x4f;  // 60 > total length 32
    Ipv4Info info{};
    EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::bad_header);
    // IHL past the bytes given, total length too.
    b = hex(kIpv4Udp);
    b[0] = 0x4f;
    store_be16(b.data() + 2, 64);
    b.resize(40);
    EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::truncated);
}

TEST(DataplaneIpv4Parse, TotalLength) {
    std::vector<uint8_t> b = hex(kIpv4Udp);
    Ipv4Info info{};
    store_be16(b.data() + 2, uint16_t(b.size() + 1));  // beyond the data
    EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::truncated);
    store_be16(b.data() + 2, 0xffff);
    EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::truncated);
    store_be16(b.data() + 2, 19);  // shorter than the header
    EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::bad_header);
    store_be16(b.data() + 2, 0);
    EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::bad_header);
    store_be16(b.data() + 2, 20);  // header only: fine
    ASSERT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::ok);
    EXPECT_EQ(info.total_len, 20u);
}

TEST(DataplaneIpv4Parse, BadChecksum) {
    for (const char *x : {kIpv4Udp, kIpv4RouterAlert, kIpv4Ihl15}) {
        const std::vector<uint8_t> good = hex(x);
        const size_t ihl = size_t(good[0] & 0x0f) * 4;
        // Flip each header bit in turn, except those that make the header invalid
        // in another way (version, IHL, total length).
        for (size_t i = 0; i < ihl; i++) {
            if (i <= 3) continue;
            for (int bit = 0; bit < 8; bit++) {
                std::vector<uint8_t> b = good;
                b[i] ^= uint8_t(1 << bit);
                Ipv4Info info{};
                EXPECT_EQ(parse_prefix(b, b.size(), false, &info), Ipv4Status::bad_checksum) << i << "." << bit;
                EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::ok) << i << "." << bit;
            }
        }
        // Payload bytes are not covered by the header checksum.
        std::vector<uint8_t> b = good;
        b.back() ^= 0xff;
        Ipv4Info info{};
        EXPECT_EQ(parse_prefix(b, b.size(), false, &info), Ipv4Status::ok);
    }
}

TEST(DataplaneIpv4Parse, FragmentFlags) {
    std::vector<uint8_t> b = hex(kIpv4Udp);
    Ipv4Info info{};
    struct {
        uint16_t frag;
        bool want;
    } cases[] = {{0x0000, false}, {0x4000, false}, {0x2000, true}, {0x0001, true},
                 {0x1fff, true},  {0x6000, true},  {0x8000, false} /* reserved bit only */};
    for (auto c : cases) {
        store_be16(b.data() + 6, c.frag);
        EXPECT_EQ(parse_prefix(b, b.size(), true, &info), Ipv4Status::ok);
        EXPECT_EQ(info.fragment, c.want) << std::hex << c.frag;
    }
}

// ---------------------------------------------------------------------------
// Checksum helpers
// ---------------------------------------------------------------------------

TEST(DataplaneIpChecksum, Rfc1071Example) {
    // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0x2ddf0, folded 0xddf2.
    const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(csum_partial(b, sizeof b), 0x2ddf0u);
    EXPECT_EQ(csum_fold(csum_partial(b, sizeof b)), uint16_t(~0xddf2));
}

TEST(DataplaneIpChecksum, ScapyHeadersSumToZero) {
    for (const char *x : {kIpv4Udp, kIpv4RouterAlert, kIpv4Ihl15, kIpv4Mf, kIpv4Df}) {
        const std::vector<uint8_t> b = hex(x);
        const size_t ihl = size_t(b[0] & 0x0f) * 4;
        EXPECT_EQ(csum_fold(csum_partial(b.data(), ihl)), 0);
        EXPECT_EQ(recompute_ipv4_checksum(b.data()), load_be16(b.data() + 10));
    }
}

TEST(DataplaneIpChecksum, MatchesReferenceOnRandomData) {
    std::mt19937 rng(1624);
    for (int iter = 0; iter < 2000; iter++) {
        std::vector<uint8_t> b(rng() % 1500);
        for (auto &x : b) x = uint8_t(rng());
        if (iter < 8) std::fill(b.begin(), b.end(), 0xff);  // maximal carries
        // Odd lengths: the last byte is the high half of a zero-padded word.
        EXPECT_EQ(csum_fold(csum_partial(b.data(), b.size())), ref_checksum(b.data(), b.size())) << b.size();
        // Split sums chain (even split point).
        const size_t half = (b.size() / 2) & ~size_t(1);
        EXPECT_EQ(csum_fold(csum_partial(b.data() + half, b.size() - half, csum_partial(b.data(), half))),
                  ref_checksum(b.data(), b.size()));
    }
}

// ipv4_header_checksum_ok (32-bit host-order words) against the reference.
TEST(DataplaneIpChecksum, HeaderCheckAgreesWithReference) {
    for (const char *x : {kIpv4Udp, kIpv4RouterAlert, kIpv4Ihl15, kIpv4Mf, kIpv4Df}) {
        const std::vector<uint8_t> b = hex(x);
        EXPECT_TRUE(ipv4_header_checksum_ok(b.data(), size_t(b[0] & 0x0f) * 4));
    }
    std::mt19937 rng(791);
    int good = 0;
    for (int iter = 0; iter < 50000; iter++) {
        const size_t ihl = 20 + 4 * (rng() % 11);
        std::vector<uint8_t> h(ihl);
        for (auto &x : h) x = uint8_t(rng());
        if (iter % 4 == 0) {  // mostly 0xff or 0x00 bytes: carries and sums near 0xffff
            for (auto &x : h) x = rng() % 2 ? 0xff : 0x00;
        }
        h[0] = uint8_t(0x40 | ihl / 4);
        if (iter % 2 == 0) {  // a valid header half of the time
            h[10] = h[11] = 0;
            store_be16(h.data() + 10, ref_checksum(h.data(), ihl));
        }
        const bool want = ref_checksum(h.data(), ihl) == 0;  // RFC 1071: verifies to 0
        ASSERT_EQ(ipv4_header_checksum_ok(h.data(), ihl), want) << "iter " << iter;
        ASSERT_EQ(csum_fold(csum_partial(h.data(), ihl)) == 0, want) << "iter " << iter;
        good += want;
    }
    EXPECT_GT(good, 20000);
}

TEST(DataplaneIpChecksum, Rfc1624Example) {
    // RFC 1624 §4: sum of the other octets 0xCD7A, m 0x5555 -> 0x3285.  HC is
    // 0xDD2F; recomputation gives 0x0000, and so must eqn. 3 (eqn. 2 gives -0).
    EXPECT_EQ(csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

TEST(DataplaneIpChecksum, UpdateMatchesRecomputation) {
    std::mt19937 rng(42);
    for (int iter = 0; iter < 20000; iter++) {
        uint8_t h[20];
        for (auto &x : h) x = uint8_t(rng());
        if (iter % 7 == 0) std::memset(h, 0, sizeof h);  // sums near zero
        h[0] = 0x45;  // never an all-zero header (where +0 and -0 would both do)
        h[10] = h[11] = 0;
        store_be16(h + 10, ref_checksum(h, sizeof h));
        const size_t w = 2 + (rng() % 9) * 2;
        if (w == 10) continue;
        const uint16_t old_v = load_be16(h + w);
        const uint16_t new_v = iter % 5 == 0 ? uint16_t(~old_v) : uint16_t(rng());
        store_be16(h + w, new_v);
        const uint16_t inc = csum_update16(load_be16(h + 10), old_v, new_v);
        h[10] = h[11] = 0;
        const uint16_t full = ref_checksum(h, sizeof h);
        ASSERT_EQ(inc, full) << "iter " << iter << " word " << w;
    }
}

// ---------------------------------------------------------------------------
// TTL / hop limit
// ---------------------------------------------------------------------------

TEST(DataplaneTtl, ScapyPacketsKeepAValidChecksum) {
    for (const char *x : {kIpv4Udp, kIpv4RouterAlert, kIpv4Ihl15, kIpv4Df}) {
        std::vector<uint8_t> b = hex(x);
        const uint8_t ttl = b[8];
        std::vector<uint8_t> before = b;
        ASSERT_TRUE(ipv4_decrement_ttl(b.data()));
        EXPECT_EQ(b[8], ttl - 1);
        EXPECT_EQ(load_be16(b.data() + 10), recompute_ipv4_checksum(b.data()));
        Ipv4Info info{};
        EXPECT_EQ(parse_ipv4(b.data(), b.size(), false, &info), Ipv4Status::ok);
        for (size_t i = 0; i < b.size(); i++)
            if (i != 8 && i != 10 && i != 11) {
                EXPECT_EQ(b[i], before[i]) << "byte " << i << " changed";
            }
    }
}

TEST(DataplaneTtl, RandomHeadersDownToTwo) {
    std::mt19937 rng(2661);
    for (int iter = 0; iter < 5000; iter++) {
        const size_t ihl = 20 + 4 * (rng() % 11);
        std::vector<uint8_t> h(ihl);
        for (auto &x : h) x = uint8_t(rng());
        h[0] = uint8_t(0x40 | ihl / 4);
        store_be16(h.data() + 2, uint16_t(ihl));
        h[8] = uint8_t(2 + rng() % 254);
        if (iter % 3 == 0) h[8] = 255;
        h[10] = h[11] = 0;
        store_be16(h.data() + 10, ref_checksum(h.data(), ihl));
        // Decrement all the way down: each step keeps the checksum exact.
        while (h[8] > 1) {
            const uint8_t ttl = h[8];
            ASSERT_TRUE(ipv4_decrement_ttl(h.data()));
            ASSERT_EQ(h[8], ttl - 1);
            ASSERT_EQ(load_be16(h.data() + 10), recompute_ipv4_checksum(h.data())) << "iter " << iter << " ttl " << int(ttl);
            if (iter % 50) break;  // most headers: one step
        }
    }
}

TEST(DataplaneTtl, OneAndZeroRefusedUntouched) {
    for (uint8_t ttl : {1, 0}) {
        std::vector<uint8_t> b = hex(kIpv4Udp);
        b[8] = ttl;
        b[10] = b[11] = 0;
        store_be16(b.data() + 10, recompute_ipv4_checksum(b.data()));
        const std::vector<uint8_t> before = b;
        EXPECT_FALSE(ipv4_decrement_ttl(b.data())) << int(ttl);
        EXPECT_EQ(b, before);
    }
    std::vector<uint8_t> b = hex(kIpv4Udp);
    b[8] = 2;
    b[10] = b[11] = 0;
    store_be16(b.data() + 10, recompute_ipv4_checksum(b.data()));
    EXPECT_TRUE(ipv4_decrement_ttl(b.data()));
    EXPECT_EQ(b[8], 1);
    EXPECT_FALSE(ipv4_decrement_ttl(b.data()));
}

TEST(DataplaneTtl, Ipv6HopLimit) {
    uint8_t ip6[40] = {0x60};
    ip6[7] = 64;
    ASSERT_TRUE(ipv6_decrement_hop_limit(ip6));
    EXPECT_EQ(ip6[7], 63);
    ip6[7] = 2;
    ASSERT_TRUE(ipv6_decrement_hop_limit(ip6));
    EXPECT_EQ(ip6[7], 1);
    EXPECT_FALSE(ipv6_decrement_hop_limit(ip6));
    EXPECT_EQ(ip6[7], 1);
    ip6[7] = 0;
    EXPECT_FALSE(ipv6_decrement_hop_limit(ip6));
    EXPECT_EQ(ip6[7], 0);
    ip6[7] = 255;
    ASSERT_TRUE(ipv6_decrement_hop_limit(ip6));
    EXPECT_EQ(ip6[7], 254);
    for (int i = 0; i < 40; i++)
        if (i != 7) {
            EXPECT_EQ(ip6[i], i == 0 ? 0x60 : 0) << i;
        }
}

}  // namespace
}  // namespace lns::dp
