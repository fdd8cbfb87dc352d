// ESP engine: IPsec-MB job plumbing, outer header parsing, one-packet calls.
// The inbound and outbound bursts are in esp_in.cpp and esp_out.cpp, their
// shared second pass in esp_burst.hpp.
//
// Notes for wrapping mbufs (the data plane): set EspBuf.data to the IPv4
// header (mtod + l2_len), len to the IP bytes, headroom to
// rte_pktmbuf_headroom() + l2_len, tailroom to rte_pktmbuf_tailroom().  After
// processing, the front moved by (old data - new data) bytes (prepend when
// positive, adj when negative) and the end by the change in data + len (append
// or trim).  The packet must be one segment (linearise chained mbufs first).
#include "crypto/esp.hpp"

#include "crypto/bytes.hpp"
#include "crypto/natt.hpp"

namespace lns::crypto {

EspResult esp_locate(const uint8_t *data, size_t len, EspLocation *loc) {
    if (len < 20) return EspResult::truncated;
    const uint32_t hl = (data[0] & 0x0f) * 4u;
    if ((data[0] >> 4) != 4 || hl < 20) return EspResult::bad_ip_header;
    if (len < hl) return EspResult::truncated;
    const uint32_t total = get16(data + 2);
    if (total < hl || total > len) return EspResult::bad_ip_header;
    if ((get16(data + 6) & 0x3fff) != 0) return EspResult::fragment;
    loc->ip_hl = hl;
    loc->ip_total = total;
    loc->udp_encap = false;
    uint32_t off = hl;
    if (data[9] == kIpProtoUdp) {
        if (total < hl + 8) return EspResult::truncated;
        const uint32_t ulen = get16(data + hl + 4);
        if (ulen != total - hl) return EspResult::bad_udp_header;
        switch (classify_natt(data + hl + 8, ulen - 8)) {
            case NattPayload::esp:
                break;
            case NattPayload::ike:
            case NattPayload::keepalive:
                return EspResult::natt_not_esp;
            case NattPayload::malformed:
                return EspResult::truncated;
        }
        off += 8;
        loc->udp_encap = true;
    } else if (data[9] != kIpProtoEsp) {
        return EspResult::bad_ip_header;
    }
    if (total < off + 8) return EspResult::truncated;
    loc->esp_off = off;
    loc->spi = get32(data + off);
    return EspResult::ok;
}

void EspEngine::complete_job(IMB_JOB *job) {
    auto *op = static_cast<EspOp *>(job->user_data);
    if (!op) return;
    op->result = job->status == IMB_STATUS_COMPLETED ? EspResult::ok : EspResult::crypto_error;
}

void EspEngine::drain_jobs() {
    IMB_JOB *job;
    while ((job = IMB_FLUSH_JOB(mgr_)) != nullptr) {
        complete_job(job);
        while ((job = IMB_GET_COMPLETED_JOB(mgr_)) != nullptr) complete_job(job);
    }
}

// One CBC(+HMAC) job for op; its result arrives through complete_job().  The
// ESP header, IV and ciphertext are hashed (RFC 4303 §2.8), with the high
// sequence bits appended when ESN is on (§2.2.1): the caller has written them
// just after the ciphertext, where the ICV goes.
void EspEngine::submit_cbc(EspOp &op, bool encrypt) {
    const Sa &sa = *op.sa;
    const SaConfig &cfg = sa.config();
    uint8_t *esp = op.buf.data + op.esp_off;
    const uint32_t hdr = 8u + sa.iv_len();
    IMB_JOB *job = IMB_GET_NEXT_JOB(mgr_);
    job->cipher_mode = cfg.cipher == EspCipher::des3_cbc ? IMB_CIPHER_DES3 : IMB_CIPHER_CBC;
    job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
    job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
    job->enc_keys = sa.cipher_enc_keys();
    job->dec_keys = sa.cipher_dec_keys();
    job->key_len_in_bytes = cfg.cipher_key_len;
    job->src = esp;
    job->dst = esp + hdr;
    job->cipher_start_src_offset_in_bytes = hdr;
    job->msg_len_to_cipher_in_bytes = op.ct_len;
    job->iv = esp + 8;
    job->iv_len_in_bytes = sa.iv_len();
    job->hash_start_src_offset_in_bytes = 0;
    if (cfg.integrity == EspIntegrity::none) {
        job->hash_alg = IMB_AUTH_NULL;
        job->msg_len_to_hash_in_bytes = 0;
        job->auth_tag_output = op.tag;
        job->auth_tag_output_len_in_bytes = 0;
    } else {
        job->hash_alg = imb_hash_alg(
            cfg.integrity == EspIntegrity::hmac_sha1_96 ? HmacHash::sha1 : HmacHash::sha256);
        job->msg_len_to_hash_in_bytes = hdr + op.ct_len + (cfg.esn ? 4u : 0u);
        job->u.HMAC._hashed_auth_key_xor_ipad = sa.hmac_key().ipad_state;
        job->u.HMAC._hashed_auth_key_xor_opad = sa.hmac_key().opad_state;
        job->auth_tag_output = op.tag;
        job->auth_tag_output_len_in_bytes = sa.icv_len();
    }
    job->user_data = &op;
    op.result = EspResult::crypto_error;  // until the job comes back completed
    job = IMB_SUBMIT_JOB(mgr_);
    while (job) {
        complete_job(job);
        job = IMB_GET_COMPLETED_JOB(mgr_);
    }
}

EspResult esp_decrypt(EspEngine &engine, Sa &sa, EspBuf &buf, uint8_t *next_header) {
    EspOp op;
    op.sa = &sa;
    op.buf = buf;
    engine.decrypt_burst(&op, 1);
    buf = op.buf;
    if (next_header) *next_header = op.next_header;
    return op.result;
}

EspResult esp_encrypt(EspEngine &engine, Sa &sa, EspBuf &buf) {
    EspOp op;
    op.sa = &sa;
    op.buf = buf;
    engine.encrypt_burst(&op, 1);
    buf = op.buf;
    return op.result;
}

}  // namespace lns::crypto
