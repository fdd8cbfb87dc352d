// The local user database file (aaa.users_file): a YAML mapping with one key,
// `users`, a sequence of subscribers.  Errors name the users file and line.
#include <unordered_map>

#include "config/load.hpp"
#include "config/parse.hpp"
#include "config/read_net.hpp"

namespace lns::cfg {

namespace {

using detail::Diagnostics;
using detail::MapReader;

void read_user(const YAML::Node &node, const std::string &path, const AaaConfig &aaa,
               std::unordered_map<std::string, size_t> &names, std::vector<LocalUser> &out,
               Diagnostics &diag) {
    MapReader r(node, path,
                {"name", "password", "ipv4", "ipv6_prefix", "ipv4_pool", "ipv6_pool",
                 "session_timeout_s", "idle_timeout_s"},
                diag);
    if (!r.ok()) return;
    r.require({"name", "password"});
    LocalUser u;
    if (r.read("name", u.name) && r.has("name")) {
        if (u.name.empty() || u.name.size() > 253) {
            diag.error(r.path_of("name"), "must be 1 to 253 bytes");
        } else if (auto [it, fresh] = names.emplace(u.name, out.size()); !fresh) {
            diag.error(r.path_of("name"), "duplicate user '" + u.name + "' (also users[" +
                                              std::to_string(it->second) + "])");
        }
    }
    if (r.read("password", u.password) && u.password.size() > 255)
        diag.error(r.path_of("password"), "must be at most 255 bytes");
    if (auto n = r.get("ipv4")) u.ipv4 = detail::read_ipv4(*n, r.path_of("ipv4"), diag);
    if (auto n = r.get("ipv6_prefix"))
        u.ipv6_prefix = detail::read_ipv6_prefix(*n, r.path_of("ipv6_prefix"), 32, 64, diag);
    auto pool_ref = [&](const char *key, std::string &dst, bool v6) {
        if (!r.read(key, dst) || dst.empty()) return;
        bool found = false;
        if (v6) {
            for (auto &p : aaa.ipv6_pools) found |= p.name == dst;
        } else {
            for (auto &p : aaa.ipv4_pools) found |= p.name == dst;
        }
        if (!found) diag.error(r.path_of(key), std::string("no ") + (v6 ? "IPv6" : "IPv4") +
                                                   " pool named '" + dst + "' in aaa");
    };
    pool_ref("ipv4_pool", u.ipv4_pool, false);
    pool_ref("ipv6_pool", u.ipv6_pool, true);
    r.read("session_timeout_s", u.session_timeout_s, 0, 31u * 86400);
    r.read("idle_timeout_s", u.idle_timeout_s, 0, 31u * 86400);
    out.push_back(std::move(u));
}

}  // namespace

std::vector<std::string> load_users_string(const std::string &yaml, const std::string &source,
                                           const AaaConfig &aaa, std::vector<LocalUser> *out) {
    Diagnostics diag(source);
    std::vector<LocalUser> users;
    try {
        YAML::Node root = YAML::Load(yaml);
        MapReader r(root, "", {"users"}, diag);
        if (r.ok()) {
            r.require({"users"});
            std::unordered_map<std::string, size_t> names;
            if (auto n = r.get("users"))
                detail::for_each_item(*n, "users", diag, true,
                                      [&](const YAML::Node &i, const std::string &p, size_t) {
                                          read_user(i, p, aaa, names, users, diag);
                                      });
        }
    } catch (const YAML::Exception &e) {
        diag.error_at(e.mark, "syntax error", e.msg);
    }
    auto errors = diag.formatted();
    if (errors.empty()) *out = std::move(users);
    return errors;
}

}  // namespace lns::cfg
