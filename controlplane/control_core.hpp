// The control core: drains the workers' punt rings, answers ARP / ND / ICMP for
// the LNS's addresses, resolves next hops (holding waiting packets, bounded),
// generates ICMP errors the data path asks for, and is the only writer of the
// data-plane tables (sessions, neighbours).
//
// It transmits through the workers' inboxes: complete frames go to any worker
// (each has a TX queue on every port); packets for a session go to the session's
// owner worker, which encapsulates them with the session's framing and Ns.
//
// L2TP control messages go to the L2TP endpoint (controlplane/l2tp/), whose
// established sessions are installed here (control_l2tp.cpp).  PPP and AAA arrive
// in later work; until then their punts are counted as unhandled and freed.
//
// Thread: the main (control) lcore only.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "controlplane/aaa/aaa.hpp"
#include "controlplane/aaa/radius_dae.hpp"
#include "controlplane/l2tp/endpoint.hpp"
#include "controlplane/net/udp_socket.hpp"
#include "controlplane/subscribers.hpp"
#include "controlplane/net/neighbor_resolver.hpp"
#include "dataplane/neighbor_dir.hpp"
#include "dataplane/runtime.hpp"
#include "dataplane/stats.hpp"

struct rte_mbuf;

namespace lns::cfg {
struct ConfigDiff;
}

namespace lns::cp {

// A session to install, from static configuration or (later) from signalling.
struct SessionRequest {
    uint16_t access_port = 0;  // port index
    uint16_t local_tunnel_id = 0;
    uint16_t local_session_id = 0;
    uint16_t remote_tunnel_id = 0;
    uint16_t remote_session_id = 0;
    uint32_t lac_ip = 0;  // host order
    uint16_t lac_port = 1701;
    std::optional<uint32_t> ipv4;  // host order
    std::optional<std::pair<std::array<uint8_t, 16>, uint8_t>> ipv6;
    uint16_t mru = 1500;
    dp::L2tpTxFraming framing;
    // Outbound ESP SA protecting the session; kNoSa: the one whose `lac` covers
    // lac_ip, if any (control_ipsec.cpp).
    uint16_t sa_out = dp::kNoSa;
};

// An ESP SA to add (controlplane/control_ipsec.cpp): what YAML, the REST API and
// an IKE daemon all build.  sa.tunnel_src/dst and the NAT-T ports are filled
// from local/peer by sa_add.
struct SaRequest {
    std::string name;          // unique among live SAs
    crypto::SaConfig sa;       // SPI, direction, mode, algorithms, keys, ESN, window, NAT-T, lifetime
    uint32_t local = 0;        // host order: an access port's address
    uint32_t peer = 0;         // host order: the peer's outer address
    std::string reply_sa;      // inbound: the outbound SA protecting replies ("" none)
    uint32_t lac = 0;          // outbound: LAC addresses it protects: lac/lac_len
    uint8_t lac_len = 0;       //   (lac_len 0: the peer alone)
};

// The request for a parsed `ipsec.sas[]` entry (the YAML load, and the REST
// API, which parses its body with cfg::load_sa_string).
SaRequest sa_request(const cfg::IpsecSaConfig &c);

struct ControlCounters {
#define LNS_CTL_COUNTERS(X)                                                                   \
    X(arp_replies_sent) X(arp_requests_ignored) X(arp_replies_received) X(arp_bad)       \
    X(nd_solicits_answered) X(nd_advertisements_received) X(nd_ignored) X(nd_bad)             \
    X(icmp_echo_replies) X(icmp_echo_bad) X(icmp_errors_sent) X(icmp_errors_suppressed)       \
    X(neighbor_requests_sent) X(neighbors_resolved) X(neighbor_failures)                      \
    X(pending_queued) X(pending_flushed) X(pending_overflow) X(pending_dropped_failed)         \
    X(unhandled_l2tp_control) X(unhandled_ppp_control) X(unhandled_ike) X(unhandled_subscriber_nd)                       \
    X(inbox_full) X(mbuf_alloc_failed) X(sessions_installed) X(sessions_removed)              \
    X(session_install_failed) X(l2tp_bad_frame) X(l2tp_tx_no_mac) X(l2tp_session_install_failed) \
    X(l2tp_sessions_removed) X(l2tp_sessions_sequenced) X(subscriber_orphans)                \
    X(sas_added) X(sas_deleted) X(sa_add_failed) X(sa_rekeys) X(sessions_protected)          \
    X(l2tp_esp_replies) X(l2tp_esp_no_reply_sa) X(sa_soft_expired) X(sa_hard_expired)
#define LNS_CTL_FIELD(n) uint64_t n = 0;
    LNS_CTL_COUNTERS(LNS_CTL_FIELD)
#undef LNS_CTL_FIELD
};

class ControlCore {
public:
    explicit ControlCore(dp::Runtime &rt);
    ~ControlCore();

    // Neighbour entries for gateways and static neighbours, then static sessions.
    bool init(std::string *err);

    // Installs a session in the data plane: picks the LAC's next hop on the
    // access port (the LAC itself when on-link, else the port's gateway), the
    // owner worker, the path MTU.  The one entry point for static and signalled
    // sessions.  Returns the session index or dp::kInvalidIndex with *err.
    uint32_t install_session(const SessionRequest &r, std::string *err);
    bool remove_session(uint32_t index);

    // ESP SAs (control_ipsec.cpp).  sa_add installs an SA (inbound: visible to
    // the workers at once; outbound: new static sessions whose LAC it covers are
    // bound to it); returns its id or dp::kNoSa with *err.  sa_delete refuses an
    // outbound SA that sessions or inbound SAs still use.  sa_rekey is
    // make-before-break (RFC 4301 §4.4.2.1 / RFC 7296 §2.8): the new inbound SA
    // is added next to the old one (both accepted), the sessions bound to the
    // old outbound SA and the old inbound SA's replies switch to the new
    // outbound SA with one atomic store each, and the old outbound SA is
    // deleted (its record reused after an RCU grace period).  The old inbound
    // SA stays until sa_delete (the caller ends the overlap).
    uint16_t sa_add(const SaRequest &r, std::string *err);
    bool sa_delete(uint16_t id, std::string *err);
    bool sa_delete(const std::string &name, std::string *err);
    bool sa_rekey(const std::string &old_in, const std::string &old_out, const SaRequest &new_in,
                  const SaRequest &new_out, std::string *err);
    // A push's SA changes (control_ipsec.cpp): what would block them (checked
    // first, nothing changed), and applying them (apply_config calls it).
    std::vector<std::string> ipsec_change_blocked(const cfg::ConfigDiff &d) const;
    void apply_ipsec(const cfg::ConfigDiff &d, const cfg::Config &next);
    // An outbound SA's `lac` selector (false: not a live outbound SA), for views.
    bool sa_lac(uint16_t id, uint32_t *lac, uint8_t *len) const;

    // One iteration: punt rings, neighbour timers, RCU reclaim.  Returns the
    // number of packets handled.  `now_ns`: monotonic time.
    unsigned poll(uint64_t now_ns);

    const ControlCounters &counters() const { return c_; }
    // The L2TP endpoint (null when l2tp.enabled is false).
    l2tp::Endpoint *l2tp() { return l2tp_.get(); }
    // StopCCN (shutting down) to every tunnel; call before stopping workers and
    // keep polling briefly so the messages leave.
    void shutdown_l2tp();
    // Tunnels with control messages not yet acknowledged (after shutdown_l2tp: the
    // StopCCNs still in flight).
    size_t l2tp_unacked() const;
    // L2TP endpoint counters and one row per tunnel, for stats output.
    std::vector<std::pair<std::string, uint64_t>> l2tp_counter_list() const;
    std::vector<dp::TunnelRow> tunnel_rows() const;
    // Subscribers (control_ppp.cpp): LCP Terminate and accounting Stop for every
    // subscriber (before shutdown_l2tp), and their counters for stats output.
    void shutdown_subscribers();
    std::vector<std::pair<std::string, uint64_t>> subscriber_counter_list() const;
    const SubscriberManager *subscribers() const { return subs_.get(); }
    std::vector<std::pair<std::string, uint64_t>> counter_list() const;

    // ---- Management (control_apply.cpp; called from the command queue that
    // lnsd's control loop drains, so still on the control lcore) ----
    // The L2TP endpoint settings of `cfg`: start-up and reload use this one function.
    static l2tp::EndpointConfig endpoint_config(const cfg::Config &cfg);
    // The configuration running now (start-up file, then each applied reload).
    const cfg::Config &running_config() const { return running_; }
    // Applies `next`, whose differences from running_config() are all hot
    // (cfg::diff_config(...).restart empty; the caller checks): L2TP policies,
    // limits and timers, local users, pools appended, AAA defaults.  Sessions
    // keep running; what changed applies to tunnels and calls set up later.
    void apply_config(const cfg::Config &next);
    // Addresses (IPv4) or prefixes (IPv6) held from the pool named `name`.
    uint64_t pool_in_use(bool ipv6, const std::string &name) const;
    // Ends a subscriber like a RADIUS Disconnect (LCP Terminate, accounting
    // Stop, CDN); a call without a subscriber gets a CDN.  False if unknown.
    bool disconnect_session(uint32_t index);
    // StopCCN (result 1, general clear) to a tunnel, ending its calls.
    bool clear_tunnel(uint16_t tunnel_id);
    // Signalled sessions: (tunnel << 16 | session) -> data-plane index.
    const std::unordered_map<uint32_t, uint32_t> &l2tp_session_map() const { return l2tp_sessions_; }
    uint64_t now() const { return now_; }

private:
    void handle_punt(rte_mbuf *m, uint64_t now);
    void handle_arp(rte_mbuf *m, uint64_t now);
    void handle_nd(rte_mbuf *m, uint64_t now);
    void handle_icmp_local(rte_mbuf *m);
    void handle_neighbor_miss(rte_mbuf *m, uint64_t now);
    uint32_t onlink_neighbor(rte_mbuf *m);
    void handle_icmp_error(rte_mbuf *m, bool ttl);
    bool init_ipsec(std::string *err);
    uint16_t outbound_sa_for(uint32_t lac_ip) const;
    uint16_t l2tp_reply_sa(uint16_t inbound_sa, uint32_t lac_ip);
    void l2tp_bind_sa(uint16_t port, uint32_t ip, uint16_t udp_port, uint16_t peer_tunnel, uint16_t sa);
    uint16_t l2tp_sa(uint16_t port, uint32_t ip, uint16_t udp_port, uint16_t peer_tunnel) const;
    void send_esp_frame(uint16_t port, uint16_t sa, const uint8_t *frame, size_t len);
    void poll_ipsec(uint64_t now);
    void init_l2tp();
    void handle_l2tp(rte_mbuf *m);
    void l2tp_send(const l2tp::Transport &t, std::span<const uint8_t> payload);
    void l2tp_event(const l2tp::Event &ev);
    uint32_t l2tp_install(const l2tp::Event &ev, bool sequencing);
    void run_l2tp_actions();
    bool init_subscribers(std::string *err);
    void handle_ppp(rte_mbuf *m);
    void handle_subscriber_nd(rte_mbuf *m);
    void poll_subscribers(uint64_t now);
    void learn(uint16_t port, uint32_t idx, const net::MacAddr &mac, uint64_t now);
    void on_neighbor_event(const net::NeighborEvent &ev);
    void send_neighbor_request(uint32_t idx, bool unicast);
    uint32_t acquire_neighbor4(uint16_t port, uint32_t ip);
    uint32_t acquire_neighbor6(uint16_t port, const std::array<uint8_t, 16> &ip);
    void release_neighbor(uint32_t idx);

    // Transmit helpers: copy `len` bytes into a new mbuf and queue it.
    void send_frame(uint16_t port, const uint8_t *frame, size_t len);
    void send_into_session(uint32_t session, uint16_t ppp_protocol, const uint8_t *ip, size_t len);
    bool to_inbox(unsigned worker, rte_mbuf *m);
    rte_mbuf *copy_to_mbuf(const uint8_t *bytes, size_t len);  // null (counted) when out of mbufs

    dp::Runtime &rt_;
    dp::NeighborDirectory dir_;
    net::NeighborResolver resolver_;
    std::unordered_map<uint32_t, std::vector<rte_mbuf *>> pending_;
    ControlCounters c_;
    unsigned next_worker_ = 0;
    unsigned next_owner_ = 0;
    uint64_t now_ = 0;
    uint64_t busy_cycles_ = 0;  // TSC cycles in polls that handled packets or timers

    // ESP (control_ipsec.cpp): per SA, what only the control core needs.
    struct SaControl {
        bool live = false;
        bool outbound = false;
        uint32_t lac = 0;  // outbound: the LACs it protects (host order), lac/lac_len
        uint8_t lac_len = 32;
        uint32_t nh = dp::kInvalidIndex;  // outbound: the peer's next hop (a reference held)
        bool soft_noted = false, hard_noted = false;  // counted in sa_soft/hard_expired
    };
    std::vector<SaControl> sa_ctl_;  // indexed by SA id
    // L2TP tunnels whose control messages arrived under ESP: (address, UDP port,
    // the peer's tunnel id) -> (access port, the outbound SA for replies and for
    // their calls).  Per tunnel, so L2TP/IPsec clients behind one NAT that all
    // use inner port 1701 are answered each under its own SA.
    struct L2tpSa {
        uint16_t port;
        uint16_t sa;
    };
    std::unordered_map<uint64_t, L2tpSa> l2tp_sa_;
    // While the endpoint handles one received message: the SA its replies use
    // (an SCCRQ's tunnel is known only once the endpoint answers it).
    struct L2tpRx {
        bool active = false;
        uint16_t port = 0, udp_port = 0, sa = 0;
        uint32_t ip = 0;
    } l2tp_rx_;
    unsigned next_sa_owner_ = 0;
    uint64_t next_sa_scan_ = 0;

    // L2TP (control_l2tp.cpp).
    std::unique_ptr<l2tp::Xoshiro> l2tp_rng_;
    std::unique_ptr<l2tp::Endpoint> l2tp_;
    std::unordered_map<uint64_t, net::MacAddr> l2tp_mac_;     // (port, LAC ip) -> next hop MAC
    std::unordered_map<uint32_t, uint32_t> l2tp_sessions_;    // (tunnel, session) -> table index
    std::vector<std::pair<uint16_t, uint16_t>> l2tp_to_close_; // install failed: CDN after the event

    // Subscribers: PPP, AAA, RADIUS and DAE sockets (control_ppp.cpp).
    class SubEnv;
    class PppRandom;
    std::unique_ptr<SubEnv> sub_env_;        // control_env.hpp
    std::unique_ptr<PppRandom> ppp_rng_;
    std::unique_ptr<aaa::Aaa> aaa_;
    std::unique_ptr<SubscriberManager> subs_;
    std::vector<net::UdpSocket> radius_socks_;
    net::UdpSocket dae_sock_;
    std::unique_ptr<aaa::DaeServer> dae_;
    uint64_t next_socket_poll_ = 0;

    cfg::Config running_;  // control_apply.cpp
};

}  // namespace lns::cp
