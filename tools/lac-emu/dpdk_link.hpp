// A Link over a DPDK ethdev (a virtual device such as net_af_packet on a veth, or
// net_memif toward an LNS that speaks memif): the emulator's own Ethernet/IPv4/UDP,
// no kernel on the path.  One RX and one TX queue, polled from the emulator's loop.
//
// Addressing: frames go to one next hop (the LNS, or --gateway when the LNS is not
// on-link), whose MAC is static (--peer-mac) or resolved by ARP in resolve().  ARP
// requests for the local address are answered at any time (the LNS must reach us).
// Received frames that are not IPv4/UDP to the local address and port (other
// EtherTypes, fragments, multi-segment mbufs) are counted in rx_ignored.  IPv4 and
// UDP checksums are computed in software on transmit and not checked on receive.
//
// Thread: one owner (the EAL main lcore).  The EAL is initialised by the
// constructor and cleaned up by the destructor: one DpdkLink per process.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "tools/lac-emu/link.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace lns::lacemu {

using MacAddr = std::array<uint8_t, 6>;

struct DpdkLinkConfig {
    std::vector<std::string>
        eal_args;           // without argv[0], e.g. {"--vdev", "net_af_packet0,iface=v0"}
    int port = -1;          // ethdev port id; -1: the first one
    uint32_t local_ip = 0;  // host order; required
    uint16_t local_port = 1701;
    uint32_t peer_ip = 0;                 // the LNS
    uint32_t gateway_ip = 0;              // next hop toward the LNS; 0: the LNS is on-link
    std::optional<MacAddr> next_hop_mac;  // static; else ARP
    double arp_timeout_s = 3;
    uint32_t mbufs = 8191;
    // poll(): with nothing received, spin this long, then sleep in slices of nap_ns
    // (--poll-spin-us, --poll-nap-us).  Spinning lowers latency on a CPU of our own
    // and steals it from whoever shares the CPU (the LNS's worker in a 2-CPU rig).
    uint64_t spin_ns = 200000;
    uint64_t nap_ns = 100000;
};

class DpdkLink final : public Link {
  public:
    static constexpr unsigned kBurst = 64;

    // Initialises the EAL and starts the port.  On failure `error()` is non-empty.
    explicit DpdkLink(const DpdkLinkConfig &cfg);
    ~DpdkLink() override;
    DpdkLink(const DpdkLink &) = delete;
    DpdkLink &operator=(const DpdkLink &) = delete;

    const std::string &error() const { return error_; }
    // Resolves the next hop's MAC (ARP, retried every 200 ms up to arp_timeout_s)
    // unless it is static.  False (with error()) when nobody answered.
    bool resolve();

    void send(const Transport &to, std::span<const uint8_t> bytes) override;
    void flush() override;
    std::span<const Datagram> poll(uint64_t timeout_ns) override;
    const LinkCounters &counters() const override { return c_; }
    const char *kind() const override { return "dpdk"; }
    uint32_t local_ip() const override { return cfg_.local_ip; }
    uint16_t local_port() const override { return cfg_.local_port; }

  private:
    bool start_port();
    unsigned receive_burst();
    bool classify(rte_mbuf *m, Datagram &out);
    void handle_arp(const uint8_t *arp, size_t len);
    void send_arp(uint16_t op, const MacAddr &eth_dst, const MacAddr &target_mac,
                  uint32_t target_ip);
    void queue(rte_mbuf *m);
    void release_rx();
    void remove_runtime_dir();

    DpdkLinkConfig cfg_;
    std::string error_;
    LinkCounters c_;
    bool eal_ = false, started_ = false;
    std::string prefix_;  // EAL file prefix we chose (its runtime directory is removed)
    uint16_t port_ = 0;
    rte_mempool *pool_ = nullptr;
    MacAddr mac_{};
    MacAddr next_hop_mac_{};
    bool resolved_ = false;
    uint16_t ip_id_ = 0;

    std::array<rte_mbuf *, kBurst> tx_{};
    unsigned tx_count_ = 0;
    std::array<rte_mbuf *, kBurst> rx_{};
    unsigned rx_held_ = 0;  // mbufs behind the last batch, freed at the next poll
    std::array<Datagram, kBurst> out_{};
};

}  // namespace lns::lacemu
