// L2TP/IPsec for the LAC emulator (RFC 3193): a Link that carries the L2TP
// datagrams in ESP transport mode over UDP 4500 (RFC 3948), with static SAs,
// over another Link (a kernel UDP socket bound to port 4500).  The ESP work is
// lnsd's own engine (crypto/), with the emulator as the peer.
//
// send(): IPv4/UDP(local L2TP port -> the LNS's port) around the L2TP bytes,
// encrypted with the outbound SA (transport, NAT-T: inner UDP checksum 0), the
// ESP part sent as the UDP 4500 payload.  poll(): each UDP 4500 payload from
// the LNS is decrypted with the inbound SA (IPv4/UDP headers rebuilt around it
// for the engine); the inner UDP ports become the datagram's ports.  NAT
// keepalives and IKE (non-ESP marker) are counted and ignored.
//
// Thread: one owner (the emulator's loop).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "crypto/esp.hpp"
#include "crypto/imb.hpp"
#include "crypto/iv_source.hpp"
#include "crypto/sa.hpp"
#include "tools/lac-emu/link.hpp"

namespace lns::lacemu {

struct EspLinkConfig {
    bool enabled = false;
    uint32_t spi_out = 0, spi_in = 0;
    std::vector<uint8_t> key_out, key_in;  // GCM key then 4-byte salt: 20 (AES-128) or 36 bytes
    uint16_t l2tp_port = 1701;             // the inner UDP source port
};

struct EspLinkCounters {
    uint64_t encrypted = 0, decrypted = 0;
    uint64_t decrypt_failed = 0;  // any engine result but ok
    uint64_t keepalives = 0, ike = 0;
};

class EspLink final : public Link {
  public:
    // `inner` carries the UDP 4500 payloads (not owned).  On failure error() is set.
    EspLink(const EspLinkConfig &cfg, Link &inner);

    const std::string &error() const { return error_; }
    const EspLinkCounters &esp_counters() const { return ec_; }

    void send(const Transport &to, std::span<const uint8_t> bytes) override;
    void flush() override { inner_.flush(); }
    std::span<const Datagram> poll(uint64_t timeout_ns) override;
    const LinkCounters &counters() const override { return inner_.counters(); }
    const char *kind() const override { return "udp+esp"; }
    uint32_t local_ip() const override { return inner_.local_ip(); }
    uint16_t local_port() const override { return cfg_.l2tp_port; }

  private:
    static constexpr size_t kRoom = 128, kMax = 4096;

    EspLinkConfig cfg_;
    Link &inner_;
    std::string error_;
    EspLinkCounters ec_;
    crypto::ImbManager imb_;
    crypto::SystemIvSource iv_;
    crypto::EspEngine engine_{imb_.get(), &iv_};
    crypto::Sa out_, in_;
    std::vector<uint8_t> tx_;                    // one packet being built
    std::vector<std::vector<uint8_t>> rx_bufs_;  // one per datagram of a batch
    std::vector<Datagram> rx_out_;
};

}  // namespace lns::lacemu
