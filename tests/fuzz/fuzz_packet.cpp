// libFuzzer target for the data plane's packet code (dataplane/pkt/*.hpp):
// parse_l2tp_header, write_l2tp_ppp_header, parse_ppp_header, parse_ipv4,
// ipv4_decrement_ttl, tcp_clamp_mss / ipv4_clamp_mss / ipv6_clamp_mss and
// locate_ppp_payload.  Every parser must stay inside the bytes it is given (the
// input buffer ends exactly where the parser's length says, so ASan catches an
// over-read) and every result must satisfy the invariants below; a violation
// traps.
//
// Input: byte 0 picks the mode (modulo kModes), the rest is the packet.
//   0  L2TP header; re-encoded with write_l2tp_ppp_header and parsed again
//   1  PPP header; re-encoded (ACFC/PFC as found) and compared
//   2  IPv4 header (both checksum routines compared); TTL decremented, checksum
//      checked against a recomputation
//   3  TCP segment (bytes 1-2: the MSS to clamp to), tcp_clamp_mss
//   4  IPv4 packet (bytes 1-2: MSS), ipv4_clamp_mss
//   5  IPv6 packet (bytes 1-2: MSS), ipv6_clamp_mss
//   6  Ethernet frame, locate_ppp_payload
//   7  encoder: framing, ids, protocol and payload length from the bytes;
//      write_l2tp_ppp_header, then both parsers must read back what was written
//
// Build: CC=clang CXX=clang++ cmake -DLNS_FUZZ=ON ...; target fuzz_packet.
// Run:   ./fuzz_packet -max_total_time=60 tests/fuzz/corpus/packet
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/pkt/ip.hpp"
#include "dataplane/pkt/l2tp.hpp"
#include "dataplane/pkt/locate.hpp"

using namespace lns::dp;

namespace {

constexpr unsigned kModes = 8;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

// memcmp that accepts empty ranges (an empty vector's data() may be null).
bool same(const uint8_t *a, const uint8_t *b, size_t n) { return n == 0 || std::memcmp(a, b, n) == 0; }

// One's-complement sum of a buffer, modulo 0xffff (0 and 0xffff are one value).
uint32_t sum_mod(const uint8_t *p, size_t len) {
    uint64_t s = 0;
    for (size_t i = 0; i < len; i++) s += (i & 1) ? uint64_t(p[i]) : uint64_t(p[i]) << 8;
    return uint32_t(s % 0xffff);
}

// ---------------------------------------------------------------------------
// 0: L2TP header and round trip through the encoder
// ---------------------------------------------------------------------------
void fuzz_l2tp(const uint8_t *p, size_t len) {
    L2tpHeader h;
    const L2tpStatus st = parse_l2tp_header(p, len, &h);
    if (st == L2tpStatus::control) {
        check(len >= 2 && (p[0] & 0x80) && (p[1] & 0x0f) == 2);
        return;
    }
    if (st == L2tpStatus::bad_version) {
        check(len >= 2 && (p[1] & 0x0f) != 2);
        return;
    }
    if (st != L2tpStatus::data) return;

    const uint16_t flags = load_be16(p);
    check(h.flags == flags && (flags & kL2tpVerMask) == 2 && !(flags & kL2tpFlagT));
    check(h.header_len <= h.total_len && h.total_len <= len);
    check(h.total_len == len);  // the message is the whole UDP payload
    const bool l = flags & kL2tpFlagL, s = flags & kL2tpFlagS, o = flags & kL2tpFlagO;
    const size_t fixed = 2 + (l ? 2 : 0) + 4 + (s ? 4 : 0) + (o ? 2 : 0);
    check(h.header_len >= fixed);
    if (l) check(load_be16(p + 2) == h.total_len);
    const size_t ids = l ? 4 : 2;
    check(h.tunnel_id == load_be16(p + ids) && h.session_id == load_be16(p + ids + 2));
    size_t pad = 0;
    if (o) {
        pad = load_be16(p + fixed - 2);
        check(h.header_len == fixed + pad);
    } else {
        check(h.header_len == fixed);
    }
    if (s) check(h.ns == load_be16(p + ids + 4) && h.nr == load_be16(p + ids + 6));

    // The PPP header after it.
    const uint8_t *ppp = p + h.header_len;
    const size_t ppp_len = h.total_len - h.header_len;
    uint16_t proto = kPppIpv4;
    size_t hl = 0;
    const bool ppp_ok = parse_ppp_header(ppp, ppp_len, &proto, &hl) == PppStatus::ok;
    if (ppp_ok) check(hl <= ppp_len);

    // Re-encode what was parsed.  The encoder cannot express an Offset Size of
    // 0 or above 255 (L2tpTxFraming::offset is a uint8_t, 0 = no O bit).
    if (o && (pad == 0 || pad > 255)) return;
    L2tpTxFraming f;
    f.sequencing = s;
    f.length = l;
    f.offset = uint8_t(pad);
    if (ppp_ok) {
        f.acfc = !(ppp_len >= 2 && ppp[0] == 0xff && ppp[1] == 0x03);
        f.pfc = (hl - (f.acfc ? 0 : 2)) == 1;
    } else {
        hl = 0;  // re-encode with FF 03 00 21, the payload being the whole PPP part
    }
    const size_t payload_len = ppp_len - hl;
    const size_t hdr = l2tp_data_header_size(f) + ppp_header_size(f, proto);
    std::vector<uint8_t> out(hdr + payload_len + 16, 0xa5);
    const size_t n = write_l2tp_ppp_header(out.data(), f, h.tunnel_id, h.session_id, h.ns, proto, payload_len);
    check(n == hdr);
    for (size_t i = n; i < out.size(); i++) check(out[i] == 0xa5);  // nothing past the header
    std::memcpy(out.data() + n, ppp + hl, payload_len);
    out.resize(n + payload_len);

    L2tpHeader h2;
    check(parse_l2tp_header(out.data(), out.size(), &h2) == L2tpStatus::data);
    check(h2.tunnel_id == h.tunnel_id && h2.session_id == h.session_id);
    check(h2.header_len == l2tp_data_header_size(f) && h2.total_len == out.size());
    check(bool(h2.flags & kL2tpFlagL) == l && bool(h2.flags & kL2tpFlagS) == s &&
          bool(h2.flags & kL2tpFlagO) == o);
    if (s) check(h2.ns == h.ns && h2.nr == 0);
    uint16_t proto2 = 0;
    size_t hl2 = 0;
    check(parse_ppp_header(out.data() + h2.header_len, out.size() - h2.header_len, &proto2, &hl2) ==
          PppStatus::ok);
    check(proto2 == proto && h2.header_len + hl2 == n);

    // Byte for byte, the re-encoded message is the original with the fields the
    // encoder normalises: reserved bits and P cleared, Nr 0, padding zeroed.
    if (ppp_ok) {
        check(out.size() == len);
        std::vector<uint8_t> want(p, p + len);
        store_be16(want.data(), flags & (kL2tpFlagL | kL2tpFlagS | kL2tpFlagO | kL2tpVerMask));
        if (s) store_be16(want.data() + ids + 6, 0);
        if (o) std::memset(want.data() + fixed, 0, pad);
        check(same(out.data(), want.data(), len));
    }
}

// ---------------------------------------------------------------------------
// 1: PPP header
// ---------------------------------------------------------------------------
void fuzz_ppp(const uint8_t *p, size_t len) {
    uint16_t proto = 0;
    size_t hl = 0;
    const PppStatus st = parse_ppp_header(p, len, &proto, &hl);
    if (st != PppStatus::ok) {
        check(st == PppStatus::truncated || st == PppStatus::bad_protocol);
        return;
    }
    const bool ac = len >= 2 && p[0] == 0xff && p[1] == 0x03;
    check(hl <= len && (proto & 1));
    const size_t pl = hl - (ac ? 2 : 0);
    check(pl == 1 || pl == 2);
    if (pl == 1) check(proto < 0x100);
    // The encoder with the framing found writes the same PPP header.
    L2tpTxFraming f;
    f.acfc = !ac;
    f.pfc = pl == 1;
    if (pl == 2 && proto < 0x100) f.pfc = false;
    check(ppp_header_size(f, proto) == hl);
    uint8_t out[6 + 4];
    const size_t n = write_l2tp_ppp_header(out, f, 1, 2, 0, proto, 0);
    check(n == 6 + hl && same(out + 6, p, hl));
}

// ---------------------------------------------------------------------------
// 2: IPv4 header and TTL decrement
// ---------------------------------------------------------------------------
uint16_t ipv4_checksum_from_scratch(const uint8_t *ip, size_t ihl) {
    std::vector<uint8_t> hdr(ip, ip + ihl);
    hdr[10] = hdr[11] = 0;
    return csum_fold(csum_partial(hdr.data(), ihl));
}

void fuzz_ipv4(const uint8_t *p, size_t len) {
    // The two checksum implementations agree on any header-sized prefix.
    if (len >= 20) {
        const size_t ihl = std::max<size_t>(20, size_t(p[0] & 0x0f) * 4);
        if (ihl <= len) check(ipv4_header_checksum_ok(p, ihl) == (csum_fold(csum_partial(p, ihl)) == 0));
    }
    Ipv4Info info{};
    const Ipv4Status st = parse_ipv4(p, len, false, &info);
    Ipv4Info skip{};
    const Ipv4Status st_skip = parse_ipv4(p, len, true, &skip);
    if (st == Ipv4Status::bad_checksum) {
        check(st_skip == Ipv4Status::ok);
        return;
    }
    check(st == st_skip);
    if (st != Ipv4Status::ok) return;
    check(info.header_len >= 20 && info.header_len <= 60 && info.header_len % 4 == 0);
    check(info.header_len <= info.total_len && info.total_len <= len);
    check(info.total_len == load_be16(p + 2) && info.proto == p[9]);
    check(info.fragment == ((load_be16(p + 6) & 0x3fff) != 0));
    check(csum_fold(csum_partial(p, info.header_len)) == 0);

    std::vector<uint8_t> ip(p, p + len);
    const uint8_t ttl = ip[8];
    const bool dec = ipv4_decrement_ttl(ip.data());
    check(dec == (ttl > 1));
    if (!dec) {
        check(same(ip.data(), p, len));
        return;
    }
    check(ip[8] == ttl - 1);
    check(parse_ipv4(ip.data(), len, false, &info) == Ipv4Status::ok);
    check(load_be16(ip.data() + 10) == ipv4_checksum_from_scratch(ip.data(), info.header_len));
    for (size_t i = 0; i < len; i++)
        if (i != 8 && i != 10 && i != 11) check(ip[i] == p[i]);
}

// ---------------------------------------------------------------------------
// 3-5: MSS clamping
// ---------------------------------------------------------------------------
// After a clamp of the TCP segment at `tcp` (`len` bytes): only the checksum and
// the two MSS value bytes changed, the MSS is `mss`, and the one's-complement sum
// of the segment is unchanged (so a valid checksum stays valid).
void check_clamp(const uint8_t *before, const uint8_t *after, size_t len, bool clamped, uint16_t mss) {
    if (!clamped) {
        check(same(before, after, len));
        return;
    }
    check(len >= 20 && (before[13] & 0x02));
    const size_t doff = size_t(before[12] >> 4) * 4;
    check(doff >= 24 && doff <= len);
    size_t at = 0;
    int changed = 0;
    for (size_t i = 0; i < len; i++) {
        if (before[i] == after[i] || i == 16 || i == 17) continue;
        changed++;
        if (!at) at = i;
    }
    check(changed <= 2);
    // Find the MSS option the clamp rewrote: kind 2, length 4, value now `mss`.
    bool found = false;
    for (size_t i = 20; i + 4 <= doff; i++) {
        if (after[i] == 2 && after[i + 1] == 4 && load_be16(after + i + 2) == mss &&
            load_be16(before + i + 2) > mss) {
            if (changed) check(at == i + 2 || at == i + 3);
            found = true;
            break;
        }
    }
    check(found);
    check(sum_mod(before, len) == sum_mod(after, len));
}

void fuzz_tcp(const uint8_t *p, size_t len) {
    if (len < 2) return;
    const uint16_t mss = load_be16(p);
    const uint8_t *seg = p + 2;
    const size_t n = len - 2;
    std::vector<uint8_t> t(seg, seg + n);
    const bool r = tcp_clamp_mss(t.data(), n, mss);
    check_clamp(seg, t.data(), n, r, mss);
}

void fuzz_ipv4_clamp(const uint8_t *p, size_t len) {
    if (len < 2) return;
    const uint16_t mss = load_be16(p);
    const uint8_t *ip = p + 2;
    const size_t n = len - 2;
    std::vector<uint8_t> b(ip, ip + n);
    const bool r = ipv4_clamp_mss(b.data(), n, mss);
    if (!r) {
        check(same(b.data(), ip, n));
        return;
    }
    check(n >= 20 && ip[9] == kIpProtoTcp && (load_be16(ip + 6) & 0x1fff) == 0);
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    check(ihl <= n && same(b.data(), ip, ihl));
    check_clamp(ip + ihl, b.data() + ihl, n - ihl, true, mss);
}

void fuzz_ipv6_clamp(const uint8_t *p, size_t len) {
    if (len < 2) return;
    const uint16_t mss = load_be16(p);
    const uint8_t *ip = p + 2;
    const size_t n = len - 2;
    std::vector<uint8_t> b(ip, ip + n);
    const bool r = ipv6_clamp_mss(b.data(), n, mss);
    if (!r) {
        check(same(b.data(), ip, n));
        return;
    }
    check(n >= kIpv6HdrLen && ip[6] == kIpProtoTcp && same(b.data(), ip, kIpv6HdrLen));
    check_clamp(ip + kIpv6HdrLen, b.data() + kIpv6HdrLen, n - kIpv6HdrLen, true, mss);
}

// ---------------------------------------------------------------------------
// 6: locate_ppp_payload
// ---------------------------------------------------------------------------
void fuzz_locate(const uint8_t *f, size_t len) {
    PppPayload pl;
    if (!locate_ppp_payload(f, len, &pl)) return;
    check(pl.offset + pl.length <= len);
    check(pl.offset >= kEtherHdrLen + 20 + kUdpHdrLen + 6 + 1);
    check(pl.protocol & 1);
    check(load_be16(f + 12) == kEtherTypeIpv4);
    Ipv4Info ip;
    check(parse_ipv4(f + kEtherHdrLen, len - kEtherHdrLen, true, &ip) == Ipv4Status::ok);
    check(ip.proto == kIpProtoUdp && !ip.fragment);
    // The payload ends where the UDP datagram ends.
    const size_t udp = kEtherHdrLen + ip.header_len;
    check(pl.offset + pl.length == udp + load_be16(f + udp + 4));
    check(pl.offset + pl.length <= kEtherHdrLen + ip.total_len);
}

// ---------------------------------------------------------------------------
// 7: encoder
// ---------------------------------------------------------------------------
void fuzz_encode(const uint8_t *p, size_t len) {
    if (len < 10) return;
    L2tpTxFraming f;
    f.sequencing = p[0] & 1;
    f.length = p[0] & 2;
    f.acfc = p[0] & 4;
    f.pfc = p[0] & 8;
    f.offset = p[1];
    const uint16_t tunnel = load_be16(p + 2), session = load_be16(p + 4), ns = load_be16(p + 6);
    // A well-formed protocol number: low byte odd, high byte even (RFC 1661 §2).
    const uint16_t proto = uint16_t((load_be16(p + 8) | 1) & ~0x0100);
    // 0x00ff is reserved (a compressed FF would read as the address field).
    if (proto == 0x00ff) return;
    const uint8_t *payload = p + 10;
    const size_t payload_len = len - 10;
    const size_t hdr = l2tp_data_header_size(f) + ppp_header_size(f, proto);
    if (hdr + payload_len > 0xffff) return;
    std::vector<uint8_t> out(hdr + payload_len);
    const size_t n = write_l2tp_ppp_header(out.data(), f, tunnel, session, ns, proto, payload_len);
    check(n == hdr);
    if (payload_len) std::memcpy(out.data() + n, payload, payload_len);
    L2tpHeader h;
    check(parse_l2tp_header(out.data(), out.size(), &h) == L2tpStatus::data);
    check(h.tunnel_id == tunnel && h.session_id == session);
    check(h.header_len == l2tp_data_header_size(f) && h.total_len == out.size());
    if (f.sequencing) check(h.ns == ns && h.nr == 0);
    if (f.length) check(load_be16(out.data() + 2) == out.size());
    uint16_t proto2 = 0;
    size_t hl = 0;
    check(parse_ppp_header(out.data() + h.header_len, out.size() - h.header_len, &proto2, &hl) ==
          PppStatus::ok);
    check(proto2 == proto && h.header_len + hl == n);
    check(payload_len == 0 || same(out.data() + n, payload, payload_len));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    // A UDP payload or an IP packet is at most 65535 bytes; L2tpHeader keeps
    // lengths in 16 bits.
    if (size < 1 || size > 65535) return 0;
    const uint8_t *p = data + 1;
    const size_t len = size - 1;
    switch (data[0] % kModes) {
        case 0: fuzz_l2tp(p, len); break;
        case 1: fuzz_ppp(p, len); break;
        case 2: fuzz_ipv4(p, len); break;
        case 3: fuzz_tcp(p, len); break;
        case 4: fuzz_ipv4_clamp(p, len); break;
        case 5: fuzz_ipv6_clamp(p, len); break;
        case 6: fuzz_locate(p, len); break;
        case 7: fuzz_encode(p, len); break;
    }
    return 0;
}
