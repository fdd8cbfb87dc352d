// The AAA façade: local users answer at once with the user's grant; RADIUS
// requests carry the right attributes and the Access-Accept becomes a grant.
#include "controlplane/aaa/aaa.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "controlplane/ppp/chap_md5.hpp"

namespace lns::cp::aaa {
namespace {

using Bytes = std::vector<uint8_t>;

cfg::AaaConfig local_config() {
    cfg::AaaConfig a;
    a.ipv4_pools.push_back({"subs", 0x64400001, 0x644000fe});
    a.default_ipv4_pool = "subs";
    a.session_timeout_s = 7200;
    cfg::LocalUser u;
    u.name = "alice";
    u.password = "pw";
    u.ipv4 = 0x64400005;
    u.idle_timeout_s = 60;
    a.users.push_back(u);
    return a;
}

TEST(Aaa, LocalAnswersAtOnceWithTheUsersGrant) {
    std::vector<AuthAnswer> got;
    Aaa aaa(local_config(), 0, [] { return 1; }, [](const RadiusDatagram &) { FAIL(); },
            [&](const AuthAnswer &a) { got.push_back(a); });
    const uint8_t challenge[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const auto resp = ppp::chap_md5_response(9, "pw", challenge);
    ppp::VerifyRequest r;
    r.protocol = ppp::AuthProtocol::chap_md5;
    r.id = 9;
    r.user = "alice";
    r.challenge = challenge;
    r.response = resp;
    aaa.authenticate(77, r, {}, 0);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].accept);
    EXPECT_EQ(got[0].tag, 77u);
    EXPECT_EQ(*got[0].grant.ipv4, 0x64400005u);
    EXPECT_EQ(got[0].grant.session_timeout_s, 7200u);  // aaa default
    EXPECT_EQ(got[0].grant.idle_timeout_s, 60u);       // the user's own
    EXPECT_FALSE(got[0].grant.radius);
    r.id = 10;  // response no longer matches
    aaa.authenticate(78, r, {}, 0);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_FALSE(got[1].accept);
    EXPECT_EQ(aaa.counters().accepts, 1u);
    EXPECT_EQ(aaa.counters().rejects, 1u);
    EXPECT_FALSE(aaa.accounting_enabled());
}

cfg::AaaConfig radius_config() {
    cfg::AaaConfig a;
    a.backend = cfg::AaaBackend::radius;
    cfg::RadiusServerConfig s;
    s.address = 0x7f000001;
    s.secret = "testing123";
    a.radius.servers.push_back(s);
    a.radius.interim_interval_s = 300;
    a.session_timeout_s = 100;
    return a;
}

struct RadiusRig {
    std::vector<Bytes> sent;
    std::vector<uint16_t> sockets;  // the source socket of each datagram
    std::vector<AuthAnswer> got;
    uint64_t rnd = 5;
    Aaa aaa{radius_config(), 0xCB007101,
            [this] { return rnd = rnd * 6364136223846793005ull + 1442695040888963407ull; },
            [this](const RadiusDatagram &d) {
                sent.emplace_back(d.bytes.begin(), d.bytes.end());
                sockets.push_back(d.socket);
            },
            [this](const AuthAnswer &a) { got.push_back(a); }};

    void answer(size_t i, Code code, const std::function<void(PacketWriter &)> &attrs) {
        const Bytes &req = sent.at(i);
        PacketView p;
        ASSERT_EQ(decode_packet(req, &p), RadiusError::ok);
        Bytes16 ra;
        std::copy(p.authenticator(), p.authenticator() + 16, ra.begin());
        std::array<uint8_t, 4096> buf;
        PacketWriter w(buf, code, p.id);
        attrs(w);
        const size_t off = w.add_message_authenticator();
        std::span<uint8_t> out = w.finish();
        sign_response(out, off, ra, as_bytes("testing123"));
        aaa.on_datagram(sockets[i], 0x7f000001, 1812, out, 1000);
    }
};

TEST(Aaa, RadiusAcceptBecomesAGrant) {
    RadiusRig rig;
    ppp::VerifyRequest r;
    r.protocol = ppp::AuthProtocol::pap;
    r.user = "bob";
    r.password = "secret";
    CallContext call;
    call.nas_port = 12;
    call.calling_station_id = "lac1/3";
    rig.aaa.authenticate(5, r, call, 0);
    EXPECT_TRUE(rig.got.empty());
    ASSERT_EQ(rig.sent.size(), 1u);
    PacketView p;
    ASSERT_EQ(decode_packet(rig.sent[0], &p), RadiusError::ok);
    EXPECT_EQ(p.code, Code::AccessRequest);
    Attribute a;
    ASSERT_TRUE(find_attr(p, attr::kUserName, &a));
    EXPECT_EQ(std::string(a.value.begin(), a.value.end()), "bob");
    ASSERT_TRUE(find_attr(p, attr::kCallingStationId, &a));
    EXPECT_EQ(std::string(a.value.begin(), a.value.end()), "lac1/3");
    ASSERT_TRUE(find_attr(p, attr::kNasIpAddress, &a));
    EXPECT_EQ(load_be32(a.value.data()), 0xCB007101u);
    EXPECT_TRUE(find_attr(p, attr::kUserPassword, &a));
    rig.answer(0, Code::AccessAccept, [](PacketWriter &w) {
        w.add_ipv4(attr::kFramedIpAddress, 0x64400063);
        w.add_u32(attr::kSessionTimeout, 3600);
        w.add_u32(attr::kIdleTimeout, 600);
        w.add_string(attr::kClass, "gold");
    });
    ASSERT_EQ(rig.got.size(), 1u);
    const AuthAnswer &ans = rig.got[0];
    EXPECT_TRUE(ans.accept);
    EXPECT_EQ(ans.tag, 5u);
    EXPECT_EQ(*ans.grant.ipv4, 0x64400063u);
    EXPECT_EQ(ans.grant.session_timeout_s, 3600u);
    EXPECT_EQ(ans.grant.idle_timeout_s, 600u);
    EXPECT_EQ(ans.grant.interim_interval_s, 300u);  // configured, none in the reply
    ASSERT_EQ(ans.grant.classes.size(), 1u);
    EXPECT_EQ(ans.grant.classes[0], "gold");
    EXPECT_TRUE(ans.grant.radius);
}

TEST(Aaa, RadiusRejectAndNasChoosesAddress) {
    RadiusRig rig;
    ppp::VerifyRequest r;
    r.protocol = ppp::AuthProtocol::pap;
    r.user = "bob";
    r.password = "x";
    rig.aaa.authenticate(1, r, {}, 0);
    rig.answer(0, Code::AccessReject,
               [](PacketWriter &w) { w.add_string(attr::kReplyMessage, "no such user"); });
    ASSERT_EQ(rig.got.size(), 1u);
    EXPECT_FALSE(rig.got[0].accept);
    EXPECT_EQ(rig.got[0].message, "no such user");
    rig.aaa.authenticate(2, r, {}, 0);
    rig.answer(1, Code::AccessAccept, [](PacketWriter &w) {
        w.add_ipv4(attr::kFramedIpAddress, 0xFFFFFFFE);  // NAS chooses: from the pool
        w.add_string(attr::kFramedPool, "biz");
    });
    ASSERT_EQ(rig.got.size(), 2u);
    EXPECT_TRUE(rig.got[1].accept);
    EXPECT_FALSE(rig.got[1].grant.ipv4);
    EXPECT_EQ(rig.got[1].grant.ipv4_pool, "biz");
    EXPECT_EQ(rig.got[1].grant.session_timeout_s, 100u);  // aaa default when RADIUS sends none
}

TEST(Aaa, RadiusTimeoutRejects) {
    RadiusRig rig;
    ppp::VerifyRequest r;
    r.protocol = ppp::AuthProtocol::pap;
    r.user = "bob";
    r.password = "x";
    rig.aaa.authenticate(1, r, {}, 0);
    uint64_t now = 0;
    for (int i = 0; i < 100 && rig.got.empty(); i++) {
        now = rig.aaa.next_deadline();
        ASSERT_NE(now, UINT64_MAX);
        rig.aaa.on_timer(now);
    }
    ASSERT_EQ(rig.got.size(), 1u);
    EXPECT_FALSE(rig.got[0].accept);
    EXPECT_TRUE(rig.got[0].timeout);
    EXPECT_EQ(rig.sent.size(), 4u);  // first try + 3 retries (default)
    EXPECT_EQ(rig.aaa.counters().timeouts, 1u);
}

}  // namespace
}  // namespace lns::cp::aaa
