// Byte-exact frame builders for lns-pktgen (test traffic, not the data path).
//
// Upstream:   Ethernet / IPv4 (LAC -> LNS, TTL 64, valid checksum) / UDP (checksum 0)
//             / L2TPv2 data header (RFC 2661 3.1: L, S+Ns/Nr, O+Offset Size+padding)
//             / PPP (FF 03 unless ACFC; protocol 2 bytes, 1 byte with PFC, RFC 1661 6.5/6.6)
//             / inner IPv4 or IPv6 UDP packet.
// Downstream: Ethernet / inner IPv4 or IPv6 UDP packet.
//
// Inner packets: IPv4 (RFC 791, TTL 64, no options, valid header checksum) or IPv6
// (RFC 8200, hop limit 64) carrying UDP (RFC 768) with a valid checksum and a
// deterministic payload (byte j = j & 0xff), padded to exactly `size` bytes of IP
// packet.  Every multi-byte field is written in network order.
//
// Thread: any; pure functions writing into caller-provided buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "config/config.hpp"

namespace lns::pktgen {

constexpr uint16_t kL2tpPort = 1701;
constexpr size_t kEthHdr = 14;
constexpr size_t kIpv4Hdr = 20;
constexpr size_t kIpv6Hdr = 40;
constexpr size_t kUdpHdr = 8;
constexpr size_t kMinInnerV4 = kIpv4Hdr + kUdpHdr;  // 28
constexpr size_t kMinInnerV6 = kIpv6Hdr + kUdpHdr;  // 48
constexpr size_t kMaxInner = 9000;
// Worst-case outer overhead: Eth + IPv4 + UDP + L2TP(2+2+2+2+4+2) + offset pad + PPP(4).
constexpr size_t kMaxFrame = kEthHdr + kIpv4Hdr + kUdpHdr + 14 + 65535 + 4 + kMaxInner;

struct InnerSpec {
    bool ipv6 = false;
    uint32_t src4 = 0, dst4 = 0;  // host order
    cfg::Ipv6Addr src6{}, dst6{};
    uint16_t size = 64;  // IP packet size (>= kMinInnerV4 / kMinInnerV6)
    uint16_t sport = 10000, dport = 20000;
    uint16_t ip_id = 0;  // IPv4 identification; IPv6 flow label low bits
    uint8_t ttl = 64;
};

struct OuterSpec {
    cfg::MacAddr dst_mac{}, src_mac{};
    uint32_t src4 = 0, dst4 = 0;  // host order: LAC address, LNS access address
    uint16_t sport = kL2tpPort, dport = kL2tpPort;
    uint16_t ip_id = 0;
    uint16_t tunnel_id = 0, session_id = 0;  // as the receiver (LNS) assigned them
    cfg::Framing framing;
    uint16_t ns = 0, nr = 0;  // used when framing.sequencing
};

// Writes the inner IP packet at `out` (inner.size bytes); returns its size.
size_t write_inner(uint8_t *out, const InnerSpec &inner);

// Size of the L2TP header + PPP header for this framing and inner protocol.
size_t l2tp_ppp_overhead(const cfg::Framing &f, bool ipv6);

// Writes a full upstream frame; `out` must hold kMaxFrame bytes.  Returns its length.
size_t build_upstream(uint8_t *out, const OuterSpec &outer, const InnerSpec &inner);

// Writes Ethernet(dst, src, type) + the inner packet.  Returns its length.
size_t build_downstream(uint8_t *out, const cfg::MacAddr &dst, const cfg::MacAddr &src,
                        const InnerSpec &inner);

// RFC 1071 one's-complement sum helpers (exposed for tests).
uint32_t csum_partial(const uint8_t *p, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);

}  // namespace lns::pktgen
