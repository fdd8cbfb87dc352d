#include "dataplane/neighbor_dir.hpp"

#include <cstring>

namespace lns::dp {

NeighborDirectory::NeighborDirectory(uint32_t capacity) : entries_(capacity) {
    free_.reserve(capacity);
    for (uint32_t i = capacity; i > 0; i--) free_.push_back(i - 1);
}

uint64_t NeighborDirectory::key6(uint16_t port, const std::array<uint8_t, 16> &a) {
    uint64_t h = 1469598103934665603ull ^ port;  // FNV-1a
    for (uint8_t b : a) h = (h ^ b) * 1099511628211ull;
    return h;
}

uint32_t NeighborDirectory::alloc() {
    if (free_.empty()) return kInvalidIndex;
    const uint32_t idx = free_.back();
    free_.pop_back();
    entries_[idx] = NeighborEntry{};
    entries_[idx].in_use = true;
    entries_[idx].refs = 1;
    in_use_++;
    return idx;
}

uint32_t NeighborDirectory::find4(uint16_t port, uint32_t ipv4) const {
    auto it = map4_.find(key4(port, ipv4));
    return it == map4_.end() ? kInvalidIndex : it->second;
}

uint32_t NeighborDirectory::find6(uint16_t port, const std::array<uint8_t, 16> &ipv6) const {
    auto range = map6_.equal_range(key6(port, ipv6));
    for (auto it = range.first; it != range.second; ++it) {
        const NeighborEntry &e = entries_[it->second];
        if (e.port == port && e.ipv6 == ipv6) return it->second;
    }
    return kInvalidIndex;
}

uint32_t NeighborDirectory::acquire4(uint16_t port, uint32_t ipv4) {
    uint32_t idx = find4(port, ipv4);
    if (idx != kInvalidIndex) {
        entries_[idx].refs++;
        return idx;
    }
    idx = alloc();
    if (idx == kInvalidIndex) return idx;
    entries_[idx].port = port;
    entries_[idx].ipv4 = ipv4;
    map4_.emplace(key4(port, ipv4), idx);
    return idx;
}

uint32_t NeighborDirectory::acquire6(uint16_t port, const std::array<uint8_t, 16> &ipv6) {
    uint32_t idx = find6(port, ipv6);
    if (idx != kInvalidIndex) {
        entries_[idx].refs++;
        return idx;
    }
    idx = alloc();
    if (idx == kInvalidIndex) return idx;
    entries_[idx].port = port;
    entries_[idx].v6 = true;
    entries_[idx].ipv6 = ipv6;
    map6_.emplace(key6(port, ipv6), idx);
    return idx;
}

bool NeighborDirectory::release(uint32_t idx) {
    if (idx >= entries_.size() || !entries_[idx].in_use) return false;
    NeighborEntry &e = entries_[idx];
    if (--e.refs > 0) return false;
    if (e.v6) {
        auto range = map6_.equal_range(key6(e.port, e.ipv6));
        for (auto it = range.first; it != range.second; ++it)
            if (it->second == idx) {
                map6_.erase(it);
                break;
            }
    } else {
        map4_.erase(key4(e.port, e.ipv4));
    }
    e.in_use = false;
    free_.push_back(idx);
    in_use_--;
    return true;
}

}  // namespace lns::dp
