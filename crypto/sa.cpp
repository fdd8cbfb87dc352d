#include "crypto/sa.hpp"

#include <cstring>

namespace lns::crypto {

const char *sa_error_name(SaError e) {
    switch (e) {
        case SaError::ok:
            return "ok";
        case SaError::no_manager:
            return "no IPsec-MB manager";
        case SaError::bad_cipher_key_length:
            return "cipher key length wrong for the algorithm";
        case SaError::bad_auth_key_length:
            return "integrity key length wrong for the algorithm";
        case SaError::bad_algorithm_combination:
            return "integrity algorithm does not go with the cipher";
        case SaError::bad_replay_window:
            return "replay window must be 0 or 64..4096";
        case SaError::bad_tunnel_addresses:
            return "tunnel mode needs outer addresses";
    }
    return "unknown";
}

namespace {

uint8_t expected_key_len(EspCipher c) {
    switch (c) {
        case EspCipher::aes_gcm_128:
        case EspCipher::aes_cbc_128:
            return 16;
        case EspCipher::aes_gcm_256:
        case EspCipher::aes_cbc_256:
            return 32;
        case EspCipher::des3_cbc:
            return 24;
    }
    return 0;
}

bool is_gcm_cipher(EspCipher c) {
    return c == EspCipher::aes_gcm_128 || c == EspCipher::aes_gcm_256;
}

SaError validate(const SaConfig &c) {
    if (c.cipher_key_len != expected_key_len(c.cipher)) return SaError::bad_cipher_key_length;
    if (is_gcm_cipher(c.cipher) && c.integrity != EspIntegrity::none)
        return SaError::bad_algorithm_combination;
    if (c.integrity == EspIntegrity::none) {
        if (c.auth_key_len != 0) return SaError::bad_auth_key_length;
    } else {
        // RFC 2404 and RFC 4868: the key is the hash's output size.
        size_t want = c.integrity == EspIntegrity::hmac_sha1_96 ? 20 : 32;
        if (c.auth_key_len != want) return SaError::bad_auth_key_length;
    }
    if (c.replay_window != 0 &&
        (c.replay_window < ReplayWindow::kMinBits || c.replay_window > ReplayWindow::kMaxBits))
        return SaError::bad_replay_window;
    if (c.mode == SaMode::tunnel && (c.tunnel_src == 0 || c.tunnel_dst == 0))
        return SaError::bad_tunnel_addresses;
    return SaError::ok;
}

}  // namespace

SaError Sa::init(const SaConfig &cfg, IMB_MGR *mgr) {
    if (!mgr) return SaError::no_manager;
    SaError e = validate(cfg);
    if (e != SaError::ok) return e;
    cfg_ = cfg;
    gcm_ = is_gcm_cipher(cfg.cipher);
    if (gcm_) {
        iv_len_ = 8;
        icv_len_ = 16;
        block_len_ = 4;  // RFC 4303 §2.4: the trailer ends on a 4-byte boundary
    } else {
        iv_len_ = block_len_ = cfg.cipher == EspCipher::des3_cbc ? 8 : 16;
        icv_len_ = cfg.integrity == EspIntegrity::none           ? 0
                   : cfg.integrity == EspIntegrity::hmac_sha1_96 ? 12
                                                                 : 16;
    }
    out_seq_ = 0;
    window_.configure(cfg.replay_window, cfg.esn);
    counters_ = SaCounters{};
    return expand_keys(mgr);
}

SaError Sa::expand_keys(IMB_MGR *mgr) {
    std::memset(&gcm_key_, 0, sizeof gcm_key_);
    des_ptrs_[0] = des_ptrs_[1] = des_ptrs_[2] = nullptr;
    switch (cfg_.cipher) {
        case EspCipher::aes_gcm_128:
            IMB_AES128_GCM_PRE(mgr, cfg_.cipher_key, &gcm_key_);
            break;
        case EspCipher::aes_gcm_256:
            IMB_AES256_GCM_PRE(mgr, cfg_.cipher_key, &gcm_key_);
            break;
        case EspCipher::aes_cbc_128:
            IMB_AES_KEYEXP_128(mgr, cfg_.cipher_key, aes_enc_, aes_dec_);
            break;
        case EspCipher::aes_cbc_256:
            IMB_AES_KEYEXP_256(mgr, cfg_.cipher_key, aes_enc_, aes_dec_);
            break;
        case EspCipher::des3_cbc:
            for (int i = 0; i < 3; i++) {
                if (IMB_DES_KEYSCHED(mgr, des_ks_[i], cfg_.cipher_key + 8 * i) != 0)
                    return SaError::bad_cipher_key_length;
                des_ptrs_[i] = des_ks_[i];
            }
            break;
    }
    if (cfg_.integrity != EspIntegrity::none) {
        HmacHash h =
            cfg_.integrity == EspIntegrity::hmac_sha1_96 ? HmacHash::sha1 : HmacHash::sha256;
        hmac_prepare(mgr, h, cfg_.auth_key, cfg_.auth_key_len, &hmac_);
    }
    return SaError::ok;
}

}  // namespace lns::crypto
