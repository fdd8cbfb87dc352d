// LCP negotiation as a peer sees it on the wire: our Configure-Request bytes, the
// replies to the peer's, MRU clamping, Max-Failure, Auth-Protocol policy in both
// roles, Magic-Number and loop detection, PFC/ACFC, unknown options and codes,
// Protocol-Reject, back-to-back LNS <-> client.
#include <gtest/gtest.h>

#include <deque>

#include "controlplane/ppp/lcp.hpp"
#include "tests/unit/controlplane/ppp/lcp_rig.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

TEST(LcpNegotiation, LnsOpensWithWindowsLikeClient) {
    LcpRig r;
    r.rnd.queue = {0x0a0b0c0d};
    r.start();
    ASSERT_EQ(r.wire.sent.size(), 1u);
    EXPECT_EQ(r.wire.sent[0].protocol, kProtoLcp);
    EXPECT_EQ(r.wire.sent[0].bytes,
              packet(1, r.wire.sent[0].id(), cat({mru(1460), auth_chap_md5(), magic(0x0a0b0c0d)})));
    const Bytes peer = cat({mru(1400), magic(0x11223344), pfc(), acfc()});
    r.rx(packet(1, 7, peer));
    EXPECT_EQ(r.wire.last().bytes, packet(2, 7, peer));
    EXPECT_EQ(r.lcp->state(), State::AckSent);
    r.ack_our_request();
    EXPECT_EQ(r.lcp->state(), State::Opened);
    ASSERT_TRUE(r.notes.has(NoticeKind::up));
    const LcpResult res = r.lcp->result();
    EXPECT_EQ(res.our_mru, 1460);
    EXPECT_EQ(res.peer_mru, 1400);
    EXPECT_EQ(res.our_magic, 0x0a0b0c0du);
    EXPECT_EQ(res.peer_magic, 0x11223344u);
    EXPECT_TRUE(res.peer_pfc && res.peer_acfc);
    EXPECT_FALSE(res.our_pfc || res.our_acfc);
    EXPECT_EQ(res.auth_we_require, AuthProtocol::chap_md5);
    EXPECT_FALSE(res.auth_peer_requires.has_value());
    EXPECT_EQ(r.sh.counters.fsm.conf_ack_sent, 1u);
}

TEST(LcpNegotiation, OpenBeforeUpReportsStarted) {
    LcpRig r;
    r.lcp->open(0);
    EXPECT_EQ(r.notes.kinds(), std::vector<NoticeKind>{NoticeKind::started});
    EXPECT_TRUE(r.wire.sent.empty());
    r.lcp->up(0);
    EXPECT_EQ(r.wire.codes(), std::vector<uint8_t>{1});
}

TEST(LcpMru, PeerAbovePathNakdToPath) {
    LcpRig r;
    r.start();
    r.rx(packet(1, 3, mru(1500)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 3, mru(1460)));
}

TEST(LcpMru, SessionPathClampsBothDirections) {
    LcpRig r;
    r.rnd.queue = {0x01020304};
    r.lcp->set_path_mru(1400);
    r.start();
    EXPECT_EQ(r.wire.sent[0].data(), cat({mru(1400), auth_chap_md5(), magic(0x01020304)}));
    r.rx(packet(1, 3, mru(1460)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 3, mru(1400)));
}

TEST(LcpMru, BelowMinimumNakdUp) {
    LcpRig r;
    r.start();
    r.rx(packet(1, 3, mru(100)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 3, mru(128)));
}

TEST(LcpMru, PeerNakOfOurMruTakenOnlyWithinPath) {
    LcpRig r;
    r.start();
    const uint8_t id1 = r.last(1).id();
    r.rx(packet(3, id1, mru(1500)));  // more than the path carries: keep 1460
    EXPECT_EQ(r.last(1).data()[2] << 8 | r.last(1).data()[3], 1460);
    EXPECT_NE(r.last(1).id(), id1);
    r.rx(packet(3, r.last(1).id(), mru(1200)));
    EXPECT_EQ(r.last(1).data()[2] << 8 | r.last(1).data()[3], 1200);
}

TEST(LcpNegotiation, NakOptionWithBadLengthIgnoredRestApplied) {
    LcpRig r;
    r.start();
    r.rx(packet(3, r.last(1).id(), cat({opt(1, {0x05, 0x00, 0x00}), auth_pap()})));
    const Bytes req = r.last(1).data();
    EXPECT_EQ(Bytes(req.begin(), req.begin() + 8), cat({mru(1460), auth_pap()}));
    EXPECT_EQ(r.sh.counters.fsm.nak_options_malformed, 1u);
}

TEST(LcpMru, PeerMruCappedAtPathInResult) {
    LcpConfig cfg = LcpConfig::lns();
    cfg.nak_peer_mru_above_path = false;
    LcpRig r(cfg);
    r.open_with(mru(1500));
    ASSERT_TRUE(r.lcp->opened());
    EXPECT_EQ(r.lcp->result().peer_mru, 1460);
    EXPECT_EQ(r.lcp->peer_mru(), 1460);
}

TEST(LcpNegotiation, NakLoopEndsInRejectAtMaxFailure) {
    LcpRig r;
    r.start();
    for (uint8_t i = 0; i < 5; ++i) {
        r.rx(packet(1, uint8_t(20 + i), mru(100)));
        EXPECT_EQ(r.wire.last().bytes, packet(3, uint8_t(20 + i), mru(128))) << int(i);
    }
    r.rx(packet(1, 30, cat({mru(100), magic(0x55667788)})));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 30, mru(100)));  // the Nak'd option, as sent
    EXPECT_EQ(r.sh.counters.fsm.max_failure_rejects, 1u);
    r.rx(packet(1, 31, magic(0x55667788)));
    EXPECT_EQ(r.wire.last().bytes, packet(2, 31, magic(0x55667788)));
    r.rx(packet(1, 32, mru(100)));  // an Ack was sent: Naks again
    EXPECT_EQ(r.wire.last().code(), 3);
}

TEST(LcpNegotiation, UnknownOptionsRejectedExactly) {
    LcpRig r;
    r.start();
    const Bytes quality = opt(4, {0xc0, 0x25, 0, 0, 0, 10});
    const Bytes callback = opt(13, {6});
    r.rx(packet(1, 9, cat({mru(1400), quality, magic(0x1234), callback, mru(100)})));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 9, cat({quality, callback})));
    EXPECT_EQ(r.sh.counters.fsm.options_unknown, 2u);
}

TEST(LcpNegotiation, MalformedOptionRejectedAndCounted) {
    LcpRig r;
    r.start();
    const Bytes bad_mru = opt(1, {0x05, 0xb4, 0x00});
    const Bytes bad_pfc = opt(7, {1});
    r.rx(packet(1, 9, cat({bad_mru, magic(0x1234), bad_pfc})));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 9, cat({bad_mru, bad_pfc})));
    EXPECT_EQ(r.sh.counters.fsm.options_malformed, 2u);
}

TEST(LcpNegotiation, MalformedOptionListDiscarded) {
    LcpRig r;
    r.start();
    r.wire.clear();
    r.rx(packet(1, 9, {0x01, 0x01, 0x05}));  // option length 1
    r.rx(packet(1, 9, {0x01, 0x09, 0x05, 0xb4}));  // option past the packet
    EXPECT_TRUE(r.wire.sent.empty());
    EXPECT_EQ(r.sh.counters.fsm.rx_bad_options, 2u);
    EXPECT_EQ(r.lcp->state(), State::ReqSent);
}

TEST(LcpAuth, LnsFollowsNakToAllowedProtocol) {
    LcpRig r;
    r.start();
    r.rx(packet(3, r.last(1).id(), auth_mschap_v2()));
    const Bytes req = r.last(1).data();
    EXPECT_EQ(Bytes(req.begin() + 4, req.begin() + 9), auth_mschap_v2());
    r.rx(packet(1, 1, {}));
    r.ack_our_request();
    ASSERT_TRUE(r.lcp->opened());
    EXPECT_EQ(r.lcp->result().auth_we_require, AuthProtocol::mschap_v2);
}

TEST(LcpAuth, LnsWalksPreferencesThenClosesWhenNoneAgreed) {
    LcpRig r;
    r.start();
    const Bytes eap = opt(3, {0xc2, 0x27});
    r.rx(packet(3, r.last(1).id(), eap));  // not ours: next preference
    Bytes req = r.last(1).data();
    EXPECT_EQ(Bytes(req.begin() + 4, req.begin() + 9), auth_mschap_v2());
    r.rx(packet(3, r.last(1).id(), eap));
    req = r.last(1).data();
    EXPECT_EQ(Bytes(req.begin() + 4, req.begin() + 8), auth_pap());
    r.rx(packet(3, r.last(1).id(), eap));  // list exhausted: auth is required
    EXPECT_EQ(r.wire.last().code(), 5);
    EXPECT_EQ(r.lcp->state(), State::Closing);
    r.run_until(10 * kSec);
    ASSERT_FALSE(r.notes.got.empty());
    EXPECT_EQ(r.notes.got.back().kind, NoticeKind::finished);
    EXPECT_EQ(r.notes.got.back().reason, Reason::option_refused);
}

TEST(LcpAuth, RejectOfRequiredAuthCloses) {
    LcpRig r;
    r.start();
    r.rx(packet(4, r.last(1).id(), auth_chap_md5()));
    EXPECT_EQ(r.wire.last().code(), 5);
    EXPECT_EQ(r.lcp->state(), State::Closing);
    EXPECT_EQ(r.sh.counters.fsm.negotiation_failed, 1u);
}

TEST(LcpAuth, RejectOfOptionalAuthDropsIt) {
    LcpConfig cfg = LcpConfig::lns();
    cfg.auth_required = false;
    cfg.magic = false;
    LcpRig r(cfg);
    r.start();
    r.rx(packet(4, r.last(1).id(), auth_chap_md5()));
    EXPECT_EQ(r.last(1).data(), mru(1460));
    r.open_with({});
    EXPECT_FALSE(r.lcp->result().auth_we_require.has_value());
}

TEST(LcpAuth, ClientAcceptsSupportedProtocol) {
    LcpRig r(LcpConfig::client());
    r.start();
    r.rx(packet(1, 4, cat({auth_mschap_v2(), magic(0x99)})));
    EXPECT_EQ(r.wire.last().bytes, packet(2, 4, cat({auth_mschap_v2(), magic(0x99)})));
    r.ack_our_request();
    EXPECT_EQ(r.lcp->result().auth_peer_requires, AuthProtocol::mschap_v2);
}

TEST(LcpAuth, ClientNaksUnsupportedWithPreferred) {
    LcpRig r(LcpConfig::client());
    r.start();
    r.rx(packet(1, 4, opt(3, {0xc2, 0x27})));  // EAP
    EXPECT_EQ(r.wire.last().bytes, packet(3, 4, auth_chap_md5()));
    r.rx(packet(1, 5, opt(3, {0xc2, 0x23, 0x80})));  // MS-CHAPv1
    EXPECT_EQ(r.wire.last().bytes, packet(3, 5, auth_chap_md5()));
}

TEST(LcpAuth, LnsRejectsBeingAskedToAuthenticate) {
    LcpRig r;
    r.start();
    r.rx(packet(1, 4, cat({mru(1400), auth_pap()})));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 4, auth_pap()));
}

TEST(LcpMagic, ZeroIsNakdWithAnotherNumber) {
    LcpRig r;
    r.rnd.queue = {0xaaaa0001, 0xbbbb0002};
    r.start();
    r.rx(packet(1, 4, magic(0)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 4, magic(0xbbbb0002)));
}

TEST(LcpMagic, OwnNumberNakdAsPossibleLoop) {
    LcpRig r;
    r.rnd.queue = {0xaaaa0001, 0xcccc0003};
    r.start();
    r.rx(packet(1, 4, magic(0xaaaa0001)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 4, magic(0xcccc0003)));
    EXPECT_EQ(r.sh.counters.loops_detected, 1u);
    // The peer's Nak of ours with a different value proves no loop; we pick anew.
    r.rnd.queue = {0xdddd0004};
    r.rx(packet(3, r.last(1).id(), magic(0x12345678)));
    const Bytes req = r.last(1).data();
    EXPECT_EQ(Bytes(req.end() - 6, req.end()), magic(0xdddd0004));
    EXPECT_EQ(r.lcp->negotiation().loops, 0);
}

// A looped-back link: everything we send comes back to us.
TEST(LcpMagic, LoopedBackLinkDetectedAndClosed) {
    struct LoopWire final : Output {
        std::deque<Bytes> q;
        void send(uint16_t, std::span<const uint8_t> p) override { q.emplace_back(p.begin(), p.end()); }
    } loop;
    LcpShared sh;
    sh.config = LcpConfig::lns();
    sh.config.request_auth.clear();  // else our own Auth-Protocol comes back and is Rejected
    FakeRandom rnd;
    sh.random = &rnd;
    Notices notes;
    Lcp lcp(sh, loop, notes);
    lcp.open(0);
    lcp.up(0);
    for (int i = 0; i < 200 && !loop.q.empty(); ++i) {
        const Bytes p = loop.q.front();
        loop.q.pop_front();
        lcp.receive(p, 0);
    }
    EXPECT_TRUE(notes.has(NoticeKind::looped_back));
    EXPECT_EQ(sh.counters.looped_back, 1u);
    EXPECT_FALSE(lcp.opened());
    ASSERT_FALSE(notes.got.empty());
    EXPECT_EQ(notes.got.back().kind, NoticeKind::finished);  // our TermReq came back, acked
    EXPECT_EQ(notes.got.back().reason, Reason::looped_back);
}

TEST(LcpCompression, ClientRequestsLnsAcceptsOrRefuses) {
    LcpConfig client = LcpConfig::client();
    client.magic = false;
    LcpRig c(client);
    c.start();
    EXPECT_EQ(c.wire.sent[0].data(), cat({pfc(), acfc()}));
    LcpRig lns;
    lns.start();
    lns.rx(packet(1, 2, cat({pfc(), acfc()})));
    EXPECT_EQ(lns.wire.last().bytes, packet(2, 2, cat({pfc(), acfc()})));
    LcpConfig strict = LcpConfig::lns();
    strict.accept_pfc = strict.accept_acfc = false;
    LcpRig s(strict);
    s.start();
    s.rx(packet(1, 2, cat({mru(1400), pfc(), acfc()})));
    EXPECT_EQ(s.wire.last().bytes, packet(4, 2, cat({pfc(), acfc()})));
}

TEST(LcpCodeReject, UnknownCodeRejectedTruncatedToPeerMru) {
    LcpRig r;
    r.open_with(mru(200));
    ASSERT_TRUE(r.lcp->opened());
    Bytes data(500, 0x77);
    const Bytes ident = packet(12, 0x21, data);  // RFC 1570 Identification: unknown here
    r.rx(ident);
    const auto &cj = r.wire.last();
    ASSERT_EQ(cj.code(), 7);
    EXPECT_EQ(cj.bytes.size(), 200u);
    EXPECT_EQ(cj.data(), Bytes(ident.begin(), ident.begin() + 196));
    EXPECT_TRUE(r.lcp->opened());
    EXPECT_EQ(r.sh.counters.fsm.rx_unknown_code, 1u);
}

TEST(LcpCodeReject, RejectOfEchoHarmlessOfConfigureFatal) {
    LcpRig r;
    r.open_with({});
    r.rx(packet(7, 1, packet(9, 3, {0, 0, 0, 0})));
    EXPECT_TRUE(r.lcp->opened());
    r.rx(packet(7, 2, packet(2, 3)));
    EXPECT_EQ(r.lcp->state(), State::Stopping);
    EXPECT_EQ(r.notes.got.back().reason, Reason::code_rejected);
}

TEST(LcpProtocolReject, NcpRejectionReportedLcpStaysOpen) {
    LcpRig r;
    r.open_with({});
    r.notes.clear();
    r.rx(packet(8, 5, {0x80, 0x57, 0x01, 0x01, 0x00, 0x04}));
    ASSERT_EQ(r.notes.got.size(), 1u);
    EXPECT_EQ(r.notes.got[0].kind, NoticeKind::protocol_rejected);
    EXPECT_EQ(r.notes.got[0].arg, kProtoIpv6cp);
    EXPECT_TRUE(r.lcp->opened());
}

TEST(LcpProtocolReject, LcpItselfRejectedIsFatal) {
    LcpRig r;
    r.open_with({});
    r.wire.clear();
    r.rx(packet(8, 5, {0xc0, 0x21}));
    EXPECT_EQ(r.lcp->state(), State::Stopping);
    EXPECT_EQ(r.wire.codes(), std::vector<uint8_t>{5});
    EXPECT_EQ(r.notes.got.back().reason, Reason::protocol_rejected);
}

TEST(LcpProtocolReject, IgnoredOutsideOpenedOrShort) {
    LcpRig r;
    r.start();
    r.rx(packet(8, 5, {0x80, 0x21}));
    EXPECT_EQ(r.sh.counters.rx_not_opened, 1u);
    r.open_with({});
    r.notes.clear();
    r.rx(packet(8, 6, {0x80}));
    EXPECT_EQ(r.sh.counters.rx_short_protocol_reject, 1u);
    EXPECT_TRUE(r.notes.got.empty());
}

TEST(LcpProtocolReject, SentTruncatedToPeerMru) {
    LcpRig r;
    EXPECT_FALSE(r.lcp->send_protocol_reject(0x002b, Bytes(10, 1), 0));  // not opened
    r.open_with(mru(300));
    const Bytes info(2000, 0x42);
    ASSERT_TRUE(r.lcp->send_protocol_reject(0x002b, info, 0));
    const auto &pr = r.wire.last();
    EXPECT_EQ(pr.code(), 8);
    EXPECT_EQ(pr.bytes.size(), 300u);
    EXPECT_EQ(pr.bytes[4], 0x00);
    EXPECT_EQ(pr.bytes[5], 0x2b);
    EXPECT_EQ(Bytes(pr.bytes.begin() + 6, pr.bytes.end()), Bytes(294, 0x42));
}

// Two engines, LNS and client, joined by a lossless link.
TEST(LcpBackToBack, LnsAndClientAgree) {
    struct Link final : Output {
        std::deque<Bytes> q;
        void send(uint16_t, std::span<const uint8_t> p) override { q.emplace_back(p.begin(), p.end()); }
    } to_client, to_lns;
    LcpShared lns_sh, cl_sh;
    lns_sh.config = LcpConfig::lns();
    cl_sh.config = LcpConfig::client();
    FakeRandom r1, r2;
    r2.n = 7;
    lns_sh.random = &r1;
    cl_sh.random = &r2;
    Notices n1, n2;
    Lcp lns(lns_sh, to_client, n1), client(cl_sh, to_lns, n2);
    client.open(0), client.up(0), lns.open(0), lns.up(0);
    for (int i = 0; i < 50 && (!to_client.q.empty() || !to_lns.q.empty()); ++i) {
        while (!to_client.q.empty()) {
            client.receive(to_client.q.front(), 0);
            to_client.q.pop_front();
        }
        while (!to_lns.q.empty()) {
            lns.receive(to_lns.q.front(), 0);
            to_lns.q.pop_front();
        }
    }
    ASSERT_TRUE(lns.opened());
    ASSERT_TRUE(client.opened());
    const LcpResult a = lns.result(), b = client.result();
    EXPECT_EQ(a.auth_we_require, AuthProtocol::chap_md5);
    EXPECT_EQ(b.auth_peer_requires, AuthProtocol::chap_md5);
    EXPECT_EQ(a.our_mru, 1460);
    EXPECT_EQ(b.peer_mru, 1460);
    EXPECT_EQ(a.our_magic, b.peer_magic);
    EXPECT_EQ(a.peer_magic, b.our_magic);
    EXPECT_TRUE(a.peer_pfc && a.peer_acfc && b.our_pfc && b.our_acfc);
}

}  // namespace
}  // namespace lns::cp::ppp
