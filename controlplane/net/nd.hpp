// Neighbour discovery builders (RFC 4861 §4.3, §4.4, §7.2): neighbour solicitations
// to resolve next hops, and neighbour advertisements answering solicitations for
// the LNS's own addresses.  Receiving ND is parse_icmp6() in icmp6.hpp.
//
// All messages go with hop limit 255 and a link-layer address option.  Builders
// write Ethernet frames into caller-owned memory and return the length, or 0 when
// `cap` is too small (or, for the make_* form, the reason as a NetError).
//
// Thread: any; pure functions, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "controlplane/net/ethernet.hpp"
#include "controlplane/net/icmp6.hpp"
#include "controlplane/net/ipv6.hpp"
#include "controlplane/net/net_error.hpp"

namespace lns::cp::net {

// 14 + 40 + 24 + 8: Ethernet, IPv6, NS/NA body, one link-layer address option.
inline constexpr size_t kNdFrameLen = kEthHeaderLen + kIpv6HeaderLen + kNdNsNaLen + 8;

// NA for `target` (one of our addresses, also used as the IPv6 source) carrying
// `our_mac` in a Target Link-Layer Address option, to `dst_ip` at `dst_mac`, with
// `flags` from kNaFlagRouter | kNaFlagSolicited | kNaFlagOverride (RFC 4861 §4.4).
size_t build_neighbor_advertisement(uint8_t *out, size_t cap, const MacAddr &our_mac,
                                    const Ip6Addr &target, const MacAddr &dst_mac,
                                    const Ip6Addr &dst_ip, uint8_t flags);

// The answer to a parsed NS whose target the caller has checked is ours
// (RFC 4861 §7.2.4): to the solicitation's source with S and O set, or, for a
// DAD probe from the unspecified address, to all-nodes ff02::1 with S clear.
// The destination MAC is the NS's source link-layer option, else its Ethernet
// source (bad_source if that is a group address).  `router` sets the R flag (the
// LNS routes on its core ports).
NetError make_na_for_ns(const Icmp6Packet &ns, const MacAddr &our_mac, bool router, uint8_t *out,
                        size_t cap, size_t *out_len);

// Multicast NS for `target` (RFC 4861 §7.2.2): to its solicited-node address
// ff02::1:ffXX:XXXX at 33:33:ff:XX:XX:XX, from `our_ip`, with our_mac in a Source
// Link-Layer Address option.
size_t build_neighbor_solicitation(uint8_t *out, size_t cap, const MacAddr &our_mac,
                                   const Ip6Addr &our_ip, const Ip6Addr &target);

// Unicast NS to `target` at `dst_mac`, for refreshing a cached entry (RFC 4861
// §7.3.3 probes), with the Source Link-Layer Address option.
size_t build_neighbor_solicitation_unicast(uint8_t *out, size_t cap, const MacAddr &our_mac,
                                           const Ip6Addr &our_ip, const Ip6Addr &target,
                                           const MacAddr &dst_mac);

}  // namespace lns::cp::net
