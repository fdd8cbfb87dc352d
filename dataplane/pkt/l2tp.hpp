// L2TPv2 data-message header and PPP header: allocation-free parsers and encoders.
//
// RFC 2661 §3.1 header:
//   |T|L|x|x|S|x|O|P|x|x|x|x|  Ver  |   Length (opt)  |
//   |   Tunnel ID   |  Session ID   |
//   |   Ns (opt)    |   Nr (opt)    |
//   | Offset Size (opt) | Offset pad ... |
// PPP inside L2TP (RFC 2661 §3, RFC 1662 framing minus HDLC): optional FF 03
// address/control, then a 2-byte protocol or a 1-byte one when PFC applies
// (RFC 1661 §6.5: a protocol field's low byte is odd, its high byte even).
//
// Pure functions over byte spans; safe on any input (never read past `len`).
// Thread: any.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace lns::dp {

inline constexpr uint16_t kL2tpPort = 1701;

inline constexpr uint16_t kL2tpFlagT = 0x8000;
inline constexpr uint16_t kL2tpFlagL = 0x4000;
inline constexpr uint16_t kL2tpFlagS = 0x0800;
inline constexpr uint16_t kL2tpFlagO = 0x0200;
inline constexpr uint16_t kL2tpFlagP = 0x0100;
inline constexpr uint16_t kL2tpVerMask = 0x000f;
inline constexpr uint16_t kL2tpVersion2 = 2;

inline constexpr uint16_t kPppIpv4 = 0x0021;
inline constexpr uint16_t kPppIpv6 = 0x0057;
inline constexpr uint16_t kPppLcp = 0xc021;
inline constexpr uint16_t kPppPap = 0xc023;
inline constexpr uint16_t kPppChap = 0xc223;
inline constexpr uint16_t kPppIpcp = 0x8021;
inline constexpr uint16_t kPppIpv6cp = 0x8057;

enum class L2tpStatus : uint8_t {
    data,         // a data message, fields valid
    control,      // T=1: a control message (parsed no further here)
    truncated,    // header longer than the bytes given
    bad_version,  // Ver != 2
    bad_length,   // L set and Length disagrees with the bytes given
    bad_offset,   // Offset Size points past the end
};

struct L2tpHeader {
    uint16_t flags = 0;
    uint16_t tunnel_id = 0;
    uint16_t session_id = 0;
    uint16_t ns = 0;
    uint16_t nr = 0;
    uint16_t header_len = 0;  // bytes before the PPP frame, offset padding included
    uint16_t total_len = 0;   // message length (the bytes given)
};

inline uint16_t load_be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }
inline void store_be16(uint8_t *p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

// Parses the L2TP header at `p` (the UDP payload, `len` bytes).  A Length field,
// when present, is the total length of the message (RFC 2661 §3.1) and must equal
// `len`: a message that disagrees with its UDP datagram is malformed.
inline L2tpStatus parse_l2tp_header(const uint8_t *p, size_t len, L2tpHeader *h) {
    if (len < 2) return L2tpStatus::truncated;
    const uint16_t flags = load_be16(p);
    if ((flags & kL2tpVerMask) != kL2tpVersion2) return L2tpStatus::bad_version;
    if (flags & kL2tpFlagT) return L2tpStatus::control;
    h->flags = flags;
    size_t off = 2;
    if (flags & kL2tpFlagL) {
        if (len < off + 2) return L2tpStatus::truncated;
        if (load_be16(p + off) != len) return L2tpStatus::bad_length;
        off += 2;
    }
    if (len < off + 4) return L2tpStatus::truncated;
    h->tunnel_id = load_be16(p + off);
    h->session_id = load_be16(p + off + 2);
    off += 4;
    if (flags & kL2tpFlagS) {
        if (len < off + 4) return L2tpStatus::truncated;
        h->ns = load_be16(p + off);
        h->nr = load_be16(p + off + 2);
        off += 4;
    }
    if (flags & kL2tpFlagO) {
        if (len < off + 2) return L2tpStatus::truncated;
        const size_t pad = load_be16(p + off);
        off += 2;
        if (len < off + pad) return L2tpStatus::bad_offset;
        off += pad;
    }
    h->header_len = uint16_t(off);
    h->total_len = uint16_t(len);
    return L2tpStatus::data;
}

// Session framing as the LNS sends data messages downstream.
struct L2tpTxFraming {
    bool sequencing = false;
    bool length = false;
    uint8_t offset = 0;  // Offset Size (bytes of zero padding) when > 0
    bool acfc = false;
    bool pfc = false;
};

inline size_t l2tp_data_header_size(const L2tpTxFraming &f) {
    return 6 + (f.length ? 2 : 0) + (f.sequencing ? 4 : 0) + (f.offset ? 2 + f.offset : 0);
}

inline size_t ppp_header_size(const L2tpTxFraming &f, uint16_t protocol) {
    const bool one_byte = f.pfc && protocol < 0x100;
    return (f.acfc ? 0 : 2) + (one_byte ? 1 : 2);
}

// Writes the L2TP data header and the PPP header at `p`; `payload_len` is the
// length of what follows the PPP protocol field.  Returns bytes written, which
// is l2tp_data_header_size(f) + ppp_header_size(f, protocol).  Nr is always 0
// (RFC 2661 §3.1: Nr is ignored in data messages, "reserved" on send).
inline size_t write_l2tp_ppp_header(uint8_t *p, const L2tpTxFraming &f, uint16_t tunnel_id,
                                    uint16_t session_id, uint16_t ns, uint16_t protocol,
                                    size_t payload_len) {
    const size_t l2tp_len = l2tp_data_header_size(f);
    const size_t ppp_len = ppp_header_size(f, protocol);
    uint16_t flags = kL2tpVersion2;
    size_t off = 2;
    if (f.length) {
        flags |= kL2tpFlagL;
        store_be16(p + off, uint16_t(l2tp_len + ppp_len + payload_len));
        off += 2;
    }
    store_be16(p, flags | (f.sequencing ? kL2tpFlagS : 0) | (f.offset ? kL2tpFlagO : 0));
    store_be16(p + off, tunnel_id);
    store_be16(p + off + 2, session_id);
    off += 4;
    if (f.sequencing) {
        store_be16(p + off, ns);
        store_be16(p + off + 2, 0);
        off += 4;
    }
    if (f.offset) {
        store_be16(p + off, f.offset);
        std::memset(p + off + 2, 0, f.offset);
        off += 2 + f.offset;
    }
    if (!f.acfc) {
        p[off++] = 0xff;
        p[off++] = 0x03;
    }
    if (ppp_len - (f.acfc ? 0 : 2) == 1) {
        p[off++] = uint8_t(protocol);
    } else {
        store_be16(p + off, protocol);
        off += 2;
    }
    return off;
}

enum class PppStatus : uint8_t { ok, truncated, bad_protocol };

// Parses the PPP header at `p`: skips FF 03 when present, reads a 1- or 2-byte
// protocol (RFC 1661 §6.5).  `*header_len` gets the bytes to skip.
inline PppStatus parse_ppp_header(const uint8_t *p, size_t len, uint16_t *protocol,
                                  size_t *header_len) {
    size_t off = 0;
    if (len >= 2 && p[0] == 0xff && p[1] == 0x03) off = 2;
    if (len < off + 1) return PppStatus::truncated;
    if (p[off] & 1) {  // compressed: one byte, odd
        *protocol = p[off];
        *header_len = off + 1;
        return PppStatus::ok;
    }
    if (len < off + 2) return PppStatus::truncated;
    const uint16_t proto = load_be16(p + off);
    if (!(proto & 1)) return PppStatus::bad_protocol;
    *protocol = proto;
    *header_len = off + 2;
    return PppStatus::ok;
}

}  // namespace lns::dp
