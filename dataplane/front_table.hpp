// A direct-mapped front for an rte_hash: one 64-byte bucket per lookup, eight
// (key, index) slots in it, compared with two SSE2 instructions.
//
// The rte_hash behind it stays the authority (the control core's view, and the
// workers' fallback): a key whose bucket is full lives only in the rte_hash, and
// a front miss is confirmed there.  The front exists because the bulk lookup of
// rte_hash with lock-free concurrency costs ~150 instructions per key, a third of
// the per-packet budget at line rate (perf/RESULTS.md).
//
// Concurrency: the control core is the only writer.  Insert stores the index,
// then the key (release); delete clears the key.  A worker that reads a key and
// then the index may see an index stored for a newer key in the same slot, so
// callers verify the record they find (the session's own ids or address) and
// fall back to the rte_hash on disagreement.  Records stay valid under RCU.
//
// Key 0 marks an empty slot: session key 0 (tunnel 0, session 0) never carries
// data, and 0.0.0.0 is never a subscriber.
// Thread: lookups from workers; insert/erase from the control core only.
#pragma once

#include <emmintrin.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include <atomic>
#include <cstdint>

namespace lns::dp {

struct alignas(64) FrontBucket {
    uint32_t key[8];
    uint32_t idx[8];
};

class FrontTable {
public:
    static constexpr uint32_t kMiss = UINT32_MAX;

    FrontTable() = default;
    // `buckets` must be a power of two; memory is owned by the caller.
    void init(FrontBucket *mem, uint32_t buckets) {
        b_ = mem;
        mask_ = buckets - 1;
    }
    size_t bytes() const { return size_t(mask_ + 1) * sizeof(FrontBucket); }

    static uint32_t hash(uint32_t key) { return rte_hash_crc_4byte(key, 0x9e3779b9); }
    const FrontBucket *bucket(uint32_t key) const { return &b_[hash(key) & mask_]; }
    void prefetch(uint32_t key) const { rte_prefetch0(bucket(key)); }

    // The index stored for `key` in its bucket, or kMiss.
    static uint32_t find(const FrontBucket *b, uint32_t key) {
        const __m128i k = _mm_set1_epi32(int(key));
        const __m128i lo = _mm_cmpeq_epi32(k, _mm_load_si128(reinterpret_cast<const __m128i *>(b->key)));
        const __m128i hi = _mm_cmpeq_epi32(k, _mm_load_si128(reinterpret_cast<const __m128i *>(b->key + 4)));
        const int m = _mm_movemask_ps(_mm_castsi128_ps(lo)) | _mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
        if (m == 0) return kMiss;
        return __atomic_load_n(&b->idx[__builtin_ctz(unsigned(m))], __ATOMIC_ACQUIRE);
    }

    // Control core: false when the bucket is full (the key stays rte_hash-only).
    bool insert(uint32_t key, uint32_t index) {
        FrontBucket &b = b_[hash(key) & mask_];
        for (int i = 0; i < 8; i++) {
            if (b.key[i] != 0) continue;
            __atomic_store_n(&b.idx[i], index, __ATOMIC_RELAXED);
            __atomic_store_n(&b.key[i], key, __ATOMIC_RELEASE);
            return true;
        }
        return false;
    }

    void erase(uint32_t key) {
        FrontBucket &b = b_[hash(key) & mask_];
        for (int i = 0; i < 8; i++)
            if (b.key[i] == key) __atomic_store_n(&b.key[i], 0u, __ATOMIC_RELEASE);
    }

private:
    FrontBucket *b_ = nullptr;
    uint32_t mask_ = 0;
};

}  // namespace lns::dp
