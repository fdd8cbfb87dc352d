// libFuzzer target for the management API's decoders: the If-Match header and
// numeric parameters (mgmt/request.hpp), and a pushed configuration body
// through ConfigStore::parse (the file loader) and, when it is a valid
// configuration, the redaction GET /config applies and its JSON output as the
// API sends it (invalid UTF-8 replaced): nothing may throw and no peer or
// RADIUS secret that occurs once in the text may survive it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mgmt/config_store.hpp"
#include "mgmt/request.hpp"

namespace {

bool leaks(const std::string &text, const std::string &out, const std::string &secret) {
    if (secret.size() < 4 || text.find(secret) != text.rfind(secret))
        return false;  // ambiguous: skip
    return out.find(secret) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    const std::string text(reinterpret_cast<const char *>(data), size);
    if (auto v = lns::mgmt::parse_uint(text, 65535); v && *v > 65535) __builtin_trap();
    if (auto v = lns::mgmt::parse_if_match(text);
        v && text.find_first_of("0123456789") == std::string::npos)
        __builtin_trap();
    static const lns::mgmt::ConfigStore store("/nonexistent/lnsd.yaml", "");
    const lns::mgmt::Candidate c = store.parse(text, "fuzz");
    if (c.config.has_value() == !c.errors.empty()) __builtin_trap();
    if (!c.config) return 0;
    const std::string yaml = lns::mgmt::ConfigStore::redacted_yaml(text);
    const std::string json = lns::mgmt::ConfigStore::redacted_json(text).dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (const auto &p : c.config->l2tp.peers)
        if (leaks(text, yaml, p.secret) || leaks(text, json, p.secret)) __builtin_trap();
    for (const auto &r : c.config->aaa.radius.servers)
        if (leaks(text, yaml, r.secret) || leaks(text, json, r.secret)) __builtin_trap();
    return 0;
}
