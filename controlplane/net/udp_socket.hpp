// A non-blocking kernel UDP socket for the control core's out-of-band traffic
// (RADIUS to the AAA servers, Dynamic Authorization from them): these go through
// the host's management network, not the DPDK ports.
//
// The control core polls: receive() drains up to a batch with recvmmsg() and
// never blocks; send_to() never blocks (a full socket buffer is counted and the
// datagram dropped, RADIUS retransmits).
//
// Thread: the control core only.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace lns::cp::net {

struct UdpCounters {
    uint64_t rx = 0, tx = 0;
    uint64_t tx_errors = 0;   // sendto failed (EAGAIN: buffer full, or unreachable)
    uint64_t rx_errors = 0;   // recvmmsg failed other than EAGAIN
    uint64_t rx_truncated = 0;  // datagram larger than the buffer
};

class UdpSocket {
public:
    UdpSocket() = default;
    ~UdpSocket();
    UdpSocket(const UdpSocket &) = delete;
    UdpSocket &operator=(const UdpSocket &) = delete;
    UdpSocket(UdpSocket &&o) noexcept;
    UdpSocket &operator=(UdpSocket &&o) noexcept;

    // Binds to ip:port (host order; 0 = any / ephemeral).  False with *err.
    bool open(uint32_t ip, uint16_t port, std::string *err);
    bool is_open() const { return fd_ >= 0; }
    uint16_t local_port() const { return port_; }
    int fd() const { return fd_; }

    bool send_to(uint32_t ip, uint16_t port, std::span<const uint8_t> bytes);
    // Calls fn(src_ip, src_port, bytes) for each datagram waiting (at most `max`).
    // Returns the number received.
    using RecvFn = std::function<void(uint32_t, uint16_t, std::span<const uint8_t>)>;
    unsigned receive(const RecvFn &fn, unsigned max = 32);

    const UdpCounters &counters() const { return c_; }

private:
    int fd_ = -1;
    uint16_t port_ = 0;
    UdpCounters c_;
};

}  // namespace lns::cp::net
