// The Internet checksum (RFC 1071), without DPDK so that tests and fuzzers need no EAL.
//
// Usage: accumulate with checksum_add() over every region (pseudo-header, header,
// payload), then checksum_finish() gives the value to store.  A region of odd length
// is padded with a zero byte, so only the last region may have odd length.
// Verifying: the sum over a region that includes its stored checksum finishes to 0.
//
// Thread: any; pure inline helpers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lns::cp::net {

// Adds the 16-bit big-endian words of [p, p+len) to `sum`.  A 64-bit accumulator
// cannot overflow for any buffer that fits in memory.
inline uint64_t checksum_add(uint64_t sum, const uint8_t *p, size_t len) {
    size_t i = 0;
    for (; i + 1 < len; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
    if (i < len) sum += uint32_t{p[i]} << 8;
    return sum;
}

inline uint64_t checksum_add16(uint64_t sum, uint16_t v) {
    return sum + v;
}
inline uint64_t checksum_add32(uint64_t sum, uint32_t v) {
    return sum + (v >> 16) + (v & 0xffff);
}

// Folds `sum` to 16 bits and returns its one's complement, in host order: store it
// with store_be16().  A result of 0 means "the region checks" when verifying.
inline uint16_t checksum_finish(uint64_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);
}

inline uint16_t internet_checksum(const uint8_t *p, size_t len) {
    return checksum_finish(checksum_add(0, p, len));
}

}  // namespace lns::cp::net
