// IPv6 header parsing/writing and the address helpers neighbour discovery needs
// (RFC 8200, RFC 4291, RFC 4861).
//
// IPv6 addresses are 16 bytes in network order.  Packets start at the IPv6 header.
//
// Thread: any; pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "controlplane/net/ethernet.hpp"
#include "controlplane/net/net_error.hpp"

namespace lns::cp::net {

using Ip6Addr = std::array<uint8_t, 16>;

inline constexpr size_t kIpv6HeaderLen = 40;
inline constexpr uint8_t kIpProtoIcmp6 = 58;
inline constexpr uint8_t kIpv6DefaultHopLimit = 64;
inline constexpr size_t kIpv6MinMtu = 1280;  // RFC 8200 §5
inline constexpr Ip6Addr kIp6AllNodes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
inline constexpr Ip6Addr kIp6Unspecified = {};

struct Ipv6Header {
    uint8_t traffic_class = 0;
    uint32_t flow_label = 0;
    uint16_t payload_len = 0;
    uint8_t next_header = 0;
    uint8_t hop_limit = 0;
    Ip6Addr src{};
    Ip6Addr dst{};
    std::span<const uint8_t> payload;  // payload_len bytes inside the input
};

inline bool ip6_is_multicast(const Ip6Addr &a) {
    return a[0] == 0xff;
}
inline bool ip6_is_unspecified(const Ip6Addr &a) {
    return a == kIp6Unspecified;
}
inline bool ip6_is_loopback(const Ip6Addr &a) {
    return a == Ip6Addr{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
}
// fe80::/10
inline bool ip6_is_link_local(const Ip6Addr &a) {
    return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

// Solicited-node multicast address ff02::1:ffXX:XXXX of `a` (RFC 4291 §2.7.1).
Ip6Addr solicited_node_address(const Ip6Addr &a);

// Ethernet multicast MAC 33:33:XX:XX:XX:XX of the IPv6 multicast address `a`
// (RFC 2464 §7): its low 32 bits.
MacAddr ip6_multicast_mac(const Ip6Addr &a);

// fe80::/64 link-local address with the modified EUI-64 interface identifier
// built from `mac` (RFC 4291 §2.5.1 and appendix A, RFC 2464 §4-5).
Ip6Addr link_local_from_mac(const MacAddr &mac);

// Parses the fixed IPv6 header at the start of `packet`: version 6, payload within
// the span (trailing bytes ignored).  Extension headers are not walked.
NetError parse_ipv6(std::span<const uint8_t> packet, Ipv6Header *out);

// Writes a 40-byte header with traffic class and flow label 0 at `out`; the caller
// guarantees the room.
void write_ipv6_header(uint8_t *out, uint16_t payload_len, uint8_t next_header, uint8_t hop_limit,
                       const Ip6Addr &src, const Ip6Addr &dst);

// Checksum accumulator primed with the upper-layer pseudo-header (RFC 8200 §8.1);
// continue with checksum_add() over the upper-layer packet.
uint64_t ip6_pseudo_header_sum(const Ip6Addr &src, const Ip6Addr &dst, uint32_t upper_len,
                               uint8_t next_header);

}  // namespace lns::cp::net
