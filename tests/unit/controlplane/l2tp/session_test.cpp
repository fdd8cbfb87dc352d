// Call-level behaviour of the endpoint (RFC 2661 §5.6, §6.6-§6.13, §7.4-§7.5):
// incoming calls (ICRQ/ICRP/ICCN) with proxy LCP and proxy authentication,
// sequencing, outgoing calls (OCRQ/OCRP/OCCN), CDN either way and before the
// peer knows our id, call setup timeouts, limits, session ids, unknown AVPs,
// WEN and SLI.  A LAC and an LNS Endpoint back to back, or a scripted peer.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "harness/l2tp_pair.hpp"

namespace lns::cp::l2tp {
namespace {

using namespace harness;

constexpr uint16_t kUnknownAvp = 0x7ff0;
constexpr uint32_t kScriptIp = 0x0a000009;

// A back-to-back pair with one tunnel up.
struct Up {
    L2tpPair p;
    uint16_t lac_tid = 0, lns_tid = 0;
    explicit Up(EndpointConfig lac = L2tpPair::lac_config(),
                EndpointConfig lns = L2tpPair::lns_config())
        : p(std::move(lac), std::move(lns)) {
        std::tie(lac_tid, lns_tid) = p.establish();
        EXPECT_NE(lns_tid, 0);
    }
};

// A scripted LAC with a tunnel up to the pair's LNS.
struct ScriptedLac {
    L2tpPair p;
    ScriptPeer s;
    explicit ScriptedLac(EndpointConfig lns = L2tpPair::lns_config())
        : p(L2tpPair::lac_config(), std::move(lns)), s(p.net, "script", kScriptIp, p.lns) {
        EXPECT_TRUE(s.establish());
    }
    // ICRQ with our session `sid`; the LNS's session id from its ICRP (0: none).
    uint16_t icrq(uint16_t sid, const ScriptPeer::Fill &extra = {}) {
        const size_t icrps = s.count(MsgType::icrp);
        s.send_icrq(sid, sid, extra);
        p.run_for(100 * kMs);
        return s.count(MsgType::icrp) > icrps ? s.last(MsgType::icrp)->msg().assigned_session_id
                                              : 0;
    }
};

CallInfo rich_call() {
    CallInfo c;
    c.bearer_type = 2;
    c.framing_type = 1;
    c.tx_connect_speed = 1000000;
    c.rx_connect_speed = 500000;
    c.physical_channel_id = 77;
    c.calling_number = "5551234";
    c.called_number = "100";
    return c;
}

// ---- Incoming calls (§5.6, §6.10-§6.12) -------------------------------------------------------

TEST(SessionIncoming, IcrqIcrpIccnUpOnBothSides) {
    Up u;
    L2tpPair &p = u.p;
    auto [lac_sid, lns_sid] = p.call(u.lac_tid, rich_call());
    ASSERT_NE(lns_sid, 0);

    auto icrq = p.lac.sent_msgs(MsgType::icrq);
    ASSERT_EQ(icrq.size(), 1u);
    EXPECT_EQ(icrq[0].h.tunnel_id, u.lns_tid);
    EXPECT_EQ(icrq[0].h.session_id, 0);
    EXPECT_EQ(icrq[0]->assigned_session_id, lac_sid);
    EXPECT_EQ(icrq[0]->call_serial_number, 1u);  // the engine numbers calls from 1
    EXPECT_EQ(icrq[0]->bearer_type, 2u);
    EXPECT_EQ(icrq[0]->calling_number, "5551234");
    EXPECT_EQ(icrq[0]->called_number, "100");
    EXPECT_EQ(icrq[0]->physical_channel_id, 77u);
    auto icrp = p.lns.sent_msgs(MsgType::icrp);
    ASSERT_EQ(icrp.size(), 1u);
    EXPECT_EQ(icrp[0].h.tunnel_id, u.lac_tid);
    EXPECT_EQ(icrp[0].h.session_id, lac_sid);
    EXPECT_EQ(icrp[0]->assigned_session_id, lns_sid);
    auto iccn = p.lac.sent_msgs(MsgType::iccn);
    ASSERT_EQ(iccn.size(), 1u);
    EXPECT_EQ(iccn[0].h.session_id, lns_sid);
    EXPECT_EQ(iccn[0]->tx_connect_speed, 1000000u);
    EXPECT_EQ(iccn[0]->rx_connect_speed, 500000u);
    EXPECT_EQ(iccn[0]->framing_type, 1u);
    EXPECT_FALSE(iccn[0]->has(AvpType::sequencing_required));
    EXPECT_FALSE(iccn[0]->has(AvpType::proxy_authen_type));

    const Rec *up = p.lns.last(EventKind::session_up);
    EXPECT_EQ(up->ev.tunnel_id, u.lns_tid);
    EXPECT_EQ(up->ev.session_id, lns_sid);
    EXPECT_EQ(up->ev.peer_tunnel_id, u.lac_tid);
    EXPECT_EQ(up->ev.peer_session_id, lac_sid);
    EXPECT_EQ(up->ev.transport.peer_ip, kLacIp);
    EXPECT_FALSE(up->ev.lns_initiated);
    ASSERT_TRUE(up->has_call);
    EXPECT_EQ(up->call.call_serial, 1u);
    EXPECT_EQ(up->call.bearer_type, 2u);
    EXPECT_EQ(up->call.framing_type, 1u);
    EXPECT_EQ(up->call.tx_connect_speed, 1000000u);
    EXPECT_EQ(up->call.rx_connect_speed, 500000u);
    EXPECT_EQ(up->call.physical_channel_id, 77u);
    EXPECT_EQ(up->call.calling_number, "5551234");
    EXPECT_EQ(up->call.called_number, "100");
    EXPECT_FALSE(up->call.sequencing_required);
    EXPECT_FALSE(up->call.has_proxy_auth);
    const Rec *lac_up = p.lac.last(EventKind::session_up);
    EXPECT_EQ(lac_up->ev.session_id, lac_sid);
    EXPECT_EQ(lac_up->ev.peer_session_id, lns_sid);

    EXPECT_EQ(p.lns->session_count(), 1u);
    EXPECT_EQ(p.lac->session_count(), 1u);
    EXPECT_EQ(p.lns->tunnel(u.lns_tid)->sessions.at(lns_sid).state, SessionState::established);
    EXPECT_EQ(p.lac->tunnel(u.lac_tid)->sessions.at(lac_sid).state, SessionState::established);
    // A second call gets the next serial number.
    p.call(u.lac_tid);
    EXPECT_EQ(p.lns.last(EventKind::session_up)->call.call_serial, 2u);
}

TEST(SessionIncoming, ProxyLcpAndProxyAuthCarriedIntoCallInfo) {
    Up u;
    L2tpPair &p = u.p;
    CallInfo c;
    c.initial_received_lcp_confreq = {0x01, 0x04, 0x05, 0xd4, 0x05, 0x06, 0x11, 0x22, 0x33, 0x44};
    c.last_sent_lcp_confreq = {0x01, 0x04, 0x05, 0xd4, 0x03, 0x05, 0xc2, 0x23, 0x05};
    c.last_received_lcp_confreq = {0x01, 0x04, 0x05, 0xdc};
    c.has_proxy_auth = true;
    c.proxy_authen_type = 2;  // CHAP
    c.proxy_authen_name = "alice@isp";
    c.proxy_authen_challenge = Bytes(16, 0xab);
    c.proxy_authen_id = 42;
    c.proxy_authen_response = Bytes(16, 0xcd);
    ASSERT_NE(p.call(u.lac_tid, c).second, 0);
    auto iccn = p.lac.sent_msgs(MsgType::iccn);
    for (AvpType t : {AvpType::initial_received_lcp_confreq, AvpType::last_sent_lcp_confreq,
                      AvpType::last_received_lcp_confreq, AvpType::proxy_authen_type,
                      AvpType::proxy_authen_name, AvpType::proxy_authen_challenge,
                      AvpType::proxy_authen_id, AvpType::proxy_authen_response})
        EXPECT_TRUE(iccn[0]->has(t)) << unsigned(t);
    const Rec *up = p.lns.last(EventKind::session_up);
    ASSERT_TRUE(up->has_call);
    EXPECT_EQ(up->call.initial_received_lcp_confreq, c.initial_received_lcp_confreq);
    EXPECT_EQ(up->call.last_sent_lcp_confreq, c.last_sent_lcp_confreq);
    EXPECT_EQ(up->call.last_received_lcp_confreq, c.last_received_lcp_confreq);
    EXPECT_TRUE(up->call.has_proxy_auth);
    EXPECT_EQ(up->call.proxy_authen_type, 2);
    EXPECT_EQ(up->call.proxy_authen_name, "alice@isp");
    EXPECT_EQ(up->call.proxy_authen_challenge, c.proxy_authen_challenge);
    EXPECT_EQ(up->call.proxy_authen_id, 42);
    EXPECT_EQ(up->call.proxy_authen_response, c.proxy_authen_response);
}

TEST(SessionIncoming, SequencingRequiredByTheLac) {
    Up u;
    CallInfo c;
    c.sequencing_required = true;
    ASSERT_NE(u.p.call(u.lac_tid, c).second, 0);
    EXPECT_TRUE(u.p.lac.sent_msgs(MsgType::iccn)[0]->has(AvpType::sequencing_required));
    EXPECT_TRUE(u.p.lns.last(EventKind::session_up)->call.sequencing_required);
    ASSERT_NE(u.p.call(u.lac_tid).second, 0);
    EXPECT_FALSE(u.p.lns.last(EventKind::session_up)->call.sequencing_required);
}

TEST(SessionIncoming, SequencingForcedByThePeerPolicy) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.default_peer.force_sequencing = true;
    Up u(L2tpPair::lac_config(), lns);
    ASSERT_NE(u.p.call(u.lac_tid).second, 0);
    EXPECT_FALSE(u.p.lac.sent_msgs(MsgType::iccn)[0]->has(AvpType::sequencing_required));
    EXPECT_TRUE(u.p.lns.last(EventKind::session_up)->call.sequencing_required);
}

TEST(SessionIncoming, DuplicatedMessagesCreateOneSession) {
    Up u;
    u.p.lac.link.duplicate = 1.0;
    u.p.lns.link.duplicate = 1.0;
    ASSERT_NE(u.p.call(u.lac_tid).second, 0);
    u.p.run_for(kSec);
    EXPECT_EQ(u.p.lns->session_count(), 1u);
    EXPECT_EQ(u.p.lns.count(EventKind::session_up), 1u);
    EXPECT_EQ(u.p.lac.count(EventKind::session_up), 1u);
    EXPECT_EQ(u.p.lns.sent_count(MsgType::icrp), 1u);
}

TEST(SessionIncoming, OpenSessionNeedsAnEstablishedTunnel) {
    L2tpPair p;
    const uint16_t tid = p.lac->open_tunnel(p.lac_to_lns(), {}, 0);
    EXPECT_EQ(p.lac->open_session(tid, {}, 0), 0);  // still waiting for the SCCRP
    EXPECT_EQ(p.lac->open_session(0x7777, {}, 0), 0);
}

// ---- Outgoing calls (§5.6, §6.7-§6.9) ---------------------------------------------------------

TEST(SessionOutgoing, OcrqOcrpOccnPlacedByTheLns) {
    Up u;
    L2tpPair &p = u.p;
    CallInfo c;
    c.called_number = "5550000";
    const uint16_t lns_sid = p.lns->place_call(u.lns_tid, c, p.now());
    ASSERT_NE(lns_sid, 0);
    ASSERT_TRUE(p.run_until([&] { return p.lns.count(EventKind::session_up) == 1; }, kSec));
    auto ocrq = p.lns.sent_msgs(MsgType::ocrq);
    ASSERT_EQ(ocrq.size(), 1u);
    EXPECT_TRUE(ocrq[0].ok());
    EXPECT_EQ(ocrq[0]->assigned_session_id, lns_sid);
    EXPECT_EQ(ocrq[0]->called_number, "5550000");
    EXPECT_TRUE(ocrq[0]->has(AvpType::minimum_bps));
    EXPECT_TRUE(ocrq[0]->has(AvpType::maximum_bps));
    auto ocrp = p.lac.sent_msgs(MsgType::ocrp);
    auto occn = p.lac.sent_msgs(MsgType::occn);
    ASSERT_EQ(ocrp.size(), 1u);
    ASSERT_EQ(occn.size(), 1u);
    EXPECT_EQ(ocrp[0].h.session_id, lns_sid);
    EXPECT_EQ(occn[0].h.session_id, lns_sid);
    const uint16_t lac_sid = ocrp[0]->assigned_session_id;
    const Rec *up = p.lns.last(EventKind::session_up);
    EXPECT_TRUE(up->ev.lns_initiated);
    EXPECT_EQ(up->ev.session_id, lns_sid);
    EXPECT_EQ(up->ev.peer_session_id, lac_sid);
    const Rec *lac_up = p.lac.last(EventKind::session_up);
    EXPECT_TRUE(lac_up->ev.lns_initiated);
    EXPECT_EQ(lac_up->ev.session_id, lac_sid);
    EXPECT_EQ(lac_up->call.called_number, "5550000");
    EXPECT_TRUE(p.lns->tunnel(u.lns_tid)->sessions.at(lns_sid).outgoing);
    // Cleared by the LAC like any call.
    p.lac->close_session(u.lac_tid, lac_sid, cdn::kLostCarrier, 0, p.now());
    ASSERT_TRUE(p.run_until([&] { return p.lns.count(EventKind::session_down) == 1; }, kSec));
    EXPECT_TRUE(p.lns.last(EventKind::session_down)->ev.lns_initiated);
}

TEST(SessionOutgoing, RefusedWithCdn5WhenTheLacTakesNoOutgoingCalls) {
    EndpointConfig lac = L2tpPair::lac_config();
    lac.accept_outgoing_calls = false;
    Up u(lac);
    L2tpPair &p = u.p;
    const uint16_t lns_sid = p.lns->place_call(u.lns_tid, {}, p.now());
    ASSERT_NE(lns_sid, 0);
    ASSERT_TRUE(p.run_until([&] { return p.lns->session_count() == 0; }, kSec));
    auto cdn = p.lac.sent_msgs(MsgType::cdn);
    ASSERT_EQ(cdn.size(), 1u);
    EXPECT_EQ(cdn[0].h.session_id, lns_sid);
    EXPECT_EQ(cdn[0]->result_code.result, cdn::kPermNoFacilities);
    EXPECT_EQ(cdn[0]->assigned_session_id, 0);
    EXPECT_EQ(p.lac->counters().sessions_rejected, 1u);
    EXPECT_EQ(p.lac->session_count(), 0u);
    // The LNS's owner placed the call, so it hears that it failed.
    const Rec *down = p.lns.last(EventKind::session_down);
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->ev.session_id, lns_sid);
    EXPECT_EQ(down->ev.reason, DownReason::peer_request);
    EXPECT_EQ(down->ev.result, cdn::kPermNoFacilities);
    EXPECT_TRUE(down->ev.lns_initiated);
    EXPECT_EQ(p.lns.count(EventKind::session_up), 0u);
}

// ---- CDN (§5.7 calls, §6.13)
// ---------------------------------------------------------------------

TEST(SessionCdn, FromTheLac) {
    Up u;
    L2tpPair &p = u.p;
    auto [lac_sid, lns_sid] = p.call(u.lac_tid);
    ASSERT_TRUE(p.lac->close_session(u.lac_tid, lac_sid, cdn::kAdmin, 0, p.now(), 2, 0xc021, 1));
    EXPECT_FALSE(p.lac->close_session(u.lac_tid, lac_sid, cdn::kAdmin, 0, p.now()));
    ASSERT_TRUE(p.run_until([&] { return p.lns.count(EventKind::session_down) == 1; }, kSec));
    auto cdn = p.lac.sent_msgs(MsgType::cdn);
    ASSERT_EQ(cdn.size(), 1u);
    EXPECT_EQ(cdn[0].h.session_id, lns_sid);
    EXPECT_EQ(cdn[0]->assigned_session_id, lac_sid);
    EXPECT_EQ(cdn[0]->result_code.result, cdn::kAdmin);
    EXPECT_FALSE(cdn[0]->result_code.has_error);
    ASSERT_TRUE(cdn[0]->has(AvpType::ppp_disconnect_cause));
    EXPECT_EQ(cdn[0]->disconnect_cause.code, 2);
    EXPECT_EQ(cdn[0]->disconnect_cause.protocol, 0xc021);
    EXPECT_EQ(cdn[0]->disconnect_cause.direction, 1);
    const Rec *down = p.lns.last(EventKind::session_down);
    EXPECT_EQ(down->ev.session_id, lns_sid);
    EXPECT_EQ(down->ev.reason, DownReason::peer_request);
    EXPECT_EQ(down->ev.result, cdn::kAdmin);
    EXPECT_EQ(p.lac.last(EventKind::session_down)->ev.reason, DownReason::local_request);
    EXPECT_EQ(p.lns->session_count(), 0u);
    EXPECT_EQ(p.lac->session_count(), 0u);
    EXPECT_EQ(p.lns->counters().cdn_received, 1u);
    EXPECT_EQ(p.lns->tunnel(u.lns_tid)->state, TunnelState::established);  // the tunnel stays
}

TEST(SessionCdn, FromTheLns) {
    Up u;
    L2tpPair &p = u.p;
    auto [lac_sid, lns_sid] = p.call(u.lac_tid);
    ASSERT_TRUE(
        p.lns->close_session(u.lns_tid, lns_sid, cdn::kGeneralError, errc::kVendorError, p.now()));
    ASSERT_TRUE(p.run_until([&] { return p.lac.count(EventKind::session_down) == 1; }, kSec));
    const Rec *down = p.lac.last(EventKind::session_down);
    EXPECT_EQ(down->ev.session_id, lac_sid);
    EXPECT_EQ(down->ev.reason, DownReason::peer_request);
    EXPECT_EQ(down->ev.result, cdn::kGeneralError);
    EXPECT_EQ(down->ev.error, errc::kVendorError);
    EXPECT_EQ(p.lns.last(EventKind::session_down)->ev.reason, DownReason::local_request);
    EXPECT_EQ(p.lac->session_count(), 0u);
}

TEST(SessionCdn, SessionIdZeroMatchedByAssignedSessionId) {
    Up u;
    L2tpPair &p = u.p;
    // The LAC clears its call before the ICRP arrives: its CDN carries session id 0.
    const uint16_t lac_sid = p.lac->open_session(u.lac_tid, {}, p.now());
    ASSERT_TRUE(p.lac->close_session(u.lac_tid, lac_sid, cdn::kLostCarrier, 0, p.now()));
    p.run_for(kSec);
    auto cdn = p.lac.sent_msgs(MsgType::cdn);
    ASSERT_EQ(cdn.size(), 1u);
    EXPECT_EQ(cdn[0].h.session_id, 0);
    EXPECT_EQ(cdn[0]->assigned_session_id, lac_sid);
    EXPECT_EQ(p.lns.sent_count(MsgType::icrp), 1u);  // the LNS had accepted the ICRQ...
    EXPECT_EQ(p.lns->session_count(), 0u);           // ...and the CDN found that call
    EXPECT_EQ(p.lns->counters().cdn_received, 1u);
    EXPECT_EQ(p.lns->tunnel(u.lns_tid)->c.unknown_session, 0u);
    EXPECT_EQ(p.lns.count(EventKind::session_up) + p.lns.count(EventKind::session_down), 0u);
    EXPECT_EQ(p.lac->tunnel(u.lac_tid)->c.unknown_session, 1u);  // the late ICRP
    ASSERT_NE(p.lac.last(EventKind::session_down), nullptr);
    EXPECT_EQ(p.lac.last(EventKind::session_down)->ev.reason, DownReason::local_request);
}

TEST(SessionCdn, TunnelClosureEndsEverySession) {
    Up u;
    L2tpPair &p = u.p;
    for (int i = 0; i < 5; i++) ASSERT_NE(p.call(u.lac_tid).second, 0);
    p.lac->close_tunnel(u.lac_tid, stopccn::kClear, 0, p.now());
    EXPECT_EQ(p.lac.count(EventKind::session_down, DownReason::tunnel_down), 5u);
    ASSERT_TRUE(p.run_until([&] { return p.lns.count(EventKind::tunnel_down) == 1; }, kSec));
    EXPECT_EQ(p.lns.count(EventKind::session_down, DownReason::tunnel_down), 5u);
    EXPECT_EQ(p.lns->session_count(), 0u);
    EXPECT_EQ(p.lns->counters().sessions_closed, 5u);
}

// ---- Call setup timeout (CDN result 10)
// ----------------------------------------------------------

TEST(SessionSetupTimeout, LnsWaitingForIccnSendsCdn10) {
    ScriptedLac x;
    const uint64_t t0 = x.p.now();
    const uint16_t lns_sid = x.icrq(0x51);
    ASSERT_NE(lns_sid, 0);
    const uint64_t icrq_in = t0 + 10 * kMs;
    ASSERT_TRUE(x.p.run_until([&] { return x.s.count(MsgType::cdn) == 1; }, 60 * kSec));
    EXPECT_EQ(x.p.now(), icrq_in + 30 * kSec + 10 * kMs);  // sent 30 s on, 10 ms on the wire
    const Decoded *cdn = x.s.last(MsgType::cdn);
    EXPECT_EQ(cdn->h.session_id, 0x51);
    EXPECT_EQ(cdn->msg().assigned_session_id, lns_sid);
    EXPECT_EQ(cdn->msg().result_code.result, cdn::kTimeout);
    EXPECT_EQ(x.p.lns->counters().setup_timeouts, 1u);
    EXPECT_EQ(x.p.lns->session_count(), 0u);
    EXPECT_EQ(x.p.lns.count(EventKind::session_down), 0u);  // its owner never heard of it
}

TEST(SessionSetupTimeout, EstablishedCallsDoNotTimeOut) {
    ScriptedLac x;
    const uint16_t lns_sid = x.icrq(0x51);
    x.s.send_iccn(lns_sid);
    x.p.run_for(60 * kSec);
    EXPECT_EQ(x.s.count(MsgType::cdn), 0u);
    EXPECT_EQ(x.p.lns->session_count(), 1u);
}

TEST(SessionSetupTimeout, LacWaitingForIcrpSendsCdn10) {
    L2tpPair p;
    ScriptPeer lns(p.net, "script-lns", kScriptIp, p.lac);
    Transport to = p.lac_to_lns();
    to.peer_ip = kScriptIp;
    const uint16_t lac_tid = p.lac->open_tunnel(to, {}, p.now());
    ASSERT_TRUE(p.run_until([&] { return lns.count(MsgType::sccrq) == 1; }, kSec));
    EXPECT_EQ(lns.peer_tid, lac_tid);
    lns.send(MsgType::sccrp, 0, [&](AvpWriter &w) {
        w.add_u16(AvpType::protocol_version, 0x0100);
        w.add_u32(AvpType::framing_capabilities, 3);
        w.add_str(AvpType::host_name, "script-lns");
        w.add_u16(AvpType::assigned_tunnel_id, lns.tid);
    });
    ASSERT_TRUE(p.run_until([&] { return p.lac.count(EventKind::tunnel_up) == 1; }, kSec));
    const uint64_t t0 = p.now();
    const uint16_t lac_sid = p.lac->open_session(lac_tid, {}, t0);
    ASSERT_TRUE(p.run_until([&] { return lns.count(MsgType::cdn) == 1; }, 60 * kSec));
    EXPECT_EQ(p.now(), t0 + 30 * kSec + 10 * kMs);
    EXPECT_EQ(lns.last(MsgType::cdn)->msg().result_code.result, cdn::kTimeout);
    EXPECT_EQ(lns.last(MsgType::cdn)->msg().assigned_session_id, lac_sid);
    EXPECT_EQ(p.lac->session_count(), 0u);
    // The LAC's owner asked for the call: it hears that it timed out.
    const Rec *down = p.lac.last(EventKind::session_down);
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->ev.session_id, lac_sid);
    EXPECT_EQ(down->ev.reason, DownReason::setup_timeout);
    EXPECT_EQ(down->ev.result, cdn::kTimeout);
}

// ---- Limits (CDN result 4)
// ------------------------------------------------------------------------

TEST(SessionLimits, PerTunnel) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.max_sessions_per_tunnel = 2;
    Up u(L2tpPair::lac_config(), lns);
    L2tpPair &p = u.p;
    ASSERT_NE(p.call(u.lac_tid).second, 0);
    ASSERT_NE(p.call(u.lac_tid).second, 0);
    const uint16_t third = p.lac->open_session(u.lac_tid, {}, p.now());
    ASSERT_NE(third, 0);
    ASSERT_TRUE(p.run_until([&] { return p.lac->session_count() == 2; }, kSec));
    auto cdn = p.lns.sent_msgs(MsgType::cdn);
    ASSERT_EQ(cdn.size(), 1u);
    EXPECT_EQ(cdn[0].h.session_id, third);
    EXPECT_EQ(cdn[0]->assigned_session_id, 0);
    EXPECT_EQ(cdn[0]->result_code.result, cdn::kTempNoFacilities);
    EXPECT_EQ(p.lns->counters().sessions_rejected, 1u);
    const Rec *down = p.lac.last(EventKind::session_down);
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->ev.session_id, third);
    EXPECT_EQ(down->ev.result, cdn::kTempNoFacilities);
    // A second tunnel has its own allowance.
    auto [lac_t2, lns_t2] = p.establish();
    EXPECT_NE(p.call(lac_t2).second, 0);
}

TEST(SessionLimits, Total) {
    EndpointConfig lns = L2tpPair::lns_config();
    lns.max_sessions = 3;
    L2tpPair p(L2tpPair::lac_config(), lns);
    auto [a, a_lns] = p.establish();
    auto [b, b_lns] = p.establish();
    ASSERT_NE(p.call(a).second, 0);
    ASSERT_NE(p.call(a).second, 0);
    ASSERT_NE(p.call(b).second, 0);
    EXPECT_EQ(p.call(b).second, 0);
    auto cdn = p.lns.sent_msgs(MsgType::cdn);
    ASSERT_EQ(cdn.size(), 1u);
    EXPECT_EQ(cdn[0]->result_code.result, cdn::kTempNoFacilities);
    EXPECT_EQ(p.lns->session_count(), 3u);
    // One ends: room for one more.
    const uint16_t some = p.lns.of(EventKind::session_up)[0].ev.session_id;
    p.lns->close_session(a_lns, some, cdn::kAdmin, 0, p.now());
    EXPECT_NE(p.call(b).second, 0);
}

TEST(SessionLimits, PerPeerPolicy) {
    EndpointConfig lns = L2tpPair::lns_config();
    PeerPolicy small;
    small.name = "small";
    small.host_name = "lac";
    small.max_sessions = 1;
    lns.peers.push_back(small);
    L2tpPair p(L2tpPair::lac_config(), lns);
    auto [lac_tid, lns_tid] = p.establish();
    ASSERT_NE(p.call(lac_tid).second, 0);
    EXPECT_EQ(p.call(lac_tid).second, 0);
    EXPECT_EQ(p.lns.sent_msgs(MsgType::cdn)[0]->result_code.result, cdn::kTempNoFacilities);
    // Another peer (the default policy) is not bound by it.
    ScriptPeer s(p.net, "script", kScriptIp, p.lns);
    ASSERT_TRUE(s.establish());
    s.send_icrq(1);
    s.send_icrq(2);
    p.run_for(kSec);
    EXPECT_EQ(s.count(MsgType::icrp), 2u);
}

TEST(SessionLimits, LacRefusesToOpenBeyondItsOwnLimits) {
    EndpointConfig lac = L2tpPair::lac_config();
    lac.max_sessions_per_tunnel = 1;
    Up u(lac);
    ASSERT_NE(u.p.lac->open_session(u.lac_tid, {}, u.p.now()), 0);
    EXPECT_EQ(u.p.lac->open_session(u.lac_tid, {}, u.p.now()), 0);
    EXPECT_EQ(u.p.lac->place_call(u.lac_tid, {}, u.p.now()), 0);
}

// ---- Session ids --------------------------------------------------------------------------------

TEST(SessionIds, NeverReusesLiveOrQuarantinedIds) {
    Up u;
    L2tpPair &p = u.p;
    p.lns.rng = FakeRandom(9, 0);  // the LNS's generator says 9, always
    auto [l1, s1] = p.call(u.lac_tid);
    auto [l2, s2] = p.call(u.lac_tid);
    EXPECT_EQ(s1, 9);
    EXPECT_EQ(s2, 10);  // 9 is live
    const uint64_t t0 = p.now();
    p.lns->close_session(u.lns_tid, s1, cdn::kAdmin, 0, t0);
    p.run_for(kSec);
    auto [l3, s3] = p.call(u.lac_tid);
    EXPECT_EQ(s3, 11);  // 9 quarantined (60 s), 10 live
    p.run_for(t0 + 60 * kSec - p.now());
    auto [l4, s4] = p.call(u.lac_tid);
    EXPECT_EQ(s4, 9);  // out of quarantine
    std::set<uint16_t> lac_ids = {l1, l2, l3, l4};
    EXPECT_EQ(lac_ids.size(), 4u);
    EXPECT_EQ(lac_ids.count(0), 0u);
}

// ---- Unknown AVPs (§4.1)
// ---------------------------------------------------------------------------

TEST(SessionUnknownAvp, MandatoryInIcrpGetsCdn2Error8) {
    ScriptedLac x;
    const uint16_t lns_sid = x.icrq(0x61, [](AvpWriter &w) {
        const uint8_t v[3] = {1, 2, 3};
        w.add(0, kUnknownAvp, true, v);
    });
    EXPECT_EQ(lns_sid, 0);  // no ICRP
    ASSERT_EQ(x.s.count(MsgType::cdn), 1u);
    const Decoded *cdn = x.s.last(MsgType::cdn);
    EXPECT_EQ(cdn->h.session_id, 0x61);
    EXPECT_EQ(cdn->msg().result_code.result, cdn::kGeneralError);
    EXPECT_EQ(cdn->msg().result_code.error, errc::kUnknownMandatoryAvp);
    EXPECT_EQ(x.p.lns->session_count(), 0u);
    EXPECT_EQ(x.s.count(MsgType::stopccn), 0u);  // a call-level message clears only the call
    EXPECT_EQ(x.p.lns->tunnel_stats()[0].state, TunnelState::established);
    EXPECT_NE(x.icrq(0x62), 0);  // the tunnel still takes calls
}

TEST(SessionUnknownAvp, NonMandatoryInIcrqIgnored) {
    ScriptedLac x;
    EXPECT_NE(x.icrq(0x61,
                     [](AvpWriter &w) {
                         const uint8_t v[3] = {1, 2, 3};
                         w.add(0, kUnknownAvp, false, v);
                         w.add(311, 1, false, v);  // a vendor AVP
                     }),
              0);
    EXPECT_EQ(x.s.count(MsgType::cdn), 0u);
}

TEST(SessionUnknownAvp, MandatoryInIccnClearsTheCall) {
    ScriptedLac x;
    const uint16_t lns_sid = x.icrq(0x61);
    ASSERT_NE(lns_sid, 0);
    x.s.send_iccn(lns_sid, [](AvpWriter &w) {
        const uint8_t v[2] = {0, 0};
        w.add(0, kUnknownAvp, true, v);
    });
    x.p.run_for(kSec);
    ASSERT_EQ(x.s.count(MsgType::cdn), 1u);
    EXPECT_EQ(x.s.last(MsgType::cdn)->msg().assigned_session_id, lns_sid);
    EXPECT_EQ(x.s.last(MsgType::cdn)->msg().result_code.error, errc::kUnknownMandatoryAvp);
    EXPECT_EQ(x.p.lns->session_count(), 0u);
    EXPECT_EQ(x.p.lns.count(EventKind::session_up), 0u);
}

// ---- WEN, SLI, unknown sessions, unexpected messages
// ---------------------------------------------

TEST(SessionLinkInfo, WenAndSliCounted) {
    ScriptedLac x;
    const uint16_t lns_sid = x.icrq(0x61);
    x.s.send_iccn(lns_sid);
    x.s.send(MsgType::wen, lns_sid, [](AvpWriter &w) {
        uint8_t v[26] = {};
        v[5] = 3;  // 3 CRC errors
        w.add(AvpType::call_errors, v);
    });
    x.s.send(MsgType::sli, lns_sid, [](AvpWriter &w) {
        const uint8_t v[10] = {0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
        w.add(AvpType::accm, v);
    });
    x.s.send(MsgType::sli, lns_sid, [](AvpWriter &w) {
        const uint8_t v[10] = {};
        w.add(AvpType::accm, v);
    });
    x.p.run_for(kSec);
    EXPECT_EQ(x.p.lns->counters().wen_received, 1u);
    EXPECT_EQ(x.p.lns->counters().sli_received, 2u);
    const TunnelStats st = x.p.lns->tunnel_stats()[0];
    EXPECT_EQ(st.c.wen_received, 1u);
    EXPECT_EQ(st.c.sli_received, 2u);
    EXPECT_TRUE(x.s.ch.idle());  // acknowledged
    EXPECT_EQ(x.p.lns->session_count(), 1u);
    EXPECT_EQ(x.s.count(MsgType::cdn), 0u);
}

TEST(SessionUnknown, MessagesForUnknownSessionsCounted) {
    ScriptedLac x;
    x.s.send_iccn(0x9999);
    x.s.send(MsgType::cdn, 0x9999, [](AvpWriter &w) {
        w.add_result(cdn::kAdmin);
        w.add_u16(AvpType::assigned_session_id, 0x1234);
    });
    x.s.send(MsgType::cdn, 0, [](AvpWriter &w) {  // id 0, and no call with that assigned id
        w.add_result(cdn::kAdmin);
        w.add_u16(AvpType::assigned_session_id, 0x4321);
    });
    x.p.run_for(kSec);
    EXPECT_EQ(x.p.lns->tunnel_stats()[0].c.unknown_session, 3u);
    EXPECT_TRUE(x.s.ch.idle());
    EXPECT_EQ(x.s.inbox.size(), 1u);  // the SCCRP; nothing answered the three
}

TEST(SessionUnexpected, SecondIccnClearsTheCall) {
    ScriptedLac x;
    const uint16_t lns_sid = x.icrq(0x61);
    x.s.send_iccn(lns_sid);
    x.s.send_iccn(lns_sid);
    x.p.run_for(kSec);
    ASSERT_EQ(x.s.count(MsgType::cdn), 1u);
    EXPECT_EQ(x.s.last(MsgType::cdn)->msg().result_code.result, cdn::kGeneralError);
    EXPECT_EQ(x.p.lns->counters().unexpected_messages, 1u);
    EXPECT_EQ(x.p.lns.last(EventKind::session_down)->ev.reason, DownReason::protocol_error);
}

TEST(SessionUnexpected, OutgoingCallMessagesOnAnIncomingCall) {
    ScriptedLac x;
    const uint16_t a = x.icrq(0x61);
    const uint16_t b = x.icrq(0x62);
    x.s.send(MsgType::ocrp, a, [](AvpWriter &w) { w.add_u16(AvpType::assigned_session_id, 0x61); });
    x.s.send(MsgType::occn, b, [](AvpWriter &w) {
        w.add_u32(AvpType::tx_connect_speed, 1);
        w.add_u32(AvpType::framing_type, 1);
    });
    x.p.run_for(kSec);
    ASSERT_EQ(x.s.count(MsgType::cdn), 2u);
    for (const Decoded &d : x.s.inbox) {
        if (d.type() == MsgType::cdn) {
            EXPECT_EQ(d->result_code.result, cdn::kGeneralError);
        }
    }
    EXPECT_EQ(x.p.lns->counters().unexpected_messages, 2u);
    EXPECT_EQ(x.p.lns->session_count(), 0u);
}

TEST(SessionUnexpected, IcrpForTheLnsOwnIncomingCallIsIgnored) {
    ScriptedLac x;
    const uint16_t lns_sid = x.icrq(0x61);
    x.s.send(MsgType::icrp, lns_sid,
             [](AvpWriter &w) { w.add_u16(AvpType::assigned_session_id, 0x61); });
    x.p.run_for(kSec);
    EXPECT_EQ(x.p.lns->counters().unexpected_messages, 1u);
    EXPECT_EQ(x.s.count(MsgType::cdn), 0u);
    x.s.send_iccn(lns_sid);  // still waiting for its ICCN
    x.p.run_for(kSec);
    EXPECT_EQ(x.p.lns.count(EventKind::session_up), 1u);
}

TEST(SessionOutgoing, OcrqToAnLnsThatPlacesNoCallsGetsCdn5) {
    ScriptedLac x;  // the LNS does not accept outgoing calls
    x.s.send(MsgType::ocrq, 0, [](AvpWriter &w) {
        w.add_u16(AvpType::assigned_session_id, 0x71);
        w.add_u32(AvpType::call_serial_number, 1);
        w.add_u32(AvpType::minimum_bps, 0);
        w.add_u32(AvpType::maximum_bps, 1000);
        w.add_u32(AvpType::bearer_type, 3);
        w.add_u32(AvpType::framing_type, 3);
        w.add_str(AvpType::called_number, "1");
    });
    x.p.run_for(kSec);
    ASSERT_EQ(x.s.count(MsgType::cdn), 1u);
    EXPECT_EQ(x.s.last(MsgType::cdn)->h.session_id, 0x71);
    EXPECT_EQ(x.s.last(MsgType::cdn)->msg().result_code.result, cdn::kPermNoFacilities);
}

TEST(SessionUnexpected, IcrqBeforeTheTunnelIsUpIsAnFsmError) {
    L2tpPair p;
    ScriptPeer s(p.net, "script", kScriptIp, p.lns);
    s.send_sccrq();
    ASSERT_TRUE(p.run_until([&] { return s.count(MsgType::sccrp) == 1; }, kSec));
    s.send_icrq(1);  // no SCCCN yet
    p.run_for(kSec);
    ASSERT_EQ(s.count(MsgType::stopccn), 1u);
    EXPECT_EQ(s.last(MsgType::stopccn)->msg().result_code.result, stopccn::kFsmError);
}

}  // namespace
}  // namespace lns::cp::l2tp
