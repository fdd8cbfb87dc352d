// Ethernet II framing shared by the ARP, ICMP and ND builders.
//
// Only untagged frames are handled (no 802.1Q).  Builders pad short frames with
// zeros to the 60-byte minimum (IEEE 802.3 minimum of 64 less the FCS, which the
// NIC appends).
//
// Thread: any; pure inline helpers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "controlplane/net/bytes.hpp"

namespace lns::cp::net {

using MacAddr = std::array<uint8_t, 6>;

inline constexpr size_t kEthHeaderLen = 14;
inline constexpr size_t kEthMinFrameLen = 60;  // without FCS
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr MacAddr kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr MacAddr kZeroMac = {0, 0, 0, 0, 0, 0};

// Group (multicast or broadcast) bit of a MAC address (IEEE 802: I/G bit).
inline bool is_group_mac(const MacAddr &m) {
    return (m[0] & 1) != 0;
}

inline MacAddr load_mac(const uint8_t *p) {
    MacAddr m;
    std::memcpy(m.data(), p, 6);
    return m;
}

inline void store_mac(uint8_t *p, const MacAddr &m) {
    std::memcpy(p, m.data(), 6);
}

// Writes the 14-byte Ethernet header at `out` (caller guarantees the room).
inline void write_eth_header(uint8_t *out, const MacAddr &dst, const MacAddr &src,
                             uint16_t ethertype) {
    store_mac(out, dst);
    store_mac(out + 6, src);
    store_be16(out + 12, ethertype);
}

// Zero-pads a frame of `len` bytes to kEthMinFrameLen.  Returns the padded length,
// or 0 if `cap` cannot hold it.
inline size_t pad_eth_frame(uint8_t *out, size_t len, size_t cap) {
    if (len >= kEthMinFrameLen) return len <= cap ? len : 0;
    if (cap < kEthMinFrameLen) return 0;
    std::memset(out + len, 0, kEthMinFrameLen - len);
    return kEthMinFrameLen;
}

}  // namespace lns::cp::net
