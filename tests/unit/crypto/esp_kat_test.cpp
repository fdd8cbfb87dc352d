// Known-answer tests for ESP with published packets:
//  - AES-GCM ESP packets of draft-mcgrew-gcm-test-01 (the RFC 4106 test
//    vectors: key, salt, SPI, sequence number incl. ESN, IV, ciphertext, ICV);
//  - AES-CBC ESP packets of RFC 3602 §4 cases 5 to 8 (transport and tunnel
//    mode, no authentication), both directions: lnsd reproduces the published
//    ciphertext byte for byte when given the published IV.
#include <gtest/gtest.h>

#include "esp_fixture.hpp"

namespace lns::crypto::test {
namespace {

struct GcmVector {
    const char *name;
    const char *key;
    const char *salt;
    uint32_t spi;
    uint64_t seq;  // full sequence number; > 2^32 means ESN
    bool esn;
    const char *iv;
    const char *plaintext;  // payload + padding + pad length + next header
    const char *ciphertext_and_icv;
};

const GcmVector kGcm[] = {
    {"gcm-test-01 2.1 (AES-128, ESN)", "4c80cdefbb5d10da906ac73c3613a634", "2e443b68", 0x4321,
     0x8765432100000000ull, true, "4956ed7e3b244cfe",
     "45000048699a000080114db7c0a80102c0a801010a9bf15638d301000001000000000000045f736970045f7564"
     "70037369700963796265726369747902646b000021000101020201",
     "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34cfa2436f14a3f3cf65925bf1f4"
     "a13c5d15b21e1884f5ff6247aeabb786b93bce61bc17d768fd9732459018148f6cbe722fd04796562dfdb4"},
    {"gcm-test-01 (AES-256)", "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
     "11223344", 0x4a2cbfe3, 2, false, "0102030405060708",
     "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf0000020405b401"
     "01040201020201",
     "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763748a637985771d347f0545659f"
     "14e99def842d8eb335f4eecfdbf831824b4c4915956c96"},
    {"gcm-test-01 (AES-256, ESN 2^64 - 1)",
     "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961", "7475726e", 0x796b6963,
     0xffffffffffffffffull, true, "333021696765746d",
     "45000030da3a00008001df3bc0a80005c0a800010800c6cd020007006162636465666768696a6b6c6d6e6f7071"
     "72737401020201",
     "f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a864cd3d78ca4ae68a32b42458fb5"
     "7dbe821dcc63b9d0937ba2945f669368661a329fb4c053"},
};

TEST(CryptoEspKat, GcmDraftVectorsDecrypt) {
    FixedIvSource ivs;
    EspEngine engine(test_mgr(), &ivs);
    for (const auto &v : kGcm) {
        SCOPED_TRACE(v.name);
        Bytes key = hex(v.key), salt = hex(v.salt);
        SaConfig cfg;
        cfg.spi = v.spi;
        cfg.direction = SaDirection::inbound;
        cfg.cipher = key.size() == 16 ? EspCipher::aes_gcm_128 : EspCipher::aes_gcm_256;
        cfg.cipher_key_len = uint8_t(key.size());
        std::memcpy(cfg.cipher_key, key.data(), key.size());
        std::memcpy(cfg.salt, salt.data(), 4);
        cfg.esn = v.esn;
        Sa sa;
        ASSERT_EQ(sa.init(cfg, test_mgr()), SaError::ok);
        if (v.seq > 40) sa.window().reset(v.seq - 5);  // the receiver has seen packets up to here

        Bytes esp(8);
        put32(&esp[0], v.spi);
        put32(&esp[4], uint32_t(v.seq));
        Bytes iv = hex(v.iv), ct = hex(v.ciphertext_and_icv);
        esp.insert(esp.end(), iv.begin(), iv.end());
        esp.insert(esp.end(), ct.begin(), ct.end());
        TestPacket pkt(ipv4(kPeer, kLocal, kIpProtoEsp, esp));
        uint8_t nh = 0;
        ASSERT_EQ(esp_decrypt(engine, sa, pkt.buf, &nh), EspResult::ok);
        pkt.check_bounds();

        // Transport mode: the outer header now carries the decrypted payload.
        Bytes pt = hex(v.plaintext);
        const uint8_t pad = pt[pt.size() - 2];
        EXPECT_EQ(nh, pt.back());
        Bytes payload(pt.begin(), pt.end() - 2 - pad);
        Bytes want = ipv4(kPeer, kLocal, nh, payload);
        EXPECT_EQ(to_hex(pkt.buf.data, pkt.buf.len), to_hex(want.data(), want.size()));
        EXPECT_EQ(sa.window().top(), v.seq);
        EXPECT_EQ(sa.counters().packets, 1u);
        EXPECT_EQ(sa.counters().bytes, payload.size());

        // The same packet again is a replay.
        TestPacket again(ipv4(kPeer, kLocal, kIpProtoEsp, esp));
        EXPECT_EQ(esp_decrypt(engine, sa, again.buf), EspResult::replay_duplicate);
    }
}

struct CbcVector {
    const char *name;
    const char *key;
    SaMode mode;
    const char *payload;  // transport: the upper-layer data (ICMP); tunnel: the inner packet
    const char *esp;      // SPI, sequence number, IV, ciphertext
};

// RFC 3602 §4, cases 5-8: ICMP echo in transport mode (next header 1) and
// IPv4 in tunnel mode (next header 4), SPIs 0x4321 and 0x8765.
const CbcVector kCbc[] = {
    {"RFC 3602 case 5", "90d382b410eeba7ad938c46cec1a82bf", SaMode::transport,
     "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324"
     "25262728292a2b2c2d2e2f3031323334353637",
     "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6a9453e194e120849a4870b66cc"
     "6b9965330013b4898dc856a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c538ab50c551b874aa269"
     "add047ad2d5913ac19b7cfbad4a6"},
    {"RFC 3602 case 6", "90d382b410eeba7ad938c46cec1a82bf", SaMode::transport,
     "0800b5e8a80a0500a69c083d0b660e00777777777777777777777777",
     "000043210000000869d08df7d203329db093fc4924e5bd80f51995881ec4e0c4488987ce742e8109689bb379d2"
     "d750c0d915dca346a89f75"},
    {"RFC 3602 case 7", "0123456789abcdef0123456789abcdef", SaMode::tunnel,
     "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b0c0d0e0f10"
     "1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
     "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241a4c449225e4f3ce5ed611b0c237ca96cf7"
     "4a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b859243c647752e94a859352b8a4d4d2decd136e5c177"
     "f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d"},
    {"RFC 3602 case 8", "0123456789abcdef0123456789abcdef", SaMode::tunnel,
     "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083da3de0300ffffffffffffffffff"
     "ffffffffffffffffffffffffffffffffffffffffffffff",
     "000087650000000585d47224b5f3dd5d2101d4ea8dffab2215b92683819596a8047232cc00f7048fe45318e11f"
     "8a0f62ede3c3fc61203bb50f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de435e7207ed971ef3d272"
     "6d9b5ef6affc6d17a0decbb13892"},
};

SaConfig cbc_config(const CbcVector &v, SaDirection dir, uint32_t spi) {
    SaConfig cfg =
        sa_config(EspCipher::aes_cbc_128, EspIntegrity::none, dir, v.mode, false, false, spi);
    Bytes key = hex(v.key);
    std::memcpy(cfg.cipher_key, key.data(), 16);
    return cfg;
}

TEST(CryptoEspKat, Rfc3602CasesDecrypt) {
    FixedIvSource ivs;
    EspEngine engine(test_mgr(), &ivs);
    for (const auto &v : kCbc) {
        SCOPED_TRACE(v.name);
        Bytes esp = hex(v.esp), payload = hex(v.payload);
        Sa sa;
        ASSERT_EQ(sa.init(cbc_config(v, SaDirection::inbound, get32(&esp[0])), test_mgr()),
                  SaError::ok);
        TestPacket pkt(ipv4(kPeer, kLocal, kIpProtoEsp, esp));
        uint8_t nh = 0;
        ASSERT_EQ(esp_decrypt(engine, sa, pkt.buf, &nh), EspResult::ok);
        pkt.check_bounds();
        Bytes want = v.mode == SaMode::tunnel ? payload : ipv4(kPeer, kLocal, 1, payload);
        EXPECT_EQ(nh, v.mode == SaMode::tunnel ? 4 : 1);
        EXPECT_EQ(to_hex(pkt.buf.data, pkt.buf.len), to_hex(want.data(), want.size()));
    }
}

TEST(CryptoEspKat, Rfc3602CasesEncrypt) {
    for (const auto &v : kCbc) {
        SCOPED_TRACE(v.name);
        Bytes esp = hex(v.esp), payload = hex(v.payload);
        FixedIvSource ivs;
        ivs.push(Bytes(esp.begin() + 8, esp.begin() + 24));  // the published IV
        EspEngine engine(test_mgr(), &ivs);
        Sa sa;
        ASSERT_EQ(sa.init(cbc_config(v, SaDirection::outbound, get32(&esp[0])), test_mgr()),
                  SaError::ok);
        sa.set_last_seq(get32(&esp[4]) - 1);
        Bytes inner = v.mode == SaMode::tunnel ? payload : ipv4(kLocal, kPeer, 1, payload);
        TestPacket pkt(inner);
        ASSERT_EQ(esp_encrypt(engine, sa, pkt.buf), EspResult::ok);
        pkt.check_bounds();
        ASSERT_EQ(pkt.buf.len, 20 + esp.size());
        EXPECT_EQ(to_hex(pkt.buf.data + 20, esp.size()), to_hex(esp.data(), esp.size()));
        EXPECT_EQ(pkt.buf.data[9], kIpProtoEsp);
        EXPECT_EQ(csum_fold(csum_add(0, pkt.buf.data, 20)), 0);  // header checksum valid
        EXPECT_EQ(get32(pkt.buf.data + 12), kLocal);
        EXPECT_EQ(get32(pkt.buf.data + 16), kPeer);
    }
}

}  // namespace
}  // namespace lns::crypto::test
