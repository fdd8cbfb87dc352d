// ESP anti-replay window (RFC 4303 §3.4.3 and Appendix A), kept as the
// block-rotating bitmap of RFC 6479 so sliding the window never shifts bits:
// whole 64-bit words are cleared as the top moves.  With extended sequence
// numbers the high 32 bits are inferred from the low 32 bits a packet carries
// (RFC 4303 Appendix A2.2).
//
// check() is the cheap test done before decryption; update() is done only
// after the ICV verified (RFC 4303 §3.4.3: "the receive window is updated only
// if the integrity verification succeeds"), and checks again, so two copies of
// one packet in the same burst cannot both pass.
// Thread: the one worker that owns the inbound SA.
#pragma once

#include <cstdint>

namespace lns::crypto {

enum class ReplayVerdict : uint8_t { ok, too_old, duplicate };

class ReplayWindow {
public:
    static constexpr uint32_t kMinBits = 64;
    static constexpr uint32_t kMaxBits = 4096;
    static constexpr uint32_t kMaxWords = 128;  // next power of two >= 4096/64 + 1

    // bits == 0 turns replay checking off (every sequence number accepted, the
    // top still tracked for ESN inference); otherwise kMinBits..kMaxBits.
    // Returns false for a size out of range.  Resets the window.
    bool configure(uint32_t bits, bool esn);

    // The full sequence number of a packet carrying seq_lo: seq_lo itself
    // without ESN; with ESN, the high half inferred per RFC 4303 A2.2.  0 means
    // "cannot be valid" (sequence number 0 is never sent) and check() refuses it.
    uint64_t infer(uint32_t seq_lo) const;

    ReplayVerdict check(uint64_t seq) const;
    // Marks seq as received (after the ICV passed); moves the top if seq is
    // beyond it.  Returns the verdict check() gives now (not ok: nothing changed).
    ReplayVerdict update(uint64_t seq);

    uint64_t top() const { return top_; }
    uint32_t size() const { return bits_; }
    bool esn() const { return esn_; }
    // Starts the window at top (tests; an SA taken over with a known state).
    void reset(uint64_t top);

private:
    bool test_bit(uint64_t seq) const { return (words_[(seq >> 6) & mask_] >> (seq & 63)) & 1u; }

    uint64_t top_ = 0;
    uint32_t bits_ = 64;
    uint32_t mask_ = 1;  // number of words - 1 (a power of two minus one)
    bool esn_ = false;
    uint64_t words_[kMaxWords] = {};
};

}  // namespace lns::crypto
