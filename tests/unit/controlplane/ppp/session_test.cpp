// PppSession (LNS side) against a subscriber built from the same engines in their
// client roles, back to back with a fake clock: CHAP / MS-CHAPv2 / PAP up to IPCP,
// rejected credentials, subscriber Terminate, dead subscriber, proxy LCP and
// proxy authentication, Protocol-Reject of unknown protocols.
#include "controlplane/ppp/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

#include "controlplane/ppp/chap_md5.hpp"
#include "controlplane/ppp/mschap.hpp"
#include "tests/harness/ppp_client_engines.hpp"

namespace lns::cp::ppp {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
using test::Bytes;
using test::Client;
using test::Frame;
using test::Lcg;

// The owner of the LNS-side session: checks credentials against one user,
// assigns 100.64.0.7, records what happened.
struct Host final : SessionHost {
    std::deque<Frame> &wire;
    std::string password = "pw";
    bool answer_at_once = true;
    std::optional<AuthVerdict> pending;  // computed at once, delivered later
    ppp::AuthenticatorResponse ms_response{};
    std::vector<std::string> authenticated;
    std::vector<uint16_t> network_up;
    std::optional<EndReason> finished;
    std::vector<uint16_t> sent_protocols;
    std::optional<Ip6Addr> ipv6_prefix;
    uint64_t now = 0;

    explicit Host(std::deque<Frame> &w) : wire(w) {}
    void ppp_send(PppSession &, uint16_t protocol, std::span<const uint8_t> p) override {
        sent_protocols.push_back(protocol);
        wire.push_back({true, protocol, Bytes(p.begin(), p.end())});
    }
    AuthVerdict check(const VerifyRequest &r) {
        AuthVerdict v;
        v.ticket = r.ticket;
        if (r.protocol == AuthProtocol::pap) v.accept = r.password == password;
        if (r.protocol == AuthProtocol::chap_md5) v.accept = chap_md5_verify(r, password);
        if (r.protocol == AuthProtocol::mschap_v2) {
            v.accept = mschapv2_verify(r.user, password, r.challenge.first<16>(), r.peer_challenge.first<16>(),
                                       r.nt_response.first<24>(), &ms_response);
            if (v.accept) v.authenticator_response = to_view(ms_response);
        }
        return v;
    }
    void ppp_verify(PppSession &s, const VerifyRequest &r) override {
        if (answer_at_once) return s.auth_verdict(check(r), now);
        pending = check(r);  // the request's spans are valid only during this call
    }
    void ppp_authenticated(PppSession &s, std::string_view user) override {
        authenticated.emplace_back(user);
        IpcpAssignment a;
        a.peer_address = 0x64400007;
        a.dns[0] = 0xC6336435;
        s.start_network(0xCB007101, a, now, ipv6_prefix ? &*ipv6_prefix : nullptr);
    }
    void ppp_network_up(PppSession &, uint16_t protocol) override { network_up.push_back(protocol); }
    void ppp_finished(PppSession &, EndReason why) override { finished = why; }
};

struct Rig {
    std::deque<Frame> wire;
    Lcg rnd{7};
    PppShared sh;
    Host host{wire};
    Client client{wire};
    std::optional<PppSession> lns;
    uint64_t now = 0;
    bool drop_to_lns = false;

    explicit Rig(std::vector<AuthProtocol> auth = {AuthProtocol::chap_md5}) {
        sh.lcp.config = LcpConfig::lns();
        sh.lcp.config.request_auth = std::move(auth);
        sh.lcp.random = &rnd;
        sh.ipcp.config = IpcpConfig::lns();
        sh.auth_random = &rnd;
        lns.emplace(sh, host, 42);
    }
    void start(const ProxyInfo *proxy = nullptr) {
        lns->start(now, proxy);
        client.lcp->open(now);
        client.lcp->up(now);
    }
    // Delivers frames until the wire is empty (bounded).
    void pump() {
        for (int i = 0; i < 1000 && !wire.empty(); i++) {
            Frame f = std::move(wire.front());
            wire.pop_front();
            if (f.to_client) {
                client.now = now;
                client.receive(f.protocol, f.info);
            } else if (!drop_to_lns) {
                host.now = now;
                lns->receive(f.protocol, f.info, now);
            }
        }
    }
    // Advances the clock to each deadline up to `until`, pumping in between.
    void run(uint64_t until) {
        pump();
        for (int i = 0; i < 10000; i++) {
            const uint64_t d = std::min(lns->next_deadline(), client.deadline());
            if (d > until) break;
            now = std::max(now, d);
            host.now = now;
            lns->on_timer(now);
            client.timer(now);
            pump();
        }
        now = std::max(now, until);
    }
};

TEST(PppSession, ChapMd5UpToIpcp) {
    Rig r;
    r.start();
    r.pump();
    ASSERT_EQ(r.host.authenticated, std::vector<std::string>{"alice"});
    ASSERT_EQ(r.host.network_up, std::vector<uint16_t>{kProtoIpcp});
    EXPECT_TRUE(r.client.ipcp_up);
    EXPECT_EQ(r.client.ipcp->result().local_address, 0x64400007u);  // what the client got
    EXPECT_EQ(r.client.ipcp->result().dns[0], 0xC6336435u);
    EXPECT_EQ(r.lns->ipcp().result().peer_address, 0x64400007u);
    EXPECT_TRUE(r.lns->authenticated());
    EXPECT_EQ(r.lns->user(), "alice");
    EXPECT_FALSE(r.host.finished);
    EXPECT_EQ(r.sh.counters.network_up, 1u);
}

TEST(PppSession, MsChapV2AndPap) {
    for (AuthProtocol a : {AuthProtocol::mschap_v2, AuthProtocol::pap}) {
        Rig r({a});
        r.start();
        r.pump();
        EXPECT_EQ(r.host.network_up.size(), 1u) << to_string(a);
        EXPECT_TRUE(r.client.ipcp_up) << to_string(a);
        EXPECT_FALSE(r.client.auth_failed);
    }
}

TEST(PppSession, WrongPasswordEndsTheLink) {
    for (AuthProtocol a : {AuthProtocol::chap_md5, AuthProtocol::mschap_v2, AuthProtocol::pap}) {
        Rig r({a});
        r.client.password = "wrong";
        r.start();
        r.run(30 * kSec);
        EXPECT_TRUE(r.host.authenticated.empty());
        ASSERT_TRUE(r.host.finished) << to_string(a);
        EXPECT_EQ(*r.host.finished, EndReason::auth_failed);
        EXPECT_TRUE(r.client.auth_failed) << to_string(a);  // told by Failure / Nak
        EXPECT_TRUE(r.client.lcp_finished) << to_string(a);  // and by Terminate
        EXPECT_EQ(r.sh.counters.finished_by[size_t(EndReason::auth_failed)], 1u);
    }
}

TEST(PppSession, AsynchronousVerdict) {
    Rig r;
    r.host.answer_at_once = false;
    r.start();
    r.pump();
    ASSERT_TRUE(r.host.pending);
    EXPECT_TRUE(r.host.authenticated.empty());
    r.now += kSec / 10;  // RADIUS took 100 ms
    r.lns->auth_verdict(*r.host.pending, r.now);
    r.pump();
    EXPECT_EQ(r.host.network_up.size(), 1u);
}

TEST(PppSession, SubscriberTerminates) {
    Rig r;
    r.start();
    r.pump();
    ASSERT_TRUE(r.client.ipcp_up);
    r.client.lcp->close(r.now);
    r.pump();
    EXPECT_FALSE(r.host.finished);  // RFC 1661 §4.1 RTR in Opened: one restart period first
    r.run(r.now + 10 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, EndReason::peer_terminated);
}

TEST(PppSession, AdminCloseSendsTerminate) {
    Rig r;
    r.start();
    r.pump();
    r.lns->close(r.now);
    r.pump();
    ASSERT_TRUE(r.host.finished);  // Terminate-Ack came back
    r.run(r.now + 10 * kSec);
    EXPECT_TRUE(r.client.lcp_finished);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, EndReason::admin);
    EXPECT_EQ(r.lns->next_deadline(), UINT64_MAX);
}

TEST(PppSession, DeadSubscriberDetectedByEcho) {
    Rig r;
    r.sh.lcp.config.echo.interval_ns = 10 * kSec;
    r.sh.lcp.config.echo.max_failures = 3;
    r.start();
    r.pump();
    ASSERT_TRUE(r.client.ipcp_up);
    r.drop_to_lns = true;  // the subscriber vanishes
    const uint64_t gone = r.now;
    r.run(gone + 200 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, EndReason::peer_dead);
}

TEST(PppSession, UnknownProtocolIsProtocolRejected) {
    Rig r;
    r.start();
    r.pump();
    const uint8_t ccp[] = {1, 1, 0, 4};
    r.lns->receive(0x80fd, ccp, r.now);
    ASSERT_FALSE(r.wire.empty());
    EXPECT_EQ(r.wire.back().protocol, kProtoLcp);
    EXPECT_EQ(r.wire.back().info[0], uint8_t(Code::ProtocolReject));
    EXPECT_EQ(load_be16(r.wire.back().info.data() + 4), 0x80fd);
    EXPECT_EQ(r.sh.counters.protocol_rejects_sent, 1u);
    // IPCP before authentication is dropped, not answered.
    Rig early;
    early.host.answer_at_once = false;
    early.start();
    early.pump();
    early.lns->receive(kProtoIpcp, ccp, early.now);
    EXPECT_EQ(early.sh.counters.frames_before_phase, 1u);
}

TEST(PppSession, ProxyLcpAndProxyPap) {
    Rig r({AuthProtocol::pap});
    ProxyInfo p;
    p.has_lcp = true;
    p.lcp.our_mru = p.lcp.peer_mru = 1460;
    p.lcp.our_magic = 0x11111111;
    p.lcp.peer_magic = 0x22222222;
    p.lcp.auth_we_require = AuthProtocol::pap;
    p.has_auth = true;
    p.auth_protocol = AuthProtocol::pap;
    p.user = "alice";
    p.password = "pw";
    r.lns->start(r.now, &p);
    EXPECT_TRUE(r.lns->lcp().opened());
    EXPECT_EQ(r.sh.counters.proxy_lcp_used, 1u);
    EXPECT_EQ(r.sh.counters.proxy_auth_used, 1u);
    ASSERT_EQ(r.host.authenticated, std::vector<std::string>{"alice"});
    // No LCP or PAP went to the subscriber: only IPCP starts.
    for (uint16_t proto : r.host.sent_protocols) EXPECT_EQ(proto, kProtoIpcp);
    // A wrong proxied password ends it.
    Rig bad({AuthProtocol::pap});
    p.password = "nope";
    bad.lns->start(bad.now, &p);
    bad.run(60 * kSec);  // Terminate-Requests nobody answers (no subscriber started)
    ASSERT_TRUE(bad.host.finished);
    EXPECT_EQ(*bad.host.finished, EndReason::auth_failed);
}

// 2001:db8:1:2::/64 (host bits given: the session advertises the /64).
Ip6Addr test_prefix() {
    return {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xde, 0xad, 0, 0, 0, 0, 0, 1};
}

// The prefix of an RA's Prefix Information option, or nullopt.
std::optional<std::pair<Ip6Addr, uint8_t>> ra_prefix(const Bytes &pkt) {
    if (pkt.size() < 40 + 16 || pkt[6] != 58 || pkt[40] != kIcmp6RouterAdvertisement) return std::nullopt;
    for (size_t o = 40 + 16; o + 2 <= pkt.size() && pkt[o + 1] != 0; o += size_t(pkt[o + 1]) * 8) {
        if (pkt[o] == 3 && o + 32 <= pkt.size()) {
            Ip6Addr p;
            std::copy(pkt.begin() + long(o + 16), pkt.begin() + long(o + 32), p.begin());
            return std::make_pair(p, pkt[o + 2]);
        }
    }
    return std::nullopt;
}

TEST(PppSession, Ipv6cpThenRouterAdvertisements) {
    Rig r;
    r.host.ipv6_prefix = test_prefix();
    r.client.want_ipv6 = true;
    r.start();
    r.pump();
    ASSERT_TRUE(r.client.ipv6cp_up);
    ASSERT_TRUE(r.lns->ipv6cp().opened());
    EXPECT_NE(r.lns->ipv6cp().result().peer_id, 0u);
    EXPECT_NE(r.lns->ipv6cp().result().local_id, r.lns->ipv6cp().result().peer_id);
    std::vector<uint16_t> up = r.host.network_up;
    std::sort(up.begin(), up.end());
    EXPECT_EQ(up, (std::vector<uint16_t>{kProtoIpcp, kProtoIpv6cp}));  // in either order
    // The first RA at once, to all-nodes, from fe80::<our id>, with the /64.
    ASSERT_EQ(r.client.ipv6_in.size(), 1u);
    const Bytes &ra = r.client.ipv6_in[0];
    auto pre = ra_prefix(ra);
    ASSERT_TRUE(pre);
    Ip6Addr want = test_prefix();
    for (int i = 8; i < 16; i++) want[size_t(i)] = 0;
    EXPECT_EQ(pre->first, want);
    EXPECT_EQ(pre->second, 64);
    EXPECT_TRUE(std::equal(kAllNodes.begin(), kAllNodes.end(), ra.begin() + 24));
    EXPECT_EQ(ra[8], 0xfe);
    EXPECT_EQ(ra[9], 0x80);
    EXPECT_EQ(ra[7], 255);  // hop limit
    // Two more initial RAs at most 16 s apart, then the configured period.
    r.run(40 * kSec);
    EXPECT_EQ(r.client.ipv6_in.size(), 3u);
    EXPECT_EQ(r.sh.counters.ra_sent, 3u);
}

TEST(PppSession, RouterSolicitationAnsweredAndRateLimited) {
    Rig r;
    r.host.ipv6_prefix = test_prefix();
    r.client.want_ipv6 = true;
    r.start();
    r.pump();
    ASSERT_TRUE(r.client.ipv6cp_up);
    r.run(r.now + 4 * kSec);  // past the 3 s minimum between RAs
    const size_t before = r.client.ipv6_in.size();
    // RS from fe80::<client id> to ff02::2 (RFC 4861 §4.1), checksum computed.
    Bytes rs(48, 0);
    rs[0] = 0x60;
    rs[5] = 8;
    rs[6] = 58;
    rs[7] = 255;
    Ip6Addr src{0xfe, 0x80};
    const uint64_t cid = r.client.ipv6cp->result().local_id;
    for (int i = 0; i < 8; i++) src[size_t(8 + i)] = uint8_t(cid >> (56 - 8 * i));
    std::copy(src.begin(), src.end(), rs.begin() + 8);
    std::copy(kAllRouters.begin(), kAllRouters.end(), rs.begin() + 24);
    rs[40] = kIcmp6RouterSolicitation;
    const uint16_t cs = icmp6_checksum(src, kAllRouters, std::span<const uint8_t>(rs.data() + 40, 8));
    rs[42] = uint8_t(cs >> 8);
    rs[43] = uint8_t(cs);
    r.lns->receive(kProtoIpv6, rs, r.now);
    r.pump();
    ASSERT_EQ(r.client.ipv6_in.size(), before + 1);
    // Answered to the solicitor's link-local address.
    EXPECT_TRUE(std::equal(src.begin(), src.end(), r.client.ipv6_in.back().begin() + 24));
    EXPECT_EQ(r.sh.counters.rs_answered, 1u);
    // A second RS at once: rate-limited (one RA per 3 s), not answered now.
    r.lns->receive(kProtoIpv6, rs, r.now);
    r.pump();
    EXPECT_EQ(r.client.ipv6_in.size(), before + 1);
    // A corrupted one is counted.
    rs[43] ^= 1;
    r.lns->receive(kProtoIpv6, rs, r.now);
    EXPECT_EQ(r.sh.counters.rs_bad, 1u);
}

TEST(PppSession, Ipv6cpRejectedWithoutAPrefix) {
    Rig r;  // no prefix for this subscriber: IPv6CP is Protocol-Rejected once IPCP starts
    r.client.want_ipv6 = true;
    r.start();
    r.pump();
    EXPECT_TRUE(r.client.ipcp_up);
    EXPECT_FALSE(r.client.ipv6cp_up);
    EXPECT_GE(r.sh.counters.protocol_rejects_sent, 1u);
    EXPECT_EQ(r.host.network_up, std::vector<uint16_t>{kProtoIpcp});
}

}  // namespace
}  // namespace lns::cp::ppp
