#include "crypto/replay.hpp"

#include <cstring>

namespace lns::crypto {

bool ReplayWindow::configure(uint32_t bits, bool esn) {
    if (bits != 0 && (bits < kMinBits || bits > kMaxBits)) return false;
    bits_ = bits;
    esn_ = esn;
    // Enough words for the window plus the one being filled, rounded up to a
    // power of two so a sequence number maps to its word with a mask.
    uint32_t need = (bits == 0 ? kMinBits : bits + 63) / 64 + 1;
    uint32_t words = 1;
    while (words < need) words <<= 1;
    mask_ = words - 1;
    reset(0);
    return true;
}

void ReplayWindow::reset(uint64_t top) {
    top_ = top;
    std::memset(words_, 0, sizeof words_);
}

uint64_t ReplayWindow::infer(uint32_t seq_lo) const {
    if (!esn_) return seq_lo;
    // RFC 4303 A2.2, with W the window (at least 64 also when replay is off).
    const uint32_t w = bits_ < kMinBits ? kMinBits : bits_;
    const uint32_t tl = static_cast<uint32_t>(top_);
    const uint32_t th = static_cast<uint32_t>(top_ >> 32);
    const uint32_t bottom = tl - w + 1;  // modulo 2^32 in case B
    uint32_t sh;
    if (tl >= w - 1) {  // case A: the window lies within one 2^32 subspace
        sh = seq_lo >= bottom ? th : th + 1;
    } else {  // case B: the window spans two subspaces
        if (seq_lo >= bottom) {
            if (th == 0) return 0;  // would be before sequence number 0
            sh = th - 1;
        } else {
            sh = th;
        }
    }
    return (static_cast<uint64_t>(sh) << 32) | seq_lo;
}

ReplayVerdict ReplayWindow::check(uint64_t seq) const {
    if (seq == 0) return ReplayVerdict::too_old;
    if (bits_ == 0 || seq > top_) return ReplayVerdict::ok;
    if (top_ - seq >= bits_) return ReplayVerdict::too_old;
    return test_bit(seq) ? ReplayVerdict::duplicate : ReplayVerdict::ok;
}

ReplayVerdict ReplayWindow::update(uint64_t seq) {
    ReplayVerdict v = check(seq);
    if (v != ReplayVerdict::ok) return v;
    if (seq > top_) {
        uint64_t steps = (seq >> 6) - (top_ >> 6);
        if (steps > mask_ + 1u) steps = mask_ + 1u;
        for (uint64_t i = 1; i <= steps; i++) words_[((top_ >> 6) + i) & mask_] = 0;
        top_ = seq;
    }
    if (bits_ != 0) words_[(seq >> 6) & mask_] |= uint64_t{1} << (seq & 63);
    return ReplayVerdict::ok;
}

}  // namespace lns::crypto
