// AES-GCM for ESP (RFC 4106) through IPsec-MB's direct API: nonce = salt ||
// the packet's 8-byte IV (§4), AAD = SPI || sequence number, with the high 32
// bits in between when ESN is on (§5).  Internal to the ESP engine.
// Thread: the worker owning mgr.
#pragma once

#include <cstdint>
#include <cstring>

#include "crypto/bytes.hpp"
#include "crypto/imb.hpp"
#include "crypto/sa.hpp"

namespace lns::crypto::detail {

// esp: the ESP header (SPI, sequence number, IV) followed by ct_len bytes to
// en/decrypt in place.  The tag (16 bytes) goes to tag.
inline void esp_gcm(IMB_MGR *mgr, const Sa &sa, uint8_t *esp, uint32_t ct_len, uint64_t seq,
                    bool encrypt, uint8_t *tag) {
    alignas(16) uint8_t nonce[12];
    std::memcpy(nonce, sa.config().salt, 4);
    std::memcpy(nonce + 4, esp + 8, 8);
    alignas(16) uint8_t aad[12];
    std::memcpy(aad, esp, 4);
    uint64_t aad_len = 8;
    if (sa.config().esn) {
        put32(aad + 4, uint32_t(seq >> 32));
        std::memcpy(aad + 8, esp + 4, 4);
        aad_len = 12;
    } else {
        std::memcpy(aad + 4, esp + 4, 4);
    }
    uint8_t *ct = esp + 16;
    gcm_context_data ctx;
    const gcm_key_data *key = &sa.gcm_key();
    const bool k256 = sa.config().cipher == EspCipher::aes_gcm_256;
    if (encrypt) {
        if (k256)
            IMB_AES256_GCM_ENC(mgr, key, &ctx, ct, ct, ct_len, nonce, aad, aad_len, tag, 16);
        else
            IMB_AES128_GCM_ENC(mgr, key, &ctx, ct, ct, ct_len, nonce, aad, aad_len, tag, 16);
    } else {
        if (k256)
            IMB_AES256_GCM_DEC(mgr, key, &ctx, ct, ct, ct_len, nonce, aad, aad_len, tag, 16);
        else
            IMB_AES128_GCM_DEC(mgr, key, &ctx, ct, ct, ct_len, nonce, aad, aad_len, tag, 16);
    }
}

}  // namespace lns::crypto::detail
