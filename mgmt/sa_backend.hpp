// The SA routes (POST /api/v1/sas, DELETE /api/v1/sas/{name},
// POST /api/v1/sas/{name}/rekey, GET /api/v1/sas), for an IKE daemon.
//
// The ESP security association table and its control-core functions
// (sa_add / sa_delete / sa_rekey) are being written apart; until lnsd wires an
// implementation here, UnwiredSaBackend answers 501 with a clear message.  Each
// call runs on the control core (through the command queue), like every other
// API command.
//
// Thread: the control core.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "mgmt/apply.hpp"

namespace lns::mgmt {

class SaBackend {
  public:
    virtual ~SaBackend() = default;
    virtual Outcome list() = 0;
    virtual Outcome add(const nlohmann::json &request) = 0;
    virtual Outcome remove(const std::string &name) = 0;
    virtual Outcome rekey(const std::string &name, const nlohmann::json &request) = 0;
};

class UnwiredSaBackend final : public SaBackend {
  public:
    Outcome list() override { return unwired(); }
    Outcome add(const nlohmann::json &) override { return unwired(); }
    Outcome remove(const std::string &) override { return unwired(); }
    Outcome rekey(const std::string &, const nlohmann::json &) override { return unwired(); }

  private:
    static Outcome unwired() {
        return {501,
                {{"error", "not implemented: this lnsd has no ESP SA table wired to the API yet"}}};
    }
};

}  // namespace lns::mgmt
