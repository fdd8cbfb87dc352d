#include "tools/pktgen/traffic_plan.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace lns::pktgen {

TrafficPlan make_plan(const cfg::Config &c) {
    TrafficPlan plan;
    size_t total = 0;
    for (const auto &s : c.sessions) total += s.count;
    plan.flows.reserve(total);
    for (uint32_t b = 0; b < c.sessions.size(); ++b) {
        const auto &s = c.sessions[b];
        for (uint32_t i = 0; i < s.count; ++i) plan.flows.push_back({b, cfg::session_instance(s, i)});
    }
    plan.core_port = c.core_port;
    // Defensive: if validation did not set core_port, take the first core port.
    if (plan.core_port >= c.ports.size() || c.ports[plan.core_port].role != cfg::PortRole::core) {
        for (uint16_t p = 0; p < c.ports.size(); ++p) {
            if (c.ports[p].role == cfg::PortRole::core) {
                plan.core_port = p;
                break;
            }
        }
    }
    return plan;
}

std::optional<cfg::MacAddr> pcap_port_mac(const cfg::Config &c, uint16_t port) {
    unsigned idx = 0;
    for (uint16_t p = 0; p < c.ports.size(); ++p) {
        const bool is_pcap = c.ports[p].device.rfind("net_pcap", 0) == 0;
        if (p == port) {
            if (!is_pcap) return std::nullopt;
            return cfg::MacAddr{0x02, 0x70, 0x63, 0x61, 0x70, static_cast<uint8_t>(idx)};
        }
        if (is_pcap) ++idx;
    }
    return std::nullopt;
}

std::optional<cfg::MacAddr> neighbor_mac(const cfg::Config &c, uint16_t port, uint32_t ipv4) {
    for (const auto &n : c.neighbors)
        if (n.port == port && n.ipv4 && *n.ipv4 == ipv4) return n.mac;
    return std::nullopt;
}

std::optional<cfg::MacAddr> neighbor_mac6(const cfg::Config &c, uint16_t port, const cfg::Ipv6Addr &a) {
    for (const auto &n : c.neighbors)
        if (n.port == port && n.ipv6 && *n.ipv6 == a) return n.mac;
    return std::nullopt;
}

cfg::MacAddr mac_from_ipv4(uint32_t ipv4) {
    return {0x02, 0x1a, static_cast<uint8_t>(ipv4 >> 24), static_cast<uint8_t>(ipv4 >> 16),
            static_cast<uint8_t>(ipv4 >> 8), static_cast<uint8_t>(ipv4)};
}

bool parse_mac(const std::string &s, cfg::MacAddr &out) {
    unsigned v[6];
    char tail;
    if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
        return false;
    for (int i = 0; i < 6; ++i) {
        if (v[i] > 0xff) return false;
        out[i] = static_cast<uint8_t>(v[i]);
    }
    return true;
}

bool parse_ipv4(const std::string &s, uint32_t &out) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return false;
    out = ntohl(a.s_addr);
    return true;
}

bool parse_ipv6(const std::string &s, cfg::Ipv6Addr &out) {
    in6_addr a{};
    if (inet_pton(AF_INET6, s.c_str(), &a) != 1) return false;
    std::memcpy(out.data(), &a, 16);
    return true;
}

std::string format_mac(const cfg::MacAddr &m) {
    char b[18];
    std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    return b;
}

}  // namespace lns::pktgen
