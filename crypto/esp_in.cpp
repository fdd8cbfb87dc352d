// ESP inbound (RFC 4303 §3.4): parse, lifetime and replay pre-check, decrypt
// and verify, replay window update, padding check, decapsulation.
#include <cstring>

#include "crypto/bytes.hpp"
#include "crypto/esp.hpp"
#include "crypto/esp_burst.hpp"
#include "crypto/esp_gcm.hpp"

namespace lns::crypto {

namespace {

bool icv_equal(const uint8_t *a, const uint8_t *b, size_t n) {
    uint64_t diff = 0;  // constant time: no early exit on the first difference
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    for (; i < n; i++) diff |= uint64_t(a[i] ^ b[i]);
    return diff == 0;
}

EspResult replay_result(ReplayVerdict v) {
    switch (v) {
        case ReplayVerdict::ok:
            return EspResult::ok;
        case ReplayVerdict::too_old:
            return EspResult::replay_too_old;
        case ReplayVerdict::duplicate:
            return EspResult::replay_duplicate;
    }
    return EspResult::replay_too_old;
}

// RFC 3948 §3.1.2: after transport-mode decapsulation of UDP-encapsulated
// ESP, the inner TCP/UDP checksum covers the addresses the peer used before
// its NAT.  With NAT-OA known, update it incrementally; without, a UDP
// checksum is zeroed (allowed for IPv4) and a TCP checksum recomputed.
void fix_transport_checksum(const SaConfig &cfg, const uint8_t *ip, uint8_t *l4, uint32_t len,
                            uint8_t proto) {
    uint8_t *field;
    if (proto == kIpProtoUdp && len >= 8)
        field = l4 + 6;
    else if (proto == kIpProtoTcp && len >= 20)
        field = l4 + 16;
    else
        return;
    if (proto == kIpProtoUdp && get16(field) == 0) return;  // sender sent none
    const uint32_t src = get32(ip + 12), dst = get32(ip + 16);
    if (cfg.natt_orig_src != 0 && cfg.natt_orig_dst != 0) {
        csum_replace32(field, cfg.natt_orig_src, src);
        csum_replace32(field, cfg.natt_orig_dst, dst);
        if (proto == kIpProtoUdp && get16(field) == 0) put16(field, 0xffff);
    } else if (proto == kIpProtoUdp) {
        put16(field, 0);
    } else {
        put16(field, 0);
        put16(field, l4_checksum(src, dst, proto, l4, len));
    }
}

// Moves the outer IPv4 header up to the payload, dropping UDP and ESP headers.
void decap_transport(EspOp &op, uint8_t *payload, uint32_t payload_len, uint8_t nh) {
    uint8_t *ip = op.buf.data;
    const uint32_t hl = op.ip_hl;
    uint8_t *nip = payload - hl;
    std::memmove(nip, ip, hl);
    nip[9] = nh;
    put16(nip + 2, uint16_t(hl + payload_len));
    ipv4_set_checksum(nip, hl);
    if (op.udp_encap) fix_transport_checksum(op.sa->config(), nip, payload, payload_len, nh);
    const uint32_t new_len = hl + payload_len;
    op.buf.headroom += uint32_t(nip - ip);
    op.buf.tailroom += uint32_t((ip + op.buf.len) - (nip + new_len));
    op.buf.data = nip;
    op.buf.len = new_len;
}

}  // namespace

void EspEngine::prepare_in(EspOp &op) {
    op.next_header = 0;
    op.seq = 0;
    Sa *sa = op.sa;
    if (!sa) {
        op.result = EspResult::spi_mismatch;
        return;
    }
    if (sa->config().direction != SaDirection::inbound) {
        op.result = EspResult::wrong_direction;
        return;
    }
    EspLocation loc;
    if (op.located.ip_hl != 0) {  // the caller's classifier parsed the headers
        loc.ip_hl = op.located.ip_hl;
        loc.ip_total = op.buf.len;
        loc.esp_off = op.located.esp_off;
        loc.udp_encap = op.located.udp_encap;
        loc.spi = get32(op.buf.data + loc.esp_off);
    } else {
        op.result = esp_locate(op.buf.data, op.buf.len, &loc);
        if (op.result != EspResult::ok) return;
    }
    if (loc.spi != sa->spi()) {
        op.result = EspResult::spi_mismatch;
        return;
    }
    const uint32_t hdr = 8u + sa->iv_len(), icv = sa->icv_len();
    const uint32_t esp_len = loc.ip_total - loc.esp_off;
    if (esp_len < hdr + icv + 2) {
        op.result = EspResult::truncated;
        return;
    }
    op.ct_len = esp_len - hdr - icv;
    if (!sa->is_gcm() && (op.ct_len & (sa->block_len() - 1u)) != 0) {  // block_len: 8 or 16
        op.result = EspResult::bad_block_length;
        return;
    }
    if (sa->hard_expired()) {
        op.result = EspResult::hard_expired;
        return;
    }
    uint8_t *esp = op.buf.data + loc.esp_off;
    op.seq = sa->window().infer(get32(esp + 4));
    op.result = replay_result(sa->window().check(op.seq));
    if (op.result != EspResult::ok) return;

    op.buf.tailroom += op.buf.len - loc.ip_total;  // link-layer padding is not ours
    op.buf.len = loc.ip_total;
    op.ip_hl = loc.ip_hl;
    op.esp_off = loc.esp_off;
    op.udp_encap = loc.udp_encap;
    if (sa->is_gcm()) {
        detail::esp_gcm(mgr_, *sa, esp, op.ct_len, op.seq, false, op.tag);
        return;
    }
    if (sa->config().esn && icv) {
        uint8_t *icv_at = esp + hdr + op.ct_len;
        std::memcpy(op.icv_rx, icv_at, icv);
        put32(icv_at, uint32_t(op.seq >> 32));  // hashed after the ciphertext
    }
    submit_cbc(op, false);
}

uint32_t EspEngine::finish_in(EspOp &op, Sa::Tally t) {
    if (op.result != EspResult::ok) return 0;
    Sa &sa = *op.sa;
    uint8_t *ct = op.buf.data + op.esp_off + 8 + sa.iv_len();
    const uint32_t icv = sa.icv_len();
    if (icv) {
        const uint8_t *rx = (sa.config().esn && !sa.is_gcm()) ? op.icv_rx : ct + op.ct_len;
        if (!icv_equal(rx, op.tag, icv)) {
            op.result = EspResult::icv_mismatch;
            return 0;
        }
    }
    // Checked again here: earlier packets of the same burst may have reached the
    // hard limit after this one passed the check in prepare_in.
    if (sa.hard_expired(t)) {
        op.result = EspResult::hard_expired;
        return 0;
    }
    op.result = replay_result(sa.window().update(op.seq));
    if (op.result != EspResult::ok) return 0;

    // RFC 4303 §2.4: Pad Length, Next Header, and padding 1, 2, 3, ...
    const uint32_t pad = ct[op.ct_len - 2];
    const uint8_t nh = ct[op.ct_len - 1];
    op.next_header = nh;
    if (pad + 2 > op.ct_len) {
        op.result = EspResult::bad_padding;
        return 0;
    }
    const uint32_t payload_len = op.ct_len - 2 - pad;
    for (uint32_t i = 0; i < pad; i++) {
        if (ct[payload_len + i] != uint8_t(i + 1)) {
            op.result = EspResult::bad_padding;
            return 0;
        }
    }
    if (nh == kIpProtoNone) {
        op.result = EspResult::dummy_packet;
        return 0;
    }
    if (sa.config().mode == SaMode::tunnel) {
        if (nh != kIpProtoIpv4 && nh != kIpProtoIpv6) {
            op.result = EspResult::bad_next_header;
            return 0;
        }
        op.buf.headroom += uint32_t(ct - op.buf.data);
        op.buf.tailroom += op.buf.len - uint32_t(ct - op.buf.data) - payload_len;
        op.buf.data = ct;
        op.buf.len = payload_len;
    } else {
        decap_transport(op, ct, payload_len, nh);
    }
    return payload_len;
}

size_t EspEngine::decrypt_burst(EspOp *ops, size_t n) {
    for (size_t i = 0; i < n; i++) prepare_in(ops[i]);
    drain_jobs();
    return detail::finish_burst(ops, n,
                                [this](EspOp &op, Sa::Tally t) { return finish_in(op, t); });
}

}  // namespace lns::crypto
