// ARP for Ethernet/IPv4 (RFC 826), as the control core needs it: answering requests
// for the LNS's addresses, resolving next hops, announcing addresses (RFC 5227).
//
// Frames are whole untagged Ethernet frames.  Builders write into caller-owned
// memory (`out`, `cap` bytes), pad to 60 bytes and return the frame length, or 0
// when `cap` is too small.  IPv4 addresses are host order.
//
// Thread: any; pure functions, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "controlplane/net/ethernet.hpp"
#include "controlplane/net/net_error.hpp"

namespace lns::cp::net {

inline constexpr uint16_t kArpHwEthernet = 1;
inline constexpr uint16_t kArpOpRequest = 1;
inline constexpr uint16_t kArpOpReply = 2;
inline constexpr size_t kArpLen = 28;                            // Ethernet/IPv4 ARP body
inline constexpr size_t kArpFrameLen = kEthHeaderLen + kArpLen;  // 42 before padding

struct ArpPacket {
    MacAddr eth_dst{};
    MacAddr eth_src{};
    uint16_t opcode = 0;  // kArpOpRequest or kArpOpReply
    MacAddr sender_mac{};
    uint32_t sender_ip = 0;
    MacAddr target_mac{};
    uint32_t target_ip = 0;
};

// Parses an Ethernet/IPv4 ARP frame.  Checks: EtherType 0x0806, hardware type 1
// with length 6, protocol 0x0800 with length 4, opcode request or reply, sender
// hardware address not a group address (RFC 1812 §3.3.2).  Bytes after the 28-byte
// body (padding) are ignored.  Whether to answer is the caller's decision
// (opcode == request && target_ip == ours).
NetError parse_arp(std::span<const uint8_t> frame, ArpPacket *out);

// Who-has `target_ip`, broadcast (RFC 826): target hardware address zero.
size_t build_arp_request(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip,
                         uint32_t target_ip);

// Same request sent unicast to `dst_mac`: refreshing a cached entry without
// broadcasting (as Linux does for its unicast probes, RFC 1122 §2.3.2.1).
size_t build_arp_request_unicast(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip,
                                 uint32_t target_ip, const MacAddr &dst_mac);

// `our_ip` is-at `our_mac`, unicast to the requester (`to_mac`, `to_ip`).
size_t build_arp_reply(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip,
                       const MacAddr &to_mac, uint32_t to_ip);

// Gratuitous ARP in the ARP Announcement form of RFC 5227 §3: a broadcast request
// with sender and target protocol address both `our_ip` and target hardware zero.
size_t build_gratuitous_arp(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip);

}  // namespace lns::cp::net
