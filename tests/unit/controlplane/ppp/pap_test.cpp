// PAP codec and engines (controlplane/ppp/pap.hpp, RFC 1334 §2).  Packet bytes
// were cross-checked by hand with scapy's PPP_PAP_Request / PPP_PAP_Response.
#include "controlplane/ppp/pap.hpp"

#include <gtest/gtest.h>

#include "auth_test_harness.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

// scapy: PPP_PAP_Request(id=7, username=b'user', password=b'secret')
const Bytes kRequest = unhex("01070010047573657206736563726574");
// scapy: PPP_PAP_Response(code=2, id=7, message=b'Access granted')
const Bytes kAck = unhex("020700130e416363657373206772616e746564");
// scapy: PPP_PAP_Response(code=3, id=8, message=b'Access denied')
const Bytes kNak = unhex("030800120d4163636573732064656e696564");

ControlPacket packet(const Bytes &b) {
    ControlPacket p;
    EXPECT_EQ(parse_control_packet(b, &p), PppError::ok);
    return p;
}

TEST(PapCodec, ParsesARealRequest) {
    PapRequest r;
    ASSERT_EQ(parse_pap_request(packet(kRequest), &r), AuthError::ok);
    EXPECT_EQ(r.user, "user");
    EXPECT_EQ(r.password, "secret");
}

TEST(PapCodec, BuildsTheSameBytes) {
    PacketWriter w(0, 0);
    auto req = build_pap_request(w, 7, "user", "secret");
    EXPECT_EQ(Bytes(req.begin(), req.end()), kRequest);
    auto ack = build_pap_reply(w, PapCode::AuthenticateAck, 7, "Access granted");
    EXPECT_EQ(Bytes(ack.begin(), ack.end()), kAck);
    auto nak = build_pap_reply(w, PapCode::AuthenticateNak, 8, "Access denied");
    EXPECT_EQ(Bytes(nak.begin(), nak.end()), kNak);
}

TEST(PapCodec, ParsesReplies) {
    std::string_view m;
    ASSERT_EQ(parse_pap_reply(packet(kAck), &m), AuthError::ok);
    EXPECT_EQ(m, "Access granted");
    ASSERT_EQ(parse_pap_reply(packet(kNak), &m), AuthError::ok);
    EXPECT_EQ(m, "Access denied");
    ASSERT_EQ(parse_pap_reply(packet(unhex("02010004")), &m), AuthError::ok);  // no Msg-Length
    EXPECT_EQ(m, "");
    EXPECT_EQ(parse_pap_reply(packet(unhex("0201000603 41")), &m), AuthError::bad_field_length);
    EXPECT_EQ(parse_pap_reply(packet(kRequest), &m), AuthError::unknown_code);
}

TEST(PapCodec, RejectsMalformedRequests) {
    PapRequest r;
    EXPECT_EQ(parse_pap_request(packet(unhex("01010004")), &r), AuthError::truncated);
    EXPECT_EQ(parse_pap_request(packet(unhex("0101000605 41")), &r), AuthError::bad_field_length);
    EXPECT_EQ(parse_pap_request(packet(unhex("010100060141")), &r), AuthError::truncated);
    EXPECT_EQ(parse_pap_request(packet(unhex("01010008014102 41")), &r),
              AuthError::bad_field_length);
    EXPECT_EQ(parse_pap_request(packet(kAck), &r), AuthError::unknown_code);
    // Empty user and password, and bytes past Length (padding) ignored.
    ASSERT_EQ(parse_pap_request(packet(unhex("010100060000ffff")), &r), AuthError::ok);
    EXPECT_EQ(r.user, "");
    EXPECT_EQ(r.password, "");
}

TEST(PapCodec, ArbitraryBytesInNames) {
    const std::string user = "\xc3\xa9l\xc3\xa8ve\x00\xff";  // UTF-8 and raw octets
    const std::string user_full(user.data(), 8);
    PacketWriter w(0, 0);
    auto b = build_pap_request(w, 1, user_full, std::string(255, 'p'));
    Bytes bytes(b.begin(), b.end());
    PapRequest r;
    ASSERT_EQ(parse_pap_request(packet(bytes), &r), AuthError::ok);
    EXPECT_EQ(r.user, user_full);
    EXPECT_EQ(r.password.size(), 255u);
}

// ---- Authenticator ---------------------------------------------------------------

struct PapAuthTest : ::testing::Test {
    Rig rig;
    PapAuthenticator auth{rig.ctx()};
    void SetUp() override { rig.cfg.timeout_ns = 30 * kSec; }
};

TEST_F(PapAuthTest, RequestBecomesVerifyThenAck) {
    auth.start(0);
    EXPECT_EQ(auth.state(), AuthState::wait_request);
    EXPECT_EQ(auth.next_deadline(), 30 * kSec);
    auth.on_packet(kRequest, kSec);
    ASSERT_EQ(rig.cap.events.size(), 1u);
    const Recorded v = rig.cap.last();
    EXPECT_EQ(v.kind, AuthEventKind::verify);
    EXPECT_EQ(v.protocol, AuthProtocol::pap);
    EXPECT_EQ(v.user, "user");
    EXPECT_EQ(v.password, "secret");
    EXPECT_EQ(v.id, 7);
    EXPECT_EQ(auth.state(), AuthState::verifying);
    EXPECT_TRUE(rig.cap.sent.empty());
    auth.verdict(make_verdict(v.ticket, true), 2 * kSec);
    ASSERT_EQ(rig.cap.sent.size(), 1u);
    EXPECT_EQ(rig.cap.sent[0].protocol, kProtoPap);
    EXPECT_EQ(rig.cap.sent[0].bytes, kAck);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::success);
    EXPECT_EQ(rig.cap.last().peer_name, "user");
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(auth.peer_name(), "user");
    EXPECT_EQ(auth.next_deadline(), UINT64_MAX);
    EXPECT_EQ(rig.c.successes, 1u);
    EXPECT_EQ(rig.c.verify_requests, 1u);
}

TEST_F(PapAuthTest, RejectSendsNakAndFails) {
    auth.start(0);
    auth.on_packet(kRequest, 0);
    auth.verdict(make_verdict(rig.cap.last().ticket, false, "Access denied"), 0);
    Bytes nak = kNak;
    nak[1] = 7;  // our Nak answers request 7
    EXPECT_EQ(rig.cap.sent.back().bytes, nak);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::rejected);
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(rig.c.failures, 1u);
}

TEST_F(PapAuthTest, SynchronousVerdictFromInsideTheVerifyEvent) {
    rig.cap.hook = [&](const AuthEvent &e) {
        if (e.kind == AuthEventKind::verify)
            auth.verdict(make_verdict(e.verify->ticket, e.verify->password == "secret"), 0);
    };
    auth.start(0);
    auth.on_packet(kRequest, 0);
    EXPECT_EQ(auth.state(), AuthState::success);
    ASSERT_EQ(rig.cap.events.size(), 2u);
    EXPECT_EQ(rig.cap.events[1].kind, AuthEventKind::success);
    EXPECT_EQ(rig.cap.sent.size(), 1u);
}

TEST_F(PapAuthTest, RetransmittedRequestWhileVerifyingIsAnsweredOnceWithTheLatestId) {
    auth.start(0);
    auth.on_packet(kRequest, 0);
    const uint32_t ticket = rig.cap.last().ticket;
    Bytes again = kRequest;
    again[1] = 8;  // the peer's retransmission carries a new Identifier
    auth.on_packet(again, kSec);
    EXPECT_EQ(rig.c.duplicate_while_verifying, 1u);
    EXPECT_EQ(rig.cap.events.size(), 1u);
    auth.verdict(make_verdict(ticket, true), 2 * kSec);
    ASSERT_EQ(rig.cap.sent.size(), 1u);
    EXPECT_EQ(rig.cap.sent[0].bytes[1], 8);
}

TEST_F(PapAuthTest, RequestAfterTheReplyGetsTheSameReplyAgain) {
    auth.start(0);
    auth.on_packet(kRequest, 0);
    auth.verdict(make_verdict(rig.cap.last().ticket, true), 0);
    Bytes again = kRequest;
    again[1] = 9;
    auth.on_packet(again, kSec);
    ASSERT_EQ(rig.cap.sent.size(), 2u);
    Bytes ack = kAck;
    ack[1] = 9;
    EXPECT_EQ(rig.cap.sent[1].bytes, ack);
    EXPECT_EQ(rig.c.results_resent, 1u);
    EXPECT_EQ(rig.cap.events.size(), 2u);  // no new event
}

TEST_F(PapAuthTest, TimesOutWithoutRequest) {
    auth.start(5 * kSec);
    auth.on_timer(34 * kSec);
    EXPECT_EQ(auth.state(), AuthState::wait_request);
    auth.on_timer(35 * kSec);
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
    EXPECT_TRUE(rig.cap.sent.empty());
    EXPECT_EQ(rig.c.timeouts, 1u);
    auth.on_packet(kRequest, 36 * kSec);  // too late: nothing to re-send
    EXPECT_EQ(rig.c.response_without_challenge, 1u);
    EXPECT_TRUE(rig.cap.sent.empty());
}

TEST_F(PapAuthTest, TimeoutWhileVerifyingSendsNakAndMakesTheVerdictStale) {
    auth.start(0);
    auth.on_packet(kRequest, kSec);
    const uint32_t ticket = rig.cap.last().ticket;
    EXPECT_EQ(auth.next_deadline(), 30 * kSec);
    auth.on_timer(30 * kSec);
    ASSERT_EQ(rig.cap.sent.size(), 1u);
    EXPECT_EQ(rig.cap.sent[0].bytes[0], uint8_t(PapCode::AuthenticateNak));
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
    auth.verdict(make_verdict(ticket, true), 31 * kSec);
    EXPECT_EQ(rig.c.stale_verdicts, 1u);
    EXPECT_EQ(auth.state(), AuthState::failure);
}

TEST_F(PapAuthTest, StaleAndLateVerdictsAreIgnored) {
    auth.start(0);
    auth.verdict(make_verdict(1, true), 0);  // nothing pending
    auth.on_packet(kRequest, 0);
    const uint32_t ticket = rig.cap.last().ticket;
    auth.verdict(make_verdict(ticket + 1, true), 0);  // not this request
    EXPECT_EQ(auth.state(), AuthState::verifying);
    auth.close();
    auth.verdict(make_verdict(ticket, true), 0);  // after close
    EXPECT_EQ(rig.c.stale_verdicts, 3u);
    EXPECT_EQ(auth.state(), AuthState::closed);
    EXPECT_TRUE(rig.cap.sent.empty());
    EXPECT_EQ(auth.next_deadline(), UINT64_MAX);
}

TEST_F(PapAuthTest, CountsWhatItCannotUse) {
    auth.on_packet(kRequest, 0);  // before start
    EXPECT_EQ(rig.c.response_without_challenge, 1u);
    auth.start(0);
    auth.on_packet(kAck, 0);
    EXPECT_EQ(rig.c.unexpected_code, 1u);
    auth.on_packet(unhex("09010004"), 0);
    EXPECT_EQ(rig.c.unknown_code, 1u);
    auth.on_packet(unhex("0101"), 0);
    EXPECT_EQ(rig.c.truncated, 1u);
    auth.on_packet(unhex("01010002"), 0);
    EXPECT_EQ(rig.c.bad_length, 1u);
    auth.on_packet(unhex("0101001004757365"), 0);  // Length beyond the bytes
    EXPECT_EQ(rig.c.truncated, 2u);
    auth.on_packet(unhex("01010006ff41"), 0);
    EXPECT_EQ(rig.c.bad_field_length, 1u);
    EXPECT_EQ(rig.c.packets_in, 7u);
    EXPECT_EQ(auth.state(), AuthState::wait_request);
    EXPECT_TRUE(rig.cap.events.empty());
}

// ---- Peer ------------------------------------------------------------------------

struct PapPeerTest : ::testing::Test {
    Rig rig;
    PapPeer peer{rig.ctx()};
    void SetUp() override {
        rig.cfg.timeout_ns = 0;
        rig.cfg.max_transmits = 3;
        rig.rng.queued.push_back(7);  // first Identifier
    }
};

TEST_F(PapPeerTest, SendsRequestAndSucceedsOnAck) {
    peer.start("user", "secret", 0);
    ASSERT_EQ(rig.cap.sent.size(), 1u);
    EXPECT_EQ(rig.cap.sent[0].protocol, kProtoPap);
    EXPECT_EQ(rig.cap.sent[0].bytes, kRequest);
    EXPECT_EQ(peer.state(), AuthState::request_sent);
    peer.on_packet(kAck, kSec);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::success);
    EXPECT_FALSE(rig.cap.last().authenticator);
    EXPECT_EQ(rig.cap.last().message, "Access granted");
    EXPECT_EQ(peer.next_deadline(), UINT64_MAX);
    peer.on_packet(kAck, kSec);  // a duplicate
    EXPECT_EQ(rig.c.result_without_request, 1u);
}

TEST_F(PapPeerTest, RetransmitsWithNewIdsThenGivesUp) {
    peer.start("user", "secret", 0);
    EXPECT_EQ(peer.next_deadline(), 3 * kSec);
    peer.on_timer(2 * kSec);
    EXPECT_EQ(rig.cap.sent.size(), 1u);
    peer.on_timer(3 * kSec);
    peer.on_timer(6 * kSec);
    ASSERT_EQ(rig.cap.sent.size(), 3u);
    EXPECT_EQ(rig.cap.sent[1].bytes[1], 8);
    EXPECT_EQ(rig.cap.sent[2].bytes[1], 9);
    EXPECT_EQ(rig.c.retransmits, 2u);
    peer.on_timer(9 * kSec);  // max_transmits reached and no answer
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
    EXPECT_EQ(rig.cap.sent.size(), 3u);
    EXPECT_EQ(rig.c.timeouts, 1u);
}

TEST_F(PapPeerTest, AcceptsAReplyToAnyOutstandingRequestOnly) {
    peer.start("user", "secret", 0);
    peer.on_timer(3 * kSec);  // ids 7 and 8 outstanding
    Bytes ack = kAck;
    ack[1] = 6;
    peer.on_packet(ack, 4 * kSec);
    ack[1] = 9;
    peer.on_packet(ack, 4 * kSec);
    EXPECT_EQ(rig.c.wrong_id, 2u);
    EXPECT_EQ(peer.state(), AuthState::request_sent);
    ack[1] = 7;  // the answer to the first one, late
    peer.on_packet(ack, 4 * kSec);
    EXPECT_EQ(peer.state(), AuthState::success);
}

TEST_F(PapPeerTest, NakFailsWithTheMessage) {
    peer.start("user", "wrong", 0);
    Bytes nak = kNak;
    nak[1] = 7;
    peer.on_packet(nak, kSec);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::peer_rejected);
    EXPECT_EQ(rig.cap.last().message, "Access denied");
}

TEST_F(PapPeerTest, OverallTimeoutAndClose) {
    rig.cfg.timeout_ns = 5 * kSec;
    rig.cfg.max_transmits = 10;
    peer.start("user", "secret", 0);
    peer.on_timer(3 * kSec);
    EXPECT_EQ(peer.next_deadline(), 5 * kSec);
    peer.on_timer(5 * kSec);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
    PapPeer other{rig.ctx()};
    other.start("user", "secret", 0);
    other.close();
    EXPECT_EQ(other.next_deadline(), UINT64_MAX);
    other.on_packet(kAck, 0);
    EXPECT_EQ(other.state(), AuthState::closed);
}

TEST_F(PapPeerTest, CountsUnexpectedPackets) {
    peer.start("user", "secret", 0);
    peer.on_packet(kRequest, 0);
    EXPECT_EQ(rig.c.unexpected_code, 1u);
    peer.on_packet(unhex("0207000605 41"), 0);
    EXPECT_EQ(rig.c.bad_field_length, 1u);
    peer.on_packet(unhex("04070004"), 0);
    EXPECT_EQ(rig.c.unknown_code, 1u);
    EXPECT_EQ(peer.state(), AuthState::request_sent);
}

TEST(PapPeer, LongCredentialsAreCut) {
    Rig rig;
    PapPeer peer{rig.ctx()};
    peer.start(std::string(300, 'u'), std::string(300, 'p'), 0);
    PapRequest r;
    ControlPacket p;
    ASSERT_EQ(parse_control_packet(rig.cap.sent[0].bytes, &p), PppError::ok);
    ASSERT_EQ(parse_pap_request(p, &r), AuthError::ok);
    EXPECT_EQ(r.user.size(), 255u);
    EXPECT_EQ(r.password.size(), 255u);
}

// ---- Back to back ------------------------------------------------------------------

struct PapPair : ::testing::Test {
    Rig ra, rp;
    PapAuthenticator auth{ra.ctx()};
    PapPeer peer{rp.ctx()};
    Link link;
    void SetUp() override {
        ra.cap.hook = [&](const AuthEvent &e) {  // a local user database
            if (e.kind != AuthEventKind::verify) return;
            const bool ok = e.verify->user == "alice" && e.verify->password == "wonderland";
            auth.verdict(make_verdict(e.verify->ticket, ok, ok ? "Welcome" : "Bad password"), 0);
        };
    }
};

TEST_F(PapPair, Success) {
    auth.start(0);
    peer.start("alice", "wonderland", 0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(rp.cap.last().message, "Welcome");
    EXPECT_EQ(ra.cap.last().peer_name, "alice");
}

TEST_F(PapPair, Failure) {
    auth.start(0);
    peer.start("alice", "queen", 0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rp.cap.last().message, "Bad password");
}

TEST_F(PapPair, LostRequestAndLostAckAreRecovered) {
    link.drop = [](bool, size_t i) { return i == 0; };  // first of each direction
    auth.start(0);
    peer.start("alice", "wonderland", 0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(auth.state(), AuthState::wait_request);
    peer.on_timer(3 * kSec);  // second request: verified, its Ack lost
    link.pump(auth, ra, peer, rp, 3 * kSec);
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(peer.state(), AuthState::request_sent);
    peer.on_timer(6 * kSec);  // third request: the Ack is re-sent
    link.pump(auth, ra, peer, rp, 6 * kSec);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(ra.c.results_resent, 1u);
    EXPECT_EQ(ra.c.verify_requests, 1u);
}

}  // namespace
}  // namespace lns::cp::ppp
