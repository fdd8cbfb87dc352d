// ICMPv6 error messages (RFC 4443 §2.4, §3.2, §3.3); declared in icmp6.hpp.
#include <algorithm>
#include <cstring>

#include "controlplane/net/bytes.hpp"
#include "controlplane/net/icmp6.hpp"

namespace lns::cp::net {

namespace {

inline constexpr uint8_t kNhHopByHop = 0;
inline constexpr uint8_t kNhRouting = 43;
inline constexpr uint8_t kNhFragment = 44;
inline constexpr uint8_t kNhAh = 51;
inline constexpr uint8_t kNhDestOpts = 60;

// Walks the extension header chain of `pkt` (first `avail` bytes) and reports
// whether the upper layer is an ICMPv6 error.  When the chain cannot be followed
// to an ICMPv6 type (cut short, or after a non-initial fragment header) while
// ICMPv6 might follow, answers true: never risk an error about an error.
bool is_icmp6_error_packet(const uint8_t *pkt, size_t avail) {
    uint8_t nh = pkt[6];
    size_t off = kIpv6HeaderLen;
    for (;;) {  // each step advances off by >= 8: bounded by avail
        if (nh == kIpProtoIcmp6) return off >= avail || icmp6_type_is_error(pkt[off]);
        size_t len;
        if (nh == kNhHopByHop || nh == kNhRouting || nh == kNhDestOpts) {
            if (avail - off < 2) return true;
            len = (size_t{pkt[off + 1]} + 1) * 8;
        } else if (nh == kNhFragment) {
            if (avail - off < 8) return true;
            if ((load_be16(pkt + off + 2) >> 3) != 0) return true;  // upper layer not here
            len = 8;
        } else if (nh == kNhAh) {
            if (avail - off < 2) return true;
            len = (size_t{pkt[off + 1]} + 2) * 4;
        } else {
            return false;  // TCP, UDP, No Next Header, ...
        }
        nh = pkt[off];
        if (len > avail - off) return true;
        off += len;
    }
}

NetError check_offending6(std::span<const uint8_t> pkt, uint8_t type, uint8_t code, size_t *avail) {
    if (pkt.size() < kIpv6HeaderLen) return NetError::truncated;
    if ((pkt[0] >> 4) != 6) return NetError::bad_version;
    *avail = std::min(pkt.size(), kIpv6HeaderLen + load_be16(pkt.data() + 4));
    Ip6Addr src, dst;
    std::memcpy(src.data(), pkt.data() + 8, 16);
    std::memcpy(dst.data(), pkt.data() + 24, 16);
    if (ip6_is_unspecified(src) || ip6_is_multicast(src) || ip6_is_loopback(src))
        return NetError::bad_source;
    bool multicast_ok = type == kIcmp6PacketTooBig ||
                        (type == kIcmp6ParamProblem && code == kIcmp6CodeParamUnknownOption);
    if (ip6_is_multicast(dst) && !multicast_ok) return NetError::group_destination;
    if (is_icmp6_error_packet(pkt.data(), *avail)) return NetError::is_icmp_error;
    return NetError::ok;
}

}  // namespace

NetError icmp6_error_allowed(std::span<const uint8_t> offending_ipv6_packet, uint8_t type,
                             uint8_t code) {
    size_t avail = 0;
    return check_offending6(offending_ipv6_packet, type, code, &avail);
}

NetError make_icmp6_error_ip(uint8_t *out, size_t cap, const Ip6Addr &src_ip, uint8_t type,
                             uint8_t code, uint32_t mtu_or_pointer,
                             std::span<const uint8_t> offending_ipv6_packet, size_t *out_len) {
    size_t avail = 0;
    if (NetError e = check_offending6(offending_ipv6_packet, type, code, &avail); e != NetError::ok)
        return e;
    size_t quote = std::min(avail, kIpv6MinMtu - kIpv6HeaderLen - kIcmp6HeaderLen);
    size_t msg_len = kIcmp6HeaderLen + quote;
    if (cap < kIpv6HeaderLen + msg_len) return NetError::no_room;

    Ip6Addr dst;
    std::memcpy(dst.data(), offending_ipv6_packet.data() + 8, 16);
    uint8_t *msg = out + kIpv6HeaderLen;
    std::memcpy(msg + kIcmp6HeaderLen, offending_ipv6_packet.data(), quote);
    msg[0] = type;
    msg[1] = code;
    store_be32(msg + 4, mtu_or_pointer);
    icmp6_set_checksum(msg, msg_len, src_ip, dst);
    write_ipv6_header(out, static_cast<uint16_t>(msg_len), kIpProtoIcmp6, kIpv6DefaultHopLimit,
                      src_ip, dst);
    *out_len = kIpv6HeaderLen + msg_len;
    return NetError::ok;
}

size_t build_icmp6_error(uint8_t *out, size_t cap, const MacAddr &src_mac, const MacAddr &dst_mac,
                         const Ip6Addr &src_ip, uint8_t type, uint8_t code, uint32_t mtu_or_pointer,
                         std::span<const uint8_t> offending_ipv6_packet) {
    if (cap < kEthMinFrameLen) return 0;
    size_t ip_len = 0;
    if (make_icmp6_error_ip(out + kEthHeaderLen, cap - kEthHeaderLen, src_ip, type, code,
                            mtu_or_pointer, offending_ipv6_packet, &ip_len) != NetError::ok)
        return 0;
    write_eth_header(out, dst_mac, src_mac, kEtherTypeIpv6);
    return pad_eth_frame(out, kEthHeaderLen + ip_len, cap);
}

}  // namespace lns::cp::net
