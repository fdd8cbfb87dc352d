// The running configuration's text and version, and the parsing of a pushed one.
//
// A pushed configuration (YAML, or JSON, which YAML 1.2 reads as well) goes
// through the file loader's code (cfg::load_config_string, then the users file
// named by aaa.users_file, resolved against the directory of lnsd's -c file):
// the same checks and the same "SOURCE:LINE:COL: path: message" errors.
//
// Each applied configuration gets the next version (1: the one lnsd started
// with) and a hash of its text.  GET /config returns the text with every secret
// replaced (redact()).
//
// Thread: any; the version and text are guarded by a mutex.  commit() is called
// on the control core, inside the command that applied the configuration, so
// version and running configuration change together.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace lns::mgmt {

struct Candidate {
    std::optional<cfg::Config> config;  // set when errors is empty
    std::vector<std::string> errors;
    bool syntax = false;  // an error is a YAML/JSON syntax error
};

struct VersionInfo {
    uint64_t version = 0;
    std::string hash;  // 16 hex digits (FNV-1a 64 of the text)
};

class ConfigStore {
  public:
    // `path`: lnsd's -c file (relative users files resolve against its directory).
    ConfigStore(std::string path, std::string text);

    Candidate parse(const std::string &text, const std::string &source) const;
    // Reads the -c file again (SIGHUP).
    Candidate reload(std::string *text) const;

    VersionInfo version() const;
    std::string text() const;
    VersionInfo commit(std::string text);
    const std::string &path() const { return path_; }

    // `text` with the values of secret keys (secret, password, *key*, token)
    // replaced by "<redacted>", as YAML or as JSON.
    static std::string redacted_yaml(const std::string &text);
    static nlohmann::json redacted_json(const std::string &text);
    static std::string hash_of(const std::string &text);

  private:
    std::string path_;
    mutable std::mutex mu_;
    std::string text_;
    VersionInfo v_;
};

}  // namespace lns::mgmt
