// ports, workers and neighbors: the entries themselves and their port references.
// Checks spanning several entries (queues polled exactly once, overlapping
// prefixes, on-link neighbours...) are in validate.cpp.
#include <algorithm>
#include <cctype>
#include <string>

#include "config/net_parse.hpp"
#include "config/parse.hpp"
#include "config/read_net.hpp"

namespace lns::cfg::detail {

namespace {

constexpr size_t kMaxNameLength = 32;

bool valid_port_name(const std::string &s) {
    if (s.empty() || s.size() > kMaxNameLength) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '.' || c == '-';
    });
}

bool all_hex(const std::string &s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// "0000:03:00.0" or "03:00.0" (bus:device.function, optional domain).
bool is_pci_address(const std::string &s) {
    auto dot = s.rfind('.');
    if (dot == std::string::npos || dot + 2 != s.size() || s[dot + 1] < '0' || s[dot + 1] > '7')
        return false;
    std::string head = s.substr(0, dot);
    auto colon = head.rfind(':');
    if (colon == std::string::npos) return false;
    std::string dev = head.substr(colon + 1), rest = head.substr(0, colon);
    auto colon2 = rest.rfind(':');
    std::string bus = colon2 == std::string::npos ? rest : rest.substr(colon2 + 1);
    std::string domain = colon2 == std::string::npos ? "0000" : rest.substr(0, colon2);
    return dev.size() == 2 && all_hex(dev) && bus.size() == 2 && all_hex(bus) &&
           domain.size() >= 4 && domain.size() <= 8 && all_hex(domain);
}

// "net_pcap0", "eth_null1": a DPDK virtual device name.
bool is_vdev_name(const std::string &s) {
    if (s.rfind("net_", 0) != 0 && s.rfind("eth_", 0) != 0) return false;
    return s.size() > 4 && std::all_of(s.begin() + 4, s.end(),
                                       [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// Identifies a device for duplicate detection: the vdev name, or the PCI
// address lower-cased with its domain.
std::string device_key(const std::string &device) {
    std::string head = device.substr(0, device.find(','));
    if (!is_pci_address(head)) return head;
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::count(head.begin(), head.end(), ':') == 1 ? "0000:" + head : head;
}

void check_device(const std::string &device, const std::string &path, Diagnostics &diag) {
    std::string head = device.substr(0, device.find(','));
    bool blank = std::any_of(device.begin(), device.end(),
                             [](unsigned char c) { return std::isspace(c) != 0; });
    if (blank || !(is_pci_address(head) || is_vdev_name(head))) {
        diag.error(path,
                   "must be a PCI address (0000:03:00.0) or a vdev (net_pcap0,rx_pcap=...), "
                   "optionally followed by ,devargs and without spaces; got '" +
                       device + "'");
    }
}

void parse_port_identity(MapReader &r, PortConfig &port, Parsed &p, uint16_t index,
                         Diagnostics &diag) {
    if (r.read("name", port.name) && r.has("name")) {
        if (!valid_port_name(port.name)) {
            diag.error(r.path_of("name"),
                       "must be 1 to 32 characters from [A-Za-z0-9_.-], got '" + port.name + "'");
        } else if (auto [it, fresh] = p.port_by_name.emplace(port.name, index); !fresh) {
            diag.error(r.path_of("name"), "duplicate port name '" + port.name + "' (also ports[" +
                                              std::to_string(it->second) + "])");
        }
    }
    if (r.read("device", port.device) && r.has("device")) {
        check_device(port.device, r.path_of("device"), diag);
        for (uint16_t i = 0; i < index; ++i) {
            if (!p.config.ports[i].device.empty() &&
                device_key(p.config.ports[i].device) == device_key(port.device)) {
                diag.error(r.path_of("device"), "device '" + device_key(port.device) +
                                                    "' is already used by ports[" +
                                                    std::to_string(i) + "]");
            }
        }
    }
    if (auto n = r.get("role")) {
        auto role = read_choice(*n, r.path_of("role"), {"access", "core"}, diag);
        if (role) port.role = *role == 0 ? PortRole::access : PortRole::core;
    }
}

void parse_port_ipv4(MapReader &r, PortConfig &port, Diagnostics &diag) {
    auto node = r.get("ipv4");
    if (!node) return;
    auto prefix = read_ipv4_prefix(*node, r.path_of("ipv4"), 8, 32, diag);
    if (!prefix) return;
    port.ipv4 = *prefix;
    uint32_t host = prefix->addr & ~ipv4_mask(prefix->len);
    if (!ipv4_is_unicast(prefix->addr)) {
        diag.error(r.path_of("ipv4"), format_ipv4(prefix->addr) + " is not a unicast address");
    } else if (prefix->len <= 30 && (host == 0 || host == ~ipv4_mask(prefix->len))) {
        diag.error(r.path_of("ipv4"),
                   format_prefix(*prefix) + " is the network or broadcast address of its prefix");
    }
    auto gw_node = r.get("gateway4");
    if (!gw_node) return;
    auto gw = read_ipv4(*gw_node, r.path_of("gateway4"), diag);
    if (!gw) return;
    port.gateway4 = *gw;
    Ipv4Prefix net{prefix->addr & ipv4_mask(prefix->len), prefix->len};
    uint32_t gw_host = *gw & ~ipv4_mask(prefix->len);
    if (!ipv4_in_prefix(*gw, *prefix)) {
        diag.error(r.path_of("gateway4"),
                   format_ipv4(*gw) + " is not inside the port's prefix " + format_prefix(net));
    } else if (*gw == prefix->addr) {
        diag.error(r.path_of("gateway4"), "must differ from the port's own address");
    } else if (prefix->len <= 30 && (gw_host == 0 || gw_host == ~ipv4_mask(prefix->len))) {
        diag.error(r.path_of("gateway4"),
                   "is the network or broadcast address of " + format_prefix(net));
    }
}

void parse_port_ipv6(MapReader &r, PortConfig &port, Diagnostics &diag) {
    if (auto node = r.get("ipv6")) {
        auto prefix = read_ipv6_prefix(*node, r.path_of("ipv6"), 1, 128, diag);
        if (prefix && (ipv6_is_multicast(prefix->addr) || ipv6_is_unspecified(prefix->addr)))
            diag.error(r.path_of("ipv6"), format_ipv6(prefix->addr) + " is not a unicast address");
        else if (prefix)
            port.ipv6 = *prefix;
    }
    auto gw_node = r.get("gateway6");
    if (!gw_node) return;
    auto gw = read_ipv6(*gw_node, r.path_of("gateway6"), diag);
    if (!gw) return;
    port.gateway6 = *gw;
    if (!r.has("ipv6")) {
        diag.error(r.path_of("gateway6"), "requires ipv6 on the same port");
    } else if (!port.ipv6) {
        return;  // ipv6 itself was reported
    } else if (ipv6_is_multicast(*gw) || ipv6_is_unspecified(*gw)) {
        diag.error(r.path_of("gateway6"), format_ipv6(*gw) + " is not a unicast address");
    } else if (*gw == port.ipv6->addr) {
        diag.error(r.path_of("gateway6"), "must differ from the port's own address");
    } else if (!ipv6_is_link_local(*gw) && !ipv6_in_prefix(*gw, *port.ipv6)) {
        diag.error(r.path_of("gateway6"), format_ipv6(*gw) +
                                              " is neither link-local (fe80::/10) nor inside "
                                              "the port's prefix " +
                                              format_prefix(*port.ipv6));
    }
}

void parse_port(const YAML::Node &node, const std::string &path, uint16_t index, Parsed &p,
                Diagnostics &diag) {
    p.config.ports.emplace_back();
    PortConfig &port = p.config.ports.back();
    MapReader r(node, path,
                {"name", "device", "role", "rx_queues", "rx_desc", "tx_desc", "mtu", "promiscuous",
                 "ipv4", "gateway4", "ipv6", "gateway6"},
                diag);
    r.require({"name", "device", "role", "ipv4"});
    parse_port_identity(r, port, p, index, diag);
    r.read("rx_queues", port.rx_queues, 0, 64);
    r.read_pow2("rx_desc", port.rx_desc, 64, 16384);
    r.read_pow2("tx_desc", port.tx_desc, 64, 16384);
    r.read("mtu", port.mtu, 576, 9000);
    r.read("promiscuous", port.promiscuous);
    parse_port_ipv4(r, port, diag);
    parse_port_ipv6(r, port, diag);
}

void parse_rx_ref(const YAML::Node &node, const std::string &path, WorkerConfig &w, Parsed &p,
                  Diagnostics &diag) {
    MapReader r(node, path, {"port", "queue"}, diag);
    r.require({"port", "queue"});
    std::optional<uint16_t> port;
    if (auto n = r.get("port")) port = resolve_port(*n, r.path_of("port"), p, diag);
    RxQueueRef ref;
    bool queue_ok = r.read("queue", ref.queue, 0, 65535) && r.has("queue");
    if (port) ref.port = *port;
    w.rx.push_back(ref);
    if (!port || !queue_ok || !diag.clean(field_path("ports", *port, "rx_queues"))) return;
    const PortConfig &pc = p.config.ports[*port];
    if (ref.queue >= pc.rx_queues) {
        std::string have = pc.rx_queues == 0 ? "no RX queues (rx_queues: 0)"
                                             : std::to_string(pc.rx_queues) + " RX queue(s)";
        diag.error(r.path_of("queue"),
                   "port " + pc.name + " has " + have + ", got queue " + std::to_string(ref.queue));
    }
}

}  // namespace

std::optional<uint16_t> resolve_port(const YAML::Node &node, const std::string &path,
                                     const Parsed &p, Diagnostics &diag) {
    auto name = read_string(node, path, diag);
    if (!name) return std::nullopt;
    auto it = p.port_by_name.find(*name);
    if (it != p.port_by_name.end()) return it->second;
    std::string known;
    for (const auto &port : p.config.ports) {
        if (port.name.empty()) continue;
        known += (known.empty() ? "" : ", ") + port.name;
    }
    diag.error(path, "unknown port '" + *name + "'" +
                         (known.empty() ? " (no ports are defined)" : "; ports: " + known));
    return std::nullopt;
}

void parse_ports(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    for_each_item(node, "ports", diag, true,
                  [&](const YAML::Node &item, const std::string &path, size_t index) {
                      if (index > 65535) {
                          if (index == 65536) diag.error(path, "too many ports");
                          return;
                      }
                      parse_port(item, path, static_cast<uint16_t>(index), p, diag);
                  });
}

void parse_workers(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    for_each_item(node, "workers", diag, true,
                  [&](const YAML::Node &item, const std::string &path, size_t) {
                      WorkerConfig &w = p.config.workers.emplace_back();
                      MapReader r(item, path, {"lcore", "cpu", "rx"}, diag);
                      r.require({"lcore"});
                      r.read("lcore", w.lcore, 0, kMaxLcore);
                      r.read("cpu", w.cpu, 0, kMaxCpu);
                      if (auto rx = r.get("rx")) {
                          for_each_item(*rx, r.path_of("rx"), diag, true,
                                        [&](const YAML::Node &ref, const std::string &rp, size_t) {
                                            parse_rx_ref(ref, rp, w, p, diag);
                                        });
                      }
                  });
}

void parse_neighbors(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    for_each_item(node, "neighbors", diag, true,
                  [&](const YAML::Node &item, const std::string &path, size_t) {
                      StaticNeighbor &n = p.config.neighbors.emplace_back();
                      MapReader r(item, path, {"port", "ipv4", "ipv6", "mac"}, diag);
                      r.require({"port", "mac"});
                      if (auto v = r.get("port"))
                          n.port = resolve_port(*v, r.path_of("port"), p, diag).value_or(0);
                      if (auto v = r.get("ipv4")) n.ipv4 = read_ipv4(*v, r.path_of("ipv4"), diag);
                      if (auto v = r.get("ipv6")) n.ipv6 = read_ipv6(*v, r.path_of("ipv6"), diag);
                      if (r.ok() && r.has("ipv4") == r.has("ipv6"))
                          diag.error(path, "give exactly one of ipv4 and ipv6");
                      if (auto v = r.get("mac")) {
                          auto mac = read_mac(*v, r.path_of("mac"), diag);
                          if (mac && (((*mac)[0] & 1) != 0 || *mac == MacAddr{}))
                              diag.error(r.path_of("mac"), "must be a unicast, non-zero MAC");
                          if (mac) n.mac = *mac;
                      }
                  });
}

}  // namespace lns::cfg::detail
