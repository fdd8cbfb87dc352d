// IPv4 header parsing and writing for the control core's ICMP code (RFC 791).
//
// Addresses are uint32_t in host order.  Packets start at the IP header (no
// Ethernet); bytes past the header's Total Length (Ethernet padding) are ignored.
//
// Thread: any; pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "controlplane/net/net_error.hpp"

namespace lns::cp::net {

inline constexpr size_t kIpv4MinHeaderLen = 20;
inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpv4DefaultTtl = 64;
inline constexpr uint16_t kIpv4FlagDf = 0x4000;
inline constexpr uint16_t kIpv4FlagMf = 0x2000;
inline constexpr uint16_t kIpv4OffsetMask = 0x1fff;

struct Ipv4Header {
    uint8_t header_len = 0;  // bytes, 20..60
    uint8_t tos = 0;
    uint16_t total_len = 0;
    uint16_t id = 0;
    uint16_t flags_frag = 0;  // flags (DF, MF) and fragment offset, as on the wire
    uint8_t ttl = 0;
    uint8_t protocol = 0;
    uint32_t src = 0;                  // host order
    uint32_t dst = 0;                  // host order
    std::span<const uint8_t> options;  // header_len - 20 bytes, inside the input
    std::span<const uint8_t> payload;  // total_len - header_len bytes, inside the input
};

inline uint16_t ipv4_frag_offset(const Ipv4Header &h) {
    return h.flags_frag & kIpv4OffsetMask;
}
inline bool ipv4_is_fragment(const Ipv4Header &h) {
    return (h.flags_frag & (kIpv4FlagMf | kIpv4OffsetMask)) != 0;
}

// Multicast (224/4) or the limited broadcast 255.255.255.255.  A subnet-directed
// broadcast cannot be recognised without the prefix: callers check that.
inline bool ipv4_is_group(uint32_t a) {
    return (a >> 28) == 0xe || a == 0xffffffffu;
}

// False for addresses that do not name a single host (RFC 1122 §3.2.2 and
// §3.2.1.3): 0/8, 127/8, multicast 224/4 and class E 240/4 (with broadcast).
inline bool ipv4_is_single_host(uint32_t a) {
    uint32_t top = a >> 24;
    return top != 0 && top != 127 && top < 224;
}

// Parses the IPv4 header at the start of `packet`: version 4, IHL >= 5, header and
// Total Length within the span, header checksum correct.  Returns ok and fills
// `*out` (spans point into `packet`), or the first error found.
NetError parse_ipv4(std::span<const uint8_t> packet, Ipv4Header *out);

// Writes a 20-byte header (no options) with its checksum at `out`; the caller
// guarantees 20 bytes of room.
void write_ipv4_header(uint8_t *out, uint8_t tos, uint16_t total_len, uint16_t id,
                       uint16_t flags_frag, uint8_t ttl, uint8_t protocol, uint32_t src,
                       uint32_t dst);

}  // namespace lns::cp::net
