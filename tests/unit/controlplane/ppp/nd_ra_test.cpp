// Router Advertisements and Solicitations on a PPP link (controlplane/ppp/nd_ra.hpp,
// RFC 4861).  Expected packets were built by hand with scapy (IPv6 / ICMPv6ND_RA /
// ICMPv6NDOptPrefixInfo / ICMPv6NDOptMTU / ICMPv6NDOptRDNSS, ICMPv6ND_RS) and
// compared byte for byte, checksums included.
#include "controlplane/ppp/nd_ra.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "auth_test_harness.hpp"

namespace lns::cp::ppp {
namespace {

using test::Bytes;
using test::kSec;
using test::unhex;

const InterfaceId kIid = {0x02, 0, 0, 0, 0, 0, 0, 0x01};
const Ip6Addr kPrefix = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02};  // 2001:db8:1:2::/64

// IPv6(src=fe80::200:0:0:1, dst=ff02::1, hlim=255) / ICMPv6ND_RA(chlim=64,
// routerlifetime=1800) / PrefixInfo(64, L=1, A=1, valid 86400, preferred 14400,
// 2001:db8:1:2::) / MTU(1492)
const Bytes kRa = unhex(
    "6000000000383afffe800000000000000200000000000001ff020000000000000000000000000001"
    "86002ce8400007080000000000000000030440c000015180000038400000000020010db800010002"
    "000000000000000005010000000005d4");
// To fe80::1234, M=1, O=1, prf=0, router lifetime 0, PrefixInfo(64, L=1, A=0, RFC
// defaults, 2001:db8:aa:bb::), RDNSS(1800, 2001:db8::53, 2001:db8::54)
const Bytes kRa2 = unhex(
    "6000000000583afffe800000000000000200000000000001fe800000000000000000000000001234"
    "860070fc40c0000000000000000000000304408000278d0000093a800000000020010db800aa00bb"
    "0000000000000000190500000000070820010db800000000000000000000005320010db800000000"
    "0000000000000054");
// IPv6(src=fe80::1, dst=ff02::2, hlim=255) / ICMPv6ND_RS()
const Bytes kRs = unhex(
    "6000000000083afffe800000000000000000000000000001ff02000000000000000000000000000285007d3600000000");
// ... / ICMPv6NDOptSrcLLAddr(02:00:00:00:00:01)
const Bytes kRsLladdr = unhex(
    "6000000000103afffe800000000000000000000000000001ff020000000000000000000000000002"
    "85007a2c000000000101020000000001");
// IPv6(src=::, dst=ff02::2, hlim=255) / ICMPv6ND_RS()
const Bytes kRsUnspecified = unhex(
    "6000000000083aff00000000000000000000000000000000ff02000000000000000000000000000285007bb800000000");

Ip6Addr addr(std::string_view hex) {
    Ip6Addr a{};
    const Bytes b = unhex(hex);
    std::copy(b.begin(), b.end(), a.begin());
    return a;
}

// Recomputes the ICMPv6 checksum of an edited packet.
void fix_checksum(Bytes &p) {
    p[42] = p[43] = 0;
    Ip6Addr s, d;
    std::copy(p.begin() + 8, p.begin() + 24, s.begin());
    std::copy(p.begin() + 24, p.begin() + 40, d.begin());
    const uint16_t c = icmp6_checksum(s, d, std::span(p).subspan(40));
    p[42] = uint8_t(c >> 8);
    p[43] = uint8_t(c);
}

TEST(RouterAdvertisement, MatchesScapy) {
    RaConfig cfg;
    cfg.valid_lifetime_s = 86400;
    cfg.preferred_lifetime_s = 14400;
    cfg.mtu = 1492;
    std::array<uint8_t, kMaxRaPacket> buf;
    const size_t n = build_router_advertisement(buf, cfg, kIid, kAllNodes, kPrefix);
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + n), kRa);
}

TEST(RouterAdvertisement, FlagsRdnssUnicastAndDefaults) {
    RaConfig cfg;
    cfg.managed = cfg.other_config = true;
    cfg.router_lifetime_s = 0;
    cfg.autonomous = false;
    cfg.dns[0] = addr("20010db8000000000000000000000053");
    cfg.dns[1] = addr("20010db8000000000000000000000054");
    cfg.dns_count = 2;
    Ip6Addr prefix = addr("20010db800aa00bbffffffffffffffff");  // host bits are cleared
    std::array<uint8_t, kMaxRaPacket> buf;
    const size_t n = build_router_advertisement(buf, cfg, kIid, addr("fe800000000000000000000000001234"), prefix);
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + n), kRa2);
}

TEST(RouterAdvertisement, TooSmallBufferAndLargestPacket) {
    RaConfig cfg;
    cfg.mtu = 1400;
    cfg.dns_count = 7;  // clamped to kMaxRdnss
    std::array<uint8_t, kMaxRaPacket> buf;
    EXPECT_EQ(build_router_advertisement(std::span(buf).first(kMaxRaPacket - 1), cfg, kIid, kAllNodes,
                                         kPrefix), 0u);
    const size_t n = build_router_advertisement(buf, cfg, kIid, kAllNodes, kPrefix);
    EXPECT_EQ(n, kMaxRaPacket);
    Ip6Addr src = link_local_address(kIid);
    EXPECT_EQ(icmp6_checksum(src, kAllNodes, std::span(buf).subspan(40, n - 40)), 0);
    EXPECT_EQ(build_router_advertisement(std::span(buf).first(40 + 48), RaConfig{}, kIid, kAllNodes,
                                         kPrefix), 40u + 48u);
}

TEST(RouterAdvertisement, PrefixLengthOtherThan64) {
    std::array<uint8_t, kMaxRaPacket> buf;
    Ip6Addr p = addr("20010db8ffffffffffffffffffffffff");
    ASSERT_EQ(build_router_advertisement(buf, RaConfig{}, kIid, kAllNodes, p, 36), 88u);
    EXPECT_EQ(buf[56 + 2], 36);
    EXPECT_EQ(Bytes(buf.begin() + 56 + 16, buf.begin() + 56 + 32),
              unhex("20010db8f0000000" "0000000000000000"));
}

TEST(RouterAdvertisement, LinkLocalAddress) {
    EXPECT_EQ(link_local_address(kIid), addr("fe800000000000000200000000000001"));
}

TEST(RouterSolicitation, AcceptsRealOnes) {
    RouterSolicitation rs;
    ASSERT_EQ(parse_router_solicitation(kRs, &rs), NdError::ok);
    EXPECT_EQ(rs.src, addr("fe800000000000000000000000000001"));
    EXPECT_EQ(rs.dst, kAllRouters);
    EXPECT_FALSE(rs.has_source_lladdr);
    EXPECT_EQ(ra_destination(rs), rs.src);
    ASSERT_EQ(parse_router_solicitation(kRsLladdr, &rs), NdError::ok);
    EXPECT_TRUE(rs.has_source_lladdr);
    ASSERT_EQ(parse_router_solicitation(kRsUnspecified, &rs), NdError::ok);
    EXPECT_EQ(ra_destination(rs), kAllNodes);
    Bytes padded = kRs;  // octets beyond the payload length are not part of it
    padded.insert(padded.end(), {1, 2, 3});
    EXPECT_EQ(parse_router_solicitation(padded, &rs), NdError::ok);
}

TEST(RouterSolicitation, RejectsWhatRfc4861SaysToDiscard) {
    RouterSolicitation rs;
    auto edited = [](Bytes p, size_t at, uint8_t v, bool fix = true) {
        p[at] = v;
        if (fix) fix_checksum(p);
        return p;
    };
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 7, 254), &rs), NdError::bad_hop_limit);
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 41, 1), &rs), NdError::bad_code);
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 47, 1, false), &rs), NdError::bad_checksum);
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 8, 0x20), &rs), NdError::bad_source);  // global
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 8, 0xff), &rs), NdError::bad_source);  // multicast
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 40, 128), &rs), NdError::not_router_solicitation);
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 6, 17), &rs), NdError::not_icmpv6);
    EXPECT_EQ(parse_router_solicitation(edited(kRs, 0, 0x45), &rs), NdError::not_ipv6);
    // Option with length 0, option running past the end.
    EXPECT_EQ(parse_router_solicitation(edited(kRsLladdr, 49, 0), &rs), NdError::bad_option);
    EXPECT_EQ(parse_router_solicitation(edited(kRsLladdr, 49, 2), &rs), NdError::bad_option);
    // Source link-layer option from the unspecified address.
    Bytes p = kRsLladdr;
    std::fill(p.begin() + 8, p.begin() + 24, 0);
    fix_checksum(p);
    EXPECT_EQ(parse_router_solicitation(p, &rs), NdError::lladdr_from_unspecified);
}

TEST(RouterSolicitation, LengthsAreBounded) {
    RouterSolicitation rs;
    for (size_t n = 0; n < kRs.size(); ++n) {
        const NdError e = parse_router_solicitation(std::span(kRs).first(n), &rs);
        EXPECT_EQ(e, NdError::truncated) << n;
    }
    Bytes p = kRs;
    p[5] = 4;  // payload of 4 octets: type and code readable, too short for an RS
    fix_checksum(p);
    p.resize(44);
    EXPECT_EQ(parse_router_solicitation(p, &rs), NdError::too_short);
    p[5] = 2;
    EXPECT_EQ(parse_router_solicitation(p, &rs), NdError::truncated);
    EXPECT_STREQ(to_string(NdError::lladdr_from_unspecified), "lladdr_from_unspecified");
}

TEST(RaSchedule, InitialThenPeriodic) {
    RaSchedule s(600 * kSec);
    EXPECT_EQ(s.next_deadline(), UINT64_MAX);
    s.start(10 * kSec);
    EXPECT_TRUE(s.due(10 * kSec));
    s.sent(10 * kSec);
    EXPECT_EQ(s.next_deadline(), 26 * kSec);
    EXPECT_FALSE(s.due(25 * kSec));
    s.sent(26 * kSec);
    EXPECT_EQ(s.next_deadline(), 42 * kSec);
    s.sent(42 * kSec);  // the third: now the period
    EXPECT_EQ(s.next_deadline(), 642 * kSec);
    s.stop();
    EXPECT_EQ(s.next_deadline(), UINT64_MAX);
    EXPECT_FALSE(s.due(700 * kSec));
    EXPECT_FALSE(s.on_solicitation(700 * kSec));
}

TEST(RaSchedule, SolicitationsAreRateLimited) {
    RaSchedule s(600 * kSec);
    s.start(0);
    EXPECT_TRUE(s.on_solicitation(0));  // before any RA: at once
    s.sent(0);
    EXPECT_FALSE(s.on_solicitation(kSec));  // within 3 s: deferred
    EXPECT_EQ(s.next_deadline(), 3 * kSec);
    EXPECT_TRUE(s.due(3 * kSec));
    s.sent(3 * kSec);
    EXPECT_TRUE(s.on_solicitation(6 * kSec));
}

TEST(RaSchedule, ShortIntervalAndInitialOnly) {
    RaSchedule fast(4 * kSec);
    fast.start(0);
    fast.sent(0);
    EXPECT_EQ(fast.next_deadline(), 4 * kSec);
    RaSchedule once(0);
    once.start(0);
    for (int i = 0; i < 3; ++i) once.sent(once.next_deadline());
    EXPECT_EQ(once.next_deadline(), UINT64_MAX);
    EXPECT_TRUE(once.on_solicitation(100 * kSec));
}

}  // namespace
}  // namespace lns::cp::ppp
