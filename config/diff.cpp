// diff_config: which keys differ, hot or restart (see diff.hpp).
#include "config/diff.hpp"

namespace lns::cfg {

namespace {

class Differ {
  public:
    explicit Differ(ConfigDiff &d) : d_(d) {}
    template <class T>
    void hot(const char *key, const T &a, const T &b) {
        if (!(a == b)) d_.hot.emplace_back(key);
    }
    template <class T>
    void restart(const char *key, const T &a, const T &b) {
        if (!(a == b)) d_.restart.emplace_back(key);
    }
    void restart_msg(std::string what) { d_.restart.push_back(std::move(what)); }
    void hot_msg(std::string what) { d_.hot.push_back(std::move(what)); }

  private:
    ConfigDiff &d_;
};

// Peers by name: added, removed, changed (order matters too: first match wins).
void diff_peers(Differ &d, const std::vector<L2tpPeer> &a, const std::vector<L2tpPeer> &b) {
    auto find = [](const std::vector<L2tpPeer> &v, const std::string &name) -> const L2tpPeer * {
        for (const auto &p : v)
            if (p.name == name) return &p;
        return nullptr;
    };
    for (const auto &p : b) {
        const L2tpPeer *o = find(a, p.name);
        if (!o)
            d.hot_msg("l2tp.peers[" + p.name + "] (added)");
        else if (!(*o == p))
            d.hot_msg("l2tp.peers[" + p.name + "] (changed)");
    }
    for (const auto &p : a)
        if (!find(b, p.name)) d.hot_msg("l2tp.peers[" + p.name + "] (removed)");
}

// Pools by name (order does not matter: pools do not overlap).
template <class Pool>
void diff_pools(Differ &d, const char *key, const std::vector<Pool> &a, const std::vector<Pool> &b,
                std::vector<std::string> &drain) {
    auto find = [](const std::vector<Pool> &v, const std::string &name) -> const Pool * {
        for (const auto &p : v)
            if (p.name == name) return &p;
        return nullptr;
    };
    for (const auto &p : b) {
        const Pool *o = find(a, p.name);
        if (!o) {
            d.hot_msg(std::string(key) + "[" + p.name + "] (added)");
        } else if (!(*o == p)) {
            d.hot_msg(std::string(key) + "[" + p.name + "] (changed)");
            drain.push_back(p.name);
        }
    }
    for (const auto &p : a) {
        if (find(b, p.name)) continue;
        d.hot_msg(std::string(key) + "[" + p.name + "] (removed)");
        drain.push_back(p.name);
    }
}

void diff_l2tp(Differ &d, const L2tpConfig &a, const L2tpConfig &b) {
    d.restart("l2tp.enabled", a.enabled, b.enabled);
    d.restart("l2tp.id_quarantine_s", a.id_quarantine_s, b.id_quarantine_s);
    d.hot("l2tp.host_name", a.host_name, b.host_name);
    d.hot("l2tp.max_tunnels", a.max_tunnels, b.max_tunnels);
    d.hot("l2tp.max_sessions", a.max_sessions, b.max_sessions);
    d.hot("l2tp.max_sessions_per_tunnel", a.max_sessions_per_tunnel, b.max_sessions_per_tunnel);
    d.hot("l2tp.call_setup_timeout_s", a.call_setup_timeout_s, b.call_setup_timeout_s);
    d.hot("l2tp.accept_unknown_peers", a.accept_unknown_peers, b.accept_unknown_peers);
    d.hot("l2tp.defaults", a.defaults, b.defaults);
    diff_peers(d, a.peers, b.peers);
}

void diff_aaa(Differ &d, ConfigDiff &out, const AaaConfig &a, const AaaConfig &b) {
    d.restart("aaa.backend", a.backend, b.backend);
    d.restart("aaa.radius", a.radius, b.radius);
    d.hot("aaa.users_file", a.users_file, b.users_file);
    if (!(a.users == b.users)) d.hot_msg("aaa.users (users file contents)");
    diff_pools(d, "aaa.ipv4_pools", a.ipv4_pools, b.ipv4_pools, out.drain4);
    diff_pools(d, "aaa.ipv6_pools", a.ipv6_pools, b.ipv6_pools, out.drain6);
    d.hot("aaa.default_ipv4_pool", a.default_ipv4_pool, b.default_ipv4_pool);
    d.hot("aaa.default_ipv6_pool", a.default_ipv6_pool, b.default_ipv6_pool);
    d.hot("aaa.session_timeout_s", a.session_timeout_s, b.session_timeout_s);
    d.hot("aaa.idle_timeout_s", a.idle_timeout_s, b.idle_timeout_s);
}

// SAs by name; a changed one is removed and added again (keys and algorithms
// cannot change under an SA: that is a rekey, POST /api/v1/sas/{name}/rekey).
void diff_sas(Differ &d, ConfigDiff &out, const std::vector<IpsecSaConfig> &a,
              const std::vector<IpsecSaConfig> &b) {
    auto find = [](const std::vector<IpsecSaConfig> &v, const std::string &name) -> const IpsecSaConfig * {
        for (const auto &s : v)
            if (s.name == name) return &s;
        return nullptr;
    };
    for (const auto &s : b) {
        const IpsecSaConfig *o = find(a, s.name);
        if (!o) {
            d.hot_msg("ipsec.sas[" + s.name + "] (added)");
            out.sa_add.push_back(s.name);
        } else if (!(*o == s)) {
            d.hot_msg("ipsec.sas[" + s.name + "] (changed)");
            out.sa_remove.push_back(s.name);
            out.sa_add.push_back(s.name);
        }
    }
    for (const auto &s : a) {
        if (find(b, s.name)) continue;
        d.hot_msg("ipsec.sas[" + s.name + "] (removed)");
        out.sa_remove.push_back(s.name);
    }
}

}  // namespace

ConfigDiff diff_config(const Config &a, const Config &b) {
    ConfigDiff out;
    Differ d(out);
    d.restart("eal", a.eal, b.eal);
    d.restart("control_lcore", a.control_lcore, b.control_lcore);
    d.restart("control_cpu", a.control_cpu, b.control_cpu);
    d.restart("mbufs", a.mbufs, b.mbufs);
    d.restart("burst", a.burst, b.burst);
    d.restart("rx_burst", a.rx_burst, b.rx_burst);
    d.restart("tx_drain_us", a.tx_drain_us, b.tx_drain_us);
    d.restart("punt_ring_size", a.punt_ring_size, b.punt_ring_size);
    d.restart("worker_idle_sleep_us", a.worker_idle_sleep_us, b.worker_idle_sleep_us);
    d.restart("worker_idle_polls", a.worker_idle_polls, b.worker_idle_polls);
    d.restart("ports", a.ports, b.ports);
    d.restart("workers", a.workers, b.workers);
    d.restart("neighbors", a.neighbors, b.neighbors);
    d.restart("sessions", a.sessions, b.sessions);
    d.restart("tables", a.tables, b.tables);
    d.restart("mtu", a.mtu, b.mtu);
    d.restart("arp", a.arp, b.arp);
    d.restart("ppp", a.ppp, b.ppp);
    d.restart("api", a.api, b.api);
    d.restart("ipsec.max_sas", a.ipsec.max_sas, b.ipsec.max_sas);
    d.hot("ipsec.replay_window", a.ipsec.replay_window, b.ipsec.replay_window);
    diff_sas(d, out, a.ipsec.sas, b.ipsec.sas);
    d.hot("logging", a.logging, b.logging);
    d.hot("stats_interval_s", a.stats_interval_s, b.stats_interval_s);
    diff_l2tp(d, a.l2tp, b.l2tp);
    diff_aaa(d, out, a.aaa, b.aaa);
    return out;
}

}  // namespace lns::cfg
