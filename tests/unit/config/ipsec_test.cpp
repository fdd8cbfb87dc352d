// The ipsec section: every key, defaults, and each error with its path, line
// and column.
#include <gtest/gtest.h>

#include <string>

#include "config/load.hpp"
#include "tests/unit/config/config_fixture.hpp"

namespace lns::cfg {
namespace {

using test::expect_error;
using test::expect_ok;
using test::kBase;
using test::with;

// Two inbound and two outbound SAs on access0 (203.0.113.1).
const std::string kSas = R"(ipsec:
  replay_window: 256
  sas:
    - name: lac1-out
      direction: outbound
      spi: 0xc0000201
      mode: tunnel
      local: 203.0.113.1
      peer: 198.51.100.10
      cipher: aes-gcm-256
      integrity: none
      key: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 01020304"
      lac: 192.0.2.0/24
    - name: lac1-in
      direction: inbound
      spi: 0xc0000101
      mode: tunnel
      local: 203.0.113.1
      peer: 198.51.100.10
      cipher: aes-gcm-256
      integrity: none
      key: "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:0a:0b:0c:0d"
      esn: true
      replay_window: 4096
      natt: { local_port: 4500, peer_port: 61000 }
      lifetime: { soft_bytes: 1000, hard_bytes: 2000, soft_packets: 10, hard_packets: 20 }
      reply_sa: lac1-out
    - name: cbc-in
      direction: inbound
      spi: 3221225985
      mode: transport
      local: 203.0.113.1
      peer: 203.0.113.2
      cipher: aes-cbc-128
      integrity: hmac-sha1-96
      key: "000102030405060708090a0b0c0d0e0f"
      auth_key: "000102030405060708090a0b0c0d0e0f10111213"
    - name: des-out
      direction: outbound
      spi: 0x300
      mode: transport
      local: 203.0.113.1
      peer: 203.0.113.2
      cipher: 3des-cbc
      integrity: hmac-sha256-128
      key: "000102030405060708090a0b0c0d0e0f1011121314151617"
      auth_key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
)";

std::string cfg(const std::string &sas = kSas) {
    return kBase + sas;
}

TEST(ConfigIpsec, EveryKey) {
    Config c = expect_ok(cfg());
    ASSERT_EQ(c.ipsec.sas.size(), 4u);
    EXPECT_EQ(c.ipsec.replay_window, 256u);
    const IpsecSaConfig &out = c.ipsec.sas[0];
    EXPECT_FALSE(out.inbound);
    EXPECT_TRUE(out.tunnel);
    EXPECT_EQ(out.spi, 0xc0000201u);
    EXPECT_EQ(out.cipher, IpsecCipher::aes_gcm_256);
    EXPECT_EQ(out.key.size(), 32u);  // the salt split off
    EXPECT_EQ(out.salt, (std::array<uint8_t, 4>{1, 2, 3, 4}));
    ASSERT_TRUE(out.lac.has_value());
    EXPECT_EQ(out.lac->addr, 0xc0000200u);
    EXPECT_EQ(out.lac->len, 24);
    EXPECT_EQ(out.port, 0);
    const IpsecSaConfig &in = c.ipsec.sas[1];
    EXPECT_TRUE(in.inbound);
    EXPECT_EQ(in.local, 0xcb007101u);
    EXPECT_EQ(in.peer, 0xc633640au);
    EXPECT_EQ(in.salt, (std::array<uint8_t, 4>{0x0a, 0x0b, 0x0c, 0x0d}));
    EXPECT_TRUE(in.esn);
    EXPECT_EQ(in.replay_window, 4096u);
    EXPECT_TRUE(in.natt);
    EXPECT_EQ(in.natt_peer_port, 61000);
    EXPECT_EQ(in.soft_bytes, 1000u);
    EXPECT_EQ(in.hard_packets, 20u);
    EXPECT_EQ(in.reply_index, 0);
    const IpsecSaConfig &cbc = c.ipsec.sas[2];
    EXPECT_EQ(cbc.spi, 3221225985u);
    EXPECT_EQ(cbc.replay_window, 256u);  // the section default
    EXPECT_EQ(cbc.integrity, IpsecIntegrity::hmac_sha1_96);
    EXPECT_EQ(cbc.auth_key.size(), 20u);
    EXPECT_FALSE(cbc.natt);
    EXPECT_EQ(cbc.reply_index, -1);
    EXPECT_EQ(c.ipsec.sas[3].cipher, IpsecCipher::des3_cbc);
    EXPECT_EQ(c.ipsec.sas[3].key.size(), 24u);
}

TEST(ConfigIpsec, NattDefaultsAndAbsentSection) {
    Config c =
        expect_ok(cfg(with(kSas, "natt: { local_port: 4500, peer_port: 61000 }", "natt: {}")));
    EXPECT_TRUE(c.ipsec.sas[1].natt);
    EXPECT_EQ(c.ipsec.sas[1].natt_peer_port, 4500);
    Config none = expect_ok(kBase);
    EXPECT_TRUE(none.ipsec.sas.empty());
    EXPECT_EQ(none.ipsec.replay_window, 64u);
}

TEST(ConfigIpsec, DuplicateName) {
    const std::string y = cfg(with(kSas, "name: cbc-in", "name: lac1-in"));
    expect_error(y, "lac1-in\n      direction: inbound\n      spi: 3221225985", "ipsec.sas[2].name",
                 "duplicate SA name 'lac1-in' (also ipsec.sas[1])");
}

TEST(ConfigIpsec, DuplicateInboundSpiOnOneAddress) {
    const std::string y = cfg(with(kSas, "spi: 3221225985", "spi: 0xc0000101"));
    expect_error(y, "0xc0000101\n      mode: transport", "ipsec.sas[2].spi",
                 "is already used by ipsec.sas[1]");
}

TEST(ConfigIpsec, SameSpiOutboundIsFine) {
    expect_ok(cfg(with(kSas, "spi: 0x300", "spi: 0xc0000101")));
}

TEST(ConfigIpsec, ReservedAndMalformedSpi) {
    expect_error(cfg(with(kSas, "spi: 0x300", "spi: 255")), "255", "ipsec.sas[3].spi", "reserved");
    expect_error(cfg(with(kSas, "spi: 0x300", "spi: 0x1ffffffff")), "0x1ffffffff",
                 "ipsec.sas[3].spi", "expected an SPI");
    expect_error(cfg(with(kSas, "spi: 0x300", "spi: \"768\"")), "\"768\"", "ipsec.sas[3].spi",
                 "expected an SPI");
}

TEST(ConfigIpsec, UnknownReplySa) {
    const std::string y = cfg(with(kSas, "reply_sa: lac1-out", "reply_sa: lac9-out"));
    expect_error(y, "lac9-out", "ipsec.sas[1].reply_sa", "unknown SA 'lac9-out'");
}

TEST(ConfigIpsec, ReplySaMustBeOutbound) {
    const std::string y = cfg(with(kSas, "reply_sa: lac1-out", "reply_sa: cbc-in"));
    expect_error(y, "reply_sa: |cbc-in", "ipsec.sas[1].reply_sa",
                 "reply_sa must be an outbound SA");
}

TEST(ConfigIpsec, GcmKeyLength) {
    // 32 bytes: an AES-256 key without its salt.
    const std::string y = cfg(with(kSas, " 01020304\"", "\""));
    expect_error(y, "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"",
                 "ipsec.sas[0].key",
                 "aes-gcm-256 needs 36 key bytes (key and 4-byte salt), got 32");
}

TEST(ConfigIpsec, CbcKeyAndAuthKeyLength) {
    expect_error(cfg(with(kSas, "\"000102030405060708090a0b0c0d0e0f\"", "\"000102\"")),
                 "\"000102\"", "ipsec.sas[2].key", "aes-cbc-128 needs 16 key bytes, got 3");
    expect_error(cfg(with(kSas, "\"000102030405060708090a0b0c0d0e0f10111213\"", "\"0001\"")),
                 "\"0001\"", "ipsec.sas[2].auth_key", "hmac-sha1-96 needs 20 key bytes, got 2");
}

TEST(ConfigIpsec, CbcWithoutIntegrityRejected) {
    const std::string y = cfg(with(kSas, "integrity: hmac-sha1-96", "integrity: none"));
    expect_error(y, "none\n      key: \"000102030405060708090a0b0c0d0e0f\"",
                 "ipsec.sas[2].integrity", "aes-cbc-128 without integrity is not allowed");
}

TEST(ConfigIpsec, GcmWithIntegrityRejected) {
    const std::string y =
        cfg(with(kSas, "cipher: aes-gcm-256\n      integrity: none\n      key: \"0011",
                 "cipher: aes-gcm-256\n      integrity: hmac-sha1-96\n      key: \"0011"));
    expect_error(y, "hmac-sha1-96\n      key: \"0011", "ipsec.sas[0].integrity",
                 "integrity must be none");
}

TEST(ConfigIpsec, MissingAuthKey) {
    const std::string y =
        cfg(with(kSas, "\n      auth_key: \"000102030405060708090a0b0c0d0e0f10111213\"", ""));
    expect_error(y, "name: cbc-in", "ipsec.sas[2]", "missing key 'auth_key'");
}

TEST(ConfigIpsec, BadHex) {
    expect_error(cfg(with(kSas, "\"000102030405060708090a0b0c0d0e0f\"",
                          "\"00010203040506070809zz0b0c0d0e0f\"")),
                 "\"00010203040506070809zz0b0c0d0e0f\"", "ipsec.sas[2].key", "found 'z'");
}

TEST(ConfigIpsec, LocalMustBeAnAccessPortAddress) {
    // 198.51.100.1 is core0's address.
    const std::string y =
        cfg(with(kSas, "local: 203.0.113.1\n      peer: 203.0.113.2\n      cipher: 3des",
                 "local: 198.51.100.1\n      peer: 203.0.113.2\n      cipher: 3des"));
    expect_error(y, "198.51.100.1\n      peer: 203.0.113.2\n      cipher: 3des",
                 "ipsec.sas[3].local", "198.51.100.1 is not the address of an access port");
}

TEST(ConfigIpsec, ReplayWindowBounds) {
    expect_error(cfg(with(kSas, "replay_window: 4096", "replay_window: 32")), "replay_window: |32",
                 "ipsec.sas[1].replay_window", "must be 0 (off) or between 64 and 4096");
    expect_error(cfg(with(kSas, "replay_window: 4096", "replay_window: 8192")),
                 "replay_window: |8192", "ipsec.sas[1].replay_window",
                 "must be between 0 and 4096, got 8192");
    expect_error(cfg(with(kSas, "  replay_window: 256", "  replay_window: 10")),
                 "  replay_window: |10", "ipsec.replay_window",
                 "must be 0 (off) or between 64 and 4096");
    expect_ok(cfg(with(kSas, "replay_window: 4096", "replay_window: 0")));
}

TEST(ConfigIpsec, DirectionSpecificKeys) {
    expect_error(cfg(with(kSas, "      lac: 192.0.2.0/24\n",
                          "      lac: 192.0.2.0/24\n      reply_sa: cbc-in\n")),
                 "cbc-in\n    - name: lac1-in", "ipsec.sas[0].reply_sa",
                 "only inbound SAs have a reply_sa");
    expect_error(cfg(with(kSas, "      reply_sa: lac1-out\n",
                          "      reply_sa: lac1-out\n      lac: 192.0.2.1\n")),
                 "192.0.2.1\n", "ipsec.sas[1].lac", "only outbound SAs select LACs");
}

TEST(ConfigIpsec, UnknownKeyAndBadChoices) {
    expect_error(cfg(with(kSas, "      esn: true\n", "      esn: true\n      pfs: true\n")), "pfs",
                 "ipsec.sas[1].pfs", "unknown key 'pfs'");
    expect_error(cfg(with(kSas, "cipher: 3des-cbc", "cipher: des-cbc")), "cipher: |des-cbc",
                 "ipsec.sas[3].cipher", "must be one of");
    expect_error(cfg(with(kSas, "direction: outbound\n      spi: 0x300",
                          "direction: out\n      spi: 0x300")),
                 "out\n      spi: 0x300", "ipsec.sas[3].direction", "must be one of");
}

TEST(ConfigIpsec, SoftLimitBelowHard) {
    const std::string y = cfg(with(kSas, "soft_packets: 10", "soft_packets: 20"));
    expect_error(y, "20, hard_packets", "ipsec.sas[1].lifetime.soft_packets",
                 "must be below the hard limit (20)");
}

TEST(ConfigIpsec, MaxSas) {
    const std::string y =
        cfg(with(kSas, "  replay_window: 256\n", "  replay_window: 256\n  max_sas: 3\n"));
    expect_error(y, "- name: lac1-out", "ipsec.sas", "4 SAs exceed ipsec.max_sas (3)");
}

}  // namespace
}  // namespace lns::cfg
