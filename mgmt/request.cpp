#include "mgmt/request.hpp"

#include <charconv>

namespace lns::mgmt {

std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max) {
    if (s.empty() || s.size() > 20 || s[0] < '0' || s[0] > '9') return std::nullopt;
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
    return v;
}

std::optional<uint64_t> parse_if_match(std::string_view s) {
    if (s.starts_with("W/")) s.remove_prefix(2);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return parse_uint(s, UINT64_MAX);
}

}  // namespace lns::mgmt
