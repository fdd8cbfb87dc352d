#include "tools/lac-emu/esp_link.hpp"

#include <cstring>

#include "crypto/bytes.hpp"
#include "crypto/natt.hpp"

namespace lns::lacemu {

namespace {

crypto::SaConfig sa_config(uint32_t spi, const std::vector<uint8_t> &key, bool inbound) {
    crypto::SaConfig c;
    c.spi = spi;
    c.direction = inbound ? crypto::SaDirection::inbound : crypto::SaDirection::outbound;
    c.mode = crypto::SaMode::transport;
    c.cipher = key.size() == 36 ? crypto::EspCipher::aes_gcm_256 : crypto::EspCipher::aes_gcm_128;
    c.integrity = crypto::EspIntegrity::none;
    if (key.size() == 20 || key.size() == 36) {
        c.cipher_key_len = uint8_t(key.size() - 4);
        std::memcpy(c.cipher_key, key.data(), c.cipher_key_len);
        std::memcpy(c.salt, key.data() + c.cipher_key_len, 4);
    }
    c.replay_window = inbound ? 64 : 0;
    c.natt = true;  // RFC 3948: UDP 4500 both ways
    return c;
}

// IPv4 header (no options) + UDP header at p; UDP checksum 0 (RFC 3948 §3.1.2).
void write_ip_udp(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                  size_t payload) {
    std::memset(p, 0, 28);
    p[0] = 0x45;
    crypto::put16(p + 2, uint16_t(28 + payload));
    p[8] = 64;
    p[9] = crypto::kIpProtoUdp;
    crypto::put32(p + 12, src);
    crypto::put32(p + 16, dst);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += uint32_t(p[i] << 8 | p[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    crypto::put16(p + 10, uint16_t(~sum));
    crypto::put16(p + 20, sport);
    crypto::put16(p + 22, dport);
    crypto::put16(p + 24, uint16_t(8 + payload));
}

}  // namespace

EspLink::EspLink(const EspLinkConfig &cfg, Link &inner) : cfg_(cfg), inner_(inner) {
    if (!imb_.ok()) {
        error_ = "IPsec-MB: cannot allocate a manager";
        return;
    }
    if (out_.init(sa_config(cfg.spi_out, cfg.key_out, false), imb_.get()) != crypto::SaError::ok ||
        in_.init(sa_config(cfg.spi_in, cfg.key_in, true), imb_.get()) != crypto::SaError::ok) {
        error_ = "ESP: keys must be AES-GCM key + 4-byte salt (20 or 36 bytes), SPIs non-zero";
        return;
    }
    tx_.resize(kRoom + kMax + kRoom);
    rx_bufs_.resize(256, std::vector<uint8_t>(kRoom + kMax + kRoom));
    rx_out_.resize(256);
}

void EspLink::send(const Transport &to, std::span<const uint8_t> bytes) {
    if (bytes.size() + 28 > kMax) return;
    uint8_t *ip = tx_.data() + kRoom;
    write_ip_udp(ip, local_ip(), to.peer_ip, cfg_.l2tp_port, to.peer_port, bytes.size());
    std::memcpy(ip + 28, bytes.data(), bytes.size());
    crypto::EspBuf b{ip, uint32_t(28 + bytes.size()), uint32_t(kRoom), uint32_t(kRoom)};
    if (crypto::esp_encrypt(engine_, out_, b) != crypto::EspResult::ok) return;
    ec_.encrypted++;
    // b: IPv4 / UDP 4500 / ESP; the socket supplies the first two.
    Transport t = to;
    t.peer_port = crypto::kNattPort;
    inner_.send(t, {b.data + 28, b.len - 28});
}

std::span<const Datagram> EspLink::poll(uint64_t timeout_ns) {
    const std::span<const Datagram> got = inner_.poll(timeout_ns);
    size_t n = 0;
    for (const Datagram &d : got) {
        switch (crypto::classify_natt(d.bytes.data(), d.bytes.size())) {
            case crypto::NattPayload::keepalive:
                ec_.keepalives++;
                continue;
            case crypto::NattPayload::ike:
                ec_.ike++;
                continue;
            case crypto::NattPayload::malformed:
                ec_.decrypt_failed++;
                continue;
            case crypto::NattPayload::esp:
                break;
        }
        if (n == rx_out_.size() || d.bytes.size() + 28 > kMax) continue;
        uint8_t *ip = rx_bufs_[n].data() + kRoom;
        write_ip_udp(ip, d.from.peer_ip, local_ip(), d.from.peer_port, crypto::kNattPort,
                     d.bytes.size());
        std::memcpy(ip + 28, d.bytes.data(), d.bytes.size());
        crypto::EspBuf b{ip, uint32_t(28 + d.bytes.size()), uint32_t(kRoom), uint32_t(kRoom)};
        uint8_t nh = 0;
        if (crypto::esp_decrypt(engine_, in_, b, &nh) != crypto::EspResult::ok ||
            nh != crypto::kIpProtoUdp || b.len < 28) {
            ec_.decrypt_failed++;
            continue;
        }
        ec_.decrypted++;
        const uint32_t hl = (b.data[0] & 0x0f) * 4u;
        const uint8_t *udp = b.data + hl;
        const uint32_t ulen = crypto::get16(udp + 4);
        if (ulen < 8 || hl + ulen > b.len) {
            ec_.decrypt_failed++;
            continue;
        }
        Datagram &o = rx_out_[n++];
        o.from = d.from;
        o.from.peer_port = crypto::get16(udp);
        o.from.local_port = crypto::get16(udp + 2);
        o.bytes = {udp + 8, ulen - 8};
    }
    return {rx_out_.data(), n};
}

}  // namespace lns::lacemu
