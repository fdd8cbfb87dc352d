// Subscriber test traffic.  See traffic.hpp.
#include "tools/lac-emu/traffic.hpp"

#include <cstring>

namespace lns::lacemu {

namespace {

void put16(uint8_t *p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

void put32(uint8_t *p, uint32_t v) {
    put16(p, uint16_t(v >> 16));
    put16(p + 2, uint16_t(v));
}

}  // namespace

const char *traffic_proto_name(TrafficProto p) {
    return p == TrafficProto::icmp ? "icmp" : "udp";
}

uint16_t inet_checksum(std::span<const uint8_t> b) {
    uint32_t sum = 0;
    size_t i = 0;
    for (; i + 1 < b.size(); i += 2) sum += uint32_t(b[i] << 8 | b[i + 1]);
    if (i < b.size()) sum += uint32_t(b[i] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

size_t build_traffic_packet(const TrafficConfig &cfg, uint32_t src, uint16_t ident, uint16_t seq,
                            std::span<uint8_t> out) {
    const size_t n = cfg.size < kMinTrafficSize ? kMinTrafficSize : cfg.size;
    if (out.size() < n) return 0;
    uint8_t *p = out.data();
    std::memset(p, 0, n);
    // IPv4 header (RFC 791): no options, DF clear, TTL 64.
    p[0] = 0x45;
    put16(p + 2, uint16_t(n));
    put16(p + 4, seq);
    p[8] = 64;
    p[9] = cfg.proto == TrafficProto::icmp ? 1 : 17;
    put32(p + 12, src);
    put32(p + 16, cfg.dest);
    put16(p + 10, inet_checksum({p, 20}));
    uint8_t *l4 = p + 20;
    const size_t l4_len = n - 20;
    for (size_t i = 8; i < l4_len; i++) l4[i] = uint8_t(i);  // recognisable payload
    if (l4_len >= 10) put16(l4 + 8, seq);
    if (cfg.proto == TrafficProto::icmp) {
        l4[0] = 8;  // Echo (RFC 792)
        put16(l4 + 4, ident);
        put16(l4 + 6, seq);
        put16(l4 + 2, inet_checksum({l4, l4_len}));
    } else {
        put16(l4, uint16_t(10000 + ident % 50000));
        put16(l4 + 2, cfg.port);
        put16(l4 + 4, uint16_t(l4_len));
        // UDP checksum over the pseudo-header (RFC 768).
        uint8_t pseudo[12];
        put32(pseudo, src);
        put32(pseudo + 4, cfg.dest);
        pseudo[8] = 0;
        pseudo[9] = 17;
        put16(pseudo + 10, uint16_t(l4_len));
        uint32_t sum = uint16_t(~inet_checksum(pseudo));
        sum += uint16_t(~inet_checksum({l4, l4_len}));
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        uint16_t c = uint16_t(~sum);
        put16(l4 + 6, c == 0 ? 0xffff : c);
    }
    return n;
}

uint32_t ipv4_destination(std::span<const uint8_t> b) {
    if (b.size() < 20 || (b[0] >> 4) != 4 || (b[0] & 0x0f) < 5) return 0;
    return uint32_t(b[16]) << 24 | uint32_t(b[17]) << 16 | uint32_t(b[18]) << 8 | b[19];
}

}  // namespace lns::lacemu
