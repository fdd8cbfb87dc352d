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
// One ESP SA given alone (the REST API's POST /api/v1/sas and rekey bodies, an
// IKE daemon): a JSON or YAML object with the keys of an `ipsec.sas[]` entry,
// read by the same code with the same rules and messages.  `member` selects a
// member of the body's top-level object ("inbound" of a rekey body; "" the body
// itself), which is also the path prefix of the messages:
// "SOURCE:LINE:COL: inbound.key: aes-gcm-128 needs 20 key bytes...".  `local`
// is checked against `running`'s access ports; what needs the live SA table
// (unique name, unique inbound (SPI, local), reply_sa) is the caller's.
struct SaLoadResult {
    std::optional<IpsecSaConfig> sa;  // set only when errors is empty
    std::vector<std::string> errors;
    bool syntax = false;  // the text is not YAML/JSON at all
    // "SOURCE:LINE:COL: PATH" of each key present (by key), for the caller's
    // own messages ("name" -> "request:1:2: name").
    std::vector<std::pair<std::string, std::string>> where;
    std::string where_of(const std::string &key) const;
};
SaLoadResult load_sa_string(const std::string &text, const std::string &source,
                            const std::string &member, const Config &running);

std::vector<std::string> load_users_file(const std::string &path, const AaaConfig &aaa,
                                         std::vector<LocalUser> *out);

}  // namespace lns::cfg
