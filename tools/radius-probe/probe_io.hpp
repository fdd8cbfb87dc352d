// Small helpers for lns-radius-probe: UDP sockets, a monotonic clock, address
// parsing and JSON output.  Host-side tool code (sockets allowed here, not in
// the engines it drives).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "controlplane/aaa/radius_codec.hpp"

namespace lns::tools::radius_probe {

uint64_t mono_ns();
// "a.b.c.d" -> host-order address; false if not an IPv4 address.
bool parse_ipv4(std::string_view s, uint32_t *out);
std::string format_ipv4(uint32_t ip);
// "2001:db8::/64" <-> prefix.
bool parse_ipv6_prefix(std::string_view s, cp::aaa::Ipv6Prefix *out);
std::string format_ipv6_prefix(const cp::aaa::Ipv6Prefix &p);
// A UDP socket bound to ip:port (0: any), non-blocking; -1 on error (printed).
int udp_socket(uint32_t ip, uint16_t port);
// Sends `bytes` to ip:port; false on error.
bool udp_send(int fd, uint32_t ip, uint16_t port, cp::aaa::ByteSpan bytes);

// JSON string literal (quotes included); octets outside printable ASCII are
// escaped as \u00XX.
std::string json_str(std::string_view s);

}  // namespace lns::tools::radius_probe
