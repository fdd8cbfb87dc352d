// The CHAP engines with MS-CHAPv2 (controlplane/ppp/chap.hpp, RFC 2759 §3-§6),
// driven with the RFC 2759 §9.2 example: the injected randomness makes the
// authenticator's challenge and the peer's challenge those of the RFC, so the
// NT-Response on the wire and the authenticator response in Success are the
// RFC's values.
#include <gtest/gtest.h>

#include "auth_test_harness.hpp"
#include "controlplane/ppp/chap.hpp"
#include "controlplane/ppp/mschap.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

const Bytes kAuthChallenge = unhex("5B5D7C7D7B3F2F3E3C2C602132262628");
const Bytes kPeerChallenge = unhex("21402324255E262A28295F2B3A337C7E");
const Bytes kNtResponse = unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
constexpr std::string_view kAuthResponse = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

ControlPacket packet(const Bytes &b) {
    ControlPacket p;
    EXPECT_EQ(parse_control_packet(b, &p), PppError::ok);
    return p;
}

std::string_view status_text(const Bytes &b) {
    std::string_view m;
    EXPECT_EQ(parse_chap_status(packet(b), &m), AuthError::ok);
    return m;
}

struct MsChapPair : ::testing::Test {
    Rig ra, rp;
    ChapAuthenticator auth{ra.ctx(), AuthProtocol::mschap_v2};
    ChapPeer peer{rp.ctx(), AuthProtocol::mschap_v2};
    Link link;
    std::string password = "clientPass";
    bool sync_owner = true;
    void SetUp() override {
        ra.rng.queued.push_back(0x11);  // identifier
        ra.rng.queue_bytes(kAuthChallenge);
        rp.rng.queue_bytes(kPeerChallenge);
        ra.cap.hook = [&](const AuthEvent &e) {  // a local user database
            if (e.kind != AuthEventKind::verify || !sync_owner) return;
            AuthenticatorResponse ar;
            if (mschapv2_verify(*e.verify, password, &ar))
                auth.verdict(make_verdict(e.verify->ticket, true, "Welcome", to_view(ar)), 0);
            else
                auth.verdict(make_verdict(e.verify->ticket, false, "Wrong password"), 0);
        };
    }
    void run(std::string_view user, std::string_view secret) {
        peer.start(user, secret, 0);
        auth.start(0);
        link.pump(auth, ra, peer, rp, 0);
    }
};

TEST_F(MsChapPair, Rfc2759ExampleOnTheWire) {
    run("User", "clientPass");
    // Challenge: Value-Size 16, the RFC's authenticator challenge, our name.
    ChapValue c;
    ASSERT_EQ(parse_chap_value(packet(ra.cap.sent[0].bytes), &c), AuthError::ok);
    EXPECT_EQ(Bytes(c.value.begin(), c.value.end()), kAuthChallenge);
    // Response: Value-Size 49 = peer challenge, 8 zero octets, NT-Response, flags 0.
    ChapValue r;
    ASSERT_EQ(parse_chap_value(packet(rp.cap.sent[0].bytes), &r), AuthError::ok);
    EXPECT_EQ(r.name, "User");
    Bytes want = kPeerChallenge;
    want.resize(24, 0);
    want.insert(want.end(), kNtResponse.begin(), kNtResponse.end());
    want.push_back(0);
    EXPECT_EQ(Bytes(r.value.begin(), r.value.end()), want);
    // The verify event carries the parts.
    const Recorded &v = ra.cap.events[0];
    EXPECT_EQ(v.kind, AuthEventKind::verify);
    EXPECT_EQ(v.protocol, AuthProtocol::mschap_v2);
    EXPECT_EQ(v.challenge, kAuthChallenge);
    EXPECT_EQ(v.peer_challenge, kPeerChallenge);
    EXPECT_EQ(v.nt_response, kNtResponse);
    EXPECT_EQ(v.flags, 0);
    // Success: "S=<authenticator response> M=<message>", identifier of the Response.
    EXPECT_EQ(ra.cap.sent[1].bytes[0], uint8_t(ChapCode::Success));
    EXPECT_EQ(ra.cap.sent[1].bytes[1], 0x11);
    EXPECT_EQ(status_text(ra.cap.sent[1].bytes), std::string(kAuthResponse) + " M=Welcome");
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(rp.cap.last().message, "Welcome");
}

TEST_F(MsChapPair, WrongPasswordGetsTheRfc2759Failure) {
    run("User", "clientPasz");
    EXPECT_EQ(status_text(ra.cap.sent[1].bytes),
              "E=691 R=0 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=Wrong password");
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rp.cap.last().reason, AuthFailure::peer_rejected);
    EXPECT_EQ(rp.cap.last().message, "Wrong password");
}

TEST_F(MsChapPair, PeerFailsTheLinkOnAWrongAuthenticatorResponse) {
    sync_owner = false;
    run("User", "clientPass");
    // An authenticator that does not know the password cannot prove it.
    auth.verdict(make_verdict(ra.cap.last().ticket, true, "",
                              "S=0000000000000000000000000000000000000000"), 0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(auth.state(), AuthState::success);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rp.cap.last().reason, AuthFailure::bad_authenticator_response);
    EXPECT_EQ(rp.c.bad_authenticator_response, 1u);
}

TEST_F(MsChapPair, LowerCaseAuthenticatorResponseIsAccepted) {
    sync_owner = false;
    run("User", "clientPass");
    std::string lower(kAuthResponse);
    for (size_t i = 2; i < lower.size(); ++i) lower[i] = char(std::tolower(lower[i]));
    auth.verdict(make_verdict(ra.cap.last().ticket, true, "", lower), 0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(peer.state(), AuthState::success);
}

TEST_F(MsChapPair, AcceptWithoutAuthenticatorResponseIsABadVerdict) {
    sync_owner = false;
    run("User", "clientPass");
    auth.verdict(make_verdict(ra.cap.last().ticket, true, "ok", "S=12"), 0);
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(ra.c.bad_verdicts, 1u);
    EXPECT_EQ(auth.state(), AuthState::failure);
    EXPECT_EQ(ra.cap.last().reason, AuthFailure::bad_verdict);
    EXPECT_EQ(ra.cap.sent.back().bytes[0], uint8_t(ChapCode::Failure));
    EXPECT_EQ(peer.state(), AuthState::failure);
}

TEST_F(MsChapPair, RadiusErrorTextIsSentAsIs) {
    sync_owner = false;
    run("User", "clientPass");
    auth.verdict(make_verdict(ra.cap.last().ticket, false, "", "",
                              "E=648 R=0 C=00000000000000000000000000000000 V=3 M=Expired"), 0);
    EXPECT_EQ(status_text(ra.cap.sent.back().bytes),
              "E=648 R=0 C=00000000000000000000000000000000 V=3 M=Expired");
    link.pump(auth, ra, peer, rp, 0);
    EXPECT_EQ(rp.cap.last().message, "Expired");
}

TEST_F(MsChapPair, RepeatedChallengeGetsTheSameResponse) {
    // The first Response is lost; the repeated Challenge must be answered with the
    // same peer challenge, or the Success would prove a different exchange.
    link.drop = [](bool from_auth, size_t i) { return !from_auth && i == 0; };
    run("User", "clientPass");
    EXPECT_EQ(auth.state(), AuthState::challenge_sent);
    auth.on_timer(3 * ra.cfg.restart_ns);
    link.pump(auth, ra, peer, rp, 3 * ra.cfg.restart_ns);
    EXPECT_EQ(rp.cap.sent[0].bytes, rp.cap.sent[1].bytes);
    EXPECT_EQ(rp.c.responses_resent, 1u);
    EXPECT_EQ(peer.state(), AuthState::success);
    EXPECT_EQ(status_text(ra.cap.sent.back().bytes), std::string(kAuthResponse) + " M=Welcome");
}

TEST_F(MsChapPair, DomainIsLeftOutOfTheHash) {
    password = "clientPass";
    run("CORP\\User", "clientPass");
    EXPECT_EQ(ra.cap.events[0].user, "CORP\\User");
    EXPECT_EQ(ra.cap.events[0].nt_response, kNtResponse);  // as for "User"
    EXPECT_EQ(peer.state(), AuthState::success);
}

TEST(MsChapAuthenticator, ValueSizeAndChangePassword) {
    Rig rig;
    ChapAuthenticator auth{rig.ctx(), AuthProtocol::mschap_v2};
    auth.start(0);
    PacketWriter w(0, 0);
    const Bytes md5_sized(16, 1);
    auto r = build_chap_value(w, ChapCode::Response, auth.id(), md5_sized, "User");
    auth.on_packet(Bytes(r.begin(), r.end()), 0);
    EXPECT_EQ(rig.c.bad_value_size, 1u);
    Bytes cpw = {7, auth.id(), 0, 4};
    auth.on_packet(cpw, 0);
    EXPECT_EQ(rig.c.unsupported, 1u);
    EXPECT_EQ(auth.state(), AuthState::challenge_sent);
    EXPECT_EQ(auth.challenge().size(), kMsChapChallengeLen);
}

TEST(MsChapPeer, ChallengeOfTheWrongSizeIsDropped) {
    Rig rig;
    ChapPeer peer{rig.ctx(), AuthProtocol::mschap_v2};
    peer.start("User", "clientPass", 0);
    PacketWriter w(0, 0);
    auto c = build_chap_value(w, ChapCode::Challenge, 1, Bytes(8, 1), "lnsd");
    peer.on_packet(Bytes(c.begin(), c.end()), 0);
    EXPECT_EQ(rig.c.bad_value_size, 1u);
    EXPECT_TRUE(rig.cap.sent.empty());
}

TEST(MsChapPeer, FailureWithRetryIsNotRetried) {
    Rig rig;
    ChapPeer peer{rig.ctx(), AuthProtocol::mschap_v2};
    peer.start("User", "clientPass", 0);
    PacketWriter w(0, 0);
    auto c = build_chap_value(w, ChapCode::Challenge, 1, kAuthChallenge, "lnsd");
    peer.on_packet(Bytes(c.begin(), c.end()), 0);
    auto f = build_chap_status(w, ChapCode::Failure, 1,
                               "E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=Try again");
    peer.on_packet(Bytes(f.begin(), f.end()), 0);
    EXPECT_EQ(rig.c.unsupported, 1u);
    EXPECT_EQ(peer.state(), AuthState::failure);
    EXPECT_EQ(rig.cap.last().message, "Try again");
}

}  // namespace
}  // namespace lns::cp::ppp
