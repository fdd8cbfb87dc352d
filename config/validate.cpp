// Checks across ports, workers and neighbours: port roles, overlapping
// prefixes, lcores, every RX queue polled by exactly one worker, neighbours on-link.
#include <map>
#include <set>
#include <string>
#include <utility>

#include "config/net_parse.hpp"
#include "config/parse.hpp"

namespace lns::cfg::detail {

namespace {

std::string port_path(size_t i) {
    return item_path("ports", i);
}

void check_roles(Parsed &p, Diagnostics &diag) {
    const auto &ports = p.config.ports;
    int core = -1;
    bool access = false;
    for (size_t i = 0; i < ports.size(); ++i) {
        if (ports[i].role == PortRole::core && core < 0) core = static_cast<int>(i);
        if (ports[i].role == PortRole::access) access = true;
    }
    if (core >= 0) p.config.core_port = static_cast<uint16_t>(core);
    // A port with a misspelt or missing role might be the missing one.
    if (!diag.has_location("ports") || diag.has_error_at("ports")) return;
    for (size_t i = 0; i < ports.size(); ++i)
        if (!diag.clean(field_path("ports", i, "role"))) return;
    if (!access) diag.error("ports", "at least one port with role: access is required");
    if (core < 0) diag.error("ports", "at least one port with role: core is required");
}

void check_port_prefixes(const Parsed &p, Diagnostics &diag) {
    const auto &ports = p.config.ports;
    for (size_t j = 0; j < ports.size(); ++j) {
        for (size_t i = 0; i < j; ++i) {
            const PortConfig &a = ports[i], &b = ports[j];
            bool v4 = diag.clean(field_path("ports", i, "ipv4")) &&
                      diag.clean(field_path("ports", j, "ipv4"));
            bool v6 = diag.clean(field_path("ports", i, "ipv6")) &&
                      diag.clean(field_path("ports", j, "ipv6"));
            unsigned len = std::min(a.ipv4.len, b.ipv4.len);
            if (v4 && ((a.ipv4.addr ^ b.ipv4.addr) & ipv4_mask(len)) == 0) {
                Ipv4Prefix net{b.ipv4.addr & ipv4_mask(b.ipv4.len), b.ipv4.len};
                diag.error(port_path(j) + ".ipv4", "on-link prefix " + format_prefix(net) +
                                                       " overlaps " + port_path(i) + ".ipv4 (" +
                                                       format_prefix(a.ipv4) + ")");
            }
            if (v6 && a.ipv6 && b.ipv6) {
                Ipv6Prefix shorter = a.ipv6->len <= b.ipv6->len ? *a.ipv6 : *b.ipv6;
                const Ipv6Addr &other = a.ipv6->len <= b.ipv6->len ? b.ipv6->addr : a.ipv6->addr;
                if (ipv6_in_prefix(other, shorter)) {
                    diag.error(port_path(j) + ".ipv6", "prefix " + format_prefix(*b.ipv6) +
                                                           " overlaps " + port_path(i) + ".ipv6 (" +
                                                           format_prefix(*a.ipv6) + ")");
                }
            }
        }
    }
}

void check_lcores(const Parsed &p, Diagnostics &diag) {
    const Config &c = p.config;
    std::map<unsigned, size_t> used;  // lcore -> first worker
    for (size_t i = 0; i < c.workers.size(); ++i) {
        std::string path = field_path("workers", i, "lcore");
        if (!diag.has_location(path) || !diag.clean(path)) continue;
        unsigned lcore = c.workers[i].lcore;
        if (lcore == c.control_lcore) {
            diag.error(path, "lcore " + std::to_string(lcore) +
                                 " is the control_lcore; workers need lcores of their own");
        } else if (auto [it, fresh] = used.emplace(lcore, i); !fresh) {
            diag.error(path, "lcore " + std::to_string(lcore) + " is already used by " +
                                 item_path("workers", it->second));
        }
    }
}

// Lists unpolled queues of a port as "1, 2, 5".
std::string queue_list(const std::vector<uint16_t> &queues) {
    std::string s;
    for (uint16_t q : queues) s += (s.empty() ? "" : ", ") + std::to_string(q);
    return s;
}

void check_queues(const Parsed &p, Diagnostics &diag) {
    const Config &c = p.config;
    std::map<std::pair<uint16_t, uint16_t>, std::string> polled;  // (port, queue) -> path
    for (size_t w = 0; w < c.workers.size(); ++w) {
        for (size_t j = 0; j < c.workers[w].rx.size(); ++j) {
            const RxQueueRef &ref = c.workers[w].rx[j];
            std::string path = item_path(field_path("workers", w, "rx"), j);
            if (!diag.clean(path)) continue;
            auto [it, fresh] = polled.emplace(std::make_pair(ref.port, ref.queue), path);
            if (!fresh) {
                diag.error(path, "port " + c.ports[ref.port].name + " queue " +
                                     std::to_string(ref.queue) + " is already polled by " +
                                     it->second);
            }
        }
    }
    // A broken worker entry may have been meant to poll the missing queues.
    if (!diag.has_location("workers") || diag.has_error_at("workers")) return;
    for (size_t w = 0; w < c.workers.size(); ++w)
        if (!diag.clean(field_path("workers", w, "rx"))) return;
    for (size_t i = 0; i < c.ports.size(); ++i) {
        if (!diag.clean(field_path("ports", i, "rx_queues"))) continue;
        std::vector<uint16_t> missing;
        for (uint16_t q = 0; q < c.ports[i].rx_queues; ++q) {
            if (!polled.count({static_cast<uint16_t>(i), q})) missing.push_back(q);
        }
        if (missing.empty()) continue;
        diag.error(port_path(i) + ".rx_queues",
                   std::string(missing.size() == 1 ? "queue " : "queues ") + queue_list(missing) +
                       " of port " + c.ports[i].name + (missing.size() == 1 ? " is" : " are") +
                       " not polled by any worker (every RX queue needs exactly one)");
    }
}

// Empty when `n` is on-link for `port`, else the reason it is not.
std::string off_link_reason(const StaticNeighbor &n, const PortConfig &port) {
    if (n.ipv4) {
        if (!ipv4_in_prefix(*n.ipv4, port.ipv4))
            return format_ipv4(*n.ipv4) + " is not inside port " + port.name + "'s prefix " +
                   format_prefix(
                       Ipv4Prefix{port.ipv4.addr & ipv4_mask(port.ipv4.len), port.ipv4.len});
        if (*n.ipv4 == port.ipv4.addr) return "is the port's own address";
        return "";
    }
    if (!n.ipv6) return "";
    if (!port.ipv6) return "port " + port.name + " has no ipv6 address";
    if (*n.ipv6 == port.ipv6->addr) return "is the port's own address";
    if (ipv6_is_multicast(*n.ipv6) || ipv6_is_unspecified(*n.ipv6)) return "is not unicast";
    if (!ipv6_is_link_local(*n.ipv6) && !ipv6_in_prefix(*n.ipv6, *port.ipv6))
        return format_ipv6(*n.ipv6) + " is neither link-local nor inside port " + port.name +
               "'s prefix " + format_prefix(*port.ipv6);
    return "";
}

void check_neighbors(const Parsed &p, Diagnostics &diag) {
    const Config &c = p.config;
    std::set<std::pair<uint16_t, std::string>> seen;
    for (size_t i = 0; i < c.neighbors.size(); ++i) {
        const StaticNeighbor &n = c.neighbors[i];
        std::string path = item_path("neighbors", i);
        std::string field = n.ipv4 ? ".ipv4" : ".ipv6";
        if (!diag.clean(path) || !diag.clean(field_path("ports", n.port, field.c_str() + 1)))
            continue;
        std::string why = off_link_reason(n, c.ports[n.port]);
        if (!why.empty()) {
            diag.error(path + field, "not on-link: " + why);
            continue;
        }
        std::string addr = n.ipv4 ? format_ipv4(*n.ipv4) : format_ipv6(*n.ipv6);
        if (!seen.emplace(n.port, addr).second)
            diag.error(path + field,
                       "duplicate neighbour " + addr + " on port " + c.ports[n.port].name);
    }
    if (c.neighbors.size() > c.tables.max_neighbors) {
        diag.error("neighbors", std::to_string(c.neighbors.size()) +
                                    " static neighbours exceed tables.max_neighbors (" +
                                    std::to_string(c.tables.max_neighbors) + ")");
    }
}

}  // namespace

void validate_topology(Parsed &p, Diagnostics &diag) {
    check_roles(p, diag);
    check_port_prefixes(p, diag);
    if (diag.has_location("workers") && p.config.workers.empty())
        diag.error("workers", "at least one worker is required");
    check_lcores(p, diag);
    check_queues(p, diag);
    if (p.config.rx_burst && *p.config.rx_burst > p.config.burst)
        diag.error("rx_burst", "rx_burst " + std::to_string(*p.config.rx_burst) + " is larger than burst " +
                                   std::to_string(p.config.burst) +
                                   ": a worker takes at most `burst` packets from a queue per pass");
    check_neighbors(p, diag);
}

}  // namespace lns::cfg::detail
