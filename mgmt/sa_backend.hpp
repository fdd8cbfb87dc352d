// The SA routes (POST /api/v1/sas, DELETE /api/v1/sas/{name},
// POST /api/v1/sas/{name}/rekey, GET /api/v1/sas), for an IKE daemon.
//
// ControlSaBackend (sa_api.cpp) serves them over the control core's sa_add /
// sa_delete / sa_rekey (controlplane/control_ipsec.cpp): the functions the YAML
// load uses.  Bodies are parsed by cfg::load_sa_string, i.e. with the rules and
// messages of an `ipsec.sas[]` entry.  Keys are never returned nor logged.
//
// Thread: every call on the control core (the API posts it through the command
// queue, like every other command).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/control_core.hpp"
#include "dataplane/runtime.hpp"
#include "mgmt/apply.hpp"

namespace lns::mgmt {

class SaBackend {
  public:
    virtual ~SaBackend() = default;
    // 200 {"count", "capacity", "sas": [...]}: every live SA with its counters.
    virtual Outcome list() = 0;
    // `body`: the request text (a JSON object, already checked to be one).
    virtual Outcome add(const std::string &body) = 0;
    virtual Outcome remove(const std::string &name) = 0;
    virtual Outcome rekey(const std::string &name, const std::string &body) = 0;
};

class ControlSaBackend final : public SaBackend {
  public:
    ControlSaBackend(dp::Runtime &rt, cp::ControlCore &cc) : rt_(rt), cc_(cc) {}
    Outcome list() override;
    // 201 {"id", "name", "sa": view}; 422 invalid (path-and-line messages);
    // 409 duplicate name or inbound (SPI, local); 507 table full.
    Outcome add(const std::string &body) override;
    // 204; 404 unknown; 409 an outbound SA that sessions or inbound SAs use.
    Outcome remove(const std::string &name) override;
    // Make-before-break (ControlCore::sa_rekey).  `name`: the old inbound SA
    // (its pair: body "old_outbound", else its reply_sa) or the old outbound SA
    // (its pair: body "old_inbound", else the one inbound SA answering with it).
    // Body {"inbound": SA, "outbound": SA}.  200 {"inbound": view, "outbound":
    // view, "old_inbound", "deleted"}; 404 unknown; 409 no pair / duplicate;
    // 422 invalid.
    Outcome rekey(const std::string &name, const std::string &body) override;

  private:
    nlohmann::json view(uint16_t id) const;
    std::optional<Outcome> old_pair(uint16_t id, const nlohmann::json &j, std::string *old_in,
                                    std::string *old_out) const;
    dp::Runtime &rt_;
    cp::ControlCore &cc_;
};

}  // namespace lns::mgmt
