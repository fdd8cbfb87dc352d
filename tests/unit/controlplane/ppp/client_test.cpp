// PppClient (the subscriber side) back to back with lnsd's PppSession (the LNS side,
// built from the same engines in their authenticator roles) on a fake clock: CHAP-MD5,
// MS-CHAPv2 and PAP up to IPCP with address and DNS, wrong passwords, a silent LNS,
// no address, IPv6CP refused by the LNS and IPv6CP against an LNS-side engine, both
// ends terminating, lower layer loss, echo keepalive, IP frames, compact state.
#include "controlplane/ppp/client.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/ppp/chap_md5.hpp"
#include "controlplane/ppp/hdlc.hpp"
#include "controlplane/ppp/mschap.hpp"
#include "controlplane/ppp/session.hpp"

namespace lns::cp::ppp {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
using Bytes = std::vector<uint8_t>;

struct Lcg final : Random, AuthRandom {
    uint64_t s;
    explicit Lcg(uint64_t seed) : s(seed) {}
    uint64_t next() override { return s = s * 6364136223846793005ull + 1442695040888963407ull; }
};

struct Frame {
    bool to_client;
    Bytes bytes;  // client -> LNS: the whole PPP frame; LNS -> client: likewise
};

// The LNS: PppSession with a local user alice/pw, address 100.64.0.7, DNS 198.51.100.53.
struct Lns final : SessionHost {
    std::deque<Frame> &wire;
    uint64_t now = 0;
    uint32_t assign = 0x64400007;
    std::optional<EndReason> finished;
    AuthenticatorResponse ms{};
    explicit Lns(std::deque<Frame> &w) : wire(w) {}
    void ppp_send(PppSession &, uint16_t protocol, std::span<const uint8_t> p) override {
        uint8_t buf[1600];
        const size_t n = ppp_frame(protocol, p, buf);
        wire.push_back({true, Bytes(buf, buf + n)});
    }
    void ppp_verify(PppSession &s, const VerifyRequest &r) override {
        AuthVerdict v;
        v.ticket = r.ticket;
        const std::string_view pw = "pw";
        if (r.user == "alice") {
            if (r.protocol == AuthProtocol::pap) v.accept = r.password == pw;
            if (r.protocol == AuthProtocol::chap_md5) v.accept = chap_md5_verify(r, pw);
            if (r.protocol == AuthProtocol::mschap_v2) {
                v.accept = mschapv2_verify(r, pw, &ms);
                if (v.accept) v.authenticator_response = to_view(ms);
            }
        }
        s.auth_verdict(v, now);
    }
    void ppp_authenticated(PppSession &s, std::string_view) override {
        IpcpAssignment a;
        a.peer_address = assign;
        a.dns[0] = 0xC6336435;
        a.dns[1] = 0xC6336436;
        s.start_network(0xCB007101, a, now);
    }
    void ppp_network_up(PppSession &, uint16_t) override {}
    void ppp_finished(PppSession &, EndReason why) override { finished = why; }
};

struct Host final : ClientHost {
    std::deque<Frame> &wire;
    std::string user = "alice", password = "pw";
    std::vector<std::string> log;
    std::optional<ClientFailure> finished;
    int up = 0;
    std::vector<Bytes> ip;
    explicit Host(std::deque<Frame> &w) : wire(w) {}
    void ppp_send(PppClient &, uint16_t protocol, std::span<const uint8_t> p) override {
        uint8_t buf[1600];
        const size_t n = ppp_frame(protocol, p, buf);
        wire.push_back({false, Bytes(buf, buf + n)});
    }
    Credentials ppp_credentials(PppClient &) override { return {user, password}; }
    void ppp_up(PppClient &, uint64_t) override {
        up++;
        log.push_back("up");
    }
    void ppp_finished(PppClient &, ClientFailure why, uint64_t) override {
        EXPECT_FALSE(finished) << "ppp_finished twice";
        finished = why;
        log.push_back(std::string("finished:") + client_failure_name(why));
    }
    void ppp_ip(PppClient &, uint16_t, std::span<const uint8_t> p, uint64_t) override {
        ip.emplace_back(p.begin(), p.end());
    }
    void ppp_step(PppClient &, ClientStep s, uint64_t) override { log.push_back(client_step_name(s)); }
};

struct Rig {
    std::deque<Frame> wire;
    Lcg rnd{7}, crnd{11};
    PppShared lsh;
    Lns lhost{wire};
    std::optional<PppSession> lns;
    ClientShared csh;
    Host host{wire};
    std::optional<PppClient> client;
    // Optional LNS-side IPv6CP engine (PppSession runs none and Protocol-Rejects it).
    std::optional<Ipv6cpShared> v6sh;
    struct V6Out final : Output, NoticeSink {
        std::deque<Frame> *wire = nullptr;
        void send(uint16_t protocol, std::span<const uint8_t> p) override {
            uint8_t buf[1600];
            wire->push_back({true, Bytes(buf, buf + ppp_frame(protocol, p, buf))});
        }
        void on_notice(const Notice &) override {}
    } v6out;
    std::optional<Ipv6cp> lns_v6;
    uint64_t now = 0;
    bool drop_to_lns = false, drop_to_client = false;

    explicit Rig(std::vector<AuthProtocol> auth = {AuthProtocol::chap_md5}, bool ipv6 = false) {
        lsh.lcp.config = LcpConfig::lns();
        lsh.lcp.config.request_auth = std::move(auth);
        lsh.lcp.random = &rnd;
        lsh.ipcp.config = IpcpConfig::lns();
        lsh.auth_random = &rnd;
        lns.emplace(lsh, lhost, 1);
        csh.lcp.random = &crnd;
        csh.ipv6cp.random = &crnd;
        csh.auth_random = &crnd;
        csh.config.ipv6 = ipv6;
        client.emplace(csh, host, 5);
    }
    void with_lns_ipv6() {
        v6sh.emplace();
        v6sh->random = &rnd;
        v6out.wire = &wire;
        lns_v6.emplace(*v6sh, v6out, v6out);
    }
    void start() {
        lns->start(now);
        client->start(now);
    }
    void pump() {
        for (int i = 0; i < 10000 && !wire.empty(); i++) {
            Frame f = std::move(wire.front());
            wire.pop_front();
            if (f.to_client) {
                if (!drop_to_client) client->receive_frame(f.bytes, now);
                continue;
            }
            if (drop_to_lns) continue;
            lhost.now = now;
            ppp::Frame fr;
            ASSERT_EQ(parse_frame(f.bytes, &fr), PppError::ok);
            if (fr.protocol == kProtoIpv6cp && lns_v6) {
                if (lns_v6->state() == State::Initial && lns->ipcp().state() != State::Initial) {
                    lns_v6->open(now);
                    lns_v6->up(now);
                }
                lns_v6->receive(fr.payload, now);
                continue;
            }
            lns->receive(fr.protocol, fr.payload, now);
        }
    }
    void run(uint64_t until) {
        pump();
        for (int i = 0; i < 100000; i++) {
            uint64_t d = std::min(lns->next_deadline(), client->next_deadline());
            if (lns_v6) d = std::min(d, lns_v6->next_deadline());
            if (d > until) break;
            now = std::max(now, d);
            lhost.now = now;
            if (lns->next_deadline() <= now) lns->on_timer(now);
            if (lns_v6 && lns_v6->next_deadline() <= now) lns_v6->on_timer(now);
            if (client->next_deadline() <= now) client->on_timer(now);
            pump();
        }
        now = std::max(now, until);
    }
};

TEST(PppClient, UpWithEachAuthProtocol) {
    for (AuthProtocol a : {AuthProtocol::chap_md5, AuthProtocol::mschap_v2, AuthProtocol::pap}) {
        Rig r({a});
        r.start();
        r.now = 5;
        r.pump();
        ASSERT_TRUE(r.client->is_up()) << to_string(a);
        EXPECT_EQ(r.host.up, 1);
        const ClientResult res = r.client->result();
        EXPECT_TRUE(res.ipv4);
        EXPECT_FALSE(res.ipv6);
        EXPECT_EQ(res.address, 0x64400007u);
        EXPECT_EQ(res.peer_address, 0xCB007101u);
        EXPECT_EQ(res.dns[0], 0xC6336435u);
        EXPECT_EQ(res.dns[1], 0xC6336436u);
        ASSERT_TRUE(res.auth);
        EXPECT_EQ(*res.auth, a);
        EXPECT_EQ(r.host.log, (std::vector<std::string>{"lcp_up", "auth_ok", "ipcp_up", "up"}));
        EXPECT_EQ(r.client->times().start, 1u);  // time 0 reads as 1
        EXPECT_EQ(r.client->times().up, 5u);
        EXPECT_EQ(r.csh.counters.up, 1u);
        EXPECT_TRUE(r.lns->authenticated());
        EXPECT_FALSE(r.lhost.finished);
    }
}

TEST(PppClient, WrongPasswordIsAuthRejected) {
    for (AuthProtocol a : {AuthProtocol::chap_md5, AuthProtocol::mschap_v2, AuthProtocol::pap}) {
        Rig r({a});
        r.host.password = "nope";
        r.start();
        r.run(60 * kSec);
        ASSERT_TRUE(r.host.finished) << to_string(a);
        EXPECT_EQ(*r.host.finished, ClientFailure::auth_rejected) << to_string(a);
        EXPECT_EQ(r.client->end_phase(), ClientPhase::terminate);  // we closed LCP
        EXPECT_EQ(r.host.up, 0);
        EXPECT_TRUE(r.client->finished());
        EXPECT_EQ(r.client->next_deadline(), UINT64_MAX);
        EXPECT_EQ(r.csh.counters.finished_by[size_t(ClientFailure::auth_rejected)], 1u);
    }
}

TEST(PppClient, SilentLnsIsLcpTimeout) {
    Rig r;
    r.drop_to_lns = true;
    r.start();
    r.run(100 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, ClientFailure::lcp_timeout);
    // Ten Configure-Requests three seconds apart, TO- one period after the last.
    EXPECT_EQ(r.csh.lcp.counters.fsm.conf_req_sent, 10u);
    EXPECT_EQ(r.client->times().end, 30 * kSec);
}

TEST(PppClient, SilentAuthenticatorIsAuthTimeout) {
    Rig r;
    r.csh.auth.timeout_ns = 5 * kSec;
    r.start();
    // Let LCP open, then cut the LNS off before it can challenge again.
    r.pump();
    ASSERT_TRUE(r.client->is_up());
    Rig q;
    q.csh.auth.timeout_ns = 5 * kSec;
    q.start();
    // Deliver frames until LCP is up on the client, then drop the rest towards it.
    for (int i = 0; i < 100 && !q.wire.empty() && !q.client->lcp().opened(); i++) {
        Frame f = q.wire.front();
        q.wire.pop_front();
        if (f.to_client) {
            q.client->receive_frame(f.bytes, q.now);
        } else {
            ppp::Frame fr;
            ASSERT_EQ(parse_frame(f.bytes, &fr), PppError::ok);
            q.lns->receive(fr.protocol, fr.payload, q.now);
        }
    }
    ASSERT_TRUE(q.client->lcp().opened());
    q.drop_to_client = true;
    q.run(20 * kSec);
    ASSERT_TRUE(q.host.finished);
    EXPECT_EQ(*q.host.finished, ClientFailure::auth_timeout);
}

TEST(PppClient, NoAddressFromLns) {
    Rig r;
    r.lhost.assign = 0;  // the LNS has nothing to give
    r.start();
    r.run(60 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, ClientFailure::no_address);
    EXPECT_EQ(r.host.up, 0);
}

TEST(PppClient, Ipv6RefusedByLnsStillUp) {
    Rig r({AuthProtocol::chap_md5}, true);
    r.start();
    r.pump();
    ASSERT_TRUE(r.client->is_up());
    EXPECT_FALSE(r.client->result().ipv6);
    // The Protocol-Reject answers our first IPv6CP request, before IPCP can open.
    EXPECT_EQ(r.host.log, (std::vector<std::string>{"lcp_up", "auth_ok", "ipv6cp_refused",
                                                    "ipcp_up", "up"}));
    EXPECT_EQ(r.lsh.counters.protocol_rejects_sent, 1u);
}

TEST(PppClient, Ipv6RequiredButRefusedFails) {
    Rig r({AuthProtocol::chap_md5}, true);
    r.csh.config.ipv6_required = true;
    r.start();
    r.run(30 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, ClientFailure::ipv6cp_failed);
    EXPECT_EQ(r.host.up, 0);
}

TEST(PppClient, Ipv6cpAgainstLnsEngine) {
    Rig r({AuthProtocol::pap}, true);
    r.with_lns_ipv6();
    r.lns_v6->set_local_interface_id(0x0200000000000001ull);
    r.start();
    r.run(10 * kSec);
    ASSERT_TRUE(r.client->is_up());
    const ClientResult res = r.client->result();
    EXPECT_TRUE(res.ipv4);
    EXPECT_TRUE(res.ipv6);
    EXPECT_EQ(res.peer_interface_id, 0x0200000000000001ull);
    EXPECT_NE(res.interface_id, 0u);
    EXPECT_NE(res.interface_id, res.peer_interface_id);
    EXPECT_EQ(r.lns_v6->result().peer_id, res.interface_id);
    EXPECT_NE(r.client->times().ipv6cp_up, 0u);
}

TEST(PppClient, LnsTerminates) {
    Rig r;
    r.start();
    r.pump();
    ASSERT_TRUE(r.client->is_up());
    r.lns->close(r.now);
    r.run(r.now + 10 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, ClientFailure::peer_terminated);
    ASSERT_TRUE(r.lhost.finished);
}

TEST(PppClient, ClientClosesPolitely) {
    Rig r;
    r.start();
    r.pump();
    r.client->close(r.now);
    EXPECT_FALSE(r.host.finished);  // waits for the Terminate-Ack
    r.run(r.now + 10 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, ClientFailure::local_close);
    ASSERT_TRUE(r.lhost.finished);
    EXPECT_EQ(*r.lhost.finished, EndReason::peer_terminated);
}

TEST(PppClient, LowerDownEndsAtOnce) {
    Rig r;
    r.start();
    r.pump();
    r.client->lower_down(r.now);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, ClientFailure::lower_down);
    EXPECT_EQ(r.client->end_phase(), ClientPhase::up);
    EXPECT_TRUE(r.wire.empty());  // nothing sent: the carrier is gone
    EXPECT_EQ(r.client->next_deadline(), UINT64_MAX);
}

TEST(PppClient, EchoKeepsLinkAndDetectsDeadLns) {
    Rig r;
    r.lsh.lcp.config.echo.interval_ns = 10 * kSec;
    r.csh.lcp.config.echo.interval_ns = 10 * kSec;
    r.csh.lcp.config.echo.max_failures = 3;
    r.start();
    r.pump();
    r.run(120 * kSec);
    EXPECT_FALSE(r.host.finished);
    EXPECT_FALSE(r.lhost.finished);
    EXPECT_GT(r.csh.lcp.counters.echo_reply_rcvd, 5u);
    EXPECT_GT(r.csh.lcp.counters.echo_reply_sent, 5u);
    r.drop_to_client = true;
    r.run(300 * kSec);
    ASSERT_TRUE(r.host.finished);
    EXPECT_EQ(*r.host.finished, ClientFailure::peer_dead);
}

TEST(PppClient, IpFramesOnlyWhileUp) {
    Rig r;
    const Bytes ip = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 100, 64, 0, 7};
    Bytes frame = {0xff, 0x03, 0x00, 0x21};
    frame.insert(frame.end(), ip.begin(), ip.end());
    r.start();
    r.client->receive_frame(frame, 0);  // before the network phase: dropped
    EXPECT_TRUE(r.host.ip.empty());
    EXPECT_EQ(r.csh.counters.frames_before_phase, 1u);
    r.pump();
    ASSERT_TRUE(r.client->is_up());
    r.client->receive_frame(frame, r.now);
    Bytes compressed = {0x21};  // ACFC and PFC
    compressed.insert(compressed.end(), ip.begin(), ip.end());
    r.client->receive_frame(compressed, r.now);
    ASSERT_EQ(r.host.ip.size(), 2u);
    EXPECT_EQ(r.host.ip[0], ip);
    EXPECT_EQ(r.host.ip[1], ip);
    EXPECT_EQ(r.csh.counters.ip_in, 2u);
    // IPv6 is not negotiated: its frames are dropped, unknown protocols Protocol-Rejected.
    r.client->receive(kProtoIpv6, ip, r.now);
    EXPECT_EQ(r.host.ip.size(), 2u);
    r.client->receive(0x80fd, ip, r.now);  // CCP
    EXPECT_EQ(r.csh.counters.protocol_rejects_sent, 1u);
    r.client->receive_frame(Bytes{0xff, 0x03}, r.now);
    EXPECT_EQ(r.csh.counters.bad_frames, 1u);
}

TEST(PppClient, CompactState) {
    // 100,000 sessions in one emulator: keep each client well under a kilobyte.
    EXPECT_LT(sizeof(PppClient), 1024u);
}

}  // namespace
}  // namespace lns::cp::ppp
