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
    bool operator==(const Ipv4Prefix &) const = default;
};

struct Ipv6Prefix {
    Ipv6Addr addr{};
    uint8_t len = 128;
    bool operator==(const Ipv6Prefix &) const = default;
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
    bool operator==(const PortConfig &) const = default;
};

struct RxQueueRef {
    uint16_t port = 0;  // index into Config::ports
    uint16_t queue = 0;
    bool operator==(const RxQueueRef &) const = default;
};

struct WorkerConfig {
    unsigned lcore = 0;
    std::optional<unsigned> cpu;  // the CPU its thread runs on; default: CPU `lcore`
    std::vector<RxQueueRef> rx;  // (port, queue) pairs this worker polls
    bool operator==(const WorkerConfig &) const = default;
};

struct StaticNeighbor {
    uint16_t port = 0;
    std::optional<uint32_t> ipv4;
    std::optional<Ipv6Addr> ipv6;
    MacAddr mac{};
    bool operator==(const StaticNeighbor &) const = default;
};

// Data-message framing of a session, as the LNS sends it downstream.  Upstream,
// every variant is accepted whatever these say.
struct Framing {
    bool sequencing = false;  // S bit with Ns on every data message (Sequencing Required)
    bool length = false;      // L bit and Length field
    uint16_t offset = 0;      // when > 0: O bit with this Offset Size of padding
    bool acfc = false;        // omit FF 03
    bool pfc = false;         // one-byte protocol field where possible
    bool operator==(const Framing &) const = default;
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
    bool operator==(const StaticSession &) const = default;
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
    bool operator==(const MtuConfig &) const = default;
};

struct TableConfig {
    uint32_t max_sessions = 65536;
    uint32_t max_neighbors = 4096;
    uint32_t frag_flows = 4096;       // outer reassembly flows per worker
    uint32_t frag_timeout_ms = 2000;  // reassembly timeout
    bool operator==(const TableConfig &) const = default;
};

struct ArpConfig {
    uint32_t reachable_ms = 300000;  // re-resolve a learned entry after this long
    uint32_t retry_ms = 1000;
    uint32_t retries = 3;           // then the entry fails and its queue is dropped
    uint32_t pending_packets = 16;  // per unresolved neighbour
    bool operator==(const ArpConfig &) const = default;
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
    bool operator==(const L2tpChannel &) const = default;
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
    bool operator==(const L2tpPeer &) const = default;
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
    bool operator==(const L2tpConfig &) const = default;
};

// PPP on signalled sessions (controlplane/ppp/): LCP, authentication, NCPs.
enum class AuthProtocol : uint8_t { pap, chap_md5, mschapv2 };

struct PppConfig {
    uint16_t mru = 1492;  // offered and accepted; clamped to what the tunnel path carries
    // Offered in this order (Auth-Protocol in our Configure-Request; a Nak moves to
    // the next one the peer suggests); empty: no authentication.
    std::vector<AuthProtocol> auth = {AuthProtocol::chap_md5, AuthProtocol::mschapv2,
                                      AuthProtocol::pap};
    uint32_t restart_ms = 3000;   // RFC 1661 restart timer
    uint32_t max_configure = 10;
    uint32_t max_failure = 5;
    uint32_t max_terminate = 2;
    uint32_t echo_interval_s = 30;  // LCP Echo-Request when idle; 0: off
    uint32_t echo_failures = 5;     // unanswered echoes before the link is declared dead
    uint32_t auth_timeout_s = 30;   // the whole authentication phase
    uint32_t chap_rechallenge_s = 0;  // periodic CHAP re-challenge; 0: off
    bool ipv6 = true;                 // IPv6CP, then Router Advertisements with the /64
    uint32_t ra_interval_s = 600;     // unsolicited RA period (RFC 4861 MaxRtrAdvInterval)
    uint32_t ra_lifetime_s = 1800;    // router lifetime and prefix valid lifetime
    // Proxy LCP / authentication from the LAC's ICCN (RFC 2661 AVPs 26-33):
    // accept the LAC's LCP state instead of renegotiating, and verify the proxied
    // credentials instead of challenging again.  Either false renegotiates.
    bool accept_proxy_lcp = true;
    bool accept_proxy_auth = true;
    std::optional<uint32_t> dns_primary;    // IPCP options 129 / 131 (RFC 1877)
    std::optional<uint32_t> dns_secondary;
    bool operator==(const PppConfig &) const = default;
};

struct Ipv4PoolConfig {
    std::string name;
    uint32_t first = 0;  // host order, inclusive
    uint32_t last = 0;
    bool operator==(const Ipv4PoolConfig &) const = default;
};

struct Ipv6PoolConfig {
    std::string name;
    Ipv6Prefix prefix;            // carved into prefixes of delegated_len
    uint8_t delegated_len = 64;   // 48..64
    bool operator==(const Ipv6PoolConfig &) const = default;
};

// A subscriber of the local user database (aaa.users_file).
struct LocalUser {
    std::string name;
    std::string password;                  // cleartext: CHAP and MS-CHAPv2 need it
    std::optional<uint32_t> ipv4;          // fixed address (host order)
    std::optional<Ipv6Prefix> ipv6_prefix; // fixed prefix
    std::string ipv4_pool, ipv6_pool;      // else these pools (empty: aaa defaults)
    uint32_t session_timeout_s = 0;        // 0: aaa.session_timeout_s
    uint32_t idle_timeout_s = 0;           // 0: aaa.idle_timeout_s
    bool operator==(const LocalUser &) const = default;
};

struct RadiusServerConfig {
    uint32_t address = 0;  // host order
    uint16_t auth_port = 1812;
    uint16_t acct_port = 1813;
    std::string secret;
    bool operator==(const RadiusServerConfig &) const = default;
};

struct RadiusClientConfig {  // a Dynamic Authorization client (RFC 5176)
    uint32_t address = 0;
    std::string secret;
    bool operator==(const RadiusClientConfig &) const = default;
};

struct RadiusConfig {
    std::vector<RadiusServerConfig> servers;  // tried in order; failover on timeout
    uint32_t timeout_ms = 3000;               // per transmission
    uint32_t retries = 3;                     // retransmissions per server
    uint32_t dead_time_s = 30;                // a server that timed out is skipped this long
    uint32_t source_ports = 4;                // UDP sockets (256 requests in flight each)
    uint32_t nas_ip = 0;                      // NAS-IP-Address (0: the first access port's address)
    std::string nas_identifier = "lnsd";
    bool accounting = true;
    uint32_t interim_interval_s = 0;          // Acct-Interim-Interval when RADIUS sends none; 0: off
    bool require_message_authenticator = false;  // in replies
    std::optional<uint32_t> dae_address;      // listen for Disconnect / CoA (host order)
    uint16_t dae_port = 3799;
    std::vector<RadiusClientConfig> dae_clients;
    bool operator==(const RadiusConfig &) const = default;
};

enum class AaaBackend : uint8_t { local, radius };

struct AaaConfig {
    AaaBackend backend = AaaBackend::local;
    std::string users_file;                // local users (YAML), relative to the config file
    std::vector<LocalUser> users;          // read from users_file at load time
    std::vector<Ipv4PoolConfig> ipv4_pools;
    std::vector<Ipv6PoolConfig> ipv6_pools;
    std::string default_ipv4_pool;         // empty: the first one
    std::string default_ipv6_pool;
    uint32_t session_timeout_s = 0;        // 0: none
    uint32_t idle_timeout_s = 0;
    RadiusConfig radius;
    bool operator==(const AaaConfig &) const = default;
};

// logging: the control core's structured event log (controlplane/log.hpp).
struct LoggingConfig {
    uint8_t level = 3;  // 0 error, 1 warning, 2 notice, 3 info, 4 debug (log::Level)
    bool json = false;  // format: text (logfmt) or json (one object per line)
    uint32_t rate_per_s = 100;  // lines per second per event name; 0: unlimited
    uint32_t burst = 500;
    bool timestamps = true;
    bool operator==(const LoggingConfig &) const = default;
};

// ESP security associations (ipsec:), static; the IKE daemon and the REST API
// add more at run time through the same control-core functions
// (controlplane/control_ipsec.cpp).  RFC 4301 §4.4.2.
enum class IpsecCipher : uint8_t { aes_gcm_128, aes_gcm_256, aes_cbc_128, aes_cbc_256, des3_cbc };
enum class IpsecIntegrity : uint8_t { none, hmac_sha1_96, hmac_sha256_128 };

struct IpsecSaConfig {
    std::string name;
    bool inbound = true;
    uint32_t spi = 0;
    bool tunnel = false;          // tunnel mode (else transport)
    uint32_t local = 0;           // host order: an access port's address
    uint32_t peer = 0;            // host order: the peer's outer address
    uint16_t port = 0;            // index of the access port whose address is `local`
    IpsecCipher cipher = IpsecCipher::aes_gcm_128;
    IpsecIntegrity integrity = IpsecIntegrity::none;
    std::vector<uint8_t> key;       // cipher key; GCM: without the salt
    std::array<uint8_t, 4> salt{};  // GCM: the last 4 bytes of `key:` (RFC 4106 §8.1)
    std::vector<uint8_t> auth_key;
    bool esn = false;
    uint32_t replay_window = 64;  // inbound; ipsec.replay_window unless set here
    bool natt = false;            // UDP-encapsulated (RFC 3948)
    uint16_t natt_local_port = 4500;
    uint16_t natt_peer_port = 4500;
    uint64_t soft_bytes = 0, hard_bytes = 0, soft_packets = 0, hard_packets = 0;
    std::string reply_sa;         // inbound: name of the outbound SA for replies
    int reply_index = -1;         // its index in IpsecConfig::sas (validation)
    std::optional<Ipv4Prefix> lac;  // outbound: LAC addresses it protects (default: peer/32)
    bool operator==(const IpsecSaConfig &) const = default;
};

struct IpsecConfig {
    uint32_t replay_window = 64;  // default for inbound SAs: 0 (off) or 64..4096
    uint32_t max_sas = 1024;      // SA records in the data plane (static + added at run time)
    std::vector<IpsecSaConfig> sas;
    bool operator==(const IpsecConfig &) const = default;
};

struct EalConfig {
    bool no_huge = false;
    uint32_t memory_mb = 0;  // -m, 0: EAL default
    std::string file_prefix = "lnsd";
    bool no_pci = false;
    std::vector<std::string> extra_args;
    bool operator==(const EalConfig &) const = default;
};

// The management API (mgmt/): REST over HTTP/1.1, optionally TLS.  Absent
// section: no API.  Read at start; changing it needs a restart.
struct ApiTlsConfig {
    std::string cert;  // PEM files, relative to the configuration file
    std::string key;
    bool operator==(const ApiTlsConfig &) const = default;
};

struct ApiConfig {
    bool enabled = false;                // true when the section is present, unless set false
    std::string listen = "127.0.0.1:8080";
    uint32_t listen_ip = 0x7f000001;     // host order, from listen
    uint16_t listen_port = 8080;
    std::string token_file;              // bearer token (required when enabled)
    std::optional<ApiTlsConfig> tls;
    bool allow_plaintext_remote = false; // non-loopback listen without TLS
    uint32_t max_body_bytes = 1u << 20;  // larger requests: 413
    uint32_t command_timeout_ms = 5000;  // control core reply bound: 503 after it
    bool operator==(const ApiConfig &) const = default;
};

struct Config {
    std::string source;  // file name, for messages
    EalConfig eal;
    unsigned control_lcore = 0;
    std::optional<unsigned> control_cpu;  // the CPU of the control lcore's thread; default: CPU control_lcore
    uint32_t mbufs = 65535;     // mbufs per NUMA socket pool
    uint32_t burst = 64;        // packets per pass of the stages (64: the lookups of a burst overlap better)
    std::optional<uint32_t> rx_burst;  // packets per rte_eth_rx_burst call; default min(32, burst)
    uint32_t tx_drain_us = 100; // flush partially filled TX buffers after this long
    uint32_t punt_ring_size = 4096;
    uint32_t stats_interval_s = 0;  // 0: only on SIGUSR1 and at exit
    uint32_t worker_idle_sleep_us = 0;  // workers sleep this long when idle; 0: poll only
    uint32_t worker_idle_polls = 256;   // empty polls in a row before that sleep
    std::vector<PortConfig> ports;
    std::vector<WorkerConfig> workers;
    std::vector<StaticNeighbor> neighbors;
    std::vector<StaticSession> sessions;
    TableConfig tables;
    MtuConfig mtu;
    ArpConfig arp;
    L2tpConfig l2tp;
    PppConfig ppp;
    AaaConfig aaa;
    LoggingConfig logging;
    IpsecConfig ipsec;
    ApiConfig api;

    // First core port (upstream traffic leaves here); set by validation.
    uint16_t core_port = 0;
    bool operator==(const Config &) const = default;
};

}  // namespace lns::cfg
