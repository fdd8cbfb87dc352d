// The fixed test SA of the ESP benchmarks (bench_esp_crypto, ref_esp_fwd):
// one key for every algorithm, expanded with IPsec-MB as the control core
// expands an SA's keys (GCM key data; AES key schedule and HMAC-SHA1 inner and
// outer pads for CBC).  Timing does not depend on the key.
#pragma once

#include <cstdint>
#include <cstring>

#include "crypto/imb.hpp"

namespace lns::perf {

enum class EspBenchAlg { gcm128, gcm256, cbc128_sha1 };

struct EspBenchKeys {
    alignas(64) gcm_key_data gcm;
    alignas(16) uint32_t enc[15 * 4];
    alignas(16) uint32_t dec[15 * 4];
    alignas(16) uint8_t ipad[32];
    alignas(16) uint8_t opad[32];
    uint8_t salt[4] = {0xca, 0xfe, 0xba, 0xbe};

    void expand(IMB_MGR *m, EspBenchAlg alg) {
        uint8_t key[32];
        for (int i = 0; i < 32; i++) key[i] = uint8_t(0x11 * i + 3);
        if (alg == EspBenchAlg::gcm128) IMB_AES128_GCM_PRE(m, key, &gcm);
        if (alg == EspBenchAlg::gcm256) IMB_AES256_GCM_PRE(m, key, &gcm);
        if (alg == EspBenchAlg::cbc128_sha1) {
            IMB_AES_KEYEXP_128(m, key, enc, dec);
            uint8_t block[64], k[64] = {};
            std::memcpy(k, key, 20);
            for (int i = 0; i < 64; i++) block[i] = k[i] ^ 0x36;
            IMB_SHA1_ONE_BLOCK(m, block, ipad);
            for (int i = 0; i < 64; i++) block[i] = k[i] ^ 0x5c;
            IMB_SHA1_ONE_BLOCK(m, block, opad);
        }
    }
};

}  // namespace lns::perf
