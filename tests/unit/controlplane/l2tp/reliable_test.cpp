// ReliableChannel (RFC 2661 §5.8, Appendix A): sequence numbers, windows, acks,
// retransmission, slow start, and two channels over a lossy link.  Fake clock (a
// uint64_t advanced by hand), no sleeps; headers are read by hand here so these tests
// do not depend on the message parser.
#include "controlplane/l2tp/reliable.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace lns::cp::l2tp {
namespace {

constexpr uint64_t kMs = 1000000ull;
constexpr uint64_t kSec = 1000 * kMs;
constexpr uint16_t kPeerTid = 42;

using Bytes = std::vector<uint8_t>;
using Rx = ReliableChannel::Rx;

uint16_t be16(const uint8_t *p) {
    return uint16_t(p[0] << 8 | p[1]);
}
void put16(uint8_t *p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

// A HELLO-shaped control message (header, Message Type AVP) with a 4-byte tag AVP
// value so a test can tell messages apart.  Ns and Nr as given.
Bytes make_msg(uint32_t tag, uint16_t ns = 0, uint16_t nr = 0) {
    Bytes m(12 + 8 + 10, 0);
    put16(&m[0], 0xC802);
    put16(&m[2], uint16_t(m.size()));
    put16(&m[4], kPeerTid);
    put16(&m[8], ns);
    put16(&m[10], nr);
    put16(&m[12], 0x8008);  // M, length 8, vendor 0, type 0 (Message Type) = HELLO
    put16(&m[18], 6);
    put16(&m[20], 10);  // M=0, length 10, vendor 0, type 0x7fff: the tag
    put16(&m[24], 0x7fff);
    put16(&m[26], uint16_t(tag >> 16));
    put16(&m[28], uint16_t(tag));
    return m;
}

Bytes make_zlb(uint16_t ns, uint16_t nr) {
    Bytes m(12, 0);
    put16(&m[0], 0xC802);
    put16(&m[2], 12);
    put16(&m[4], kPeerTid);
    put16(&m[8], ns);
    put16(&m[10], nr);
    return m;
}

ControlHeader hdr_of(std::span<const uint8_t> m) {
    ControlHeader h;
    h.length = be16(&m[2]);
    h.tunnel_id = be16(&m[4]);
    h.session_id = be16(&m[6]);
    h.ns = be16(&m[8]);
    h.nr = be16(&m[10]);
    h.avps = m.subspan(12, h.length - 12);
    return h;
}

uint32_t tag_of(std::span<const uint8_t> m) {
    return uint32_t(be16(&m[26])) << 16 | be16(&m[28]);
}
bool is_zlb(std::span<const uint8_t> m) {
    return m.size() == 12;
}

// Everything flush() emits at `now` (an lvalue emitter, as the tunnel engine uses).
std::vector<Bytes> flush(ReliableChannel &ch, uint64_t now) {
    std::vector<Bytes> out;
    auto emit = [&](std::span<const uint8_t> m) { out.emplace_back(m.begin(), m.end()); };
    ch.flush(now, emit);
    return out;
}

Rx rx(ReliableChannel &ch, const Bytes &m, uint64_t now) {
    return ch.on_receive(hdr_of(m), m, now);
}

ReliableConfig no_slow_start() {
    ReliableConfig c;
    c.slow_start = false;
    return c;
}

// ---- Sequence space -------------------------------------------------------------------

TEST(ReliableSeq, WrapAroundCompare) {
    EXPECT_TRUE(seq_lt(0xFFFF, 0));
    EXPECT_FALSE(seq_lt(0, 0xFFFF));
    EXPECT_TRUE(seq_lt(0xFFF0, 0x0005));
    EXPECT_FALSE(seq_lt(0x0005, 0xFFF0));
    EXPECT_TRUE(seq_lt(0xFFFE, 0xFFFF));
    EXPECT_FALSE(seq_lt(7, 7));
    EXPECT_FALSE(seq_lt(0xFFFF, 0xFFFF));
    EXPECT_TRUE(seq_lt(0, 0x7FFF));   // within 32767: ahead
    EXPECT_FALSE(seq_lt(0, 0x8001));  // more than 32768 ahead: behind
    EXPECT_TRUE(seq_lt(0x8001, 0));
}

// ---- Sending and the window ----------------------------------------------------------

TEST(ReliableChannel, FirstMessageCarriesNsAndNr) {
    ReliableChannel ch;
    EXPECT_EQ(ch.send(make_msg(1)), 0);
    EXPECT_EQ(ch.next_ns(), 1);
    EXPECT_EQ(ch.next_deadline(), 0u);  // queued and the window is open: now
    auto out = flush(ch, 0);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(hdr_of(out[0]).ns, 0);
    EXPECT_EQ(hdr_of(out[0]).nr, 0);
    EXPECT_EQ(tag_of(out[0]), 1u);
    EXPECT_EQ(ch.counters().sent, 1u);
    EXPECT_EQ(ch.next_deadline(), 1 * kSec);  // its retransmission
    EXPECT_FALSE(ch.idle());
}

TEST(ReliableChannel, RvalueEmitterAndShortMessageNotStamped) {
    ReliableChannel ch;
    ch.send(Bytes{1, 2, 3});
    std::vector<Bytes> out;
    ch.flush(0, [&](std::span<const uint8_t> m) { out.emplace_back(m.begin(), m.end()); });
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0], (Bytes{1, 2, 3}));
}

TEST(ReliableChannel, PeerWindowDefaultsToFour) {
    ReliableChannel ch(no_slow_start());
    EXPECT_EQ(ch.peer_window(), 4);
    for (uint32_t i = 0; i < 10; ++i) ch.send(make_msg(i));
    auto out = flush(ch, 0);
    ASSERT_EQ(out.size(), 4u);
    for (uint16_t i = 0; i < 4; ++i) EXPECT_EQ(hdr_of(out[i]).ns, i);
    EXPECT_EQ(ch.in_flight(), 4u);
    EXPECT_EQ(ch.queued(), 6u);
    EXPECT_EQ(ch.next_deadline(), 1 * kSec);  // window closed: only the retransmit timer
    EXPECT_TRUE(flush(ch, 10 * kMs).empty());

    EXPECT_EQ(rx(ch, make_zlb(0, 2), 20 * kMs), Rx::ack_only);  // acks Ns 0 and 1
    EXPECT_EQ(ch.in_flight(), 2u);
    EXPECT_EQ(ch.next_deadline(), 0u);
    out = flush(ch, 20 * kMs);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(hdr_of(out[0]).ns, 4);
    EXPECT_EQ(hdr_of(out[1]).ns, 5);
    EXPECT_EQ(ch.in_flight(), 4u);
}

TEST(ReliableChannel, PeerWindowSetAndZeroMeansFour) {
    ReliableChannel ch(no_slow_start());
    ch.set_peer_window(2);
    for (uint32_t i = 0; i < 5; ++i) ch.send(make_msg(i));
    EXPECT_EQ(flush(ch, 0).size(), 2u);
    EXPECT_EQ(ch.in_flight(), 2u);

    ReliableChannel z(no_slow_start());
    z.set_peer_window(0);
    EXPECT_EQ(z.peer_window(), 4);
    EXPECT_EQ(z.cwnd(), 4u);
}

TEST(ReliableChannel, SlowStartNeverExceedsPeerWindow) {
    ReliableChannel ch;  // slow start, peer window 4
    for (uint32_t i = 0; i < 50; ++i) ch.send(make_msg(i));
    uint16_t nr = 0;
    uint64_t now = 0;
    while (!ch.idle()) {
        flush(ch, now);
        ASSERT_LE(ch.in_flight(), 4u);
        ASSERT_LE(ch.in_flight(), ch.cwnd());
        ASSERT_GT(ch.in_flight(), 0u);
        rx(ch, make_zlb(0, ++nr), now);  // ack one
        now += kMs;
    }
    EXPECT_EQ(ch.cwnd(), 4u);
    EXPECT_EQ(ch.counters().sent, 50u);
}

// ---- Receiving -------------------------------------------------------------------------

TEST(ReliableChannel, InOrderDelivery) {
    ReliableChannel ch;
    for (uint16_t i = 0; i < 5; ++i) {
        EXPECT_EQ(rx(ch, make_msg(100 + i, i, 0), 0), Rx::deliver);
        EXPECT_EQ(ch.expected_ns(), i + 1);
    }
    Bytes b;
    EXPECT_FALSE(ch.pop_in_order(&b));
    EXPECT_EQ(ch.counters().received, 5u);
    EXPECT_EQ(ch.counters().out_of_order, 0u);
}

TEST(ReliableChannel, DelayedZlbAfterAckDelay) {
    ReliableChannel ch;
    ch.set_peer_tunnel_id(kPeerTid);
    EXPECT_EQ(rx(ch, make_msg(1, 0, 0), 0), Rx::deliver);
    EXPECT_EQ(ch.next_deadline(), 100 * kMs);
    EXPECT_TRUE(flush(ch, 99 * kMs).empty());
    auto out = flush(ch, 100 * kMs);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(is_zlb(out[0]));
    ControlHeader h = hdr_of(out[0]);
    EXPECT_EQ(be16(&out[0][0]), 0xC802);
    EXPECT_EQ(h.length, 12);
    EXPECT_EQ(h.tunnel_id, kPeerTid);
    EXPECT_EQ(h.session_id, 0);
    EXPECT_EQ(h.ns, 0);
    EXPECT_EQ(h.nr, 1);
    EXPECT_EQ(ch.counters().zlb_sent, 1u);
    EXPECT_EQ(ch.next_deadline(), UINT64_MAX);
    EXPECT_TRUE(flush(ch, 10 * kSec).empty());  // one ack, not a stream of them
    EXPECT_TRUE(ch.idle());
}

// A peer that fills half our window with messages gets its ack at once, not after
// ack_delay_ns: a burst of ICRQs or CDNs would otherwise stall on its window.
TEST(ReliableChannel, HalfWindowDeliveredAcksAtOnce) {
    ReliableConfig cfg;
    cfg.receive_window = 8;
    ReliableChannel ch(cfg);
    ch.set_peer_tunnel_id(kPeerTid);
    for (uint16_t i = 0; i < 3; i++) EXPECT_EQ(rx(ch, make_msg(i, i, 0), 0), Rx::deliver);
    EXPECT_EQ(ch.next_deadline(), 100 * kMs);  // 3 < 8/2: still delayed
    EXPECT_TRUE(flush(ch, 0).empty());
    EXPECT_EQ(rx(ch, make_msg(3, 3, 0), 1 * kMs), Rx::deliver);
    EXPECT_EQ(ch.next_deadline(), 1 * kMs);  // the 4th: due now
    auto out = flush(ch, 1 * kMs);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(is_zlb(out[0]));
    EXPECT_EQ(hdr_of(out[0]).nr, 4);
    // The count starts again after the ack went out.
    EXPECT_EQ(rx(ch, make_msg(4, 4, 0), 2 * kMs), Rx::deliver);
    EXPECT_EQ(ch.next_deadline(), 102 * kMs);
}

TEST(ReliableChannel, EarliestAckDeadlineKept) {
    ReliableChannel ch;
    rx(ch, make_msg(1, 0, 0), 0);
    rx(ch, make_msg(2, 1, 0), 60 * kMs);
    EXPECT_EQ(ch.next_deadline(), 100 * kMs);
    auto out = flush(ch, 100 * kMs);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(hdr_of(out[0]).nr, 2);
}

TEST(ReliableChannel, PiggybackedAckSuppressesZlb) {
    ReliableChannel ch;
    rx(ch, make_msg(1, 0, 0), 0);
    ch.send(make_msg(2));
    auto out = flush(ch, 50 * kMs);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(is_zlb(out[0]));
    EXPECT_EQ(hdr_of(out[0]).nr, 1);                     // carries the ack
    EXPECT_EQ(ch.next_deadline(), 50 * kMs + 1 * kSec);  // retransmit only, no ack owed
    EXPECT_TRUE(flush(ch, 200 * kMs).empty());
    EXPECT_EQ(ch.counters().zlb_sent, 0u);
}

TEST(ReliableChannel, DuplicateReackedImmediatelyWithZlb) {
    ReliableChannel ch;
    rx(ch, make_msg(1, 0, 0), 0);
    ASSERT_EQ(flush(ch, 100 * kMs).size(), 1u);  // the delayed ack
    EXPECT_EQ(rx(ch, make_msg(1, 0, 0), 2 * kSec), Rx::duplicate);
    EXPECT_EQ(ch.next_deadline(), 2 * kSec);
    auto out = flush(ch, 2 * kSec);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(is_zlb(out[0]));
    EXPECT_EQ(hdr_of(out[0]).nr, 1);
    EXPECT_EQ(ch.counters().duplicates, 1u);
    EXPECT_EQ(ch.counters().received, 1u);
    EXPECT_EQ(ch.expected_ns(), 1);
}

TEST(ReliableChannel, ZlbDoesNotConsumeNs) {
    ReliableChannel ch;  // slow start: cwnd 1
    ch.send(make_msg(1));
    ch.send(make_msg(2));
    auto out = flush(ch, 0);
    ASSERT_EQ(out.size(), 1u);  // Ns 0 out, Ns 1 waits for the window
    rx(ch, make_msg(9, 0, 0), 0);
    out = flush(ch, 100 * kMs);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(is_zlb(out[0]));
    EXPECT_EQ(hdr_of(out[0]).ns, 1);  // the next new message's Ns
    EXPECT_EQ(hdr_of(out[0]).nr, 1);
    EXPECT_EQ(ch.next_ns(), 2);

    rx(ch, make_zlb(1, 1), 200 * kMs);  // acks Ns 0
    out = flush(ch, 200 * kMs);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(hdr_of(out[0]).ns, 1);  // same Ns the ZLB carried
    EXPECT_EQ(tag_of(out[0]), 2u);

    rx(ch, make_zlb(1, 2), 300 * kMs);
    rx(ch, make_msg(10, 1, 2), 300 * kMs);
    out = flush(ch, 400 * kMs);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(hdr_of(out[0]).ns, 2);  // nothing in flight: next_ns
    EXPECT_EQ(ch.send(make_msg(3)), 2);
}

TEST(ReliableChannel, OutOfOrderHeldThenPoppedInOrder) {
    ReliableChannel ch;  // receive window 16
    EXPECT_EQ(rx(ch, make_msg(102, 2, 0), 0), Rx::held);
    EXPECT_EQ(rx(ch, make_msg(103, 3, 0), 0), Rx::held);
    EXPECT_EQ(rx(ch, make_msg(101, 1, 0), 0), Rx::held);
    EXPECT_EQ(rx(ch, make_msg(103, 3, 0), 0), Rx::held);  // a copy of one held
    EXPECT_EQ(ch.counters().out_of_order, 3u);
    EXPECT_EQ(ch.counters().duplicates, 1u);
    EXPECT_EQ(ch.expected_ns(), 0);
    Bytes b;
    EXPECT_FALSE(ch.pop_in_order(&b));

    auto out = flush(ch, 100 * kMs);  // ack owed, Nr stays at the gap
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(hdr_of(out[0]).nr, 0);

    EXPECT_EQ(rx(ch, make_msg(100, 0, 0), 1 * kSec), Rx::deliver);
    std::vector<uint32_t> tags;
    while (ch.pop_in_order(&b)) tags.push_back(tag_of(b));
    EXPECT_EQ(tags, (std::vector<uint32_t>{101, 102, 103}));
    EXPECT_EQ(ch.expected_ns(), 4);
    EXPECT_EQ(ch.counters().received, 4u);
    out = flush(ch, 1 * kSec + 100 * kMs);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(hdr_of(out[0]).nr, 4);

    // The ring slots are reused after the window slides.
    EXPECT_EQ(rx(ch, make_msg(105, 5, 0), 2 * kSec), Rx::held);
    EXPECT_EQ(rx(ch, make_msg(104, 4, 0), 2 * kSec), Rx::deliver);
    ASSERT_TRUE(ch.pop_in_order(&b));
    EXPECT_EQ(tag_of(b), 105u);
    EXPECT_FALSE(ch.pop_in_order(&b));
}

TEST(ReliableChannel, PopAckDueEvenAfterInterveningFlush) {
    ReliableChannel ch;
    rx(ch, make_msg(101, 1, 0), 0);
    rx(ch, make_msg(100, 0, 0), 0);
    ch.send(make_msg(1));
    ASSERT_EQ(flush(ch, 0).size(), 1u);  // carries Nr 1
    Bytes b;
    ASSERT_TRUE(ch.pop_in_order(&b));  // Nr now 2: owed, due 100 ms after the receive
    EXPECT_EQ(ch.next_deadline(), 100 * kMs);
    auto out = flush(ch, 100 * kMs);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(hdr_of(out[0]).nr, 2);
}

TEST(ReliableChannel, BeyondWindowDropped) {
    ReliableConfig cfg;
    cfg.receive_window = 4;
    ReliableChannel ch(cfg);
    EXPECT_EQ(rx(ch, make_msg(3, 3, 0), 0), Rx::held);
    EXPECT_EQ(rx(ch, make_msg(4, 4, 0), 0), Rx::out_of_window);
    EXPECT_EQ(rx(ch, make_msg(9, 100, 0), 0), Rx::out_of_window);
    EXPECT_EQ(ch.counters().out_of_window, 2u);
    EXPECT_EQ(ch.counters().out_of_order, 1u);

    ReliableChannel only_drops(cfg);
    EXPECT_EQ(rx(only_drops, make_msg(4, 4, 0), 0), Rx::out_of_window);
    EXPECT_EQ(only_drops.next_deadline(), UINT64_MAX);  // no ack for a dropped message
    EXPECT_TRUE(flush(only_drops, 10 * kSec).empty());

    // The window slides: once 0..3 are in, 4..7 fit.
    for (uint16_t i = 0; i < 3; ++i) EXPECT_EQ(rx(ch, make_msg(i, i, 0), 0), Rx::deliver);
    Bytes b;
    ASSERT_TRUE(ch.pop_in_order(&b));
    EXPECT_EQ(rx(ch, make_msg(7, 7, 0), 0), Rx::held);
}

TEST(ReliableChannel, BadNrIgnoredAndCounted) {
    ReliableChannel ch(no_slow_start());
    ch.send(make_msg(1));
    ch.send(make_msg(2));
    ch.send(make_msg(3));  // queued, window 4: all sent
    ASSERT_EQ(flush(ch, 0).size(), 3u);
    ch.send(make_msg(4));                                // Ns 3, queued
    EXPECT_EQ(rx(ch, make_zlb(0, 5), 0), Rx::ack_only);  // never sent
    EXPECT_EQ(rx(ch, make_zlb(0, 4), 0), Rx::ack_only);  // assigned, not yet sent
    EXPECT_EQ(ch.counters().bad_nr, 2u);
    EXPECT_EQ(ch.in_flight(), 3u);
    EXPECT_EQ(rx(ch, make_msg(9, 0, 0x0100), 0), Rx::deliver);  // bad Nr, message still good
    EXPECT_EQ(ch.counters().bad_nr, 3u);

    EXPECT_EQ(rx(ch, make_zlb(0, 2), 0), Rx::ack_only);
    EXPECT_EQ(ch.in_flight(), 1u);
    EXPECT_EQ(rx(ch, make_zlb(0, 2), 0), Rx::ack_only);  // == oldest unacked: nothing
    EXPECT_EQ(rx(ch, make_zlb(0, 1), 0), Rx::ack_only);  // stale (reordered)
    EXPECT_EQ(ch.counters().bad_nr, 3u);
    EXPECT_EQ(ch.counters().stale_nr, 1u);
    EXPECT_EQ(ch.in_flight(), 1u);
    EXPECT_EQ(ch.counters().zlb_received, 5u);
}

// ---- Retransmission and congestion ----------------------------------------------------

TEST(ReliableChannel, RetransmitBackoffCapAndFail) {
    ReliableChannel ch;
    ch.send(make_msg(7));
    ASSERT_EQ(flush(ch, 0).size(), 1u);
    const uint64_t times[] = {1, 3, 7, 15, 23};  // intervals 1, 2, 4, 8, 8 (cap)
    for (unsigned i = 0; i < 5; ++i) {
        const uint64_t t = times[i] * kSec;
        EXPECT_EQ(ch.next_deadline(), t) << i;
        EXPECT_TRUE(flush(ch, t - 1).empty()) << i;
        if (i == 2) rx(ch, make_msg(9, 0, 0), t - 1);  // retransmissions carry the new Nr
        auto out = flush(ch, t);
        ASSERT_EQ(out.size(), 1u) << i;
        EXPECT_EQ(hdr_of(out[0]).ns, 0);
        EXPECT_EQ(hdr_of(out[0]).nr, i >= 2 ? 1 : 0);
        EXPECT_EQ(tag_of(out[0]), 7u);
        EXPECT_EQ(ch.counters().retransmits, i + 1);
        EXPECT_FALSE(ch.failed());
    }
    EXPECT_EQ(ch.next_deadline(), 31 * kSec);
    EXPECT_TRUE(flush(ch, 31 * kSec).empty());  // a sixth would be needed: give up
    EXPECT_TRUE(ch.failed());
    EXPECT_EQ(ch.next_deadline(), UINT64_MAX);
    ch.send(make_msg(8));
    rx(ch, make_msg(10, 1, 0), 32 * kSec);
    EXPECT_TRUE(flush(ch, 100 * kSec).empty());  // nothing more, not even acks
    EXPECT_EQ(ch.counters().retransmits, 5u);
    EXPECT_EQ(ch.counters().sent, 1u);
}

TEST(ReliableChannel, RetransmitConfigurable) {
    ReliableConfig cfg;
    cfg.max_retransmits = 1;
    cfg.retransmit_initial_ns = 2 * kSec;
    cfg.retransmit_cap_ns = 3 * kSec;
    ReliableChannel ch(cfg);
    ch.send(make_msg(1));
    flush(ch, 0);
    EXPECT_EQ(flush(ch, 2 * kSec).size(), 1u);
    EXPECT_EQ(ch.next_deadline(), 5 * kSec);  // doubled to 4, capped at 3
    EXPECT_TRUE(flush(ch, 5 * kSec).empty());
    EXPECT_TRUE(ch.failed());
}

TEST(ReliableChannel, AckStopsRetransmission) {
    ReliableChannel ch;
    ch.send(make_msg(1));
    flush(ch, 0);
    flush(ch, 1 * kSec);  // one retransmission
    rx(ch, make_zlb(0, 1), 1500 * kMs);
    EXPECT_TRUE(ch.idle());
    EXPECT_EQ(ch.next_deadline(), UINT64_MAX);
    EXPECT_TRUE(flush(ch, 100 * kSec).empty());
    EXPECT_FALSE(ch.failed());
}

TEST(ReliableChannel, SlowStartGrowth) {
    ReliableChannel ch;
    ch.set_peer_window(16);
    EXPECT_EQ(ch.cwnd(), 1u);
    EXPECT_EQ(ch.ssthresh(), 16u);
    for (uint32_t i = 0; i < 100; ++i) ch.send(make_msg(i));
    uint16_t nr = 0;
    std::vector<unsigned> cwnds;
    for (int step = 0; step < 20; ++step) {
        auto out = flush(ch, 0);
        EXPECT_EQ(ch.in_flight(), std::min<size_t>(ch.cwnd(), 16));
        rx(ch, make_zlb(0, ++nr), 0);  // one ack at a time
        cwnds.push_back(ch.cwnd());
    }
    EXPECT_EQ(cwnds, (std::vector<unsigned>{2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                            12, 13, 14, 15, 16, 16, 16, 16, 16, 16}));  // capped
}

TEST(ReliableChannel, TimeoutResetsCwndThenCongestionAvoidance) {
    ReliableChannel ch;
    ch.set_peer_window(16);
    uint16_t nr = 0;
    for (uint32_t i = 0; i < 7; ++i) {  // one at a time: cwnd 1 -> 8
        ch.send(make_msg(i));
        ASSERT_EQ(flush(ch, 0).size(), 1u);
        rx(ch, make_zlb(0, ++nr), 0);
    }
    EXPECT_EQ(ch.cwnd(), 8u);
    ch.send(make_msg(7));
    ASSERT_EQ(flush(ch, 0).size(), 1u);
    ASSERT_EQ(flush(ch, 1 * kSec).size(), 1u);  // timeout
    EXPECT_EQ(ch.cwnd(), 1u);
    EXPECT_EQ(ch.ssthresh(), 4u);  // half of 8

    for (uint32_t i = 0; i < 30; ++i) ch.send(make_msg(100 + i));
    std::vector<unsigned> cwnds;
    const uint64_t now = 1 * kSec;  // no further timeouts
    for (int step = 0; step < 12; ++step) {
        rx(ch, make_zlb(0, ++nr), now);
        cwnds.push_back(ch.cwnd());
        flush(ch, now);
    }
    // Slow start to ssthresh 4, then +1 per cwnd acks.
    EXPECT_EQ(cwnds, (std::vector<unsigned>{2, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 6}));
    EXPECT_EQ(ch.counters().retransmits, 1u);
}

TEST(ReliableChannel, NoSlowStartKeepsWindowOnTimeout) {
    ReliableChannel ch(no_slow_start());
    ch.set_peer_window(8);
    EXPECT_EQ(ch.cwnd(), 8u);
    for (uint32_t i = 0; i < 8; ++i) ch.send(make_msg(i));
    EXPECT_EQ(flush(ch, 0).size(), 8u);
    EXPECT_EQ(flush(ch, 1 * kSec).size(), 1u);  // only the oldest
    EXPECT_EQ(ch.cwnd(), 8u);
}

// ---- Two channels ----------------------------------------------------------------------

struct End {
    ReliableChannel ch;
    std::vector<uint32_t> got;  // tags delivered, in order
    uint32_t to_send = 0;
    uint32_t queued = 0;

    explicit End(const ReliableConfig &cfg) : ch(cfg) {}

    void receive(const Bytes &m, uint64_t now) {
        Rx r = ch.on_receive(hdr_of(m), m, now);
        if (r != Rx::deliver) return;
        got.push_back(tag_of(m));
        Bytes b;
        while (ch.pop_in_order(&b)) got.push_back(tag_of(b));
    }
    // Keeps a few messages queued so sending stays cheap.
    void top_up() {
        while (queued < to_send && ch.queued() < 8) ch.send(make_msg(queued++));
    }
};

bool in_order(const std::vector<uint32_t> &got, uint32_t n) {
    if (got.size() != n) return false;
    for (uint32_t i = 0; i < n; ++i)
        if (got[i] != i) return false;
    return true;
}

TEST(ReliablePair, SequenceNumbersWrap) {
    constexpr uint32_t kN = 70000;  // > 65536 in both directions
    ReliableConfig cfg;
    cfg.receive_window = 8;
    End a(cfg), b(cfg);
    a.ch.set_peer_window(8);
    b.ch.set_peer_window(8);
    a.to_send = b.to_send = kN;
    uint64_t now = 0;
    for (int i = 0;
         i < 1000000 && !(a.got.size() == kN && b.got.size() == kN && a.ch.idle() && b.ch.idle());
         ++i) {
        a.top_up();
        b.top_up();
        auto from_a = flush(a.ch, now);
        auto from_b = flush(b.ch, now);
        for (auto &m : from_a) b.receive(m, now);
        for (auto &m : from_b) a.receive(m, now);
        now += kMs;
    }
    EXPECT_TRUE(in_order(a.got, kN));
    EXPECT_TRUE(in_order(b.got, kN));
    EXPECT_EQ(a.ch.next_ns(), uint16_t(kN));
    EXPECT_EQ(b.ch.expected_ns(), uint16_t(kN));
    for (End *e : {&a, &b}) {
        const ReliableCounters &c = e->ch.counters();
        EXPECT_EQ(c.sent, kN);
        EXPECT_EQ(c.retransmits, 0u);
        EXPECT_EQ(c.bad_nr + c.stale_nr + c.duplicates + c.out_of_window, 0u);
        EXPECT_FALSE(e->ch.failed());
    }
}

// A link that drops, duplicates and reorders (random latency), seeded.
class LossyLink {
  public:
    explicit LossyLink(uint32_t seed) : rng_(seed) {}

    void carry(int to, const Bytes &m, uint64_t now) {
        if (rng_() % 100 < 20) return;  // 20% lost
        push(to, m, now);
        if (rng_() % 100 < 5) push(to, m, now);  // 5% duplicated
    }
    uint64_t next_arrival() const {
        return q_.empty() ? UINT64_MAX : std::get<0>(q_.begin()->first);
    }
    // Removes and returns the first datagram due by `now`, if any.
    bool pop_due(uint64_t now, int *to, Bytes *m) {
        if (q_.empty() || std::get<0>(q_.begin()->first) > now) return false;
        *to = std::get<1>(q_.begin()->first);
        *m = std::move(q_.begin()->second);
        q_.erase(q_.begin());
        return true;
    }

  private:
    void push(int to, const Bytes &m, uint64_t now) {
        const uint64_t at = now + 5 * kMs + (rng_() % 40) * kMs;  // 5-45 ms: reorders
        q_.emplace(std::make_tuple(at, to, seq_++), m);
    }
    std::mt19937 rng_;
    uint64_t seq_ = 0;
    std::map<std::tuple<uint64_t, int, uint64_t>, Bytes> q_;
};

TEST(ReliablePair, LossyLinkDeliversEverythingInOrder) {
    constexpr uint32_t kN = 1000;
    ReliableConfig cfg;
    cfg.receive_window = 8;
    cfg.max_retransmits = 10;  // 20% loss each way: 5 would fail a tunnel now and then
    End a(cfg), b(cfg);
    a.ch.set_peer_window(8);
    b.ch.set_peer_window(8);
    a.to_send = b.to_send = kN;
    End *ends[2] = {&a, &b};
    LossyLink link(12345);
    uint64_t now = 0;
    int steps = 0;
    while (!(a.got.size() == kN && b.got.size() == kN && a.ch.idle() && b.ch.idle())) {
        ASSERT_LT(++steps, 1000000);
        a.top_up();
        b.top_up();
        const uint64_t t =
            std::min({link.next_arrival(), a.ch.next_deadline(), b.ch.next_deadline()});
        ASSERT_NE(t, UINT64_MAX);
        now = std::max(now, t);
        int to;
        Bytes m;
        while (link.pop_due(now, &to, &m)) ends[to]->receive(m, now);
        for (int i = 0; i < 2; ++i) {
            for (auto &out : flush(ends[i]->ch, now)) link.carry(1 - i, out, now);
            ASSERT_LE(ends[i]->ch.in_flight(), 8u);
            ASSERT_FALSE(ends[i]->ch.failed());
        }
    }
    EXPECT_TRUE(in_order(a.got, kN));
    EXPECT_TRUE(in_order(b.got, kN));
    EXPECT_LT(now, 3600 * kSec);  // finite time
    for (End *e : ends) {
        const ReliableCounters &c = e->ch.counters();
        EXPECT_EQ(c.sent, kN);
        EXPECT_EQ(c.received, kN);
        EXPECT_GT(c.retransmits, 0u);  // the link did its worst
        EXPECT_GT(c.duplicates, 0u);
        EXPECT_GT(c.out_of_order, 0u);
        EXPECT_EQ(c.bad_nr, 0u);
    }
    RecordProperty("simulated_ms", std::to_string(now / kMs));
}

}  // namespace
}  // namespace lns::cp::l2tp
