// libFuzzer target for the control core's network codecs (controlplane/net):
// every parser and every builder that takes received bytes gets the input, as a
// frame and as a bare IP packet; whatever a builder accepts must parse back.
// The same bytes also drive a small NeighborResolver as a list of operations.
//
// Build (from the repository root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//           tests/fuzz/fuzz_net.cpp controlplane/net/*.cpp -o fuzz_net
// Run:   ./fuzz_net tests/fuzz/corpus/net
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "controlplane/net/arp.hpp"
#include "controlplane/net/checksum.hpp"
#include "controlplane/net/icmp4.hpp"
#include "controlplane/net/icmp6.hpp"
#include "controlplane/net/ipv4.hpp"
#include "controlplane/net/ipv6.hpp"
#include "controlplane/net/nd.hpp"
#include "controlplane/net/neighbor_resolver.hpp"

using namespace lns::cp::net;

namespace {

constexpr MacAddr kMac = {0x02, 0, 0, 0, 0, 1};
constexpr MacAddr kPeer = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
constexpr uint32_t kIp4 = 0xc0000201;
constexpr Ip6Addr kIp6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void fuzz_frame(std::span<const uint8_t> in) {
    uint8_t out[2048];
    size_t len = 0;

    ArpPacket arp;
    if (parse_arp(in, &arp) == NetError::ok)
        check(build_arp_reply(out, sizeof out, kMac, kIp4, arp.sender_mac, arp.sender_ip) == 60);

    if (make_icmp_echo_reply(in, out, sizeof out, &len) == NetError::ok) {
        Ipv4Header h;
        check(len >= kEthMinFrameLen && len <= sizeof out);
        check(parse_ipv4({out + kEthHeaderLen, len - kEthHeaderLen}, &h) == NetError::ok);
        check(internet_checksum(h.payload.data(), h.payload.size()) == 0);
        // The same reply built in place.
        std::vector<uint8_t> buf(in.begin(), in.end());
        size_t len2 = 0;
        check(make_icmp_echo_reply(buf, buf.data(), buf.size(), &len2) != NetError::ok ||
              (len2 == len && std::memcmp(buf.data(), out, len) == 0));
    }

    Icmp6Packet p;
    if (parse_icmp6(in, &p) == NetError::ok && p.type == kNdNeighborSolicit &&
        make_na_for_ns(p, kMac, true, out, sizeof out, &len) == NetError::ok) {
        Icmp6Packet na;
        check(parse_icmp6({out, len}, &na) == NetError::ok && na.type == kNdNeighborAdvert);
    }
    if (make_icmp6_echo_reply(in, out, sizeof out, &len) == NetError::ok) {
        Icmp6Packet rep;
        check(parse_icmp6({out, len}, &rep) == NetError::ok && rep.type == kIcmp6EchoReply);
    }
}

void fuzz_ip_packet(std::span<const uint8_t> in) {
    uint8_t out[2048];
    size_t len = 0;

    Ipv4Header h4;
    (void)parse_ipv4(in, &h4);
    Ipv6Header h6;
    (void)parse_ipv6(in, &h6);

    NetError allowed = icmp_error_allowed(in);
    NetError made = make_icmp_error_ip(out, sizeof out, kIp4, kIcmpTimeExceeded, 0, 0, in, &len);
    check(allowed == made);
    if (made == NetError::ok) {
        Ipv4Header h;
        check(len <= kIcmpErrorMaxIpLen);
        check(parse_ipv4({out, len}, &h) == NetError::ok);
        check(internet_checksum(h.payload.data(), h.payload.size()) == 0);
        check(build_icmp_error(out, sizeof out, kMac, kPeer, kIp4, kIcmpDestUnreachable,
                               kIcmpCodeFragNeeded, icmp_frag_needed_rest(1400), in) > 0);
    }

    uint8_t type = in.empty() ? kIcmp6TimeExceeded : static_cast<uint8_t>(in[0] % 5);
    allowed = icmp6_error_allowed(in, type, 2);
    made = make_icmp6_error_ip(out + kEthHeaderLen, sizeof out - kEthHeaderLen, kIp6, type, 2, 1280,
                               in, &len);
    check(allowed == made);
    if (made == NetError::ok) {
        check(len <= kIpv6MinMtu);
        write_eth_header(out, kPeer, kMac, kEtherTypeIpv6);
        Icmp6Packet p;
        check(parse_icmp6({out, kEthHeaderLen + len}, &p) == NetError::ok && p.type == type);
    }
}

// Drives a resolver with 8 entries from the input bytes; checks its invariants.
void fuzz_resolver(std::span<const uint8_t> in) {
    NeighborConfig cfg;
    cfg.reachable_ns = 50;
    cfg.retry_ns = 7;
    cfg.max_retries = 2;
    cfg.pending_limit = 3;
    NeighborResolver r(8, cfg);
    uint64_t now = 0;
    for (uint8_t b : in) {
        uint32_t idx = b & 7;
        switch (b >> 5) {
            case 0:
                r.add(idx, 0, NeighborAddr::ipv4(idx));
                break;
            case 1:
                r.remove(idx);
                break;
            case 2:
                r.on_miss(idx, now);
                break;
            case 3:
                r.note_queued(idx);
                break;
            case 4:
                r.on_reply(idx, kPeer, now);
                break;
            case 5:
                r.set_static(idx, 0, NeighborAddr::ipv4(idx), kPeer);
                break;
            default:
                now += (b >> 3) & 3 ? b & 31 : 0;
                r.on_timer(now, [&](const NeighborEvent &ev) { check(ev.idx < 8); });
                check(r.next_deadline() > now);
                break;
        }
        for (uint32_t i = 0; i < 8; ++i) check(r.queued(i) <= cfg.pending_limit);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::span<const uint8_t> in(data, size);
    fuzz_frame(in);
    fuzz_ip_packet(in);
    if (size > kEthHeaderLen) fuzz_ip_packet(in.subspan(kEthHeaderLen));  // frames' IP part
    fuzz_resolver(in);
    return 0;
}
