#include "controlplane/ppp/packet.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lns::cp::ppp {
namespace {

TEST(PppPacket, ParsesHeaderAndIgnoresPadding) {
    // LCP Configure-Request id 1, MRU 1492, magic 0x01020304, then 2 bytes padding.
    const std::vector<uint8_t> b = {0x01, 0x01, 0x00, 0x0e, 0x01, 0x04, 0x05, 0xd4,
                                    0x05, 0x06, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb};
    ControlPacket p;
    ASSERT_EQ(parse_control_packet(b, &p), PppError::ok);
    EXPECT_EQ(p.code, 1);
    EXPECT_EQ(p.id, 1);
    EXPECT_EQ(p.data.size(), 10u);
    EXPECT_EQ(p.whole.size(), 14u);
    OptionReader r(p.data);
    Option o;
    ASSERT_TRUE(r.next(&o));
    EXPECT_EQ(o.type, 1);
    EXPECT_EQ(load_be16(o.value.data()), 1492);
    ASSERT_TRUE(r.next(&o));
    EXPECT_EQ(o.type, 5);
    EXPECT_EQ(load_be32(o.value.data()), 0x01020304u);
    EXPECT_FALSE(r.next(&o));
    EXPECT_EQ(r.error(), PppError::ok);
}

TEST(PppPacket, MalformedHeaders) {
    ControlPacket p;
    const std::vector<uint8_t> short3 = {1, 1, 0};
    EXPECT_EQ(parse_control_packet(short3, &p), PppError::truncated);
    const std::vector<uint8_t> len3 = {1, 1, 0, 3};
    EXPECT_EQ(parse_control_packet(len3, &p), PppError::bad_length);
    const std::vector<uint8_t> beyond = {1, 1, 0, 9, 1, 4};
    EXPECT_EQ(parse_control_packet(beyond, &p), PppError::truncated);
}

TEST(PppPacket, MalformedOptions) {
    Option o;
    const std::vector<uint8_t> zero_len = {1, 0, 5, 6};
    OptionReader a(zero_len);
    EXPECT_FALSE(a.next(&o));
    EXPECT_EQ(a.error(), PppError::bad_option_length);
    const std::vector<uint8_t> overrun = {1, 4, 5};
    OptionReader b(overrun);
    EXPECT_FALSE(b.next(&o));
    EXPECT_EQ(b.error(), PppError::bad_option_length);
    const std::vector<uint8_t> lone = {7};
    OptionReader c(lone);
    EXPECT_FALSE(c.next(&o));
    EXPECT_EQ(c.error(), PppError::bad_option_length);
}

TEST(PppPacket, FrameVariants) {
    Frame f;
    const std::vector<uint8_t> full = {0xff, 0x03, 0xc0, 0x21, 9};
    ASSERT_EQ(parse_frame(full, &f), PppError::ok);
    EXPECT_EQ(f.protocol, kProtoLcp);
    EXPECT_EQ(f.payload.size(), 1u);
    const std::vector<uint8_t> acfc = {0x80, 0x21, 1, 2};
    ASSERT_EQ(parse_frame(acfc, &f), PppError::ok);
    EXPECT_EQ(f.protocol, kProtoIpcp);
    const std::vector<uint8_t> pfc = {0xff, 0x03, 0x21, 0x45};
    ASSERT_EQ(parse_frame(pfc, &f), PppError::ok);
    EXPECT_EQ(f.protocol, kProtoIpv4);
    EXPECT_EQ(f.payload[0], 0x45);
    const std::vector<uint8_t> even_low = {0xc0, 0x20};
    EXPECT_EQ(parse_frame(even_low, &f), PppError::bad_frame);
    const std::vector<uint8_t> only_ac = {0xff, 0x03};
    EXPECT_EQ(parse_frame(only_ac, &f), PppError::truncated);
}

TEST(PppPacket, WriterBuildsAndBounds) {
    PacketWriter w(uint8_t(Code::ConfigureRequest), 7);
    const uint8_t mru[2] = {0x05, 0xb4};
    w.put_option(1, mru);
    w.put_u8(5);
    w.put_u8(6);
    w.put_u32(0xdeadbeef);
    auto out = w.finish();
    const std::vector<uint8_t> want = {1, 7, 0, 14, 1, 4, 0x05, 0xb4, 5, 6, 0xde, 0xad, 0xbe, 0xef};
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.end()), want);
    EXPECT_TRUE(w.ok());
    std::vector<uint8_t> big(kMaxPacket, 0);
    w.put_bytes(big);
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(w.size(), 14u);  // refused, not written
    std::vector<uint8_t> v254(254, 0);
    PacketWriter w2(1, 1);
    w2.put_option(3, v254);
    EXPECT_FALSE(w2.ok());
}

}  // namespace
}  // namespace lns::cp::ppp
