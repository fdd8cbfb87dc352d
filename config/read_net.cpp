#include "config/read_net.hpp"

#include "config/net_parse.hpp"

namespace lns::cfg::detail {

namespace {

// The scalar text, or std::nullopt after reporting what was expected.
std::optional<std::string> scalar_text(const YAML::Node &node, const std::string &path,
                                       const char *expected, Diagnostics &diag) {
    if (node.IsScalar()) return node.Scalar();
    diag.error(path, std::string("expected ") + expected + ", got " + describe(node));
    return std::nullopt;
}

template <class Prefix>
bool check_len(const Prefix &p, const std::string &path, unsigned min_len, unsigned max_len,
               Diagnostics &diag) {
    if (p.len >= min_len && p.len <= max_len) return true;
    diag.error(path, "prefix length must be between " + std::to_string(min_len) + " and " +
                         std::to_string(max_len) + ", got /" + std::to_string(p.len));
    return false;
}

}  // namespace

std::optional<uint32_t> read_ipv4(const YAML::Node &node, const std::string &path,
                                  Diagnostics &diag) {
    const char *expected = "an IPv4 address like 192.0.2.1";
    auto text = scalar_text(node, path, expected, diag);
    if (!text) return std::nullopt;
    auto addr = parse_ipv4(*text);
    if (!addr) diag.error(path, std::string("expected ") + expected + ", got '" + *text + "'");
    return addr;
}

std::optional<Ipv6Addr> read_ipv6(const YAML::Node &node, const std::string &path,
                                  Diagnostics &diag) {
    const char *expected = "an IPv6 address like 2001:db8::1";
    auto text = scalar_text(node, path, expected, diag);
    if (!text) return std::nullopt;
    auto addr = parse_ipv6(*text);
    if (!addr) diag.error(path, std::string("expected ") + expected + ", got '" + *text + "'");
    return addr;
}

std::optional<Ipv4Prefix> read_ipv4_prefix(const YAML::Node &node, const std::string &path,
                                           unsigned min_len, unsigned max_len, Diagnostics &diag) {
    const char *expected = "an IPv4 address with prefix length like 192.0.2.1/24";
    auto text = scalar_text(node, path, expected, diag);
    if (!text) return std::nullopt;
    auto p = parse_ipv4_prefix(*text);
    if (!p) {
        diag.error(path, std::string("expected ") + expected + ", got '" + *text + "'");
        return std::nullopt;
    }
    if (!check_len(*p, path, min_len, max_len, diag)) return std::nullopt;
    return p;
}

std::optional<Ipv6Prefix> read_ipv6_prefix(const YAML::Node &node, const std::string &path,
                                           unsigned min_len, unsigned max_len, Diagnostics &diag) {
    const char *expected = "an IPv6 address with prefix length like 2001:db8::1/64";
    auto text = scalar_text(node, path, expected, diag);
    if (!text) return std::nullopt;
    auto p = parse_ipv6_prefix(*text);
    if (!p) {
        diag.error(path, std::string("expected ") + expected + ", got '" + *text + "'");
        return std::nullopt;
    }
    if (!check_len(*p, path, min_len, max_len, diag)) return std::nullopt;
    return p;
}

std::optional<MacAddr> read_mac(const YAML::Node &node, const std::string &path,
                                Diagnostics &diag) {
    const char *expected = "a MAC address like 02:00:00:00:00:01";
    auto text = scalar_text(node, path, expected, diag);
    if (!text) return std::nullopt;
    auto mac = parse_mac(*text);
    if (!mac) diag.error(path, std::string("expected ") + expected + ", got '" + *text + "'");
    return mac;
}

}  // namespace lns::cfg::detail
