// The difference between the running configuration and a new one, sorted into
// keys lnsd can change while running ("hot") and keys that need a restart.
//
// Hot (applied by ControlCore::apply_config, mgmt/ and SIGHUP):
//   stats_interval_s; l2tp (all but enabled and id_quarantine_s: policies,
//   limits and timers for tunnels and calls set up from then on); aaa.users /
//   aaa.users_file; aaa pools added, and removed or changed (by name) when no
//   address of theirs is in use (`drain4` / `drain6`: the applier checks);
//   aaa default pools and timeouts; logging (level, format, rate); ipsec.sas
//   added, removed or changed by name (`sa_remove` then `sa_add`; the applier
//   refuses removing or changing an outbound SA that sessions use: rekey it).
// Everything else needs a restart: eal, lcores, mbufs, ports, workers,
// neighbours, tables, mtu, arp, static sessions, ppp, aaa.backend, aaa.radius,
// api, ipsec.max_sas.
//
// Thread: any (pure).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace lns::cfg {

struct ConfigDiff {
    std::vector<std::string> hot;      // YAML paths that differ and can change live
    std::vector<std::string> restart;  // YAML paths that differ and need a restart
    std::vector<std::string> drain4;   // pools removed / changed: must hold no address
    std::vector<std::string> drain6;
    std::vector<std::string> sa_remove;  // ipsec.sas removed or changed (by name)
    std::vector<std::string> sa_add;     // ipsec.sas added or changed
    bool empty() const { return hot.empty() && restart.empty(); }
};

ConfigDiff diff_config(const Config &running, const Config &next);

}  // namespace lns::cfg
