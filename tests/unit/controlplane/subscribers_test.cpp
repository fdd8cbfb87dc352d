// SubscriberManager: a subscriber's whole life with local users and pools, against
// the client-role engines, through a fake control-core environment: PPP up and
// addresses published; ends by subscriber Terminate, LAC CDN, session and idle
// timeouts, Disconnect-Request, rejected credentials, pool exhaustion; addresses
// released every time.
#include "controlplane/subscribers.hpp"

#include <gtest/gtest.h>

#include <map>

#include "tests/harness/ppp_client_engines.hpp"

namespace lns::cp {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
using ppp::test::Client;
using ppp::test::Frame;
using ppp::test::Lcg;

struct FakeEnv final : SubscriberEnv {
    std::deque<Frame> &wire;
    std::map<uint32_t, uint32_t> ipv4;  // index -> published address
    std::map<uint32_t, aaa::Ipv6Prefix> ipv6;
    std::vector<std::pair<uint32_t, uint16_t>> ended;  // index, CDN result
    std::map<uint32_t, CallCause> causes;              // index -> RFC 3145 cause of its CDN
    std::map<uint32_t, aaa::TrafficCounters> counters;
    // A worker forwards (and counts) this many packets of the subscriber the
    // moment an address of it reaches the data plane.
    unsigned forwarded_on_publish = 0;
    explicit FakeEnv(std::deque<Frame> &w) : wire(w) {}
    void send_ppp(uint32_t, uint16_t protocol, std::span<const uint8_t> p) override {
        wire.push_back({true, protocol, ppp::test::Bytes(p.begin(), p.end())});
    }
    bool set_addresses(uint32_t index, std::optional<uint32_t> v4, std::optional<aaa::Ipv6Prefix> v6,
                       std::string *) override {
        if (v4) ipv4[index] = *v4;
        if (v6) ipv6[index] = *v6;
        counters[index].in_packets += forwarded_on_publish;
        counters[index].in_octets += 84 * forwarded_on_publish;
        return true;
    }
    void end_call(uint32_t index, uint16_t result, uint16_t, const CallCause &cause) override {
        ended.emplace_back(index, result);
        causes[index] = cause;
        ipv4.erase(index);
        ipv6.erase(index);
    }
    aaa::TrafficCounters traffic(uint32_t index) override { return counters[index]; }
    uint32_t local_ipv4(uint32_t) override { return 0xCB007101; }
};

cfg::Config make_config() {
    cfg::Config c;
    c.ppp.auth = {cfg::AuthProtocol::chap_md5};
    c.ppp.echo_interval_s = 0;
    c.ppp.dns_primary = 0xC6336435;
    c.aaa.ipv4_pools.push_back({"subs", 0x64400001, 0x64400002});  // two addresses
    c.aaa.default_ipv4_pool = "subs";
    cfg::LocalUser u;
    u.name = "alice";
    u.password = "pw";
    c.aaa.users.push_back(u);
    u.name = "shorty";
    u.session_timeout_s = 5;
    c.aaa.users.push_back(u);
    u.name = "sleepy";
    u.session_timeout_s = 0;
    u.idle_timeout_s = 20;
    c.aaa.users.push_back(u);
    return c;
}

struct Rig {
    cfg::Config cfg = make_config();
    std::deque<Frame> wire;
    FakeEnv env{wire};
    Lcg rnd{3}, auth_rnd{4};
    uint64_t now = 0;
    std::unique_ptr<SubscriberManager> mgr;
    aaa::Aaa aaa{cfg.aaa, 0, [] { return 1; }, [](const aaa::RadiusDatagram &) {},
                 [this](const aaa::AuthAnswer &a) { mgr->auth_answer(a, now); }};
    std::map<uint32_t, std::unique_ptr<Client>> clients;

    Rig() { mgr = std::make_unique<SubscriberManager>(cfg, env, aaa, rnd, auth_rnd, 16); }

    Client &call(uint32_t index, const std::string &user, const std::string &password = "pw") {
        Client &ref = client(index, user, password);
        mgr->call_up(index, 100, uint16_t(200 + index), nullptr, 1460, now);
        ref.now = now;
        ref.lcp->open(now);
        ref.lcp->up(now);
        return ref;
    }
    Client &client(uint32_t index, const std::string &user, const std::string &password = "pw") {
        auto c = std::make_unique<Client>(client_wire[index]);
        c->user = user;
        c->password = password;
        Client &ref = *c;
        clients[index] = std::move(c);
        return ref;
    }
    // The client's frames so far, handed to the manager (before or after call_up).
    void deliver(uint32_t index) {
        while (!client_wire[index].empty()) {
            Frame f = std::move(client_wire[index].front());
            client_wire[index].pop_front();
            ppp::test::Bytes b = {uint8_t(f.protocol >> 8), uint8_t(f.protocol)};
            b.insert(b.end(), f.info.begin(), f.info.end());
            mgr->frame(index, b, now);
        }
    }
    // Delivers frames both ways until quiet.  Frames to clients go to the one
    // subscriber with a client (tests run one at a time through the LNS wire).
    std::map<uint32_t, std::deque<Frame>> client_wire;
    void pump(uint32_t index) {
        Client &c = *clients.at(index);
        for (int i = 0; i < 1000 && (!wire.empty() || !client_wire[index].empty()); i++) {
            while (!wire.empty()) {
                Frame f = std::move(wire.front());
                wire.pop_front();
                c.now = now;
                c.receive(f.protocol, f.info);
            }
            deliver(index);
        }
    }
    void run(uint32_t index, uint64_t until) {
        pump(index);
        for (int i = 0; i < 10000; i++) {
            const uint64_t d = std::min(mgr->next_deadline(), clients.at(index)->deadline());
            if (d > until) break;
            now = std::max(now, d);
            mgr->on_timer(now);
            clients.at(index)->timer(now);
            pump(index);
        }
        now = std::max(now, until);
    }
    size_t pool_used() { return aaa.pools().ipv4_pools()[0].index().used(); }
};

// The RFC 3145 Disconnect Cause a CDN carries.
void expect_cause(const CallCause &c, uint16_t code, uint16_t protocol, uint8_t direction) {
    EXPECT_EQ(c.code, code);
    EXPECT_EQ(c.protocol, protocol);
    EXPECT_EQ(c.direction, direction);
}

TEST(Subscribers, UpThenSubscriberTerminates) {
    Rig r;
    Client &c = r.call(3, "alice");
    r.pump(3);
    ASSERT_TRUE(c.ipcp_up);
    const uint32_t ip = c.ipcp->result().local_address;
    EXPECT_TRUE(ip == 0x64400001 || ip == 0x64400002);
    EXPECT_EQ(r.env.ipv4.at(3), ip);  // published in the data plane
    EXPECT_EQ(c.ipcp->result().dns[0], 0xC6336435u);
    auto v = r.mgr->view(3);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->up);
    EXPECT_EQ(v->user, "alice");
    EXPECT_EQ(r.pool_used(), 1u);
    EXPECT_EQ(r.mgr->counters().sessions_up, 1u);
    c.lcp->close(r.now);
    r.run(3, r.now + 10 * kSec);
    ASSERT_EQ(r.env.ended.size(), 1u);
    EXPECT_EQ(r.env.ended[0], std::make_pair(3u, l2tp::cdn::kAdmin));
    expect_cause(r.env.causes.at(3), 3, ppp::kProtoLcp, 1);  // normal, the subscriber's Terminate
    EXPECT_EQ(r.pool_used(), 0u);
    EXPECT_FALSE(r.mgr->view(3));
    EXPECT_EQ(r.mgr->count(), 0u);
}

TEST(Subscribers, LacClearsTheCall) {
    Rig r;
    Client &c = r.call(1, "alice");
    r.pump(1);
    ASSERT_TRUE(c.ipcp_up);
    r.mgr->call_down(1, r.now);
    EXPECT_TRUE(r.env.ended.empty());  // no CDN back: the LAC already cleared it
    EXPECT_EQ(r.pool_used(), 0u);
    EXPECT_EQ(r.mgr->counters().lac_cleared, 1u);
    EXPECT_EQ(r.mgr->count(), 0u);
}

// The LAC's LCP Configure-Request overtakes the ICCN (reordered control
// messages): the frame is held and the session comes up at once when the call
// does, with no LCP restart (3 s) in between.
TEST(Subscribers, FrameBeforeCallUpIsHeldAndDelivered) {
    Rig r;
    Client &c = r.client(6, "alice");
    c.now = r.now;
    c.lcp->open(r.now);
    c.lcp->up(r.now);  // Configure-Request out
    r.deliver(6);      // reaches the LNS before the call is up
    EXPECT_EQ(r.mgr->counters().early_held, 1u);
    EXPECT_FALSE(r.mgr->view(6));
    r.now += 50'000'000;  // the ICCN, 50 ms later
    r.mgr->call_up(6, 100, 206, nullptr, 1460, r.now);
    EXPECT_EQ(r.mgr->counters().early_delivered, 1u);
    r.pump(6);  // no timer runs: nothing may need a retransmission
    ASSERT_TRUE(c.ipcp_up);
    EXPECT_EQ(r.mgr->counters().unknown_index, 0u);
    EXPECT_EQ(r.mgr->ppp_shared().lcp.counters.fsm.retransmits, 0u);
}

// Held frames are bounded per index and expire: a call that comes up after
// kEarlyTtlNs does not get them, and a call cleared before it came up drops them.
TEST(Subscribers, HeldFramesAreBoundedAndExpire) {
    Rig r;
    const uint8_t conf_req[] = {0xc0, 0x21, 1, 1, 0, 4};  // LCP Configure-Request, no options
    for (int i = 0; i < 6; i++) r.mgr->frame(7, conf_req, r.now);
    EXPECT_EQ(r.mgr->counters().early_held, SubscriberManager::kEarlyPerIndex);
    EXPECT_EQ(r.mgr->counters().unknown_index, 6 - SubscriberManager::kEarlyPerIndex);
    r.now += SubscriberManager::kEarlyTtlNs + 1;
    r.mgr->call_up(7, 100, 207, nullptr, 1460, r.now);
    EXPECT_EQ(r.mgr->counters().early_delivered, 0u);
    EXPECT_EQ(r.mgr->counters().unknown_index, 6u);
    // Cleared before it came up: the held frame goes with it.
    r.mgr->frame(8, conf_req, r.now);
    r.mgr->call_down(8, r.now);
    EXPECT_EQ(r.mgr->counters().unknown_index, 7u);
    r.mgr->call_up(8, 100, 208, nullptr, 1460, r.now);
    EXPECT_EQ(r.mgr->counters().early_delivered, 0u);
    // Beyond the table of indices: never held.
    r.mgr->frame(99, conf_req, r.now);
    EXPECT_EQ(r.mgr->counters().unknown_index, 8u);
    EXPECT_EQ(r.mgr->counters().early_held, SubscriberManager::kEarlyPerIndex + 1);
}

TEST(Subscribers, WrongPasswordNeverGetsAnAddress) {
    Rig r;
    Client &c = r.call(2, "alice", "bad");
    r.run(2, 60 * kSec);
    EXPECT_TRUE(c.auth_failed);
    EXPECT_TRUE(r.env.ipv4.empty());
    ASSERT_EQ(r.env.ended.size(), 1u);
    expect_cause(r.env.causes.at(2), 16, ppp::kProtoChap, 2);  // authentication failed
    EXPECT_EQ(r.pool_used(), 0u);
    EXPECT_EQ(r.mgr->counters().auth_rejects, 1u);
}

TEST(Subscribers, SessionTimeout) {
    Rig r;
    Client &c = r.call(4, "shorty");
    r.pump(4);
    ASSERT_TRUE(c.ipcp_up);
    r.run(4, 4 * kSec);
    EXPECT_TRUE(r.env.ended.empty());
    r.run(4, 20 * kSec);
    ASSERT_EQ(r.env.ended.size(), 1u);
    EXPECT_EQ(r.mgr->counters().session_timeouts, 1u);
    expect_cause(r.env.causes.at(4), 3, ppp::kProtoLcp, 2);  // normal, our Terminate
    EXPECT_TRUE(c.lcp_finished);  // told with LCP Terminate
}

// The subscriber's first packet can be forwarded as soon as its address is in
// the data plane, before the control core has finished bringing it up: it
// belongs to the session's traffic (accounting counted it out once, 120 of 121).
TEST(Subscribers, TrafficCountsThePacketForwardedAtAddressPublication) {
    Rig r;
    r.env.counters[4].in_packets = 500;  // a previous session on the same index
    r.env.forwarded_on_publish = 1;
    EXPECT_FALSE(r.mgr->traffic(4));  // not up: no traffic of its own yet
    Client &c = r.call(4, "alice");
    r.pump(4);
    ASSERT_TRUE(c.ipcp_up);
    const std::optional<aaa::TrafficCounters> t = r.mgr->traffic(4);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->in_packets, 1u);
    EXPECT_EQ(t->in_octets, 84u);
    r.env.counters[4].in_packets += 9;
    EXPECT_EQ(r.mgr->traffic(4)->in_packets, 10u);
}

TEST(Subscribers, IdleTimeoutOnlyWithoutTraffic) {
    Rig r;
    Client &c = r.call(5, "sleepy");
    r.pump(5);
    ASSERT_TRUE(c.ipcp_up);
    r.env.counters[5].in_packets = 10;  // traffic during the first period
    r.run(5, 25 * kSec);
    EXPECT_TRUE(r.env.ended.empty());
    r.run(5, 70 * kSec);  // then none for a whole period
    ASSERT_EQ(r.env.ended.size(), 1u);
    EXPECT_EQ(r.mgr->counters().idle_timeouts, 1u);
}

TEST(Subscribers, DisconnectRequestByAcctSessionIdAndAddress) {
    Rig r;
    Client &c = r.call(6, "alice");
    r.pump(6);
    ASSERT_TRUE(c.ipcp_up);
    aaa::DaeRequest d;
    d.acct_session_id = "nope";
    EXPECT_EQ(r.mgr->dae_request(d, r.now), 0u);
    d.acct_session_id = r.mgr->view(6)->acct_session_id;
    d.has_framed_ip = true;
    d.framed_ip = 0x01020304;  // does not match: not this session
    EXPECT_EQ(r.mgr->dae_request(d, r.now), 0u);
    d.framed_ip = c.ipcp->result().local_address;
    EXPECT_EQ(r.mgr->dae_request(d, r.now), 1u);
    r.run(6, r.now + 10 * kSec);
    ASSERT_EQ(r.env.ended.size(), 1u);
    EXPECT_EQ(r.mgr->counters().disconnects, 1u);
    expect_cause(r.env.causes.at(6), 1, 0, 0);  // administrative
    EXPECT_TRUE(c.lcp_finished);
    EXPECT_EQ(r.pool_used(), 0u);
}

TEST(Subscribers, CoaChangesTheSessionTimeout) {
    Rig r;
    Client &c = r.call(7, "alice");
    r.pump(7);
    ASSERT_TRUE(c.ipcp_up);
    aaa::DaeRequest d;
    d.kind = aaa::DaeKind::coa;
    d.user_name = "alice";
    d.has_session_timeout = true;
    d.session_timeout = 30;
    EXPECT_EQ(r.mgr->dae_request(d, r.now), 1u);
    r.run(7, 25 * kSec);
    EXPECT_TRUE(r.env.ended.empty());
    r.run(7, 40 * kSec);
    EXPECT_EQ(r.mgr->counters().session_timeouts, 1u);
}

TEST(Subscribers, PoolExhaustionEndsTheCall) {
    Rig r;
    for (uint32_t i = 0; i < 2; i++) {
        r.call(i, "alice");
        r.pump(i);
        ASSERT_TRUE(r.clients[i]->ipcp_up);
    }
    Client &c = r.call(9, "alice");
    r.run(9, 30 * kSec);
    EXPECT_FALSE(c.ipcp_up);
    ASSERT_EQ(r.env.ended.size(), 1u);
    EXPECT_EQ(r.env.ended[0], std::make_pair(9u, l2tp::cdn::kTempNoFacilities));
    expect_cause(r.env.causes.at(9), 20, ppp::kProtoIpcp, 2);  // no address permitted
    EXPECT_EQ(r.mgr->counters().address_failures, 1u);
    EXPECT_EQ(r.pool_used(), 2u);
}

TEST(Subscribers, Ipv6PrefixFromThePoolThroughIpv6cp) {
    Rig r;
    cfg::Ipv6PoolConfig p6;
    p6.name = "v6";
    p6.prefix.addr = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00};
    p6.prefix.len = 48;
    r.cfg.aaa.ipv6_pools.push_back(p6);
    r.cfg.aaa.default_ipv6_pool = "v6";
    // Rebuild with the IPv6 pool (the rig's AAA was built from the old config).
    aaa::Aaa aaa6(r.cfg.aaa, 0, [] { return 1; }, [](const aaa::RadiusDatagram &) {},
                  [&](const aaa::AuthAnswer &a) { r.mgr->auth_answer(a, r.now); });
    r.mgr = std::make_unique<SubscriberManager>(r.cfg, r.env, aaa6, r.rnd, r.auth_rnd, 16);
    Client &c = r.call(2, "alice");
    c.want_ipv6 = true;
    r.pump(2);
    ASSERT_TRUE(c.ipcp_up);
    ASSERT_TRUE(c.ipv6cp_up);
    ASSERT_TRUE(r.env.ipv6.count(2));
    const aaa::Ipv6Prefix &pre = r.env.ipv6.at(2);
    EXPECT_EQ(pre.len, 64);
    EXPECT_EQ(pre.addr[0], 0x20);
    EXPECT_EQ(pre.addr[5], 0x00);
    EXPECT_EQ(aaa6.pools().ipv6_pools()[0].index().used(), 1u);
    EXPECT_EQ(r.mgr->counters().ipv6_up, 1u);
    ASSERT_FALSE(c.ipv6_in.empty());  // a Router Advertisement
    EXPECT_EQ(c.ipv6_in[0][40], 134);
    r.mgr->call_down(2, r.now);
    EXPECT_EQ(aaa6.pools().ipv6_pools()[0].index().used(), 0u);
}

}  // namespace
}  // namespace lns::cp
