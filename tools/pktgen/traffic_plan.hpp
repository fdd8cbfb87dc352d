// What lns-pktgen sends: the static sessions of an lnsd configuration, expanded,
// and the addresses around them (LNS access/core addresses, MACs).
//
// MAC defaults follow what DPDK's net_pcap PMD reports: 02:70:63:61:70:NN ("\x02pcap"
// + NN), NN being the probe order of net_pcap devices, i.e. their order among the
// config's ports (lnsd passes ports to EAL as --vdev in config order).
//
// Thread: built once on the main thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/sessions.hpp"

namespace lns::pktgen {

struct SessionFlow {
    uint32_t block = 0;  // index into Config::sessions
    cfg::SessionInstance inst;
};

struct TrafficPlan {
    std::vector<SessionFlow> flows;
    uint16_t core_port = 0;
};

// Expands every static-session block of `c` in order.
TrafficPlan make_plan(const cfg::Config &c);

// MAC net_pcap would report for port `port` of `c`, or nullopt if it is not a net_pcap device.
std::optional<cfg::MacAddr> pcap_port_mac(const cfg::Config &c, uint16_t port);

// Static neighbour entry for `ipv4` on `port`, if any.
std::optional<cfg::MacAddr> neighbor_mac(const cfg::Config &c, uint16_t port, uint32_t ipv4);
std::optional<cfg::MacAddr> neighbor_mac6(const cfg::Config &c, uint16_t port, const cfg::Ipv6Addr &a);

// Locally administered MAC derived from an IPv4 address: 02:1a:<ip bytes>... (02:1a + 4 bytes).
cfg::MacAddr mac_from_ipv4(uint32_t ipv4);

bool parse_mac(const std::string &s, cfg::MacAddr &out);
bool parse_ipv4(const std::string &s, uint32_t &out);  // host order
bool parse_ipv6(const std::string &s, cfg::Ipv6Addr &out);
std::string format_mac(const cfg::MacAddr &m);

}  // namespace lns::pktgen
