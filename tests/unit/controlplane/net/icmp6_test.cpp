// ICMPv6 tests (controlplane/net/icmp6.hpp): parsing, echo, error messages,
// against frames built by scapy 2.5.
#include "controlplane/net/icmp6.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "controlplane/net/bytes.hpp"
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
constexpr size_t kIp = kEthHeaderLen;  // offset of the IPv6 header in a frame

void fix_icmp6(Bytes &f) {
    uint8_t *ip = f.data() + kIp;
    Ip6Addr src, dst;
    std::memcpy(src.data(), ip + 8, 16);
    std::memcpy(dst.data(), ip + 24, 16);
    icmp6_set_checksum(ip + kIpv6HeaderLen, load_be16(ip + 4), src, dst);
}

// scapy: Ether(dst='02:00:00:00:00:01', src='52:54:00:12:34:56')/IPv6(src='2001:db8::2',
// dst='2001:db8::1', hlim=60)/ICMPv6EchoRequest(id=0x1234, seq=5, data=b'hello icmpv6 payload')
constexpr const char *kEcho6Request =
    "02000000000152540012345686dd60000000001c3a3c20010db800000000000000000000000220010db80000"
    "00000000000000000001800031411234000568656c6c6f2069636d707636207061796c6f6164";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IPv6(src='2001:db8::1',
// dst='2001:db8::2', hlim=64)/ICMPv6EchoReply(id=0x1234, seq=5, data=b'hello icmpv6 payload')
constexpr const char *kEcho6Reply =
    "52540012345602000000000186dd60000000001c3a4020010db800000000000000000000000120010db80000"
    "00000000000000000002810030411234000568656c6c6f2069636d707636207061796c6f6164";

// scapy: IPv6(src='2001:db8:100::7', dst='2001:db8:200::9', hlim=1)/UDP(sport=1234,
// dport=53)/Raw(bytes(range(100)))
constexpr const char *kOffending6Udp =
    "60000000006c110120010db801000000000000000000000720010db802000000000000000000000904d20035"
    "006cffbf000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"
    "28292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50515253"
    "5455565758595a5b5c5d5e5f60616263";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IPv6(src='2001:db8::1',
// dst='2001:db8:100::7',
// hlim=64)/ICMPv6TimeExceeded(code=0)/Raw(bytes(IPv6(src='2001:db8:100::7',
// dst='2001:db8:200::9', hlim=1)/UDP(sport=1234, dport=53)/Raw(bytes(range(100)))))
constexpr const char *kTimeExceeded6 =
    "52540012345602000000000186dd60000000009c3a4020010db800000000000000000000000120010db80100"
    "0000000000000000000703002ebf0000000060000000006c110120010db80100000000000000000000072001"
    "0db802000000000000000000000904d20035006cffbf000102030405060708090a0b0c0d0e0f101112131415"
    "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041"
    "42434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263";

// scapy: IPv6(src='2001:db8:100::7', dst='2001:db8:200::9', hlim=60)/TCP(sport=40000, dport=80,
// flags='A', seq=1, ack=1)/Raw(bytes(i & 0xff for i in range(1440)))
constexpr const char *kOffending6Tcp1500 =
    "6000000005b4063c20010db801000000000000000000000720010db80200000000000000000000099c400050"
    "00000001000000015010200004c90000000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
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
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadb"
    "dcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0001020304050607"
    "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
    "3435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b"
    "8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7"
    "b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3"
    "e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b"
    "3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364656667"
    "68696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f90919293"
    "9495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaeb"
    "ecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f1011121314151617"
    "18191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243"
    "4445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f"
    "707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b"
    "9c9d9e9f";

// scapy: Ether(dst='52:54:00:12:34:56', src='02:00:00:00:00:01')/IPv6(src='2001:db8::1',
// dst='2001:db8:100::7',
// hlim=64)/ICMPv6PacketTooBig(mtu=1400)/Raw(bytes(IPv6(src='2001:db8:100::7',
// dst='2001:db8:200::9', hlim=60)/TCP(sport=40000, dport=80, flags='A', seq=1,
// ack=1)/Raw(bytes(i & 0xff for i in range(1440))))[:1232])
constexpr const char *kPacketTooBig =
    "52540012345602000000000186dd6000000004d83a4020010db800000000000000000000000120010db80100"
    "0000000000000000000702008aa4000005786000000005b4063c20010db80100000000000000000000072001"
    "0db80200000000000000000000099c40005000000001000000015010200004c9000000010203040506070809"
    "0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435"
    "363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061"
    "62636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d"
    "8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9"
    "babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5"
    "e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f1011"
    "12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d"
    "3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263646566676869"
    "6a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495"
    "969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1"
    "c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebeced"
    "eeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f10111213141516171819"
    "1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445"
    "464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071"
    "72737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d"
    "9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9"
    "cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5"
    "f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021"
    "22232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d"
    "4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576777879"
    "7a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5"
    "a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1"
    "d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfd"
    "feff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526272829"
    "2a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455"
    "565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f8081"
    "82838485868788898a8b8c8d8e8f90919293";

// scapy: IPv6(src='2001:db8:100::7',
// dst='2001:db8:200::9')/ICMPv6DestUnreach(code=4)/IPv6(src='2001:db8:200::9',
// dst='2001:db8:100::7')/UDP()
constexpr const char *kOffending6IcmpErr =
    "6000000000383a4020010db801000000000000000000000720010db802000000000000000000000901042ed8"
    "00000000600000000008114020010db802000000000000000000000920010db8010000000000000000000007"
    "003500350008a0f2";

// scapy: IPv6(src='2001:db8:100::7', dst='2001:db8:200::9')/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestO
// pt()/ICMPv6TimeExceeded()/IPv6(src='2001:db8:200::9', dst='2001:db8:100::7')/UDP()
constexpr const char *kOffending6HbhIcmpErr =
    "600000000048004020010db801000000000000000000000720010db80200000000000000000000093c000104"
    "000000003a0001040000000003002cdc00000000600000000008114020010db8020000000000000000000009"
    "20010db8010000000000000000000007003500350008a0f2";

// scapy: IPv6(src='2001:db8:100::7',
// dst='2001:db8:200::9')/IPv6ExtHdrHopByHop()/IPv6ExtHdrFragment(offset=0, m=1,
// id=7)/ICMPv6EchoRequest()
constexpr const char *kOffending6HbhEcho =
    "600000000018004020010db801000000000000000000000720010db80200000000000000000000092c000104"
    "000000003a000001000000078000213b00000000";

// scapy: IPv6(src='2001:db8:100::7', dst='2001:db8:200::9')/IPv6ExtHdrFragment(offset=10, m=0,
// nh=58, id=7)/Raw(b'\x01' * 16)
constexpr const char *kOffending6Frag2 =
    "6000000000182c4020010db801000000000000000000000720010db80200000000000000000000093a000050"
    "0000000701010101010101010101010101010101";

TEST(Icmp6Parse, EchoRequest) {
    Bytes f = from_hex(kEcho6Request);
    Icmp6Packet p;
    ASSERT_EQ(parse_icmp6(f, &p), NetError::ok);
    EXPECT_EQ(p.type, kIcmp6EchoRequest);
    EXPECT_EQ(p.code, 0);
    EXPECT_EQ(p.hop_limit, 60);
    EXPECT_EQ(p.echo_id, 0x1234);
    EXPECT_EQ(p.echo_seq, 5);
    EXPECT_EQ(p.dst, kOurIp);
    EXPECT_EQ(p.message.size(), 8u + 20u);
}

TEST(Icmp6Parse, RejectsHeaderErrors) {
    Icmp6Packet p;
    Bytes f = from_hex(kEcho6Request);
    for (size_t n = 0; n < f.size(); ++n)
        EXPECT_EQ(parse_icmp6({f.data(), n}, &p), NetError::truncated) << n;
    Bytes g = f;
    g[12] = 0x08;
    g[13] = 0x00;
    EXPECT_EQ(parse_icmp6(g, &p), NetError::bad_ethertype);
    g = f;
    g[kIp] = 0x40;
    EXPECT_EQ(parse_icmp6(g, &p), NetError::bad_version);
    g = f;
    g[kIp + 6] = 17;  // UDP
    EXPECT_EQ(parse_icmp6(g, &p), NetError::bad_protocol);
    g = f;
    g[kIp + 6] = 0;  // hop-by-hop: extension headers are not walked
    EXPECT_EQ(parse_icmp6(g, &p), NetError::bad_protocol);
    g = f;
    g[kIp + 8] = 0xff;  // multicast source
    fix_icmp6(g);
    EXPECT_EQ(parse_icmp6(g, &p), NetError::bad_address);
    g = f;
    g[kIp + 8] ^= 1;  // source address: covered by the pseudo-header
    EXPECT_EQ(parse_icmp6(g, &p), NetError::bad_checksum);
    g = f;
    store_be16(g.data() + kIp + 4, 2);  // a 2-byte ICMPv6 message
    EXPECT_EQ(parse_icmp6(g, &p), NetError::truncated);
    g = f;
    store_be16(g.data() + kIp + 4, 6);  // echo shorter than its 8-byte header
    fix_icmp6(g);
    EXPECT_EQ(parse_icmp6(g, &p), NetError::truncated);
}

TEST(Icmp6Echo, ReplyMatchesScapy) {
    Bytes req = from_hex(kEcho6Request);
    uint8_t out[256];
    size_t n = build_icmp6_echo_reply(req, out, sizeof out);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kEcho6Reply));
}

TEST(Icmp6Echo, ReplyInPlaceIgnoringPadding) {
    Bytes buf = from_hex(kEcho6Request);
    buf.resize(buf.size() + 10, 0xee);
    size_t len = 0;
    ASSERT_EQ(make_icmp6_echo_reply(buf, buf.data(), buf.size(), &len), NetError::ok);
    buf.resize(len);
    EXPECT_EQ(buf, from_hex(kEcho6Reply));
}

TEST(Icmp6Echo, Refusals) {
    uint8_t out[256];
    size_t len = 0;
    Bytes f = from_hex(kEcho6Request);
    EXPECT_EQ(make_icmp6_echo_reply(f, out, f.size() - 1, &len), NetError::no_room);
    Bytes g = f;
    g[kIp + kIpv6HeaderLen] = kIcmp6EchoReply;
    fix_icmp6(g);
    EXPECT_EQ(make_icmp6_echo_reply(g, out, sizeof out, &len), NetError::unsupported_type);
    g = f;
    g[kIp + kIpv6HeaderLen + 1] = 1;
    fix_icmp6(g);
    EXPECT_EQ(make_icmp6_echo_reply(g, out, sizeof out, &len), NetError::bad_code);
    g = f;
    g[0] = 0x33;
    EXPECT_EQ(make_icmp6_echo_reply(g, out, sizeof out, &len), NetError::not_for_us);
    g = f;
    g[kIp + 24] = 0xff;  // multicast destination
    fix_icmp6(g);
    EXPECT_EQ(make_icmp6_echo_reply(g, out, sizeof out, &len), NetError::group_destination);
    g = f;
    std::memset(&g[kIp + 8], 0, 16);  // unspecified source
    fix_icmp6(g);
    EXPECT_EQ(make_icmp6_echo_reply(g, out, sizeof out, &len), NetError::bad_source);
    EXPECT_EQ(build_icmp6_echo_reply({f.data(), 60}, out, sizeof out), 0u);  // truncated
}

TEST(Icmp6Error, TimeExceededMatchesScapy) {
    Bytes off = from_hex(kOffending6Udp);
    uint8_t out[2048];
    size_t n = build_icmp6_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, kIcmp6TimeExceeded,
                                 kIcmp6CodeHopLimitExceeded, 0, off);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kTimeExceeded6));
}

TEST(Icmp6Error, PacketTooBigFitsMinimumMtu) {
    Bytes off = from_hex(kOffending6Tcp1500);
    ASSERT_EQ(off.size(), 1500u);
    uint8_t out[2048];
    size_t n = build_icmp6_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, kIcmp6PacketTooBig, 0,
                                 1400, off);
    ASSERT_EQ(n, kEthHeaderLen + kIpv6MinMtu);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kPacketTooBig));
    EXPECT_EQ(0, std::memcmp(out + kEthHeaderLen + 48, off.data(), 1232));
    // The IP-only form is the same packet without Ethernet.
    uint8_t ip[2048];
    size_t len = 0;
    ASSERT_EQ(make_icmp6_error_ip(ip, sizeof ip, kOurIp, kIcmp6PacketTooBig, 0, 1400, off, &len),
              NetError::ok);
    EXPECT_EQ(Bytes(ip, ip + len), Bytes(out + kEthHeaderLen, out + n));
    EXPECT_EQ(make_icmp6_error_ip(ip, 1279, kOurIp, kIcmp6PacketTooBig, 0, 1400, off, &len),
              NetError::no_room);
}

TEST(Icmp6Error, ErrorIsParseable) {
    Bytes off = from_hex(kOffending6Udp);
    off.resize(off.size() + 7, 0xee);  // bytes past the payload length are not quoted
    uint8_t out[2048];
    size_t n = build_icmp6_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, kIcmp6TimeExceeded, 0,
                                 0, off);
    EXPECT_EQ(Bytes(out, out + n), from_hex(kTimeExceeded6));
    Icmp6Packet p;
    ASSERT_EQ(parse_icmp6({out, n}, &p), NetError::ok);
    EXPECT_EQ(p.type, kIcmp6TimeExceeded);
}

TEST(Icmp6Error, AllowedAboutEchoBehindExtensionHeaders) {
    EXPECT_EQ(icmp6_error_allowed(from_hex(kOffending6HbhEcho), kIcmp6TimeExceeded, 0),
              NetError::ok);
    EXPECT_EQ(icmp6_error_allowed(from_hex(kOffending6Udp), kIcmp6TimeExceeded, 0), NetError::ok);
}

TEST(Icmp6Error, RefusesPerRfc4443) {
    uint8_t out[2048];
    Bytes err = from_hex(kOffending6IcmpErr);
    EXPECT_EQ(icmp6_error_allowed(err, kIcmp6TimeExceeded, 0), NetError::is_icmp_error);
    EXPECT_EQ(build_icmp6_error(out, sizeof out, kOurMac, kPeerMac, kOurIp, 3, 0, 0, err), 0u);
    EXPECT_EQ(icmp6_error_allowed(from_hex(kOffending6HbhIcmpErr), kIcmp6PacketTooBig, 0),
              NetError::is_icmp_error);
    // Upper layer hidden behind a non-first fragment: refused, it could be an error.
    EXPECT_EQ(icmp6_error_allowed(from_hex(kOffending6Frag2), kIcmp6TimeExceeded, 0),
              NetError::is_icmp_error);
    // Extension header chain cut short.
    Bytes cut = from_hex(kOffending6HbhIcmpErr);
    cut.resize(kIpv6HeaderLen + 9);
    EXPECT_EQ(icmp6_error_allowed(cut, kIcmp6TimeExceeded, 0), NetError::is_icmp_error);

    Bytes off = from_hex(kOffending6Udp);
    Bytes g = off;
    std::memset(&g[8], 0, 16);
    EXPECT_EQ(icmp6_error_allowed(g, kIcmp6TimeExceeded, 0), NetError::bad_source);
    g = off;
    g[8] = 0xff;
    EXPECT_EQ(icmp6_error_allowed(g, kIcmp6TimeExceeded, 0), NetError::bad_source);
    g = off;
    std::memset(&g[8], 0, 16);
    g[23] = 1;  // ::1
    EXPECT_EQ(icmp6_error_allowed(g, kIcmp6TimeExceeded, 0), NetError::bad_source);
    g = off;
    g[24] = 0xff;  // multicast destination
    EXPECT_EQ(icmp6_error_allowed(g, kIcmp6TimeExceeded, 0), NetError::group_destination);
    EXPECT_EQ(icmp6_error_allowed(g, kIcmp6PacketTooBig, 0), NetError::ok);
    EXPECT_EQ(icmp6_error_allowed(g, kIcmp6ParamProblem, kIcmp6CodeParamUnknownOption),
              NetError::ok);
    EXPECT_EQ(icmp6_error_allowed(g, kIcmp6ParamProblem, 0), NetError::group_destination);
    for (size_t n = 0; n < kIpv6HeaderLen; ++n)
        EXPECT_EQ(icmp6_error_allowed({off.data(), n}, 3, 0), NetError::truncated) << n;
    g = off;
    g[0] = 0x45;
    EXPECT_EQ(icmp6_error_allowed(g, 3, 0), NetError::bad_version);
}

}  // namespace
}  // namespace lns::cp::net
