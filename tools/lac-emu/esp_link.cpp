// EspLink: the emulator's L2TP over ESP (transport mode, NAT-T), one kernel UDP
// socket and SA pair per emulated client.
#include "tools/lac-emu/esp_link.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "crypto/bytes.hpp"
#include "crypto/natt.hpp"

namespace lns::lacemu {

namespace {

using crypto::get16;
using crypto::get32;
using crypto::put16;
using crypto::put32;

constexpr uint32_t kIpUdp = 28;  // IPv4 (no options) + UDP header

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

std::string errno_text(const std::string &what) {
    return what + ": " + std::strerror(errno);
}

// IPv4 (20 bytes, DF clear, TTL 64) + UDP header at p for `payload` bytes after
// them.  The UDP checksum is left zero (callers fill it when they want one).
void write_ip_udp(uint8_t *p, uint16_t id, uint32_t src, uint32_t dst, uint16_t sport,
                  uint16_t dport, uint32_t payload) {
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, uint16_t(kIpUdp + payload));
    put16(p + 4, id);
    put16(p + 6, 0);
    p[8] = 64;
    p[9] = crypto::kIpProtoUdp;
    put32(p + 12, src);
    put32(p + 16, dst);
    crypto::ipv4_set_checksum(p, 20);
    put16(p + 20, sport);
    put16(p + 22, dport);
    put16(p + 24, uint16_t(8 + payload));
    put16(p + 26, 0);
}

}  // namespace

struct EspLink::Client {
    int fd = -1;
    uint16_t port = 0;
    uint16_t l2tp_port = 0;  // inner UDP port
    std::string cipher, integrity;
    crypto::Sa out, in;
    uint64_t tx_packets = 0, tx_bytes = 0, rx_packets = 0, rx_bytes = 0;
};

EspLink::EspLink(const EspLinkConfig &cfg)
    : cfg_(cfg),
      engine_(mgr_.get(), &iv_),
      tx_buf_(new uint8_t[size_t(kBatch) * kSlot]),
      rx_buf_(new uint8_t[size_t(kBatch) * kSlot]) {
    if (!mgr_.ok()) {
        error_ = "IPsec-MB: no multi-buffer manager";
        return;
    }
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) {
        error_ = errno_text("epoll_create1");
        return;
    }
    for (const EspClientConfig &cc : cfg_.clients) {
        auto c = std::make_unique<Client>();
        const std::string who = "ipsec client (line " + std::to_string(cc.line) + ", port " +
                                std::to_string(cc.port) + ")";
        crypto::SaConfig out = cc.out, in = cc.in;
        out.natt = true;  // RFC 3948 §2.1: from our port to the LNS's 4500
        out.natt_local_port = cc.port;
        out.natt_peer_port = cfg_.lns_natt_port;
        in.natt_orig_src = cfg_.lns_ip;  // NAT-OA: keep the inner checksum (RFC 3948 §3.1.2)
        in.natt_orig_dst = cfg_.local_ip;
        crypto::SaError e = c->out.init(out, mgr_.get());
        if (e == crypto::SaError::ok) e = c->in.init(in, mgr_.get());
        if (e != crypto::SaError::ok) {
            error_ = who + ": " + crypto::sa_error_name(e);
            return;
        }
        c->port = cc.port;
        c->l2tp_port = cc.l2tp_port ? cc.l2tp_port : cfg_.local_port;
        c->cipher = cc.cipher;
        c->integrity = cc.integrity;
        c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            error_ = errno_text(who + ": socket");
            return;
        }
        const int bytes = cfg_.socket_buffer;
        if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
            (void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
        if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0)
            (void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(cfg_.local_ip);
        a.sin_port = htons(cc.port);
        const int fd = c->fd;
        clients_.push_back(std::move(c));
        if (bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
            char ip[INET_ADDRSTRLEN] = "?";
            inet_ntop(AF_INET, &a.sin_addr, ip, sizeof ip);
            error_ = errno_text(who + ": bind " + ip + ":" + std::to_string(cc.port));
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = uint32_t(clients_.size() - 1);
        if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            error_ = errno_text(who + ": epoll_ctl");
            return;
        }
    }
    for (unsigned i = 0; i < kBatch; i++) {
        tx_msgs_[i].msg_hdr.msg_iov = &tx_iov_[i];
        tx_msgs_[i].msg_hdr.msg_iovlen = 1;
        tx_msgs_[i].msg_hdr.msg_name = &tx_addr_[i];
        tx_msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
        rx_iov_[i].iov_base = rx_buf_.get() + size_t(i) * kSlot + kHeadroom;
        rx_iov_[i].iov_len = kSlot - 2 * kHeadroom;
        rx_msgs_[i].msg_hdr.msg_iov = &rx_iov_[i];
        rx_msgs_[i].msg_hdr.msg_iovlen = 1;
        rx_msgs_[i].msg_hdr.msg_name = &rx_addr_[i];
    }
    if (cfg_.keepalive_ns) next_keepalive_ = now_ns();  // the first right away
}

EspLink::~EspLink() {
    if (error_.empty()) flush();
    for (auto &c : clients_)
        if (c->fd >= 0) close(c->fd);
    if (epfd_ >= 0) close(epfd_);
}

// ---- Transmit ------------------------------------------------------------------------

void EspLink::send(const Transport &to, std::span<const uint8_t> bytes) {
    if (to.iface >= clients_.size()) {
        ec_.tx_no_client++;
        c_.tx_dropped++;
        return;
    }
    if (bytes.size() + kIpUdp > kMaxPayload) {
        ec_.tx_too_big++;
        c_.tx_dropped++;
        return;
    }
    if (tx_count_ == kBatch) flush();
    const unsigned i = tx_count_++;
    uint8_t *ip = tx_buf_.get() + size_t(i) * kSlot + kHeadroom;
    const uint32_t len = uint32_t(bytes.size());
    write_ip_udp(ip, ip_id_++, cfg_.local_ip, to.peer_ip, clients_[to.iface]->l2tp_port,
                 to.peer_port, len);
    if (len) std::memcpy(ip + kIpUdp, bytes.data(), len);
    uint16_t sum =
        crypto::l4_checksum(cfg_.local_ip, to.peer_ip, crypto::kIpProtoUdp, ip + 20, 8 + len);
    put16(ip + 26, sum ? sum : 0xffff);  // RFC 768: a computed 0 is sent as all ones
    crypto::EspOp &op = tx_ops_[i];
    op = crypto::EspOp{};
    op.sa = &clients_[to.iface]->out;
    op.buf = {ip, kIpUdp + len, uint32_t(kHeadroom), uint32_t(kSlot - kHeadroom - kIpUdp - len)};
    tx_client_[i] = to.iface;
}

void EspLink::flush() {
    if (tx_count_ == 0) return;
    const unsigned n = tx_count_;
    tx_count_ = 0;
    engine_.encrypt_burst(tx_ops_.data(), n);  // failures are counted on the SA
    for (unsigned i = 0; i < n; i++) {
        const crypto::EspOp &op = tx_ops_[i];
        if (op.result != crypto::EspResult::ok) {
            c_.tx_dropped++;
            continue;
        }
        // The engine wrote IPv4 + UDP(our port -> 4500) + ESP: the socket adds
        // the first two.
        const uint32_t hl = (op.buf.data[0] & 0x0f) * 4u;
        tx_iov_[i].iov_base = op.buf.data + hl + 8;
        tx_iov_[i].iov_len = op.buf.len - hl - 8;
        sockaddr_in &a = tx_addr_[i];
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(cfg_.lns_ip);
        a.sin_port = htons(cfg_.lns_natt_port);
    }
    // sendmmsg per run of consecutive datagrams of one client.
    for (unsigned i = 0; i < n;) {
        if (tx_ops_[i].result != crypto::EspResult::ok) {
            i++;
            continue;
        }
        unsigned j = i + 1;
        while (j < n && tx_client_[j] == tx_client_[i] &&
               tx_ops_[j].result == crypto::EspResult::ok)
            j++;
        send_run(i, j - i);
        i = j;
    }
}

void EspLink::send_run(unsigned first, unsigned n) {
    Client &c = *clients_[tx_client_[first]];
    unsigned done = 0, waits = 0;
    while (done < n) {
        const int k = sendmmsg(c.fd, &tx_msgs_[first + done], n - done, 0);
        if (k > 0) {
            c_.tx_calls++;
            for (unsigned i = first + done; i < first + done + unsigned(k); i++) {
                c_.tx_bytes += tx_iov_[i].iov_len;
                c.tx_bytes += tx_iov_[i].iov_len;
            }
            c_.tx_datagrams += unsigned(k);
            c.tx_packets += unsigned(k);
            done += unsigned(k);
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && (errno == EAGAIN || errno == ENOBUFS) && waits++ < 10) {
            c_.tx_full_waits++;
            pollfd p{c.fd, POLLOUT, 0};
            if (::poll(&p, 1, 10) > 0) continue;
        }
        c_.tx_dropped++;  // the reliable channel retransmits control messages
        done++;
    }
}

void EspLink::send_keepalives(uint64_t now) {
    static const uint8_t kKeepalive = 0xff;  // RFC 3948 §2.3
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(cfg_.lns_ip);
    a.sin_port = htons(cfg_.lns_natt_port);
    for (auto &c : clients_) {
        if (sendto(c->fd, &kKeepalive, 1, 0, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 1)
            ec_.keepalives_sent++;
        else
            c_.tx_dropped++;
    }
    next_keepalive_ = now + cfg_.keepalive_ns;
}

// ---- Receive -------------------------------------------------------------------------

// Receives into slots [n0, n0 + room) from one client; keeps ESP datagrams from
// the LNS (compacted to the front of that range); returns how many it kept.
unsigned EspLink::receive_from(unsigned client, unsigned n0) {
    const unsigned room = kBatch - n0;
    for (unsigned i = n0; i < kBatch; i++) rx_msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    const int got = recvmmsg(clients_[client]->fd, &rx_msgs_[n0], room, MSG_DONTWAIT, nullptr);
    if (got <= 0) {
        if (got < 0 && errno != EAGAIN && errno != EINTR) c_.rx_errors++;
        return 0;
    }
    c_.rx_calls++;
    unsigned kept = 0;
    for (unsigned i = n0; i < n0 + unsigned(got); i++) {
        const uint32_t len = rx_msgs_[i].msg_len;
        c_.rx_datagrams++;
        c_.rx_bytes += len;
        if (rx_msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) {
            c_.rx_truncated++;
            continue;
        }
        const sockaddr_in &a = rx_addr_[i];
        if (ntohl(a.sin_addr.s_addr) != cfg_.lns_ip || ntohs(a.sin_port) != cfg_.lns_natt_port) {
            ec_.rx_wrong_source++;
            continue;
        }
        const auto *p = static_cast<const uint8_t *>(rx_iov_[i].iov_base);
        switch (crypto::classify_natt(p, len)) {
            case crypto::NattPayload::keepalive:
                ec_.rx_keepalives++;
                continue;
            case crypto::NattPayload::ike:
                ec_.rx_ike++;
                continue;
            case crypto::NattPayload::malformed:
                ec_.rx_malformed++;
                continue;
            case crypto::NattPayload::esp:
                break;
        }
        const unsigned k = n0 + kept++;
        if (k != i) {  // compact: swap the slot buffers' roles
            std::swap(rx_iov_[k].iov_base, rx_iov_[i].iov_base);
        }
        rx_client_[k] = uint16_t(client);
        rx_len_[k] = len;
    }
    return kept;
}

// Rebuilds the outer IPv4/UDP header the kernel took off, decrypts the batch,
// and turns what passes into Datagrams at the front of rx_out_.
unsigned EspLink::decrypt_batch(unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        Client &c = *clients_[rx_client_[i]];
        uint8_t *esp = static_cast<uint8_t *>(rx_iov_[i].iov_base);
        uint8_t *ip = esp - kIpUdp;
        write_ip_udp(ip, 0, cfg_.lns_ip, cfg_.local_ip, cfg_.lns_natt_port, c.port, rx_len_[i]);
        crypto::EspOp &op = rx_ops_[i];
        op = crypto::EspOp{};
        op.sa = &c.in;
        op.buf = {ip, kIpUdp + rx_len_[i], uint32_t(kHeadroom - kIpUdp),
                  uint32_t(kSlot - kHeadroom - rx_len_[i])};
    }
    engine_.decrypt_burst(rx_ops_.data(), n);  // drops counted on the SA by reason
    unsigned out = 0;
    for (unsigned i = 0; i < n; i++) {
        if (rx_ops_[i].result != crypto::EspResult::ok) continue;
        Client &c = *clients_[rx_client_[i]];
        c.rx_packets++;
        c.rx_bytes += rx_len_[i];
        if (accept_inner(i, rx_out_[out])) out++;
    }
    return out;
}

// The decrypted transport-mode packet must be UDP to our L2TP port (RFC 3193 §4).
bool EspLink::accept_inner(unsigned slot, Datagram &d) {
    const crypto::EspBuf &b = rx_ops_[slot].buf;
    const uint8_t *ip = b.data;
    const uint32_t hl = (ip[0] & 0x0f) * 4u;
    if (ip[9] != crypto::kIpProtoUdp) {
        ec_.rx_not_udp++;
        return false;
    }
    if (b.len < hl + 8 || get16(ip + hl + 4) != b.len - hl) {
        ec_.rx_bad_udp++;
        return false;
    }
    const uint8_t *udp = ip + hl;
    const uint16_t port = clients_[rx_client_[slot]]->l2tp_port;
    if (get16(udp + 2) != port) {
        ec_.rx_wrong_port++;
        return false;
    }
    if (get16(udp + 6) != 0) {  // zero: the sender sent none (RFC 768)
        const uint32_t src = get32(ip + 12), dst = get32(ip + 16), ulen = b.len - hl;
        uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
                       crypto::kIpProtoUdp + ulen;
        if (crypto::csum_fold(crypto::csum_add(sum, udp, ulen)) != 0) {
            ec_.rx_bad_checksum++;
            return false;
        }
    }
    d.from.peer_ip = get32(ip + 12);
    d.from.peer_port = get16(udp);
    d.from.local_ip = cfg_.local_ip;
    d.from.local_port = port;
    d.from.iface = rx_client_[slot];
    d.bytes = {udp + 8, b.len - hl - 8};
    return true;
}

std::span<const Datagram> EspLink::poll(uint64_t timeout_ns) {
    uint64_t now = now_ns();
    if (cfg_.keepalive_ns && now >= next_keepalive_) send_keepalives(now);
    std::array<epoll_event, 64> evs;
    int ready = epoll_wait(epfd_, evs.data(), int(evs.size()), 0);
    if (ready <= 0 && timeout_ns > 0) {
        if (cfg_.keepalive_ns) timeout_ns = std::min(timeout_ns, next_keepalive_ - now);
        c_.polls++;
        const timespec ts{time_t(timeout_ns / 1000000000ull), long(timeout_ns % 1000000000ull)};
        ready = epoll_pwait2(epfd_, evs.data(), int(evs.size()), &ts, nullptr);
    }
    unsigned n = 0;
    // Rotate the starting point so one busy client cannot starve the others.
    for (int r = 0; r < ready && n < kBatch; r++) {
        const unsigned e = (rx_cursor_ + unsigned(r)) % unsigned(ready);
        n += receive_from(evs[e].data.u32, n);
    }
    rx_cursor_++;
    if (n == 0) return {};
    return {rx_out_.data(), decrypt_batch(n)};
}

std::vector<EspClientStats> EspLink::client_stats() const {
    std::vector<EspClientStats> v;
    v.reserve(clients_.size());
    for (const auto &c : clients_) {
        EspClientStats s;
        s.port = c->port;
        s.out_spi = c->out.spi();
        s.in_spi = c->in.spi();
        s.cipher = c->cipher;
        s.integrity = c->integrity;
        s.tx_packets = c->tx_packets;
        s.tx_bytes = c->tx_bytes;
        s.rx_packets = c->rx_packets;
        s.rx_bytes = c->rx_bytes;
        s.out = c->out.counters();
        s.in = c->in.counters();
        v.push_back(s);
    }
    return v;
}

}  // namespace lns::lacemu
