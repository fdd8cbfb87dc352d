// Subscriber test traffic for the LAC emulator's PPP layer: IPv4 packets (UDP or
// ICMP echo) from a subscriber's negotiated address to a destination, and the
// check on what comes back.  Pure functions on caller buffers.
//
// Thread: any; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace lns::lacemu {

enum class TrafficProto : uint8_t { udp, icmp };
const char *traffic_proto_name(TrafficProto p);

inline constexpr size_t kMinTrafficSize = 28;   // IPv4 + UDP/ICMP headers
inline constexpr size_t kMaxTrafficSize = 1400;  // fits a 1460-octet PPP MRU

struct TrafficConfig {
    double pps = 0;  // packets per second over all subscribers that are up; 0: off
    uint32_t size = 64;  // IPv4 total length, kMinTrafficSize..kMaxTrafficSize
    uint32_t dest = 0;   // IPv4 destination (host order)
    uint16_t port = 9;   // UDP destination port (discard)
    TrafficProto proto = TrafficProto::udp;
};

// RFC 1071 Internet checksum of `b` (result in host order, ready to store big-endian).
uint16_t inet_checksum(std::span<const uint8_t> b);

// Builds one IPv4 packet of cfg.size octets from `src` into `out` (at least
// cfg.size octets): UDP from port 10000 + (ident % 50000) or ICMP Echo-Request with
// identifier `ident` and sequence `seq`; the payload carries `seq`.  Returns the size.
size_t build_traffic_packet(const TrafficConfig &cfg, uint32_t src, uint16_t ident, uint16_t seq,
                            std::span<uint8_t> out);

// The IPv4 destination of `packet`, 0 when it is not a well-formed IPv4 header.
uint32_t ipv4_destination(std::span<const uint8_t> packet);

}  // namespace lns::lacemu
