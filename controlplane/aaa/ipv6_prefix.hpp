// An IPv6 prefix as AAA handles it: pools, RADIUS Framed-IPv6-Prefix and
// Delegated-IPv6-Prefix (RFC 3162 §2.3, RFC 4818).  Network-order address bytes.
#pragma once

#include <array>
#include <cstdint>

namespace lns::cp::aaa {

struct Ipv6Prefix {
    std::array<uint8_t, 16> addr{};
    uint8_t len = 0;
    bool operator==(const Ipv6Prefix &) const = default;
};

}  // namespace lns::cp::aaa
