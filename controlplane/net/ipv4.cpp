#include "controlplane/net/ipv4.hpp"

#include "controlplane/net/bytes.hpp"
#include "controlplane/net/checksum.hpp"

namespace lns::cp::net {

NetError parse_ipv4(std::span<const uint8_t> packet, Ipv4Header *out) {
    if (packet.size() < kIpv4MinHeaderLen) return NetError::truncated;
    const uint8_t *p = packet.data();
    if ((p[0] >> 4) != 4) return NetError::bad_version;
    size_t hlen = size_t{p[0] & 0x0fu} * 4;
    if (hlen < kIpv4MinHeaderLen) return NetError::bad_header_len;
    if (hlen > packet.size()) return NetError::truncated;
    uint16_t total = load_be16(p + 2);
    if (total < hlen) return NetError::bad_len;
    if (total > packet.size()) return NetError::truncated;
    if (internet_checksum(p, hlen) != 0) return NetError::bad_checksum;

    out->header_len = static_cast<uint8_t>(hlen);
    out->tos = p[1];
    out->total_len = total;
    out->id = load_be16(p + 4);
    out->flags_frag = load_be16(p + 6);
    out->ttl = p[8];
    out->protocol = p[9];
    out->src = load_be32(p + 12);
    out->dst = load_be32(p + 16);
    out->options = packet.subspan(kIpv4MinHeaderLen, hlen - kIpv4MinHeaderLen);
    out->payload = packet.subspan(hlen, total - hlen);
    return NetError::ok;
}

void write_ipv4_header(uint8_t *out, uint8_t tos, uint16_t total_len, uint16_t id,
                       uint16_t flags_frag, uint8_t ttl, uint8_t protocol, uint32_t src,
                       uint32_t dst) {
    out[0] = 0x45;
    out[1] = tos;
    store_be16(out + 2, total_len);
    store_be16(out + 4, id);
    store_be16(out + 6, flags_frag);
    out[8] = ttl;
    out[9] = protocol;
    store_be16(out + 10, 0);
    store_be32(out + 12, src);
    store_be32(out + 16, dst);
    store_be16(out + 10, internet_checksum(out, kIpv4MinHeaderLen));
}

}  // namespace lns::cp::net
