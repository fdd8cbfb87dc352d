#include "crypto/esp_result.hpp"

namespace lns::crypto {

namespace {
struct Entry {
    const char *name;
    const char *description;
};
constexpr Entry kTable[kEspResultCount] = {{"ok", "processed"},
#define LNS_ESP_ENTRY(n, d) {#n, d},
                                           LNS_ESP_DROPS(LNS_ESP_ENTRY)
#undef LNS_ESP_ENTRY
};
}  // namespace

const char *esp_result_name(EspResult r) {
    auto i = static_cast<size_t>(r);
    return i < kEspResultCount ? kTable[i].name : "unknown";
}

const char *esp_result_description(EspResult r) {
    auto i = static_cast<size_t>(r);
    return i < kEspResultCount ? kTable[i].description : "unknown";
}

}  // namespace lns::crypto
