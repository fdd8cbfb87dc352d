// ICMPv4 tests (controlplane/net/icmp4.hpp) against frames built by scapy 2.5.
#include "controlplane/net/icmp4.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "controlplane/net/bytes.hpp"
#include "controlplane/net/checksum.hpp"
#include "controlplane/net/ipv4.hpp"

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
constexpr uint32_t kOurIp = 0xc0000201;  // 192.0.2.1

// Recomputes the IPv4 header checksum and the ICMP checksum of an Ethernet frame
// after a test has changed a field.
void fix_checksums(Bytes &f) {
    uint8_t *ip = f.data() + kEthHeaderLen;
    size_t hlen = size_t{ip[0] & 0x0fu} * 4;
    store_be16(ip + 10, 0);
    store_be16(ip + 10, internet_checksum(ip, hlen));
    size_t total = load_be16(ip + 2);
    store_be16(ip + hlen + 2, 0);
    store_be16(ip + hlen + 2, internet_checksum(ip + hlen, total - hlen));
}

// scapy: Ether(dst='02:00:00:00:00:01', src='52:54:00:12:34:56')/IP(src='192.0.2.2',
// dst='192.0.2.1', ttl=63, id=0x1234, tos=0x10,
// options=[IPOption_RR(routers=['10.0.0.1'])])/ICMP(type=8, id=0x4242,
// seq=7)/Raw(b'abcdefghijklmnopqrstuvwxyz0123')
constexpr const char *kEchoRequestOpts =
    "020000000001525400123456080047100042123400003f01d762c0000202c00002010707040a000001000800"
    "c4b6424200076162636465666768696a6b6c6d6e6f707172737475767778797a30313233";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IP(src='192.0.2.1',
// dst='192.0.2.2', ttl=64, id=0, flags='DF', tos=0x10)/ICMP(type=0, id=0x4242,
// seq=7)/Raw(b'abcdefghijklmnopqrstuvwxyz0123')
constexpr const char *kEchoReplyOpts =
    "52540012345602000000000108004510003a000040004001b6afc0000201c00002020000ccb6424200076162"
    "636465666768696a6b6c6d6e6f707172737475767778797a30313233";

// scapy: Ether(dst='02:00:00:00:00:01', src='52:54:00:12:34:56')/IP(src='192.0.2.2',
// dst='192.0.2.1', id=1)/ICMP(type=8, id=1, seq=1)
constexpr const char *kEchoRequestSmall =
    "02000000000152540012345608004500001c000100004001f6dcc0000202c00002010800f7fd00010001";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IP(src='192.0.2.1',
// dst='192.0.2.2', ttl=64, id=0, flags='DF')/ICMP(type=0, id=1, seq=1) (zero-padded to 60)
constexpr const char *kEchoReplySmall =
    "52540012345602000000000108004500001c000040004001b6ddc0000201c00002020000fffd000100010000"
    "00000000000000000000000000000000";

// scapy: IP(src='198.51.100.7', dst='203.0.113.9', ttl=1, id=0x5555)/UDP(sport=1234,
// dport=53)/Raw(bytes(range(100)))
constexpr const char *kOffendingUdp =
    "45000080555500000111fdd3c6336407cb00710904d20035006cf7fc000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b"
    "3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IP(src='192.0.2.1',
// dst='198.51.100.7', tos=0xc0, flags='DF', id=0, ttl=64)/ICMP(type=11,
// code=0)/Raw(bytes(IP(src='198.51.100.7', dst='203.0.113.9', ttl=1, id=0x5555)/UDP(sport=1234,
// dport=53)/Raw(bytes(range(100)))))
constexpr const char *kTimeExceeded =
    "525400123456020000000001080045c0009c0000400040014d65c0000201c63364070b005bc2000000004500"
    "0080555500000111fdd3c6336407cb00710904d20035006cf7fc000102030405060708090a0b0c0d0e0f1011"
    "12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d"
    "3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263";

// scapy: IP(src='198.51.100.7', dst='203.0.113.9', ttl=60, id=0x6666,
// flags='DF')/TCP(sport=40000, dport=80, flags='A', seq=1, ack=1)/Raw(bytes(i & 0xff for i in
// range(1460)))
constexpr const char *kOffendingTcp1500 =
    "450005dc666640003c066c71c6336407cb0071099c4000500000000100000001501020005c47000000010203"
    "0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
    "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b"
    "5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f8081828384858687"
    "88898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
    "b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b"
    "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637"
    "38393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263"
    "6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f"
    "909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babb"
    "bcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7"
    "e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f10111213"
    "1415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b"
    "6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f9091929394959697"
    "98999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"
    "c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
    "1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454647"
    "48494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273"
    "7475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacb"
    "cccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7"
    "f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
    "2425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f"
    "505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b"
    "7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7"
    "a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3"
    "d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
    "2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f5051525354555657"
    "58595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283"
    "8485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "b0b1b2b3";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IP(src='192.0.2.1',
// dst='198.51.100.7', tos=0xc0, flags='DF', id=0, ttl=64)/ICMP(type=3, code=4,
// nexthopmtu=1400)/Raw(bytes(IP(src='198.51.100.7', dst='203.0.113.9', ttl=60, id=0x6666,
// flags='DF')/TCP(sport=40000, dport=80, flags='A', seq=1, ack=1)/Raw(bytes(i & 0xff for i in
// range(1460))))[:548])
constexpr const char *kFragNeeded =
    "525400123456020000000001080045c002400000400040014bc1c0000201c633640703040a18000005784500"
    "05dc666640003c066c71c6336407cb0071099c4000500000000100000001501020005c470000000102030405"
    "060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031"
    "32333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d"
    "5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283848586878889"
    "8a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5"
    "b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1"
    "e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d"
    "0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839"
    "3a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465"
    "666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f9091"
    "92939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbd"
    "bebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9"
    "eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafb";

// scapy: IP(src='198.51.100.7', dst='203.0.113.9')/ICMP(type=3, code=1)/IP(src='203.0.113.9',
// dst='198.51.100.7')/UDP()
constexpr const char *kOffendingIcmpUnreach =
    "450000380001000040011480c6336407cb0071090301635d000000004500001c000100004011148ccb007109"
    "c6336407003500350008992f";

// scapy: IP(src='198.51.100.7', dst='203.0.113.9', ttl=1)/ICMP(type=8, id=9, seq=9)
constexpr const char *kOffendingEcho = "4500001c000100000101539cc6336407cb0071090800f7ed00090009";

TEST(Checksum, Rfc1071Example) {
    // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement 220d).
    const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(internet_checksum(data, sizeof data), 0x220d);
    const uint8_t odd[] = {0x01};  // odd length: padded with a zero byte
    EXPECT_EQ(internet_checksum(odd, 1), static_cast<uint16_t>(~0x0100));
}

TEST(Ipv4, ParsesHeaderWithOptions) {
    Bytes f = from_hex(kEchoRequestOpts);
    Ipv4Header h;
    ASSERT_EQ(parse_ipv4(std::span<const uint8_t>(f).subspan(kEthHeaderLen), &h), NetError::ok);
    EXPECT_EQ(h.header_len, 28);
    EXPECT_EQ(h.options.size(), 8u);
    EXPECT_EQ(h.tos, 0x10);
    EXPECT_EQ(h.ttl, 63);
    EXPECT_EQ(h.id, 0x1234);
    EXPECT_EQ(h.src, 0xc0000202u);
    EXPECT_EQ(h.dst, kOurIp);
    EXPECT_EQ(h.payload.size(), 38u);
}

TEST(Icmp4Echo, ReplyWithOptionsMatchesScapy) {
    Bytes req = from_hex(kEchoRequestOpts);
    uint8_t out[256];
    size_t n = build_icmp_echo_reply(req, out, sizeof out);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kEchoReplyOpts));
}

TEST(Icmp4Echo, SmallReplyIsPaddedLikeScapy) {
    Bytes req = from_hex(kEchoRequestSmall);
    ASSERT_EQ(req.size(), 42u);
    uint8_t out[256];
    size_t n = build_icmp_echo_reply(req, out, sizeof out);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kEchoReplySmall));
}

TEST(Icmp4Echo, IgnoresEthernetPadding) {
    Bytes req = from_hex(kEchoRequestSmall);
    req.resize(60, 0xee);  // trailer bytes past the IP total length
    uint8_t out[256];
    size_t n = build_icmp_echo_reply(req, out, sizeof out);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kEchoReplySmall));
}

TEST(Icmp4Echo, ReplyInPlace) {
    Bytes buf = from_hex(kEchoRequestOpts);
    size_t len = 0;
    ASSERT_EQ(make_icmp_echo_reply(buf, buf.data(), buf.size(), &len), NetError::ok);
    buf.resize(len);
    EXPECT_EQ(buf, from_hex(kEchoReplyOpts));
}

TEST(Icmp4Echo, RefusesSmallBuffer) {
    Bytes req = from_hex(kEchoRequestSmall);
    uint8_t out[59];
    size_t len = 0;
    EXPECT_EQ(make_icmp_echo_reply(req, out, sizeof out, &len), NetError::no_room);
    EXPECT_EQ(build_icmp_echo_reply(req, out, sizeof out), 0u);
}

TEST(Icmp4Echo, RejectsTruncation) {
    Bytes req = from_hex(kEchoRequestOpts);
    uint8_t out[256];
    size_t len = 0;
    for (size_t n = 0; n < req.size(); ++n)
        EXPECT_EQ(make_icmp_echo_reply({req.data(), n}, out, sizeof out, &len), NetError::truncated)
            << n;
}

struct EchoCase {
    const char *what;
    void (*mutate)(Bytes &);
    bool fix;
    NetError want;
};

TEST(Icmp4Echo, RejectsBadRequests) {
    const EchoCase cases[] = {
        {"ethertype", [](Bytes &f) { f[12] = 0x86; }, false, NetError::bad_ethertype},
        {"version", [](Bytes &f) { f[14] = 0x65; }, false, NetError::bad_version},
        {"ihl 4", [](Bytes &f) { f[14] = 0x44; }, false, NetError::bad_header_len},
        {"ihl > total",
         [](Bytes &f) {
             f[14] = 0x4f;
             store_be16(f.data() + 16, 40);
         },
         false, NetError::bad_len},
        {"total > frame", [](Bytes &f) { store_be16(f.data() + 16, 200); }, false,
         NetError::truncated},
        {"total < ihl", [](Bytes &f) { store_be16(f.data() + 16, 24); }, false, NetError::bad_len},
        {"ip checksum", [](Bytes &f) { f[24] ^= 1; }, false, NetError::bad_checksum},
        {"icmp checksum", [](Bytes &f) { f[f.size() - 1] ^= 1; }, false, NetError::bad_checksum},
        {"protocol", [](Bytes &f) { f[23] = 17; }, true, NetError::bad_protocol},
        {"more fragments", [](Bytes &f) { f[20] = 0x20; }, true, NetError::fragment},
        {"offset", [](Bytes &f) { f[21] = 0x01; }, true, NetError::fragment},
        {"echo reply", [](Bytes &f) { f[42] = 0; }, true, NetError::unsupported_type},
        {"code", [](Bytes &f) { f[43] = 1; }, true, NetError::bad_code},
        {"broadcast mac", [](Bytes &f) { std::memset(f.data(), 0xff, 6); }, false,
         NetError::not_for_us},
        {"broadcast ip", [](Bytes &f) { store_be32(f.data() + 30, 0xffffffff); }, true,
         NetError::group_destination},
        {"multicast ip", [](Bytes &f) { store_be32(f.data() + 30, 0xe0000001); }, true,
         NetError::group_destination},
        {"zero source", [](Bytes &f) { store_be32(f.data() + 26, 0); }, true, NetError::bad_source},
        {"loopback source", [](Bytes &f) { store_be32(f.data() + 26, 0x7f000001); }, true,
         NetError::bad_source},
    };
    for (const EchoCase &c : cases) {
        Bytes f = from_hex(kEchoRequestOpts);
        c.mutate(f);
        if (c.fix) fix_checksums(f);
        uint8_t out[256];
        size_t len = 0;
        EXPECT_EQ(make_icmp_echo_reply(f, out, sizeof out, &len), c.want) << c.what;
    }
}

TEST(Icmp4Error, TimeExceededMatchesScapy) {
    Bytes off = from_hex(kOffendingUdp);
    uint8_t out[1024];
    size_t n = build_icmp_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, kIcmpTimeExceeded,
                                kIcmpCodeTtlExceeded, 0, off);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kTimeExceeded));
}

TEST(Icmp4Error, IpOnlyFormIsTheFrameWithoutEthernet) {
    Bytes off = from_hex(kOffendingUdp);
    uint8_t out[1024];
    size_t len = 0;
    ASSERT_EQ(make_icmp_error_ip(out, sizeof out, kOurIp, kIcmpTimeExceeded, 0, 0, off, &len),
              NetError::ok);
    Bytes want = from_hex(kTimeExceeded);
    EXPECT_EQ(Bytes(out, out + len), Bytes(want.begin() + kEthHeaderLen, want.end()));
}

TEST(Icmp4Error, FragNeededQuotesUpTo576Bytes) {
    Bytes off = from_hex(kOffendingTcp1500);
    ASSERT_EQ(off.size(), 1500u);
    uint8_t out[2048];
    size_t n = build_icmp_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, kIcmpDestUnreachable,
                                kIcmpCodeFragNeeded, icmp_frag_needed_rest(1400), off);
    ASSERT_EQ(n, kEthHeaderLen + kIcmpErrorMaxIpLen);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kFragNeeded));
    // The quote starts with the offending header and its first bytes of payload.
    EXPECT_EQ(0, std::memcmp(out + kEthHeaderLen + 28, off.data(), 548));
}

TEST(Icmp4Error, QuotesOnlyUpToTotalLengthOrWhatIsGiven) {
    Bytes off = from_hex(kOffendingUdp);
    Bytes padded = off;
    padded.resize(off.size() + 30, 0xee);
    uint8_t a[1024], b[1024];
    size_t na = build_icmp_error(a, sizeof a, kOurMac, kPeerMac, kOurIp, 11, 0, 0, off);
    size_t nb = build_icmp_error(b, sizeof b, kOurMac, kPeerMac, kOurIp, 11, 0, 0, padded);
    EXPECT_EQ(Bytes(a, a + na), Bytes(b, b + nb));
    // Only the first 28 bytes given (header + 8): quoted as given.
    size_t len = 0;
    ASSERT_EQ(make_icmp_error_ip(a, sizeof a, kOurIp, 11, 0, 0, {off.data(), 28}, &len),
              NetError::ok);
    EXPECT_EQ(len, 20u + 8u + 28u);
    EXPECT_EQ(0, std::memcmp(a + 28, off.data(), 28));
    Ipv4Header h;
    ASSERT_EQ(parse_ipv4({a, len}, &h), NetError::ok);
    EXPECT_EQ(internet_checksum(h.payload.data(), h.payload.size()), 0);
}

TEST(Icmp4Error, AllowedAboutEchoRequestAndFirstFragment) {
    Bytes echo = from_hex(kOffendingEcho);
    EXPECT_EQ(icmp_error_allowed(echo), NetError::ok);
    Bytes first = from_hex(kOffendingUdp);
    first[6] = 0x20;  // MF, offset 0
    EXPECT_EQ(icmp_error_allowed(first), NetError::ok);
}

TEST(Icmp4Error, RefusesPerRfc1122) {
    uint8_t out[1024];
    Bytes icmp_err = from_hex(kOffendingIcmpUnreach);
    EXPECT_EQ(icmp_error_allowed(icmp_err), NetError::is_icmp_error);
    EXPECT_EQ(build_icmp_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, 11, 0, 0, icmp_err), 0u);
    Bytes icmp_no_type = from_hex(kOffendingEcho);
    store_be16(icmp_no_type.data() + 2, 20);  // ICMP with no byte of payload
    EXPECT_EQ(icmp_error_allowed(icmp_no_type), NetError::is_icmp_error);

    const struct {
        const char *what;
        size_t off;
        uint32_t value;
        NetError want;
    } cases[] = {
        {"offset", 6, 0x00010000, NetError::non_initial_fragment},
        {"broadcast source", 12, 0xffffffff, NetError::bad_source},
        {"multicast source", 12, 0xe0000005, NetError::bad_source},
        {"zero source", 12, 0, NetError::bad_source},
        {"class e source", 12, 0xf0000001, NetError::bad_source},
        {"multicast dest", 16, 0xe0000005, NetError::group_destination},
        {"broadcast dest", 16, 0xffffffff, NetError::group_destination},
    };
    for (const auto &c : cases) {
        Bytes off = from_hex(kOffendingUdp);
        uint32_t old = load_be32(off.data() + c.off);
        store_be32(off.data() + c.off, c.off == 6 ? (old & 0xffff) | c.value : c.value);
        EXPECT_EQ(icmp_error_allowed(off), c.want) << c.what;
        EXPECT_EQ(build_icmp_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, 11, 0, 0, off), 0u)
            << c.what;
    }
}

TEST(Icmp4Error, RejectsMalformedOffendingPacket) {
    Bytes off = from_hex(kOffendingUdp);
    for (size_t n = 0; n < 20; ++n)
        EXPECT_EQ(icmp_error_allowed({off.data(), n}), NetError::truncated) << n;
    Bytes v6 = off;
    v6[0] = 0x65;
    EXPECT_EQ(icmp_error_allowed(v6), NetError::bad_version);
    Bytes ihl = off;
    ihl[0] = 0x44;
    EXPECT_EQ(icmp_error_allowed(ihl), NetError::bad_header_len);
    uint8_t out[100];
    size_t len = 0;
    EXPECT_EQ(make_icmp_error_ip(out, sizeof out, kOurIp, 11, 0, 0, off, &len), NetError::no_room);
}

TEST(Icmp4, TypeIsError) {
    EXPECT_FALSE(icmp_type_is_error(kIcmpEchoRequest));
    EXPECT_FALSE(icmp_type_is_error(kIcmpEchoReply));
    EXPECT_TRUE(icmp_type_is_error(kIcmpDestUnreachable));
    EXPECT_TRUE(icmp_type_is_error(kIcmpTimeExceeded));
    EXPECT_TRUE(icmp_type_is_error(kIcmpParamProblem));
    EXPECT_TRUE(icmp_type_is_error(200));
}

}  // namespace
}  // namespace lns::cp::net
