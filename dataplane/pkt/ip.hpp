// IPv4/IPv6/TCP helpers for the data path: header validation, TTL/hop-limit
// decrement with incremental checksum update (RFC 1624), TCP MSS clamping.
//
// Pure functions over bytes; never read past `len`.  Thread: any.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/pkt/l2tp.hpp"

namespace lns::dp {

inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint8_t kIpProtoEsp = 50;
inline constexpr uint8_t kIpProtoIcmp6 = 58;

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr size_t kEtherHdrLen = 14;
inline constexpr size_t kIpv6HdrLen = 40;
inline constexpr size_t kUdpHdrLen = 8;

inline uint32_t load_be32(const uint8_t *p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

// One's-complement sum of `len` bytes (big-endian 16-bit words), not folded.
inline uint32_t csum_partial(const uint8_t *p, size_t len, uint32_t sum = 0) {
    for (; len >= 2; p += 2, len -= 2) sum += load_be16(p);
    if (len) sum += uint32_t(p[0]) << 8;
    return sum;
}
inline uint16_t csum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field changing m -> m'.
inline uint16_t csum_update16(uint16_t hc, uint16_t old_v, uint16_t new_v) {
    uint32_t sum = uint32_t(uint16_t(~hc)) + uint16_t(~old_v) + new_v;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// True when the IPv4 header at `p` (`ihl` bytes, a multiple of 4) checksums to
// zero.  Sums 32-bit words in host order into 64 bits: the one's-complement sum
// is independent of byte order (RFC 1071 §2(B)), so a correct header folds to
// 0xffff.  Folding is congruence modulo 0xffff (2^16 = 1 mod 0xffff), so "folds
// to 0xffff" is "a non-zero multiple of 0xffff": one multiply instead of folds.
inline bool ipv4_header_checksum_ok(const uint8_t *p, size_t ihl) {
    uint64_t sum = 0;
    uint32_t w0, w1, w2, w3, w4;  // the 20-byte base header, unrolled
    std::memcpy(&w0, p, 4);
    std::memcpy(&w1, p + 4, 4);
    std::memcpy(&w2, p + 8, 4);
    std::memcpy(&w3, p + 12, 4);
    std::memcpy(&w4, p + 16, 4);
    sum = uint64_t(w0) + w1 + w2 + w3 + w4;
    for (size_t i = 20; i < ihl; i += 4) {  // options
        uint32_t w;
        std::memcpy(&w, p + i, 4);
        sum += w;
    }
    return sum != 0 && sum % 0xffff == 0;
}

enum class Ipv4Status : uint8_t { ok, truncated, bad_header, bad_checksum };

struct Ipv4Info {
    size_t header_len;
    size_t total_len;
    uint8_t proto;
    bool fragment;  // MF set or fragment offset non-zero
};

// Validates an IPv4 header at `p` (`len` bytes available; trailing Ethernet
// padding allowed).  Verifies the header checksum unless `skip_checksum`.
inline Ipv4Status parse_ipv4(const uint8_t *p, size_t len, bool skip_checksum, Ipv4Info *out) {
    if (len < 20) return Ipv4Status::truncated;
    if ((p[0] >> 4) != 4) return Ipv4Status::bad_header;
    const size_t ihl = size_t(p[0] & 0x0f) * 4;
    const size_t total = load_be16(p + 2);
    if (ihl < 20 || total < ihl) return Ipv4Status::bad_header;
    if (len < ihl || len < total) return Ipv4Status::truncated;
    if (!skip_checksum && !ipv4_header_checksum_ok(p, ihl)) return Ipv4Status::bad_checksum;
    const uint16_t frag = load_be16(p + 6);
    out->header_len = ihl;
    out->total_len = total;
    out->proto = p[9];
    out->fragment = (frag & 0x3fff) != 0;
    return Ipv4Status::ok;
}

// Decrements the TTL of the IPv4 header at `p` and updates its checksum.
// Returns false (packet untouched) when the TTL is <= 1 and must expire.
// The checksum update adds 0x0100 (the TTL is the high byte of its word) with
// end-around carry, as RFC 1141 and Linux's ip_decrease_ttl do.
inline bool ipv4_decrement_ttl(uint8_t *p) {
    if (p[8] <= 1) return false;
    uint16_t c;
    std::memcpy(&c, p + 10, 2);  // as stored (network order)
    uint32_t check = c;
    check += std::endian::native == std::endian::little ? 0x0001 : 0x0100;  // htons(0x0100)
    c = uint16_t(check + (check >= 0xffff));
    std::memcpy(p + 10, &c, 2);
    p[8]--;
    return true;
}

inline bool ipv6_decrement_hop_limit(uint8_t *p) {
    if (p[7] <= 1) return false;
    p[7]--;
    return true;
}

// Clamps the MSS option of a TCP SYN segment at `tcp` (`len` bytes of TCP
// header and beyond) to `mss`, updating the TCP checksum incrementally.
// Returns true when the option was lowered.
inline bool tcp_clamp_mss(uint8_t *tcp, size_t len, uint16_t mss) {
    if (len < 20 || !(tcp[13] & 0x02)) return false;  // not a SYN
    const size_t doff = size_t(tcp[12] >> 4) * 4;
    if (doff < 20 || doff > len) return false;
    size_t i = 20;
    while (i < doff) {
        const uint8_t kind = tcp[i];
        if (kind == 0) break;  // end of options
        if (kind == 1) {       // NOP
            i++;
            continue;
        }
        if (i + 1 >= doff) break;
        const size_t olen = tcp[i + 1];
        if (olen < 2 || i + olen > doff) break;
        if (kind == 2 && olen == 4) {
            const uint16_t cur = load_be16(tcp + i + 2);
            if (cur <= mss) return false;
            // The option may start at an odd offset: update the checksum over
            // the aligned 16-bit words that contain it.
            if ((i & 1) == 0) {
                store_be16(tcp + i + 2, mss);
                store_be16(tcp + 16, csum_update16(load_be16(tcp + 16), cur, mss));
            } else {
                const size_t w = i + 1;  // words at w and w + 2 cover bytes i+2, i+3
                const uint16_t old0 = load_be16(tcp + w), old1 = load_be16(tcp + w + 2);
                store_be16(tcp + i + 2, mss);
                uint16_t c = load_be16(tcp + 16);
                c = csum_update16(c, old0, load_be16(tcp + w));
                c = csum_update16(c, old1, load_be16(tcp + w + 2));
                store_be16(tcp + 16, c);
            }
            return true;
        }
        i += olen;
    }
    return false;
}

// MSS clamping for a whole IPv4 packet (`len` bytes from the IP header).
inline bool ipv4_clamp_mss(uint8_t *ip, size_t len, uint16_t mss) {
    if (len < 20 || ip[9] != kIpProtoTcp) return false;
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    if ((load_be16(ip + 6) & 0x1fff) != 0 || ihl < 20 || ihl > len) return false;  // not a first fragment
    return tcp_clamp_mss(ip + ihl, len - ihl, mss);
}

// MSS clamping for an IPv6 packet whose next header is TCP directly.
inline bool ipv6_clamp_mss(uint8_t *ip, size_t len, uint16_t mss) {
    if (len < kIpv6HdrLen || ip[6] != kIpProtoTcp) return false;
    return tcp_clamp_mss(ip + kIpv6HdrLen, len - kIpv6HdrLen, mss);
}

}  // namespace lns::dp
