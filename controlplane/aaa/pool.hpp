// Address pools: IPv4 addresses and IPv6 prefixes handed to subscribers.
//
// An IndexPool hands out integers 0..size-1 with no double allocation: a bitmap
// says which are taken, a FIFO of free indices makes allocation O(1) and reuses an
// index released longest ago (so a subscriber's old address is not given to the
// next caller at once).  Specific indices can be claimed (an address RADIUS chose
// from inside a pool).  Exhaustion is an answer (nullopt), counted.
//
// Thread: the control core only.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/aaa/ipv6_prefix.hpp"

namespace lns::cp::aaa {

struct PoolCounters {
    uint64_t allocated = 0;     // successful allocations (incl. claims)
    uint64_t released = 0;
    uint64_t exhausted = 0;     // allocate() found nothing free
    uint64_t claim_conflicts = 0;  // claim() of an index already in use
    uint64_t bad_release = 0;   // release() of an index not in use or outside
};

class IndexPool {
public:
    explicit IndexPool(uint32_t size = 0);
    std::optional<uint32_t> allocate();
    bool claim(uint32_t index);     // false if outside or already taken
    bool release(uint32_t index);   // false (counted) if not taken
    bool in_use(uint32_t index) const;
    uint32_t size() const { return size_; }
    uint32_t used() const { return used_; }
    const PoolCounters &counters() const { return c_; }

private:
    uint32_t size_ = 0;
    uint32_t used_ = 0;
    std::vector<uint64_t> bits_;
    std::deque<uint32_t> free_;
    PoolCounters c_;
};

// IPv4 addresses [first, last] (host order), minus excluded ones (the LNS's own
// address, a gateway) which are claimed at construction.
class Ipv4Pool {
public:
    Ipv4Pool(std::string name, uint32_t first, uint32_t last, const std::vector<uint32_t> &exclude = {});
    std::optional<uint32_t> allocate();
    bool claim(uint32_t ip);
    bool release(uint32_t ip);
    bool contains(uint32_t ip) const { return ip >= first_ && ip <= last_; }
    const std::string &name() const { return name_; }
    const IndexPool &index() const { return idx_; }

private:
    std::string name_;
    uint32_t first_, last_;
    IndexPool idx_;
};


// IPv6 prefixes of length `delegated_len` carved from `base` (length base_len):
// e.g. a /48 into 65536 /64s.  At most 2^24 prefixes per pool.
class Ipv6PrefixPool {
public:
    Ipv6PrefixPool(std::string name, const Ipv6Prefix &base, uint8_t delegated_len);
    std::optional<Ipv6Prefix> allocate();
    bool claim(const Ipv6Prefix &p);
    bool release(const Ipv6Prefix &p);
    bool contains(const Ipv6Prefix &p) const;
    const std::string &name() const { return name_; }
    const IndexPool &index() const { return idx_; }
    uint8_t delegated_len() const { return dlen_; }

private:
    std::optional<uint32_t> index_of(const Ipv6Prefix &p) const;
    Ipv6Prefix prefix_at(uint32_t i) const;
    std::string name_;
    Ipv6Prefix base_;
    uint8_t dlen_;
    IndexPool idx_;
};

}  // namespace lns::cp::aaa
