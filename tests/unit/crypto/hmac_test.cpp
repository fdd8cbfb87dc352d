// HMAC key preparation (crypto/hmac.hpp) against RFC 2202 (HMAC-SHA1) and
// RFC 4231 (HMAC-SHA-256) test cases, through IPsec-MB's job API as the
// ESP engine uses it.  Keys longer than a block exercise the hash-first rule.
#include <gtest/gtest.h>

#include <string>

#include "crypto/hmac.hpp"
#include "esp_fixture.hpp"

namespace lns::crypto::test {
namespace {

struct HmacCase {
    const char *name;
    Bytes key;
    Bytes data;
    const char *tag;  // hex; shorter than the digest = truncated tag
};

Bytes str(const char *s) {
    return Bytes(s, s + std::strlen(s));
}
Bytes rep(uint8_t b, size_t n) {
    return Bytes(n, b);
}
Bytes seq25() {
    Bytes k;
    for (uint8_t i = 1; i <= 25; i++) k.push_back(i);
    return k;
}

void run(HmacHash h, const HmacCase &c) {
    SCOPED_TRACE(c.name);
    HmacKey key;
    hmac_prepare(test_mgr(), h, c.key.data(), c.key.size(), &key);
    Bytes want = hex(c.tag);
    uint8_t tag[32] = {};
    ASSERT_TRUE(hmac_compute(test_mgr(), h, key, c.data.data(), c.data.size(), tag, want.size()));
    EXPECT_EQ(to_hex(tag, want.size()), c.tag);
}

TEST(CryptoHmac, Rfc2202Sha1) {
    const HmacCase cases[] = {
        {"2202 case 1", rep(0x0b, 20), str("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00"},
        {"2202 case 2", str("Jefe"), str("what do ya want for nothing?"),
         "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {"2202 case 3", rep(0xaa, 20), rep(0xdd, 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
        {"2202 case 4", seq25(), rep(0xcd, 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
        {"2202 case 6", rep(0xaa, 80),
         str("Test Using Larger Than Block-Size Key - Hash Key First"),
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
        {"2202 case 7", rep(0xaa, 80),
         str("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
         "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
        // HMAC-SHA1-96 (RFC 2404 §2): the first 96 bits of case 2.
        {"2202 case 2, 96 bits", str("Jefe"), str("what do ya want for nothing?"),
         "effcdf6ae5eb2fa2d27416d5"},
    };
    for (const auto &c : cases) run(HmacHash::sha1, c);
}

TEST(CryptoHmac, Rfc4231Sha256) {
    const HmacCase cases[] = {
        {"4231 case 1", rep(0x0b, 20), str("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4231 case 2", str("Jefe"), str("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"4231 case 3", rep(0xaa, 20), rep(0xdd, 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"4231 case 4", seq25(), rep(0xcd, 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"4231 case 5 (128-bit truncation)", rep(0x0c, 20), str("Test With Truncation"),
         "a3b6167473100ee06e0c796c2955552b"},
        {"4231 case 6", rep(0xaa, 131),
         str("Test Using Larger Than Block-Size Key - Hash Key First"),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"4231 case 7", rep(0xaa, 131),
         str("This is a test using a larger than block-size key and a larger than block-size "
             "data. The key needs to be hashed before being used by the HMAC algorithm."),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (const auto &c : cases) run(HmacHash::sha256, c);
}

TEST(CryptoHmac, ManagerReportsArchitecture) {
    ImbManager mgr;
    ASSERT_TRUE(mgr.ok());
    EXPECT_STRNE(mgr.arch_name(), "none");
}

}  // namespace
}  // namespace lns::crypto::test
