#include "controlplane/net/icmp4.hpp"

#include <algorithm>
#include <cstring>

#include "controlplane/net/bytes.hpp"
#include "controlplane/net/checksum.hpp"
#include "controlplane/net/ipv4.hpp"

namespace lns::cp::net {

bool icmp_type_is_error(uint8_t type) {
    switch (type) {
        case 0:   // echo reply
        case 8:   // echo request
        case 9:   // router advertisement
        case 10:  // router solicitation
        case 13:  // timestamp
        case 14:  // timestamp reply
        case 15:  // information request
        case 16:  // information reply
        case 17:  // address mask request
        case 18:  // address mask reply
            return false;
        default:
            return true;
    }
}

namespace {

NetError check_echo_request(std::span<const uint8_t> frame, Ipv4Header *ip) {
    if (frame.size() < kEthHeaderLen) return NetError::truncated;
    if (load_be16(frame.data() + 12) != kEtherTypeIpv4) return NetError::bad_ethertype;
    if (NetError e = parse_ipv4(frame.subspan(kEthHeaderLen), ip); e != NetError::ok) return e;
    if (ip->protocol != kIpProtoIcmp) return NetError::bad_protocol;
    if (ipv4_is_fragment(*ip)) return NetError::fragment;
    if (ip->payload.size() < kIcmpHeaderLen) return NetError::truncated;
    if (ip->payload[0] != kIcmpEchoRequest) return NetError::unsupported_type;
    if (ip->payload[1] != 0) return NetError::bad_code;
    if (internet_checksum(ip->payload.data(), ip->payload.size()) != 0)
        return NetError::bad_checksum;
    if (is_group_mac(load_mac(frame.data()))) return NetError::not_for_us;
    if (is_group_mac(load_mac(frame.data() + 6))) return NetError::bad_source;
    if (ipv4_is_group(ip->dst)) return NetError::group_destination;
    if (!ipv4_is_single_host(ip->src)) return NetError::bad_source;
    return NetError::ok;
}

}  // namespace

NetError make_icmp_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap,
                              size_t *out_len) {
    Ipv4Header ip;
    if (NetError e = check_echo_request(request_frame, &ip); e != NetError::ok) return e;
    size_t icmp_len = ip.payload.size();
    size_t len = kEthHeaderLen + kIpv4MinHeaderLen + icmp_len;
    if (cap < std::max(len, kEthMinFrameLen)) return NetError::no_room;

    // Read everything needed from the request before writing: `out` may alias it.
    MacAddr req_dst = load_mac(request_frame.data());
    MacAddr req_src = load_mac(request_frame.data() + 6);
    const uint8_t *req_icmp = ip.payload.data();
    uint8_t *icmp = out + kEthHeaderLen + kIpv4MinHeaderLen;
    std::memmove(icmp, req_icmp, icmp_len);  // options dropped: moves backwards or not at all

    write_eth_header(out, req_src, req_dst, kEtherTypeIpv4);
    write_ipv4_header(out + kEthHeaderLen, ip.tos,
                      static_cast<uint16_t>(kIpv4MinHeaderLen + icmp_len), 0, kIpv4FlagDf,
                      kIpv4DefaultTtl, kIpProtoIcmp, ip.dst, ip.src);
    icmp[0] = kIcmpEchoReply;
    icmp[1] = 0;
    store_be16(icmp + 2, 0);
    store_be16(icmp + 2, internet_checksum(icmp, icmp_len));
    *out_len = pad_eth_frame(out, len, cap);
    return NetError::ok;
}

size_t build_icmp_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap) {
    size_t len = 0;
    return make_icmp_echo_reply(request_frame, out, cap, &len) == NetError::ok ? len : 0;
}

namespace {

// Header checks on a packet that is quoted, not received: no checksum check, and
// a packet cut short after its header is accepted.  Returns the quotable length.
NetError check_offending(std::span<const uint8_t> pkt, size_t *avail) {
    if (pkt.size() < kIpv4MinHeaderLen) return NetError::truncated;
    if ((pkt[0] >> 4) != 4) return NetError::bad_version;
    size_t hlen = size_t{pkt[0] & 0x0fu} * 4;
    if (hlen < kIpv4MinHeaderLen) return NetError::bad_header_len;
    if (hlen > pkt.size()) return NetError::truncated;
    size_t total = load_be16(pkt.data() + 2);
    if (total < hlen) return NetError::bad_len;
    *avail = std::min(total, pkt.size());
    if ((load_be16(pkt.data() + 6) & kIpv4OffsetMask) != 0) return NetError::non_initial_fragment;
    if (!ipv4_is_single_host(load_be32(pkt.data() + 12))) return NetError::bad_source;
    if (ipv4_is_group(load_be32(pkt.data() + 16))) return NetError::group_destination;
    if (pkt[9] == kIpProtoIcmp) {
        // An ICMP packet too short to show its type is refused too: it might be an error.
        if (*avail <= hlen || icmp_type_is_error(pkt[hlen])) return NetError::is_icmp_error;
    }
    return NetError::ok;
}

}  // namespace

NetError icmp_error_allowed(std::span<const uint8_t> offending_ip_packet) {
    size_t avail = 0;
    return check_offending(offending_ip_packet, &avail);
}

NetError make_icmp_error_ip(uint8_t *out, size_t cap, uint32_t src_ip, uint8_t type, uint8_t code,
                            uint32_t rest_of_header, std::span<const uint8_t> offending_ip_packet,
                            size_t *out_len) {
    size_t avail = 0;
    if (NetError e = check_offending(offending_ip_packet, &avail); e != NetError::ok) return e;
    size_t quote = std::min(avail, kIcmpErrorMaxIpLen - kIpv4MinHeaderLen - kIcmpHeaderLen);
    size_t icmp_len = kIcmpHeaderLen + quote;
    size_t len = kIpv4MinHeaderLen + icmp_len;
    if (cap < len) return NetError::no_room;

    uint32_t dst = load_be32(offending_ip_packet.data() + 12);
    uint8_t *icmp = out + kIpv4MinHeaderLen;
    std::memcpy(icmp + kIcmpHeaderLen, offending_ip_packet.data(), quote);
    icmp[0] = type;
    icmp[1] = code;
    store_be16(icmp + 2, 0);
    store_be32(icmp + 4, rest_of_header);
    store_be16(icmp + 2, internet_checksum(icmp, icmp_len));
    write_ipv4_header(out, kIcmpErrorTos, static_cast<uint16_t>(len), 0, kIpv4FlagDf,
                      kIpv4DefaultTtl, kIpProtoIcmp, src_ip, dst);
    *out_len = len;
    return NetError::ok;
}

size_t build_icmp_error(uint8_t *out, size_t cap, const MacAddr &src_mac, const MacAddr &dst_mac,
                        uint32_t src_ip, uint8_t type, uint8_t code, uint32_t rest_of_header,
                        std::span<const uint8_t> offending_ip_packet) {
    if (cap < kEthMinFrameLen) return 0;
    size_t ip_len = 0;
    if (make_icmp_error_ip(out + kEthHeaderLen, cap - kEthHeaderLen, src_ip, type, code,
                           rest_of_header, offending_ip_packet, &ip_len) != NetError::ok)
        return 0;
    write_eth_header(out, dst_mac, src_mac, kEtherTypeIpv4);
    return pad_eth_frame(out, kEthHeaderLen + ip_len, cap);
}

}  // namespace lns::cp::net
