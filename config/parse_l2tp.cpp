// l2tp: the L2TP control plane (lnsd as LNS): global limits, the settings used
// for LACs that match no peer (`defaults`), and the peers.
//
// A peer starts as a copy of `defaults` and its own keys override it, so
// `defaults` is read first.  Checks across keys (a secret where authentication
// or hidden AVPs need one, timer relations) run on the values after
// inheritance; a peer that sets none of the keys a check involves has the
// values of `defaults` and is not reported again.
#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/net_parse.hpp"
#include "config/parse.hpp"

namespace lns::cfg::detail {

namespace {

constexpr const char *kSection = "l2tp";
constexpr const char *kDefaultsPath = "l2tp.defaults";
constexpr uint64_t kMaxSessions = 16u << 20;
constexpr size_t kMaxSecret = 255;
constexpr size_t kMaxHostName = 255;

bool valid_peer_name(const std::string &s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '.' || c == '-';
    });
}

// One peer mapping, or `defaults`, being read: where each value comes from.
class PeerReader {
  public:
    PeerReader(MapReader &r, bool is_defaults, Diagnostics &diag)
        : r_(r), is_defaults_(is_defaults), diag_(diag) {}

    MapReader &map() { return r_; }
    bool is_defaults() const { return is_defaults_; }
    // The key is given in this mapping (not inherited).
    bool here(const char *key) const { return r_.has(key); }
    // The value of `key` was read without error, here or where it is inherited from.
    bool usable(const char *key) const {
        if (r_.has(key)) return diag_.clean(r_.path_of(key));
        return is_defaults_ || diag_.clean(child_path(kDefaultsPath, key));
    }
    // A check involving `keys` is due here: a peer that sets none of them has
    // the values of `defaults`, already checked there (when `defaults_checked`).
    bool due(std::initializer_list<const char *> keys, bool defaults_checked) const {
        for (const char *k : keys)
            if (!usable(k)) return false;
        if (is_defaults_ || !defaults_checked) return true;
        return std::any_of(keys.begin(), keys.end(), [&](const char *k) { return here(k); });
    }

  private:
    MapReader &r_;
    bool is_defaults_;
    Diagnostics &diag_;
};

// "must be below retransmit_initial_ms (1000), got 1200"
std::string relation(const char *how, const char *other, uint32_t other_value, uint32_t got) {
    return std::string(how) + " " + other + " (" + std::to_string(other_value) + "), got " +
           std::to_string(got);
}

void read_channel(PeerReader &pr, L2tpChannel &c, Diagnostics &diag) {
    MapReader &r = pr.map();
    r.read("receive_window", c.receive_window, 1, 1024);
    r.read("retransmit_initial_ms", c.retransmit_initial_ms, 100, 10000);
    r.read("retransmit_cap_ms", c.retransmit_cap_ms, 8000, 60000);
    r.read("max_retransmits", c.max_retransmits, 1, 20);
    r.read("ack_delay_ms", c.ack_delay_ms, 0, 1000);
    r.read("slow_start", c.slow_start);
    r.read("hello_interval_s", c.hello_interval_s, 0, 3600);

    // Reported at the key given here (the first one when both are).
    const char *initial = "retransmit_initial_ms";
    if (c.retransmit_cap_ms < c.retransmit_initial_ms &&
        pr.due({"retransmit_cap_ms", initial}, true)) {
        if (pr.here("retransmit_cap_ms")) {
            diag.error(r.path_of("retransmit_cap_ms"),
                       relation("must not be below", initial, c.retransmit_initial_ms,
                                c.retransmit_cap_ms));
        } else {
            diag.error(r.path_of(initial), relation("must not exceed", "retransmit_cap_ms",
                                                    c.retransmit_cap_ms, c.retransmit_initial_ms));
        }
    }
    if (c.ack_delay_ms >= c.retransmit_initial_ms && pr.due({"ack_delay_ms", initial}, true)) {
        if (pr.here("ack_delay_ms")) {
            diag.error(r.path_of("ack_delay_ms"),
                       relation("must be below", initial, c.retransmit_initial_ms, c.ack_delay_ms));
        } else {
            diag.error(r.path_of(initial), relation("must be above", "ack_delay_ms", c.ack_delay_ms,
                                                    c.retransmit_initial_ms));
        }
    }
}

// The keys `defaults` and peers share.  `defaults_checked`: whether the
// authentication checks ran on `defaults` (they do only when it is used for
// unknown LACs).
void read_peer_settings(PeerReader &pr, L2tpPeer &peer, bool defaults_checked, Diagnostics &diag) {
    MapReader &r = pr.map();
    if (r.read("secret", peer.secret) && peer.secret.size() > kMaxSecret) {
        diag.error(r.path_of("secret"), "must be at most " + std::to_string(kMaxSecret) +
                                            " bytes, got " + std::to_string(peer.secret.size()));
    }
    r.read("require_authentication", peer.require_authentication);
    r.read("hide_avps", peer.hide_avps);
    r.read("max_sessions", peer.max_sessions, 0, 65535);
    r.read("force_sequencing", peer.force_sequencing);
    read_channel(pr, peer.channel, diag);

    // Reported at the peer (or `defaults`) itself: the secret may be missing
    // from either place.
    if (pr.is_defaults() && !defaults_checked) return;
    const char *no_secret = pr.is_defaults()
                                ? " but there is no secret"
                                : " but there is no secret (neither here nor in l2tp.defaults)";
    if (peer.secret.empty() && peer.require_authentication &&
        pr.due({"require_authentication", "secret"}, defaults_checked)) {
        diag.error(r.path(), std::string("require_authentication is true") + no_secret);
    }
    if (peer.secret.empty() && peer.hide_avps && pr.due({"hide_avps", "secret"}, defaults_checked))
        diag.error(r.path(), std::string("hide_avps is true") + no_secret);
}

// A source: an IPv4 prefix with zero host bits, or an address (a /32).
std::optional<Ipv4Prefix> read_source(const YAML::Node &node, const std::string &path,
                                      Diagnostics &diag) {
    const std::string expected =
        "expected an IPv4 address or prefix like 192.0.2.1 or "
        "198.51.100.0/24, got ";
    if (!node.IsScalar()) {
        diag.error(path, expected + describe(node));
        return std::nullopt;
    }
    const std::string &text = node.Scalar();
    std::optional<Ipv4Prefix> prefix;
    if (text.find('/') != std::string::npos) {
        prefix = parse_ipv4_prefix(text);
    } else if (auto addr = parse_ipv4(text)) {
        prefix = Ipv4Prefix{*addr, 32};
    }
    if (!prefix) {
        diag.error(path, expected + "'" + text + "'");
        return std::nullopt;
    }
    Ipv4Prefix net{prefix->addr & ipv4_mask(prefix->len), prefix->len};
    if (net.addr != prefix->addr) {
        diag.error(path, "host bits must be zero (did you mean " + format_prefix(net) + "?)");
        return std::nullopt;
    }
    return prefix;
}

void read_host_name(MapReader &r, std::string &out, bool allow_empty, Diagnostics &diag) {
    if (!r.read("host_name", out) || !r.has("host_name")) return;
    if (out.size() > kMaxHostName) {
        diag.error(r.path_of("host_name"), "must be at most " + std::to_string(kMaxHostName) +
                                               " bytes, got " + std::to_string(out.size()));
    } else if (out.empty() && !allow_empty) {
        diag.error(r.path_of("host_name"), "must not be empty (the Host Name AVP is mandatory)");
    }
}

void parse_defaults(const YAML::Node &node, L2tpConfig &l, Diagnostics &diag) {
    if (node.IsNull()) return;
    MapReader r(node, kDefaultsPath,
                {"secret", "require_authentication", "hide_avps", "max_sessions",
                 "force_sequencing", "receive_window", "retransmit_initial_ms", "retransmit_cap_ms",
                 "max_retransmits", "ack_delay_ms", "slow_start", "hello_interval_s"},
                diag);
    if (!r.ok()) return;
    PeerReader pr(r, true, diag);
    read_peer_settings(pr, l.defaults, l.accept_unknown_peers, diag);
}

void parse_peer(const YAML::Node &node, const std::string &path, L2tpConfig &l,
                bool defaults_checked, std::unordered_map<std::string, size_t> &names,
                Diagnostics &diag) {
    L2tpPeer &peer = l.peers.emplace_back(l.defaults);
    peer.name.clear();
    MapReader r(
        node, path,
        {"name", "sources", "host_name", "secret", "require_authentication", "hide_avps",
         "max_sessions", "force_sequencing", "receive_window", "retransmit_initial_ms",
         "retransmit_cap_ms", "max_retransmits", "ack_delay_ms", "slow_start", "hello_interval_s"},
        diag);
    if (!r.ok()) return;
    r.require({"name"});
    if (r.read("name", peer.name) && r.has("name")) {
        if (!valid_peer_name(peer.name) || peer.name == "default") {
            diag.error(r.path_of("name"),
                       "must be 1 to 64 characters from [A-Za-z0-9_.-] and not 'default', got '" +
                           peer.name + "'");
        } else if (auto [it, fresh] = names.emplace(peer.name, l.peers.size() - 1); !fresh) {
            diag.error(r.path_of("name"), "duplicate peer name '" + peer.name +
                                              "' (also l2tp.peers[" + std::to_string(it->second) +
                                              "])");
        }
    }
    if (auto n = r.get("sources")) {
        for_each_item(*n, r.path_of("sources"), diag, true,
                      [&](const YAML::Node &item, const std::string &path, size_t) {
                          if (auto src = read_source(item, path, diag))
                              peer.sources.push_back(*src);
                      });
    }
    read_host_name(r, peer.host_name, true, diag);
    PeerReader pr(r, false, diag);
    read_peer_settings(pr, peer, defaults_checked, diag);
}

}  // namespace

void parse_l2tp(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    L2tpConfig &l = p.config.l2tp;
    l.defaults.name = "default";
    bool max_sessions_given = false;
    if (!node.IsNull()) {
        MapReader r(node, kSection,
                    {"enabled", "host_name", "max_tunnels", "max_sessions",
                     "max_sessions_per_tunnel", "call_setup_timeout_s", "id_quarantine_s",
                     "accept_unknown_peers", "defaults", "peers"},
                    diag);
        if (!r.ok()) return;
        r.read("enabled", l.enabled);
        read_host_name(r, l.host_name, false, diag);
        r.read("max_tunnels", l.max_tunnels, 1, 65535);
        max_sessions_given = r.has("max_sessions");
        r.read("max_sessions", l.max_sessions, 1, kMaxSessions);
        r.read("max_sessions_per_tunnel", l.max_sessions_per_tunnel, 1, 65535);
        r.read("call_setup_timeout_s", l.call_setup_timeout_s, 1, 3600);
        r.read("id_quarantine_s", l.id_quarantine_s, 0, 3600);
        r.read("accept_unknown_peers", l.accept_unknown_peers);
        // The authentication checks of `defaults` apply when it is a peer in
        // its own right, i.e. when unknown LACs are accepted.
        bool defaults_checked = l.accept_unknown_peers;
        if (auto n = r.get("defaults")) parse_defaults(*n, l, diag);
        std::unordered_map<std::string, size_t> names;
        if (auto n = r.get("peers")) {
            for_each_item(*n, r.path_of("peers"), diag, true,
                          [&](const YAML::Node &item, const std::string &path, size_t) {
                              parse_peer(item, path, l, defaults_checked, names, diag);
                          });
        }
    }
    // tables is parsed before: an explicit total above the session table is a
    // mistake; the default follows a smaller table.
    const uint32_t table = p.config.tables.max_sessions;
    if (!max_sessions_given) {
        l.max_sessions = std::min(l.max_sessions, table);
    } else if (l.max_sessions > table && diag.clean("l2tp.max_sessions") &&
               diag.clean("tables.max_sessions")) {
        diag.error("l2tp.max_sessions", "exceeds tables.max_sessions (" + std::to_string(table) +
                                            "), got " + std::to_string(l.max_sessions));
    }
}

}  // namespace lns::cfg::detail
