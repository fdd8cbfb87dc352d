// Where CBC initialisation vectors come from (RFC 4303 §3.3.2, RFC 3602 §3:
// unpredictable per packet).  Injected into the ESP engine (conventions item
// 2) so tests can fix the IV and reproduce published vectors.  GCM does not use
// it: its IV is the sequence number, unique per key (RFC 4106 §3.1).
// Thread: one source per worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "crypto/imb.hpp"

namespace lns::crypto {

class IvSource {
public:
    virtual ~IvSource() = default;
    virtual void fill(uint8_t *out, size_t len) = 0;
};

// Kernel randomness (getrandom), read 4 KiB at a time so a packet costs a copy,
// not a system call.
class SystemIvSource final : public IvSource {
public:
    void fill(uint8_t *out, size_t len) override;

private:
    void refill();
    uint8_t buf_[4096];
    size_t pos_ = sizeof buf_;
};

// What the workers use: AES-128 in counter mode under a key from getrandom
// (the construction of NIST SP 800-90A's CTR_DRBG, without its derivation
// function), 4 KiB of keystream per IPsec-MB call on a manager of its own,
// fresh key and counter from the kernel every 2^20 blocks (16 MiB).  An IV
// costs a 16-byte copy plus ~1/256 of a 4 KiB AES-CTR pass: in this VM a
// getrandom() refill of the same 4 KiB cost ~120 cycles per CBC packet
// (perf/RESULTS.md), kernel ChaCha20 and the system call included.
class CtrDrbgIvSource final : public IvSource {
public:
    CtrDrbgIvSource();
    ~CtrDrbgIvSource() override;
    CtrDrbgIvSource(const CtrDrbgIvSource &) = delete;
    CtrDrbgIvSource &operator=(const CtrDrbgIvSource &) = delete;
    void fill(uint8_t *out, size_t len) override {
        if (len == 16 && pos_ + 16 <= sizeof buf_) {  // a CBC IV: the common case, inlined
            std::memcpy(out, buf_ + pos_, 16);
            pos_ += 16;
            return;
        }
        fill_slow(out, len);
    }
    bool ok() const { return mgr_ != nullptr; }

private:
    void fill_slow(uint8_t *out, size_t len);
    void reseed();
    void refill();
    IMB_MGR *mgr_ = nullptr;
    alignas(16) uint32_t key_[4 * 11];
    alignas(16) uint32_t unused_dec_[4 * 11];
    alignas(16) uint8_t counter_[16];
    uint64_t blocks_since_seed_ = 0;
    alignas(64) uint8_t buf_[4096];
    alignas(64) uint8_t zero_[4096] = {};
    size_t pos_ = sizeof buf_;
};

}  // namespace lns::crypto
