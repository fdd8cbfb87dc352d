// A Link that carries the emulator's L2TP over IPsec the way remote-access
// L2TP/IPsec clients behind one NAT do (RFC 3193, transport mode; NAT-T per
// RFC 3948): N clients, each with its own SA pair and its own kernel UDP socket
// bound to a distinct port on the emulator's one address, talking to the LNS's
// UDP port 4500.
//
// Channels: tunnel i of the emulator uses client i % N; the client index rides
// in Transport::iface both ways (send() reads it, poll() sets it), so the L2TP
// and PPP layers stay unchanged.
//
// Outbound (send + flush): the emulator's L2TP payload is wrapped in the inner
// IPv4/UDP header a client would build (our address:local_port -> the LNS's
// address:port, UDP checksum computed), the queue is encrypted in one
// crypto::EspEngine burst (transport mode; the engine adds the RFC 3948 UDP
// header), and the UDP payload (the ESP packet) is sent from the client's
// socket to LNS:4500 with sendmmsg, one call per run of the same client.
// Inbound (poll): datagrams from every client socket that is readable (epoll)
// are decrypted in one burst with their client's inbound SA (replay window
// advanced only after the ICV passed, crypto/replay.hpp); the inner IPv4 must
// be UDP to our L2TP port with a valid (or zero) checksum; its payload goes to
// the emulator with from = (LNS address, inner source port, client).  The
// inbound SA carries the LNS's and our address as NAT-OA so the engine keeps
// the inner UDP checksum (RFC 3948 §3.1.2) and we can verify it.
// NAT keepalives (0xFF, RFC 3948 §2.3) go out every keepalive_ns on each client
// socket; received ones and IKE (non-ESP marker) are counted and dropped.
//
// Every drop is counted: per SA by crypto::EspResult (the SAs' own counters),
// the rest in EspLinkCounters.  Nothing is logged per packet.
// Thread: one owner; buffers allocated in the constructor.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "crypto/esp.hpp"
#include "crypto/natt.hpp"
#include "tools/lac-emu/ipsec_file.hpp"
#include "tools/lac-emu/link.hpp"

namespace lns::lacemu {

struct EspLinkConfig {
    uint32_t local_ip = 0;       // our (the "NAT's") address, host order; required
    uint16_t local_port = 1701;  // inner L2TP source port (the same for every client)
    uint32_t lns_ip = 0;
    uint16_t lns_natt_port = crypto::kNattPort;
    uint64_t keepalive_ns = 0;  // NAT keepalive period; 0: none
    int socket_buffer = 4 << 20;
    std::vector<EspClientConfig> clients;
};

// Link-level drops and events beyond the SAs' own counters.
#define LNS_LACEMU_ESP_COUNTERS(X)                                                     \
    X(keepalives_sent, "NAT keepalives sent")                                          \
    X(rx_keepalives, "NAT keepalives received (dropped)")                              \
    X(rx_ike, "IKE (non-ESP marker) received on a client port (dropped)")              \
    X(rx_malformed, "UDP payload too short to be ESP (dropped)")                       \
    X(rx_wrong_source, "datagram not from the LNS's address and NAT-T port (dropped)") \
    X(rx_not_udp, "decrypted packet is not UDP (dropped)")                             \
    X(rx_bad_udp, "decrypted UDP header truncated or lengths inconsistent (dropped)")  \
    X(rx_wrong_port, "decrypted UDP not addressed to our L2TP port (dropped)")         \
    X(rx_bad_checksum, "decrypted UDP checksum wrong (dropped)")                       \
    X(tx_no_client, "send for a channel that is no client (dropped)")                  \
    X(tx_too_big, "L2TP payload too big for a buffer (dropped)")

struct EspLinkCounters {
#define LNS_LACEMU_ESP_FIELD(n, d) uint64_t n = 0;
    LNS_LACEMU_ESP_COUNTERS(LNS_LACEMU_ESP_FIELD)
#undef LNS_LACEMU_ESP_FIELD
};

// Per client: ESP on the wire (UDP payload bytes) and its SAs' counters.
struct EspClientStats {
    uint16_t port = 0;
    uint32_t out_spi = 0, in_spi = 0;
    std::string cipher, integrity;
    uint64_t tx_packets = 0, tx_bytes = 0;  // ESP datagrams sent / their bytes
    uint64_t rx_packets = 0, rx_bytes = 0;  // ESP datagrams decrypted ok / their bytes
    crypto::SaCounters out, in;             // SA counters (payload bytes, drops by reason)
};

class EspLink final : public Link {
  public:
    static constexpr unsigned kBatch = 256;
    static constexpr size_t kSlot = 4096;     // per datagram buffer
    static constexpr size_t kHeadroom = 128;  // room for IPv4/UDP/ESP headers in front
    static constexpr size_t kMaxPayload = kSlot - 2 * kHeadroom;

    // Opens and binds one socket per client, sets up the SAs.  On failure
    // error() is non-empty.
    explicit EspLink(const EspLinkConfig &cfg);
    ~EspLink() override;
    EspLink(const EspLink &) = delete;
    EspLink &operator=(const EspLink &) = delete;

    const std::string &error() const { return error_; }

    void send(const Transport &to, std::span<const uint8_t> bytes) override;
    void flush() override;
    std::span<const Datagram> poll(uint64_t timeout_ns) override;
    const LinkCounters &counters() const override { return c_; }
    const char *kind() const override { return "udp-esp"; }
    uint32_t local_ip() const override { return cfg_.local_ip; }
    uint16_t local_port() const override { return cfg_.local_port; }
    uint16_t channels() const override { return uint16_t(clients_.size()); }

    const EspLinkCounters &esp_counters() const { return ec_; }
    std::vector<EspClientStats> client_stats() const;

  private:
    struct Client;
    unsigned receive_from(unsigned client, unsigned room);
    unsigned decrypt_batch(unsigned n);
    bool accept_inner(unsigned slot, Datagram &d);
    void send_keepalives(uint64_t now);
    void send_run(unsigned first, unsigned n);

    EspLinkConfig cfg_;
    std::string error_;
    LinkCounters c_;
    EspLinkCounters ec_;
    crypto::ImbManager mgr_;
    crypto::SystemIvSource iv_;
    crypto::EspEngine engine_;
    std::vector<std::unique_ptr<Client>> clients_;
    int epfd_ = -1;
    uint64_t next_keepalive_ = 0;
    uint16_t ip_id_ = 1;
    unsigned rx_cursor_ = 0;  // round robin over ready clients

    // Transmit queue: plaintext packets in slots, then encrypted in flush().
    std::unique_ptr<uint8_t[]> tx_buf_;
    std::array<crypto::EspOp, kBatch> tx_ops_{};
    std::array<uint16_t, kBatch> tx_client_{};
    std::array<mmsghdr, kBatch> tx_msgs_{};
    std::array<iovec, kBatch> tx_iov_{};
    std::array<sockaddr_in, kBatch> tx_addr_{};
    unsigned tx_count_ = 0;

    // Receive batch: ESP datagrams received at kHeadroom into slots.
    std::unique_ptr<uint8_t[]> rx_buf_;
    std::array<crypto::EspOp, kBatch> rx_ops_{};
    std::array<uint16_t, kBatch> rx_client_{};
    std::array<uint32_t, kBatch> rx_len_{};
    std::array<mmsghdr, kBatch> rx_msgs_{};
    std::array<iovec, kBatch> rx_iov_{};
    std::array<sockaddr_in, kBatch> rx_addr_{};
    std::array<Datagram, kBatch> rx_out_{};
};

}  // namespace lns::lacemu
