// SA creation (crypto/sa.hpp): configuration checks, derived sizes, the
// NAT-T payload classifier (crypto/natt.hpp), transport-mode NAT-T checksum
// handling (RFC 3948 §3.1.2).
#include <gtest/gtest.h>

#include "crypto/natt.hpp"
#include "esp_fixture.hpp"

namespace lns::crypto::test {
namespace {

TEST(CryptoSa, RejectsBadConfigurations) {
    Sa sa;
    SaConfig c = sa_config(EspCipher::aes_gcm_128, EspIntegrity::none, SaDirection::inbound);
    EXPECT_EQ(sa.init(c, nullptr), SaError::no_manager);

    SaConfig k = c;
    k.cipher_key_len = 24;
    EXPECT_EQ(sa.init(k, test_mgr()), SaError::bad_cipher_key_length);

    SaConfig g = c;
    g.integrity = EspIntegrity::hmac_sha1_96;
    g.auth_key_len = 20;
    EXPECT_EQ(sa.init(g, test_mgr()), SaError::bad_algorithm_combination);

    SaConfig a =
        sa_config(EspCipher::aes_cbc_128, EspIntegrity::hmac_sha256_128, SaDirection::inbound);
    a.auth_key_len = 20;
    EXPECT_EQ(sa.init(a, test_mgr()), SaError::bad_auth_key_length);

    SaConfig w = c;
    w.replay_window = 32;
    EXPECT_EQ(sa.init(w, test_mgr()), SaError::bad_replay_window);
    w.replay_window = 8192;
    EXPECT_EQ(sa.init(w, test_mgr()), SaError::bad_replay_window);

    SaConfig t = c;
    t.mode = SaMode::tunnel;
    EXPECT_EQ(sa.init(t, test_mgr()), SaError::bad_tunnel_addresses);

    for (SaError e : {SaError::ok, SaError::bad_replay_window, SaError::bad_tunnel_addresses})
        EXPECT_GT(std::strlen(sa_error_name(e)), 1u);
}

TEST(CryptoSa, DerivedSizes) {
    struct Want {
        EspCipher c;
        EspIntegrity i;
        uint8_t iv, icv, blk;
    };
    const Want wants[] = {
        {EspCipher::aes_gcm_128, EspIntegrity::none, 8, 16, 4},
        {EspCipher::aes_gcm_256, EspIntegrity::none, 8, 16, 4},
        {EspCipher::aes_cbc_128, EspIntegrity::hmac_sha1_96, 16, 12, 16},
        {EspCipher::aes_cbc_256, EspIntegrity::hmac_sha256_128, 16, 16, 16},
        {EspCipher::des3_cbc, EspIntegrity::hmac_sha1_96, 8, 12, 8},
    };
    for (const auto &w : wants) {
        Sa sa;
        ASSERT_EQ(sa.init(sa_config(w.c, w.i, SaDirection::outbound), test_mgr()), SaError::ok);
        EXPECT_EQ(sa.iv_len(), w.iv);
        EXPECT_EQ(sa.icv_len(), w.icv);
        EXPECT_EQ(sa.block_len(), w.blk);
    }
}

TEST(CryptoSa, ReplayWindowSizeFromConfig) {
    Sa sa;
    SaConfig c = sa_config(EspCipher::aes_gcm_256, EspIntegrity::none, SaDirection::inbound);
    c.replay_window = 4096;
    c.esn = true;
    ASSERT_EQ(sa.init(c, test_mgr()), SaError::ok);
    EXPECT_EQ(sa.window().size(), 4096u);
    EXPECT_TRUE(sa.window().esn());
}

TEST(CryptoNatt, ClassifiesUdp4500Payloads) {
    const uint8_t ike[] = {0, 0, 0, 0, 0x21, 0x20, 0x22, 0x08};
    const uint8_t keepalive[] = {0xff};
    const uint8_t esp[] = {0, 0, 0x10, 0, 0, 0, 0, 1};
    const uint8_t short_esp[] = {0, 0, 0x10, 0};
    EXPECT_EQ(classify_natt(ike, sizeof ike), NattPayload::ike);
    EXPECT_EQ(classify_natt(keepalive, 1), NattPayload::keepalive);
    EXPECT_EQ(classify_natt(esp, sizeof esp), NattPayload::esp);
    EXPECT_EQ(classify_natt(short_esp, sizeof short_esp), NattPayload::malformed);
    EXPECT_EQ(classify_natt(esp, 0), NattPayload::malformed);
    EXPECT_EQ(classify_natt(esp, 1), NattPayload::malformed);  // one byte, not 0xff
}

// Transport mode through a NAT: the peer (10.0.0.2 behind 203.0.113.99)
// computed its UDP checksum with its private address.
class NattTransport : public ::testing::Test {
protected:
    Bytes decrypt_from_nat(SaConfig in_cfg, bool with_checksum) {
        SaConfig out_cfg = in_cfg;
        out_cfg.direction = SaDirection::outbound;
        Sa out, in;
        EXPECT_EQ(out.init(out_cfg, test_mgr()), SaError::ok);
        EXPECT_EQ(in.init(in_cfg, test_mgr()), SaError::ok);
        TestPacket p(l2tp_packet(33, kPrivate, kLocal, with_checksum));
        EXPECT_EQ(esp_encrypt(engine, out, p.buf), EspResult::ok);
        put32(p.buf.data + 12, kNatPublic);  // the NAT rewrites the outer source
        ipv4_set_checksum(p.buf.data, 20);
        EXPECT_EQ(esp_decrypt(engine, in, p.buf), EspResult::ok);
        return p.bytes();
    }
    FixedIvSource ivs;
    EspEngine engine{test_mgr(), &ivs};
};

TEST_F(NattTransport, UdpChecksumZeroedWithoutNatOa) {
    SaConfig c = sa_config(EspCipher::aes_gcm_128, EspIntegrity::none, SaDirection::inbound,
                           SaMode::transport, true);
    Bytes got = decrypt_from_nat(c, true);
    EXPECT_EQ(get32(&got[12]), kNatPublic);
    EXPECT_EQ(get16(&got[26]), 0);
}

TEST_F(NattTransport, UdpChecksumRepairedWithNatOa) {
    SaConfig c = sa_config(EspCipher::aes_cbc_128, EspIntegrity::hmac_sha1_96, SaDirection::inbound,
                           SaMode::transport, true);
    c.natt_orig_src = kPrivate;
    c.natt_orig_dst = kLocal;
    Bytes got = decrypt_from_nat(c, true);
    ASSERT_NE(get16(&got[26]), 0);
    EXPECT_EQ(l4_checksum(kNatPublic, kLocal, kIpProtoUdp, &got[20], got.size() - 20), 0);
}

TEST_F(NattTransport, NoUdpChecksumLeftAlone) {
    SaConfig c = sa_config(EspCipher::aes_gcm_128, EspIntegrity::none, SaDirection::inbound,
                           SaMode::transport, true);
    c.natt_orig_src = kPrivate;
    c.natt_orig_dst = kLocal;
    Bytes got = decrypt_from_nat(c, false);
    EXPECT_EQ(get16(&got[26]), 0);
}

}  // namespace
}  // namespace lns::crypto::test
