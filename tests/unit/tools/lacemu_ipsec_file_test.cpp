// lns-lac-emu's --ipsec file (tools/lac-emu/ipsec_file.hpp): what a client line
// becomes, and each error with its file, line and key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/sa.hpp"
#include "tools/lac-emu/ipsec_file.hpp"

namespace lns::lacemu {
namespace {

using crypto::EspCipher;
using crypto::EspIntegrity;

const std::string kGcm =
    "client port=40001 cipher=aes-gcm-128 out_spi=0xc0000101 "
    "out_key=000102030405060708090a0b0c0d0e0fa1a2a3a4 in_spi=3221225985 "
    "in_key=101112131415161718191a1b1c1d1e1fb1b2b3b4";
// Concatenation without `"literal" + std::string&&`, which GCC 12's
// -Wrestrict misreads at -O2.
template <class... A>
std::string cat(const A &...a) {
    std::string s;
    ((s += a), ...);
    return s;
}

const std::string kCbc =
    cat("client port=40004 cipher=aes-cbc-256 integrity=hmac-sha256-128 out_spi=0x1000 out_key=",
        std::string(64, 'a'), " in_spi=0x1001 in_key=", std::string(64, 'b'),
        " out_auth_key=", std::string(64, 'c'), " in_auth_key=", std::string(64, 'd'),
        " esn=1 replay_window=1024 l2tp_port=1702");

std::string error_of(const std::string &text) {
    std::vector<EspClientConfig> out;
    std::string error;
    EXPECT_FALSE(parse_ipsec_text(text, "f.ipsec", out, &error)) << text;
    return error;
}

TEST(LacEmuIpsecFile, GcmClientSplitsKeyAndSalt) {
    std::vector<EspClientConfig> out;
    std::string error;
    ASSERT_TRUE(parse_ipsec_text(cat("# two clients\n", kGcm, "\n\n", kCbc, "  # comment\n"),
                                 "f.ipsec", out, &error))
        << error;
    ASSERT_EQ(out.size(), 2u);
    const EspClientConfig &g = out[0];
    EXPECT_EQ(g.port, 40001);
    EXPECT_EQ(g.line, 2u);
    EXPECT_EQ(g.out.spi, 0xc0000101u);
    EXPECT_EQ(g.in.spi, 0xc0000201u);
    EXPECT_EQ(g.out.direction, crypto::SaDirection::outbound);
    EXPECT_EQ(g.in.direction, crypto::SaDirection::inbound);
    EXPECT_EQ(g.out.mode, crypto::SaMode::transport);
    EXPECT_EQ(g.out.cipher, EspCipher::aes_gcm_128);
    EXPECT_EQ(g.out.cipher_key_len, 16);
    EXPECT_EQ(g.out.cipher_key[15], 0x0f);
    EXPECT_EQ(g.out.salt[0], 0xa1);
    EXPECT_EQ(g.out.salt[3], 0xa4);
    EXPECT_EQ(g.in.salt[3], 0xb4);
    EXPECT_EQ(g.in.replay_window, 64u);
    EXPECT_EQ(g.l2tp_port, 0);  // the emulator's --local-port

    const EspClientConfig &c = out[1];
    EXPECT_EQ(c.line, 4u);
    EXPECT_EQ(c.in.cipher, EspCipher::aes_cbc_256);
    EXPECT_EQ(c.in.integrity, EspIntegrity::hmac_sha256_128);
    EXPECT_EQ(c.out.cipher_key_len, 32);
    EXPECT_EQ(c.out.auth_key_len, 32);
    EXPECT_EQ(c.in.auth_key[0], 0xdd);
    EXPECT_TRUE(c.out.esn && c.in.esn);
    EXPECT_EQ(c.in.replay_window, 1024u);
    EXPECT_EQ(c.l2tp_port, 1702);

    crypto::ImbManager mgr;  // the engine takes what the parser gives
    for (const EspClientConfig &e : out) {
        crypto::Sa o, i;
        EXPECT_EQ(o.init(e.out, mgr.get()), crypto::SaError::ok);
        EXPECT_EQ(i.init(e.in, mgr.get()), crypto::SaError::ok);
    }
}

TEST(LacEmuIpsecFile, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(error_of(cat("\n", kGcm.substr(0, kGcm.find(" in_key")))),
              "f.ipsec:2: missing in_key");
    EXPECT_EQ(error_of("server port=1"), "f.ipsec:1: unknown directive 'server' (want 'client')");
    EXPECT_EQ(error_of(kGcm + " colour=blue"), "f.ipsec:1: unknown key 'colour'");
    EXPECT_EQ(error_of(kGcm + " port=2"), "f.ipsec:1: 'port' given twice");
    EXPECT_EQ(error_of(cat(kGcm, "\n", kGcm)), "f.ipsec:2: port 40001 used by another client");
    EXPECT_NE(error_of(cat(kGcm.substr(0, kGcm.find("a1a2a3a4")), " in_spi=300 in_key=00"))
                  .find("f.ipsec:1: out_key wants 20 bytes (key then 4-byte salt), got 16"),
              std::string::npos);
    EXPECT_EQ(error_of(cat("client port=1 cipher=aes-cbc-128 out_spi=256 out_key=",
                           std::string(32, '0'), " in_spi=257 in_key=", std::string(32, '0'))),
              "f.ipsec:1: cipher aes-cbc-128 needs an integrity algorithm");
    EXPECT_EQ(error_of(kGcm + " integrity=hmac-sha1-96"),
              "f.ipsec:1: AES-GCM has its own integrity: integrity must be none");
    EXPECT_EQ(error_of("client port=0"), "f.ipsec:1: bad port '0': want a UDP port 1..65535");
    EXPECT_EQ(error_of("client out_spi=255"),
              "f.ipsec:1: bad out_spi '255': want 256..4294967295 (RFC 4303 §2.1 reserves 1..255)");
    EXPECT_EQ(error_of("client replay_window=32"),
              "f.ipsec:1: bad replay_window '32': want 0 (off) or 64..4096");
    EXPECT_EQ(error_of("client out_key=xyz"), "f.ipsec:1: bad out_key 'xyz': want hex bytes");
    EXPECT_EQ(error_of("# nothing\n"), "f.ipsec: no client lines");
}

}  // namespace
}  // namespace lns::lacemu
