// YAML (yaml-cpp) to lns::cfg::Config, with validation.
//
// Every problem found is reported, not just the first, as
// "FILE:LINE:COL: yaml.path: message" (LINE/COL 1-based).  Unknown keys, wrong
// types, out-of-range values and dangling references (a worker or session naming a
// port that does not exist, a queue beyond a port's rx_queues...) are errors.
//
// Thread: any; no global state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace lns::cfg {

struct LoadResult {
    std::optional<Config> config;     // set only when errors is empty
    std::vector<std::string> errors;  // one line each
};

LoadResult load_config_file(const std::string &path);
LoadResult load_config_string(const std::string &yaml, const std::string &source_name);

// The local users file (aaa.users_file), checked against `aaa` (pool names).
// Returns the errors ("FILE:LINE:COL: users[3].ipv4_pool: ..."); *out is set only
// when there are none.  load_config_file calls it with the path resolved against
// the configuration file's directory; the REST reload will call it alone.
std::vector<std::string> load_users_string(const std::string &yaml, const std::string &source,
                                           const AaaConfig &aaa, std::vector<LocalUser> *out);
std::vector<std::string> load_users_file(const std::string &path, const AaaConfig &aaa,
                                         std::vector<LocalUser> *out);

}  // namespace lns::cfg
