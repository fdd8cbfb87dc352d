// Text forms of addresses used in the configuration: IPv4/IPv6 addresses and
// prefixes, Ethernet MAC addresses; plus the small prefix arithmetic validation needs.
//
// Parsers are strict (no shorthand IPv4 like "10.1", no leading zeros, no zone
// ids) and return std::nullopt on any malformed input.  IPv4 values are host
// order; IPv6 values are 16 network-order bytes, as in config/config.hpp.
//
// Thread: any; no global state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace lns::cfg {

// "192.0.2.1" -> 0xC0000201.
std::optional<uint32_t> parse_ipv4(std::string_view text);
// RFC 4291 section 2.2 text forms, including "::" and an embedded IPv4 tail.
std::optional<Ipv6Addr> parse_ipv6(std::string_view text);
// "a.b.c.d/len", len 0..32.  Host bits are kept (an interface address with its
// on-link prefix); callers decide whether they must be zero.
std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);
// "addr/len", len 0..128.  Host bits are kept, as for parse_ipv4_prefix.
std::optional<Ipv6Prefix> parse_ipv6_prefix(std::string_view text);
// "02:00:5e:00:53:01" (six two-digit hex groups separated by ':').
std::optional<MacAddr> parse_mac(std::string_view text);

std::string format_ipv4(uint32_t addr);
std::string format_ipv6(const Ipv6Addr &addr);
std::string format_prefix(const Ipv4Prefix &p);
std::string format_prefix(const Ipv6Prefix &p);
std::string format_mac(const MacAddr &mac);

// Netmask of a prefix length (0..32), host order.
constexpr uint32_t ipv4_mask(unsigned len) {
    return len == 0 ? 0u : ~uint32_t{0} << (32 - len);
}
constexpr bool ipv4_in_prefix(uint32_t addr, const Ipv4Prefix &p) {
    return ((addr ^ p.addr) & ipv4_mask(p.len)) == 0;
}
bool ipv6_in_prefix(const Ipv6Addr &addr, const Ipv6Prefix &p);
// True when every bit after the first p.len is zero.
bool ipv6_host_bits_zero(const Ipv6Prefix &p);

// The first 64 bits of an IPv6 address as an integer (network order -> host order).
uint64_t ipv6_high64(const Ipv6Addr &addr);

// Unicast host address usable on a link: not 0.0.0.0/8, loopback, multicast,
// class E or broadcast.
bool ipv4_is_unicast(uint32_t addr);
bool ipv6_is_link_local(const Ipv6Addr &addr);  // fe80::/10
bool ipv6_is_multicast(const Ipv6Addr &addr);   // ff00::/8
bool ipv6_is_unspecified(const Ipv6Addr &addr);

}  // namespace lns::cfg
