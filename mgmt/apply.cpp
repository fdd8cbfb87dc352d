#include "mgmt/apply.hpp"

#include "config/diff.hpp"

namespace lns::mgmt {

Outcome reject(const Candidate &c) {
    Outcome o;
    o.status = c.syntax ? 400 : 422;
    o.body = {{"error", c.syntax ? "syntax error" : "invalid configuration"}, {"errors", c.errors}};
    return o;
}

Outcome apply_candidate(cp::ControlCore &cc, ConfigStore &store, const Candidate &c,
                        const std::string &text, std::optional<uint64_t> if_match, bool dry_run) {
    const VersionInfo cur = store.version();
    if (if_match && *if_match != cur.version) {
        return {412,
                {{"error", "the running configuration is version " + std::to_string(cur.version) +
                               ", the request was based on version " + std::to_string(*if_match)},
                 {"version", cur.version},
                 {"hash", cur.hash}}};
    }
    const cfg::ConfigDiff d = cfg::diff_config(cc.running_config(), *c.config);
    if (!d.restart.empty()) {
        return {409,
                {{"error", "requires restart: these keys cannot change while lnsd runs"},
                 {"restart_keys", d.restart},
                 {"hot_keys", d.hot},
                 {"version", cur.version}}};
    }
    std::vector<std::string> busy;  // pools removed or changed must be empty
    for (const auto &n : d.drain4)
        if (const uint64_t u = cc.pool_in_use(false, n))
            busy.push_back("aaa.ipv4_pools[" + n + "]: " + std::to_string(u) +
                           " address(es) in use");
    for (const auto &n : d.drain6)
        if (const uint64_t u = cc.pool_in_use(true, n))
            busy.push_back("aaa.ipv6_pools[" + n + "]: " + std::to_string(u) +
                           " prefix(es) in use");
    for (std::string &why : cc.ipsec_change_blocked(d)) busy.push_back(std::move(why));
    if (!busy.empty()) {
        return {409,
                {{"error",
                  "in use: a pool can be removed or changed only when it holds no address (drain it: "
                  "stop assigning it, disconnect its sessions, and push again); an outbound SA only "
                  "when no session or remaining inbound SA uses it (rekey it instead)"},
                 {"errors", busy},
                 {"version", cur.version}}};
    }
    if (dry_run)
        return {
            200,
            {{"valid", true}, {"changes", d.hot}, {"version", cur.version}, {"hash", cur.hash}}};
    if (d.empty() && ConfigStore::hash_of(text) == cur.hash)
        return {200,
                {{"applied", nlohmann::json::array()},
                 {"version", cur.version},
                 {"hash", cur.hash},
                 {"unchanged", true}}};
    cc.apply_config(*c.config);
    const VersionInfo v = store.commit(text);
    return {200, {{"applied", d.hot}, {"version", v.version}, {"hash", v.hash}}};
}

}  // namespace lns::mgmt
