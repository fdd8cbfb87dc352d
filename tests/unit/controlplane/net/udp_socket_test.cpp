// UdpSocket on loopback: bind, send, batch receive, truncation, errors.
#include "controlplane/net/udp_socket.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lns::cp::net {
namespace {

constexpr uint32_t kLoopback = 0x7f000001;

TEST(UdpSocket, SendAndReceiveOnLoopback) {
    UdpSocket a, b;
    std::string err;
    ASSERT_TRUE(a.open(kLoopback, 0, &err)) << err;
    ASSERT_TRUE(b.open(kLoopback, 0, &err)) << err;
    EXPECT_NE(a.local_port(), 0);
    // Nothing waiting: returns at once.
    EXPECT_EQ(b.receive([](uint32_t, uint16_t, std::span<const uint8_t>) { FAIL(); }), 0u);
    for (uint8_t i = 0; i < 40; i++) {
        const uint8_t d[3] = {i, 2, 3};
        ASSERT_TRUE(a.send_to(kLoopback, b.local_port(), d));
    }
    std::vector<uint8_t> first;
    unsigned got = 0;
    for (int tries = 0; tries < 100 && got < 40; tries++) {
        got += b.receive([&](uint32_t ip, uint16_t port, std::span<const uint8_t> bytes) {
            EXPECT_EQ(ip, kLoopback);
            EXPECT_EQ(port, a.local_port());
            ASSERT_EQ(bytes.size(), 3u);
            first.push_back(bytes[0]);
        }, 64);
    }
    ASSERT_EQ(got, 40u);
    for (uint8_t i = 0; i < 40; i++) EXPECT_EQ(first[i], i);
    EXPECT_EQ(b.counters().rx, 40u);
    EXPECT_EQ(a.counters().tx, 40u);
}

TEST(UdpSocket, OversizedDatagramIsCountedNotDelivered) {
    UdpSocket a, b;
    std::string err;
    ASSERT_TRUE(a.open(kLoopback, 0, &err)) << err;
    ASSERT_TRUE(b.open(kLoopback, 0, &err)) << err;
    std::vector<uint8_t> big(5000, 0xab);
    ASSERT_TRUE(a.send_to(kLoopback, b.local_port(), big));
    const uint8_t small[1] = {1};
    ASSERT_TRUE(a.send_to(kLoopback, b.local_port(), small));
    unsigned delivered = 0;
    for (int tries = 0; tries < 100 && b.counters().rx + b.counters().rx_truncated < 2; tries++)
        b.receive([&](uint32_t, uint16_t, std::span<const uint8_t> bytes) {
            EXPECT_EQ(bytes.size(), 1u);
            delivered++;
        });
    EXPECT_EQ(delivered, 1u);
    EXPECT_EQ(b.counters().rx_truncated, 1u);
}

TEST(UdpSocket, BindConflictIsAnError) {
    UdpSocket a, b;
    std::string err;
    ASSERT_TRUE(a.open(kLoopback, 0, &err)) << err;
    EXPECT_FALSE(b.open(kLoopback, a.local_port(), &err));
    EXPECT_NE(err.find("bind 127.0.0.1:"), std::string::npos) << err;
    EXPECT_FALSE(b.is_open());
}

}  // namespace
}  // namespace lns::cp::net
