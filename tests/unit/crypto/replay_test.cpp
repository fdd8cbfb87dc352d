// Anti-replay window (crypto/replay.hpp): RFC 4303 §3.4.3 and Appendix A,
// bitmap per RFC 6479, ESN inference per Appendix A2.2.
#include <gtest/gtest.h>

#include "crypto/replay.hpp"

namespace lns::crypto {
namespace {

TEST(CryptoReplay, SizesOutOfRangeRefused) {
    ReplayWindow w;
    EXPECT_TRUE(w.configure(0, false));
    EXPECT_TRUE(w.configure(64, false));
    EXPECT_TRUE(w.configure(100, false));
    EXPECT_TRUE(w.configure(4096, true));
    EXPECT_FALSE(w.configure(32, false));
    EXPECT_FALSE(w.configure(4097, false));
}

TEST(CryptoReplay, SequenceZeroNeverValid) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, false));
    EXPECT_EQ(w.check(0), ReplayVerdict::too_old);
    EXPECT_EQ(w.update(0), ReplayVerdict::too_old);
}

TEST(CryptoReplay, InWindowDuplicateAndTooOld) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, false));
    EXPECT_EQ(w.update(1), ReplayVerdict::ok);
    EXPECT_EQ(w.update(3), ReplayVerdict::ok);
    EXPECT_EQ(w.check(2), ReplayVerdict::ok);  // late but inside the window
    EXPECT_EQ(w.update(2), ReplayVerdict::ok);
    EXPECT_EQ(w.check(2), ReplayVerdict::duplicate);
    EXPECT_EQ(w.update(3), ReplayVerdict::duplicate);
    EXPECT_EQ(w.update(100), ReplayVerdict::ok);
    EXPECT_EQ(w.top(), 100u);
    EXPECT_EQ(w.check(37), ReplayVerdict::ok);       // 100 - 37 = 63 < 64
    EXPECT_EQ(w.check(36), ReplayVerdict::too_old);  // 100 - 36 = 64
    EXPECT_EQ(w.check(3), ReplayVerdict::too_old);
    EXPECT_EQ(w.check(100), ReplayVerdict::duplicate);
}

TEST(CryptoReplay, CheckAloneChangesNothing) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, false));
    EXPECT_EQ(w.check(50), ReplayVerdict::ok);
    EXPECT_EQ(w.top(), 0u);
    EXPECT_EQ(w.check(50), ReplayVerdict::ok);
}

TEST(CryptoReplay, LargeJumpClearsStaleBits) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(128, false));
    for (uint64_t s = 1; s <= 200; s++) ASSERT_EQ(w.update(s), ReplayVerdict::ok);
    // Jump by much more than the bitmap: every old bit must be gone, so the
    // sequence numbers that alias old positions are new.
    ASSERT_EQ(w.update(200 + 10000), ReplayVerdict::ok);
    for (uint64_t s = 10200 - 127; s < 10200; s++) EXPECT_EQ(w.check(s), ReplayVerdict::ok) << s;
    EXPECT_EQ(w.check(10200 - 128), ReplayVerdict::too_old);
    EXPECT_EQ(w.check(10200), ReplayVerdict::duplicate);
}

TEST(CryptoReplay, EveryWindowSizeExact) {
    for (uint32_t bits : {64u, 65u, 128u, 1000u, 1024u, 4096u}) {
        SCOPED_TRACE(bits);
        ReplayWindow w;
        ASSERT_TRUE(w.configure(bits, false));
        const uint64_t top = 50000;
        ASSERT_EQ(w.update(top), ReplayVerdict::ok);
        EXPECT_EQ(w.check(top - bits + 1), ReplayVerdict::ok);
        EXPECT_EQ(w.check(top - bits), ReplayVerdict::too_old);
        // Fill the whole window in reverse and check every bit stuck.
        for (uint64_t s = top - 1; s > top - bits; s--) ASSERT_EQ(w.update(s), ReplayVerdict::ok);
        for (uint64_t s = top - bits + 1; s <= top; s++)
            ASSERT_EQ(w.check(s), ReplayVerdict::duplicate) << s;
        // Advance by one word: the lowest slots leave, new ones are clear.
        ASSERT_EQ(w.update(top + 64), ReplayVerdict::ok);
        for (uint64_t s = top + 1; s < top + 64; s++) ASSERT_EQ(w.check(s), ReplayVerdict::ok) << s;
        EXPECT_EQ(w.check(top), bits > 64 ? ReplayVerdict::duplicate : ReplayVerdict::too_old);
    }
}

TEST(CryptoReplay, DisabledAcceptsRepeats) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(0, false));
    EXPECT_EQ(w.update(5), ReplayVerdict::ok);
    EXPECT_EQ(w.update(5), ReplayVerdict::ok);
    EXPECT_EQ(w.update(1), ReplayVerdict::ok);
}

TEST(CryptoReplay, NoEsnUsesLow32Bits) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, false));
    EXPECT_EQ(w.infer(0xfffffff0u), 0xfffffff0u);
}

// RFC 4303 A2.2 case A: the window lies within one 2^32 subspace.
TEST(CryptoReplay, EsnInferenceWithinSubspace) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, true));
    w.reset(0x0000000500001000ull);
    EXPECT_EQ(w.infer(0x00001000), 0x0000000500001000ull);
    EXPECT_EQ(w.infer(0x00000fc1), 0x0000000500000fc1ull);  // bottom of the window
    EXPECT_EQ(w.infer(0x00002000), 0x0000000500002000ull);  // ahead, same subspace
    EXPECT_EQ(w.infer(0x00000fc0), 0x0000000600000fc0ull);  // below the window: next subspace
    EXPECT_EQ(w.infer(0x00000001), 0x0000000600000001ull);
}

// Case B: the window straddles a 2^32 boundary.
TEST(CryptoReplay, EsnInferenceAcrossWrap) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, true));
    w.reset(0x0000000700000010ull);  // Tl = 16 < W - 1
    EXPECT_EQ(w.infer(0x00000010), 0x0000000700000010ull);
    EXPECT_EQ(w.infer(0x00000020), 0x0000000700000020ull);  // ahead
    EXPECT_EQ(w.infer(0xfffffff0), 0x00000006fffffff0ull);  // late, previous subspace
    EXPECT_EQ(w.check(w.infer(0xfffffff0)), ReplayVerdict::ok);
    EXPECT_EQ(w.infer(0xffffffd1), 0x00000006ffffffd1ull);  // exactly the bottom
    EXPECT_EQ(w.check(w.infer(0xffffffd1)), ReplayVerdict::ok);
    EXPECT_EQ(w.check(0x00000006ffffffd0ull), ReplayVerdict::too_old);
}

TEST(CryptoReplay, EsnCountsThroughTheWrap) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, true));
    w.reset(0xfffffff0ull);
    for (uint64_t s = 0xfffffff1ull; s <= 0x100000010ull; s++) {
        uint64_t got = w.infer(uint32_t(s));
        ASSERT_EQ(got, s);
        ASSERT_EQ(w.update(got), ReplayVerdict::ok);
    }
    EXPECT_EQ(w.top(), 0x100000010ull);
    // A late packet from before the wrap still maps to the old subspace and
    // is recognised as already seen.
    EXPECT_EQ(w.infer(0xfffffffa), 0xfffffffaull);
    EXPECT_EQ(w.check(w.infer(0xfffffffa)), ReplayVerdict::duplicate);
}

TEST(CryptoReplay, EsnStartOfSpaceHasNoPreviousSubspace) {
    ReplayWindow w;
    ASSERT_TRUE(w.configure(64, true));
    EXPECT_EQ(w.infer(1), 1u);
    EXPECT_EQ(w.infer(0xfffffff0), 0u);  // would be negative: invalid
    EXPECT_EQ(w.check(w.infer(0xfffffff0)), ReplayVerdict::too_old);
}

}  // namespace
}  // namespace lns::crypto
