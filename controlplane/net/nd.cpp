#include "controlplane/net/nd.hpp"

#include <cstring>

#include "controlplane/net/bytes.hpp"

namespace lns::cp::net {

namespace {

// NS or NA with one link-layer option: 24-byte body + 8-byte option.
size_t write_nd_frame(uint8_t *out, size_t cap, const MacAddr &src_mac, const MacAddr &dst_mac,
                      const Ip6Addr &src_ip, const Ip6Addr &dst_ip, uint8_t type, uint8_t flags,
                      const Ip6Addr &target, uint8_t opt_type) {
    if (cap < kNdFrameLen) return 0;
    constexpr size_t msg_len = kNdNsNaLen + 8;
    write_eth_header(out, dst_mac, src_mac, kEtherTypeIpv6);
    write_ipv6_header(out + kEthHeaderLen, msg_len, kIpProtoIcmp6, kNdHopLimit, src_ip, dst_ip);
    uint8_t *msg = out + kEthHeaderLen + kIpv6HeaderLen;
    msg[0] = type;
    msg[1] = 0;
    store_be32(msg + 4, uint32_t{flags} << 24);
    std::memcpy(msg + 8, target.data(), 16);
    msg[24] = opt_type;
    msg[25] = 1;  // length in units of 8 bytes
    store_mac(msg + 26, src_mac);
    icmp6_set_checksum(msg, msg_len, src_ip, dst_ip);
    return kNdFrameLen;
}

}  // namespace

size_t build_neighbor_advertisement(uint8_t *out, size_t cap, const MacAddr &our_mac,
                                    const Ip6Addr &target, const MacAddr &dst_mac,
                                    const Ip6Addr &dst_ip, uint8_t flags) {
    return write_nd_frame(out, cap, our_mac, dst_mac, target, dst_ip, kNdNeighborAdvert,
                          flags & (kNaFlagRouter | kNaFlagSolicited | kNaFlagOverride), target,
                          kNdOptTargetLla);
}

NetError make_na_for_ns(const Icmp6Packet &ns, const MacAddr &our_mac, bool router, uint8_t *out,
                        size_t cap, size_t *out_len) {
    if (ns.type != kNdNeighborSolicit) return NetError::unsupported_type;
    uint8_t flags = kNaFlagOverride | (router ? kNaFlagRouter : 0);
    Ip6Addr dst_ip;
    MacAddr dst_mac;
    if (ip6_is_unspecified(ns.src)) {
        dst_ip = kIp6AllNodes;
        dst_mac = ip6_multicast_mac(kIp6AllNodes);
    } else {
        flags |= kNaFlagSolicited;
        dst_ip = ns.src;
        dst_mac = ns.has_source_lla ? ns.source_lla : ns.eth_src;
        if (is_group_mac(dst_mac)) return NetError::bad_source;
    }
    size_t len = build_neighbor_advertisement(out, cap, our_mac, ns.target, dst_mac, dst_ip, flags);
    if (len == 0) return NetError::no_room;
    *out_len = len;
    return NetError::ok;
}

size_t build_neighbor_solicitation(uint8_t *out, size_t cap, const MacAddr &our_mac,
                                   const Ip6Addr &our_ip, const Ip6Addr &target) {
    Ip6Addr dst = solicited_node_address(target);
    return write_nd_frame(out, cap, our_mac, ip6_multicast_mac(dst), our_ip, dst,
                          kNdNeighborSolicit, 0, target, kNdOptSourceLla);
}

size_t build_neighbor_solicitation_unicast(uint8_t *out, size_t cap, const MacAddr &our_mac,
                                           const Ip6Addr &our_ip, const Ip6Addr &target,
                                           const MacAddr &dst_mac) {
    return write_nd_frame(out, cap, our_mac, dst_mac, our_ip, target, kNdNeighborSolicit, 0, target,
                          kNdOptSourceLla);
}

}  // namespace lns::cp::net
