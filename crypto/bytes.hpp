// Big-endian field access and Internet checksums (RFC 1071, incremental
// update per RFC 1624) for the ESP engine.  Header-only, allocation-free.
// Thread: any.
#pragma once

#include <cstring>

#include <cstddef>
#include <cstdint>

#include "dataplane/pkt/ip.hpp"

namespace lns::crypto {

// The data path's pure byte and checksum helpers (dataplane/pkt, header-only),
// under the short names the ESP code uses.
inline uint16_t get16(const uint8_t *p) { return dp::load_be16(p); }
inline uint32_t get32(const uint8_t *p) { return dp::load_be32(p); }
inline void put16(uint8_t *p, uint16_t v) { dp::store_be16(p, v); }
inline void put32(uint8_t *p, uint32_t v) { dp::store_be32(p, v); }
// One 8-byte store: a later 8-byte load of the same bytes (the GCM nonce is
// read back from the IV) forwards from it instead of stalling on two stores.
inline void put64(uint8_t *p, uint64_t v) {
    const uint64_t be = __builtin_bswap64(v);
    std::memcpy(p, &be, 8);
}

// One's-complement sum of len bytes added to sum (not yet folded or complemented).
inline uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len) { return dp::csum_partial(p, len, sum); }
using dp::csum_fold;

// Sets the IPv4 header checksum of the hl-byte header at ip.
inline void ipv4_set_checksum(uint8_t *ip, size_t hl) {
    put16(ip + 10, 0);
    put16(ip + 10, csum_fold(csum_add(0, ip, hl)));
}

// RFC 1624 eqn. 3: the checksum at field after a 32-bit word it covers changed
// from `from` to `to`.
inline void csum_replace32(uint8_t *field, uint32_t from, uint32_t to) {
    uint32_t sum = uint16_t(~get16(field));
    sum += uint16_t(~(from >> 16)) + uint16_t(~from);
    sum += (to >> 16) + (to & 0xffff);
    put16(field, csum_fold(sum));
}

// TCP/UDP checksum over the IPv4 pseudo-header and len bytes at l4 (whose own
// checksum field must be zero while this runs).
inline uint16_t l4_checksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                            size_t len) {
    uint32_t sum =
        (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + uint32_t(len);
    return csum_fold(csum_add(sum, l4, len));
}

}  // namespace lns::crypto
