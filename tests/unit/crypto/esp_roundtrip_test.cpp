// ESP round trips through crypto/esp.hpp: every algorithm, transport and
// tunnel mode, with and without NAT-T and ESN, many payload sizes; bursts
// mixing SAs; the wire format of what is sent (headers, padding, IV).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "esp_fixture.hpp"

namespace lns::crypto::test {
namespace {

using Param = std::tuple<size_t, SaMode, bool, bool>;  // suite, mode, natt, esn

class EspRoundTrip : public ::testing::TestWithParam<Param> {
protected:
    void SetUp() override {
        const auto &[suite, mode, natt, esn] = GetParam();
        const Suite &s = kSuites[suite];
        out_cfg = sa_config(s.cipher, s.integrity, SaDirection::outbound, mode, natt, esn);
        out_cfg.natt_peer_port = 31000;
        ASSERT_EQ(out.init(out_cfg, test_mgr()), SaError::ok);
        ASSERT_EQ(in.init(inbound_of(out_cfg), test_mgr()), SaError::ok);
    }

    SaConfig out_cfg;
    Sa out, in;
    FixedIvSource ivs;
    EspEngine engine{test_mgr(), &ivs};
};

TEST_P(EspRoundTrip, PayloadSizes) {
    const bool tunnel = out_cfg.mode == SaMode::tunnel;
    const uint32_t blk = out.block_len();
    for (size_t n : {0u, 1u, 2u, 3u, 13u, 14u, 15u, 16u, 17u, 100u, 1400u}) {
        SCOPED_TRACE(n);
        Bytes orig = l2tp_packet(n, kLocal, kPeer);
        if (n % 2) {  // DSCP/ECN and DF, copied to a tunnel's outer header
            orig[1] = 0xb9;
            orig[6] |= 0x40;
            ipv4_set_checksum(orig.data(), 20);
        }
        TestPacket pkt(orig);
        ASSERT_EQ(esp_encrypt(engine, out, pkt.buf), EspResult::ok);
        pkt.check_bounds();
        const uint8_t *ip = pkt.buf.data;
        ASSERT_EQ(get16(ip + 2), pkt.buf.len);
        EXPECT_EQ(csum_fold(csum_add(0, ip, 20)), 0);
        uint32_t off = 20;
        if (out_cfg.natt) {
            ASSERT_EQ(ip[9], kIpProtoUdp);
            EXPECT_EQ(get16(ip + 20), 4500);
            EXPECT_EQ(get16(ip + 22), 31000);
            EXPECT_EQ(get16(ip + 24), pkt.buf.len - 20);
            EXPECT_EQ(get16(ip + 26), 0);  // RFC 3948 §3.1.1
            off += 8;
        } else {
            EXPECT_EQ(ip[9], kIpProtoEsp);
        }
        EXPECT_EQ(get32(ip + off), out_cfg.spi);
        EXPECT_EQ(get32(ip + off + 4), uint32_t(out.last_seq()));
        if (out.is_gcm()) {  // the IV is the 64-bit sequence number
            EXPECT_EQ(get32(ip + off + 8), uint32_t(out.last_seq() >> 32));
            EXPECT_EQ(get32(ip + off + 12), uint32_t(out.last_seq()));
        }
        const uint32_t ct_len = pkt.buf.len - off - 8 - out.iv_len() - out.icv_len();
        EXPECT_EQ(ct_len % blk, 0u);
        const uint32_t plen = tunnel ? orig.size() : orig.size() - 20;
        EXPECT_LT(ct_len - plen - 2, blk);  // minimal padding
        if (tunnel) {
            EXPECT_EQ(ip[0], 0x45);
            EXPECT_EQ(ip[1], orig[1]);
            EXPECT_EQ(get16(ip + 4), uint16_t(out.last_seq()));
            EXPECT_EQ(get16(ip + 6), n % 2 ? 0x4000 : 0);  // DF only, never a fragment
            EXPECT_EQ(ip[8], kOuterTtl);
            EXPECT_EQ(get32(ip + 12), kLocal);
            EXPECT_EQ(get32(ip + 16), kPeer);
        }

        ASSERT_EQ(esp_decrypt(engine, in, pkt.buf), EspResult::ok);
        pkt.check_bounds();
        EXPECT_EQ(to_hex(pkt.buf.data, pkt.buf.len), to_hex(orig.data(), orig.size()));
    }
    EXPECT_EQ(out.counters().packets, 11u);
    EXPECT_EQ(in.counters().packets, 11u);
    EXPECT_EQ(in.counters().bytes, out.counters().bytes);
}

TEST_P(EspRoundTrip, BurstKeepsOrderAndFillsLanes) {
    constexpr size_t kN = 40;  // more than any multi-buffer lane count
    std::vector<std::unique_ptr<TestPacket>> pkts;
    std::vector<Bytes> origs;
    std::vector<EspOp> ops(kN);
    for (size_t i = 0; i < kN; i++) {
        origs.push_back(l2tp_packet(20 + i * 37, kLocal, kPeer));
        pkts.push_back(std::make_unique<TestPacket>(origs.back()));
        ops[i].sa = &out;
        ops[i].buf = pkts[i]->buf;
    }
    ASSERT_EQ(engine.encrypt_burst(ops.data(), kN), kN);
    for (size_t i = 0; i < kN; i++) {
        EXPECT_EQ(ops[i].seq, i + 1);
        ops[i].sa = &in;
    }
    // Deliver in reverse order: all inside the replay window.
    std::reverse(ops.begin(), ops.end());
    ASSERT_EQ(engine.decrypt_burst(ops.data(), kN), kN);
    for (size_t i = 0; i < kN; i++) {
        const Bytes &orig = origs[kN - 1 - i];
        EXPECT_EQ(to_hex(ops[i].buf.data, ops[i].buf.len), to_hex(orig.data(), orig.size())) << i;
    }
    EXPECT_EQ(in.window().top(), kN);
}

TEST_P(EspRoundTrip, DuplicateWithinOneBurstAcceptedOnce) {
    Bytes orig = l2tp_packet(64, kLocal, kPeer);
    TestPacket a(orig);
    ASSERT_EQ(esp_encrypt(engine, out, a.buf), EspResult::ok);
    TestPacket b(a.bytes());
    EspOp ops[2];
    ops[0].sa = ops[1].sa = &in;
    ops[0].buf = a.buf;
    ops[1].buf = b.buf;
    EXPECT_EQ(engine.decrypt_burst(ops, 2), 1u);
    EXPECT_EQ(ops[0].result, EspResult::ok);
    EXPECT_EQ(ops[1].result, EspResult::replay_duplicate);
    EXPECT_EQ(in.counters().replay_drops(), 1u);
}

std::string param_name(const ::testing::TestParamInfo<Param> &info) {
    const auto &[suite, mode, natt, esn] = info.param;
    return std::string(kSuites[suite].name) + (mode == SaMode::tunnel ? "_tunnel" : "_transport") +
           (natt ? "_natt" : "") + (esn ? "_esn" : "");
}

INSTANTIATE_TEST_SUITE_P(CryptoEsp, EspRoundTrip,
                         ::testing::Combine(::testing::Range<size_t>(0, std::size(kSuites)),
                                            ::testing::Values(SaMode::transport, SaMode::tunnel),
                                            ::testing::Bool(), ::testing::Bool()),
                         param_name);

// Several SAs of different algorithms in one burst (GCM direct, CBC jobs).
TEST(CryptoEspBurst, MixedAlgorithms) {
    FixedIvSource ivs;
    EspEngine engine(test_mgr(), &ivs);
    constexpr size_t kSa = std::size(kSuites);
    Sa outs[kSa], ins[kSa];
    for (size_t s = 0; s < kSa; s++) {
        SaConfig c = sa_config(kSuites[s].cipher, kSuites[s].integrity, SaDirection::outbound,
                               SaMode::transport, s % 2, s % 3 == 0, 0x2000 + uint32_t(s));
        ASSERT_EQ(outs[s].init(c, test_mgr()), SaError::ok);
        ASSERT_EQ(ins[s].init(inbound_of(c), test_mgr()), SaError::ok);
    }
    std::vector<std::unique_ptr<TestPacket>> pkts;
    std::vector<Bytes> origs;
    std::vector<EspOp> ops(3 * kSa);
    for (size_t i = 0; i < ops.size(); i++) {
        origs.push_back(l2tp_packet(50 + i, kLocal, kPeer));
        pkts.push_back(std::make_unique<TestPacket>(origs.back()));
        ops[i].sa = &outs[i % kSa];
        ops[i].buf = pkts[i]->buf;
    }
    ASSERT_EQ(engine.encrypt_burst(ops.data(), ops.size()), ops.size());
    for (size_t i = 0; i < ops.size(); i++) ops[i].sa = &ins[i % kSa];
    ASSERT_EQ(engine.decrypt_burst(ops.data(), ops.size()), ops.size());
    for (size_t i = 0; i < ops.size(); i++)
        EXPECT_EQ(to_hex(ops[i].buf.data, ops[i].buf.len),
                  to_hex(origs[i].data(), origs[i].size()));
}

// CBC IVs come from the injected source, a fresh one per packet.
TEST(CryptoEspBurst, CbcIvFromSource) {
    FixedIvSource ivs;
    ivs.push(hex("000102030405060708090a0b0c0d0e0f"));
    ivs.push(hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
    EspEngine engine(test_mgr(), &ivs);
    Sa out;
    ASSERT_EQ(out.init(sa_config(EspCipher::aes_cbc_128, EspIntegrity::hmac_sha1_96,
                                 SaDirection::outbound),
                       test_mgr()),
              SaError::ok);
    TestPacket a(l2tp_packet(10)), b(l2tp_packet(10));
    ASSERT_EQ(esp_encrypt(engine, out, a.buf), EspResult::ok);
    ASSERT_EQ(esp_encrypt(engine, out, b.buf), EspResult::ok);
    EXPECT_EQ(to_hex(a.buf.data + 28, 16), "000102030405060708090a0b0c0d0e0f");
    EXPECT_EQ(to_hex(b.buf.data + 28, 16), "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
}

// The system IV source gives different bytes each time.
TEST(CryptoEspBurst, SystemIvSourceVaries) {
    SystemIvSource src;
    uint8_t a[16], b[16];
    src.fill(a, 16);
    src.fill(b, 16);
    EXPECT_NE(to_hex(a, 16), to_hex(b, 16));
    uint8_t big[5000];
    src.fill(big, sizeof big);  // crosses a refill
}

// The workers' IV source: unpredictable-looking, never repeating across
// refills and reseeds' worth of IVs, different per instance.
TEST(CryptoEspBurst, CtrDrbgIvSourceNeverRepeats) {
    CtrDrbgIvSource src, other;
    ASSERT_TRUE(src.ok());
    std::set<std::string> seen;
    uint8_t iv[16];
    for (int i = 0; i < 100000; i++) {  // 6.25 MB of keystream: 390 refills
        src.fill(iv, 16);
        ASSERT_TRUE(seen.insert(to_hex(iv, 16)).second) << "IV " << i << " repeated";
    }
    other.fill(iv, 16);
    EXPECT_EQ(seen.count(to_hex(iv, 16)), 0u);
    uint8_t odd[5000];
    src.fill(odd, 7);  // not a whole IV, then across a refill
    src.fill(odd, sizeof odd);
    int zeros = 0;
    for (uint8_t b : odd) zeros += b == 0;
    EXPECT_LT(zeros, 60);  // ~20 expected of 5000 random bytes; AES-CTR over zeros is not zeros
}

}  // namespace
}  // namespace lns::crypto::test
