// libFuzzer target for the configuration decoder: arbitrary text through
// load_config_string must give either a config or error lines, never a crash,
// an exception or a hang, and a config only without errors.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;  // deep nesting is yaml-cpp's (depth-limited) business, not ours
    const std::string text(reinterpret_cast<const char *>(data), size);
    const lns::cfg::LoadResult r = lns::cfg::load_config_string(text, "fuzz.yaml");
    if (r.config.has_value() == !r.errors.empty()) __builtin_trap();
    for (const auto &e : r.errors)
        if (e.rfind("fuzz.yaml", 0) != 0) __builtin_trap();  // every error names the source
    return 0;
}
