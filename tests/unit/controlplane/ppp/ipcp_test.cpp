// IPCP (RFC 1332, RFC 1877) as a peer sees it: the LNS assigning address and DNS
// by Nak, hinting an absent address, rejecting VJ compression and servers it has
// none of; the client asking 0.0.0.0 and taking the Nak'd values; both back to back.
#include <gtest/gtest.h>

#include <deque>

#include "controlplane/ppp/ipcp.hpp"
#include "tests/unit/controlplane/ppp/ppp_test_util.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

constexpr uint32_t kGw = ip4(10, 0, 0, 1);
constexpr uint32_t kSub = ip4(10, 0, 7, 42);
constexpr uint32_t kDns1 = ip4(192, 0, 2, 53);
constexpr uint32_t kDns2 = ip4(192, 0, 2, 54);

struct IpcpRig {
    IpcpShared sh;
    Wire wire;
    Notices notes;
    Ipcp ipcp;
    uint64_t now = 0;

    explicit IpcpRig(const IpcpConfig &cfg) : sh{cfg, {}}, ipcp(sh, wire, notes) {}
    void start() {
        ipcp.open(now);
        ipcp.up(now);
    }
    void rx(const Bytes &b) { ipcp.receive(b, now); }
    const Wire::Sent &last_req() const {
        for (auto it = wire.sent.rbegin(); it != wire.sent.rend(); ++it)
            if (it->code() == 1) return *it;
        return wire.sent.front();
    }
    void ack_ours() { rx(packet(2, last_req().id(), last_req().data())); }
};

IpcpAssignment assignment() {
    IpcpAssignment a;
    a.peer_address = kSub;
    a.dns[0] = kDns1;
    a.dns[1] = kDns2;
    return a;
}

TEST(IpcpLns, AssignsAddressAndDnsByNak) {
    IpcpRig r(IpcpConfig::lns());
    r.ipcp.set_local_address(kGw);
    r.ipcp.set_assignment(assignment());
    r.start();
    ASSERT_EQ(r.wire.sent.size(), 1u);
    EXPECT_EQ(r.wire.sent[0].protocol, kProtoIpcp);
    EXPECT_EQ(r.wire.sent[0].data(), ip_addr(kGw));
    // A Windows client: 0.0.0.0, DNS and NBNS 0.0.0.0.
    r.rx(packet(1, 1, cat({ip_addr(0), dns1(0), nbns1(0), dns2(0), nbns2(0)})));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 1, cat({nbns1(0), nbns2(0)})));  // none to give
    r.rx(packet(1, 2, cat({ip_addr(0), dns1(0), dns2(0)})));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 2, cat({ip_addr(kSub), dns1(kDns1), dns2(kDns2)})));
    const Bytes agreed = cat({ip_addr(kSub), dns1(kDns1), dns2(kDns2)});
    r.rx(packet(1, 3, agreed));
    EXPECT_EQ(r.wire.last().bytes, packet(2, 3, agreed));
    r.ack_ours();
    ASSERT_TRUE(r.ipcp.opened());
    EXPECT_TRUE(r.notes.has(NoticeKind::up));
    const IpcpResult res = r.ipcp.result();
    EXPECT_EQ(res.local_address, kGw);
    EXPECT_EQ(res.peer_address, kSub);
    EXPECT_EQ(res.dns[0], kDns1);
    EXPECT_EQ(res.dns[1], kDns2);
    EXPECT_EQ(res.nbns[0], 0u);
}

TEST(IpcpLns, VanJacobsonCompressionRejected) {
    IpcpRig r(IpcpConfig::lns());
    r.ipcp.set_assignment(assignment());
    r.start();
    r.rx(packet(1, 1, cat({vj(), ip_addr(kSub)})));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 1, vj()));
    r.rx(packet(1, 2, cat({opt(1, {10, 0, 7, 42, 10, 0, 0, 1}), ip_addr(kSub)})));  // IP-Addresses
    EXPECT_EQ(r.wire.last().code(), 4);
    EXPECT_EQ(r.sh.counters.fsm.options_unknown, 2u);
}

TEST(IpcpLns, AbsentAddressHintedOnce) {
    IpcpRig r(IpcpConfig::lns());
    r.ipcp.set_assignment(assignment());
    r.start();
    r.rx(packet(1, 1, {}));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 1, ip_addr(kSub)));
    r.rx(packet(1, 2, {}));  // the peer insists on no address: no second hint
    EXPECT_EQ(r.wire.last().bytes, packet(2, 2));
}

TEST(IpcpLns, WrongAddressNakdThenRejectedAtMaxFailure) {
    IpcpRig r(IpcpConfig::lns());
    r.ipcp.set_assignment(assignment());
    r.start();
    for (uint8_t i = 0; i < 5; ++i) {
        r.rx(packet(1, i, ip_addr(ip4(1, 2, 3, 4))));
        EXPECT_EQ(r.wire.last().bytes, packet(3, i, ip_addr(kSub)));
    }
    r.rx(packet(1, 9, ip_addr(ip4(1, 2, 3, 4))));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 9, ip_addr(ip4(1, 2, 3, 4))));
}

TEST(IpcpLns, NoLocalAddressMeansNoIpAddressOption) {
    IpcpRig r(IpcpConfig::lns());
    r.start();
    EXPECT_EQ(r.wire.last().bytes, packet(1, r.wire.last().id()));
}

TEST(IpcpClient, AsksZeroAndTakesNakdValues) {
    IpcpRig r(IpcpConfig::client());
    r.start();
    EXPECT_EQ(r.wire.sent[0].data(), cat({ip_addr(0), dns1(0), dns2(0)}));
    r.rx(packet(3, r.last_req().id(), cat({ip_addr(kSub), dns1(kDns1), dns2(kDns2)})));
    EXPECT_EQ(r.last_req().data(), cat({ip_addr(kSub), dns1(kDns1), dns2(kDns2)}));
    r.rx(packet(1, 7, ip_addr(kGw)));  // the LNS's own address: acked
    EXPECT_EQ(r.wire.last().bytes, packet(2, 7, ip_addr(kGw)));
    r.ack_ours();
    ASSERT_TRUE(r.ipcp.opened());
    const IpcpResult res = r.ipcp.result();
    EXPECT_EQ(res.local_address, kSub);
    EXPECT_EQ(res.peer_address, kGw);
    EXPECT_EQ(res.dns[0], kDns1);
    EXPECT_EQ(res.dns[1], kDns2);
}

TEST(IpcpClient, DnsRejectedGoesOnWithout) {
    IpcpRig r(IpcpConfig::client());
    r.start();
    r.rx(packet(4, r.last_req().id(), cat({dns1(0), dns2(0)})));
    EXPECT_EQ(r.last_req().data(), ip_addr(0));
}

TEST(IpcpClient, NoAddressCloses) {
    IpcpRig r(IpcpConfig::client());
    r.start();
    r.rx(packet(4, r.last_req().id(), ip_addr(0)));
    EXPECT_EQ(r.ipcp.state(), State::Closing);
    EXPECT_EQ(r.wire.last().code(), 5);
    // Acked as 0.0.0.0 is no address either.
    IpcpRig z(IpcpConfig::client());
    z.start();
    z.rx(packet(1, 1, ip_addr(kGw)));
    z.ack_ours();
    EXPECT_EQ(z.ipcp.state(), State::Closing);
}

TEST(IpcpProtocol, UnknownCodeRejectedAndProtocolRejectStops) {
    IpcpRig r(IpcpConfig::lns());
    r.ipcp.set_assignment(assignment());
    r.start();
    r.rx(packet(9, 3, {0, 0, 0, 0}));  // Echo-Request is LCP-only
    EXPECT_EQ(r.wire.last().code(), 7);
    EXPECT_EQ(r.wire.last().protocol, kProtoIpcp);
    r.ipcp.protocol_rejected(0);  // LCP got Protocol-Reject for IPCP
    EXPECT_EQ(r.ipcp.state(), State::Stopped);
    EXPECT_EQ(r.notes.got.back().kind, NoticeKind::finished);
    EXPECT_EQ(r.notes.got.back().reason, Reason::protocol_rejected);
}

TEST(IpcpProtocol, LnsAndClientBackToBack) {
    struct Link final : Output {
        std::deque<Bytes> q;
        void send(uint16_t, std::span<const uint8_t> p) override { q.emplace_back(p.begin(), p.end()); }
    } to_client, to_lns;
    IpcpShared lsh{IpcpConfig::lns(), {}}, csh{IpcpConfig::client(), {}};
    Notices n1, n2;
    Ipcp lns(lsh, to_client, n1), client(csh, to_lns, n2);
    lns.set_local_address(kGw);
    lns.set_assignment(assignment());
    client.open(0), client.up(0), lns.open(0), lns.up(0);
    for (int i = 0; i < 20 && (!to_client.q.empty() || !to_lns.q.empty()); ++i) {
        for (; !to_client.q.empty(); to_client.q.pop_front()) client.receive(to_client.q.front(), 0);
        for (; !to_lns.q.empty(); to_lns.q.pop_front()) lns.receive(to_lns.q.front(), 0);
    }
    ASSERT_TRUE(lns.opened() && client.opened());
    EXPECT_EQ(client.result().local_address, kSub);
    EXPECT_EQ(client.result().peer_address, kGw);
    EXPECT_EQ(client.result().dns[0], kDns1);
    EXPECT_EQ(lns.result().peer_address, kSub);
    EXPECT_EQ(lns.result().dns[1], kDns2);
}

}  // namespace
}  // namespace lns::cp::ppp
