#include "controlplane/net/arp.hpp"

#include "controlplane/net/bytes.hpp"

namespace lns::cp::net {

namespace {

size_t write_arp_frame(uint8_t *out, size_t cap, const MacAddr &eth_dst, uint16_t op,
                       const MacAddr &sha, uint32_t spa, const MacAddr &tha, uint32_t tpa) {
    if (cap < kEthMinFrameLen) return 0;
    write_eth_header(out, eth_dst, sha, kEtherTypeArp);
    uint8_t *a = out + kEthHeaderLen;
    store_be16(a + 0, kArpHwEthernet);
    store_be16(a + 2, kEtherTypeIpv4);
    a[4] = 6;
    a[5] = 4;
    store_be16(a + 6, op);
    store_mac(a + 8, sha);
    store_be32(a + 14, spa);
    store_mac(a + 18, tha);
    store_be32(a + 24, tpa);
    return pad_eth_frame(out, kArpFrameLen, cap);
}

}  // namespace

NetError parse_arp(std::span<const uint8_t> frame, ArpPacket *out) {
    if (frame.size() < kEthHeaderLen) return NetError::truncated;
    const uint8_t *p = frame.data();
    if (load_be16(p + 12) != kEtherTypeArp) return NetError::bad_ethertype;
    if (frame.size() < kArpFrameLen) return NetError::truncated;
    const uint8_t *a = p + kEthHeaderLen;
    if (load_be16(a) != kArpHwEthernet || a[4] != 6) return NetError::bad_hw_type;
    if (load_be16(a + 2) != kEtherTypeIpv4 || a[5] != 4) return NetError::bad_proto_type;
    uint16_t op = load_be16(a + 6);
    if (op != kArpOpRequest && op != kArpOpReply) return NetError::unsupported_opcode;
    MacAddr sha = load_mac(a + 8);
    if (is_group_mac(sha)) return NetError::bad_address;

    out->eth_dst = load_mac(p);
    out->eth_src = load_mac(p + 6);
    out->opcode = op;
    out->sender_mac = sha;
    out->sender_ip = load_be32(a + 14);
    out->target_mac = load_mac(a + 18);
    out->target_ip = load_be32(a + 24);
    return NetError::ok;
}

size_t build_arp_request(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip,
                         uint32_t target_ip) {
    return write_arp_frame(out, cap, kBroadcastMac, kArpOpRequest, our_mac, our_ip, kZeroMac,
                           target_ip);
}

size_t build_arp_request_unicast(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip,
                                 uint32_t target_ip, const MacAddr &dst_mac) {
    return write_arp_frame(out, cap, dst_mac, kArpOpRequest, our_mac, our_ip, kZeroMac, target_ip);
}

size_t build_arp_reply(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip,
                       const MacAddr &to_mac, uint32_t to_ip) {
    return write_arp_frame(out, cap, to_mac, kArpOpReply, our_mac, our_ip, to_mac, to_ip);
}

size_t build_gratuitous_arp(uint8_t *out, size_t cap, const MacAddr &our_mac, uint32_t our_ip) {
    return write_arp_frame(out, cap, kBroadcastMac, kArpOpRequest, our_mac, our_ip, kZeroMac,
                           our_ip);
}

}  // namespace lns::cp::net
