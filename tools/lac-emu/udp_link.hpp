// A Link over one kernel UDP socket: nonblocking, bound to the local address and
// port (the LNS replies to the source port, 1701 by default), batches of up to
// kBatch datagrams per recvmmsg / sendmmsg, ppoll with nanosecond timeouts.
//
// Thread: one owner; buffers are allocated once in the constructor.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "tools/lac-emu/link.hpp"

namespace lns::lacemu {

struct UdpLinkConfig {
    uint32_t local_ip = 0;  // host order; 0: any
    uint16_t local_port = 1701;
    int socket_buffer = 16 << 20;  // SO_SNDBUF / SO_RCVBUF (forced when root)
};

class UdpLink final : public Link {
  public:
    static constexpr unsigned kBatch = 256;
    static constexpr size_t kMaxDatagram = 4096;  // bigger ones are counted and dropped

    // Opens and binds the socket.  On failure `error()` is non-empty.
    explicit UdpLink(const UdpLinkConfig &cfg);
    ~UdpLink() override;
    UdpLink(const UdpLink &) = delete;
    UdpLink &operator=(const UdpLink &) = delete;

    const std::string &error() const { return error_; }

    void send(const Transport &to, std::span<const uint8_t> bytes) override;
    void flush() override;
    std::span<const Datagram> poll(uint64_t timeout_ns) override;
    const LinkCounters &counters() const override { return c_; }
    const char *kind() const override { return "udp"; }
    uint32_t local_ip() const override { return cfg_.local_ip; }
    uint16_t local_port() const override { return cfg_.local_port; }

  private:
    unsigned receive_batch();
    bool wait_writable();

    UdpLinkConfig cfg_;
    int fd_ = -1;
    std::string error_;
    LinkCounters c_;

    // Transmit queue: tx_count_ datagrams in tx_buf_ slots.
    std::unique_ptr<uint8_t[]> tx_buf_;
    std::array<mmsghdr, kBatch> tx_msgs_{};
    std::array<iovec, kBatch> tx_iov_{};
    std::array<sockaddr_in, kBatch> tx_addr_{};
    unsigned tx_count_ = 0;

    // Receive batch.
    std::unique_ptr<uint8_t[]> rx_buf_;
    std::array<mmsghdr, kBatch> rx_msgs_{};
    std::array<iovec, kBatch> rx_iov_{};
    std::array<sockaddr_in, kBatch> rx_addr_{};
    std::array<Datagram, kBatch> rx_out_{};
};

}  // namespace lns::lacemu
