#include "tools/pktgen/frame_builder.hpp"

#include <cstring>

namespace lns::pktgen {

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint8_t kProtoUdp = 17;
constexpr uint16_t kPppIpv4 = 0x0021;
constexpr uint16_t kPppIpv6 = 0x0057;
// L2TP header flag bits (RFC 2661 3.1): T L x x S x O P x x x x Ver(4).
constexpr uint16_t kL2tpL = 0x4000;
constexpr uint16_t kL2tpS = 0x0800;
constexpr uint16_t kL2tpO = 0x0200;
constexpr uint16_t kL2tpVer2 = 0x0002;

inline void put16(uint8_t *p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t *p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// Payload pattern, built once: byte j = j & 0xff.
struct Pattern {
    uint8_t bytes[kMaxInner];
    Pattern() {
        for (size_t j = 0; j < kMaxInner; ++j) bytes[j] = static_cast<uint8_t>(j);
    }
};
const Pattern kPattern;

size_t write_ipv4_header(uint8_t *p, uint16_t total_len, uint16_t id, uint8_t ttl, uint8_t proto,
                         uint32_t src, uint32_t dst) {
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, total_len);
    put16(p + 4, id);
    put16(p + 6, 0);  // no flags, offset 0
    p[8] = ttl;
    p[9] = proto;
    put16(p + 10, 0);
    put32(p + 12, src);
    put32(p + 16, dst);
    put16(p + 10, csum_fold(csum_partial(p, kIpv4Hdr, 0)));
    return kIpv4Hdr;
}

size_t write_udp(uint8_t *udp, uint16_t sport, uint16_t dport, uint16_t len) {
    put16(udp + 0, sport);
    put16(udp + 2, dport);
    put16(udp + 4, len);
    put16(udp + 6, 0);
    std::memcpy(udp + kUdpHdr, kPattern.bytes, len - kUdpHdr);
    return len;
}

}  // namespace

uint32_t csum_partial(const uint8_t *p, size_t len, uint32_t sum) {
    uint64_t s = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2) s += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (i < len) s += static_cast<uint32_t>(p[i] << 8);
    while (s >> 32) s = (s & 0xffffffffu) + (s >> 32);
    return static_cast<uint32_t>(s);
}

uint16_t csum_fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

size_t write_inner(uint8_t *out, const InnerSpec &in) {
    if (!in.ipv6) {
        const uint16_t udp_len = static_cast<uint16_t>(in.size - kIpv4Hdr);
        write_ipv4_header(out, in.size, in.ip_id, in.ttl, kProtoUdp, in.src4, in.dst4);
        uint8_t *udp = out + kIpv4Hdr;
        write_udp(udp, in.sport, in.dport, udp_len);
        // Pseudo-header: src, dst, zero+proto, UDP length (RFC 768).
        uint32_t sum = csum_partial(out + 12, 8, 0);
        sum += kProtoUdp + udp_len;
        uint16_t c = csum_fold(csum_partial(udp, udp_len, sum));
        put16(udp + 6, c == 0 ? 0xffff : c);
        return in.size;
    }
    const uint16_t udp_len = static_cast<uint16_t>(in.size - kIpv6Hdr);
    put32(out, 0x60000000u | (in.ip_id & 0xfffffu));  // version 6, flow label
    put16(out + 4, udp_len);
    out[6] = kProtoUdp;
    out[7] = in.ttl;
    std::memcpy(out + 8, in.src6.data(), 16);
    std::memcpy(out + 24, in.dst6.data(), 16);
    uint8_t *udp = out + kIpv6Hdr;
    write_udp(udp, in.sport, in.dport, udp_len);
    // Pseudo-header (RFC 8200 8.1): src, dst, length (32 bits), next header.
    uint32_t sum = csum_partial(out + 8, 32, 0);
    sum += udp_len + kProtoUdp;
    uint16_t c = csum_fold(csum_partial(udp, udp_len, sum));
    put16(udp + 6, c == 0 ? 0xffff : c);  // zero is not allowed over IPv6
    return in.size;
}

size_t l2tp_ppp_overhead(const cfg::Framing &f, bool ipv6) {
    (void)ipv6;  // both 0x0021 and 0x0057 compress to one byte
    size_t n = 6;  // flags/version, tunnel id, session id
    if (f.length) n += 2;
    if (f.sequencing) n += 4;
    if (f.offset > 0) n += 2 + f.offset;
    n += f.acfc ? 0 : 2;
    n += f.pfc ? 1 : 2;
    return n;
}

size_t build_upstream(uint8_t *out, const OuterSpec &o, const InnerSpec &in) {
    const size_t l2tp_len = l2tp_ppp_overhead(o.framing, in.ipv6) + in.size;
    const size_t udp_len = kUdpHdr + l2tp_len;
    const size_t ip_len = kIpv4Hdr + udp_len;

    uint8_t *p = out;
    std::memcpy(p, o.dst_mac.data(), 6);
    std::memcpy(p + 6, o.src_mac.data(), 6);
    put16(p + 12, kEtherIpv4);
    p += kEthHdr;
    p += write_ipv4_header(p, static_cast<uint16_t>(ip_len), o.ip_id, 64, kProtoUdp, o.src4, o.dst4);
    put16(p + 0, o.sport);
    put16(p + 2, o.dport);
    put16(p + 4, static_cast<uint16_t>(udp_len));
    put16(p + 6, 0);  // no UDP checksum over IPv4 (RFC 768; RFC 2661 8.1 permits it)
    p += kUdpHdr;

    uint16_t flags = kL2tpVer2;
    if (o.framing.length) flags |= kL2tpL;
    if (o.framing.sequencing) flags |= kL2tpS;
    if (o.framing.offset > 0) flags |= kL2tpO;
    put16(p, flags);
    p += 2;
    if (o.framing.length) {
        put16(p, static_cast<uint16_t>(l2tp_len));
        p += 2;
    }
    put16(p, o.tunnel_id);
    put16(p + 2, o.session_id);
    p += 4;
    if (o.framing.sequencing) {
        put16(p, o.ns);
        put16(p + 2, o.nr);
        p += 4;
    }
    if (o.framing.offset > 0) {
        put16(p, o.framing.offset);
        std::memset(p + 2, 0, o.framing.offset);
        p += 2 + o.framing.offset;
    }
    if (!o.framing.acfc) {
        p[0] = 0xff;
        p[1] = 0x03;
        p += 2;
    }
    const uint16_t proto = in.ipv6 ? kPppIpv6 : kPppIpv4;
    if (o.framing.pfc) {
        *p++ = static_cast<uint8_t>(proto);
    } else {
        put16(p, proto);
        p += 2;
    }
    p += write_inner(p, in);
    return static_cast<size_t>(p - out);
}

size_t build_downstream(uint8_t *out, const cfg::MacAddr &dst, const cfg::MacAddr &src,
                        const InnerSpec &in) {
    std::memcpy(out, dst.data(), 6);
    std::memcpy(out + 6, src.data(), 6);
    put16(out + 12, in.ipv6 ? kEtherIpv6 : kEtherIpv4);
    return kEthHdr + write_inner(out + kEthHdr, in);
}

}  // namespace lns::pktgen
