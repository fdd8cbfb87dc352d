// UdpLink: kernel UDP socket transport with recvmmsg / sendmmsg batches.
#include "tools/lac-emu/udp_link.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lns::lacemu {

namespace {

std::string errno_text(const char *what) {
    return std::string(what) + ": " + std::strerror(errno);
}

void set_buffer(int fd, int force_opt, int opt, int bytes) {
    if (bytes <= 0) return;
    if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) == 0) return;
    (void)setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);  // capped by rmem_max/wmem_max
}

}  // namespace

UdpLink::UdpLink(const UdpLinkConfig &cfg)
    : cfg_(cfg),
      tx_buf_(new uint8_t[size_t(kBatch) * kMaxDatagram]),
      rx_buf_(new uint8_t[size_t(kBatch) * kMaxDatagram]) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        error_ = errno_text("socket");
        return;
    }
    set_buffer(fd_, SO_SNDBUFFORCE, SO_SNDBUF, cfg_.socket_buffer);
    set_buffer(fd_, SO_RCVBUFFORCE, SO_RCVBUF, cfg_.socket_buffer);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(cfg_.local_ip);
    a.sin_port = htons(cfg_.local_port);
    if (bind(fd_, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
        error_ =
            errno_text(("bind " + std::string(ip) + ":" + std::to_string(cfg_.local_port)).c_str());
        return;
    }
    socklen_t len = sizeof a;
    if (getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len) == 0)
        cfg_.local_port = ntohs(a.sin_port);  // port 0: the one the kernel chose
    for (unsigned i = 0; i < kBatch; i++) {
        tx_iov_[i].iov_base = tx_buf_.get() + size_t(i) * kMaxDatagram;
        tx_msgs_[i].msg_hdr.msg_iov = &tx_iov_[i];
        tx_msgs_[i].msg_hdr.msg_iovlen = 1;
        tx_msgs_[i].msg_hdr.msg_name = &tx_addr_[i];
        tx_msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
        rx_iov_[i].iov_base = rx_buf_.get() + size_t(i) * kMaxDatagram;
        rx_iov_[i].iov_len = kMaxDatagram;
        rx_msgs_[i].msg_hdr.msg_iov = &rx_iov_[i];
        rx_msgs_[i].msg_hdr.msg_iovlen = 1;
        rx_msgs_[i].msg_hdr.msg_name = &rx_addr_[i];
    }
}

UdpLink::~UdpLink() {
    if (fd_ >= 0) {
        flush();
        close(fd_);
    }
}

void UdpLink::send(const Transport &to, std::span<const uint8_t> bytes) {
    if (bytes.size() > kMaxDatagram) {
        c_.tx_dropped++;
        return;
    }
    if (tx_count_ == kBatch) flush();
    const unsigned i = tx_count_++;
    std::memcpy(tx_iov_[i].iov_base, bytes.data(), bytes.size());
    tx_iov_[i].iov_len = bytes.size();
    sockaddr_in &a = tx_addr_[i];
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(to.peer_ip);
    a.sin_port = htons(to.peer_port);
}

// Waits (bounded) until the socket accepts more; false if it did not.
bool UdpLink::wait_writable() {
    c_.tx_full_waits++;
    pollfd p{fd_, POLLOUT, 0};
    return ::poll(&p, 1, 10) > 0;
}

void UdpLink::flush() {
    unsigned done = 0;
    unsigned waits = 0;
    while (done < tx_count_) {
        const int n = sendmmsg(fd_, &tx_msgs_[done], tx_count_ - done, 0);
        if (n > 0) {
            c_.tx_calls++;
            for (unsigned i = done; i < done + unsigned(n); i++) c_.tx_bytes += tx_iov_[i].iov_len;
            c_.tx_datagrams += unsigned(n);
            done += unsigned(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == ENOBUFS) && waits++ < 10 && wait_writable())
            continue;
        // Unrecoverable for this datagram (or the queue stayed full): drop it and go
        // on; the reliable channel retransmits control messages.
        c_.tx_dropped++;
        done++;
    }
    tx_count_ = 0;
}

unsigned UdpLink::receive_batch() {
    for (unsigned i = 0; i < kBatch; i++) rx_msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    const int n = recvmmsg(fd_, rx_msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR) c_.rx_errors++;
        return 0;
    }
    c_.rx_calls++;
    unsigned out = 0;
    for (unsigned i = 0; i < unsigned(n); i++) {
        const msghdr &h = rx_msgs_[i].msg_hdr;
        if (h.msg_flags & MSG_TRUNC) {
            c_.rx_truncated++;
            continue;
        }
        const sockaddr_in &a = rx_addr_[i];
        Datagram &d = rx_out_[out++];
        d.from.peer_ip = ntohl(a.sin_addr.s_addr);
        d.from.peer_port = ntohs(a.sin_port);
        d.from.local_ip = cfg_.local_ip;
        d.from.local_port = cfg_.local_port;
        d.from.iface = 0;
        d.bytes = {static_cast<const uint8_t *>(rx_iov_[i].iov_base), rx_msgs_[i].msg_len};
        c_.rx_bytes += rx_msgs_[i].msg_len;
    }
    c_.rx_datagrams += out;
    return out;
}

std::span<const Datagram> UdpLink::poll(uint64_t timeout_ns) {
    unsigned n = receive_batch();
    if (n == 0 && timeout_ns > 0) {
        c_.polls++;
        pollfd p{fd_, POLLIN, 0};
        const timespec ts{time_t(timeout_ns / 1000000000ull), long(timeout_ns % 1000000000ull)};
        if (ppoll(&p, 1, &ts, nullptr) > 0) n = receive_batch();
    }
    return {rx_out_.data(), n};
}

}  // namespace lns::lacemu
