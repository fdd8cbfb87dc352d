// Finds the PPP payload inside an Ethernet/IPv4/UDP/L2TP data frame (the control
// core uses it on punted upstream packets, e.g. to quote the subscriber's packet
// in an ICMP error).  Pure; never reads past `len`.  Thread: any.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"

namespace lns::dp {

struct PppPayload {
    size_t offset = 0;  // from the start of the frame
    size_t length = 0;
    uint16_t protocol = 0;
};

inline bool locate_ppp_payload(const uint8_t *f, size_t len, PppPayload *out) {
    if (len < kEtherHdrLen || load_be16(f + 12) != kEtherTypeIpv4) return false;
    Ipv4Info ip;
    if (parse_ipv4(f + kEtherHdrLen, len - kEtherHdrLen, true, &ip) != Ipv4Status::ok) return false;
    if (ip.proto != kIpProtoUdp || ip.fragment) return false;
    const size_t udp = kEtherHdrLen + ip.header_len;
    const size_t end = kEtherHdrLen + ip.total_len;
    if (end < udp + kUdpHdrLen) return false;
    const size_t udp_len = load_be16(f + udp + 4);
    if (udp_len < kUdpHdrLen || udp + udp_len > end) return false;
    L2tpHeader h;
    const size_t l2tp = udp + kUdpHdrLen;
    if (parse_l2tp_header(f + l2tp, udp_len - kUdpHdrLen, &h) != L2tpStatus::data) return false;
    size_t hl;
    const size_t ppp = l2tp + h.header_len;
    const size_t ppp_len = h.total_len - h.header_len;
    if (parse_ppp_header(f + ppp, ppp_len, &out->protocol, &hl) != PppStatus::ok) return false;
    out->offset = ppp + hl;
    out->length = ppp_len - hl;
    return true;
}

}  // namespace lns::dp
