// ipsec: static ESP security associations (RFC 4301 §4.4.2).  Each entry is
// read here; names, (SPI, local address) uniqueness, reply_sa references and
// the local address (an access port's) are checked by validate_ipsec once the
// ports are known.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "config/load.hpp"
#include "config/net_parse.hpp"
#include "config/parse.hpp"
#include "config/read_net.hpp"

namespace lns::cfg::detail {

namespace {

constexpr uint32_t kMinWindow = 64, kMaxWindow = 4096;

bool valid_sa_name(const std::string &s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '.' || c == '-';
    });
}

// An SPI: decimal or 0x hex, 256..2^32-1 (RFC 4303 §2.1 reserves 1..255; 0 is
// "no SA").  Reported at `path` when malformed.
std::optional<uint32_t> read_spi(const YAML::Node &node, const std::string &path,
                                 Diagnostics &diag) {
    const char *expected = "an SPI: an integer, decimal or 0x hex, 256..4294967295";
    if (!node.IsScalar() || node.Tag() == "!") {  // quoted: a string
        diag.error(path, std::string("expected ") + expected + ", got " + describe(node));
        return std::nullopt;
    }
    const std::string &t = node.Scalar();
    const bool hex = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
    const std::string digits = hex ? t.substr(2) : t;
    bool ok = !digits.empty() && digits.size() <= (hex ? 8u : 10u);
    for (char c : digits)
        ok = ok && (hex ? std::isxdigit((unsigned char)c) : std::isdigit((unsigned char)c));
    uint64_t v = ok ? std::stoull(digits, nullptr, hex ? 16 : 10) : 0;
    if (!ok || v > UINT32_MAX) {
        diag.error(path, std::string("expected ") + expected + ", got '" + t + "'");
        return std::nullopt;
    }
    if (v < 256) {
        diag.error(path, "SPI " + std::to_string(v) +
                             " is reserved (RFC 4303 §2.1: 1..255 are "
                             "reserved, 0 means no SA); use 256 or more");
        return std::nullopt;
    }
    return uint32_t(v);
}

// Hex bytes; ':' and spaces between digits are allowed (as charon logs keys).
std::optional<std::vector<uint8_t>> read_hex(const YAML::Node &node, const std::string &path,
                                             Diagnostics &diag) {
    auto s = read_string(node, path, diag);
    if (!s) return std::nullopt;
    std::string t = *s;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t = t.substr(2);
    std::string digits;
    for (char c : t) {
        if (c == ':' || c == ' ') continue;
        if (!std::isxdigit((unsigned char)c)) {
            diag.error(
                path, std::string("expected hex bytes (':' or spaces allowed), found '") + c + "'");
            return std::nullopt;
        }
        digits += c;
    }
    if (digits.empty() || digits.size() % 2) {
        diag.error(path, "expected hex bytes: an even, non-zero number of hex digits, got " +
                             std::to_string(digits.size()));
        return std::nullopt;
    }
    std::vector<uint8_t> out;
    for (size_t i = 0; i < digits.size(); i += 2)
        out.push_back(uint8_t(std::stoul(digits.substr(i, 2), nullptr, 16)));
    return out;
}

bool is_gcm(IpsecCipher c) {
    return c == IpsecCipher::aes_gcm_128 || c == IpsecCipher::aes_gcm_256;
}

// Bytes of `key:` the cipher needs (GCM: key + 4-byte salt).
size_t key_bytes(IpsecCipher c) {
    switch (c) {
        case IpsecCipher::aes_gcm_128:
            return 20;
        case IpsecCipher::aes_gcm_256:
            return 36;
        case IpsecCipher::aes_cbc_128:
            return 16;
        case IpsecCipher::aes_cbc_256:
            return 32;
        case IpsecCipher::des3_cbc:
            return 24;
    }
    return 0;
}

size_t auth_key_bytes(IpsecIntegrity i) {
    return i == IpsecIntegrity::hmac_sha1_96 ? 20 : i == IpsecIntegrity::hmac_sha256_128 ? 32 : 0;
}

const char *const kCipherNames[] = {"aes-gcm-128", "aes-gcm-256", "aes-cbc-128", "aes-cbc-256",
                                    "3des-cbc"};
const char *const kIntegrityNames[] = {"none", "hmac-sha1-96", "hmac-sha256-128"};

void parse_natt(const YAML::Node &node, const std::string &path, IpsecSaConfig &sa,
                Diagnostics &diag) {
    sa.natt = true;
    if (node.IsNull()) return;
    MapReader r(node, path, {"local_port", "peer_port"}, diag);
    r.read("local_port", sa.natt_local_port, 1, 65535);
    r.read("peer_port", sa.natt_peer_port, 1, 65535);
}

void parse_lifetime(const YAML::Node &node, const std::string &path, IpsecSaConfig &sa,
                    Diagnostics &diag) {
    MapReader r(node, path, {"soft_bytes", "hard_bytes", "soft_packets", "hard_packets"}, diag);
    r.read("soft_bytes", sa.soft_bytes, 0, UINT64_MAX);
    r.read("hard_bytes", sa.hard_bytes, 0, UINT64_MAX);
    r.read("soft_packets", sa.soft_packets, 0, UINT64_MAX);
    r.read("hard_packets", sa.hard_packets, 0, UINT64_MAX);
    auto check = [&](uint64_t soft, uint64_t hard, const char *what) {
        if (soft && hard && soft >= hard && diag.clean(path))
            diag.error(r.path_of(what),
                       std::string("must be below the hard limit (") + std::to_string(hard) + ")");
    };
    check(sa.soft_bytes, sa.hard_bytes, "soft_bytes");
    check(sa.soft_packets, sa.hard_packets, "soft_packets");
}

// Key material against the algorithms (RFC 4106 §8.1, RFC 3602, RFC 2404, RFC 4868).
void check_keys(MapReader &r, IpsecSaConfig &sa, Diagnostics &diag) {
    const bool gcm = is_gcm(sa.cipher);
    if (gcm && sa.integrity != IpsecIntegrity::none && diag.clean(r.path_of("integrity")))
        diag.error(r.path_of("integrity"), std::string(kCipherNames[size_t(sa.cipher)]) +
                                               " is a combined mode; integrity must be none");
    if (!gcm && sa.integrity == IpsecIntegrity::none && diag.clean(r.path_of("integrity")) &&
        diag.clean(r.path_of("cipher")))
        diag.error(r.has("integrity") ? r.path_of("integrity") : r.path(),
                   std::string(kCipherNames[size_t(sa.cipher)]) +
                       " without integrity is not allowed (RFC 4303 §3.2): set integrity to "
                       "hmac-sha1-96 or hmac-sha256-128");
    const size_t want = key_bytes(sa.cipher);
    if (r.has("key") && diag.clean(r.path_of("key")) && diag.clean(r.path_of("cipher")) &&
        sa.key.size() != want) {
        diag.error(r.path_of("key"), std::string(kCipherNames[size_t(sa.cipher)]) + " needs " +
                                         std::to_string(want) + " key bytes" +
                                         (gcm ? " (key and 4-byte salt)" : "") + ", got " +
                                         std::to_string(sa.key.size()));
    } else if (gcm && sa.key.size() == want) {
        std::copy(sa.key.end() - 4, sa.key.end(), sa.salt.begin());
        sa.key.resize(want - 4);
    }
    const size_t want_auth = auth_key_bytes(sa.integrity);
    if (r.has("auth_key") && want_auth == 0 && diag.clean(r.path_of("integrity")))
        diag.error(r.path_of("auth_key"), "integrity is none: no auth_key is used");
    else if (want_auth && !r.has("auth_key") && diag.clean(r.path_of("integrity")))
        diag.error(r.path(), std::string("missing key 'auth_key' (") +
                                 kIntegrityNames[size_t(sa.integrity)] + " needs " +
                                 std::to_string(want_auth) + " bytes)");
    else if (want_auth && diag.clean(r.path_of("auth_key")) && sa.auth_key.size() != want_auth)
        diag.error(r.path_of("auth_key"), std::string(kIntegrityNames[size_t(sa.integrity)]) +
                                              " needs " + std::to_string(want_auth) +
                                              " key bytes, got " +
                                              std::to_string(sa.auth_key.size()));
}

void parse_sa(const YAML::Node &node, const std::string &path, IpsecConfig &ic, Diagnostics &diag) {
    IpsecSaConfig &sa = ic.sas.emplace_back();
    MapReader r(node, path,
                {"name", "direction", "spi", "mode", "local", "peer", "cipher", "integrity", "key",
                 "auth_key", "esn", "replay_window", "natt", "lifetime", "reply_sa", "lac"},
                diag);
    if (!r.ok()) return;
    r.require({"name", "direction", "spi", "mode", "local", "peer", "cipher", "key"});
    if (r.read("name", sa.name) && r.has("name") && !valid_sa_name(sa.name))
        diag.error(r.path_of("name"),
                   "must be 1 to 64 characters from [A-Za-z0-9_.-], got '" + sa.name + "'");
    if (auto n = r.get("direction")) {
        auto c = read_choice(*n, r.path_of("direction"), {"inbound", "outbound"}, diag);
        if (c) sa.inbound = *c == 0;
    }
    if (auto n = r.get("spi"))
        if (auto v = read_spi(*n, r.path_of("spi"), diag)) sa.spi = *v;
    if (auto n = r.get("mode")) {
        auto c = read_choice(*n, r.path_of("mode"), {"transport", "tunnel"}, diag);
        if (c) sa.tunnel = *c == 1;
    }
    if (auto n = r.get("local"))
        if (auto a = read_ipv4(*n, r.path_of("local"), diag)) sa.local = *a;
    if (auto n = r.get("peer")) {
        auto a = read_ipv4(*n, r.path_of("peer"), diag);
        if (a && !ipv4_is_unicast(*a))
            diag.error(r.path_of("peer"), format_ipv4(*a) + " is not a unicast address");
        if (a) sa.peer = *a;
    }
    if (auto n = r.get("cipher")) {
        auto c = read_choice(
            *n, r.path_of("cipher"),
            {kCipherNames[0], kCipherNames[1], kCipherNames[2], kCipherNames[3], kCipherNames[4]},
            diag);
        if (c) sa.cipher = IpsecCipher(*c);
    }
    if (auto n = r.get("integrity")) {
        auto c = read_choice(*n, r.path_of("integrity"),
                             {kIntegrityNames[0], kIntegrityNames[1], kIntegrityNames[2]}, diag);
        if (c) sa.integrity = IpsecIntegrity(*c);
    }
    if (auto n = r.get("key"))
        if (auto k = read_hex(*n, r.path_of("key"), diag)) sa.key = *k;
    if (auto n = r.get("auth_key"))
        if (auto k = read_hex(*n, r.path_of("auth_key"), diag)) sa.auth_key = *k;
    check_keys(r, sa, diag);
    r.read("esn", sa.esn);
    sa.replay_window = ic.replay_window;
    if (r.has("replay_window")) {
        if (!sa.inbound && diag.clean(r.path_of("direction")))
            diag.error(r.path_of("replay_window"), "only inbound SAs have a replay window");
        r.read_zero_or("replay_window", sa.replay_window, kMinWindow, kMaxWindow);
    }
    if (auto n = r.get("natt")) parse_natt(*n, r.path_of("natt"), sa, diag);
    if (auto n = r.get("lifetime")) parse_lifetime(*n, r.path_of("lifetime"), sa, diag);
    if (r.read("reply_sa", sa.reply_sa) && r.has("reply_sa") && !sa.inbound &&
        diag.clean(r.path_of("direction")))
        diag.error(r.path_of("reply_sa"), "only inbound SAs have a reply_sa");
    if (auto n = r.get("lac")) {
        sa.lac = read_ipv4_prefix(*n, r.path_of("lac"), 0, 32, diag);
        if (sa.inbound && diag.clean(r.path_of("direction")))
            diag.error(r.path_of("lac"), "only outbound SAs select LACs");
    }
}

// `local` must be the address of an access port: the SA's packets arrive there.
void check_local(Parsed &p, size_t i, Diagnostics &diag) {
    IpsecSaConfig &sa = p.config.ipsec.sas[i];
    const std::string path = field_path("ipsec.sas", i, "local");
    if (!diag.has_location(path) || !diag.clean(path)) return;
    const auto &ports = p.config.ports;
    for (size_t j = 0; j < ports.size(); ++j) {
        if (ports[j].role == PortRole::access && ports[j].ipv4.addr == sa.local) {
            sa.port = uint16_t(j);
            return;
        }
    }
    diag.error(path, format_ipv4(sa.local) + " is not the address of an access port");
}

}  // namespace

void parse_ipsec(const YAML::Node &node, Parsed &p, Diagnostics &diag) {
    if (node.IsNull()) return;
    IpsecConfig &ic = p.config.ipsec;
    MapReader r(node, "ipsec", {"replay_window", "max_sas", "sas"}, diag);
    if (!r.ok()) return;
    r.read_zero_or("replay_window", ic.replay_window, kMinWindow, kMaxWindow);
    r.read("max_sas", ic.max_sas, 1, 65534);
    if (auto n = r.get("sas"))
        for_each_item(*n, "ipsec.sas", diag, true,
                      [&](const YAML::Node &item, const std::string &path, size_t) {
                          parse_sa(item, path, ic, diag);
                      });
}

void validate_ipsec(Parsed &p, Diagnostics &diag) {
    auto &sas = p.config.ipsec.sas;
    if (sas.size() > p.config.ipsec.max_sas && diag.clean("ipsec.max_sas"))
        diag.error("ipsec.sas", std::to_string(sas.size()) + " SAs exceed ipsec.max_sas (" +
                                    std::to_string(p.config.ipsec.max_sas) + ")");
    std::map<std::string, size_t> names;
    std::map<std::pair<uint32_t, uint32_t>, size_t> inbound_keys;  // (spi, local)
    for (size_t i = 0; i < sas.size(); ++i) {
        check_local(p, i, diag);
        const std::string name_path = field_path("ipsec.sas", i, "name");
        if (diag.has_location(name_path) && diag.clean(name_path)) {
            if (auto [it, fresh] = names.emplace(sas[i].name, i); !fresh)
                diag.error(name_path, "duplicate SA name '" + sas[i].name + "' (also " +
                                          item_path("ipsec.sas", it->second) + ")");
        }
        const std::string spi_path = field_path("ipsec.sas", i, "spi");
        if (sas[i].inbound && diag.has_location(spi_path) && diag.clean(spi_path) &&
            diag.clean(field_path("ipsec.sas", i, "local"))) {
            auto [it, fresh] = inbound_keys.emplace(std::make_pair(sas[i].spi, sas[i].local), i);
            if (!fresh)
                diag.error(spi_path, "inbound SPI " + std::to_string(sas[i].spi) + " on " +
                                         format_ipv4(sas[i].local) + " is already used by " +
                                         item_path("ipsec.sas", it->second));
        }
    }
    for (size_t i = 0; i < sas.size(); ++i) {
        const std::string path = field_path("ipsec.sas", i, "reply_sa");
        if (sas[i].reply_sa.empty() || !diag.has_location(path) || !diag.clean(path)) continue;
        auto it = names.find(sas[i].reply_sa);
        if (it == names.end()) {
            diag.error(path, "unknown SA '" + sas[i].reply_sa + "'");
        } else if (sas[it->second].inbound) {
            diag.error(path,
                       "SA '" + sas[i].reply_sa + "' is inbound; reply_sa must be an outbound SA");
        } else {
            sas[i].reply_index = int(it->second);
        }
    }
}

}  // namespace lns::cfg::detail

namespace lns::cfg {

std::string SaLoadResult::where_of(const std::string &key) const {
    for (const auto &[k, w] : where)
        if (k == key) return w;
    return where.empty() ? std::string() : where.front().second;
}

// The SA object alone: parse_sa on it (with `running`'s ipsec.replay_window as
// the default window), then the local-address check of validate_ipsec.
SaLoadResult load_sa_string(const std::string &text, const std::string &source,
                            const std::string &member, const Config &running) {
    SaLoadResult out;
    detail::Diagnostics diag(source);
    IpsecConfig ic;
    ic.replay_window = running.ipsec.replay_window;
    auto at = [&](const YAML::Mark &m, const std::string &path) {
        return source + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) +
               ": " + (path.empty() ? "(root)" : path);
    };
    try {
        const YAML::Node root = YAML::Load(text);
        YAML::Node node;
        node.reset(root);  // (operator= would assign into root)
        diag.record("", root.Mark());
        if (!root.IsMap()) {
            diag.error("", "expected a mapping (a JSON object), got " + detail::describe(root));
        } else if (!member.empty()) {
            const YAML::Node m = root[member];  // missing: a "zombie" node that reset() refuses
            if (!m.IsDefined() || m.IsNull()) {
                diag.error("", "missing key '" + member + "'");
            } else {
                node.reset(m);
                diag.record(member, node.Mark());
            }
        }
        if (diag.count() == 0) {
            if (node.IsMap())
                for (const auto &kv : node)
                    if (kv.first.IsScalar())
                        out.where.emplace_back(
                            kv.first.Scalar(),
                            at(kv.first.Mark(), detail::child_path(member, kv.first.Scalar())));
            detail::parse_sa(node, member, ic, diag);
        }
        if (diag.count() == 0 && !ic.sas.empty()) {
            const IpsecSaConfig &sa = ic.sas.front();
            bool found = false;
            for (const PortConfig &pc : running.ports)
                found = found || (pc.role == PortRole::access && pc.ipv4.addr == sa.local);
            if (!found)
                diag.error(detail::child_path(member, "local"),
                           format_ipv4(sa.local) + " is not the address of an access port");
        }
    } catch (const YAML::Exception &e) {
        diag.error_at(e.mark, "syntax error", e.msg);
        out.syntax = true;
    }
    out.errors = diag.formatted();
    if (out.errors.empty() && !ic.sas.empty()) out.sa = std::move(ic.sas.front());
    return out;
}

}  // namespace lns::cfg
