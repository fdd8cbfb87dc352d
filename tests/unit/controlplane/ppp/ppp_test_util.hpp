// Shared test harness for the PPP negotiation engines: a wire that records what an
// engine sends, a notice recorder, a predictable random source, and packet
// builders/readers for LCP, IPCP and IPv6CP control packets.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <span>
#include <vector>

#include "controlplane/ppp/packet.hpp"
#include "controlplane/ppp/types.hpp"

namespace lns::cp::ppp::test {

using Bytes = std::vector<uint8_t>;

inline constexpr uint64_t kSec = 1'000'000'000ull;

// Output that records every packet.
struct Wire final : Output {
    struct Sent {
        uint16_t protocol;
        Bytes bytes;
        uint8_t code() const { return bytes.size() > 0 ? bytes[0] : 0; }
        uint8_t id() const { return bytes.size() > 1 ? bytes[1] : 0; }
        // Data after the 4-byte header.
        Bytes data() const { return bytes.size() > 4 ? Bytes(bytes.begin() + 4, bytes.end()) : Bytes{}; }
    };
    std::vector<Sent> sent;
    void send(uint16_t protocol, std::span<const uint8_t> packet) override {
        sent.push_back({protocol, Bytes(packet.begin(), packet.end())});
    }
    std::vector<uint8_t> codes() const {
        std::vector<uint8_t> c;
        for (const auto &s : sent) c.push_back(s.code());
        return c;
    }
    const Sent &last() const { return sent.back(); }
    void clear() { sent.clear(); }
};

// NoticeSink that records notices.
struct Notices final : NoticeSink {
    std::vector<Notice> got;
    void on_notice(const Notice &n) override { got.push_back(n); }
    std::vector<NoticeKind> kinds() const {
        std::vector<NoticeKind> k;
        for (const auto &n : got) k.push_back(n.kind);
        return k;
    }
    bool has(NoticeKind k) const {
        for (const auto &n : got)
            if (n.kind == k) return true;
        return false;
    }
    void clear() { got.clear(); }
};

// Returns queued values first, then 0x1111..., 0x2222..., ...
struct FakeRandom final : Random {
    std::deque<uint64_t> queue;
    uint64_t n = 0;
    uint64_t next() override {
        if (!queue.empty()) {
            const uint64_t v = queue.front();
            queue.pop_front();
            return v;
        }
        ++n;
        return n * 0x1111111111111111ull;
    }
};

// ---- Builders ------------------------------------------------------------------------

// (Builders size the vector once and copy into it: GCC 12's -Warray-bounds misfires
// on vector::insert after a small initializer list at -O2.)
inline Bytes packet(uint8_t code, uint8_t id, const Bytes &data = {}) {
    Bytes b(data.size() + 4);
    b[0] = code, b[1] = id, b[2] = uint8_t(b.size() >> 8), b[3] = uint8_t(b.size());
    std::copy(data.begin(), data.end(), b.begin() + 4);
    return b;
}

inline Bytes opt(uint8_t type, std::initializer_list<uint8_t> value = {}) {
    Bytes b(value.size() + 2);
    b[0] = type, b[1] = uint8_t(b.size());
    std::copy(value.begin(), value.end(), b.begin() + 2);
    return b;
}

inline Bytes u16_opt(uint8_t type, uint16_t v) { return opt(type, {uint8_t(v >> 8), uint8_t(v)}); }
inline Bytes u32_opt(uint8_t type, uint32_t v) {
    return opt(type, {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
}
inline Bytes u64_opt(uint8_t type, uint64_t v) {
    Bytes b(10);
    b[0] = type, b[1] = 10;
    for (int i = 0; i < 8; ++i) b[size_t(2 + i)] = uint8_t(v >> (56 - 8 * i));
    return b;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
    size_t n = 0;
    for (const auto &p : parts) n += p.size();
    Bytes b(n);
    auto it = b.begin();
    for (const auto &p : parts) it = std::copy(p.begin(), p.end(), it);
    return b;
}

// LCP options
inline Bytes mru(uint16_t v) { return u16_opt(1, v); }
inline Bytes magic(uint32_t v) { return u32_opt(5, v); }
inline Bytes auth_pap() { return opt(3, {0xc0, 0x23}); }
inline Bytes auth_chap_md5() { return opt(3, {0xc2, 0x23, 0x05}); }
inline Bytes auth_mschap_v2() { return opt(3, {0xc2, 0x23, 0x81}); }
inline Bytes pfc() { return opt(7); }
inline Bytes acfc() { return opt(8); }

// IPCP options (addresses host order)
inline Bytes ip_addr(uint32_t a) { return u32_opt(3, a); }
inline Bytes dns1(uint32_t a) { return u32_opt(129, a); }
inline Bytes nbns1(uint32_t a) { return u32_opt(130, a); }
inline Bytes dns2(uint32_t a) { return u32_opt(131, a); }
inline Bytes nbns2(uint32_t a) { return u32_opt(132, a); }
inline Bytes vj() { return opt(2, {0x00, 0x2d, 0x0f, 0x01}); }

inline constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

}  // namespace lns::cp::ppp::test
