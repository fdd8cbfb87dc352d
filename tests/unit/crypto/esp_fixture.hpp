// Shared helpers for the crypto unit tests: hex, packet builders, buffers with
// head- and tailroom, a fixed IV source, SA configurations.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "crypto/bytes.hpp"
#include "crypto/esp.hpp"
#include "crypto/imb.hpp"
#include "crypto/iv_source.hpp"
#include "crypto/sa.hpp"

namespace lns::crypto::test {

using Bytes = std::vector<uint8_t>;

inline Bytes hex(const std::string &s) {
    Bytes out;
    for (size_t i = 0; i + 1 < s.size(); i += 2)
        out.push_back(uint8_t(std::stoul(s.substr(i, 2), nullptr, 16)));
    return out;
}

inline std::string to_hex(const uint8_t *p, size_t n) {
    static const char *d = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; i++) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

// The manager all tests share (made once; IPsec-MB managers are not cheap).
inline IMB_MGR *test_mgr() {
    static ImbManager mgr;
    return mgr.get();
}

// IVs the test chose: queued byte strings, then a counter pattern.
class FixedIvSource final : public IvSource {
public:
    void push(const Bytes &iv) { queue_.push_back(iv); }
    void fill(uint8_t *out, size_t len) override {
        if (!queue_.empty()) {
            Bytes iv = queue_.front();
            queue_.pop_front();
            for (size_t i = 0; i < len; i++) out[i] = i < iv.size() ? iv[i] : 0;
            return;
        }
        for (size_t i = 0; i < len; i++) out[i] = uint8_t(counter_ + i);
        counter_++;
    }

private:
    std::deque<Bytes> queue_;
    uint8_t counter_ = 0x40;
};

// A packet in a buffer with room on both sides, as an mbuf would have.
struct TestPacket {
    static constexpr size_t kHead = 128;
    static constexpr size_t kTail = 128;
    std::vector<uint8_t> mem;
    EspBuf buf;

    explicit TestPacket(const Bytes &pkt, size_t head = kHead, size_t tail = kTail)
        : mem(head + pkt.size() + tail, 0xee) {
        if (!pkt.empty()) std::memcpy(mem.data() + head, pkt.data(), pkt.size());
        buf.data = mem.data() + head;
        buf.len = uint32_t(pkt.size());
        buf.headroom = uint32_t(head);
        buf.tailroom = uint32_t(tail);
    }
    Bytes bytes() const { return Bytes(buf.data, buf.data + buf.len); }
    // The buffer invariants every operation keeps.
    void check_bounds() const {
        EXPECT_EQ(size_t(buf.data - mem.data()), buf.headroom);
        EXPECT_EQ(buf.headroom + buf.len + buf.tailroom, mem.size());
    }
};

constexpr uint32_t kLocal = 0xc6336401;      // 198.51.100.1 (lnsd)
constexpr uint32_t kPeer = 0xcb007102;       // 203.0.113.2
constexpr uint32_t kNatPublic = 0xcb007163;  // 203.0.113.99: the peer after its NAT
constexpr uint32_t kPrivate = 0x0a000002;    // 10.0.0.2: the peer behind its NAT

// IPv4 header (20 bytes, checksum set) + payload.
inline Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes &payload,
                  uint16_t id = 0x1234) {
    Bytes p(20 + payload.size());
    p[0] = 0x45;
    put16(&p[2], uint16_t(p.size()));
    put16(&p[4], id);
    p[8] = 64;
    p[9] = proto;
    put32(&p[12], src);
    put32(&p[16], dst);
    ipv4_set_checksum(p.data(), 20);
    if (!payload.empty()) std::memcpy(p.data() + 20, payload.data(), payload.size());
    return p;
}

// UDP header + payload, checksum computed for src/dst (0 if !with_checksum).
inline Bytes udp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const Bytes &payload,
                 bool with_checksum = true) {
    Bytes u(8 + payload.size());
    put16(&u[0], sport);
    put16(&u[2], dport);
    put16(&u[4], uint16_t(u.size()));
    if (!payload.empty()) std::memcpy(u.data() + 8, payload.data(), payload.size());
    if (with_checksum) {
        uint16_t c = l4_checksum(src, dst, kIpProtoUdp, u.data(), u.size());
        put16(&u[6], c ? c : 0xffff);
    }
    return u;
}

// An L2TP-over-UDP packet from the peer (transport-mode payload), n payload bytes.
inline Bytes l2tp_packet(size_t n, uint32_t src = kPeer, uint32_t dst = kLocal,
                         bool with_checksum = false) {
    Bytes payload(n);
    for (size_t i = 0; i < n; i++) payload[i] = uint8_t(i * 7 + 3);
    if (n >= 2) payload[0] = 0x02, payload[1] = 0x02;  // L2TPv2 data header start
    return ipv4(src, dst, kIpProtoUdp, udp(src, dst, 1701, 1701, payload, with_checksum));
}

inline uint8_t key_len_of(EspCipher c) {
    switch (c) {
        case EspCipher::aes_gcm_128:
        case EspCipher::aes_cbc_128:
            return 16;
        case EspCipher::des3_cbc:
            return 24;
        default:
            return 32;
    }
}

struct Suite {
    EspCipher cipher;
    EspIntegrity integrity;
    const char *name;
};

inline const Suite kSuites[] = {
    {EspCipher::aes_gcm_128, EspIntegrity::none, "aes_gcm_128"},
    {EspCipher::aes_gcm_256, EspIntegrity::none, "aes_gcm_256"},
    {EspCipher::aes_cbc_128, EspIntegrity::hmac_sha1_96, "aes_cbc_128_sha1"},
    {EspCipher::aes_cbc_256, EspIntegrity::hmac_sha1_96, "aes_cbc_256_sha1"},
    {EspCipher::aes_cbc_128, EspIntegrity::hmac_sha256_128, "aes_cbc_128_sha256"},
    {EspCipher::aes_cbc_256, EspIntegrity::hmac_sha256_128, "aes_cbc_256_sha256"},
    {EspCipher::des3_cbc, EspIntegrity::hmac_sha1_96, "des3_cbc_sha1"},
};

// A configuration with deterministic keys; in and out made from one call
// share keys, so an outbound SA's packets decrypt with the inbound one.
inline SaConfig sa_config(EspCipher c, EspIntegrity i, SaDirection dir,
                          SaMode mode = SaMode::transport, bool natt = false, bool esn = false,
                          uint32_t spi = 0x1000) {
    SaConfig cfg;
    cfg.spi = spi;
    cfg.direction = dir;
    cfg.mode = mode;
    cfg.cipher = c;
    cfg.integrity = i;
    cfg.cipher_key_len = key_len_of(c);
    for (size_t k = 0; k < cfg.cipher_key_len; k++) cfg.cipher_key[k] = uint8_t(0x11 * (k + 1));
    cfg.salt[0] = 0xca, cfg.salt[1] = 0xfe, cfg.salt[2] = 0xba, cfg.salt[3] = 0xbe;
    cfg.auth_key_len = i == EspIntegrity::none ? 0 : i == EspIntegrity::hmac_sha1_96 ? 20 : 32;
    for (size_t k = 0; k < cfg.auth_key_len; k++) cfg.auth_key[k] = uint8_t(0xa0 + k);
    cfg.esn = esn;
    cfg.natt = natt;
    if (mode == SaMode::tunnel) {
        cfg.tunnel_src = dir == SaDirection::outbound ? kLocal : kPeer;
        cfg.tunnel_dst = dir == SaDirection::outbound ? kPeer : kLocal;
    }
    return cfg;
}

// Turns an outbound configuration into the matching inbound one.
inline SaConfig inbound_of(SaConfig cfg) {
    cfg.direction = SaDirection::inbound;
    std::swap(cfg.tunnel_src, cfg.tunnel_dst);
    return cfg;
}

}  // namespace lns::crypto::test
