// Prometheus text exposition (format 0.0.4) of a counter snapshot: HELP and
// TYPE for every family, counters ending in _total, labels for port, worker,
// drop / punt reason, tunnel, ESP SA (sa, direction; drops also by reason).
// Control-core, L2TP and subscriber counters keep their --stats-json names under lnsd_control_, lnsd_l2tp_, lnsd_subscriber_.
//
// Thread: any (pure formatting).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/stats.hpp"

namespace lns::mgmt {

struct ExtraMetric {
    std::string name;  // full metric name
    std::string help;
    bool counter = true;
    uint64_t value = 0;
};

std::string format_prometheus(const dp::Snapshot &s, const std::vector<ExtraMetric> &extra);

// A --stats-json style name as a metric name part ([a-zA-Z0-9_], lower case).
std::string metric_name(const std::string &s);

}  // namespace lns::mgmt
