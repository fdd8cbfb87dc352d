#include "dataplane/counters.hpp"

namespace lns::dp {

namespace {
struct Entry {
    const char *name;
    const char *desc;
};
constexpr Entry kDrops[] = {
#define LNS_DROP(name, desc) {#name, desc},
#include "dataplane/drop_reasons.def"
#undef LNS_DROP
};
constexpr Entry kPunts[] = {
#define LNS_PUNT(name, desc) {#name, desc},
#include "dataplane/punt_reasons.def"
#undef LNS_PUNT
};
static_assert(sizeof(kDrops) / sizeof(kDrops[0]) == kDropCount);
static_assert(sizeof(kPunts) / sizeof(kPunts[0]) == kPuntCount);
}  // namespace

const char *drop_name(Drop d) { return kDrops[size_t(d)].name; }
const char *drop_description(Drop d) { return kDrops[size_t(d)].desc; }
const char *punt_name(Punt p) { return kPunts[size_t(p)].name; }
const char *punt_description(Punt p) { return kPunts[size_t(p)].desc; }

}  // namespace lns::dp
