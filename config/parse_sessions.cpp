// sessions: static sessions and session blocks, one entry at a time.  Block
// arithmetic (id and address overflow) and checks across blocks are in
// validate_sessions.cpp.
#include <algorithm>
#include <cctype>
#include <string>

#include "config/net_parse.hpp"
#include "config/parse.hpp"
#include "config/read_net.hpp"

namespace lns::cfg::detail {

namespace {

constexpr uint64_t kMaxBlock = 16u << 20;

bool valid_session_name(const std::string &s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '.' || c == '-';
    });
}

void parse_framing(const YAML::Node &node, const std::string &path, Framing &f, Diagnostics &diag) {
    MapReader r(node, path, {"sequencing", "length", "offset", "acfc", "pfc"}, diag);
    r.read("sequencing", f.sequencing);
    r.read("length", f.length);
    r.read("offset", f.offset, 0, 255);
    r.read("acfc", f.acfc);
    r.read("pfc", f.pfc);
}

void parse_session_port(MapReader &r, StaticSession &s, const Parsed &p, Diagnostics &diag) {
    auto node = r.get("port");
    if (!node) return;
    auto port = resolve_port(*node, r.path_of("port"), p, diag);
    if (!port) return;
    s.port = *port;
    const PortConfig &pc = p.config.ports[*port];
    if (pc.role != PortRole::access) {
        diag.error(r.path_of("port"), "port " + pc.name +
                                          " is a core port; static sessions must be on an "
                                          "access port");
    }
}

void parse_session_addresses(MapReader &r, StaticSession &s, Diagnostics &diag) {
    if (auto n = r.get("lac_address")) {
        auto a = read_ipv4(*n, r.path_of("lac_address"), diag);
        if (a && !ipv4_is_unicast(*a))
            diag.error(r.path_of("lac_address"), format_ipv4(*a) + " is not a unicast address");
        if (a) s.lac_address = *a;
    }
    if (auto n = r.get("ipv4")) {
        auto a = read_ipv4(*n, r.path_of("ipv4"), diag);
        if (a && !ipv4_is_unicast(*a))
            diag.error(r.path_of("ipv4"), format_ipv4(*a) + " is not a unicast address");
        s.ipv4 = a;
    }
    if (auto n = r.get("ipv6_prefix")) {
        auto prefix = read_ipv6_prefix(*n, r.path_of("ipv6_prefix"), 32, 64, diag);
        if (prefix && !ipv6_host_bits_zero(*prefix)) {
            Ipv6Prefix net = *prefix;
            for (unsigned bit = net.len; bit < 128; ++bit)
                net.addr[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
            diag.error(r.path_of("ipv6_prefix"),
                       "host bits must be zero (did you mean " + format_prefix(net) + "?)");
        } else if (prefix &&
                   (ipv6_is_multicast(prefix->addr) || ipv6_is_link_local(prefix->addr))) {
            diag.error(r.path_of("ipv6_prefix"), "must be a global unicast prefix");
        }
        s.ipv6_prefix = prefix;
    }
}

void parse_session(const YAML::Node &node, const std::string &path, Parsed &p,
                   std::unordered_map<std::string, size_t> &names, Diagnostics &diag) {
    StaticSession &s = p.config.sessions.emplace_back();
    MapReader r(node, path,
                {"name", "port", "count", "sessions_per_tunnel", "local_tunnel_id",
                 "local_session_id", "remote_tunnel_id", "remote_session_id", "lac_address",
                 "lac_port", "ipv4", "ipv6_prefix", "mru", "framing"},
                diag);
    r.require({"port", "local_tunnel_id", "local_session_id", "remote_tunnel_id",
               "remote_session_id", "lac_address"});
    if (r.read("name", s.name) && r.has("name")) {
        if (!valid_session_name(s.name)) {
            diag.error(r.path_of("name"),
                       "must be 1 to 64 characters from [A-Za-z0-9_.-], got '" + s.name + "'");
        } else if (auto [it, fresh] = names.emplace(s.name, p.config.sessions.size() - 1); !fresh) {
            diag.error(r.path_of("name"), "duplicate session name '" + s.name +
                                              "' (also sessions[" + std::to_string(it->second) +
                                              "])");
        }
    }
    parse_session_port(r, s, p, diag);
    r.read("count", s.count, 1, kMaxBlock);
    r.read("sessions_per_tunnel", s.sessions_per_tunnel, 1, 65535);
    r.read("local_tunnel_id", s.local_tunnel_id, 1, 65535);
    r.read("local_session_id", s.local_session_id, 1, 65535);
    r.read("remote_tunnel_id", s.remote_tunnel_id, 1, 65535);
    r.read("remote_session_id", s.remote_session_id, 1, 65535);
    r.read("lac_port", s.lac_port, 1, 65535);
    r.read("mru", s.mru, 128, 9000);
    parse_session_addresses(r, s, diag);
    if (auto f = r.get("framing")) parse_framing(*f, r.path_of("framing"), s.framing, diag);
}

}  // namespace

void parse_sessions(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    std::unordered_map<std::string, size_t> names;
    for_each_item(node, "sessions", diag, true,
                  [&](const YAML::Node &item, const std::string &path, size_t) {
                      parse_session(item, path, p, names, diag);
                  });
}

}  // namespace lns::cfg::detail
