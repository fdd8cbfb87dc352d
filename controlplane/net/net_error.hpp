// Named results of the control core's network-service codecs (ARP, ICMP, ICMPv6/ND).
//
// Every parser returns one of these instead of a bool so that the caller can count
// each drop by name (conventions.md §9).  `ok` is the only success value.
//
// Thread: any; pure functions.
#pragma once

#include <cstdint>

namespace lns::cp::net {

enum class NetError : uint8_t {
    ok = 0,
    truncated,             // buffer shorter than a header or a length field claims
    bad_ethertype,         // Ethernet type is not the one this parser handles
    bad_hw_type,           // ARP hardware type != 1 (Ethernet) or hardware length != 6
    bad_proto_type,        // ARP protocol type != 0x0800 or protocol length != 4
    bad_len,               // a length field is inconsistent (IP total length, option length)
    bad_version,           // IP version nibble is wrong
    bad_header_len,        // IPv4 IHL < 5 or larger than the packet
    bad_checksum,          // IPv4 header, ICMP or ICMPv6 checksum mismatch
    bad_protocol,          // IP protocol / IPv6 next header is not ICMP / ICMPv6
    bad_hop_limit,         // ND message with hop limit != 255 (RFC 4861 §7.1)
    bad_code,              // ICMP code not valid for the type (ND code != 0)
    bad_option,            // ND option with length 0, overrunning, or forbidden here
    bad_address,           // source/destination/target not acceptable (multicast target...)
    fragment,              // IPv4 fragment: cannot be answered without reassembly
    not_for_us,            // request addressed to a group address we do not answer
    unsupported_opcode,    // ARP opcode other than request/reply
    unsupported_type,      // ICMP type this function does not handle
    is_icmp_error,         // refusing to answer an ICMP error with an ICMP error
    non_initial_fragment,  // refusing an ICMP error about a fragment with offset != 0
    bad_source,            // refusing: source is not a single host (RFC 1122 §3.2.2)
    group_destination,     // refusing: destination is broadcast/multicast
    no_room,               // output buffer too small
};

// Stable snake_case name of `e` ("truncated", "bad_checksum"...), for counters and logs.
const char *net_error_name(NetError e);

}  // namespace lns::cp::net
