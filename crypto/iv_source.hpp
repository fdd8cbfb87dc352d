// Where CBC initialisation vectors come from (RFC 4303 §3.3.2, RFC 3602 §3:
// unpredictable per packet).  Injected into the ESP engine (conventions item
// 2) so tests can fix the IV and reproduce published vectors.  GCM does not use
// it: its IV is the sequence number, unique per key (RFC 4106 §3.1).
// Thread: one source per worker.
#pragma once

#include <cstddef>
#include <cstdint>

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

}  // namespace lns::crypto
