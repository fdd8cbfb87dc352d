// Applying a configuration: the one path for PUT /api/v1/config, POST
// /api/v1/config/validate and SIGHUP.
//
//   parse (ConfigStore::parse: the file loader's checks)  -> 400 syntax / 422 invalid
//   version precondition (If-Match)                      -> 412
//   diff against the running configuration               -> 409 requires restart
//   ControlCore::apply_config + ConfigStore::commit      -> 200, new version
//
// Nothing changes unless the last step runs, and it runs whole.
//
// Thread: apply_candidate() on the control core (the API posts it through the
// command queue; SIGHUP runs it from lnsd's control loop).  reject() anywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/control_core.hpp"
#include "mgmt/config_store.hpp"

namespace lns::mgmt {

struct Outcome {
    int status = 200;
    nlohmann::json body;
};

// 400 (syntax) or 422 with the loader's messages, for a candidate with errors.
Outcome reject(const Candidate &c);
// The precondition, the diff and (unless dry_run) the change; `c` is valid.
Outcome apply_candidate(cp::ControlCore &cc, ConfigStore &store, const Candidate &c,
                        const std::string &text, std::optional<uint64_t> if_match, bool dry_run);

}  // namespace lns::mgmt
