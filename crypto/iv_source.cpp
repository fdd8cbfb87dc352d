#include "crypto/iv_source.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lns::crypto {

namespace {

void kernel_random(uint8_t *out, size_t len) {
    size_t got = 0;
    while (got < len) {
        const ssize_t n = getrandom(out + got, len - got, 0);
        if (n > 0)
            got += static_cast<size_t>(n);
        else if (n < 0 && errno != EINTR)
            std::abort();  // no randomness: sending predictable CBC IVs is worse
    }
}

constexpr uint64_t kBlocksPerSeed = uint64_t(1) << 20;

}  // namespace

void SystemIvSource::refill() {
    kernel_random(buf_, sizeof buf_);
    pos_ = 0;
}

void SystemIvSource::fill(uint8_t *out, size_t len) {
    while (len > 0) {
        if (pos_ == sizeof buf_) refill();
        size_t n = sizeof buf_ - pos_ < len ? sizeof buf_ - pos_ : len;
        std::memcpy(out, buf_ + pos_, n);
        pos_ += n;
        out += n;
        len -= n;
    }
}

CtrDrbgIvSource::CtrDrbgIvSource() {
    mgr_ = alloc_mb_mgr(0);
    if (!mgr_) return;
    IMB_ARCH arch;
    init_mb_mgr_auto(mgr_, &arch);
    if (imb_get_errno(mgr_) != 0) {
        free_mb_mgr(mgr_);
        mgr_ = nullptr;
        return;
    }
    reseed();
}

CtrDrbgIvSource::~CtrDrbgIvSource() {
    std::memset(key_, 0, sizeof key_);
    std::memset(buf_, 0, sizeof buf_);
    if (mgr_) free_mb_mgr(mgr_);
}

void CtrDrbgIvSource::reseed() {
    uint8_t seed[32];
    kernel_random(seed, sizeof seed);
    IMB_AES_KEYEXP_128(mgr_, seed, key_, unused_dec_);
    std::memcpy(counter_, seed + 16, 16);
    // The low 32 bits start below 2^31, so the 2^20 blocks of one seed never
    // wrap them: IPsec-MB and refill() agree on every counter block.
    counter_[12] &= 0x7f;
    std::memset(seed, 0, sizeof seed);
    blocks_since_seed_ = 0;
}

// The next 4 KiB of keystream: AES-CTR over zeros, the 128-bit counter block
// advanced by the 256 blocks used.
void CtrDrbgIvSource::refill() {
    if (!mgr_) {  // no IPsec-MB manager: the kernel's bytes directly
        kernel_random(buf_, sizeof buf_);
        pos_ = 0;
        return;
    }
    if (blocks_since_seed_ >= kBlocksPerSeed) reseed();
    IMB_JOB *job = IMB_GET_NEXT_JOB(mgr_);
    job->cipher_mode = IMB_CIPHER_CNTR;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_CIPHER_HASH;
    job->hash_alg = IMB_AUTH_NULL;
    job->enc_keys = key_;
    job->dec_keys = key_;
    job->key_len_in_bytes = 16;
    job->src = zero_;
    job->dst = buf_;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = sizeof buf_;
    job->iv = counter_;
    job->iv_len_in_bytes = 16;
    job->auth_tag_output = nullptr;
    job->auth_tag_output_len_in_bytes = 0;
    job->user_data = nullptr;
    job = IMB_SUBMIT_JOB(mgr_);
    if (!job) job = IMB_FLUSH_JOB(mgr_);
    if (!job || job->status != IMB_STATUS_COMPLETED) std::abort();  // never send a stale IV
    // 128-bit big-endian counter += 256.
    unsigned carry = 256;
    for (int i = 15; i >= 0 && carry; i--) {
        const unsigned v = counter_[i] + (carry & 0xff);
        counter_[i] = uint8_t(v);
        carry = (carry >> 8) + (v >> 8);
    }
    blocks_since_seed_ += sizeof buf_ / 16;
    pos_ = 0;
}

void CtrDrbgIvSource::fill_slow(uint8_t *out, size_t len) {
    while (len > 0) {
        if (pos_ == sizeof buf_) refill();
        const size_t n = sizeof buf_ - pos_ < len ? sizeof buf_ - pos_ : len;
        std::memcpy(out, buf_ + pos_, n);
        pos_ += n;
        out += n;
        len -= n;
    }
}

}  // namespace lns::crypto
