#include "controlplane/net/ipv6.hpp"

#include <cstring>

#include "controlplane/net/bytes.hpp"
#include "controlplane/net/checksum.hpp"

namespace lns::cp::net {

Ip6Addr solicited_node_address(const Ip6Addr &a) {
    return Ip6Addr{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, a[13], a[14], a[15]};
}

MacAddr ip6_multicast_mac(const Ip6Addr &a) {
    return MacAddr{0x33, 0x33, a[12], a[13], a[14], a[15]};
}

Ip6Addr link_local_from_mac(const MacAddr &m) {
    return Ip6Addr{0xfe, 0x80, 0,    0,    0,    0,    0,   0, static_cast<uint8_t>(m[0] ^ 0x02),
                   m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]};
}

NetError parse_ipv6(std::span<const uint8_t> packet, Ipv6Header *out) {
    if (packet.size() < kIpv6HeaderLen) return NetError::truncated;
    const uint8_t *p = packet.data();
    if ((p[0] >> 4) != 6) return NetError::bad_version;
    uint16_t plen = load_be16(p + 4);
    if (plen > packet.size() - kIpv6HeaderLen) return NetError::truncated;
    uint32_t first = load_be32(p);
    out->traffic_class = static_cast<uint8_t>(first >> 20);
    out->flow_label = first & 0xfffff;
    out->payload_len = plen;
    out->next_header = p[6];
    out->hop_limit = p[7];
    std::memcpy(out->src.data(), p + 8, 16);
    std::memcpy(out->dst.data(), p + 24, 16);
    out->payload = packet.subspan(kIpv6HeaderLen, plen);
    return NetError::ok;
}

void write_ipv6_header(uint8_t *out, uint16_t payload_len, uint8_t next_header, uint8_t hop_limit,
                       const Ip6Addr &src, const Ip6Addr &dst) {
    store_be32(out, 0x60000000u);
    store_be16(out + 4, payload_len);
    out[6] = next_header;
    out[7] = hop_limit;
    std::memcpy(out + 8, src.data(), 16);
    std::memcpy(out + 24, dst.data(), 16);
}

uint64_t ip6_pseudo_header_sum(const Ip6Addr &src, const Ip6Addr &dst, uint32_t upper_len,
                               uint8_t next_header) {
    uint64_t sum = checksum_add(0, src.data(), 16);
    sum = checksum_add(sum, dst.data(), 16);
    sum = checksum_add32(sum, upper_len);
    return checksum_add16(sum, next_header);
}

}  // namespace lns::cp::net
