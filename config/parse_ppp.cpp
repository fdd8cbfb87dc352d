// ppp: LCP, authentication and NCP settings of signalled sessions.
#include <string>

#include "config/parse.hpp"
#include "config/read_net.hpp"

namespace lns::cfg::detail {

namespace {

void read_auth(const YAML::Node &node, const std::string &path, PppConfig &c, Diagnostics &diag) {
    c.auth.clear();
    bool seen[3] = {false, false, false};
    for_each_item(node, path, diag, true, [&](const YAML::Node &item, const std::string &p, size_t) {
        auto i = read_choice(item, p, {"pap", "chap", "mschapv2"}, diag);
        if (!i) return;
        if (seen[*i]) {
            diag.error(p, "listed twice");
            return;
        }
        seen[*i] = true;
        c.auth.push_back(*i == 0 ? AuthProtocol::pap
                                 : *i == 1 ? AuthProtocol::chap_md5 : AuthProtocol::mschapv2);
    });
}

}  // namespace

void parse_ppp(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    if (node.IsNull()) return;
    PppConfig &c = p.config.ppp;
    MapReader r(node, "ppp",
                {"mru", "auth", "restart_ms", "max_configure", "max_failure", "max_terminate",
                 "echo_interval_s", "echo_failures", "auth_timeout_s", "chap_rechallenge_s", "ipv6",
                 "ra_interval_s", "ra_lifetime_s", "accept_proxy_lcp", "accept_proxy_auth",
                 "dns_primary", "dns_secondary"},
                diag);
    if (!r.ok()) return;
    r.read("mru", c.mru, 576, 9000);
    if (auto n = r.get("auth")) read_auth(*n, r.path_of("auth"), c, diag);
    r.read("restart_ms", c.restart_ms, 100, 60000);
    r.read("max_configure", c.max_configure, 1, 255);
    r.read("max_failure", c.max_failure, 1, 255);
    r.read("max_terminate", c.max_terminate, 1, 255);
    r.read("echo_interval_s", c.echo_interval_s, 0, 3600);
    r.read("echo_failures", c.echo_failures, 1, 100);
    r.read("auth_timeout_s", c.auth_timeout_s, 1, 600);
    r.read("chap_rechallenge_s", c.chap_rechallenge_s, 0, 86400);
    r.read("ipv6", c.ipv6);
    r.read("ra_interval_s", c.ra_interval_s, 4, 1800);
    r.read("ra_lifetime_s", c.ra_lifetime_s, 0, 9000);
    r.read("accept_proxy_lcp", c.accept_proxy_lcp);
    r.read("accept_proxy_auth", c.accept_proxy_auth);
    if (auto n = r.get("dns_primary")) c.dns_primary = read_ipv4(*n, r.path_of("dns_primary"), diag);
    if (auto n = r.get("dns_secondary"))
        c.dns_secondary = read_ipv4(*n, r.path_of("dns_secondary"), diag);
    if (c.dns_secondary && !c.dns_primary && diag.clean("ppp.dns_secondary"))
        diag.error("ppp.dns_secondary", "is set but ppp.dns_primary is not");
}

}  // namespace lns::cfg::detail
