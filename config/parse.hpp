// Internal to config/: the YAML sections parsers and the cross-section checks
// that load_config_* runs, in this order:
//
//   parse_document   top-level keys, scalars, eal, tables, mtu, arp   (parse_root.cpp)
//   parse_l2tp       l2tp (after tables: checks tables.max_sessions) (parse_l2tp.cpp)
//   parse_ppp, parse_aaa  ppp, aaa (pools, RADIUS; the users file: users.cpp)
//   parse_ports      ports                                           (parse_ports.cpp)
//   parse_workers    workers, neighbors (port references by name)    (parse_ports.cpp)
//   parse_sessions   sessions                                        (parse_sessions.cpp)
//   validate_topology  addresses, queues polled exactly once, lcores (validate.cpp)
//   validate_sessions  id/address overflow, duplicates, totals       (validate_sessions.cpp)
//   validate_ipsec     SA names, (spi, local), reply_sa, local addresses (parse_ipsec.cpp)
//
// Parsers fill `Parsed::config` with what they could read, leaving defaults where
// a value was missing or wrong; the checks ask Diagnostics::clean() before using
// a value, so one mistake is reported once rather than again as a cascade.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "config/yaml_util.hpp"

namespace lns::cfg::detail {

// Largest lcore id (control_lcore, workers[].lcore) and CPU number
// (control_cpu, workers[].cpu) the configuration accepts.
inline constexpr unsigned kMaxLcore = 127;
inline constexpr unsigned kMaxCpu = 1023;

struct Parsed {
    Config config;
    std::unordered_map<std::string, uint16_t> port_by_name;
};

// "ports[2].rx_queues": the path of a field of a sequence entry.
inline std::string field_path(const char *section, size_t index, const char *field) {
    return item_path(section, index) + "." + field;
}

void parse_document(const YAML::Node &root, Parsed &p, Diagnostics &diag);
void parse_ports(const YAML::Node &node, Parsed &p, Diagnostics &diag);
void parse_workers(const YAML::Node &node, Parsed &p, Diagnostics &diag);
void parse_neighbors(const YAML::Node &node, Parsed &p, Diagnostics &diag);
void parse_sessions(const YAML::Node &node, Parsed &p, Diagnostics &diag);
// Always called, with a null node when the section is absent (it sets
// defaults.name and bounds l2tp.max_sessions by tables.max_sessions).
void parse_l2tp(const YAML::Node &node, Parsed &p, Diagnostics &diag);

// ppp and aaa sections (parse_ppp.cpp, parse_aaa.cpp); aaa after ppp.
void parse_ppp(const YAML::Node &node, Parsed &p, Diagnostics &diag);
void parse_aaa(const YAML::Node &node, Parsed &p, Diagnostics &diag);

// ipsec (parse_ipsec.cpp): parsed with the other sections; validate_ipsec
// checks references (reply_sa, local addresses on access ports) after ports.
void parse_ipsec(const YAML::Node &node, Parsed &p, Diagnostics &diag);
void validate_ipsec(Parsed &p, Diagnostics &diag);
// api (parse_api.cpp).
void parse_api(const YAML::Node &node, Parsed &p, Diagnostics &diag);

void validate_topology(Parsed &p, Diagnostics &diag);
void validate_sessions(Parsed &p, Diagnostics &diag);

// Resolves a port name (reporting an unknown one at `path`).
std::optional<uint16_t> resolve_port(const YAML::Node &node, const std::string &path,
                                     const Parsed &p, Diagnostics &diag);

}  // namespace lns::cfg::detail
