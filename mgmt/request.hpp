// Decoders of what a management API request carries besides its body: the
// If-Match header and the numeric query / path parameters.  Allocation-free;
// fuzzed by tests/fuzz/fuzz_mgmt.cpp.
//
// Thread: any (pure).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lns::mgmt {

// A decimal number 0..max, nothing else (no sign, no spaces, no leading '+').
std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max);
// If-Match as a configuration version: 7, "7" or W/"7".
std::optional<uint64_t> parse_if_match(std::string_view s);

}  // namespace lns::mgmt
