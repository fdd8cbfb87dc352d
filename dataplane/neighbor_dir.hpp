// Neighbour directory: which next hop (port, IPv4 or IPv6 address) each index of
// the neighbour table stands for, with reference counts.  The data plane only
// sees indices and MAC words (Tables::neighbors()); this map is the control
// core's.  Thread: the control core only.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "dataplane/tables.hpp"

namespace lns::dp {

struct NeighborEntry {
    uint16_t port = 0;
    bool v6 = false;
    uint32_t ipv4 = 0;  // host order
    std::array<uint8_t, 16> ipv6{};
    uint32_t refs = 0;
    bool is_static = false;
    bool in_use = false;
};

class NeighborDirectory {
public:
    explicit NeighborDirectory(uint32_t capacity);
    // Returns the index for the next hop, creating it (refs 1) or adding a reference.
    // kInvalidIndex when the table is full.
    uint32_t acquire4(uint16_t port, uint32_t ipv4);
    uint32_t acquire6(uint16_t port, const std::array<uint8_t, 16> &ipv6);
    // Drops a reference; the index is free again at zero.  Returns true when freed.
    bool release(uint32_t idx);
    uint32_t find4(uint16_t port, uint32_t ipv4) const;
    uint32_t find6(uint16_t port, const std::array<uint8_t, 16> &ipv6) const;
    const NeighborEntry &entry(uint32_t idx) const { return entries_[idx]; }
    NeighborEntry &entry(uint32_t idx) { return entries_[idx]; }
    uint32_t capacity() const { return uint32_t(entries_.size()); }
    uint32_t in_use() const { return in_use_; }

private:
    static uint64_t key4(uint16_t port, uint32_t ip) { return uint64_t(port) << 32 | ip; }
    static uint64_t key6(uint16_t port, const std::array<uint8_t, 16> &a);
    uint32_t alloc();

    std::vector<NeighborEntry> entries_;
    std::vector<uint32_t> free_;
    std::unordered_map<uint64_t, uint32_t> map4_;
    std::unordered_multimap<uint64_t, uint32_t> map6_;  // hashed key, verified on lookup
    uint32_t in_use_ = 0;
};

}  // namespace lns::dp
