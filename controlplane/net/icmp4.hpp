// ICMP for IPv4 (RFC 792): echo replies from the LNS's own addresses and the error
// messages the data path asks for (fragmentation needed, RFC 1191; time exceeded).
//
// Frames are whole untagged Ethernet frames; "IP packets" start at the IPv4 header.
// Builders write into caller-owned memory and return the length written, or 0 when
// the input is refused or `cap` is too small; the make_* forms return the reason as
// a NetError so that the caller can count it.  IPv4 addresses are host order.
//
// Thread: any; pure functions, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "controlplane/net/ethernet.hpp"
#include "controlplane/net/net_error.hpp"

namespace lns::cp::net {

inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpDestUnreachable = 3;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmpTimeExceeded = 11;
inline constexpr uint8_t kIcmpParamProblem = 12;
inline constexpr uint8_t kIcmpCodeFragNeeded = 4;   // with kIcmpDestUnreachable (RFC 1191)
inline constexpr uint8_t kIcmpCodeTtlExceeded = 0;  // with kIcmpTimeExceeded
inline constexpr size_t kIcmpHeaderLen = 8;
// RFC 1812 §4.3.2.3: an ICMP error should quote as much of the original datagram
// as fits without the error exceeding 576 bytes of IP.
inline constexpr size_t kIcmpErrorMaxIpLen = 576;
inline constexpr uint8_t kIcmpErrorTos = 0xc0;  // precedence 6, RFC 1812 §4.3.2.5

// The 32-bit "rest of header" of a fragmentation-needed message: unused (0) then
// the next-hop MTU (RFC 1191 §4).
inline constexpr uint32_t icmp_frag_needed_rest(uint16_t next_hop_mtu) {
    return next_hop_mtu;
}

// True for types that are error messages, or unknown (treated as errors, as Linux
// does, so that an unknown message never draws an error).  Queries (echo,
// timestamp, information, address mask) are false.
bool icmp_type_is_error(uint8_t type);

// Validates an echo request frame and writes the echo reply frame (RFC 792; RFC 1122
// §3.2.2.6): Ethernet and IP addresses swapped, TTL 64, TOS copied, DF set with id 0
// (an atomic datagram, RFC 6864 §4.1), identifier/sequence/data echoed, checksums
// computed.  IP options of the request are accepted but not copied (Record Route /
// Timestamp echoing is a SHOULD that this LNS does not implement).
// The request must not be a fragment, must be unicast at both layers, come from a
// single-host source address and a unicast source MAC, and carry valid IPv4
// header and ICMP checksums.  `out` may be the request buffer itself (in-place
// reply); any other overlap is not allowed.  Whether the destination address is
// one of ours is the caller's check.
// On success *out_len is the (padded) frame length.
NetError make_icmp_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap,
                              size_t *out_len);
size_t build_icmp_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap);

// RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7: ok when an ICMP error may be sent about
// `offending_ip_packet`; otherwise is_icmp_error, non_initial_fragment, bad_source
// (source not a single host), group_destination, or a header error (truncated,
// bad_version, bad_header_len).  The offending header's checksum is not checked:
// the packet may already have had its TTL decremented.
NetError icmp_error_allowed(std::span<const uint8_t> offending_ip_packet);

// Writes an IP packet (no Ethernet header) carrying ICMP `type`/`code` with the
// 32-bit `rest_of_header` (e.g. icmp_frag_needed_rest(mtu)), from `src_ip` to the
// offending packet's source, TTL 64, TOS 0xc0, DF set, id 0.  The body quotes the
// offending IP header and as much of its payload as keeps the error within 576
// bytes (at least the 8 bytes RFC 792 requires, when the packet has them); bytes
// beyond the offending packet's Total Length are not quoted, and a packet given
// only in part is quoted as far as given.  Used directly for errors sent back
// into a PPP session.  `out` must not overlap the offending packet.
NetError make_icmp_error_ip(uint8_t *out, size_t cap, uint32_t src_ip, uint8_t type, uint8_t code,
                            uint32_t rest_of_header, std::span<const uint8_t> offending_ip_packet,
                            size_t *out_len);

// The same error as a padded Ethernet frame from `src_mac` to `dst_mac`.
size_t build_icmp_error(uint8_t *out, size_t cap, const MacAddr &src_mac, const MacAddr &dst_mac,
                        uint32_t src_ip, uint8_t type, uint8_t code, uint32_t rest_of_header,
                        std::span<const uint8_t> offending_ip_packet);

}  // namespace lns::cp::net
