// HMAC (RFC 2104) key preparation for IPsec-MB's job API: the inner and outer
// hash states after one block of key^ipad and key^opad, computed once when an
// SA is made, so each packet costs only its own blocks.  HMAC-SHA1-96
// (RFC 2404) and HMAC-SHA-256-128 (RFC 4868) are these with the tag truncated.
// Thread: any, with a manager the caller owns.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/imb.hpp"

namespace lns::crypto {

enum class HmacHash : uint8_t { sha1, sha256 };

constexpr size_t kHmacBlockLen = 64;  // SHA-1 and SHA-256 block size
constexpr size_t hmac_digest_len(HmacHash h) {
    return h == HmacHash::sha1 ? 20 : 32;
}

struct HmacKey {
    alignas(16) uint8_t ipad_state[32];
    alignas(16) uint8_t opad_state[32];
};

// Fills *out from a key of any length (longer than a block: hashed first, as
// RFC 2104 says).  Not for the hot path.
void hmac_prepare(IMB_MGR *mgr, HmacHash hash, const uint8_t *key, size_t key_len, HmacKey *out);

// One HMAC over data through the job API, tag truncated to tag_len (SHA-1: 12
// or 20, SHA-256: 16 or 32).  For known-answer tests and tools, not the data
// path (which chains HMAC with the cipher in one job).  Returns false when
// IPsec-MB rejects the job.
bool hmac_compute(IMB_MGR *mgr, HmacHash hash, const HmacKey &key, const uint8_t *data, size_t len,
                  uint8_t *tag, size_t tag_len);

inline IMB_HASH_ALG imb_hash_alg(HmacHash h) {
    return h == HmacHash::sha1 ? IMB_AUTH_HMAC_SHA_1 : IMB_AUTH_HMAC_SHA_256;
}

}  // namespace lns::crypto
