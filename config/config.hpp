// Typed, validated lnsd configuration.
//
// The YAML file is parsed once (config/load.cpp) into these structs; runtime code
// never looks a setting up by string.  All addresses are kept in host byte order
// (uint32_t for IPv4) or as 16 network-order bytes (IPv6); conversion to wire order
// happens where tables are built.
//
// Thread: built on the main thread before EAL start, then read-only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lns::cfg {

using MacAddr = std::array<uint8_t, 6>;
using Ipv6Addr = std::array<uint8_t, 16>;

struct Ipv4Prefix {
    uint32_t addr = 0;  // host order
    uint8_t len = 32;
};

struct Ipv6Prefix {
    Ipv6Addr addr{};
    uint8_t len = 128;
};

enum class PortRole : uint8_t { access, core };

struct PortConfig {
    std::string name;    // referenced by workers, sessions, neighbours
    std::string device;  // PCI address ("0000:03:00.0") or vdev devargs ("net_pcap0,rx_pcap=...")
    PortRole role = PortRole::access;
    uint16_t rx_queues = 1;  // 0 makes a TX-only port (benchmarks)
    uint16_t rx_desc = 1024;
    uint16_t tx_desc = 1024;
    uint16_t mtu = 1500;  // IP MTU of the link
    bool promiscuous = false;
    Ipv4Prefix ipv4;                   // the LNS's address on this link, and the on-link prefix
    std::optional<uint32_t> gateway4;  // next hop for off-link IPv4 destinations
    std::optional<Ipv6Prefix> ipv6;    // core ports: the LNS's IPv6 address on this link
    std::optional<Ipv6Addr> gateway6;  // core ports: IPv6 next hop (link-local or global)
};

struct RxQueueRef {
    uint16_t port = 0;  // index into Config::ports
    uint16_t queue = 0;
};

struct WorkerConfig {
    unsigned lcore = 0;
    std::vector<RxQueueRef> rx;  // (port, queue) pairs this worker polls
};

struct StaticNeighbor {
    uint16_t port = 0;
    std::optional<uint32_t> ipv4;
    std::optional<Ipv6Addr> ipv6;
    MacAddr mac{};
};

// Data-message framing of a session, as the LNS sends it downstream.  Upstream,
// every variant is accepted whatever these say.
struct Framing {
    bool sequencing = false;  // S bit with Ns on every data message (Sequencing Required)
    bool length = false;      // L bit and Length field
    uint16_t offset = 0;      // when > 0: O bit with this Offset Size of padding
    bool acfc = false;        // omit FF 03
    bool pfc = false;         // one-byte protocol field where possible
};

// One static session, or a block of `count` sessions.  In a block, session ids,
// IPv4 addresses and IPv6 prefixes increment by one per session (prefixes by
// 2^(128-len)); tunnel ids increment every `sessions_per_tunnel` sessions, and the
// session id restarts at its first value in each new tunnel.
struct StaticSession {
    std::string name;
    uint16_t port = 0;  // access port index
    uint32_t count = 1;
    uint32_t sessions_per_tunnel = 1;
    uint16_t local_tunnel_id = 0;
    uint16_t local_session_id = 0;
    uint16_t remote_tunnel_id = 0;
    uint16_t remote_session_id = 0;
    uint32_t lac_address = 0;  // host order
    uint16_t lac_port = 1701;
    std::optional<uint32_t> ipv4;           // subscriber /32
    std::optional<Ipv6Prefix> ipv6_prefix;  // subscriber prefix (length 32..64)
    uint16_t mru = 1500;
    Framing framing;
};

enum class TooBigPolicy : uint8_t { fragment, icmp };

struct MtuConfig {
    uint16_t tcp_mss_v4 = 0;  // 0: no clamping
    uint16_t tcp_mss_v6 = 0;
    bool clamp_upstream = true;
    bool clamp_downstream = true;
    // Downstream packets that do not fit the tunnel path: fragment the outer
    // IPv4 packet, or answer ICMP fragmentation-needed / packet-too-big.  With
    // `fragment`, an inner IPv4 packet with DF still gets ICMP.
    TooBigPolicy too_big = TooBigPolicy::fragment;
    bool icmp_time_exceeded = true;  // answer TTL expiry (else count only)
};

struct TableConfig {
    uint32_t max_sessions = 65536;
    uint32_t max_neighbors = 4096;
    uint32_t frag_flows = 4096;       // outer reassembly flows per worker
    uint32_t frag_timeout_ms = 2000;  // reassembly timeout
};

struct ArpConfig {
    uint32_t reachable_ms = 300000;  // re-resolve a learned entry after this long
    uint32_t retry_ms = 1000;
    uint32_t retries = 3;           // then the entry fails and its queue is dropped
    uint32_t pending_packets = 16;  // per unresolved neighbour
};

// L2TP control channel timers and windows (RFC 2661 §5.8), per peer or default.
struct L2tpChannel {
    uint16_t receive_window = 16;          // ours, advertised (1..1024)
    uint32_t retransmit_initial_ms = 1000; // first retransmission
    uint32_t retransmit_cap_ms = 8000;     // back-off cap (>= 8000 per RFC 2661 §5.8)
    uint32_t max_retransmits = 5;          // then the tunnel is torn down
    uint32_t ack_delay_ms = 100;           // ZLB ack when nothing piggybacks
    bool slow_start = true;                // Appendix A
    uint32_t hello_interval_s = 60;        // 0: no HELLO
};

// A LAC (or a group of LACs) allowed to open tunnels, with its own settings.
struct L2tpPeer {
    std::string name;
    std::vector<Ipv4Prefix> sources;  // empty: any address
    std::string host_name;            // empty: any; else must match the SCCRQ's Host Name
    std::string secret;               // tunnel authentication and hidden AVPs
    bool require_authentication = false;  // challenge the LAC (needs secret)
    bool hide_avps = false;
    uint32_t max_sessions = 0;        // per tunnel; 0: l2tp.max_sessions_per_tunnel
    bool force_sequencing = false;    // data Ns on every session of this peer
    L2tpChannel channel;
};

// The L2TP control plane (lnsd as LNS).
struct L2tpConfig {
    bool enabled = true;
    std::string host_name = "lnsd";
    uint32_t max_tunnels = 1024;
    uint32_t max_sessions = 65536;             // in total (also bounded by tables.max_sessions)
    uint32_t max_sessions_per_tunnel = 65535;
    uint32_t call_setup_timeout_s = 30;
    uint32_t id_quarantine_s = 60;
    bool accept_unknown_peers = true;          // LACs matching no peer use `defaults`
    L2tpPeer defaults;                         // name "default"; secret etc. for unknown peers
    std::vector<L2tpPeer> peers;               // first match (sources, host_name) wins
};

struct EalConfig {
    bool no_huge = false;
    uint32_t memory_mb = 0;  // -m, 0: EAL default
    std::string file_prefix = "lnsd";
    bool no_pci = false;
    std::vector<std::string> extra_args;
};

struct Config {
    std::string source;  // file name, for messages
    EalConfig eal;
    unsigned control_lcore = 0;
    uint32_t mbufs = 65535;     // mbufs per NUMA socket pool
    uint32_t burst = 64;        // RX burst size (64: the lookups of a burst overlap better)
    uint32_t tx_drain_us = 100; // flush partially filled TX buffers after this long
    uint32_t punt_ring_size = 4096;
    uint32_t stats_interval_s = 0;  // 0: only on SIGUSR1 and at exit
    uint32_t worker_idle_sleep_us = 0;  // workers sleep this long when idle; 0: poll only
    std::vector<PortConfig> ports;
    std::vector<WorkerConfig> workers;
    std::vector<StaticNeighbor> neighbors;
    std::vector<StaticSession> sessions;
    TableConfig tables;
    MtuConfig mtu;
    ArpConfig arp;
    L2tpConfig l2tp;

    // First core port (upstream traffic leaves here); set by validation.
    uint16_t core_port = 0;
};

}  // namespace lns::cfg
