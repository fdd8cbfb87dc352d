// CHAP codec, CHAP-MD5 crypto and the CHAP engines with MD5 (controlplane/ppp/
// chap.hpp, chap_packet.hpp, chap_md5.hpp; RFC 1994).  Packet bytes were
// cross-checked by hand with scapy's PPP_CHAP_ChallengeResponse / PPP_CHAP, the
// MD5 response with Python's hashlib.
#include "controlplane/ppp/chap.hpp"

#include <gtest/gtest.h>

#include "auth_test_harness.hpp"
#include "controlplane/ppp/chap_md5.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

const Bytes kChallengeValue = unhex("00112233445566778899aabbccddeeff");
// scapy: PPP_CHAP_ChallengeResponse(code=1, id=0x2a, value=<above>, optional_name=b'lnsd')
const Bytes kChallenge = unhex("012a00191000112233445566778899aabbccddeeff6c6e7364");
// hashlib.md5(b'\x2a' + b'secret' + challenge)
const Bytes kMd5 = unhex("b315fb98595bfed70521be60163cc41e");
// scapy: PPP_CHAP_ChallengeResponse(code=2, id=0x2a, value=<md5>, optional_name=b'alice')
const Bytes kResponse = unhex("022a001a10b315fb98595bfed70521be60163cc41e616c696365");
// scapy: PPP_CHAP(code=3, id=0x2a, data=b'Access granted') / code=4 'Access denied'
const Bytes kSuccess = unhex("032a0012416363657373206772616e746564");
const Bytes kFailure = unhex("042a00114163636573732064656e696564");

ControlPacket packet(const Bytes &b) {
    ControlPacket p;
    EXPECT_EQ(parse_control_packet(b, &p), PppError::ok);
    return p;
}

TEST(ChapCodec, ParsesRealPackets) {
    ChapValue v;
    ASSERT_EQ(parse_chap_value(packet(kChallenge), &v), AuthError::ok);
    EXPECT_EQ(Bytes(v.value.begin(), v.value.end()), kChallengeValue);
    EXPECT_EQ(v.name, "lnsd");
    ASSERT_EQ(parse_chap_value(packet(kResponse), &v), AuthError::ok);
    EXPECT_EQ(Bytes(v.value.begin(), v.value.end()), kMd5);
    EXPECT_EQ(v.name, "alice");
    std::string_view m;
    ASSERT_EQ(parse_chap_status(packet(kSuccess), &m), AuthError::ok);
    EXPECT_EQ(m, "Access granted");
    ASSERT_EQ(parse_chap_status(packet(kFailure), &m), AuthError::ok);
    EXPECT_EQ(m, "Access denied");
    EXPECT_EQ(parse_chap_status(packet(kChallenge), &m), AuthError::unknown_code);
    EXPECT_EQ(parse_chap_value(packet(kSuccess), &v), AuthError::unknown_code);
}

TEST(ChapCodec, BuildsTheSameBytes) {
    PacketWriter w(0, 0);
    auto c = build_chap_value(w, ChapCode::Challenge, 0x2a, kChallengeValue, "lnsd");
    EXPECT_EQ(Bytes(c.begin(), c.end()), kChallenge);
    auto r = build_chap_value(w, ChapCode::Response, 0x2a, kMd5, "alice");
    EXPECT_EQ(Bytes(r.begin(), r.end()), kResponse);
    auto s = build_chap_status(w, ChapCode::Success, 0x2a, "Access granted");
    EXPECT_EQ(Bytes(s.begin(), s.end()), kSuccess);
}

TEST(ChapCodec, RejectsMalformedValues) {
    ChapValue v;
    EXPECT_EQ(parse_chap_value(packet(unhex("02010004")), &v), AuthError::truncated);
    EXPECT_EQ(parse_chap_value(packet(unhex("0201000500")), &v), AuthError::bad_value_size);
    EXPECT_EQ(parse_chap_value(packet(unhex("020100061041")), &v), AuthError::bad_field_length);
    Bytes long_name = unhex("0201000001ff");
    long_name.resize(6 + 256, 'n');
    long_name[2] = uint8_t(long_name.size() >> 8);
    long_name[3] = uint8_t(long_name.size());
    EXPECT_EQ(parse_chap_value(packet(long_name), &v), AuthError::name_too_long);
    long_name.pop_back();  // 255 octets: fine
    long_name[3] = uint8_t(long_name.size());
    ASSERT_EQ(parse_chap_value(packet(long_name), &v), AuthError::ok);
    EXPECT_EQ(v.name.size(), 255u);
}

TEST(ChapMd5, ResponseAndVerify) {
    const ChapMd5Response r = chap_md5_response(0x2a, "secret", kChallengeValue);
    EXPECT_EQ(Bytes(r.begin(), r.end()), kMd5);
    EXPECT_TRUE(chap_md5_verify(0x2a, "secret", kChallengeValue, kMd5));
    EXPECT_FALSE(chap_md5_verify(0x2b, "secret", kChallengeValue, kMd5));
    EXPECT_FALSE(chap_md5_verify(0x2a, "Secret", kChallengeValue, kMd5));
    EXPECT_FALSE(chap_md5_verify(0x2a, "secret", kChallengeValue, std::span(kMd5).first(15)));
    VerifyRequest req;
    req.protocol = AuthProtocol::chap_md5;
    req.id = 0x2a;
    req.challenge = kChallengeValue;
    req.response = kMd5;
    EXPECT_TRUE(chap_md5_verify(req, "secret"));
    req.protocol = AuthProtocol::pap;
    EXPECT_FALSE(chap_md5_verify(req, "secret"));
}

// ---- Authenticator ---------------------------------------------------------------

struct ChapAuthTest : ::testing::Test {
    Rig rig;
    ChapAuthenticator auth{rig.ctx(), AuthProtocol::chap_md5};
    void SetUp() override {
        rig.cfg.timeout_ns = 0;
        rig.cfg.max_transmits = 3;
        rig.rng.queued.push_back(0x2a);  // identifier
        rig.rng.queue_bytes(kChallengeValue);
    }
    // The peer's Response to the current challenge.
    Bytes response(std::string_view secret, std::string_view name = "alice", int id = -1) {
        const uint8_t i = id < 0 ? auth.id() : uint8_t(id);
        const ChapMd5Response r = chap_md5_response(i, secret, auth.challenge());
        PacketWriter w(0, 0);
        auto b = build_chap_value(w, ChapCode::Response, i, r, name);
        return Bytes(b.begin(), b.end());
    }
};

TEST_F(ChapAuthTest, SendsTheChallengeAndRetransmitsItUnchanged) {
    auth.start(0);
    ASSERT_EQ(rig.cap.sent.size(), 1u);
    EXPECT_EQ(rig.cap.sent[0].protocol, kProtoChap);
    EXPECT_EQ(rig.cap.sent[0].bytes, kChallenge);
    EXPECT_EQ(auth.state(), AuthState::challenge_sent);
    EXPECT_EQ(auth.next_deadline(), 3 * kSec);
    auth.on_timer(3 * kSec);
    auth.on_timer(6 * kSec);
    ASSERT_EQ(rig.cap.sent.size(), 3u);
    EXPECT_EQ(rig.cap.sent[2].bytes, kChallenge);
    EXPECT_EQ(rig.c.retransmits, 2u);
    auth.on_timer(9 * kSec);  // three sent, none answered
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
    EXPECT_EQ(rig.c.timeouts, 1u);
    EXPECT_EQ(rig.cap.sent.size(), 3u);
}

TEST_F(ChapAuthTest, ResponseBecomesVerifyThenSuccess) {
    auth.start(0);
    auth.on_packet(kResponse, kSec);
    ASSERT_EQ(rig.cap.events.size(), 1u);
    const Recorded v = rig.cap.last();
    EXPECT_EQ(v.kind, AuthEventKind::verify);
    EXPECT_EQ(v.protocol, AuthProtocol::chap_md5);
    EXPECT_EQ(v.user, "alice");
    EXPECT_EQ(v.id, 0x2a);
    EXPECT_EQ(v.challenge, kChallengeValue);
    EXPECT_EQ(v.response, kMd5);
    EXPECT_EQ(auth.state(), AuthState::verifying);
    EXPECT_EQ(auth.next_deadline(), UINT64_MAX);  // no more retransmissions
    auth.verdict(make_verdict(v.ticket, true), kSec);
    EXPECT_EQ(rig.cap.sent.back().bytes, kSuccess);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::success);
    EXPECT_FALSE(rig.cap.last().rechallenge);
    EXPECT_EQ(rig.cap.last().peer_name, "alice");
    EXPECT_TRUE(auth.authenticated());
    EXPECT_EQ(auth.next_deadline(), UINT64_MAX);  // no re-challenge configured
}

TEST_F(ChapAuthTest, RejectSendsFailure) {
    auth.start(0);
    auth.on_packet(kResponse, 0);
    auth.verdict(make_verdict(rig.cap.last().ticket, false), 0);
    EXPECT_EQ(rig.cap.sent.back().bytes, kFailure);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::rejected);
    EXPECT_EQ(auth.state(), AuthState::failure);
}

TEST_F(ChapAuthTest, RepeatedResponses) {
    auth.start(0);
    auth.on_packet(kResponse, 0);
    auth.on_packet(kResponse, 0);  // while verifying: dropped
    EXPECT_EQ(rig.c.duplicate_while_verifying, 1u);
    EXPECT_EQ(rig.cap.events.size(), 1u);
    auth.verdict(make_verdict(rig.cap.last().ticket, true, "Welcome"), 0);
    const size_t n = rig.cap.sent.size();
    auth.on_packet(kResponse, kSec);  // our Success was lost: the same again
    ASSERT_EQ(rig.cap.sent.size(), n + 1);
    EXPECT_EQ(rig.cap.sent[n].bytes, rig.cap.sent[n - 1].bytes);
    EXPECT_EQ(rig.c.results_resent, 1u);
    EXPECT_EQ(rig.cap.events.size(), 2u);
}

TEST_F(ChapAuthTest, WrongIdentifierAndBadValuesAreDropped) {
    auth.start(0);
    auth.on_packet(response("secret", "alice", 0x2b), 0);
    EXPECT_EQ(rig.c.wrong_id, 1u);
    auth.on_packet(unhex("022a000d08 0102030405060708"), 0);  // 8-octet value: not MD5
    EXPECT_EQ(rig.c.bad_value_size, 1u);
    auth.on_packet(unhex("022a00050"), 0);
    EXPECT_EQ(rig.c.truncated, 1u);
    auth.on_packet(unhex("022a000500"), 0);
    EXPECT_EQ(rig.c.bad_value_size, 2u);
    auth.on_packet(kChallenge, 0);
    auth.on_packet(kSuccess, 0);
    EXPECT_EQ(rig.c.unexpected_code, 2u);
    auth.on_packet(unhex("072a0004"), 0);  // Change-Password means nothing to MD5
    auth.on_packet(unhex("ff2a0004"), 0);
    EXPECT_EQ(rig.c.unknown_code, 2u);
    EXPECT_EQ(auth.state(), AuthState::challenge_sent);
    EXPECT_TRUE(rig.cap.events.empty());
}

TEST_F(ChapAuthTest, ResponseWithoutChallenge) {
    auth.on_packet(kResponse, 0);
    EXPECT_EQ(rig.c.response_without_challenge, 1u);
    auth.start(0);
    auth.close();
    auth.on_packet(kResponse, 0);
    EXPECT_EQ(rig.c.response_without_challenge, 2u);
    EXPECT_TRUE(rig.cap.events.empty());
}

TEST_F(ChapAuthTest, StaleVerdicts) {
    auth.start(0);
    auth.on_packet(kResponse, 0);
    const uint32_t t = rig.cap.last().ticket;
    auth.verdict(make_verdict(t ^ 1, true), 0);
    EXPECT_EQ(auth.state(), AuthState::verifying);
    auth.verdict(make_verdict(t, true), 0);
    auth.verdict(make_verdict(t, false), 0);  // already answered
    EXPECT_EQ(rig.c.stale_verdicts, 2u);
    EXPECT_EQ(auth.state(), AuthState::success);
}

TEST_F(ChapAuthTest, VerdictAfterCloseIsIgnored) {
    auth.start(0);
    auth.on_packet(kResponse, 0);
    auth.close();
    auth.verdict(make_verdict(rig.cap.last().ticket, true), 0);
    EXPECT_EQ(rig.c.stale_verdicts, 1u);
    EXPECT_EQ(rig.cap.sent.size(), 1u);  // the Challenge only
    EXPECT_EQ(auth.next_deadline(), UINT64_MAX);
}

TEST_F(ChapAuthTest, OverallTimeoutWhileVerifying) {
    rig.cfg.timeout_ns = 10 * kSec;
    auth.start(0);
    auth.on_packet(kResponse, kSec);
    EXPECT_EQ(auth.next_deadline(), 10 * kSec);
    auth.on_timer(10 * kSec);
    EXPECT_EQ(rig.cap.sent.back().bytes[0], uint8_t(ChapCode::Failure));
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
    auth.verdict(make_verdict(rig.cap.events[0].ticket, true), 11 * kSec);
    EXPECT_EQ(rig.c.stale_verdicts, 1u);
    EXPECT_EQ(auth.state(), AuthState::failure);
}

TEST_F(ChapAuthTest, ChallengeLengthAndName) {
    rig.cfg.challenge_len = 200;  // clamped
    rig.cfg.name = "lns-1.example";
    auth.start(0);
    ChapValue v;
    ASSERT_EQ(parse_chap_value(packet(rig.cap.sent[0].bytes), &v), AuthError::ok);
    EXPECT_EQ(v.value.size(), kMaxChallenge);
    EXPECT_EQ(v.name, "lns-1.example");
}

// ---- Re-challenge ----------------------------------------------------------------

struct ChapRechallengeTest : ChapAuthTest {
    void SetUp() override {
        ChapAuthTest::SetUp();
        rig.cfg.rechallenge_ns = 60 * kSec;
        rig.cap.hook = [&](const AuthEvent &e) {
            if (e.kind == AuthEventKind::verify)
                auth.verdict(make_verdict(e.verify->ticket, chap_md5_verify(*e.verify, secret)), now);
        };
        auth.start(0);
        auth.on_packet(response("secret"), 0);
    }
    std::string secret = "secret";
    uint64_t now = 0;
};

TEST_F(ChapRechallengeTest, PassesWithANewIdentifierAndChallenge) {
    ASSERT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(auth.next_deadline(), 60 * kSec);
    const Bytes first_challenge(auth.challenge().begin(), auth.challenge().end());
    auth.on_timer(60 * kSec);
    EXPECT_EQ(auth.state(), AuthState::challenge_sent);
    EXPECT_EQ(auth.id(), 0x2b);
    EXPECT_NE(Bytes(auth.challenge().begin(), auth.challenge().end()), first_challenge);
    EXPECT_EQ(rig.c.rechallenges, 1u);
    now = 61 * kSec;
    auth.on_packet(response("secret"), now);
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::success);
    EXPECT_TRUE(rig.cap.last().rechallenge);
    EXPECT_EQ(auth.next_deadline(), 121 * kSec);
}

TEST_F(ChapRechallengeTest, FailedRechallengeFailsTheLink) {
    auth.on_timer(60 * kSec);
    secret = "changed-on-the-server";
    auth.on_packet(response("secret"), 61 * kSec);
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::failure);
    EXPECT_TRUE(rig.cap.last().rechallenge);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::rejected);
    EXPECT_EQ(rig.cap.sent.back().bytes[0], uint8_t(ChapCode::Failure));
    EXPECT_EQ(auth.next_deadline(), UINT64_MAX);
}

TEST_F(ChapRechallengeTest, UnansweredRechallengeFailsTheLink) {
    auth.on_timer(60 * kSec);
    auth.on_timer(63 * kSec);
    auth.on_timer(66 * kSec);
    EXPECT_EQ(auth.state(), AuthState::challenge_sent);
    auth.on_timer(69 * kSec);
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
    EXPECT_TRUE(rig.cap.last().rechallenge);
}

TEST_F(ChapRechallengeTest, AnotherNameFailsTheLink) {
    auth.on_timer(60 * kSec);
    const size_t events = rig.cap.events.size();
    auth.on_packet(response("secret", "mallory"), 61 * kSec);
    EXPECT_EQ(rig.cap.events.size(), events + 1);  // no verify event
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::name_changed);
    EXPECT_EQ(rig.c.name_changed, 1u);
    EXPECT_EQ(rig.cap.sent.back().bytes[0], uint8_t(ChapCode::Failure));
}

TEST_F(ChapRechallengeTest, OldResponseDuringRechallengeIsWrongId) {
    const Bytes old = response("secret");
    auth.on_timer(60 * kSec);
    auth.on_packet(old, 60 * kSec);
    EXPECT_EQ(rig.c.wrong_id, 1u);
    EXPECT_EQ(auth.state(), AuthState::challenge_sent);
}

// ---- Peer ------------------------------------------------------------------------

struct ChapPeerTest : ::testing::Test {
    Rig rig;
    ChapPeer peer{rig.ctx(), AuthProtocol::chap_md5};
    void SetUp() override { rig.cfg.timeout_ns = 30 * kSec; }
};

TEST_F(ChapPeerTest, AnswersTheChallengeAndSucceeds) {
    peer.start("alice", "secret", 0);
    EXPECT_EQ(peer.state(), AuthState::wait_challenge);
    EXPECT_TRUE(rig.cap.sent.empty());
    peer.on_packet(kChallenge, kSec);
    ASSERT_EQ(rig.cap.sent.size(), 1u);
    EXPECT_EQ(rig.cap.sent[0].protocol, kProtoChap);
    EXPECT_EQ(rig.cap.sent[0].bytes, kResponse);
    EXPECT_EQ(peer.state(), AuthState::response_sent);
    peer.on_packet(kSuccess, kSec);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(rig.cap.last().kind, AuthEventKind::success);
    EXPECT_EQ(rig.cap.last().message, "Access granted");
    EXPECT_EQ(peer.next_deadline(), UINT64_MAX);
}

TEST_F(ChapPeerTest, FailureFails) {
    peer.start("alice", "secret", 0);
    peer.on_packet(kChallenge, 0);
    peer.on_packet(kFailure, 0);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::peer_rejected);
    EXPECT_EQ(rig.cap.last().message, "Access denied");
    peer.on_packet(kChallenge, 0);
    EXPECT_EQ(rig.c.challenge_ignored, 1u);
}

TEST_F(ChapPeerTest, RepeatedChallengeGetsTheSameResponse) {
    peer.start("alice", "secret", 0);
    peer.on_packet(kChallenge, 0);
    peer.on_packet(kChallenge, 3 * kSec);
    ASSERT_EQ(rig.cap.sent.size(), 2u);
    EXPECT_EQ(rig.cap.sent[1].bytes, kResponse);
    EXPECT_EQ(rig.c.responses_resent, 1u);
}

TEST_F(ChapPeerTest, StatusThatMatchesNothing) {
    peer.start("alice", "secret", 0);
    peer.on_packet(kSuccess, 0);  // no Response yet
    EXPECT_EQ(rig.c.result_without_request, 1u);
    peer.on_packet(kChallenge, 0);
    Bytes other = kSuccess;
    other[1] = 0x2b;
    peer.on_packet(other, 0);
    EXPECT_EQ(rig.c.wrong_id, 1u);
    EXPECT_EQ(peer.state(), AuthState::response_sent);
    peer.on_packet(kResponse, 0);
    EXPECT_EQ(rig.c.unexpected_code, 1u);
    peer.on_packet(unhex("052a0004"), 0);
    EXPECT_EQ(rig.c.unknown_code, 1u);
}

TEST_F(ChapPeerTest, GivesUpWithoutChallengeOrResult) {
    peer.start("alice", "secret", 0);
    EXPECT_EQ(peer.next_deadline(), 30 * kSec);
    peer.on_timer(29 * kSec);
    EXPECT_EQ(peer.state(), AuthState::wait_challenge);
    peer.on_timer(30 * kSec);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().reason, AuthFailure::timeout);
}

TEST_F(ChapPeerTest, AnswersRechallengesAfterSuccess) {
    peer.start("alice", "secret", 0);
    peer.on_packet(kChallenge, 0);
    peer.on_packet(kSuccess, 0);
    PacketWriter w(0, 0);
    const Bytes value = unhex("0a0b0c0d");
    auto c = build_chap_value(w, ChapCode::Challenge, 0x2b, value, "lnsd");
    peer.on_packet(Bytes(c.begin(), c.end()), 60 * kSec);
    EXPECT_EQ(peer.state(), AuthState::response_sent);
    ChapValue v;
    ASSERT_EQ(parse_chap_value(packet(rig.cap.sent.back().bytes), &v), AuthError::ok);
    EXPECT_TRUE(chap_md5_verify(0x2b, "secret", value, v.value));
    auto s = build_chap_status(w, ChapCode::Success, 0x2b, "");
    peer.on_packet(Bytes(s.begin(), s.end()), 60 * kSec);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_TRUE(rig.cap.last().rechallenge);
}

// ---- Back to back ------------------------------------------------------------------

struct ChapPair : ::testing::Test {
    Rig ra, rp;
    ChapAuthenticator auth{ra.ctx(), AuthProtocol::chap_md5};
    ChapPeer peer{rp.ctx(), AuthProtocol::chap_md5};
    Link link;
    uint64_t now = 0;
    void SetUp() override {
        ra.cap.hook = [&](const AuthEvent &e) {  // a local user database
            if (e.kind != AuthEventKind::verify) return;
            const bool ok = e.verify->user == "alice" && chap_md5_verify(*e.verify, "wonderland");
            auth.verdict(make_verdict(e.verify->ticket, ok), now);
        };
    }
};

TEST_F(ChapPair, Success) {
    peer.start("alice", "wonderland", 0);
    auth.start(0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(auth.peer_name(), "alice");
}

TEST_F(ChapPair, Failure) {
    peer.start("alice", "looking-glass", 0);
    auth.start(0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rp.cap.last().reason, AuthFailure::peer_rejected);
}

TEST_F(ChapPair, LostChallengeAndLostSuccess) {
    // Authenticator packets 0 (the Challenge) and 2 (the Success) are lost.
    link.drop = [](bool from_auth, size_t i) { return from_auth && (i == 0 || i == 2); };
    peer.start("alice", "wonderland", 0);
    auth.start(0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(peer.state(), AuthState::wait_challenge);
    now = 3 * kSec;
    auth.on_timer(now);  // retransmitted Challenge: answered, verified, Success lost
    link.pump(auth, ra, peer, rp, now);
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(peer.state(), AuthState::response_sent);
    // The peer sees no Success; a repeated Response (e.g. after its own retry)
    // gets it again.
    auth.on_packet(rp.cap.sent.back().bytes, 4 * kSec);
    link.pump(auth, ra, peer, rp, 4 * kSec);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(ra.c.verify_requests, 1u);
}

TEST_F(ChapPair, PeriodicRechallenges) {
    ra.cfg.rechallenge_ns = 30 * kSec;
    peer.start("alice", "wonderland", 0);
    auth.start(0);
    link.pump(auth, ra, peer, rp, 0);
    for (int i = 1; i <= 5; ++i) {
        now = auth.next_deadline();
        EXPECT_EQ(now, uint64_t(i) * 30 * kSec);
        auth.on_timer(now);
        link.pump(auth, ra, peer, rp, now);
        ASSERT_EQ(auth.state(), AuthState::success);
        ASSERT_EQ(peer.state(), AuthState::success);
    }
    EXPECT_EQ(ra.c.rechallenges, 5u);
    EXPECT_EQ(ra.c.successes, 6u);
    EXPECT_EQ(rp.c.successes, 6u);
}

}  // namespace
}  // namespace lns::cp::ppp
