// JSON views of the control core's state for the management API: sessions,
// tunnels, counters.  Built on the control core (inside a queued command) and
// returned to the management thread as values.
//
// Thread: the control core only (they read the control core and the workers'
// counters).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/control_core.hpp"
#include "dataplane/runtime.hpp"
#include "dataplane/stats.hpp"

namespace lns::mgmt {

struct SessionFilter {
    std::string state;  // "up", "starting", "ending", "l2tp" (no subscriber), "" = any
    std::string user;   // exact
    std::optional<uint16_t> tunnel;
    size_t limit = 100, offset = 0;
};

// {"total": N (matching), "offset", "limit", "sessions": [...]} ordered by id.
nlohmann::json session_list(const dp::Runtime &rt, const cp::ControlCore &cc,
                            const SessionFilter &f);
// One session with negotiated LCP / IPCP / IPv6CP options and traffic
// counters; null when `id` is not a signalled session.
nlohmann::json session_detail(const dp::Runtime &rt, const cp::ControlCore &cc, uint32_t id);
nlohmann::json tunnel_list(const cp::ControlCore &cc);
nlohmann::json tunnel_detail(const cp::ControlCore &cc, uint16_t id);  // null when unknown

// Counters of the data plane and the control core, as lnsd's --stats-json.
dp::Snapshot full_snapshot(const dp::Runtime &rt, const cp::ControlCore &cc);

std::string ipv4_text(uint32_t host_order);

}  // namespace lns::mgmt
