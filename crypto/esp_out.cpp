// ESP outbound (RFC 4303 §3.3): sequence number, encapsulation (transport or
// tunnel, optionally in UDP per RFC 3948 §3.1), padding, encryption and ICV.
#include <cstring>

#include "crypto/bytes.hpp"
#include "crypto/esp.hpp"
#include "crypto/esp_burst.hpp"
#include "crypto/esp_gcm.hpp"

namespace lns::crypto {

namespace {

// Checks the packet to protect; on success its length is the IPv4 total length.
EspResult check_inner(EspBuf &buf, uint32_t *hl) {
    if (buf.len < 20) return EspResult::bad_inner_packet;
    const uint8_t *ip = buf.data;
    *hl = (ip[0] & 0x0f) * 4u;
    const uint32_t total = get16(ip + 2);
    if ((ip[0] >> 4) != 4 || *hl < 20 || total < *hl || total > buf.len)
        return EspResult::bad_inner_packet;
    buf.tailroom += buf.len - total;
    buf.len = total;
    return EspResult::ok;
}

bool seq_exhausted(const Sa &sa) {
    // RFC 4303 §3.3.3: the counter must not cycle; 2^32 - 1 (or 2^64 - 1 with
    // ESN) is the last one sent, then the SA needs replacing.
    return sa.config().esn ? sa.last_seq() == UINT64_MAX : sa.last_seq() >= UINT32_MAX;
}

// The outer header of tunnel mode, checksum included.  The checksum is summed
// from the field values rather than read back from the buffer: reading 20
// bytes just written with narrow stores stalls on store forwarding (about 20
// cycles a packet, issue 5 item 13).
// All in 32-bit arithmetic, written as two 8-byte words and one 4-byte word:
// 16-bit temporaries made gcc spill and reload them wider, another
// store-forwarding stall (about 13 cycles a packet).
void write_tunnel_header(uint8_t *ip, const uint8_t *inner, const SaConfig &cfg, uint64_t seq,
                         uint8_t proto, uint16_t total) {
    const uint32_t w0 = 0x4500u | inner[1];  // DSCP and ECN copied (RFC 4301 §5.1.2.1, RFC 6040)
    const uint32_t id = uint32_t(seq) & 0xffffu;
    const uint32_t frag = uint32_t(inner[6] & 0x40) << 8;  // DF copied, never a fragment
    const uint32_t w4 = uint32_t(kOuterTtl) << 8 | proto;
    const uint32_t src = cfg.tunnel_src, dst = cfg.tunnel_dst;
    const uint32_t sum =
        w0 + total + id + frag + w4 + (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
    const uint32_t csum = csum_fold(sum);
    put64(ip, uint64_t(w0) << 48 | uint64_t(total) << 32 | uint64_t(id) << 16 | frag);
    put64(ip + 8, uint64_t(w4) << 48 | uint64_t(csum) << 32 | src);
    put32(ip + 16, dst);
}

}  // namespace

void EspEngine::prepare_out(EspOp &op) {
    Sa *sa = op.sa;
    if (!sa) {
        op.result = EspResult::spi_mismatch;
        return;
    }
    const SaConfig &cfg = sa->config();
    if (cfg.direction != SaDirection::outbound) {
        op.result = EspResult::wrong_direction;
        return;
    }
    if (sa->hard_expired()) {
        op.result = EspResult::hard_expired;
        return;
    }
    if (seq_exhausted(*sa)) {
        op.result = EspResult::seq_overflow;
        return;
    }
    uint32_t hl = 0;
    op.result = check_inner(op.buf, &hl);
    if (op.result != EspResult::ok) return;

    const bool tunnel = cfg.mode == SaMode::tunnel;
    const uint8_t nh = tunnel ? kIpProtoIpv4 : op.buf.data[9];
    const uint32_t plen = tunnel ? op.buf.len : op.buf.len - hl;
    const uint32_t blk = sa->block_len();  // 4, 8 or 16: a power of two
    const uint32_t ct_len = (plen + 2 + blk - 1) & ~(blk - 1);
    const uint32_t pad = ct_len - plen - 2;
    const uint32_t encap = (cfg.natt ? 8u : 0u) + 8u + sa->iv_len();
    const uint32_t ohl = tunnel ? 20u : hl;
    const uint32_t front = tunnel ? 20u + encap : encap;
    const uint32_t tail = pad + 2 + sa->icv_len();
    const uint32_t total = ohl + encap + ct_len + sa->icv_len();
    if (op.buf.headroom < front || op.buf.tailroom < tail || total > 0xffff) {
        op.result = EspResult::no_room;
        return;
    }
    const uint64_t seq = sa->last_seq() + 1;
    sa->set_last_seq(seq);
    op.seq = seq;

    uint8_t *ip = op.buf.data - front;
    const uint8_t proto = cfg.natt ? kIpProtoUdp : kIpProtoEsp;
    if (tunnel) {
        write_tunnel_header(ip, op.buf.data, cfg, seq, proto, uint16_t(total));
    } else {
        std::memmove(ip, op.buf.data, hl);
        ip[9] = proto;
        put16(ip + 2, uint16_t(total));
        ipv4_set_checksum(ip, ohl);
    }
    uint32_t off = ohl;
    if (cfg.natt) {  // RFC 3948 §2.1; checksum zero (§3.1.1)
        put64(ip + off, uint64_t(cfg.natt_local_port) << 48 | uint64_t(cfg.natt_peer_port) << 32 |
                            uint64_t(uint16_t(total - ohl)) << 16);
        off += 8;
    }
    uint8_t *esp = ip + off;
    put64(esp, uint64_t(cfg.spi) << 32 | uint32_t(seq));  // SPI, sequence number
    if (sa->is_gcm())
        put64(esp + 8, seq);  // unique per packet under one key (RFC 4106 §3.1)
    else
        iv_->fill(esp + 8, sa->iv_len());
    uint8_t *ct = esp + 8 + sa->iv_len();
    for (uint32_t i = 0; i < pad; i++) ct[plen + i] = uint8_t(i + 1);
    ct[plen + pad] = uint8_t(pad);
    ct[plen + pad + 1] = nh;

    op.buf.headroom -= front;
    op.buf.tailroom -= tail;
    op.buf.data = ip;
    op.buf.len = total;
    op.esp_off = off;
    op.ct_len = ct_len;
    op.plen = plen;
    if (sa->is_gcm()) {
        detail::esp_gcm(mgr_, *sa, esp, ct_len, seq, true, ct + ct_len);
        return;
    }
    if (cfg.esn && sa->icv_len()) put32(ct + ct_len, uint32_t(seq >> 32));
    submit_cbc(op, true);
}

uint32_t EspEngine::finish_out(EspOp &op, Sa::Tally t) {
    if (op.result != EspResult::ok) return 0;
    Sa &sa = *op.sa;
    if (!sa.is_gcm() && sa.icv_len()) {
        uint8_t *icv = op.buf.data + op.esp_off + 8 + sa.iv_len() + op.ct_len;
        std::memcpy(icv, op.tag, sa.icv_len());
    }
    if (sa.hard_expired(t)) {  // reached by earlier packets of this burst
        op.result = EspResult::hard_expired;
        return 0;
    }
    return op.plen;
}

size_t EspEngine::encrypt_burst(EspOp *ops, size_t n) {
    for (size_t i = 0; i < n; i++) prepare_out(ops[i]);
    drain_jobs();
    return detail::finish_burst(ops, n,
                                [this](EspOp &op, Sa::Tally t) { return finish_out(op, t); });
}

}  // namespace lns::crypto
