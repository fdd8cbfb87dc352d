// Address assignment for subscribers: named IPv4 pools and IPv6 prefix pools
// from configuration, plus fixed addresses (a local user's `ipv4`, RADIUS
// Framed-IP-Address) which may lie inside a pool (then claimed there) or outside
// (then tracked here so two sessions never get the same one).
//
// A Lease records what one session holds; release() gives all of it back.
//
// Thread: the control core only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "controlplane/aaa/pool.hpp"

namespace lns::cp::aaa {

struct AddressRequest {
    std::optional<uint32_t> ipv4;        // fixed (host order)
    std::string_view ipv4_pool;          // else from this pool ("" = default pool)
    bool want_ipv6 = false;
    std::optional<Ipv6Prefix> ipv6;      // fixed
    std::string_view ipv6_pool;
};

struct Lease {
    std::optional<uint32_t> ipv4;
    int pool4 = -1;  // index of the pool it came from; -1: fixed outside pools
    std::optional<Ipv6Prefix> ipv6;
    int pool6 = -1;
};

enum class AssignError : uint8_t {
    ok,
    no_ipv4_pool,    // no fixed address and no pool (named one unknown, or none configured)
    ipv4_exhausted,
    ipv4_in_use,     // the fixed address is held by another session
    no_ipv6_pool,
    ipv6_exhausted,
    ipv6_in_use,
};
const char *to_string(AssignError e);

struct AddressCounters {
    uint64_t assigned = 0;
    uint64_t released = 0;
    uint64_t failures[7] = {};  // by AssignError
};

class AddressPools {
public:
    AddressPools() = default;
    explicit AddressPools(const cfg::AaaConfig &aaa);
    // All or nothing: on error nothing is held and *out is cleared.  IPv6 is
    // optional for the subscriber: without a pool and without a fixed prefix the
    // lease simply has none (not an error) unless a named pool was asked for.
    AssignError assign(const AddressRequest &req, Lease *out);
    // Configuration reload, pools matched by name: unchanged ones stay; ones
    // removed or changed are retired (never allocated from again; the caller
    // checked with in_use4/6 that none of their addresses is held); new and
    // changed ones are appended.  Leases keep their pool indices: retired
    // pools keep their slot (and memory) until restart.  Takes the default
    // pool names too.
    void reconfigure(const cfg::AaaConfig &aaa);
    // Addresses / prefixes held from the live pool named `name` (0: none).
    uint32_t in_use4(std::string_view name) const;
    uint32_t in_use6(std::string_view name) const;
    bool retired4(size_t i) const { return i < retired4_.size() && retired4_[i]; }
    bool retired6(size_t i) const { return i < retired6_.size() && retired6_[i]; }
    void release(Lease &lease);

    const std::vector<Ipv4Pool> &ipv4_pools() const { return v4_; }
    const std::vector<Ipv6PrefixPool> &ipv6_pools() const { return v6_; }
    const AddressCounters &counters() const { return c_; }

private:
    int find4(std::string_view name) const;
    int find6(std::string_view name) const;
    AssignError assign4(const AddressRequest &req, Lease *out);
    AssignError assign6(const AddressRequest &req, Lease *out);
    AssignError fail(AssignError e);

    std::vector<Ipv4Pool> v4_;
    std::vector<Ipv6PrefixPool> v6_;
    std::vector<cfg::Ipv4PoolConfig> cfg4_;  // what each of v4_ was built from
    std::vector<cfg::Ipv6PoolConfig> cfg6_;
    std::vector<bool> retired4_, retired6_;
    std::string default4_, default6_;
    std::set<uint32_t> fixed4_;
    std::set<std::array<uint8_t, 17>> fixed6_;  // prefix bytes + length
    AddressCounters c_;
};

}  // namespace lns::cp::aaa
