#include "controlplane/aaa/pool.hpp"

#include <algorithm>

namespace lns::cp::aaa {

IndexPool::IndexPool(uint32_t size) : size_(size), bits_((size_t(size) + 63) / 64, 0) {
    for (uint32_t i = 0; i < size; i++) free_.push_back(i);
}

bool IndexPool::in_use(uint32_t i) const { return i < size_ && (bits_[i >> 6] >> (i & 63) & 1); }

std::optional<uint32_t> IndexPool::allocate() {
    // Claimed indices stay in the queue; skip them lazily.
    while (!free_.empty()) {
        const uint32_t i = free_.front();
        free_.pop_front();
        if (in_use(i)) continue;
        bits_[i >> 6] |= 1ull << (i & 63);
        used_++;
        c_.allocated++;
        return i;
    }
    c_.exhausted++;
    return std::nullopt;
}

bool IndexPool::claim(uint32_t i) {
    if (i >= size_ || in_use(i)) {
        c_.claim_conflicts++;
        return false;
    }
    bits_[i >> 6] |= 1ull << (i & 63);
    used_++;
    c_.allocated++;
    return true;
}

bool IndexPool::release(uint32_t i) {
    if (!in_use(i)) {
        c_.bad_release++;
        return false;
    }
    bits_[i >> 6] &= ~(1ull << (i & 63));
    used_--;
    c_.released++;
    // A claimed index may still sit in the queue; a second copy is harmless
    // (skipped when found in use) but bounded: only push when the queue cannot
    // already hold every free index.
    if (free_.size() < size_t(size_)) free_.push_back(i);
    return true;
}

Ipv4Pool::Ipv4Pool(std::string name, uint32_t first, uint32_t last, const std::vector<uint32_t> &exclude)
    : name_(std::move(name)), first_(first), last_(std::max(first, last)),
      idx_(last >= first ? last - first + 1 : 0) {
    for (uint32_t ip : exclude)
        if (contains(ip)) idx_.claim(ip - first_);
}

std::optional<uint32_t> Ipv4Pool::allocate() {
    auto i = idx_.allocate();
    if (!i) return std::nullopt;
    return first_ + *i;
}

bool Ipv4Pool::claim(uint32_t ip) { return contains(ip) && idx_.claim(ip - first_); }
bool Ipv4Pool::release(uint32_t ip) { return contains(ip) && idx_.release(ip - first_); }

namespace {
// Bits [from, to) of a 128-bit address as an integer (to - from <= 32).
uint32_t get_bits(const std::array<uint8_t, 16> &a, unsigned from, unsigned to) {
    uint32_t v = 0;
    for (unsigned b = from; b < to; b++) v = v << 1 | (a[b / 8] >> (7 - b % 8) & 1);
    return v;
}
void set_bits(std::array<uint8_t, 16> &a, unsigned from, unsigned to, uint32_t v) {
    for (unsigned b = to; b-- > from; v >>= 1) {
        const uint8_t m = uint8_t(0x80 >> (b % 8));
        a[b / 8] = uint8_t((v & 1) ? (a[b / 8] | m) : (a[b / 8] & ~m));
    }
}
}  // namespace

Ipv6PrefixPool::Ipv6PrefixPool(std::string name, const Ipv6Prefix &base, uint8_t delegated_len)
    : name_(std::move(name)), base_(base), dlen_(delegated_len),
      idx_(delegated_len >= base.len && delegated_len - base.len <= 24 && delegated_len <= 128
               ? 1u << (delegated_len - base.len)
               : 0) {
    set_bits(base_.addr, base_.len, 128, 0);  // host bits of the base are zero
}

std::optional<uint32_t> Ipv6PrefixPool::index_of(const Ipv6Prefix &p) const {
    if (p.len != dlen_ || idx_.size() == 0) return std::nullopt;
    for (unsigned b = 0; b < base_.len; b++)
        if ((p.addr[b / 8] ^ base_.addr[b / 8]) >> (7 - b % 8) & 1) return std::nullopt;
    for (unsigned b = dlen_; b < 128; b++)
        if (p.addr[b / 8] >> (7 - b % 8) & 1) return std::nullopt;
    return get_bits(p.addr, base_.len, dlen_);
}

Ipv6Prefix Ipv6PrefixPool::prefix_at(uint32_t i) const {
    Ipv6Prefix p = base_;
    p.len = dlen_;
    set_bits(p.addr, base_.len, dlen_, i);
    return p;
}

bool Ipv6PrefixPool::contains(const Ipv6Prefix &p) const { return index_of(p).has_value(); }

std::optional<Ipv6Prefix> Ipv6PrefixPool::allocate() {
    auto i = idx_.allocate();
    if (!i) return std::nullopt;
    return prefix_at(*i);
}

bool Ipv6PrefixPool::claim(const Ipv6Prefix &p) {
    auto i = index_of(p);
    return i && idx_.claim(*i);
}

bool Ipv6PrefixPool::release(const Ipv6Prefix &p) {
    auto i = index_of(p);
    return i && idx_.release(*i);
}

}  // namespace lns::cp::aaa
