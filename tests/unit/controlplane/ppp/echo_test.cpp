// LCP echo keepalive with a fake clock (dead-peer detection, replies keeping the
// link alive, looped replies, replies truncated to the peer's MRU) and LCP
// termination (peer Terminate-Request, local close, Max-Terminate).
#include <gtest/gtest.h>

#include "controlplane/ppp/lcp.hpp"
#include "tests/unit/controlplane/ppp/lcp_rig.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

LcpConfig echo_config(uint64_t interval, uint8_t failures) {
    LcpConfig c = LcpConfig::lns();
    c.echo.interval_ns = interval;
    c.echo.max_failures = failures;
    return c;
}

TEST(LcpEcho, DeadPeerDetectedAfterMaxFailures) {
    LcpRig r(echo_config(10 * kSec, 3));
    r.rnd.queue = {0xfeed0001};
    r.open_with({});
    ASSERT_TRUE(r.lcp->opened());
    r.wire.clear();
    r.notes.clear();
    EXPECT_EQ(r.lcp->next_deadline(), 10 * kSec);
    r.run_until(39 * kSec);
    ASSERT_EQ(r.wire.sent.size(), 3u);  // at 10, 20, 30 s
    for (uint8_t i = 0; i < 3; ++i) {
        EXPECT_EQ(r.wire.sent[i].bytes, packet(9, uint8_t(i + 1), {0xfe, 0xed, 0x00, 0x01}));
    }
    EXPECT_TRUE(r.notes.got.empty());
    r.run_until(40 * kSec);  // a fourth would be due with three unanswered: dead
    ASSERT_EQ(r.notes.kinds(), (std::vector<NoticeKind>{NoticeKind::peer_dead, NoticeKind::down}));
    EXPECT_EQ(r.notes.got[1].reason, Reason::peer_dead);
    EXPECT_EQ(r.wire.last().code(), 5);  // Terminate-Request
    EXPECT_EQ(r.lcp->state(), State::Closing);
    r.run_until(46 * kSec);  // Max-Terminate 2: second TermReq at 43 s, finished at 46 s
    EXPECT_EQ(r.count(5), 2u);
    EXPECT_EQ(r.notes.got.back().kind, NoticeKind::finished);
    EXPECT_EQ(r.notes.got.back().reason, Reason::peer_dead);
    EXPECT_EQ(r.sh.counters.peer_dead, 1u);
    EXPECT_EQ(r.sh.counters.echo_req_sent, 3u);
}

TEST(LcpEcho, RepliesKeepThePeerAlive) {
    LcpRig r(echo_config(10 * kSec, 2));
    r.rnd.queue = {0xfeed0001};
    r.open_with(magic(0x0000beef));
    for (uint64_t t = 10; t <= 300; t += 10) {
        r.run_until(t * kSec);
        const auto &req = r.last(9);
        r.rx(packet(10, req.id(), {0x00, 0x00, 0xbe, 0xef}));
    }
    EXPECT_TRUE(r.lcp->opened());
    EXPECT_FALSE(r.notes.has(NoticeKind::peer_dead));
    EXPECT_EQ(r.sh.counters.echo_reply_rcvd, 30u);
}

TEST(LcpEcho, ReplyWithOurOwnMagicIsNotProofOfLife) {
    LcpRig r(echo_config(10 * kSec, 2));
    r.rnd.queue = {0xfeed0001};
    r.open_with({});
    for (uint64_t t = 10; t <= 20; t += 10) {
        r.run_until(t * kSec);
        r.rx(packet(10, r.last(9).id(), {0xfe, 0xed, 0x00, 0x01}));  // our own: looped
    }
    r.run_until(30 * kSec);
    EXPECT_TRUE(r.notes.has(NoticeKind::peer_dead));
    EXPECT_EQ(r.sh.counters.echo_looped, 2u);
}

TEST(LcpEcho, PeerTrafficResetsTheCount) {
    LcpRig r(echo_config(10 * kSec, 2));
    r.open_with({});
    for (uint64_t t = 10; t <= 100; t += 10) {
        r.run_until(t * kSec);
        r.lcp->peer_alive();
    }
    EXPECT_TRUE(r.lcp->opened());
}

TEST(LcpEcho, RequestAnsweredWithOurMagicTruncatedToPeerMru) {
    LcpRig r(echo_config(0, 5));
    r.rnd.queue = {0x0a0b0c0d};
    r.open_with(mru(300));
    ASSERT_TRUE(r.lcp->opened());
    Bytes data(1004);
    data[0] = 0x12, data[1] = 0x34, data[2] = 0x56, data[3] = 0x78;
    for (size_t i = 4; i < data.size(); ++i) data[i] = uint8_t(i - 4);
    r.rx(packet(9, 0x77, data));
    const auto &rep = r.wire.last();
    ASSERT_EQ(rep.code(), 10);
    EXPECT_EQ(rep.id(), 0x77);
    EXPECT_EQ(rep.bytes.size(), 300u);
    EXPECT_EQ(rep.bytes[2] << 8 | rep.bytes[3], 300);
    EXPECT_EQ(Bytes(rep.bytes.begin() + 4, rep.bytes.begin() + 8), (Bytes{0x0a, 0x0b, 0x0c, 0x0d}));
    EXPECT_EQ(Bytes(rep.bytes.begin() + 8, rep.bytes.end()), Bytes(data.begin() + 4, data.begin() + 296));
    EXPECT_EQ(r.sh.counters.echo_reply_truncated, 1u);
    r.rx(packet(9, 0x78, {0, 0, 0, 0, 'a', 'b'}));  // small: whole
    EXPECT_EQ(r.wire.last().bytes, packet(10, 0x78, {0x0a, 0x0b, 0x0c, 0x0d, 'a', 'b'}));
}

TEST(LcpEcho, IgnoredBeforeOpenedAndWhenShort) {
    LcpRig r(echo_config(10 * kSec, 2));
    r.start();
    r.wire.clear();
    r.rx(packet(9, 1, {0, 0, 0, 0}));
    EXPECT_TRUE(r.wire.sent.empty());
    EXPECT_EQ(r.sh.counters.rx_not_opened, 1u);
    r.open_with({});
    r.wire.clear();
    r.rx(packet(9, 2, {0, 0}));  // no Magic-Number
    EXPECT_TRUE(r.wire.sent.empty());
    EXPECT_EQ(r.sh.counters.rx_short_echo, 1u);
    r.rx(packet(11, 3, {0, 0, 0, 0, 1}));  // Discard-Request: nothing
    EXPECT_TRUE(r.wire.sent.empty());
    EXPECT_EQ(r.sh.counters.discard_rcvd, 1u);
}

TEST(LcpEcho, WithoutMagicNumberSendsZero) {
    LcpConfig c = echo_config(5 * kSec, 2);
    c.magic = false;
    LcpRig r(c);
    r.open_with({});
    r.run_until(5 * kSec);
    EXPECT_EQ(r.wire.last().bytes, packet(9, 1, {0, 0, 0, 0}));
}

TEST(LcpTerminate, PeerTerminateRequest) {
    LcpRig r(echo_config(0, 5));
    r.open_with({});
    r.wire.clear();
    r.notes.clear();
    r.rx(packet(5, 0x44, {'b', 'y', 'e'}));
    EXPECT_EQ(r.wire.sent[0].bytes, packet(6, 0x44));
    EXPECT_EQ(r.lcp->state(), State::Stopping);
    ASSERT_EQ(r.notes.kinds(), std::vector<NoticeKind>{NoticeKind::down});
    EXPECT_EQ(r.notes.got[0].reason, Reason::peer_terminate);
    EXPECT_EQ(r.lcp->next_deadline(), r.now + 3 * kSec);  // zrc: one restart period
    r.run_until(3 * kSec);
    EXPECT_EQ(r.lcp->state(), State::Stopped);
    EXPECT_EQ(r.notes.got.back().kind, NoticeKind::finished);
    EXPECT_EQ(r.notes.got.back().reason, Reason::peer_terminate);
    EXPECT_EQ(r.wire.sent.size(), 1u);  // no Terminate-Request of ours
}

TEST(LcpTerminate, LocalCloseAcked) {
    LcpRig r(echo_config(0, 5));
    r.open_with({});
    r.wire.clear();
    r.lcp->close(r.now);
    ASSERT_EQ(r.wire.codes(), std::vector<uint8_t>{5});
    r.rx(packet(6, r.wire.last().id()));
    EXPECT_EQ(r.lcp->state(), State::Closed);
    EXPECT_EQ(r.notes.got.back().kind, NoticeKind::finished);
    EXPECT_EQ(r.notes.got.back().reason, Reason::local_close);
    EXPECT_EQ(r.lcp->next_deadline(), UINT64_MAX);
}

TEST(LcpTerminate, MaxTerminateThenFinished) {
    LcpRig r(echo_config(0, 5));
    r.open_with({});
    r.wire.clear();
    r.lcp->close(r.now);
    r.run_until(5 * kSec);
    EXPECT_EQ(r.wire.codes(), (std::vector<uint8_t>{5, 5}));
    EXPECT_EQ(r.wire.sent[0].id(), r.wire.sent[1].id());  // a retransmission
    EXPECT_EQ(r.lcp->state(), State::Closing);
    r.run_until(6 * kSec);
    EXPECT_EQ(r.lcp->state(), State::Closed);
    EXPECT_EQ(r.notes.got.back().kind, NoticeKind::finished);
}

}  // namespace
}  // namespace lns::cp::ppp
