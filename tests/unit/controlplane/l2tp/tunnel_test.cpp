// Tunnel-level behaviour of the endpoint (RFC 2661 §4.2, §4.4.3, §5.1, §5.5, §5.7,
// §6.1-§6.5): establishment in both roles, challenge authentication, the tie
// breaker, duplicated SCCRQs, StopCCN and its hold, HELLO and dead peers, peer
// policies, limits, id allocation, unknown AVPs and message types, NAT, hidden
// AVPs, shutdown.  A LAC and an LNS Endpoint back to back (L2tpPair) or a scripted
// peer; fake clock and fake randomness throughout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "harness/l2tp_pair.hpp"

namespace lns::cp::l2tp {
namespace {

using namespace harness;

constexpr uint64_t kHold = 31 * kSec;  // 1+2+4+8+8+8 s: one full retransmission cycle
constexpr uint16_t kUnknownAvp = 0x7ff0;

PeerPolicy with_secret(const std::string &secret, bool require_auth, bool hide = false) {
    PeerPolicy p;
    p.name = "peer";
    p.secret = secret;
    p.require_authentication = require_auth;
    p.hide_avps = hide;
    return p;
}

Transport lns_to_lac() {
    Transport t;
    t.peer_ip = kLacIp;
    t.local_ip = kLnsIp;
    return t;
}

bool same16(std::span<const uint8_t> a, const std::array<uint8_t, 16> &b) {
    return a.size() == 16 && std::equal(a.begin(), a.end(), b.begin());
}

// ---- Establishment -----------------------------------------------------------------------

TEST(TunnelSetup, LacOpensLnsAccepts) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    ASSERT_NE(lac_tid, 0);
    ASSERT_NE(lns_tid, 0);

    auto sccrq = p.lac.sent_msgs(MsgType::sccrq);
    ASSERT_EQ(sccrq.size(), 1u);
    EXPECT_TRUE(sccrq[0].ok());
    EXPECT_EQ(sccrq[0].h.tunnel_id, 0);
    EXPECT_EQ(sccrq[0].h.ns, 0);
    EXPECT_EQ(sccrq[0]->protocol_version, 0x0100);
    EXPECT_EQ(sccrq[0]->host_name, "lac");
    EXPECT_EQ(sccrq[0]->vendor_name, "lac-emu");
    EXPECT_EQ(sccrq[0]->framing_capabilities, 3u);
    EXPECT_EQ(sccrq[0]->assigned_tunnel_id, lac_tid);
    EXPECT_EQ(sccrq[0]->receive_window_size, 16);
    EXPECT_TRUE(sccrq[0]->has(AvpType::tie_breaker));
    EXPECT_FALSE(sccrq[0]->has(AvpType::challenge));

    auto sccrp = p.lns.sent_msgs(MsgType::sccrp);
    ASSERT_EQ(sccrp.size(), 1u);
    EXPECT_EQ(sccrp[0].h.tunnel_id, lac_tid);
    EXPECT_EQ(sccrp[0].h.nr, 1);  // acknowledges the SCCRQ
    EXPECT_EQ(sccrp[0]->assigned_tunnel_id, lns_tid);
    EXPECT_EQ(sccrp[0]->host_name, "lns");
    EXPECT_FALSE(sccrp[0]->has(AvpType::challenge));
    EXPECT_FALSE(sccrp[0]->has(AvpType::challenge_response));

    auto scccn = p.lac.sent_msgs(MsgType::scccn);
    ASSERT_EQ(scccn.size(), 1u);
    EXPECT_EQ(scccn[0].h.tunnel_id, lns_tid);
    EXPECT_FALSE(scccn[0]->has(AvpType::challenge_response));

    // Events: the LAC is up on the SCCRP (20 ms), the LNS on the SCCCN (30 ms).
    const Rec *up_lac = p.lac.last(EventKind::tunnel_up);
    const Rec *up_lns = p.lns.last(EventKind::tunnel_up);
    EXPECT_EQ(up_lac->at, 20 * kMs);
    EXPECT_EQ(up_lns->at, 30 * kMs);
    EXPECT_EQ(up_lac->ev.tunnel_id, lac_tid);
    EXPECT_EQ(up_lac->ev.peer_tunnel_id, lns_tid);
    EXPECT_EQ(up_lac->ev.transport, p.lac_to_lns());
    EXPECT_EQ(up_lns->ev.peer_tunnel_id, lac_tid);
    EXPECT_EQ(up_lns->ev.transport.peer_ip, kLacIp);
    EXPECT_EQ(up_lns->ev.transport.peer_port, kL2tpPort);
    EXPECT_EQ(p.lac->tunnel(lac_tid)->state, TunnelState::established);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->state, TunnelState::established);
    EXPECT_TRUE(p.lac->tunnel(lac_tid)->initiator);
    EXPECT_FALSE(p.lns->tunnel(lns_tid)->initiator);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->peer_host_name, "lac");
    EXPECT_EQ(p.lns->tunnel(lns_tid)->peer_vendor, "lac-emu");
    EXPECT_EQ(p.lac->active_tunnels(), 1u);
    EXPECT_EQ(p.lns->active_tunnels(), 1u);

    // The SCCCN is acknowledged by a ZLB; then both channels are idle.
    p.run_for(kSec);
    EXPECT_EQ(p.lns.zlbs_sent(), 1u);
    EXPECT_TRUE(p.lac->tunnel(lac_tid)->ch.idle());
    EXPECT_TRUE(p.lns->tunnel(lns_tid)->ch.idle());
    EXPECT_EQ(p.lac->counters().tunnels_established, 1u);
    EXPECT_EQ(p.lns->counters().tunnels_established, 1u);
}

TEST(TunnelSetup, LnsOpensTunnelToLac) {
    L2tpPair p;
    const uint16_t lns_tid = p.lns->open_tunnel(lns_to_lac(), {}, p.now());
    ASSERT_NE(lns_tid, 0);
    ASSERT_TRUE(p.run_until(
        [&] { return p.lac.count(EventKind::tunnel_up) && p.lns.count(EventKind::tunnel_up); },
        kSec));
    const uint16_t lac_tid = p.lac.last(EventKind::tunnel_up)->ev.tunnel_id;
    EXPECT_EQ(p.lac->tunnel(lac_tid)->peer_id, lns_tid);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->peer_id, lac_tid);
    EXPECT_EQ(p.lac.sent_count(MsgType::sccrp), 1u);
    EXPECT_EQ(p.lns.sent_count(MsgType::scccn), 1u);
    // Calls work either way on it.
    EXPECT_NE(p.call(lac_tid).second, 0);
    const uint16_t out = p.lns->place_call(lns_tid, {}, p.now());
    ASSERT_NE(out, 0);
    EXPECT_TRUE(p.run_until([&] { return p.lac.count(EventKind::session_up) == 2; }, kSec));
}

TEST(TunnelSetup, PeerThatNeverAnswersIsGivenUp) {
    L2tpPair p;
    p.lac.link.down = true;
    const uint16_t tid = p.lac->open_tunnel(p.lac_to_lns(), {}, p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lac->tunnel(tid) == nullptr; }, 60 * kSec));
    EXPECT_LE(p.now(), kHold);  // retransmissions at 1, 3, 7, 15, 23 s; given up at 31 s
    EXPECT_EQ(p.lac.sent_count(MsgType::sccrq), 6u);
    ASSERT_EQ(p.lac.count(EventKind::tunnel_down), 1u);
    EXPECT_EQ(p.lac->active_tunnels(), 0u);
    EXPECT_EQ(p.lac->next_deadline(), UINT64_MAX);
}

// ---- Challenge authentication (§4.2, §5.1.1) ----------------------------------------------

TEST(TunnelAuth, ChallengedBothWaysWithTheSameSecret) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer = with_secret("s3cret", true);
    L2tpPair p(L2tpPair::lac_config(), lns);
    auto [lac_tid, lns_tid] = p.establish(with_secret("s3cret", true));
    ASSERT_NE(lns_tid, 0);

    auto sccrq = p.lac.sent_msgs(MsgType::sccrq);
    auto sccrp = p.lns.sent_msgs(MsgType::sccrp);
    auto scccn = p.lac.sent_msgs(MsgType::scccn);
    ASSERT_TRUE(sccrq[0]->has(AvpType::challenge));
    EXPECT_EQ(sccrq[0]->challenge.size(), 16u);
    ASSERT_TRUE(sccrp[0]->has(AvpType::challenge_response));
    EXPECT_TRUE(
        same16(sccrp[0]->challenge_response,
               challenge_response(MsgType::sccrp, as_bytes("s3cret"), sccrq[0]->challenge)));
    ASSERT_TRUE(sccrp[0]->has(AvpType::challenge));
    ASSERT_TRUE(scccn[0]->has(AvpType::challenge_response));
    EXPECT_TRUE(
        same16(scccn[0]->challenge_response,
               challenge_response(MsgType::scccn, as_bytes("s3cret"), sccrp[0]->challenge)));
    EXPECT_EQ(p.lns->counters().auth_failures, 0u);
    EXPECT_EQ(p.lac->counters().auth_failures, 0u);
}

TEST(TunnelAuth, SecretsWithoutRequireAuthenticationSendNoChallenge) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer = with_secret("s3cret", false);
    L2tpPair p(L2tpPair::lac_config(), lns);
    ASSERT_NE(p.establish(with_secret("s3cret", false)).second, 0);
    EXPECT_FALSE(p.lac.sent_msgs(MsgType::sccrq)[0]->has(AvpType::challenge));
    EXPECT_FALSE(p.lns.sent_msgs(MsgType::sccrp)[0]->has(AvpType::challenge));
    EXPECT_FALSE(p.lac.sent_msgs(MsgType::scccn)[0]->has(AvpType::challenge_response));
}

TEST(TunnelAuth, LacChallengeAnsweredByLns) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer = with_secret("s3cret", false);
    L2tpPair p(L2tpPair::lac_config(), lns);
    ASSERT_NE(p.establish(with_secret("s3cret", true)).second, 0);
    auto sccrp = p.lns.sent_msgs(MsgType::sccrp);
    EXPECT_TRUE(sccrp[0]->has(AvpType::challenge_response));
    EXPECT_FALSE(sccrp[0]->has(AvpType::challenge));
}

// Both sides clean: no tunnel counted active at once, every id gone after the hold.
void expect_clean_after_hold(L2tpPair &p) {
    EXPECT_EQ(p.lac->active_tunnels(), 0u);
    EXPECT_EQ(p.lns->active_tunnels(), 0u);
    p.run_for(kHold + kSec);
    EXPECT_EQ(p.lac->tunnel_count(), 0u);
    EXPECT_EQ(p.lns->tunnel_count(), 0u);
    EXPECT_EQ(p.lac->next_deadline(), UINT64_MAX);
    EXPECT_EQ(p.lns->next_deadline(), UINT64_MAX);
}

TEST(TunnelAuth, WrongSecretInScccnGetsStopCcn4) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer = with_secret("right", true);
    L2tpPair p(L2tpPair::lac_config(), lns);
    p.lac->open_tunnel(p.lac_to_lns(), with_secret("wrong", false), p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lac.count(EventKind::tunnel_down) == 1; }, 5 * kSec));

    auto stop = p.lns.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 1u);
    EXPECT_EQ(stop[0]->result_code.result, stopccn::kNotAuthorized);
    EXPECT_EQ(p.lns->counters().auth_failures, 1u);
    EXPECT_EQ(p.lns.count(EventKind::tunnel_up), 0u);
    const Rec *down_lns = p.lns.last(EventKind::tunnel_down);
    ASSERT_NE(down_lns, nullptr);
    EXPECT_EQ(down_lns->ev.reason, DownReason::rejected);
    EXPECT_EQ(down_lns->ev.result, stopccn::kNotAuthorized);
    const Rec *down_lac = p.lac.last(EventKind::tunnel_down);
    EXPECT_EQ(down_lac->ev.reason, DownReason::peer_request);
    EXPECT_EQ(down_lac->ev.result, stopccn::kNotAuthorized);
    expect_clean_after_hold(p);
}

TEST(TunnelAuth, LacRejectsWrongResponseWithStopCcn4) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer = with_secret("theirs", false);
    L2tpPair p(L2tpPair::lac_config(), lns);
    p.lac->open_tunnel(p.lac_to_lns(), with_secret("ours", true), p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lns.count(EventKind::tunnel_down) == 1; }, 5 * kSec));
    auto stop = p.lac.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 1u);
    EXPECT_EQ(stop[0]->result_code.result, stopccn::kNotAuthorized);
    EXPECT_EQ(p.lac->counters().auth_failures, 1u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_up), 0u);
    EXPECT_EQ(p.lac.last(EventKind::tunnel_down)->ev.reason, DownReason::rejected);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.reason, DownReason::peer_request);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.result, stopccn::kNotAuthorized);
    expect_clean_after_hold(p);
}

TEST(TunnelAuth, LacWithoutSecretRefusesLnsChallenge) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer = with_secret("s3cret", true);
    L2tpPair p(L2tpPair::lac_config(), lns);
    p.lac->open_tunnel(p.lac_to_lns(), {}, p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lns.count(EventKind::tunnel_down) == 1; }, 5 * kSec));
    ASSERT_EQ(p.lac.sent_count(MsgType::stopccn), 1u);
    EXPECT_EQ(p.lac.sent_msgs(MsgType::stopccn)[0]->result_code.result, stopccn::kNotAuthorized);
    EXPECT_EQ(p.lac.sent_count(MsgType::scccn), 0u);
    expect_clean_after_hold(p);
}

TEST(TunnelAuth, LnsWithoutSecretChallengedRejectsWithStopCcn4) {
    L2tpPair p;  // the LNS's default peer has no secret
    const uint16_t tid = p.lac->open_tunnel(p.lac_to_lns(), with_secret("s3cret", true), p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lac.count(EventKind::tunnel_down) == 1; }, 5 * kSec));
    auto stop = p.lns.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 1u);
    EXPECT_EQ(stop[0].h.tunnel_id, tid);
    EXPECT_EQ(stop[0]->result_code.result, stopccn::kNotAuthorized);
    EXPECT_EQ(p.lns.sent_count(MsgType::sccrp), 0u);
    EXPECT_EQ(p.lns->counters().tunnels_rejected, 1u);
    EXPECT_EQ(p.lac.last(EventKind::tunnel_down)->ev.result, stopccn::kNotAuthorized);
    // The LAC learnt the LNS's tunnel id from the StopCCN and acknowledged it there:
    // the LNS does not retransmit it.
    p.run_for(5 * kSec);
    EXPECT_EQ(p.lns.sent_count(MsgType::stopccn), 1u);
    EXPECT_EQ(p.lns->counters().not_sccrq_on_zero, 0u);
    expect_clean_after_hold(p);
}

// ---- Tie breaker (§4.4.3, §5.1) -------------------------------------------------------------

// Both endpoints open a tunnel to each other at the same instant.  The tie breaker
// values are scripted (little-endian bytes of the value: the first byte decides).
struct TieRun {
    L2tpPair p;
    uint16_t lac_tid = 0, lns_tid = 0;
    TieRun(uint64_t lac_tb, uint64_t lns_tb) {
        p.lac.rng.push(0x1001);  // tunnel id
        p.lac.rng.push(lac_tb);
        p.lns.rng.push(0x2001);
        p.lns.rng.push(lns_tb);
        lac_tid = p.lac->open_tunnel(p.lac_to_lns(), {}, 0);
        lns_tid = p.lns->open_tunnel(lns_to_lac(), {}, 0);
        p.run_for(5 * kSec);
    }
};

TEST(TunnelTieBreaker, LowerValueWinsLacLower) {
    TieRun r(0x01, 0x02);
    L2tpPair &p = r.p;
    auto sccrq = p.lac.sent_msgs(MsgType::sccrq);
    auto tb = sccrq[0]->tie_breaker;
    ASSERT_EQ(tb.size(), 8u);
    EXPECT_EQ(tb[0], 0x01);
    // The LNS lost: its tunnel is dropped, the LAC's goes up; one tunnel each side.
    EXPECT_EQ(p.lns->counters().tie_breaker_lost, 1u);
    EXPECT_EQ(p.lac->counters().tie_breaker_won, 1u);
    EXPECT_EQ(p.lns->tunnel(r.lns_tid), nullptr);
    ASSERT_NE(p.lac->tunnel(r.lac_tid), nullptr);
    EXPECT_EQ(p.lac->tunnel(r.lac_tid)->state, TunnelState::established);
    EXPECT_EQ(p.lac->tunnel_count(), 1u);
    EXPECT_EQ(p.lns->tunnel_count(), 1u);
    EXPECT_EQ(p.lns.count(EventKind::tunnel_down, DownReason::tie_breaker), 1u);
    EXPECT_EQ(p.lns.count(EventKind::tunnel_up), 1u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_up), 1u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_down), 0u);
    EXPECT_EQ(p.lac.sent_count(MsgType::sccrp), 0u);  // the LAC never answered the LNS's
    EXPECT_EQ(p.lns->active_tunnels(), 1u);
}

TEST(TunnelTieBreaker, LowerValueWinsLnsLower) {
    TieRun r(0x0300, 0x0200);  // first bytes equal (0), second decides: LNS lower
    L2tpPair &p = r.p;
    EXPECT_EQ(p.lac->counters().tie_breaker_lost, 1u);
    EXPECT_EQ(p.lns->counters().tie_breaker_won, 1u);
    EXPECT_EQ(p.lac->tunnel(r.lac_tid), nullptr);
    ASSERT_NE(p.lns->tunnel(r.lns_tid), nullptr);
    EXPECT_EQ(p.lns->tunnel(r.lns_tid)->state, TunnelState::established);
    EXPECT_EQ(p.lac->tunnel_count(), 1u);
    EXPECT_EQ(p.lns->tunnel_count(), 1u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_down, DownReason::tie_breaker), 1u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_up), 1u);
}

TEST(TunnelTieBreaker, EqualValuesBothDrop) {
    TieRun r(0x55, 0x55);
    L2tpPair &p = r.p;
    EXPECT_EQ(p.lac->counters().tie_breaker_lost, 1u);
    EXPECT_EQ(p.lns->counters().tie_breaker_lost, 1u);
    EXPECT_EQ(p.lac->tunnel_count(), 0u);
    EXPECT_EQ(p.lns->tunnel_count(), 0u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_down, DownReason::tie_breaker), 1u);
    EXPECT_EQ(p.lns.count(EventKind::tunnel_down, DownReason::tie_breaker), 1u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_up) + p.lns.count(EventKind::tunnel_up), 0u);
    EXPECT_EQ(p.lac.sent_count(MsgType::sccrp) + p.lns.sent_count(MsgType::sccrp), 0u);
}

TEST(TunnelTieBreaker, NotAppliedToOtherPeers) {
    L2tpPair p;
    // The LNS has its own SCCRQ outstanding to some third address.
    Transport elsewhere = lns_to_lac();
    elsewhere.peer_ip = 0x0a0000fe;
    p.lns->open_tunnel(elsewhere, {}, 0);
    EXPECT_NE(p.establish().second, 0);
    EXPECT_EQ(p.lns->counters().tie_breaker_lost + p.lns->counters().tie_breaker_won, 0u);
}

// ---- Duplicated SCCRQ --------------------------------------------------------------------------

TEST(TunnelSetup, DuplicatedSccrqCreatesOneTunnel) {
    L2tpPair p;
    p.lac.link.duplicate = 1.0;  // every datagram from the LAC arrives twice
    ASSERT_NE(p.establish().second, 0);
    p.run_for(2 * kSec);
    EXPECT_EQ(p.lns->tunnel_count(), 1u);
    EXPECT_EQ(p.lns.count(EventKind::tunnel_up), 1u);
    EXPECT_EQ(p.lns->counters().sccrq_duplicate, 1u);
    EXPECT_EQ(p.lns.sent_count(MsgType::sccrp), 1u);
}

TEST(TunnelSetup, RetransmittedSccrqAfterLostSccrpCreatesOneTunnel) {
    L2tpPair p;
    p.lns.link.down = true;  // the SCCRP and the acks of the SCCRQ's copies are lost
    p.lac->open_tunnel(p.lac_to_lns(), {}, 0);
    p.run_for(1500 * kMs);  // the LAC retransmitted the SCCRQ at 1 s
    EXPECT_EQ(p.lac.sent_count(MsgType::sccrq), 2u);
    EXPECT_EQ(p.lns->counters().sccrq_duplicate, 1u);
    EXPECT_EQ(p.lns->tunnel_count(), 1u);
    p.lns.link.down = false;
    ASSERT_TRUE(p.run_until([&] { return p.lns.count(EventKind::tunnel_up) == 1; }, 5 * kSec));
    EXPECT_EQ(p.lns->tunnel_count(), 1u);
    EXPECT_EQ(p.lac->tunnel_count(), 1u);
}

// ---- StopCCN and the hold (§5.7) ----------------------------------------------------------------

TEST(TunnelStopCcn, HeldForAFullRetransmissionCycleThenGone) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    p.run_for(kSec);
    const uint64_t t0 = p.now();
    ASSERT_TRUE(p.lns->close_tunnel(lns_tid, stopccn::kClear, 0, t0));
    EXPECT_FALSE(p.lns->close_tunnel(lns_tid, stopccn::kClear, 0, t0));  // already closing
    EXPECT_EQ(p.lns->tunnel(lns_tid)->state, TunnelState::closing);
    EXPECT_EQ(p.lns->active_tunnels(), 0u);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.reason, DownReason::local_request);
    auto stop = p.lns.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 1u);
    EXPECT_EQ(stop[0]->assigned_tunnel_id, lns_tid);
    EXPECT_EQ(stop[0]->result_code.result, stopccn::kClear);

    p.run_for(kHold - kMs);
    ASSERT_NE(p.lns->tunnel(lns_tid), nullptr);  // acknowledged, but still held
    ASSERT_NE(p.lac->tunnel(lac_tid), nullptr);
    EXPECT_EQ(p.lac->tunnel(lac_tid)->state, TunnelState::closing);
    p.run_for(kMs);
    EXPECT_EQ(p.lns->tunnel(lns_tid), nullptr);
    p.run_for(20 * kMs);  // the LAC holds from the StopCCN's arrival, 10 ms later
    EXPECT_EQ(p.lac->tunnel(lac_tid), nullptr);
    EXPECT_EQ(p.lns.sent_count(MsgType::stopccn), 1u);  // never retransmitted
    EXPECT_EQ(p.lac.last(EventKind::tunnel_down)->ev.reason, DownReason::peer_request);
    EXPECT_EQ(p.lac.last(EventKind::tunnel_down)->ev.result, stopccn::kClear);
}

TEST(TunnelStopCcn, UnacknowledgedIsRetransmittedAndDuplicatesReacked) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    p.run_for(kSec);
    const uint64_t t0 = p.now();
    const size_t lac_zlbs = p.lac.zlbs_sent();
    p.lac.link.down = true;  // the LAC's acknowledgements never arrive
    p.lns->close_tunnel(lns_tid, stopccn::kGeneralError, errc::kVendorError, t0);
    ASSERT_TRUE(p.run_until([&] { return p.lns->tunnel(lns_tid) == nullptr; }, 2 * kHold));
    EXPECT_EQ(p.now() - t0, kHold);
    // Sent at 0, 1, 3, 7, 15 and 23 s; the LAC acknowledged every copy.
    auto stop = p.lns.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 6u);
    EXPECT_EQ(stop[0]->result_code.error, errc::kVendorError);
    const uint64_t at[] = {0, 1, 3, 7, 15, 23};
    size_t i = 0;
    for (const Captured &c : p.lns.sent)
        if (decode(c.bytes).type() == MsgType::stopccn) {
            EXPECT_EQ(c.at - t0, at[i++] * kSec);
        }
    EXPECT_EQ(p.lac.zlbs_sent() - lac_zlbs, 6u);  // 1 delayed ack + 5 for the duplicates
    EXPECT_EQ(p.lac->tunnel(lac_tid)->ch.counters().duplicates, 5u);
    EXPECT_EQ(p.lns->counters().tunnels_peer_dead, 0u);  // it was closing anyway
    p.run_for(kSec);
    EXPECT_EQ(p.lac->tunnel(lac_tid), nullptr);
}

TEST(TunnelStopCcn, MessagesDuringTheHoldAreAcknowledgedNotActedOn) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    p.run_for(kSec);
    p.lns.link.down = true;  // the LAC will not hear of the StopCCN for now
    p.lns->close_tunnel(lns_tid, stopccn::kClear, 0, p.now());
    p.lac->open_session(lac_tid, {}, p.now());  // crosses the StopCCN
    p.run_for(500 * kMs);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->c.msgs_in, 2u);  // the ICRQ was not acted on
    EXPECT_EQ(p.lns->session_count(), 0u);
    EXPECT_EQ(p.lns.sent_count(MsgType::icrp), 0u);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->ch.expected_ns(), 3u);  // but it was acknowledged
}

TEST(TunnelStopCcn, BeforeTheSccrpArrivedFoundByAssignedTunnelId) {
    L2tpPair p;
    p.lns.link.down = true;  // the SCCRP is lost: the LAC never learns the LNS's id
    const uint16_t lac_tid = p.lac->open_tunnel(p.lac_to_lns(), {}, 0);
    p.run_for(500 * kMs);
    ASSERT_EQ(p.lns->tunnel_count(), 1u);
    const uint16_t lns_tid = p.lns->tunnel_stats()[0].id;
    p.lns.link.down = false;
    // The StopCCN (header tunnel id 0) leaves once the SCCRQ is acknowledged.
    p.lac->close_tunnel(lac_tid, stopccn::kClear, 0, p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lac.sent_count(MsgType::stopccn) == 1; }, 5 * kSec));
    auto stop = p.lac.sent_msgs(MsgType::stopccn);
    EXPECT_EQ(stop[0].h.tunnel_id, 0);
    EXPECT_EQ(stop[0]->assigned_tunnel_id, lac_tid);
    p.run_for(100 * kMs);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->state, TunnelState::closing);
    const Rec *down = p.lns.last(EventKind::tunnel_down);
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->ev.reason, DownReason::peer_request);
    p.run_for(5 * kSec);
    EXPECT_EQ(p.lac.sent_count(MsgType::stopccn), 1u);  // acknowledged
}

// ---- HELLO and dead peers (§5.5, §6.5)
// -----------------------------------------------------------

uint64_t first_sent_at(const Node &n, MsgType t) {
    for (const Captured &c : n.sent)
        if (!decode(c.bytes).zlb() && decode(c.bytes).type() == t) return c.at;
    return UINT64_MAX;
}

TEST(TunnelHello, SentAfterHelloIntervalIdle) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    const uint64_t last_rx = p.lac->tunnel(lac_tid)->last_rx;  // the SCCRP, 20 ms
    EXPECT_EQ(last_rx, 20 * kMs);
    p.run_for(65 * kSec);
    // The LAC is idle first (the LNS heard the SCCCN 10 ms later): its HELLO resets
    // the LNS's timer, so only the LAC sends one.
    EXPECT_EQ(first_sent_at(p.lac, MsgType::hello), last_rx + 60 * kSec);
    EXPECT_EQ(p.lac.sent_count(MsgType::hello), 1u);
    EXPECT_EQ(p.lns.sent_count(MsgType::hello), 0u);
    EXPECT_EQ(p.lac->counters().hellos_sent, 1u);
    EXPECT_TRUE(p.lac->tunnel(lac_tid)->ch.idle());  // acknowledged
    EXPECT_EQ(p.lns->tunnel(lns_tid)->state, TunnelState::established);
    p.run_for(60 * kSec);
    EXPECT_EQ(p.lac.sent_count(MsgType::hello), 2u);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_down) + p.lns.count(EventKind::tunnel_down), 0u);
}

TEST(TunnelHello, IntervalFromPolicyAndZeroDisables) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer.hello_interval_s = 10;
    L2tpPair p(L2tpPair::lac_config(), lns);
    PeerPolicy lac_policy;
    lac_policy.hello_interval_s = 0;
    ASSERT_NE(p.establish(lac_policy).second, 0);
    p.run_for(25 * kSec);
    EXPECT_EQ(first_sent_at(p.lns, MsgType::hello), 30 * kMs + 10 * kSec);
    EXPECT_EQ(p.lns.sent_count(MsgType::hello), 2u);
    EXPECT_EQ(p.lac.sent_count(MsgType::hello), 0u);
}

TEST(TunnelHello, TrafficPostponesHello) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    for (int i = 0; i < 5; i++) {
        p.run_for(40 * kSec);
        p.call(lac_tid);  // messages both ways every 40 s
    }
    EXPECT_EQ(p.lac.sent_count(MsgType::hello) + p.lns.sent_count(MsgType::hello), 0u);
}

TEST(TunnelHello, UnansweredHelloMeansPeerDeadAfterRetransmissionCycle) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    for (int i = 0; i < 3; i++) ASSERT_NE(p.call(lac_tid).second, 0);
    p.run_for(kSec);
    const uint64_t lns_last = p.lns->tunnel(lns_tid)->last_rx;
    const uint64_t lac_last = p.lac->tunnel(lac_tid)->last_rx;
    p.lac.link.down = p.lns.link.down = true;  // the wire is cut
    ASSERT_TRUE(p.run_until(
        [&] { return p.lns->tunnel(lns_tid) == nullptr && p.lac->tunnel(lac_tid) == nullptr; },
        200 * kSec));
    // HELLO after 60 s idle, retransmitted at +1, +3, +7, +15, +23 s, dead at +31 s.
    const Rec *lns_down = p.lns.last(EventKind::tunnel_down);
    const Rec *lac_down = p.lac.last(EventKind::tunnel_down);
    ASSERT_NE(lns_down, nullptr);
    ASSERT_NE(lac_down, nullptr);
    EXPECT_EQ(lns_down->at, lns_last + 60 * kSec + kHold);
    EXPECT_EQ(lac_down->at, lac_last + 60 * kSec + kHold);
    EXPECT_EQ(lns_down->ev.reason, DownReason::peer_dead);
    EXPECT_EQ(lac_down->ev.reason, DownReason::peer_dead);
    EXPECT_EQ(p.lns.sent_count(MsgType::hello), 6u);
    // Every session reported down, before its tunnel.
    EXPECT_EQ(p.lns.count(EventKind::session_down, DownReason::tunnel_down), 3u);
    EXPECT_EQ(p.lac.count(EventKind::session_down, DownReason::tunnel_down), 3u);
    for (const Rec &r : p.lns.of(EventKind::session_down)) EXPECT_EQ(r.at, lns_down->at);
    EXPECT_EQ(p.lns->session_count(), 0u);
    EXPECT_EQ(p.lns->active_tunnels(), 0u);
    EXPECT_EQ(p.lns->counters().tunnels_peer_dead, 1u);
    EXPECT_EQ(p.lns.sent_count(MsgType::stopccn), 0u);
}

TEST(TunnelHello, VanishedPeerWithTrafficPendingDetectedByRetransmission) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    std::vector<uint16_t> lns_sids;
    for (int i = 0; i < 4; i++) lns_sids.push_back(p.call(lac_tid).second);
    p.run_for(kSec);
    p.lac.link.down = p.lns.link.down = true;  // the LAC vanishes
    const uint64_t t0 = p.now();
    p.lns->close_session(lns_tid, lns_sids[0], cdn::kAdmin, 0, t0);  // a CDN nobody acknowledges
    ASSERT_TRUE(p.run_until([&] { return p.lns->tunnel(lns_tid) == nullptr; }, 100 * kSec));
    EXPECT_EQ(p.now() - t0, kHold);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.reason, DownReason::peer_dead);
    EXPECT_EQ(p.lns.count(EventKind::session_down, DownReason::local_request), 1u);
    EXPECT_EQ(p.lns.count(EventKind::session_down, DownReason::tunnel_down), 3u);
    EXPECT_EQ(p.lns->session_count(), 0u);
}

// ---- Peer policies ------------------------------------------------------------------------------

PeerPolicy named(const std::string &name) {
    PeerPolicy p;
    p.name = name;
    return p;
}

TEST(TunnelPolicy, SelectedBySourcePrefix) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer.name = "default";
    lns.peers.push_back(named("elsewhere"));
    lns.peers.back().sources = {{0x0b000000, 8}};
    lns.peers.push_back(named("branch"));
    lns.peers.back().sources = {{0x0a000000, 24}};
    L2tpPair p(L2tpPair::lac_config(), lns);
    ASSERT_NE(p.establish().second, 0);
    EXPECT_EQ(p.lns->tunnel_stats()[0].policy, "branch");
}

TEST(TunnelPolicy, SelectedByHostNameFirstMatchWins) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.peers.push_back(named("other-host"));
    lns.peers.back().host_name = "other";
    lns.peers.push_back(named("by-name"));
    lns.peers.back().host_name = "lac";
    lns.peers.push_back(named("by-source"));
    lns.peers.back().sources = {{0x0a000000, 8}};
    L2tpPair p(L2tpPair::lac_config(), lns);
    ASSERT_NE(p.establish().second, 0);
    EXPECT_EQ(p.lns->tunnel_stats()[0].policy, "by-name");
}

TEST(TunnelPolicy, PolicyByHostNameSuppliesTheSecret) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.peers.push_back(with_secret("for-lac", true));
    lns.peers.back().name = "lac";
    lns.peers.back().host_name = "lac";
    L2tpPair p(L2tpPair::lac_config(), lns);
    ASSERT_NE(p.establish(with_secret("for-lac", false)).second, 0);
    EXPECT_TRUE(p.lns.sent_msgs(MsgType::sccrp)[0]->has(AvpType::challenge));
}

TEST(TunnelPolicy, UnknownPeerRejectedWhenNotAccepted) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.accept_unknown_peers = false;
    lns.peers.push_back(named("someone"));
    lns.peers.back().host_name = "someone-else";
    L2tpPair p(L2tpPair::lac_config(), lns);
    p.lac->open_tunnel(p.lac_to_lns(), {}, p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lac.count(EventKind::tunnel_down) == 1; }, 5 * kSec));
    auto stop = p.lns.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 1u);
    EXPECT_EQ(stop[0]->result_code.result, stopccn::kNotAuthorized);
    EXPECT_EQ(p.lns->counters().tunnels_rejected, 1u);
    EXPECT_EQ(p.lns.count(EventKind::tunnel_up), 0u);
    EXPECT_EQ(p.lac.last(EventKind::tunnel_down)->ev.result, stopccn::kNotAuthorized);
    expect_clean_after_hold(p);
}

// ---- Limits -------------------------------------------------------------------------------------

TEST(TunnelLimits, MaxTunnelsRejectsWithStopCcn2) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.max_tunnels = 2;
    L2tpPair p(L2tpPair::lac_config(), lns);
    ASSERT_NE(p.establish().second, 0);
    ASSERT_NE(p.establish().second, 0);
    p.lac->open_tunnel(p.lac_to_lns(), {}, p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lac.count(EventKind::tunnel_down) == 1; }, 5 * kSec));
    auto stop = p.lns.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 1u);
    EXPECT_EQ(stop[0]->result_code.result, stopccn::kGeneralError);
    EXPECT_EQ(stop[0]->result_code.error, errc::kNoResources);
    EXPECT_EQ(p.lns->active_tunnels(), 2u);
    EXPECT_EQ(p.lns->counters().tunnels_rejected, 1u);
    // A slot freed: the next one is accepted.
    p.lns->close_tunnel(p.lns.of(EventKind::tunnel_up)[0].ev.tunnel_id, stopccn::kClear, 0,
                        p.now());
    EXPECT_NE(p.establish().second, 0);
}

TEST(TunnelLimits, LacOpenTunnelRefusedAtItsOwnLimit) {
    EndpointConfig lac = L2tpPair::lac_config();
    lac.max_tunnels = 1;
    L2tpPair p(lac);
    ASSERT_NE(p.lac->open_tunnel(p.lac_to_lns(), {}, 0), 0);
    EXPECT_EQ(p.lac->open_tunnel(p.lac_to_lns(), {}, 0), 0);
}

// ---- Tunnel ids (§5.9 leaves reuse to us: never a live or quarantined one) --------------------

TEST(TunnelIds, NeverReusesLiveOrQuarantinedIds) {
    L2tpPair p;
    p.lns.rng = FakeRandom(7, 0);  // the LNS's generator says 7, always
    auto [lac1, lns1] = p.establish();
    EXPECT_EQ(lns1, 7);
    auto [lac2, lns2] = p.establish();
    EXPECT_EQ(lns2, 8);  // 7 is live
    const uint64_t t0 = p.now();
    p.lns->close_tunnel(lns1, stopccn::kClear, 0, t0);
    p.run_for(kHold + kSec);  // destroyed after the hold: quarantined 60 s from then
    ASSERT_EQ(p.lns->tunnel(7), nullptr);
    auto [lac3, lns3] = p.establish();
    EXPECT_EQ(lns3, 9);  // 7 quarantined, 8 live
    p.run_for(t0 + kHold + 60 * kSec - p.now());
    auto [lac4, lns4] = p.establish();
    EXPECT_EQ(lns4, 7);  // out of quarantine
    std::set<uint16_t> lac_ids = {lac1, lac2, lac3, lac4};
    EXPECT_EQ(lac_ids.size(), 4u);
}

// ---- Unknown AVPs and message types (§4.1, §4.4.1)
// ------------------------------------------------

TEST(TunnelUnknownAvp, MandatoryInSccrqGetsStopCcn2Error8) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    s.send_sccrq("script", [](AvpWriter &w) {
        const uint8_t v[4] = {1, 2, 3, 4};
        w.add(0, kUnknownAvp, true, v);
    });
    p.run_for(kSec);
    ASSERT_EQ(s.count(MsgType::stopccn), 1u);
    const Decoded *stop = s.last(MsgType::stopccn);
    EXPECT_EQ(stop->h.tunnel_id, s.tid);
    EXPECT_EQ(stop->msg().result_code.result, stopccn::kGeneralError);
    EXPECT_EQ(stop->msg().result_code.error, errc::kUnknownMandatoryAvp);
    EXPECT_EQ(s.count(MsgType::sccrp), 0u);
    EXPECT_EQ(p.lns->counters().decode_errors, 1u);
    EXPECT_EQ(p.lns->active_tunnels(), 0u);
    EXPECT_EQ(p.lns.count(EventKind::tunnel_up), 0u);
    p.run_for(kHold + kSec);
    EXPECT_EQ(p.lns->tunnel_count(), 0u);
}

TEST(TunnelUnknownAvp, MandatoryVendorAvpInSccrqGetsStopCcn) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    s.send_sccrq("script", [](AvpWriter &w) {
        const uint8_t v[2] = {0, 1};
        w.add(9, 1, true, v);  // vendor 9, M=1
    });
    p.run_for(kSec);
    ASSERT_EQ(s.count(MsgType::stopccn), 1u);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.error, errc::kUnknownMandatoryAvp);
}

TEST(TunnelUnknownAvp, NonMandatoryIgnored) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    s.send_sccrq("script", [](AvpWriter &w) {
        const uint8_t v[4] = {1, 2, 3, 4};
        w.add(0, kUnknownAvp, false, v);
        w.add(9, 1, false, v);
    });
    p.run_for(kSec);
    EXPECT_EQ(s.count(MsgType::sccrp), 1u);
    EXPECT_EQ(s.count(MsgType::stopccn), 0u);
}

TEST(TunnelUnknownAvp, MandatoryInHelloGetsStopCcn2Error8) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    ASSERT_TRUE(s.establish());
    ASSERT_EQ(p.lns.count(EventKind::tunnel_up), 1u);
    s.send(MsgType::hello, 0, [](AvpWriter &w) {
        const uint8_t v[1] = {0};
        w.add(0, kUnknownAvp, true, v);
    });
    p.run_for(kSec);
    ASSERT_EQ(s.count(MsgType::stopccn), 1u);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.result, stopccn::kGeneralError);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.error, errc::kUnknownMandatoryAvp);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.reason, DownReason::protocol_error);
}

TEST(TunnelUnknownMessage, MandatoryClearsTheTunnel) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    ASSERT_TRUE(s.establish());
    s.send_raw_type(99, true, 0);
    p.run_for(kSec);
    ASSERT_EQ(s.count(MsgType::stopccn), 1u);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.result, stopccn::kGeneralError);
    EXPECT_EQ(p.lns->counters().ctl_errors[size_t(CtlError::unknown_message_type)], 1u);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.reason, DownReason::protocol_error);
}

TEST(TunnelUnknownMessage, NonMandatoryIgnoredButAcknowledged) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    ASSERT_TRUE(s.establish());
    s.send_raw_type(99, false, 0);
    s.send_raw_type(5, false, 0);  // 5 is unassigned in RFC 2661
    p.run_for(kSec);
    EXPECT_EQ(s.count(MsgType::stopccn), 0u);
    EXPECT_TRUE(s.ch.idle());  // both acknowledged
    EXPECT_EQ(p.lns->counters().ctl_errors[size_t(CtlError::unknown_message_type)], 2u);
    EXPECT_EQ(p.lns->tunnel_stats()[0].state, TunnelState::established);
    s.send(MsgType::hello, 0);  // and the tunnel still works
    p.run_for(kSec);
    EXPECT_TRUE(s.ch.idle());
}

TEST(TunnelUnexpected, SccrqInsideATunnelIsAnFsmError) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    ASSERT_TRUE(s.establish());
    s.send(MsgType::sccrp, 0, [&](AvpWriter &w) {  // SCCRP to the accepting side
        w.add_u16(AvpType::protocol_version, 0x0100);
        w.add_str(AvpType::host_name, "x");
        w.add_u32(AvpType::framing_capabilities, 3);
        w.add_u16(AvpType::assigned_tunnel_id, s.tid);
    });
    p.run_for(kSec);
    ASSERT_EQ(s.count(MsgType::stopccn), 1u);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.result, stopccn::kFsmError);
    EXPECT_EQ(p.lns->counters().unexpected_messages, 1u);
}

TEST(TunnelUnexpected, SecondScccnIsAnFsmError) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    ASSERT_TRUE(s.establish());
    s.send(MsgType::scccn, 0);
    p.run_for(kSec);
    ASSERT_EQ(s.count(MsgType::stopccn), 1u);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.result, stopccn::kFsmError);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.reason, DownReason::protocol_error);
}

TEST(TunnelSetup, NoScccnWithinTheSetupTimeout) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns);
    s.send_sccrq();  // and never an SCCCN (the SCCRP is acknowledged, though)
    ASSERT_TRUE(p.run_until([&] { return s.count(MsgType::stopccn) == 1; }, 60 * kSec));
    EXPECT_EQ(p.now(), 10 * kMs + 30 * kSec + 10 * kMs);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.result, stopccn::kGeneralError);
    EXPECT_EQ(p.lns.last(EventKind::tunnel_down)->ev.reason, DownReason::setup_timeout);
    EXPECT_EQ(p.lns->active_tunnels(), 0u);
}

TEST(TunnelActions, UnknownIdsAreRefused) {
    L2tpPair p;
    EXPECT_FALSE(p.lns->close_tunnel(0x1234, stopccn::kClear, 0, 0));
    EXPECT_FALSE(p.lns->close_session(0x1234, 1, cdn::kAdmin, 0, 0));
    EXPECT_EQ(p.lns->place_call(0x1234, {}, 0), 0);
    EXPECT_EQ(p.lns->tunnel(0x1234), nullptr);
    EXPECT_TRUE(p.lns.sent.empty());
}

// ---- NAT (replies go where the peer's datagrams came from) ------------------------------------

TEST(TunnelNat, RepliesGoToTheSourcePortAndFollowAChange) {
    L2tpPair p;
    p.lac.port = 40001;  // the LAC's datagrams leave a NAT from port 40001
    auto [lac_tid, lns_tid] = p.establish();
    ASSERT_NE(lns_tid, 0);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->transport.peer_port, 40001);
    for (const Captured &c : p.lns.sent) EXPECT_EQ(c.to.peer_port, 40001);

    p.lac.port = 40777;  // the NAT rebinds
    const size_t before = p.lns.sent.size();
    ASSERT_NE(p.call(lac_tid).second, 0);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->transport.peer_port, 40777);
    ASSERT_GT(p.lns.sent.size(), before);
    for (size_t i = before; i < p.lns.sent.size(); i++)
        EXPECT_EQ(p.lns.sent[i].to.peer_port, 40777);
    EXPECT_EQ(p.net.unroutable, 0u);
    EXPECT_EQ(p.lns.last(EventKind::session_up)->ev.transport.peer_port, 40777);
}

TEST(TunnelNat, PeerReopeningFromItsOldPortAfterRebindingIsAccepted) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns, 0x4242);
    ASSERT_TRUE(s.establish());
    const uint16_t lns_tid = s.peer_tid;
    s.port = 40000;  // rebinding: the tunnel follows
    s.send(MsgType::hello, 0);
    p.run_for(kSec);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->transport.peer_port, 40000);
    p.lns->close_tunnel(lns_tid, stopccn::kClear, 0, p.now());
    p.run_for(kHold + 61 * kSec);  // held, then the peer's ids are free again
    ASSERT_EQ(p.lns->tunnel_count(), 0u);
    // The peer restarts behind its first port and reuses its tunnel id.
    s.port = kL2tpPort;
    s.restart();
    ASSERT_TRUE(s.establish());
    EXPECT_EQ(p.lns->tunnel_count(), 1u);
    EXPECT_EQ(p.lns->counters().sccrq_duplicate, 0u);
}

TEST(TunnelStopCcn, PeerRestartingWithTheSameTunnelIdDuringTheHoldGetsANewTunnel) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", 0x0a000009, p.lns, 0x4242);
    ASSERT_TRUE(s.establish());
    const uint16_t old_tid = s.peer_tid;
    p.lns->close_tunnel(old_tid, stopccn::kClear, 0, p.now());
    p.run_for(kSec);  // StopCCN exchanged: the old tunnel is held, closing
    ASSERT_NE(p.lns->tunnel(old_tid), nullptr);
    ASSERT_EQ(p.lns->tunnel(old_tid)->state, TunnelState::closing);
    // The LAC restarts at once and reuses tunnel id 0x4242: a new tunnel, not a
    // "retransmitted SCCRQ" answered with ZLBs for the rest of the hold.
    s.restart();
    ASSERT_TRUE(s.establish("script", 2 * kSec));
    EXPECT_NE(s.peer_tid, old_tid);
    EXPECT_EQ(p.lns->tunnel(s.peer_tid)->state, TunnelState::established);
    EXPECT_EQ(p.lns->counters().sccrq_after_close, 1u);
    EXPECT_EQ(p.lns->counters().sccrq_duplicate, 0u);
    // The old one finishes its hold without taking the new one's mapping along.
    p.run_for(kHold);
    EXPECT_EQ(p.lns->tunnel(old_tid), nullptr);
    s.send(MsgType::hello, 0);
    p.run_for(kSec);
    EXPECT_EQ(p.lns->tunnel(s.peer_tid)->state, TunnelState::established);
    EXPECT_EQ(p.lns->tunnel(s.peer_tid)->ch.counters().received, 3u);  // SCCRQ, SCCCN, HELLO
}

// ---- Hidden AVPs (§4.3) ----------------------------------------------------------------------

TEST(TunnelHidden, HiddenAvpsInteroperate) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer = with_secret("hide-me", false, true);
    L2tpPair p(L2tpPair::lac_config(), lns);
    auto [lac_tid, lns_tid] = p.establish(with_secret("hide-me", false, true));
    ASSERT_NE(lns_tid, 0);
    // On the wire: not readable without the secret, readable with it.
    Decoded clear = decode(p.lac.sent[0].bytes);
    EXPECT_EQ(clear.error, CtlError::bad_avp);
    EXPECT_EQ(clear->avp_error, AvpError::hidden_without_secret);
    Decoded sccrq = decode(p.lac.sent[0].bytes, "hide-me");
    ASSERT_TRUE(sccrq.ok());
    EXPECT_TRUE(sccrq->has(AvpType::random_vector));
    EXPECT_EQ(sccrq->assigned_tunnel_id, lac_tid);
    auto sccrp = p.lns.sent_msgs(MsgType::sccrp, "hide-me");
    ASSERT_EQ(sccrp.size(), 1u);
    EXPECT_TRUE(sccrp[0]->has(AvpType::random_vector));
    EXPECT_EQ(sccrp[0]->assigned_tunnel_id, lns_tid);
    EXPECT_EQ(decode(p.lns.sent_msgs(MsgType::sccrp)[0].bytes).error, CtlError::bad_avp);

    CallInfo c;
    c.calling_number = "0123456789";
    c.called_number = "100";
    c.has_proxy_auth = true;
    c.proxy_authen_type = 3;
    c.proxy_authen_name = "user@realm";
    c.proxy_authen_response = {'p', 'w'};
    auto [lac_sid, lns_sid] = p.call(lac_tid, c);
    ASSERT_NE(lns_sid, 0);
    const Rec *up = p.lns.last(EventKind::session_up);
    EXPECT_EQ(up->call.calling_number, "0123456789");
    EXPECT_EQ(up->call.called_number, "100");
    EXPECT_EQ(up->call.proxy_authen_name, "user@realm");
    EXPECT_EQ(up->call.proxy_authen_response, (Bytes{'p', 'w'}));
    // The ICRQ's and the ICCN's sensitive AVPs were hidden too.
    EXPECT_EQ(decode(p.lac.sent_msgs(MsgType::icrq)[0].bytes).error, CtlError::bad_avp);
    EXPECT_EQ(decode(p.lac.sent_msgs(MsgType::iccn)[0].bytes).error, CtlError::bad_avp);
    auto icrq = p.lac.sent_msgs(MsgType::icrq, "hide-me");
    ASSERT_TRUE(icrq[0].ok());
    EXPECT_EQ(icrq[0]->assigned_session_id, lac_sid);
}

TEST(TunnelHidden, HiddenSccrqFromPeerSelectedByHostName) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.peers.push_back(with_secret("per-peer", false, true));
    lns.peers.back().name = "lac";
    lns.peers.back().host_name = "lac";
    L2tpPair p(L2tpPair::lac_config(), lns);  // the default peer has no secret
    ASSERT_NE(p.establish(with_secret("per-peer", false, true)).second, 0);
    EXPECT_EQ(p.lns->tunnel_stats()[0].policy, "lac");
}

// ---- Shutdown --------------------------------------------------------------------------------

TEST(TunnelShutdown, StopCcn6ToEveryTunnel) {
    L2tpPair p;
    for (int i = 0; i < 3; i++) ASSERT_NE(p.establish().second, 0);
    const uint16_t lac_tid = p.lac.last(EventKind::tunnel_up)->ev.tunnel_id;
    ASSERT_NE(p.call(lac_tid).second, 0);
    p.lns->shutdown(p.now());
    auto stop = p.lns.sent_msgs(MsgType::stopccn);
    ASSERT_EQ(stop.size(), 3u);
    for (const Decoded &d : stop) {
        EXPECT_EQ(d->result_code.result, stopccn::kShuttingDown);
        EXPECT_FALSE(d->result_code.has_error);
    }
    EXPECT_EQ(p.lns->active_tunnels(), 0u);
    EXPECT_EQ(p.lns->session_count(), 0u);
    EXPECT_EQ(p.lns.count(EventKind::session_down, DownReason::tunnel_down), 1u);
    p.run_for(kSec);
    EXPECT_EQ(p.lac.count(EventKind::tunnel_down), 3u);
    for (const Rec &r : p.lac.of(EventKind::tunnel_down)) {
        EXPECT_EQ(r.ev.reason, DownReason::peer_request);
        EXPECT_EQ(r.ev.result, stopccn::kShuttingDown);
    }
    EXPECT_EQ(p.lac.count(EventKind::session_down, DownReason::tunnel_down), 1u);
    p.lns->shutdown(p.now());  // again: nothing more to stop
    EXPECT_EQ(p.lns.sent_count(MsgType::stopccn), 3u);
    p.run_for(kHold);
    EXPECT_EQ(p.lns->tunnel_count(), 0u);
    EXPECT_EQ(p.lac->tunnel_count(), 0u);
}

}  // namespace
}  // namespace lns::cp::l2tp
