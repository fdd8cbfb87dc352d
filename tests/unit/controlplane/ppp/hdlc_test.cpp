// RFC 1662 asynchronous HDLC framing: FCS-16 against the RFC's good-FCS value and the
// CRC-16/X-25 check value, the encoding of a pppd-style LCP Configure-Request
// (bytes computed independently with a bitwise CRC in Python), streaming decode
// across split reads, and every drop counter.
#include "controlplane/ppp/hdlc.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace lns::cp::ppp {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes hex(std::string_view s) {
    Bytes b;
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; i + 1 < s.size(); i += 2) {
        if (s[i] == ' ') {
            --i;
            continue;
        }
        b.push_back(uint8_t(nib(s[i]) << 4 | nib(s[i + 1])));
    }
    return b;
}

// LCP Configure-Request as pppd sends it on a serial line: ACCM 0, Magic-Number
// 0x2a3b4c5d, PFC, ACFC.
const Bytes kLcpFrame = hex("ff03c021010100140206000000000506" "2a3b4c5d07020802");
// Its async HDLC encoding with the default ACCM (FCS 0x1bf7 sent as f7 1b, the
// 0x1b escaped).
const Bytes kLcpWire = hex(
    "7eff7d23c0217d217d217d207d347d227d267d207d207d207d207d257d262a3b4c5d"
    "7d277d227d287d22f77d3b7e");

struct Collect {
    std::vector<Bytes> frames;
    void feed(HdlcDecoder &d, const Bytes &b) {
        d.feed(std::span<const uint8_t>(b), [&](std::span<const uint8_t> f) {
            frames.emplace_back(f.begin(), f.end());
        });
    }
};

TEST(Hdlc, FcsCheckValues) {
    const std::string_view s = "123456789";
    const std::span<const uint8_t> d(reinterpret_cast<const uint8_t *>(s.data()), s.size());
    EXPECT_EQ(uint16_t(~fcs16(kFcsInit, d)), 0x906E);  // CRC-16/X-25 check value
    // RFC 1662 §C.2: FCS over data + its complemented FCS (LSB first) is PPPGOODFCS16.
    Bytes f = kLcpFrame;
    const uint16_t fcs = uint16_t(~fcs16(kFcsInit, f));
    EXPECT_EQ(fcs, 0x1bf7);
    f.push_back(uint8_t(fcs));
    f.push_back(uint8_t(fcs >> 8));
    EXPECT_EQ(fcs16(kFcsInit, f), kFcsGood);
}

TEST(Hdlc, EncodesPppdLcpRequest) {
    uint8_t out[hdlc_max_encoded(24)];
    const size_t n = hdlc_encode(kLcpFrame, out);
    EXPECT_EQ(Bytes(out, out + n), kLcpWire);
    // Without the leading flag: the same minus its first octet.
    const size_t m = hdlc_encode(kLcpFrame, out, kDefaultAccm, false);
    EXPECT_EQ(Bytes(out, out + m), Bytes(kLcpWire.begin() + 1, kLcpWire.end()));
}

TEST(Hdlc, EncodeEscapesOnlyAccmFlagAndEscape) {
    const Bytes frame = {0xff, 0x03, 0x00, 0x21, 0x7e, 0x7d, 0x11, 0x13, 0x01, 0x20};
    uint8_t out[64];
    // ACCM 0x000A0000: XON (0x11) and XOFF (0x13) only.
    const size_t n = hdlc_encode(frame, out, 0x000A0000u);
    ASSERT_GT(n, 0u);
    const Bytes body(out + 1, out + 1 + 14);
    EXPECT_EQ(body, hex("ff 03 00 21 7d5e 7d5d 7d31 7d33 01 20"));
    HdlcDecoder d(0x000A0000u);
    Collect c;
    c.feed(d, Bytes(out, out + n));
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(c.frames[0], frame);
}

TEST(Hdlc, EncodeRefusesSmallBuffer) {
    uint8_t out[64];
    for (size_t cap = 0; cap < kLcpWire.size(); cap++)
        EXPECT_EQ(hdlc_encode(kLcpFrame, std::span<uint8_t>(out, cap)), 0u) << cap;
    EXPECT_EQ(hdlc_encode(kLcpFrame, std::span<uint8_t>(out, kLcpWire.size())), kLcpWire.size());
}

TEST(Hdlc, DecodesFrameSplitAtEveryOctet) {
    for (size_t cut = 0; cut <= kLcpWire.size(); cut++) {
        HdlcDecoder d;
        Collect c;
        c.feed(d, Bytes(kLcpWire.begin(), kLcpWire.begin() + cut));
        c.feed(d, Bytes(kLcpWire.begin() + cut, kLcpWire.end()));
        ASSERT_EQ(c.frames.size(), 1u) << cut;
        EXPECT_EQ(c.frames[0], kLcpFrame);
        EXPECT_EQ(d.counters().frames_in, 1u);
        EXPECT_EQ(d.counters().bytes_in, kLcpWire.size());
    }
}

TEST(Hdlc, BackToBackFramesShareFlags) {
    uint8_t a[128], b[128];
    const size_t na = hdlc_encode(kLcpFrame, a);
    const size_t nb = hdlc_encode(kLcpFrame, b, kDefaultAccm, false);  // shares a's flag
    Bytes wire(a, a + na);
    wire.insert(wire.end(), b, b + nb);
    wire.insert(wire.end(), {0x7e, 0x7e, 0x7e});  // idle flags: not frames, not runts
    HdlcDecoder d;
    Collect c;
    c.feed(d, wire);
    EXPECT_EQ(c.frames.size(), 2u);
    EXPECT_EQ(d.counters().runts, 0u);
    EXPECT_EQ(d.counters().bad_fcs, 0u);
}

TEST(Hdlc, BadFcsDropped) {
    Bytes wire = kLcpWire;
    wire[10] ^= 0x01;  // an unescaped data octet (0x7d 0x34 -> 0x7d 0x35)
    HdlcDecoder d;
    Collect c;
    c.feed(d, wire);
    EXPECT_TRUE(c.frames.empty());
    EXPECT_EQ(d.counters().bad_fcs, 1u);
    c.feed(d, kLcpWire);  // the next frame is fine
    EXPECT_EQ(c.frames.size(), 1u);
}

TEST(Hdlc, AbortSequenceDropsFrame) {
    Bytes wire(kLcpWire.begin(), kLcpWire.begin() + 12);
    wire.insert(wire.end(), {0x7d, 0x7e});  // abort (§4.4)
    wire.insert(wire.end(), kLcpWire.begin() + 1, kLcpWire.end());
    HdlcDecoder d;
    Collect c;
    c.feed(d, wire);
    EXPECT_EQ(d.counters().aborts, 1u);
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(c.frames[0], kLcpFrame);
}

TEST(Hdlc, RuntsAndTooLong) {
    HdlcDecoder d;
    Collect c;
    c.feed(d, hex("7e ff 03 00 7e"));  // three octets between flags
    EXPECT_EQ(d.counters().runts, 1u);
    Bytes big(kHdlcMaxFrame + 10, 0x41);
    big.insert(big.begin(), 0x7e);
    big.push_back(0x7e);
    c.feed(d, big);
    EXPECT_EQ(d.counters().too_long, 1u);
    c.feed(d, kLcpWire);
    EXPECT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(d.pending(), 0u);
}

TEST(Hdlc, LargestFrameDecodes) {
    Bytes frame(kHdlcMaxFrame - 2, 0x7e);  // every octet escaped
    frame[0] = 0xff;
    frame[1] = 0x03;
    std::vector<uint8_t> out(hdlc_max_encoded(frame.size()));
    const size_t n = hdlc_encode(frame, out);
    ASSERT_GT(n, 0u);
    HdlcDecoder d;
    Collect c;
    c.feed(d, Bytes(out.begin(), out.begin() + n));
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(c.frames[0], frame);
}

TEST(Hdlc, UnescapedControlCharactersDiscarded) {
    Bytes wire = kLcpWire;
    wire.insert(wire.begin() + 5, 0x11);  // XON inserted by the line
    HdlcDecoder d;
    Collect c;
    c.feed(d, wire);
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(d.counters().ctrl_discarded, 1u);
    // With an empty receive ACCM the octet is data and breaks the FCS.
    HdlcDecoder d0(0);
    Collect c0;
    c0.feed(d0, wire);
    EXPECT_TRUE(c0.frames.empty());
    EXPECT_EQ(d0.counters().bad_fcs, 1u);
}

TEST(Hdlc, GarbageBeforeFirstFlagIsCounted) {
    Bytes wire = hex("41 42 43 44 45");
    wire.insert(wire.end(), kLcpWire.begin(), kLcpWire.end());
    HdlcDecoder d;
    Collect c;
    c.feed(d, wire);
    EXPECT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(d.counters().bad_fcs, 1u);
}

TEST(Hdlc, PppFrameBuilder) {
    uint8_t out[16];
    const Bytes info = {1, 2, 3};
    const size_t n = ppp_frame(0x8021, info, out);
    EXPECT_EQ(Bytes(out, out + n), hex("ff03802101 0203"));
    EXPECT_EQ(ppp_frame(0x8021, info, std::span<uint8_t>(out, 6)), 0u);
}

}  // namespace
}  // namespace lns::cp::ppp
