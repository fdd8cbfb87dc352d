#include "controlplane/net/udp_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace lns::cp::net {

UdpSocket::~UdpSocket() {
    if (fd_ >= 0) ::close(fd_);
}

UdpSocket::UdpSocket(UdpSocket &&o) noexcept : fd_(std::exchange(o.fd_, -1)), port_(o.port_), c_(o.c_) {}

UdpSocket &UdpSocket::operator=(UdpSocket &&o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(o.fd_, -1);
        port_ = o.port_;
        c_ = o.c_;
    }
    return *this;
}

bool UdpSocket::open(uint32_t ip, uint16_t port, std::string *err) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return *err = std::string("socket: ") + std::strerror(errno), false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(ip);
    a.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        *err = "bind " + std::to_string(ip >> 24) + "." + std::to_string(ip >> 16 & 255) + "." +
               std::to_string(ip >> 8 & 255) + "." + std::to_string(ip & 255) + ":" +
               std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd);
        return false;
    }
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    port_ = ntohs(a.sin_port);
    return true;
}

bool UdpSocket::send_to(uint32_t ip, uint16_t port, std::span<const uint8_t> bytes) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(ip);
    a.sin_port = htons(port);
    if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr *>(&a), sizeof a) < 0) {
        c_.tx_errors++;
        return false;
    }
    c_.tx++;
    return true;
}

unsigned UdpSocket::receive(const RecvFn &fn, unsigned max) {
    constexpr unsigned kBatch = 32;
    constexpr size_t kBuf = 4096;  // RADIUS maximum (RFC 2865 §3)
    static thread_local uint8_t bufs[kBatch][kBuf];
    if (fd_ < 0) return 0;
    unsigned total = 0;
    while (total < max) {
        const unsigned want = std::min(kBatch, max - total);
        mmsghdr msgs[kBatch];
        iovec iov[kBatch];
        sockaddr_in from[kBatch];
        for (unsigned i = 0; i < want; i++) {
            iov[i] = {bufs[i], kBuf};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        const int n = ::recvmmsg(fd_, msgs, want, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) c_.rx_errors++;
            break;
        }
        for (int i = 0; i < n; i++) {
            if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                c_.rx_truncated++;
                continue;
            }
            c_.rx++;
            fn(ntohl(from[i].sin_addr.s_addr), ntohs(from[i].sin_port),
               std::span<const uint8_t>(bufs[i], msgs[i].msg_len));
        }
        total += unsigned(n);
        if (unsigned(n) < want) break;
    }
    return total;
}

}  // namespace lns::cp::net
