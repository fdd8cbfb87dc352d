#include "config/net_parse.hpp"

#include <arpa/inet.h>

#include <cstdio>

namespace lns::cfg {

namespace {

// Decimal without sign or leading zeros, at most `max`.
std::optional<unsigned> parse_small_decimal(std::string_view text, unsigned max) {
    if (text.empty() || text.size() > 3) return std::nullopt;
    if (text.size() > 1 && text[0] == '0') return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Splits "addr/len" and parses len (0..max).
bool split_prefix(std::string_view text, unsigned max, std::string_view &addr, uint8_t &len) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return false;
    auto l = parse_small_decimal(text.substr(slash + 1), max);
    if (!l) return false;
    addr = text.substr(0, slash);
    len = static_cast<uint8_t>(*l);
    return true;
}

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text) {
    uint32_t addr = 0;
    for (int i = 0; i < 4; ++i) {
        auto dot = text.find('.');
        if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;
        auto octet = parse_small_decimal(text.substr(0, dot), 255);
        if (!octet) return std::nullopt;
        addr = addr << 8 | *octet;
        text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    }
    return addr;
}

std::optional<Ipv6Addr> parse_ipv6(std::string_view text) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    std::string copy(text);
    Ipv6Addr addr{};
    if (inet_pton(AF_INET6, copy.c_str(), addr.data()) != 1) return std::nullopt;
    return addr;
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
    std::string_view addr_text;
    Ipv4Prefix p;
    if (!split_prefix(text, 32, addr_text, p.len)) return std::nullopt;
    auto addr = parse_ipv4(addr_text);
    if (!addr) return std::nullopt;
    p.addr = *addr;
    return p;
}

std::optional<Ipv6Prefix> parse_ipv6_prefix(std::string_view text) {
    std::string_view addr_text;
    Ipv6Prefix p;
    if (!split_prefix(text, 128, addr_text, p.len)) return std::nullopt;
    auto addr = parse_ipv6(addr_text);
    if (!addr) return std::nullopt;
    p.addr = *addr;
    return p;
}

std::optional<MacAddr> parse_mac(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    MacAddr mac{};
    for (size_t i = 0; i < 6; ++i) {
        int hi = hex_digit(text[i * 3]);
        int lo = hex_digit(text[i * 3 + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && text[i * 3 + 2] != ':') return std::nullopt;
        mac[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return mac;
}

std::string format_ipv4(uint32_t addr) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
                  (addr >> 8) & 0xff, addr & 0xff);
    return buf;
}

std::string format_ipv6(const Ipv6Addr &addr) {
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(AF_INET6, addr.data(), buf, sizeof buf)) return "?";
    return buf;
}

std::string format_prefix(const Ipv4Prefix &p) {
    return format_ipv4(p.addr) + "/" + std::to_string(p.len);
}

std::string format_prefix(const Ipv6Prefix &p) {
    return format_ipv6(p.addr) + "/" + std::to_string(p.len);
}

std::string format_mac(const MacAddr &mac) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return buf;
}

bool ipv6_in_prefix(const Ipv6Addr &addr, const Ipv6Prefix &p) {
    unsigned len = p.len > 128 ? 128 : p.len;
    for (unsigned i = 0; i < 16 && len > 0; ++i) {
        unsigned bits = len >= 8 ? 8 : len;
        auto mask = static_cast<uint8_t>(0xff << (8 - bits));
        if ((addr[i] ^ p.addr[i]) & mask) return false;
        len -= bits;
    }
    return true;
}

bool ipv6_host_bits_zero(const Ipv6Prefix &p) {
    for (unsigned i = 0; i < 16; ++i) {
        unsigned first_bit = i * 8;
        if (first_bit + 8 <= p.len) continue;
        unsigned keep = p.len > first_bit ? p.len - first_bit : 0;
        auto host_mask = static_cast<uint8_t>(0xff >> keep);
        if (p.addr[i] & host_mask) return false;
    }
    return true;
}

uint64_t ipv6_high64(const Ipv6Addr &addr) {
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v = v << 8 | addr[i];
    return v;
}

bool ipv4_is_unicast(uint32_t addr) {
    unsigned first = addr >> 24;
    return first != 0 && first != 127 && first < 224;
}

bool ipv6_is_link_local(const Ipv6Addr &addr) {
    return addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80;
}

bool ipv6_is_multicast(const Ipv6Addr &addr) {
    return addr[0] == 0xff;
}

bool ipv6_is_unspecified(const Ipv6Addr &addr) {
    for (uint8_t b : addr)
        if (b != 0) return false;
    return true;
}

}  // namespace lns::cfg
