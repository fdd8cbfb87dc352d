#include "mgmt/config_store.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/load.hpp"

namespace lns::mgmt {

namespace {

bool secret_key(std::string k) {
    for (auto &ch : k) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return k.find("secret") != std::string::npos || k.find("password") != std::string::npos ||
           k.find("key") != std::string::npos || k.find("token") != std::string::npos;
}

// Copies `n`, replacing the values of secret keys.  (Keys ending in _file name
// files, not secrets; they stay.)
YAML::Node redact(const YAML::Node &n) {
    if (n.IsMap()) {
        YAML::Node out(YAML::NodeType::Map);
        for (const auto &kv : n) {
            const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
            const bool file = k.size() > 5 && k.compare(k.size() - 5, 5, "_file") == 0;
            if (secret_key(k) && !file && k != "keys_file")
                out[kv.first] = "<redacted>";
            else
                out[kv.first] = redact(kv.second);
        }
        return out;
    }
    if (n.IsSequence()) {
        YAML::Node out(YAML::NodeType::Sequence);
        for (const auto &item : n) out.push_back(redact(item));
        return out;
    }
    return YAML::Clone(n);
}

nlohmann::json to_json(const YAML::Node &n) {
    switch (n.Type()) {
        case YAML::NodeType::Map: {
            nlohmann::json j = nlohmann::json::object();
            for (const auto &kv : n) j[kv.first.Scalar()] = to_json(kv.second);
            return j;
        }
        case YAML::NodeType::Sequence: {
            nlohmann::json j = nlohmann::json::array();
            for (const auto &item : n) j.push_back(to_json(item));
            return j;
        }
        case YAML::NodeType::Scalar: {
            const std::string &s = n.Scalar();
            if (n.Tag() == "!") return s;  // quoted: a string
            if (s == "true" || s == "false") return s == "true";
            if (s == "null" || s == "~") return nullptr;
            if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos &&
                s.size() < 19)
                return std::stoll(s);
            return s;
        }
        default:
            return nullptr;
    }
}

}  // namespace

ConfigStore::ConfigStore(std::string path, std::string text) : path_(std::move(path)) {
    commit(std::move(text));
}

Candidate ConfigStore::parse(const std::string &text, const std::string &source) const {
    Candidate c;
    cfg::LoadResult lr = cfg::load_config_string(text, source);
    if (lr.config && !lr.config->aaa.users_file.empty()) {
        cfg::AaaConfig &aaa = lr.config->aaa;
        std::string users = aaa.users_file;
        const auto slash = path_.rfind('/');
        if (users[0] != '/' && slash != std::string::npos)
            users = path_.substr(0, slash + 1) + users;
        lr.errors = cfg::load_users_file(users, aaa, &aaa.users);
        if (!lr.errors.empty()) lr.config.reset();
    }
    for (const auto &e : lr.errors)
        if (e.find(": syntax error") != std::string::npos) c.syntax = true;
    c.errors = std::move(lr.errors);
    c.config = std::move(lr.config);
    return c;
}

Candidate ConfigStore::reload(std::string *text) const {
    std::ifstream in(path_);
    if (!in) {
        Candidate c;
        c.errors.push_back(path_ + ": cannot read");
        return c;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    *text = ss.str();
    return parse(*text, path_);
}

VersionInfo ConfigStore::version() const {
    std::lock_guard lk(mu_);
    return v_;
}

std::string ConfigStore::text() const {
    std::lock_guard lk(mu_);
    return text_;
}

VersionInfo ConfigStore::commit(std::string text) {
    std::lock_guard lk(mu_);
    v_.version++;
    v_.hash = hash_of(text);
    text_ = std::move(text);
    return v_;
}

std::string ConfigStore::hash_of(const std::string &text) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : text) h = (h ^ ch) * 0x100000001b3ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string ConfigStore::redacted_yaml(const std::string &text) {
    YAML::Emitter out;
    out << redact(YAML::Load(text));
    return std::string(out.c_str()) + "\n";
}

nlohmann::json ConfigStore::redacted_json(const std::string &text) {
    return to_json(redact(YAML::Load(text)));
}

}  // namespace lns::mgmt
