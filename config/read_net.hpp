// YAML scalars holding addresses: read, parse with config/net_parse.hpp and
// report a malformed value or a prefix length outside the allowed range.
//
// Internal to config/.  Thread: any.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "config/config.hpp"
#include "config/yaml_util.hpp"

namespace lns::cfg::detail {

std::optional<uint32_t> read_ipv4(const YAML::Node &node, const std::string &path,
                                  Diagnostics &diag);
std::optional<Ipv6Addr> read_ipv6(const YAML::Node &node, const std::string &path,
                                  Diagnostics &diag);
std::optional<Ipv4Prefix> read_ipv4_prefix(const YAML::Node &node, const std::string &path,
                                           unsigned min_len, unsigned max_len, Diagnostics &diag);
std::optional<Ipv6Prefix> read_ipv6_prefix(const YAML::Node &node, const std::string &path,
                                           unsigned min_len, unsigned max_len, Diagnostics &diag);
std::optional<MacAddr> read_mac(const YAML::Node &node, const std::string &path, Diagnostics &diag);

}  // namespace lns::cfg::detail
