// esp_in: inbound ESP (RFC 4303 §3.4), transport, tunnel and UDP-encapsulated
// (RFC 3948), before L2TP decapsulation in the same pass.
#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_ring.h>

#include <cstring>

#include "dataplane/esp_stage.hpp"
#include "dataplane/path.hpp"
#include "dataplane/pkt/ip.hpp"

namespace lns::dp {

using crypto::EspResult;

Drop esp_drop_reason(EspResult r) {
    switch (r) {
        case EspResult::ok:
        case EspResult::truncated:
            return Drop::esp_truncated;
        case EspResult::bad_ip_header:
        case EspResult::fragment:
        case EspResult::bad_udp_header:
        case EspResult::spi_mismatch:
        case EspResult::wrong_direction:
            return Drop::esp_bad_header;
        case EspResult::natt_not_esp:
            return Drop::natt_malformed;
        case EspResult::hard_expired:
            return Drop::sa_hard_expired;
        case EspResult::replay_too_old:
        case EspResult::replay_duplicate:
            return Drop::esp_replayed;
        case EspResult::bad_block_length:
            return Drop::esp_bad_block_length;
        case EspResult::crypto_error:
            return Drop::esp_crypto_error;
        case EspResult::icv_mismatch:
            return Drop::esp_icv_mismatch;
        case EspResult::bad_padding:
            return Drop::esp_bad_padding;
        case EspResult::dummy_packet:
            return Drop::esp_dummy_packet;
        case EspResult::bad_next_header:
            return Drop::esp_bad_next_header;
        case EspResult::seq_overflow:
            return Drop::esp_seq_overflow;
        case EspResult::no_room:
            return Drop::esp_no_room;
        case EspResult::bad_inner_packet:
            return Drop::esp_bad_inner;
    }
    return Drop::esp_bad_header;
}

namespace {

// Hands an ESP frame to the owner worker of its SA.
void hand_off(WorkerCtx *ctx, rte_mbuf *m, uint16_t pi, unsigned owner) {
    MbufMeta *md = meta(m);
    md->kind = uint8_t(InboxKind::esp_in);
    md->in_port = pi;
    md->index = kInvalidIndex;
    if (rte_ring_mp_enqueue(ctx->inboxes[owner], m) != 0)
        return drop(ctx, m, Drop::handoff_ring_full);
    ctx->c.handoffs++;
}

// The outer source (and NAT-T source port) must be the SA's peer's: clients
// behind one NAT share the address and differ by SPI and port.
bool from_peer(const DpSa &sa, const EspIn &e) {
    if (e.src_be != sa.peer_be || e.natt != sa.natt) return false;
    return !e.natt || e.sport_be == sa.natt_peer_port_be;
}

}  // namespace

unsigned decrypt_esp_burst(WorkerCtx *ctx, uint16_t pi, const EspIn *in, unsigned n, rte_mbuf **out,
                           uint16_t *out_sa) {
    SaKey keys[kMaxBurst];
    const void *kp[kMaxBurst];
    void *data[kMaxBurst];
    uint8_t key_of[kMaxBurst];  // packet -> its entry in keys[]
    const uint32_t local_be = ctx->ports[pi].ipv4_be;
    // A LAC link is one SA carrying whole bursts: look up the first packet of
    // each run of one SPI only (all arrived on port pi: one local address).
    // (The current key in a register: reading key_of[i - 1] back made every
    // packet wait on the previous one's store.)
    unsigned nk = 0;
    uint8_t cur = 0;
    for (unsigned i = 0; i < n; i++) {
        if (i == 0 || in[i].spi != in[i - 1].spi) {
            keys[nk] = SaKey{in[i].spi, local_be};
            kp[nk] = &keys[nk];
            cur = uint8_t(nk++);
        }
        key_of[i] = cur;
    }
    uint64_t hits = 0;
    rte_hash_lookup_bulk_data(ctx->sa_hash, kp, nk, &hits, data);
    OpSlots slots;
    crypto::EspOp *ops = slots.ops;
    uint16_t sa_of[kMaxBurst];
    rte_mbuf *ms[kMaxBurst];
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        rte_mbuf *m = in[i].m;
        if (!(hits >> key_of[i] & 1)) {
            drop(ctx, m, Drop::esp_unknown_spi);
            continue;
        }
        const uint16_t si = uint16_t(uintptr_t(data[key_of[i]]));
        DpSa &sa = ctx->sas[si];
        if (sa.owner_worker != ctx->index) {
            hand_off(ctx, m, pi, sa.owner_worker);
            continue;
        }
        if (!from_peer(sa, in[i])) {
            sa.policy_drops[size_t(SaPolicyDrop::peer_mismatch)]++;
            drop(ctx, m, Drop::esp_peer_mismatch);
            continue;
        }
        crypto::EspOp &op = ops[k];
        op.sa = &sa.sa;
        op.result = EspResult::ok;
        op.buf.data = rte_pktmbuf_mtod(m, uint8_t *) + kEtherHdrLen;
        op.buf.len = rte_pktmbuf_data_len(m) - kEtherHdrLen;
        op.buf.headroom = rte_pktmbuf_headroom(m) + kEtherHdrLen;
        op.buf.tailroom = rte_pktmbuf_tailroom(m);
        if (in[i].fast_total) {  // headers parsed by classify_esp_fast
            op.buf.tailroom += op.buf.len - in[i].fast_total;
            op.buf.len = in[i].fast_total;
            op.located = {20, 20 + kUdpHdrLen, true};
        } else {
            op.located = {};
        }
        sa_of[k] = si;
        ms[k++] = m;
    }
    if (k == 0) return 0;
    ctx->esp->decrypt_burst(ops, k);
    unsigned nout = 0;
    for (unsigned j = 0; j < k; j++) {
        rte_mbuf *m = ms[j];
        const crypto::EspOp &op = ops[j];
        if (op.result != EspResult::ok) {  // counted on the SA by the engine
            drop(ctx, m, esp_drop_reason(op.result));
            continue;
        }
        // The IP packet now starts at op.buf.data: put the frame's Ethernet header
        // in front of it, inside the same buffer (the control core learns the
        // LAC's MAC from punted frames).  The addresses are still where the frame
        // began: decryption only moves data toward the end (by at least the UDP
        // and ESP headers, more than the 12 bytes copied).
        uint8_t *eth = op.buf.data - kEtherHdrLen;
        std::memcpy(eth, rte_pktmbuf_mtod(m, const uint8_t *), 12);
        m->data_off = uint16_t(eth - static_cast<uint8_t *>(m->buf_addr));
        m->data_len = uint16_t(op.buf.len + kEtherHdrLen);
        m->pkt_len = m->data_len;
        // Tunnel mode may carry IPv6 (next header 41): classified as such (LAC
        // links are IPv4: dropped as ipv6_on_access).
        store_be16(eth + 12, (op.buf.data[0] >> 4) == 6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
        ctx->c.esp_decrypted++;
        out_sa[nout] = sa_of[j];
        out[nout++] = m;
    }
    return nout;
}

}  // namespace lns::dp
