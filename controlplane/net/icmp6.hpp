// ICMPv6 (RFC 4443) and the receive side of neighbour discovery (RFC 4861):
// parsing any ICMPv6 frame addressed to the LNS, echo replies, and the error
// messages the data path asks for (time exceeded, packet too big).
// The ND builders (NS, NA) are in nd.hpp.
//
// Frames are whole untagged Ethernet frames; "IPv6 packets" start at the IPv6
// header.  Builders write into caller-owned memory and return the length written,
// or 0 when refused or when `cap` is too small; make_* forms return the reason.
//
// Thread: any; pure functions, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "controlplane/net/ethernet.hpp"
#include "controlplane/net/ipv6.hpp"
#include "controlplane/net/net_error.hpp"

namespace lns::cp::net {

inline constexpr uint8_t kIcmp6DestUnreachable = 1;
inline constexpr uint8_t kIcmp6PacketTooBig = 2;
inline constexpr uint8_t kIcmp6TimeExceeded = 3;
inline constexpr uint8_t kIcmp6ParamProblem = 4;
inline constexpr uint8_t kIcmp6EchoRequest = 128;
inline constexpr uint8_t kIcmp6EchoReply = 129;
inline constexpr uint8_t kNdRouterSolicit = 133;
inline constexpr uint8_t kNdRouterAdvert = 134;
inline constexpr uint8_t kNdNeighborSolicit = 135;
inline constexpr uint8_t kNdNeighborAdvert = 136;
inline constexpr uint8_t kNdRedirect = 137;
inline constexpr uint8_t kIcmp6CodeHopLimitExceeded = 0;    // with kIcmp6TimeExceeded
inline constexpr uint8_t kIcmp6CodeParamUnknownOption = 2;  // with kIcmp6ParamProblem
inline constexpr uint8_t kNdOptSourceLla = 1;
inline constexpr uint8_t kNdOptTargetLla = 2;
inline constexpr uint8_t kNdHopLimit = 255;  // RFC 4861 §7.1: ND messages must arrive with 255
inline constexpr uint8_t kNaFlagRouter = 0x80;
inline constexpr uint8_t kNaFlagSolicited = 0x40;
inline constexpr uint8_t kNaFlagOverride = 0x20;
inline constexpr size_t kIcmp6HeaderLen = 8;
inline constexpr size_t kNdNsNaLen = 24;  // NS/NA without options

inline bool icmp6_type_is_error(uint8_t type) {
    return type < 128;
}  // RFC 4443 §2.1
inline bool icmp6_type_is_nd(uint8_t type) {
    return type >= kNdRouterSolicit && type <= kNdRedirect;
}

struct Icmp6Packet {
    MacAddr eth_dst{};
    MacAddr eth_src{};
    Ip6Addr src{};
    Ip6Addr dst{};
    uint8_t hop_limit = 0;
    uint8_t type = 0;
    uint8_t code = 0;
    std::span<const uint8_t> message;  // the whole ICMPv6 message, inside the frame
    uint16_t echo_id = 0;              // echo request/reply
    uint16_t echo_seq = 0;
    Ip6Addr target{};             // NS, NA, redirect
    uint8_t na_flags = 0;         // NA: kNaFlagRouter | kNaFlagSolicited | kNaFlagOverride
    bool has_source_lla = false;  // Source Link-Layer Address option (NS, RS, RA)
    bool has_target_lla = false;  // Target Link-Layer Address option (NA, redirect)
    MacAddr source_lla{};
    MacAddr target_lla{};
};

// Parses an Ethernet/IPv6/ICMPv6 frame.  The ICMPv6 header must follow the IPv6
// header directly (no extension headers: bad_protocol otherwise), from a source
// that is not multicast (RFC 4291 §2.7: bad_address otherwise).  Checks the
// ICMPv6 checksum and, for ND messages (RS, RA, NS, NA, redirect), the validity
// rules of RFC 4861 §6.1 and §7.1: hop limit 255, code 0, minimum length, options
// of non-zero length within the message, NS/NA target not multicast, an NS from
// the unspecified address sent to a solicited-node address without source
// link-layer option, an NA to a multicast destination without the S flag, an RA
// from a link-local source.  Link-layer options with a group MAC are bad_option.
// Whether the NS target is ours is the caller's check.
NetError parse_icmp6(std::span<const uint8_t> frame, Icmp6Packet *out);

// Validates an echo request frame (as parse_icmp6, plus type 128 code 0, unicast
// destination at both layers, source address not unspecified, source MAC not a
// group address) and writes the echo reply (RFC 4443 §4.2): addresses swapped,
// hop limit 64, traffic class and flow label 0, identifier/sequence/data echoed,
// checksum computed.  `out` may be the request buffer itself; any other overlap
// is not allowed.  Whether the destination address is ours is the caller's check.
NetError make_icmp6_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap,
                               size_t *out_len);
size_t build_icmp6_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap);

// RFC 4443 §2.4(e): ok when an ICMPv6 error of `type`/`code` may be sent about
// `offending_ipv6_packet`; otherwise is_icmp_error (the packet is an ICMPv6 error,
// found by walking hop-by-hop, routing, destination options, fragment and AH
// headers; a packet whose upper layer cannot be seen is refused as one),
// bad_source (unspecified, loopback or multicast source), group_destination
// (multicast destination, except for packet too big and parameter problem code 2),
// or a header error (truncated, bad_version).
NetError icmp6_error_allowed(std::span<const uint8_t> offending_ipv6_packet, uint8_t type,
                             uint8_t code);

// Writes an IPv6 packet (no Ethernet header) carrying ICMPv6 `type`/`code` with the
// 32-bit `mtu_or_pointer` (MTU for packet too big, pointer for parameter problem, 0
// for time exceeded), from `src_ip` to the offending packet's source, hop limit 64.
// The body quotes as much of the offending packet as keeps the error within the
// minimum MTU of 1280 bytes (RFC 4443 §2.4(c)); bytes beyond the offending packet's
// Payload Length are not quoted.  `out` must not overlap the offending packet.
NetError make_icmp6_error_ip(uint8_t *out, size_t cap, const Ip6Addr &src_ip, uint8_t type,
                             uint8_t code, uint32_t mtu_or_pointer,
                             std::span<const uint8_t> offending_ipv6_packet, size_t *out_len);

// The same error as an Ethernet frame from `src_mac` to `dst_mac`.
size_t build_icmp6_error(uint8_t *out, size_t cap, const MacAddr &src_mac, const MacAddr &dst_mac,
                         const Ip6Addr &src_ip, uint8_t type, uint8_t code, uint32_t mtu_or_pointer,
                         std::span<const uint8_t> offending_ipv6_packet);

// Fills the ICMPv6 checksum (bytes 2-3 of `msg`, `len` bytes) for `src` -> `dst`.
void icmp6_set_checksum(uint8_t *msg, size_t len, const Ip6Addr &src, const Ip6Addr &dst);

}  // namespace lns::cp::net
