#include "controlplane/net/icmp6.hpp"

#include <algorithm>
#include <cstring>

#include "controlplane/net/bytes.hpp"
#include "controlplane/net/checksum.hpp"

namespace lns::cp::net {

void icmp6_set_checksum(uint8_t *msg, size_t len, const Ip6Addr &src, const Ip6Addr &dst) {
    store_be16(msg + 2, 0);
    uint64_t sum = ip6_pseudo_header_sum(src, dst, static_cast<uint32_t>(len), kIpProtoIcmp6);
    store_be16(msg + 2, checksum_finish(checksum_add(sum, msg, len)));
}

namespace {

Ip6Addr load_ip6(const uint8_t *p) {
    Ip6Addr a;
    std::memcpy(a.data(), p, 16);
    return a;
}

// RFC 4861 §4.6: walks the options from `off`; records link-layer address options.
NetError parse_nd_options(std::span<const uint8_t> msg, size_t off, Icmp6Packet *out) {
    while (off < msg.size()) {
        if (msg.size() - off < 2) return NetError::bad_option;
        size_t len = size_t{msg[off + 1]} * 8;
        if (len == 0 || len > msg.size() - off) return NetError::bad_option;
        uint8_t type = msg[off];
        if (type == kNdOptSourceLla || type == kNdOptTargetLla) {
            MacAddr mac = load_mac(msg.data() + off + 2);  // len >= 8 covers 2 + 6 bytes
            if (is_group_mac(mac)) return NetError::bad_option;
            if (type == kNdOptSourceLla) {
                out->has_source_lla = true;
                out->source_lla = mac;
            } else {
                out->has_target_lla = true;
                out->target_lla = mac;
            }
        }
        off += len;
    }
    return NetError::ok;
}

NetError check_ns(Icmp6Packet *out) {
    if (ip6_is_multicast(out->target)) return NetError::bad_address;
    if (ip6_is_unspecified(out->src)) {
        // RFC 4861 §7.1.1: DAD probe.
        if (out->dst != solicited_node_address(out->target)) return NetError::bad_address;
        if (out->has_source_lla) return NetError::bad_option;
    }
    return NetError::ok;
}

NetError check_na(Icmp6Packet *out) {
    if (ip6_is_multicast(out->target)) return NetError::bad_address;
    if (ip6_is_multicast(out->dst) && (out->na_flags & kNaFlagSolicited))
        return NetError::bad_address;
    return NetError::ok;
}

// ND validity (RFC 4861 §6.1, §7.1, §8.1).
NetError parse_nd(std::span<const uint8_t> msg, Icmp6Packet *out) {
    if (out->hop_limit != kNdHopLimit) return NetError::bad_hop_limit;
    if (out->code != 0) return NetError::bad_code;
    size_t fixed = 8;
    switch (out->type) {
        case kNdRouterAdvert:
            fixed = 16;
            break;
        case kNdNeighborSolicit:
        case kNdNeighborAdvert:
            fixed = kNdNsNaLen;
            break;
        case kNdRedirect:
            fixed = 40;
            break;
        default:
            break;
    }
    if (msg.size() < fixed) return NetError::truncated;
    if (out->type == kNdNeighborSolicit || out->type == kNdNeighborAdvert ||
        out->type == kNdRedirect)
        out->target = load_ip6(msg.data() + 8);
    if (out->type == kNdNeighborAdvert) out->na_flags = msg[4] & 0xe0;
    if (NetError e = parse_nd_options(msg, fixed, out); e != NetError::ok) return e;
    switch (out->type) {
        case kNdRouterAdvert:
            return ip6_is_link_local(out->src) ? NetError::ok : NetError::bad_address;
        case kNdNeighborSolicit:
            return check_ns(out);
        case kNdNeighborAdvert:
            return check_na(out);
        default:
            return NetError::ok;
    }
}

}  // namespace

NetError parse_icmp6(std::span<const uint8_t> frame, Icmp6Packet *out) {
    if (frame.size() < kEthHeaderLen) return NetError::truncated;
    if (load_be16(frame.data() + 12) != kEtherTypeIpv6) return NetError::bad_ethertype;
    Ipv6Header ip;
    if (NetError e = parse_ipv6(frame.subspan(kEthHeaderLen), &ip); e != NetError::ok) return e;
    if (ip.next_header != kIpProtoIcmp6) return NetError::bad_protocol;
    if (ip6_is_multicast(ip.src)) return NetError::bad_address;  // RFC 4291 §2.7
    std::span<const uint8_t> msg = ip.payload;
    if (msg.size() < 4) return NetError::truncated;
    uint64_t sum =
        ip6_pseudo_header_sum(ip.src, ip.dst, static_cast<uint32_t>(msg.size()), kIpProtoIcmp6);
    if (checksum_finish(checksum_add(sum, msg.data(), msg.size())) != 0)
        return NetError::bad_checksum;

    *out = Icmp6Packet{};
    out->eth_dst = load_mac(frame.data());
    out->eth_src = load_mac(frame.data() + 6);
    out->src = ip.src;
    out->dst = ip.dst;
    out->hop_limit = ip.hop_limit;
    out->type = msg[0];
    out->code = msg[1];
    out->message = msg;
    if (out->type == kIcmp6EchoRequest || out->type == kIcmp6EchoReply) {
        if (msg.size() < kIcmp6HeaderLen) return NetError::truncated;
        out->echo_id = load_be16(msg.data() + 4);
        out->echo_seq = load_be16(msg.data() + 6);
        return NetError::ok;
    }
    if (icmp6_type_is_nd(out->type)) return parse_nd(msg, out);
    return NetError::ok;
}

NetError make_icmp6_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap,
                               size_t *out_len) {
    Icmp6Packet req;
    if (NetError e = parse_icmp6(request_frame, &req); e != NetError::ok) return e;
    if (req.type != kIcmp6EchoRequest) return NetError::unsupported_type;
    if (req.code != 0) return NetError::bad_code;
    if (is_group_mac(req.eth_dst)) return NetError::not_for_us;
    if (ip6_is_multicast(req.dst)) return NetError::group_destination;
    if (ip6_is_unspecified(req.src) || is_group_mac(req.eth_src)) return NetError::bad_source;
    size_t msg_len = req.message.size();
    size_t len = kEthHeaderLen + kIpv6HeaderLen + msg_len;
    if (cap < std::max(len, kEthMinFrameLen)) return NetError::no_room;

    uint8_t *msg = out + kEthHeaderLen + kIpv6HeaderLen;
    std::memmove(msg, req.message.data(), msg_len);  // same offset: a no-op when in place
    write_eth_header(out, req.eth_src, req.eth_dst, kEtherTypeIpv6);
    write_ipv6_header(out + kEthHeaderLen, static_cast<uint16_t>(msg_len), kIpProtoIcmp6,
                      kIpv6DefaultHopLimit, req.dst, req.src);
    msg[0] = kIcmp6EchoReply;
    icmp6_set_checksum(msg, msg_len, req.dst, req.src);
    *out_len = pad_eth_frame(out, len, cap);
    return NetError::ok;
}

size_t build_icmp6_echo_reply(std::span<const uint8_t> request_frame, uint8_t *out, size_t cap) {
    size_t len = 0;
    return make_icmp6_echo_reply(request_frame, out, cap, &len) == NetError::ok ? len : 0;
}

}  // namespace lns::cp::net
