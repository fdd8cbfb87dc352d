// Every ESP drop reason (crypto/esp_result.hpp) produced by a packet that
// earns it, and counted on the SA; the replay window moves only for packets
// whose ICV verified.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "esp_fixture.hpp"

namespace lns::crypto::test {
namespace {

// ESP sealed by hand with AES-128-GCM (IPsec-MB's direct API), so a test can
// send authentic packets with any plaintext: bad padding, dummy next header...
Bytes seal_gcm(const SaConfig &cfg, uint32_t seq, const Bytes &plaintext) {
    alignas(64) gcm_key_data key;
    IMB_AES128_GCM_PRE(test_mgr(), cfg.cipher_key, &key);
    Bytes esp(16 + plaintext.size() + 16);
    put32(&esp[0], cfg.spi);
    put32(&esp[4], seq);
    put64(&esp[8], seq);
    uint8_t nonce[12], aad[8];
    std::memcpy(nonce, cfg.salt, 4);
    std::memcpy(nonce + 4, &esp[8], 8);
    std::memcpy(aad, &esp[0], 8);
    gcm_context_data ctx;
    IMB_AES128_GCM_ENC(test_mgr(), &key, &ctx, &esp[16], plaintext.data(), plaintext.size(), nonce,
                       aad, 8, &esp[16 + plaintext.size()], 16);
    return esp;
}

class EspDrops : public ::testing::Test {
protected:
    void SetUp() override {
        out_cfg = sa_config(EspCipher::aes_gcm_128, EspIntegrity::none, SaDirection::outbound);
        ASSERT_EQ(out.init(out_cfg, test_mgr()), SaError::ok);
        ASSERT_EQ(in.init(inbound_of(out_cfg), test_mgr()), SaError::ok);
    }
    // A valid ESP packet (protocol 50) with the next sequence number.
    Bytes valid(size_t n = 40) {
        TestPacket p(l2tp_packet(n, kLocal, kPeer));
        EXPECT_EQ(esp_encrypt(engine, out, p.buf), EspResult::ok);
        return p.bytes();
    }
    EspResult decrypt(const Bytes &pkt, Sa *sa = nullptr) {
        TestPacket p(pkt);
        return esp_decrypt(engine, sa ? *sa : in, p.buf);
    }
    uint64_t drops(EspResult r) const { return in.counters().drops[size_t(r)]; }

    SaConfig out_cfg;
    Sa out, in;
    FixedIvSource ivs;
    EspEngine engine{test_mgr(), &ivs};
};

TEST_F(EspDrops, Truncated) {
    Bytes p = valid();
    p.resize(20 + 8 + 8 + 16 + 1);  // header, IV, ICV and one byte
    put16(&p[2], uint16_t(p.size()));
    EXPECT_EQ(decrypt(p), EspResult::truncated);
    EXPECT_EQ(decrypt(Bytes(10, 0x45)), EspResult::truncated);
    EXPECT_EQ(decrypt(ipv4(kPeer, kLocal, kIpProtoEsp, Bytes(6, 1))), EspResult::truncated);
    EXPECT_EQ(drops(EspResult::truncated), 3u);
}

TEST_F(EspDrops, BadIpHeader) {
    Bytes p = valid();
    p[0] = 0x65;  // version 6
    EXPECT_EQ(decrypt(p), EspResult::bad_ip_header);
    p = valid();
    put16(&p[2], uint16_t(p.size() + 1));  // longer than the buffer
    EXPECT_EQ(decrypt(p), EspResult::bad_ip_header);
    p = valid();
    p[9] = 6;  // neither ESP nor UDP
    EXPECT_EQ(decrypt(p), EspResult::bad_ip_header);
    EXPECT_EQ(drops(EspResult::bad_ip_header), 3u);
}

TEST_F(EspDrops, Fragment) {
    Bytes p = valid();
    put16(&p[6], 0x2000);  // more fragments
    EXPECT_EQ(decrypt(p), EspResult::fragment);
    put16(&p[6], 0x0010);  // an offset
    EXPECT_EQ(decrypt(p), EspResult::fragment);
}

TEST_F(EspDrops, BadUdpHeaderAndNonEsp) {
    Bytes esp = valid();
    Bytes inner(esp.begin() + 20, esp.end());
    Bytes u = udp(kPeer, kLocal, 4500, 4500, inner, false);
    put16(&u[4], uint16_t(u.size() - 1));
    EXPECT_EQ(decrypt(ipv4(kPeer, kLocal, kIpProtoUdp, u)), EspResult::bad_udp_header);
    Bytes ike = {0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
    EXPECT_EQ(decrypt(ipv4(kPeer, kLocal, kIpProtoUdp, udp(kPeer, kLocal, 4500, 4500, ike))),
              EspResult::natt_not_esp);
    Bytes keepalive = {0xff};
    EXPECT_EQ(decrypt(ipv4(kPeer, kLocal, kIpProtoUdp, udp(kPeer, kLocal, 4500, 4500, keepalive))),
              EspResult::natt_not_esp);
    EXPECT_EQ(drops(EspResult::natt_not_esp), 2u);
    // The same ESP bytes in a correct UDP header are fine (NAT-T inbound).
    EXPECT_EQ(decrypt(ipv4(kPeer, kLocal, kIpProtoUdp, udp(kPeer, kLocal, 4500, 4500, inner))),
              EspResult::ok);
}

TEST_F(EspDrops, SpiMismatchAndWrongDirection) {
    Bytes p = valid();
    p[20] ^= 1;
    EXPECT_EQ(decrypt(p), EspResult::spi_mismatch);
    EXPECT_EQ(decrypt(valid(), &out), EspResult::wrong_direction);
    TestPacket q(l2tp_packet(10));
    EXPECT_EQ(esp_encrypt(engine, in, q.buf), EspResult::wrong_direction);
}

TEST_F(EspDrops, ReplayTooOldAndDuplicate) {
    Bytes first = valid();
    EXPECT_EQ(decrypt(first), EspResult::ok);
    EXPECT_EQ(decrypt(first), EspResult::replay_duplicate);
    out.set_last_seq(1000);
    EXPECT_EQ(decrypt(valid()), EspResult::ok);  // 1001
    out.set_last_seq(1);
    EXPECT_EQ(decrypt(valid()), EspResult::replay_too_old);  // 2, 999 behind
    EXPECT_EQ(in.counters().replay_drops(), 2u);
}

TEST_F(EspDrops, IcvMismatchAnywhere) {
    Bytes p = valid();
    for (size_t at : {size_t(24), size_t(30), size_t(40), p.size() - 1}) {  // seq, IV, data, ICV
        Bytes bad = p;
        bad[at] ^= 0x80;
        EXPECT_EQ(decrypt(bad), EspResult::icv_mismatch) << at;
    }
    EXPECT_EQ(in.counters().integrity_failures(), 4u);
    EXPECT_EQ(decrypt(p), EspResult::ok);  // the genuine one still passes
}

// A tampered packet with a new, high sequence number must not move the window.
TEST_F(EspDrops, TamperedPacketDoesNotAdvanceWindow) {
    for (int i = 0; i < 5; i++) ASSERT_EQ(decrypt(valid()), EspResult::ok);
    out.set_last_seq(999);
    Bytes high = valid();  // seq 1000
    Bytes bad = high;
    bad[bad.size() - 3] ^= 1;
    EXPECT_EQ(decrypt(bad), EspResult::icv_mismatch);
    EXPECT_EQ(in.window().top(), 5u);
    out.set_last_seq(5);
    EXPECT_EQ(decrypt(valid()), EspResult::ok);  // 6 is still acceptable
    EXPECT_EQ(decrypt(high), EspResult::ok);     // and so is the genuine 1000
    EXPECT_EQ(in.window().top(), 1000u);
}

TEST_F(EspDrops, HardLifetimeByPackets) {
    SaConfig c = inbound_of(out_cfg);
    c.lifetime.soft_packets = 2;
    c.lifetime.hard_packets = 3;
    ASSERT_EQ(in.init(c, test_mgr()), SaError::ok);
    EXPECT_EQ(decrypt(valid()), EspResult::ok);
    EXPECT_FALSE(in.soft_expired());
    EXPECT_EQ(decrypt(valid()), EspResult::ok);
    EXPECT_TRUE(in.soft_expired());
    EXPECT_FALSE(in.hard_expired());
    EXPECT_EQ(decrypt(valid()), EspResult::ok);
    EXPECT_TRUE(in.hard_expired());
    EXPECT_EQ(decrypt(valid()), EspResult::hard_expired);
    EXPECT_EQ(in.counters().packets, 3u);
    EXPECT_EQ(drops(EspResult::hard_expired), 1u);
}

// The limit holds inside one burst: packets prepared together are refused once
// earlier ones of the burst reached it, and the window does not move for them.
TEST_F(EspDrops, HardLifetimeWithinOneBurst) {
    SaConfig c = inbound_of(out_cfg);
    c.lifetime.hard_packets = 2;
    ASSERT_EQ(in.init(c, test_mgr()), SaError::ok);
    std::vector<Bytes> wire;
    for (int i = 0; i < 4; i++) wire.push_back(valid());
    std::vector<TestPacket> pkts;
    for (const Bytes &w : wire) pkts.emplace_back(w);
    EspOp ops[4];
    for (int i = 0; i < 4; i++) {
        ops[i].sa = &in;
        ops[i].buf = pkts[size_t(i)].buf;
    }
    EXPECT_EQ(engine.decrypt_burst(ops, 4), 2u);
    EXPECT_EQ(ops[0].result, EspResult::ok);
    EXPECT_EQ(ops[1].result, EspResult::ok);
    EXPECT_EQ(ops[2].result, EspResult::hard_expired);
    EXPECT_EQ(ops[3].result, EspResult::hard_expired);
    EXPECT_EQ(in.counters().packets, 2u);
    EXPECT_EQ(drops(EspResult::hard_expired), 2u);
    EXPECT_EQ(in.window().top(), 2u);
}

// A burst mixing two SAs: each SA counts its own packets and bytes, and the
// hard limit of one holds across the other's packets in between (the engine
// counts a run of one SA's packets in registers and writes them back when the
// SA changes).
TEST_F(EspDrops, BurstOfTwoSasCountsEachAndKeepsTheLimit) {
    SaConfig c = inbound_of(out_cfg);
    c.lifetime.hard_packets = 3;
    ASSERT_EQ(in.init(c, test_mgr()), SaError::ok);
    SaConfig out2_cfg = out_cfg;
    out2_cfg.spi = out_cfg.spi + 1;
    Sa out2, in2;
    ASSERT_EQ(out2.init(out2_cfg, test_mgr()), SaError::ok);
    ASSERT_EQ(in2.init(inbound_of(out2_cfg), test_mgr()), SaError::ok);
    ASSERT_EQ(decrypt(valid(40)), EspResult::ok);  // one of A's three, alone
    const uint64_t a_bytes = in.counters().bytes;
    std::vector<Bytes> wire;
    std::vector<Sa *> sa_of;
    for (int i = 0; i < 6; i++) {
        if (i % 2 == 0) {
            wire.push_back(valid(40));
            sa_of.push_back(&in);
        } else {
            TestPacket p(l2tp_packet(60, kLocal, kPeer));
            EXPECT_EQ(esp_encrypt(engine, out2, p.buf), EspResult::ok);
            wire.push_back(p.bytes());
            sa_of.push_back(&in2);
        }
    }
    std::vector<TestPacket> pkts;
    for (const Bytes &w : wire) pkts.emplace_back(w);
    EspOp ops[6];
    for (size_t i = 0; i < 6; i++) {
        ops[i].sa = sa_of[i];
        ops[i].buf = pkts[i].buf;
    }
    EXPECT_EQ(engine.decrypt_burst(ops, 6), 5u);  // A, B, A, B, (A over the limit), B
    EXPECT_EQ(ops[4].result, EspResult::hard_expired);
    EXPECT_EQ(in.counters().packets, 3u);
    EXPECT_EQ(in.counters().bytes, 3 * a_bytes);
    EXPECT_EQ(drops(EspResult::hard_expired), 1u);
    EXPECT_EQ(in2.counters().packets, 3u);
    EXPECT_GT(in2.counters().bytes, 3 * a_bytes);  // its packets are larger
    EXPECT_EQ(in2.counters().drops[size_t(EspResult::hard_expired)], 0u);
}

TEST_F(EspDrops, HardLifetimeByBytesOutbound) {
    SaConfig c = out_cfg;
    c.lifetime.soft_bytes = 100;
    c.lifetime.hard_bytes = 150;
    ASSERT_EQ(out.init(c, test_mgr()), SaError::ok);
    TestPacket a(l2tp_packet(72)), b(l2tp_packet(72)), d(l2tp_packet(72));  // 80 bytes of UDP each
    EXPECT_EQ(esp_encrypt(engine, out, a.buf), EspResult::ok);
    EXPECT_FALSE(out.soft_expired());
    EXPECT_EQ(esp_encrypt(engine, out, b.buf), EspResult::ok);
    EXPECT_TRUE(out.soft_expired());
    EXPECT_TRUE(out.hard_expired());
    EXPECT_EQ(esp_encrypt(engine, out, d.buf), EspResult::hard_expired);
    EXPECT_EQ(out.counters().bytes, 160u);
    EXPECT_EQ(out.counters().drops[size_t(EspResult::hard_expired)], 1u);
}

TEST_F(EspDrops, BadPaddingAndDummyAndNextHeader) {
    Bytes data(8, 0x61);
    auto send = [&](const Bytes &trailer, uint32_t seq, Sa &sa) {
        Bytes pt = data;
        pt.insert(pt.end(), trailer.begin(), trailer.end());
        return decrypt(ipv4(kPeer, kLocal, kIpProtoEsp, seal_gcm(sa.config(), seq, pt)), &sa);
    };
    EXPECT_EQ(send({1, 2, 2, 17}, 1, in), EspResult::ok);
    EXPECT_EQ(send({1, 3, 2, 17}, 2, in), EspResult::bad_padding);  // not monotonic
    EXPECT_EQ(send({2, 2, 2, 17}, 3, in), EspResult::bad_padding);
    EXPECT_EQ(send({1, 2, 200, 17}, 4, in), EspResult::bad_padding);  // longer than the data
    EXPECT_EQ(send({1, 2, 2, 59}, 5, in), EspResult::dummy_packet);
    EXPECT_EQ(drops(EspResult::bad_padding), 3u);
    EXPECT_EQ(in.window().top(), 5u);  // authentic packets move the window, padding aside

    Sa tun;
    SaConfig c =
        sa_config(EspCipher::aes_gcm_128, EspIntegrity::none, SaDirection::inbound, SaMode::tunnel);
    ASSERT_EQ(tun.init(c, test_mgr()), SaError::ok);
    EXPECT_EQ(send({1, 2, 2, 17}, 1, tun), EspResult::bad_next_header);
    Bytes inner = ipv4(0x0a000001, 0x0a000002, 17, Bytes(8, 0));
    data = inner;
    EXPECT_EQ(send({1, 2, 2, 4}, 2, tun), EspResult::ok);
    EXPECT_EQ(tun.counters().drops[size_t(EspResult::bad_next_header)], 1u);
}

TEST_F(EspDrops, BadBlockLength) {
    Sa cbc_in, cbc_out;
    SaConfig c =
        sa_config(EspCipher::aes_cbc_128, EspIntegrity::hmac_sha1_96, SaDirection::outbound);
    ASSERT_EQ(cbc_out.init(c, test_mgr()), SaError::ok);
    ASSERT_EQ(cbc_in.init(inbound_of(c), test_mgr()), SaError::ok);
    TestPacket p(l2tp_packet(40));
    ASSERT_EQ(esp_encrypt(engine, cbc_out, p.buf), EspResult::ok);
    Bytes b = p.bytes();
    b.erase(b.end() - 16, b.end() - 12);  // 4 bytes of ciphertext gone
    put16(&b[2], uint16_t(b.size()));
    EXPECT_EQ(decrypt(b, &cbc_in), EspResult::bad_block_length);
}

TEST_F(EspDrops, SequenceOverflow) {
    out.set_last_seq(UINT32_MAX - 1);
    TestPacket a(l2tp_packet(10)), b(l2tp_packet(10));
    EXPECT_EQ(esp_encrypt(engine, out, a.buf), EspResult::ok);  // 2^32 - 1: the last one
    EXPECT_EQ(esp_encrypt(engine, out, b.buf), EspResult::seq_overflow);
    Sa esn;
    SaConfig c = out_cfg;
    c.esn = true;
    ASSERT_EQ(esn.init(c, test_mgr()), SaError::ok);
    esn.set_last_seq(UINT32_MAX);
    EXPECT_EQ(esp_encrypt(engine, esn, b.buf), EspResult::ok);  // ESN goes on
    EXPECT_EQ(esn.last_seq(), uint64_t(UINT32_MAX) + 1);
    esn.set_last_seq(UINT64_MAX);
    TestPacket d(l2tp_packet(10));
    EXPECT_EQ(esp_encrypt(engine, esn, d.buf), EspResult::seq_overflow);
}

TEST_F(EspDrops, NoRoomAndBadInnerPacket) {
    TestPacket no_head(l2tp_packet(10), 8, 64);
    EXPECT_EQ(esp_encrypt(engine, out, no_head.buf), EspResult::no_room);
    TestPacket no_tail(l2tp_packet(10), 64, 8);
    EXPECT_EQ(esp_encrypt(engine, out, no_tail.buf), EspResult::no_room);
    TestPacket junk(Bytes(30, 0x11));
    EXPECT_EQ(esp_encrypt(engine, out, junk.buf), EspResult::bad_inner_packet);
    EXPECT_EQ(out.last_seq(), 0u);  // refused packets use no sequence number
    EXPECT_EQ(out.counters().drops[size_t(EspResult::no_room)], 2u);
}

TEST(EspResultTable, NamesUniqueAndMetricSafe) {
    std::set<std::string> names;
    for (size_t i = 0; i < kEspResultCount; i++) {
        std::string n = esp_result_name(EspResult(i));
        EXPECT_TRUE(names.insert(n).second) << n;
        for (char ch : n) EXPECT_TRUE(std::islower(uint8_t(ch)) || ch == '_') << n;
        EXPECT_GT(std::strlen(esp_result_description(EspResult(i))), 3u);
    }
    EXPECT_STREQ(esp_result_name(EspResult::ok), "ok");
    EXPECT_STREQ(esp_result_name(EspResult::icv_mismatch), "icv_mismatch");
}

}  // namespace
}  // namespace lns::crypto::test
