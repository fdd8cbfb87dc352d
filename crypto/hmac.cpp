#include "crypto/hmac.hpp"

#include <cstring>

namespace lns::crypto {

void hmac_prepare(IMB_MGR *mgr, HmacHash hash, const uint8_t *key, size_t key_len, HmacKey *out) {
    alignas(16) uint8_t k[kHmacBlockLen] = {};
    if (key_len > kHmacBlockLen) {
        if (hash == HmacHash::sha1)
            IMB_SHA1(mgr, key, key_len, k);
        else
            IMB_SHA256(mgr, key, key_len, k);
    } else if (key_len > 0) {
        std::memcpy(k, key, key_len);
    }
    alignas(16) uint8_t block[kHmacBlockLen];
    for (size_t i = 0; i < kHmacBlockLen; i++) block[i] = k[i] ^ 0x36;
    if (hash == HmacHash::sha1)
        IMB_SHA1_ONE_BLOCK(mgr, block, out->ipad_state);
    else
        IMB_SHA256_ONE_BLOCK(mgr, block, out->ipad_state);
    for (size_t i = 0; i < kHmacBlockLen; i++) block[i] = k[i] ^ 0x5c;
    if (hash == HmacHash::sha1)
        IMB_SHA1_ONE_BLOCK(mgr, block, out->opad_state);
    else
        IMB_SHA256_ONE_BLOCK(mgr, block, out->opad_state);
    std::memset(k, 0, sizeof k);
    std::memset(block, 0, sizeof block);
}

bool hmac_compute(IMB_MGR *mgr, HmacHash hash, const HmacKey &key, const uint8_t *data, size_t len,
                  uint8_t *tag, size_t tag_len) {
    IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
    job->cipher_mode = IMB_CIPHER_NULL;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_HASH_CIPHER;
    job->src = data;
    job->dst = nullptr;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = 0;
    job->iv = nullptr;
    job->iv_len_in_bytes = 0;
    job->hash_alg = imb_hash_alg(hash);
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = len;
    job->u.HMAC._hashed_auth_key_xor_ipad = key.ipad_state;
    job->u.HMAC._hashed_auth_key_xor_opad = key.opad_state;
    job->auth_tag_output = tag;
    job->auth_tag_output_len_in_bytes = tag_len;
    job->user_data = nullptr;
    IMB_JOB *done = IMB_SUBMIT_JOB(mgr);
    bool ok = true;
    size_t seen = 0;
    while (done || (done = IMB_FLUSH_JOB(mgr))) {
        ok = ok && done->status == IMB_STATUS_COMPLETED;
        seen++;
        done = IMB_GET_COMPLETED_JOB(mgr);
    }
    return ok && seen == 1;
}

}  // namespace lns::crypto
