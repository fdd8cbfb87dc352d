// Endpoint as a whole (RFC 2661 §5, §7): datagram dispatch and its counters,
// timers, and a LAC and an LNS back to back over a lossy link (20% loss plus
// duplication and reordering: 10 tunnels x 50 sessions up, then torn down, in
// bounded fake time, reproducibly).  Also the harness itself (L2tpPair*).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "harness/l2tp_pair.hpp"

namespace lns::cp::l2tp {
namespace {

using namespace harness;

// ---- The harness ---------------------------------------------------------------------------

TEST(L2tpPairHarness, FakeRandomScriptThenCounter) {
    FakeRandom r(10, 5);
    r.push(7, 2);
    r.push(9);
    EXPECT_EQ(r.next(), 7u);
    EXPECT_EQ(r.next(), 7u);
    EXPECT_EQ(r.next(), 9u);
    EXPECT_EQ(r.next(), 10u);
    EXPECT_EQ(r.next(), 15u);
    EXPECT_EQ(r.calls(), 5u);
}

TEST(L2tpPairHarness, IdsComeFromTheFakeRandom) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    EXPECT_EQ(lac_tid, 0x1001);  // the first value of the LAC's generator
    EXPECT_EQ(lns_tid, 0x2001);
    EXPECT_EQ(p.lac.ep.tunnel(lac_tid)->peer_id, lns_tid);
    EXPECT_EQ(p.lns.ep.tunnel(lns_tid)->peer_id, lac_tid);
}

TEST(L2tpPairHarness, RunUntilStopsAtPredicateOrLimitAndNeverOvershoots) {
    L2tpPair p;
    EXPECT_FALSE(p.run_until([] { return false; }, 5 * kSec));  // nothing scheduled at all
    EXPECT_EQ(p.now(), 5 * kSec);
    p.lac->open_tunnel(p.lac_to_lns(), {}, p.now());
    // SCCRQ delivered after the 10 ms link delay, not before.
    EXPECT_TRUE(p.run_until([&] { return p.lns.received > 0; }, kSec));
    EXPECT_EQ(p.now(), 5 * kSec + 10 * kMs);
    p.run_for(3 * kSec);
    EXPECT_EQ(p.now(), 8 * kSec + 10 * kMs);
}

TEST(L2tpPairHarness, DecodeCapturedDatagram) {
    L2tpPair p;
    p.establish();
    ASSERT_GE(p.lac.sent.size(), 2u);
    Decoded d = decode(p.lac.sent[0].bytes);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d.type(), MsgType::sccrq);
    EXPECT_EQ(d.h.tunnel_id, 0);
    EXPECT_EQ(d->host_name, "lac");
    EXPECT_EQ(d->assigned_tunnel_id, 0x1001);
    EXPECT_EQ(p.lac.sent[0].to, p.lac_to_lns());
    auto sccrp = p.lns.sent_msgs(MsgType::sccrp);
    ASSERT_EQ(sccrp.size(), 1u);
    EXPECT_EQ(sccrp[0].h.tunnel_id, 0x1001);
    EXPECT_EQ(sccrp[0]->host_name, "lns");
}

TEST(L2tpPairHarness, LinkDropsAndDuplicatesDeterministically) {
    auto run = [](uint64_t seed) {
        L2tpPair p(L2tpPair::lac_config(), L2tpPair::lns_config(), seed);
        LinkConfig l;
        l.drop = 0.5;
        l.duplicate = 0.5;
        p.set_links(l);
        p.establish({}, 60 * kSec);
        std::vector<bool> fates;
        for (const Captured &c : p.lac.sent)
            fates.push_back(c.dropped), fates.push_back(c.duplicated);
        return fates;
    };
    const auto a = run(3), b = run(3), c = run(4);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_NE(std::count(a.begin(), a.end(), true), 0);
}

TEST(L2tpPairHarness, ReorderLetsLaterDatagramsOvertake) {
    L2tpPair p;
    LinkConfig l;
    l.reorder = 1.0;  // every datagram held 50 ms more...
    p.lac.link = l;
    p.establish();
    const uint16_t tid = p.lac.last(EventKind::tunnel_up)->ev.tunnel_id;
    p.lac.link.reorder = 0;  // ...but from now on none: the next one overtakes
    p.lac->open_session(tid, {}, p.now());
    p.lac.link.reorder = 1.0;
    EXPECT_TRUE(p.run_until([&] { return p.lns.count(EventKind::session_up) == 1; }, 5 * kSec));
}

// ---- Dispatch and counters ------------------------------------------------------------------

TEST(EndpointDispatch, IdleEndpointHasNoDeadline) {
    L2tpPair p;
    EXPECT_EQ(p.lns->next_deadline(), UINT64_MAX);
    EXPECT_EQ(p.lns->tunnel_count(), 0u);
}

TEST(EndpointDispatch, HeaderErrorsAndDataMessagesAreCounted) {
    L2tpPair p;
    ScriptPeer s(p.net, "s", 0x0a000009, p.lns);
    const uint8_t data_msg[] = {0x40, 0x02, 0x00, 0x0c, 0x00, 0x01,
                                0x00, 0x01, 0xff, 0x03, 0xc0, 0x21};
    const uint8_t l2f[] = {0xc8, 0x01, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t short_msg[] = {0xc8};
    s.send_bytes(data_msg);
    s.send_bytes(l2f);
    s.send_bytes(short_msg);
    p.run_for(kSec);
    EXPECT_EQ(p.lns->counters().datagrams_in, 3u);
    EXPECT_EQ(p.lns->counters().header_errors, 3u);
    EXPECT_EQ(p.lns->counters().ctl_errors[size_t(CtlError::not_control)], 1u);
    EXPECT_EQ(p.lns->counters().ctl_errors[size_t(CtlError::bad_version)], 1u);
    EXPECT_EQ(p.lns->counters().ctl_errors[size_t(CtlError::truncated)], 1u);
    EXPECT_TRUE(p.lns.sent.empty());  // nothing answered
}

TEST(EndpointDispatch, NonSccrqOnTunnelZeroIsCountedAndIgnored) {
    L2tpPair p;
    ScriptPeer s(p.net, "s", 0x0a000009, p.lns);
    s.send(MsgType::hello, 0);  // peer_tid 0: tunnel id 0
    const uint8_t zlb[] = {0xc8, 0x02, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0};
    s.send_bytes(zlb);
    p.run_for(kSec);
    EXPECT_EQ(p.lns->counters().not_sccrq_on_zero, 2u);
    EXPECT_EQ(p.lns->tunnel_count(), 0u);
    EXPECT_TRUE(p.lns.sent.empty());
}

TEST(EndpointDispatch, UnknownTunnelAndWrongSourceAreCounted) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    ASSERT_NE(lns_tid, 0);
    // A HELLO for a tunnel id the LNS does not have.
    ScriptPeer s(p.net, "s", 0x0a000009, p.lns);
    s.peer_tid = 0x7777;
    s.send(MsgType::hello, 0);
    p.run_for(kSec);
    EXPECT_EQ(p.lns->counters().unknown_tunnel, 1u);
    // The LNS's real tunnel id, but from another address than the tunnel's peer.
    ScriptPeer t(p.net, "t", 0x0a00000a, p.lns);
    t.peer_tid = lns_tid;
    t.send(MsgType::hello, 0);
    p.run_for(kSec);
    EXPECT_EQ(p.lns->counters().wrong_source, 1u);
    EXPECT_EQ(p.lns->tunnel(lns_tid)->c.msgs_in, 2u);  // SCCRQ and SCCCN only
    EXPECT_EQ(s.arrivals + t.arrivals, 0u);
}

TEST(EndpointDispatch, PerMessageTypeCountersAndStats) {
    L2tpPair p;
    auto [lac_tid, lns_tid] = p.establish();
    p.call(lac_tid);
    const EndpointCounters &c = p.lns->counters();
    EXPECT_EQ(c.msg_in[unsigned(MsgType::sccrq)], 1u);
    EXPECT_EQ(c.msg_in[unsigned(MsgType::scccn)], 1u);
    EXPECT_EQ(c.msg_in[unsigned(MsgType::icrq)], 1u);
    EXPECT_EQ(c.msg_in[unsigned(MsgType::iccn)], 1u);
    EXPECT_EQ(c.msg_out[unsigned(MsgType::sccrp)], 1u);
    EXPECT_EQ(c.msg_out[unsigned(MsgType::icrp)], 1u);
    EXPECT_EQ(c.tunnels_established, 1u);
    EXPECT_EQ(c.sessions_established, 1u);
    auto st = p.lns->tunnel_stats();
    ASSERT_EQ(st.size(), 1u);
    EXPECT_EQ(st[0].id, lns_tid);
    EXPECT_EQ(st[0].peer_id, lac_tid);
    EXPECT_EQ(st[0].state, TunnelState::established);
    EXPECT_EQ(st[0].peer_host_name, "lac");
    EXPECT_EQ(st[0].sessions, 1u);
    EXPECT_EQ(st[0].c.sessions_opened, 1u);
    EXPECT_EQ(st[0].rc.received, 4u);  // SCCRQ (through the tunnel's channel), SCCCN, ICRQ, ICCN
}

// ---- Back to back over a lossy link ---------------------------------------------------------

constexpr int kTunnels = 10;
constexpr int kSessionsPerTunnel = 50;
constexpr int kSessions = kTunnels * kSessionsPerTunnel;
constexpr int kInSetup = 8;  // calls a LAC tunnel has being set up at once
// The hold after a StopCCN with 10 retransmissions: 1+2+4+8 s then 8 s x 7.
constexpr uint64_t kLossyHold = 71 * kSec;

// What a lossy run did, for assertions and for comparing two runs.
struct LossyResult {
    bool tunnels_up = false, sessions_up = false, sessions_down = false, tunnels_gone = false;
    uint64_t tunnels_up_at = 0, sessions_up_at = 0, sessions_down_at = 0, gone_at = 0;
    uint64_t datagrams = 0, dropped = 0, duplicated = 0, retransmits = 0;
    uint64_t trace_hash = 0;  // every datagram (time, bytes) and event, both sides
    EndpointCounters lac, lns;
    size_t lns_session_down_peer = 0, lac_tunnel_down = 0, lns_tunnel_down_peer = 0;
};

uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = static_cast<const uint8_t *>(p);
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

uint64_t trace_hash(const L2tpPair &p) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (const EndpointNode *n : {&p.lac, &p.lns}) {
        for (const Captured &c : n->sent) {
            h = fnv(h, &c.at, sizeof c.at);
            h = fnv(h, c.bytes.data(), c.bytes.size());
            h = fnv(h, &c.dropped, 1);
        }
        for (const Rec &r : n->events) {
            const uint64_t v[] = {r.at,
                                  uint64_t(r.ev.kind),
                                  r.ev.tunnel_id,
                                  r.ev.session_id,
                                  r.ev.peer_session_id,
                                  uint64_t(r.ev.reason),
                                  r.ev.result};
            h = fnv(h, v, sizeof v);
        }
    }
    return h;
}

LinkConfig lossy_link() {
    LinkConfig l;
    l.delay_ns = 10 * kMs;
    l.jitter_ns = 5 * kMs;
    l.drop = 0.2;
    l.duplicate = 0.05;
    l.reorder = 0.1;
    l.reorder_ns = 30 * kMs;
    return l;
}

// 10 tunnels x 50 sessions up over a link losing 20% each way (and duplicating and
// reordering), then every call cleared by the LAC, then every tunnel closed.
//
// Both sides allow 10 retransmissions (not 5) and 120 s of call setup (not 30):
// at 20% loss each way one message-and-ack exchange fails 36% of the time, so
// six failures in a row (0.2%) are expected a few times among the ~4000 messages
// of a run; with the defaults about half the seeds lose a tunnel or a call, which
// is the protocol doing what the RFC says, not what this test is about.
LossyResult run_lossy(uint64_t seed) {
    EndpointConfig lac = L2tpPair::lac_config(), lns = L2tpPair::lns_config();
    PeerPolicy policy;
    policy.reliable.max_retransmits = 10;
    lns.default_peer.reliable.max_retransmits = 10;
    lac.call_setup_timeout_s = lns.call_setup_timeout_s = 120;
    L2tpPair p(lac, lns, seed);
    p.set_links(lossy_link());
    LossyResult r;
    std::vector<uint16_t> tids;
    for (int i = 0; i < kTunnels; i++)
        tids.push_back(p.lac->open_tunnel(p.lac_to_lns(), policy, p.now()));
    r.tunnels_up = p.run_until(
        [&] {
            return p.lac.count(EventKind::tunnel_up) == kTunnels &&
                   p.lns.count(EventKind::tunnel_up) == kTunnels;
        },
        60 * kSec);
    r.tunnels_up_at = p.now();
    if (!r.tunnels_up) return r;

    // Calls reach a LAC over time, not all in one instant: it keeps at most
    // kInSetup per tunnel being set up and opens the next as one comes up (or fails:
    // then it is not retried, and the count falls short).
    const uint64_t t_calls = p.now();
    std::map<uint16_t, int> opened, in_setup;
    size_t seen = 0;
    const uint64_t limit = p.now() + 300 * kSec;
    for (;;) {
        for (; seen < p.lac.events.size(); seen++) {
            const Event &e = p.lac.events[seen].ev;
            if (e.kind == EventKind::session_up || e.kind == EventKind::session_down)
                in_setup[e.tunnel_id]--;
        }
        for (uint16_t t : tids) {
            while (in_setup[t] < kInSetup && opened[t] < kSessionsPerTunnel &&
                   p.lac->open_session(t, {}, p.now()) != 0) {
                opened[t]++;
                in_setup[t]++;
            }
        }
        r.sessions_up = p.lac.count(EventKind::session_up) == kSessions &&
                        p.lns.count(EventKind::session_up) == kSessions;
        if (r.sessions_up || !p.net.step(limit)) break;
    }
    r.sessions_up_at = p.now() - t_calls;

    const uint64_t t_clear = p.now();
    for (const Rec &up : p.lac.of(EventKind::session_up))
        p.lac->close_session(up.ev.tunnel_id, up.ev.session_id, cdn::kAdmin, 0, p.now());
    r.sessions_down = p.run_until(
        [&] {
            return p.lns.count(EventKind::session_down) == kSessions && p.lns->session_count() == 0;
        },
        300 * kSec);
    r.sessions_down_at = p.now() - t_clear;

    const uint64_t t_close = p.now();
    for (uint16_t t : tids) p.lac->close_tunnel(t, stopccn::kClear, 0, p.now());
    r.tunnels_gone = p.run_until(
        [&] { return p.lac->tunnel_count() == 0 && p.lns->tunnel_count() == 0; }, 3 * kLossyHold);
    r.gone_at = p.now() - t_close;

    r.datagrams = p.lac.sent.size() + p.lns.sent.size();
    r.dropped = p.net.dropped;
    r.duplicated = p.net.duplicated;
    r.lac = p.lac->counters();
    r.lns = p.lns->counters();
    r.lns_session_down_peer = p.lns.count(EventKind::session_down, DownReason::peer_request);
    r.lac_tunnel_down = p.lac.count(EventKind::tunnel_down, DownReason::local_request);
    r.lns_tunnel_down_peer = p.lns.count(EventKind::tunnel_down, DownReason::peer_request);
    r.trace_hash = trace_hash(p);
    return r;
}

TEST(EndpointLossy, TenTunnelsFiftySessionsThroughTwentyPercentLoss) {
    const LossyResult r = run_lossy(1);
    // Bounds: over 1000 seeds the worst runs needed 32, 134, 146 and 134 s.
    ASSERT_TRUE(r.tunnels_up);
    EXPECT_LE(r.tunnels_up_at, 60 * kSec);
    ASSERT_TRUE(r.sessions_up) << "after " << r.sessions_up_at / kSec << " s";
    EXPECT_LE(r.sessions_up_at, 200 * kSec);
    ASSERT_TRUE(r.sessions_down);
    EXPECT_LE(r.sessions_down_at, 200 * kSec);
    // Gone after the StopCCN got through (retransmitted at worst for one cycle) and
    // the receiver's hold.
    ASSERT_TRUE(r.tunnels_gone);
    EXPECT_LE(r.gone_at, 2 * kLossyHold);
    // The link really was hostile.
    EXPECT_GT(double(r.dropped), 0.15 * double(r.datagrams));
    EXPECT_GT(r.duplicated, 0u);
    // Cleanly: every call ended by its CDN, every tunnel by its StopCCN; nothing
    // timed out, died, or was malformed.
    EXPECT_EQ(r.lns_session_down_peer, size_t(kSessions));
    EXPECT_EQ(r.lac_tunnel_down, size_t(kTunnels));
    EXPECT_EQ(r.lns_tunnel_down_peer, size_t(kTunnels));
    for (const EndpointCounters *c : {&r.lac, &r.lns}) {
        EXPECT_EQ(c->tunnels_peer_dead, 0u);
        EXPECT_EQ(c->setup_timeouts, 0u);
        EXPECT_EQ(c->decode_errors, 0u);
        EXPECT_EQ(c->unexpected_messages, 0u);
        EXPECT_EQ(c->sessions_rejected, 0u);
        EXPECT_EQ(c->sessions_established, uint64_t(kSessions));
        EXPECT_EQ(c->sessions_closed, uint64_t(kSessions));
    }
    EXPECT_EQ(r.lns.cdn_received, uint64_t(kSessions));
    EXPECT_EQ(r.lns.tunnels_established, uint64_t(kTunnels));
}

TEST(EndpointLossy, SameSeedSameRunOtherSeedOtherRun) {
    const LossyResult a = run_lossy(7), b = run_lossy(7), c = run_lossy(8);
    EXPECT_TRUE(a.sessions_up && a.tunnels_gone);
    EXPECT_EQ(a.trace_hash, b.trace_hash);
    EXPECT_EQ(a.datagrams, b.datagrams);
    EXPECT_EQ(a.sessions_up_at, b.sessions_up_at);
    EXPECT_NE(a.trace_hash, c.trace_hash);
}

}  // namespace
}  // namespace lns::cp::l2tp

namespace lns::cp::l2tp {
namespace {

// Tunnel ids reserved for static sessions are never given to a signalled tunnel.
TEST(EndpointIds, ReservedTunnelIdsAreNeverAllocated) {
    Xoshiro rng(7);
    Endpoint e(EndpointConfig{}, rng, [](const Transport &, std::span<const uint8_t>) {},
               [](const Event &) {});
    for (uint32_t id = 1; id <= 65535; id++) {
        if (id != 777) {
            ASSERT_TRUE(e.reserve_tunnel_id(uint16_t(id)));
        }
    }
    EXPECT_FALSE(e.reserve_tunnel_id(5));  // already reserved
    EXPECT_FALSE(e.reserve_tunnel_id(0));  // never an id
    Transport to;
    to.peer_ip = 0xCB007101;
    EXPECT_EQ(e.open_tunnel(to, PeerPolicy{}, 1), 777);
    EXPECT_EQ(e.open_tunnel(to, PeerPolicy{}, 2), 0);  // none left
}

}  // namespace
}  // namespace lns::cp::l2tp
