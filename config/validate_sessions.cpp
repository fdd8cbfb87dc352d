// Static session blocks: per-block arithmetic (ids and addresses must not
// overflow), then checks across blocks (total size, overlapping subscriber
// addresses, tunnels defined consistently, duplicate session ids).
//
// Cost: per-block checks are O(1); address overlaps are an O(B log B) sweep over
// blocks; tunnel checks walk each block's tunnels (at most 65535 each); only
// blocks that share a local tunnel with another block are expanded session by
// session into a flat hash table of 32-bit keys.  A single block of 16M sessions
// is therefore validated without being expanded.
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/net_parse.hpp"
#include "config/parse.hpp"

namespace lns::cfg::detail {

namespace {

constexpr uint32_t kNone = UINT32_MAX;

std::string spath(size_t b) {
    return item_path("sessions", b);
}
std::string num(uint64_t v) {
    return std::to_string(v);
}

uint32_t tunnels_of(const StaticSession &s) {
    return (s.count + s.sessions_per_tunnel - 1) / s.sessions_per_tunnel;
}
uint32_t per_tunnel_of(const StaticSession &s) {
    return std::min(s.count, s.sessions_per_tunnel);
}

// Open addressing hash map from non-zero 32-bit keys to 32-bit values.
class FlatMap {
  public:
    explicit FlatMap(size_t n) {
        unsigned bits = 4;
        while ((size_t{1} << bits) < 2 * n) ++bits;
        slots_.assign(size_t{1} << bits, 0);
        mask_ = (size_t{1} << bits) - 1;
        shift_ = 64 - bits;
    }
    // Inserts key -> value; when key is already present returns its value instead.
    std::optional<uint32_t> insert(uint32_t key, uint32_t value) {
        size_t i = (key * 0x9E3779B97F4A7C15ull) >> shift_;
        for (;; i = (i + 1) & mask_) {
            uint64_t slot = slots_[i];
            if (slot == 0) {
                slots_[i] = uint64_t{key} << 32 | value;
                return std::nullopt;
            }
            if (slot >> 32 == key) return static_cast<uint32_t>(slot);
        }
    }

  private:
    std::vector<uint64_t> slots_;
    size_t mask_ = 0;
    unsigned shift_ = 60;
};

// Ids first..first+n-1 must stay within 16 bits.
bool check_ids(size_t b, const char *field, uint32_t first, uint32_t n, const std::string &why,
               Diagnostics &diag) {
    uint32_t last = first + n - 1;
    if (last <= 65535) return true;
    diag.error(spath(b) + "." + field,
               why + ": ids " + num(first) + ".." + num(last) + " exceed 65535");
    return false;
}

bool check_block_ids(const StaticSession &s, size_t b, Diagnostics &diag) {
    uint32_t t = tunnels_of(s), per = per_tunnel_of(s);
    std::string tunnel_why = "the block's " + num(s.count) + " sessions at " +
                             num(s.sessions_per_tunnel) + " per tunnel need " + num(t) + " tunnels";
    std::string session_why = "each tunnel of the block holds " + num(per) + " sessions";
    bool ok = check_ids(b, "local_tunnel_id", s.local_tunnel_id, t, tunnel_why, diag);
    ok &= check_ids(b, "remote_tunnel_id", s.remote_tunnel_id, t, tunnel_why, diag);
    ok &= check_ids(b, "local_session_id", s.local_session_id, per, session_why, diag);
    ok &= check_ids(b, "remote_session_id", s.remote_session_id, per, session_why, diag);
    return ok;
}

bool check_block_ipv4(const StaticSession &s, size_t b, const Config &c, Diagnostics &diag) {
    if (!s.ipv4) return true;
    std::string path = spath(b) + ".ipv4";
    uint64_t last = uint64_t{*s.ipv4} + s.count - 1;
    if (last > UINT32_MAX) {
        diag.error(path, "block of " + num(s.count) + " addresses from " + format_ipv4(*s.ipv4) +
                             " runs past 255.255.255.255");
        return false;
    }
    std::string range = format_ipv4(*s.ipv4) + ".." + format_ipv4(static_cast<uint32_t>(last));
    bool crosses_loopback = *s.ipv4 < 0x7f000000u && last >= 0x7f000000u;
    if (!ipv4_is_unicast(static_cast<uint32_t>(last)) || crosses_loopback) {
        diag.error(path, "range " + range + " includes non-unicast addresses");
        return false;
    }
    for (size_t i = 0; i < c.ports.size(); ++i) {
        const PortConfig &port = c.ports[i];
        for (auto addr : {std::optional<uint32_t>(port.ipv4.addr), port.gateway4}) {
            if (!addr || *addr < *s.ipv4 || *addr > last) continue;
            diag.error(path, "range " + range + " includes " + format_ipv4(*addr) +
                                 ", an address of " + item_path("ports", i));
            return false;
        }
    }
    return true;
}

// First `len` bits of the prefix as an integer (len 32..64).
uint64_t prefix_number(const Ipv6Prefix &p) {
    return ipv6_high64(p.addr) >> (64 - p.len);
}

bool check_block_ipv6(const StaticSession &s, size_t b, Diagnostics &diag) {
    if (!s.ipv6_prefix) return true;
    const Ipv6Prefix &p = *s.ipv6_prefix;
    std::string path = spath(b) + ".ipv6_prefix";
    std::string what =
        "block of " + num(s.count) + " /" + num(p.len) + " prefixes from " + format_prefix(p);
    uint64_t first = prefix_number(p);
    uint64_t max = p.len == 64 ? UINT64_MAX : (uint64_t{1} << p.len) - 1;
    if (s.count - 1 > max - first) {
        diag.error(path, what + " runs past the end of the IPv6 address space");
        return false;
    }
    // Global unicast space ends at fe80::/10 (link-local) and ff00::/8 (multicast).
    unsigned shift = 64 - p.len;
    uint64_t lo = first << shift,
             hi = ((first + s.count - 1) << shift) | ((uint64_t{1} << shift) - 1);
    constexpr uint64_t kLinkLocal = 0xfe80ull << 48, kSiteLocal = 0xfec0ull << 48;
    constexpr uint64_t kMulticast = 0xff00ull << 48;
    if (hi >= kMulticast || (lo < kSiteLocal && hi >= kLinkLocal)) {
        diag.error(path, what + " reaches link-local (fe80::/10) or multicast (ff00::/8) space");
        return false;
    }
    return true;
}

bool check_block_lac(const StaticSession &s, size_t b, const Parsed &p, Diagnostics &diag) {
    if (!diag.clean(field_path("ports", s.port, "ipv4")) ||
        !diag.clean(field_path("ports", s.port, "gateway4")))
        return true;
    const PortConfig &port = p.config.ports[s.port];
    std::string path = spath(b) + ".lac_address";
    if (s.lac_address == port.ipv4.addr) {
        diag.error(path, "is the address of port " + port.name + " itself");
        return false;
    }
    if (ipv4_in_prefix(s.lac_address, port.ipv4) || port.gateway4) return true;
    diag.error(path, format_ipv4(s.lac_address) + " is not on-link for port " + port.name + " (" +
                         format_prefix(port.ipv4) + ") and the port has no gateway4");
    return false;
}

// An address range owned by a block, in units of `unit_shift` bits.
struct Interval {
    uint64_t first, last;
    size_t block;
    unsigned unit_shift;  // session k of the block starts at first + (k << unit_shift)
};

// Reports, for each interval that overlaps one before it (by start), the first
// shared value.  `show` formats a value for the message.
void report_overlaps(std::vector<Interval> v, const char *field,
                     const std::function<std::string(uint64_t, const Interval &)> &show,
                     Diagnostics &diag) {
    std::sort(v.begin(), v.end(), [](const Interval &a, const Interval &b) {
        return a.first != b.first ? a.first < b.first : a.block < b.block;
    });
    std::optional<Interval> widest;  // the earlier interval reaching furthest
    for (const Interval &cur : v) {
        if (widest && cur.first <= widest->last) {
            const Interval &early = cur.block > widest->block ? *widest : cur;
            const Interval &late = cur.block > widest->block ? cur : *widest;
            uint64_t shared = cur.first;
            diag.error(spath(late.block) + "." + field,
                       show(shared, cur) + " (session #" +
                           num((shared - late.first) >> late.unit_shift) +
                           " of this block) is also in " + spath(early.block) + " (session #" +
                           num((shared - early.first) >> early.unit_shift) + ")");
        }
        if (!widest || cur.last > widest->last) widest = cur;
    }
}

void check_address_overlaps(const Parsed &p, const std::vector<bool> &ok, Diagnostics &diag) {
    std::vector<Interval> v4, v6;
    const auto &sessions = p.config.sessions;
    for (size_t b = 0; b < sessions.size(); ++b) {
        const StaticSession &s = sessions[b];
        if (!ok[b]) continue;
        if (s.ipv4) v4.push_back({*s.ipv4, uint64_t{*s.ipv4} + s.count - 1, b, 0});
        if (s.ipv6_prefix) {
            unsigned shift = 64 - s.ipv6_prefix->len;
            uint64_t first = ipv6_high64(s.ipv6_prefix->addr);
            uint64_t span = ((uint64_t{s.count} - 1) << shift) + ((uint64_t{1} << shift) - 1);
            v6.push_back({first, first + span, b, shift});
        }
    }
    report_overlaps(
        v4, "ipv4",
        [](uint64_t v, const Interval &) {
            return "subscriber address " + format_ipv4(static_cast<uint32_t>(v));
        },
        diag);
    report_overlaps(
        v6, "ipv6_prefix",
        [&](uint64_t v, const Interval &in) {
            Ipv6Prefix pfx{{}, static_cast<uint8_t>(64 - in.unit_shift)};
            for (int i = 0; i < 8; ++i) pfx.addr[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
            return "subscriber prefix " + format_prefix(pfx);
        },
        diag);
}

// Tunnels and session ids ----------------------------------------------------------

// Every local tunnel id must mean the same tunnel (same port, LAC and remote
// tunnel id) in all blocks using it, and each (LAC, remote tunnel) must pair with
// one local tunnel.  Marks blocks sharing a local tunnel in `shared`.
void check_tunnels(const Parsed &p, const std::vector<bool> &ok, std::vector<bool> &shared,
                   Diagnostics &diag) {
    const auto &sessions = p.config.sessions;
    std::vector<uint32_t> owner(65536, kNone);
    std::unordered_map<uint64_t, uint32_t> remote_owner;  // (lac, port, remote id) -> local id
    for (size_t b = 0; b < sessions.size(); ++b) {
        if (!ok[b]) continue;
        const StaticSession &s = sessions[b];
        bool reported = false, reported_remote = false;
        for (uint32_t k = 0, n = tunnels_of(s); k < n; ++k) {
            uint32_t local = s.local_tunnel_id + k, remote = s.remote_tunnel_id + k;
            uint64_t rkey = uint64_t{s.lac_address} << 32 | uint64_t{s.lac_port} << 16 | remote;
            auto [rit, fresh] = remote_owner.emplace(rkey, local);
            if (!fresh && rit->second != local && !reported_remote) {
                diag.error(spath(b) + ".remote_tunnel_id",
                           "remote tunnel " + num(remote) + " of LAC " +
                               format_ipv4(s.lac_address) + ":" + num(s.lac_port) +
                               " is already paired with local tunnel " + num(rit->second));
                reported_remote = true;
            }
            if (owner[local] == kNone) {
                owner[local] = static_cast<uint32_t>(b);
                continue;
            }
            const StaticSession &o = sessions[owner[local]];
            shared[b] = shared[owner[local]] = true;
            uint32_t o_remote = o.remote_tunnel_id + (local - o.local_tunnel_id);
            bool same = o_remote == remote && o.lac_address == s.lac_address &&
                        o.lac_port == s.lac_port && o.port == s.port;
            if (same || reported) continue;
            diag.error(spath(b) + ".local_tunnel_id",
                       "local tunnel " + num(local) + " is also used by " + spath(owner[local]) +
                           " with a different remote tunnel id, LAC address, lac_port or port");
            reported = true;
        }
    }
}

struct Collision {
    uint32_t count = 0;
    uint32_t index = 0;  // first colliding session of the block
    uint32_t other = 0;  // block it collides with
    uint32_t tunnel = 0, session = 0;
};

void report_collision(size_t b, const Collision &c, const char *field, const char *what,
                      Diagnostics &diag) {
    if (c.count == 0) return;
    std::string more = c.count > 1 ? " (and " + num(c.count - 1) + " more)" : "";
    diag.error(spath(b) + "." + field, std::string(what) + " " + num(c.session) +
                                           " in local tunnel " + num(c.tunnel) + " (session #" +
                                           num(c.index) + " of this block) is also used by " +
                                           spath(c.other) + more);
}

// (local tunnel, local session) and (local tunnel, remote session) must be unique
// across the blocks in `expand`; within one block they are by construction.
void check_session_ids(const Parsed &p, const std::vector<bool> &expand, Diagnostics &diag) {
    const auto &sessions = p.config.sessions;
    size_t n = 0;
    for (size_t b = 0; b < sessions.size(); ++b)
        if (expand[b]) n += sessions[b].count;
    if (n == 0) return;
    FlatMap local_ids(n), remote_ids(n);
    for (size_t b = 0; b < sessions.size(); ++b) {
        if (!expand[b]) continue;
        const StaticSession &s = sessions[b];
        Collision local_dup, remote_dup;
        uint32_t tunnel = s.local_tunnel_id, j = 0;
        for (uint32_t i = 0; i < s.count; ++i) {
            uint32_t ls = s.local_session_id + j, rs = s.remote_session_id + j;
            auto value = static_cast<uint32_t>(b);
            auto hit = local_ids.insert(tunnel << 16 | ls, value);
            if (hit && *hit != value && local_dup.count++ == 0)
                local_dup = {1, i, *hit, tunnel, ls};
            hit = remote_ids.insert(tunnel << 16 | rs, value);
            if (hit && *hit != value && remote_dup.count++ == 0)
                remote_dup = {1, i, *hit, tunnel, rs};
            if (++j == s.sessions_per_tunnel) {
                j = 0;
                ++tunnel;
            }
        }
        report_collision(b, local_dup, "local_session_id", "local session id", diag);
        report_collision(b, remote_dup, "remote_session_id", "remote session id", diag);
    }
}

}  // namespace

void validate_sessions(Parsed &p, Diagnostics &diag) {
    const Config &c = p.config;
    std::vector<bool> ok(c.sessions.size());
    uint64_t total = 0;
    for (size_t b = 0; b < c.sessions.size(); ++b) {
        const StaticSession &s = c.sessions[b];
        total += s.count;
        bool good = diag.clean(spath(b));  // before the checks below add errors
        auto clean = [&](std::initializer_list<const char *> fields) {
            for (const char *f : fields)
                if (!diag.clean(field_path("sessions", b, f))) return false;
            return true;
        };
        if (clean({"count", "sessions_per_tunnel", "local_tunnel_id", "remote_tunnel_id",
                   "local_session_id", "remote_session_id"}))
            good &= check_block_ids(s, b, diag);
        if (clean({"count", "ipv4"})) good &= check_block_ipv4(s, b, c, diag);
        if (clean({"count", "ipv6_prefix"})) good &= check_block_ipv6(s, b, diag);
        if (clean({"port", "lac_address"})) good &= check_block_lac(s, b, p, diag);
        ok[b] = good;
    }
    if (total > c.tables.max_sessions) {
        std::string where =
            diag.has_location("tables.max_sessions") ? "tables.max_sessions" : "sessions";
        diag.error(where, num(total) +
                              " static sessions (blocks expanded) exceed "
                              "tables.max_sessions (" +
                              num(c.tables.max_sessions) + ")");
    }
    check_address_overlaps(p, ok, diag);
    std::vector<bool> shared(c.sessions.size());
    check_tunnels(p, ok, shared, diag);
    // Expanding is bounded by max_sessions; past it the config is invalid anyway.
    if (total <= c.tables.max_sessions) check_session_ids(p, shared, diag);
}

}  // namespace lns::cfg::detail
