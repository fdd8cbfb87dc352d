// api: the management REST API (mgmt/).  The section's presence enables it;
// `enabled: false` keeps it off.  A token file is required when enabled; a
// listen address off loopback needs TLS or allow_plaintext_remote.
#include <charconv>
#include <string>

#include "config/net_parse.hpp"
#include "config/parse.hpp"

namespace lns::cfg::detail {

namespace {

// "ADDR:PORT" (IPv4).
bool parse_listen(const std::string &text, uint32_t *ip, uint16_t *port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    auto addr = parse_ipv4(std::string_view(text).substr(0, colon));
    unsigned p = 0;
    const char *b = text.data() + colon + 1, *e = text.data() + text.size();
    auto [end, ec] = std::from_chars(b, e, p);
    if (!addr || ec != std::errc() || end != e || p == 0 || p > 65535) return false;
    *ip = *addr;
    *port = uint16_t(p);
    return true;
}

void parse_tls(const YAML::Node &node, const std::string &path, ApiConfig &c, Diagnostics &diag) {
    MapReader r(node, path, {"cert", "key"}, diag);
    if (!r.ok()) return;
    r.require({"cert", "key"});
    ApiTlsConfig t;
    r.read("cert", t.cert);
    r.read("key", t.key);
    c.tls = t;
}

}  // namespace

void parse_api(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    if (node.IsNull()) return;
    ApiConfig &c = p.config.api;
    c.enabled = true;
    MapReader r(node, "api",
                {"enabled", "listen", "token_file", "tls", "allow_plaintext_remote",
                 "max_body_bytes", "command_timeout_ms"},
                diag);
    if (!r.ok()) return;
    r.read("enabled", c.enabled);
    if (r.read("listen", c.listen) && r.has("listen") &&
        !parse_listen(c.listen, &c.listen_ip, &c.listen_port))
        diag.error(r.path_of("listen"),
                   "must be IPV4:PORT (port 1..65535), got '" + c.listen + "'");
    r.read("token_file", c.token_file);
    if (auto n = r.get("tls")) parse_tls(*n, r.path_of("tls"), c, diag);
    r.read("allow_plaintext_remote", c.allow_plaintext_remote);
    r.read("max_body_bytes", c.max_body_bytes, 1024, 64u << 20);
    r.read("command_timeout_ms", c.command_timeout_ms, 100, 60000);
    if (!c.enabled || !diag.clean("api")) return;
    if (c.token_file.empty())
        diag.error("api",
                   "token_file is required when the API is enabled (or set api.enabled: false)");
    const bool loopback = (c.listen_ip >> 24) == 127;
    if (!loopback && !c.tls && !c.allow_plaintext_remote)
        diag.error(r.path_of("listen"),
                   "'" + c.listen +
                       "' is not a loopback address: configure api.tls, or set "
                       "api.allow_plaintext_remote: true");
}

}  // namespace lns::cfg::detail
