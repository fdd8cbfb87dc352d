// DpdkLink: Ethernet/IPv4/UDP over one DPDK port, ARP included.
#include "tools/lac-emu/dpdk_link.hpp"

#include <arpa/inet.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <time.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "controlplane/net/bytes.hpp"
#include "dataplane/prefault.hpp"
#include "controlplane/net/checksum.hpp"
#include "controlplane/net/ethernet.hpp"

namespace lns::lacemu {

namespace net = cp::net;

namespace {

constexpr size_t kIpLen = 20, kUdpLen = 8;
constexpr size_t kHeaders = net::kEthHeaderLen + kIpLen + kUdpLen;
constexpr size_t kArpLen = 28;
constexpr uint16_t kArpRequest = 1, kArpReply = 2;
constexpr uint8_t kProtoUdp = 17;

uint64_t clock_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

void nap(uint64_t ns) {
    const timespec ts{0, long(ns)};
    nanosleep(&ts, nullptr);
}

std::string dpdk_error(const char *what, int rc) {
    return std::string(what) + ": " + rte_strerror(rc < 0 ? -rc : rc);
}

bool has_arg(const std::vector<std::string> &args, const char *prefix) {
    return std::any_of(args.begin(), args.end(),
                       [&](const std::string &a) { return a.rfind(prefix, 0) == 0; });
}

}  // namespace

// EAL defaults unless given: a per-process file prefix (removed at exit), no
// telemetry socket, warnings only.
DpdkLink::DpdkLink(const DpdkLinkConfig &cfg) : cfg_(cfg) {
    std::vector<std::string> args{"lns-lac-emu"};
    args.insert(args.end(), cfg_.eal_args.begin(), cfg_.eal_args.end());
    if (!has_arg(args, "--file-prefix")) {
        prefix_ = "lns-lac-emu-" + std::to_string(getpid());
        args.push_back("--file-prefix=" + prefix_);
    }
    if (!has_arg(args, "--telemetry") && !has_arg(args, "--no-telemetry"))
        args.push_back("--no-telemetry");
    if (!has_arg(args, "--log-level")) args.push_back("--log-level=warning");
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(int(args.size()), argv.data()) < 0) {
        error_ = dpdk_error("EAL initialisation failed (check --eal)", rte_errno);
        remove_runtime_dir();
        return;
    }
    eal_ = true;
    if (cfg_.next_hop_mac) {
        next_hop_mac_ = *cfg_.next_hop_mac;
        resolved_ = true;
    }
    start_port();
}

DpdkLink::~DpdkLink() {
    if (started_) {
        flush();
        release_rx();
        rte_eth_dev_stop(port_);
        rte_eth_dev_close(port_);
    }
    if (pool_) rte_mempool_free(pool_);
    if (!eal_) return;
    rte_eal_cleanup();
    remove_runtime_dir();
}

// The EAL's runtime directory, when its name is the per-process prefix we chose.
void DpdkLink::remove_runtime_dir() {
    const char *dir = rte_eal_get_runtime_dir();
    std::error_code ec;
    if (!prefix_.empty() && dir && std::filesystem::path(dir).filename() == prefix_)
        std::filesystem::remove_all(dir, ec);
}

bool DpdkLink::start_port() {
    if (rte_eth_dev_count_avail() == 0) {
        error_ = "no DPDK port: give one with --eal '--vdev net_af_packet0,iface=IFACE'";
        return false;
    }
    if (cfg_.port < 0) {
        uint16_t pid;
        RTE_ETH_FOREACH_DEV(pid) {
            port_ = pid;
            break;
        }
    } else if (!rte_eth_dev_is_valid_port(uint16_t(cfg_.port))) {
        error_ = "--dpdk-port " + std::to_string(cfg_.port) + " is not a valid port";
        return false;
    } else {
        port_ = uint16_t(cfg_.port);
    }
    pool_ = rte_pktmbuf_pool_create("lacemu_mbuf", cfg_.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    int(rte_socket_id()));
    if (!pool_) return error_ = dpdk_error("mbuf pool (raise -m in --eal)", rte_errno), false;
    dp::prefault_mempool(pool_);  // no page faults on first use of each mbuf during the run
    rte_eth_conf conf{};
    int rc = rte_eth_dev_configure(port_, 1, 1, &conf);
    if (rc != 0) return error_ = dpdk_error("rte_eth_dev_configure", rc), false;
    uint16_t nrx = 1024, ntx = 1024;
    rte_eth_dev_adjust_nb_rx_tx_desc(port_, &nrx, &ntx);
    const int socket =
        rte_eth_dev_socket_id(port_) < 0 ? int(rte_socket_id()) : rte_eth_dev_socket_id(port_);
    rc = rte_eth_rx_queue_setup(port_, 0, nrx, unsigned(socket), nullptr, pool_);
    if (rc != 0) return error_ = dpdk_error("rte_eth_rx_queue_setup", rc), false;
    rc = rte_eth_tx_queue_setup(port_, 0, ntx, unsigned(socket), nullptr);
    if (rc != 0) return error_ = dpdk_error("rte_eth_tx_queue_setup", rc), false;
    rc = rte_eth_dev_start(port_);
    if (rc != 0) return error_ = dpdk_error("rte_eth_dev_start", rc), false;
    started_ = true;
    rte_ether_addr mac;
    rte_eth_macaddr_get(port_, &mac);
    std::memcpy(mac_.data(), mac.addr_bytes, 6);
    return true;
}

bool DpdkLink::resolve() {
    if (resolved_) return true;
    const uint32_t hop = cfg_.gateway_ip ? cfg_.gateway_ip : cfg_.peer_ip;
    const uint64_t end = clock_ns() + uint64_t(cfg_.arp_timeout_s * 1e9);
    uint64_t next_request = 0;
    while (!resolved_) {
        const uint64_t now = clock_ns();
        if (now >= end) {
            in_addr a{htonl(hop)};
            char buf[INET_ADDRSTRLEN] = "?";
            inet_ntop(AF_INET, &a, buf, sizeof buf);
            error_ = std::string("no ARP reply from ") + buf + " (give --peer-mac, or --gateway)";
            return false;
        }
        if (now >= next_request) {
            send_arp(kArpRequest, net::kBroadcastMac, net::kZeroMac, hop);
            flush();
            next_request = now + 200000000ull;
        }
        poll(1000000);  // answers ARP, learns the reply; datagrams before that are dropped
    }
    return true;
}

// ---- Transmit ------------------------------------------------------------------------

void DpdkLink::queue(rte_mbuf *m) {
    if (tx_count_ == kBurst) flush();
    tx_[tx_count_++] = m;
}

void DpdkLink::flush() {
    unsigned done = 0;
    for (unsigned tries = 0; done < tx_count_ && tries < 1000; tries++) {
        const uint16_t n =
            rte_eth_tx_burst(port_, 0, tx_.data() + done, uint16_t(tx_count_ - done));
        if (n) c_.tx_calls++;
        done += n;
        if (done < tx_count_ && n == 0) c_.tx_full_waits++;
    }
    if (done < tx_count_) {
        c_.tx_dropped += tx_count_ - done;
        rte_pktmbuf_free_bulk(tx_.data() + done, tx_count_ - done);
    }
    tx_count_ = 0;
}

void DpdkLink::send(const Transport &to, std::span<const uint8_t> bytes) {
    const size_t len = kHeaders + bytes.size();
    rte_mbuf *m = rte_pktmbuf_alloc(pool_);
    if (!m || len > rte_pktmbuf_tailroom(m) || !resolved_) {
        if (m) rte_pktmbuf_free(m);
        c_.tx_dropped++;
        return;
    }
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    net::write_eth_header(p, next_hop_mac_, mac_, net::kEtherTypeIpv4);
    uint8_t *ip = p + net::kEthHeaderLen;
    ip[0] = 0x45;
    ip[1] = 0;
    net::store_be16(ip + 2, uint16_t(kIpLen + kUdpLen + bytes.size()));
    net::store_be16(ip + 4, ip_id_++);
    net::store_be16(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = kProtoUdp;
    net::store_be16(ip + 10, 0);
    net::store_be32(ip + 12, cfg_.local_ip);
    net::store_be32(ip + 16, to.peer_ip);
    net::store_be16(ip + 10, net::internet_checksum(ip, kIpLen));
    uint8_t *udp = ip + kIpLen;
    const uint16_t ulen = uint16_t(kUdpLen + bytes.size());
    net::store_be16(udp, cfg_.local_port);
    net::store_be16(udp + 2, to.peer_port);
    net::store_be16(udp + 4, ulen);
    net::store_be16(udp + 6, 0);
    std::memcpy(udp + kUdpLen, bytes.data(), bytes.size());
    uint64_t sum = net::checksum_add(0, ip + 12, 8);  // pseudo header: addresses,
    sum = net::checksum_add16(sum, kProtoUdp);        // protocol, UDP length
    sum = net::checksum_add16(sum, ulen);
    sum = net::checksum_add(sum, udp, ulen);
    const uint16_t csum = net::checksum_finish(sum);
    net::store_be16(udp + 6, csum ? csum : 0xffff);
    const size_t frame = std::max(len, net::kEthMinFrameLen);
    if (frame > len) std::memset(p + len, 0, frame - len);
    m->data_len = m->pkt_len = uint32_t(frame);
    c_.tx_datagrams++;
    c_.tx_bytes += bytes.size();
    queue(m);
}

// ---- ARP (RFC 826) ---------------------------------------------------------------------

void DpdkLink::send_arp(uint16_t op, const MacAddr &eth_dst, const MacAddr &target_mac,
                        uint32_t target_ip) {
    rte_mbuf *m = rte_pktmbuf_alloc(pool_);
    if (!m) return;
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    net::write_eth_header(p, eth_dst, mac_, net::kEtherTypeArp);
    uint8_t *a = p + net::kEthHeaderLen;
    net::store_be16(a, 1);  // Ethernet
    net::store_be16(a + 2, net::kEtherTypeIpv4);
    a[4] = 6;
    a[5] = 4;
    net::store_be16(a + 6, op);
    net::store_mac(a + 8, mac_);
    net::store_be32(a + 14, cfg_.local_ip);
    net::store_mac(a + 18, target_mac);
    net::store_be32(a + 24, target_ip);
    std::memset(a + kArpLen, 0, net::kEthMinFrameLen - net::kEthHeaderLen - kArpLen);
    m->data_len = m->pkt_len = uint32_t(net::kEthMinFrameLen);
    c_.arp_tx++;
    queue(m);
}

void DpdkLink::handle_arp(const uint8_t *a, size_t len) {
    if (len < kArpLen || net::load_be16(a) != 1 || net::load_be16(a + 2) != net::kEtherTypeIpv4 ||
        a[4] != 6 || a[5] != 4)
        return;
    c_.arp_rx++;
    const uint16_t op = net::load_be16(a + 6);
    const MacAddr sender_mac = net::load_mac(a + 8);
    const uint32_t sender_ip = net::load_be32(a + 14);
    const uint32_t target_ip = net::load_be32(a + 24);
    const uint32_t hop = cfg_.gateway_ip ? cfg_.gateway_ip : cfg_.peer_ip;
    if (sender_ip == hop && !net::is_group_mac(sender_mac) && !cfg_.next_hop_mac) {
        next_hop_mac_ = sender_mac;  // a reply, or the next hop asking for us
        resolved_ = true;
    }
    if (op == kArpRequest && target_ip == cfg_.local_ip)
        send_arp(kArpReply, sender_mac, sender_mac, sender_ip);
}

// ---- Receive ---------------------------------------------------------------------------

void DpdkLink::release_rx() {
    if (rx_held_) rte_pktmbuf_free_bulk(rx_.data(), rx_held_);
    rx_held_ = 0;
}

// True when `m` is a UDP datagram for us (then `out` points into it).
bool DpdkLink::classify(rte_mbuf *m, Datagram &out) {
    const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
    const size_t len = m->data_len;
    if (m->nb_segs != 1 || len < net::kEthHeaderLen) return false;
    const uint16_t type = net::load_be16(p + 12);
    if (type == net::kEtherTypeArp) {
        handle_arp(p + net::kEthHeaderLen, len - net::kEthHeaderLen);
        return false;
    }
    if (type != net::kEtherTypeIpv4 || len < kHeaders) return false;
    const uint8_t *ip = p + net::kEthHeaderLen;
    const size_t ihl = size_t(ip[0] & 0x0f) * 4;
    const size_t total = net::load_be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < kIpLen || total < ihl + kUdpLen ||
        net::kEthHeaderLen + total > len)
        return false;
    if ((net::load_be16(ip + 6) & 0x3fff) != 0 || ip[9] != kProtoUdp) return false;  // fragments
    if (net::load_be32(ip + 16) != cfg_.local_ip) return false;
    const uint8_t *udp = ip + ihl;
    const size_t ulen = net::load_be16(udp + 4);
    if (net::load_be16(udp + 2) != cfg_.local_port || ulen < kUdpLen || ihl + ulen > total)
        return false;
    out.from.peer_ip = net::load_be32(ip + 12);
    out.from.peer_port = net::load_be16(udp);
    out.from.local_ip = cfg_.local_ip;
    out.from.local_port = cfg_.local_port;
    out.from.iface = 0;
    out.bytes = {udp + kUdpLen, ulen - kUdpLen};
    return true;
}

unsigned DpdkLink::receive_burst() {
    release_rx();
    const uint16_t n = rte_eth_rx_burst(port_, 0, rx_.data(), kBurst);
    if (n == 0) return 0;
    c_.rx_calls++;
    rx_held_ = n;
    unsigned out = 0;
    for (uint16_t i = 0; i < n; i++) {
        if (classify(rx_[i], out_[out])) {
            c_.rx_bytes += out_[out].bytes.size();
            out++;
        } else {
            c_.rx_ignored++;
        }
    }
    c_.rx_datagrams += out;
    if (c_.arp_tx && tx_count_) flush();  // ARP replies go out at once
    return out;
}

std::span<const Datagram> DpdkLink::poll(uint64_t timeout_ns) {
    unsigned n = receive_burst();
    if (n || timeout_ns == 0) return {out_.data(), n};
    c_.polls++;
    const uint64_t start = clock_ns();
    for (;;) {
        n = receive_burst();
        if (n) break;
        const uint64_t waited = clock_ns() - start;
        if (waited >= timeout_ns) break;
        if (waited >= cfg_.spin_ns) nap(std::min(cfg_.nap_ns, timeout_ns - waited));
    }
    return {out_.data(), n};
}

}  // namespace lns::lacemu
