// aaa: local users or RADIUS, address pools, timeouts, Dynamic Authorization.
//
// The users file itself is read by load_users_file (users.cpp) when the whole
// configuration is loaded from a file, relative to that file's directory.
#include <algorithm>
#include <string>
#include <unordered_set>

#include "config/net_parse.hpp"
#include "config/parse.hpp"
#include "config/read_net.hpp"

namespace lns::cfg::detail {

namespace {

constexpr size_t kMaxSecret = 128;  // RFC 2865 §3: shared secrets of any length; be generous

bool valid_pool_name(const std::string &s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
    });
}

void read_pool4(const YAML::Node &node, const std::string &path, AaaConfig &a, Diagnostics &diag) {
    MapReader r(node, path, {"name", "prefix", "first", "last"}, diag);
    if (!r.ok()) return;
    r.require({"name"});
    Ipv4PoolConfig pc;
    if (r.read("name", pc.name) && r.has("name") && !valid_pool_name(pc.name))
        diag.error(r.path_of("name"), "must be 1 to 64 characters from [A-Za-z0-9_.-]");
    const bool by_prefix = r.has("prefix");
    if (by_prefix == (r.has("first") || r.has("last"))) {
        diag.error(path, "give either 'prefix' or both 'first' and 'last'");
        return;
    }
    if (by_prefix) {
        auto pre = read_ipv4_prefix(*r.get("prefix"), r.path_of("prefix"), 8, 32, diag);
        if (!pre) return;
        const uint32_t net = pre->addr & ipv4_mask(pre->len);
        // A /31 or /32 is used whole; else the network and broadcast addresses are left out.
        pc.first = pre->len >= 31 ? net : net + 1;
        pc.last = pre->len >= 31 ? net | ~ipv4_mask(pre->len) : (net | ~ipv4_mask(pre->len)) - 1;
    } else {
        r.require({"first", "last"});
        auto f = r.get("first"), l = r.get("last");
        if (!f || !l) return;
        auto first = read_ipv4(*f, r.path_of("first"), diag);
        auto last = read_ipv4(*l, r.path_of("last"), diag);
        if (!first || !last) return;
        if (*last < *first) {
            diag.error(r.path_of("last"), "is below 'first'");
            return;
        }
        if (*last - *first >= (1u << 24)) {
            diag.error(r.path_of("last"), "a pool holds at most 2^24 addresses");
            return;
        }
        pc.first = *first;
        pc.last = *last;
    }
    a.ipv4_pools.push_back(pc);
}

void read_pool6(const YAML::Node &node, const std::string &path, AaaConfig &a, Diagnostics &diag) {
    MapReader r(node, path, {"name", "prefix", "delegated_length"}, diag);
    if (!r.ok()) return;
    r.require({"name", "prefix"});
    Ipv6PoolConfig pc;
    if (r.read("name", pc.name) && r.has("name") && !valid_pool_name(pc.name))
        diag.error(r.path_of("name"), "must be 1 to 64 characters from [A-Za-z0-9_.-]");
    r.read("delegated_length", pc.delegated_len, 48, 64);
    auto n = r.get("prefix");
    if (!n) return;
    auto pre = read_ipv6_prefix(*n, r.path_of("prefix"), 16, 64, diag);
    if (!pre) return;
    if (pre->len > pc.delegated_len) {
        diag.error(r.path_of("prefix"), "is longer than delegated_length (" +
                                            std::to_string(pc.delegated_len) + ")");
        return;
    }
    if (pc.delegated_len - pre->len > 24) {
        diag.error(r.path_of("prefix"), "a pool holds at most 2^24 prefixes (prefix length >= " +
                                            std::to_string(pc.delegated_len - 24) + ")");
        return;
    }
    pc.prefix = *pre;
    a.ipv6_pools.push_back(pc);
}

void read_secret(MapReader &r, std::string &out, Diagnostics &diag) {
    if (r.read("secret", out) && r.has("secret") && (out.empty() || out.size() > kMaxSecret))
        diag.error(r.path_of("secret"), "must be 1 to " + std::to_string(kMaxSecret) + " bytes");
}

void read_server(const YAML::Node &node, const std::string &path, RadiusConfig &rc,
                 Diagnostics &diag) {
    MapReader r(node, path, {"address", "auth_port", "acct_port", "secret"}, diag);
    if (!r.ok()) return;
    r.require({"address", "secret"});
    RadiusServerConfig s;
    if (auto n = r.get("address"))
        if (auto a = read_ipv4(*n, r.path_of("address"), diag)) s.address = *a;
    r.read("auth_port", s.auth_port, 1, 65535);
    r.read("acct_port", s.acct_port, 1, 65535);
    read_secret(r, s.secret, diag);
    rc.servers.push_back(s);
}

void read_dae_client(const YAML::Node &node, const std::string &path, RadiusConfig &rc,
                     Diagnostics &diag) {
    MapReader r(node, path, {"address", "secret"}, diag);
    if (!r.ok()) return;
    r.require({"address", "secret"});
    RadiusClientConfig c;
    if (auto n = r.get("address"))
        if (auto a = read_ipv4(*n, r.path_of("address"), diag)) c.address = *a;
    read_secret(r, c.secret, diag);
    rc.dae_clients.push_back(c);
}

void read_radius(const YAML::Node &node, RadiusConfig &rc, Diagnostics &diag) {
    MapReader r(node, "aaa.radius",
                {"servers", "timeout_ms", "retries", "dead_time_s", "source_ports", "nas_ip",
                 "nas_identifier", "accounting", "interim_interval_s",
                 "require_message_authenticator", "dae_listen", "dae_port", "dae_clients"},
                diag);
    if (!r.ok()) return;
    if (auto n = r.get("servers"))
        for_each_item(*n, r.path_of("servers"), diag, true,
                      [&](const YAML::Node &i, const std::string &p, size_t) { read_server(i, p, rc, diag); });
    r.read("timeout_ms", rc.timeout_ms, 100, 60000);
    r.read("retries", rc.retries, 0, 10);
    r.read("dead_time_s", rc.dead_time_s, 0, 3600);
    r.read("source_ports", rc.source_ports, 1, 64);
    if (auto n = r.get("nas_ip"))
        if (auto a = read_ipv4(*n, r.path_of("nas_ip"), diag)) rc.nas_ip = *a;
    if (r.read("nas_identifier", rc.nas_identifier) && rc.nas_identifier.size() > 253)
        diag.error(r.path_of("nas_identifier"), "must be at most 253 bytes");
    r.read("accounting", rc.accounting);
    r.read_zero_or("interim_interval_s", rc.interim_interval_s, 60, 86400);
    r.read("require_message_authenticator", rc.require_message_authenticator);
    if (auto n = r.get("dae_listen")) rc.dae_address = read_ipv4(*n, r.path_of("dae_listen"), diag);
    r.read("dae_port", rc.dae_port, 1, 65535);
    if (auto n = r.get("dae_clients"))
        for_each_item(*n, r.path_of("dae_clients"), diag, true,
                      [&](const YAML::Node &i, const std::string &p, size_t) { read_dae_client(i, p, rc, diag); });
    if (rc.dae_address && rc.dae_clients.empty() && diag.clean("aaa.radius.dae_listen"))
        diag.error("aaa.radius.dae_listen", "is set but aaa.radius.dae_clients is empty (every request would be refused)");
}

// Pool names unique across both families; default pools must exist.
void check_pools(AaaConfig &a, Diagnostics &diag) {
    std::unordered_set<std::string> names;
    for (size_t i = 0; i < a.ipv4_pools.size(); i++)
        if (!names.insert(a.ipv4_pools[i].name).second)
            diag.error(field_path("aaa.ipv4_pools", i, "name"), "duplicate pool name '" + a.ipv4_pools[i].name + "'");
    for (size_t i = 0; i < a.ipv6_pools.size(); i++)
        if (!names.insert(a.ipv6_pools[i].name).second)
            diag.error(field_path("aaa.ipv6_pools", i, "name"), "duplicate pool name '" + a.ipv6_pools[i].name + "'");
    for (size_t i = 0; i < a.ipv4_pools.size(); i++)
        for (size_t j = 0; j < i; j++)
            if (a.ipv4_pools[i].first <= a.ipv4_pools[j].last && a.ipv4_pools[j].first <= a.ipv4_pools[i].last)
                diag.error(item_path("aaa.ipv4_pools", i), "overlaps aaa.ipv4_pools[" + std::to_string(j) + "]");
    auto known4 = [&](const std::string &n) {
        return std::any_of(a.ipv4_pools.begin(), a.ipv4_pools.end(), [&](auto &p) { return p.name == n; });
    };
    auto known6 = [&](const std::string &n) {
        return std::any_of(a.ipv6_pools.begin(), a.ipv6_pools.end(), [&](auto &p) { return p.name == n; });
    };
    if (!a.default_ipv4_pool.empty() && !known4(a.default_ipv4_pool))
        diag.error("aaa.default_ipv4_pool", "no IPv4 pool named '" + a.default_ipv4_pool + "'");
    if (!a.default_ipv6_pool.empty() && !known6(a.default_ipv6_pool))
        diag.error("aaa.default_ipv6_pool", "no IPv6 pool named '" + a.default_ipv6_pool + "'");
    if (a.default_ipv4_pool.empty() && !a.ipv4_pools.empty()) a.default_ipv4_pool = a.ipv4_pools[0].name;
    if (a.default_ipv6_pool.empty() && !a.ipv6_pools.empty()) a.default_ipv6_pool = a.ipv6_pools[0].name;
}

}  // namespace

void parse_aaa(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    if (node.IsNull()) return;
    AaaConfig &a = p.config.aaa;
    MapReader r(node, "aaa",
                {"backend", "users_file", "ipv4_pools", "ipv6_pools", "default_ipv4_pool",
                 "default_ipv6_pool", "session_timeout_s", "idle_timeout_s", "radius"},
                diag);
    if (!r.ok()) return;
    if (auto n = r.get("backend"))
        if (auto i = read_choice(*n, r.path_of("backend"), {"local", "radius"}, diag))
            a.backend = *i == 0 ? AaaBackend::local : AaaBackend::radius;
    r.read("users_file", a.users_file);
    if (auto n = r.get("ipv4_pools"))
        for_each_item(*n, r.path_of("ipv4_pools"), diag, true,
                      [&](const YAML::Node &i, const std::string &path, size_t) { read_pool4(i, path, a, diag); });
    if (auto n = r.get("ipv6_pools"))
        for_each_item(*n, r.path_of("ipv6_pools"), diag, true,
                      [&](const YAML::Node &i, const std::string &path, size_t) { read_pool6(i, path, a, diag); });
    r.read("default_ipv4_pool", a.default_ipv4_pool);
    r.read("default_ipv6_pool", a.default_ipv6_pool);
    r.read("session_timeout_s", a.session_timeout_s, 0, 31u * 86400);
    r.read("idle_timeout_s", a.idle_timeout_s, 0, 31u * 86400);
    if (auto n = r.get("radius")) read_radius(*n, a.radius, diag);
    check_pools(a, diag);
    if (a.backend == AaaBackend::radius && a.radius.servers.empty() && diag.clean("aaa.radius"))
        diag.error(r.has("radius") ? "aaa.radius" : "aaa.backend", "backend is radius but aaa.radius.servers is empty");
    if (a.backend == AaaBackend::local && a.users_file.empty() && !p.config.ppp.auth.empty() &&
        diag.clean("aaa.backend"))
        diag.error("aaa", "backend is local and ppp.auth asks for authentication, but users_file is not set");
}

}  // namespace lns::cfg::detail
