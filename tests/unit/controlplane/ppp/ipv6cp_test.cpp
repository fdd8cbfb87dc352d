// IPv6CP (RFC 5072) as a peer sees it: our Interface-Identifier from the injected
// random source, a zero or colliding identifier Nak'd with one we choose, a Nak of
// ours taken, an assigned identifier enforced, compression rejected, back to back.
#include <gtest/gtest.h>

#include <deque>

#include "controlplane/ppp/ipv6cp.hpp"
#include "tests/unit/controlplane/ppp/ppp_test_util.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

Bytes iid(uint64_t v) { return u64_opt(1, v); }

struct V6Rig {
    Ipv6cpShared sh;
    Wire wire;
    Notices notes;
    FakeRandom rnd;
    std::unique_ptr<Ipv6cp> v6;

    V6Rig() {
        sh.random = &rnd;
        v6 = std::make_unique<Ipv6cp>(sh, wire, notes);
    }
    void start() {
        v6->open(0);
        v6->up(0);
    }
    void rx(const Bytes &b) { v6->receive(b, 0); }
    const Wire::Sent &last_req() const {
        for (auto it = wire.sent.rbegin(); it != wire.sent.rend(); ++it)
            if (it->code() == 1) return *it;
        return wire.sent.front();
    }
};

TEST(Ipv6cpInterfaceId, RequestsRandomIdAndAcksDistinctPeer) {
    V6Rig r;
    r.rnd.queue = {0x0211223344556677ull};
    r.start();
    ASSERT_EQ(r.wire.sent.size(), 1u);
    EXPECT_EQ(r.wire.sent[0].protocol, kProtoIpv6cp);
    EXPECT_EQ(r.wire.sent[0].data(), iid(0x0211223344556677ull));
    r.rx(packet(1, 5, iid(0xa1b2c3d4e5f60718ull)));
    EXPECT_EQ(r.wire.last().bytes, packet(2, 5, iid(0xa1b2c3d4e5f60718ull)));
    r.rx(packet(2, r.last_req().id(), r.last_req().data()));
    ASSERT_TRUE(r.v6->opened());
    EXPECT_EQ(r.v6->result().local_id, 0x0211223344556677ull);
    EXPECT_EQ(r.v6->result().peer_id, 0xa1b2c3d4e5f60718ull);
}

TEST(Ipv6cpInterfaceId, ZeroNakdWithOneWeChoose) {
    V6Rig r;
    r.rnd.queue = {0x1000000000000001ull, 0x2000000000000002ull};
    r.start();
    r.rx(packet(1, 5, iid(0)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 5, iid(0x2000000000000002ull)));
    EXPECT_EQ(r.sh.counters.id_naks, 1u);
}

TEST(Ipv6cpInterfaceId, CollisionNakdWithDifferentNonZero) {
    V6Rig r;
    // Ours first; then a draw equal to ours (must be skipped), then a usable one.
    r.rnd.queue = {0x1000000000000001ull, 0x1000000000000001ull, 0, 0x3000000000000003ull};
    r.start();
    r.rx(packet(1, 6, iid(0x1000000000000001ull)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 6, iid(0x3000000000000003ull)));
    EXPECT_EQ(r.sh.counters.id_collisions, 1u);
}

TEST(Ipv6cpInterfaceId, NakOfOursTakenUnlessItCollides) {
    V6Rig r;
    r.rnd.queue = {0x1000000000000001ull};
    r.start();
    r.rx(packet(1, 1, iid(0x5555000000000005ull)));  // the peer's
    r.rx(packet(3, r.last_req().id(), iid(0x7777000000000007ull)));
    EXPECT_EQ(r.last_req().data(), iid(0x7777000000000007ull));
    r.rnd.queue = {0x8888000000000008ull};
    r.rx(packet(3, r.last_req().id(), iid(0x5555000000000005ull)));  // the peer's own: no
    EXPECT_EQ(r.last_req().data(), iid(0x8888000000000008ull));
}

TEST(Ipv6cpInterfaceId, AssignedPeerIdEnforcedAndHinted) {
    V6Rig r;
    r.v6->set_local_interface_id(0x0000000000000001ull);
    r.v6->set_peer_interface_id(0x0000000000000002ull);
    r.start();
    EXPECT_EQ(r.wire.sent[0].data(), iid(1));
    r.rx(packet(1, 1, iid(0x99)));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 1, iid(2)));
    r.rx(packet(1, 2, {}));
    EXPECT_EQ(r.wire.last().bytes, packet(3, 2, iid(2)));
    r.rx(packet(1, 3, iid(2)));
    EXPECT_EQ(r.wire.last().bytes, packet(2, 3, iid(2)));
}

TEST(Ipv6cpOptions, CompressionAndMalformedRejected) {
    V6Rig r;
    r.start();
    const Bytes comp = opt(2, {0x00, 0x4f});
    const Bytes short_id = opt(1, {1, 2, 3, 4});
    r.rx(packet(1, 1, cat({comp, short_id})));
    EXPECT_EQ(r.wire.last().bytes, packet(4, 1, cat({comp, short_id})));
    EXPECT_EQ(r.sh.counters.fsm.options_malformed, 1u);
}

TEST(Ipv6cpOptions, BackToBackConverges) {
    struct Link final : Output {
        std::deque<Bytes> q;
        void send(uint16_t, std::span<const uint8_t> p) override { q.emplace_back(p.begin(), p.end()); }
    } ab, ba;
    Ipv6cpShared sa, sb;
    FakeRandom ra, rb;
    ra.queue = {0x0101010101010101ull};
    rb.queue = {0x0101010101010101ull};  // both pick the same: a collision to resolve
    rb.n = 5;                            // then independent draws
    sa.random = &ra;
    sb.random = &rb;
    Notices na, nb;
    Ipv6cp a(sa, ab, na), b(sb, ba, nb);
    a.open(0), a.up(0), b.open(0), b.up(0);
    for (int i = 0; i < 30 && (!ab.q.empty() || !ba.q.empty()); ++i) {
        for (; !ab.q.empty(); ab.q.pop_front()) b.receive(ab.q.front(), 0);
        for (; !ba.q.empty(); ba.q.pop_front()) a.receive(ba.q.front(), 0);
    }
    ASSERT_TRUE(a.opened() && b.opened());
    EXPECT_EQ(a.result().local_id, b.result().peer_id);
    EXPECT_EQ(a.result().peer_id, b.result().local_id);
    EXPECT_NE(a.result().local_id, a.result().peer_id);
    EXPECT_NE(a.result().local_id, 0u);
    EXPECT_NE(a.result().peer_id, 0u);
    EXPECT_GE(sa.counters.id_collisions + sb.counters.id_collisions, 1u);
}

}  // namespace
}  // namespace lns::cp::ppp
