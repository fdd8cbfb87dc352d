// Test harness for the PPP authentication engines: a predictable AuthRandom, an
// Output + AuthListener that records packets and events (with copies of their
// text), one Rig per side, and a back-to-back link that carries packets between
// an authenticator and a peer and can drop chosen ones.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "controlplane/ppp/auth.hpp"

namespace lns::cp::ppp::test {

inline constexpr uint64_t kSec = 1'000'000'000ull;

using Bytes = std::vector<uint8_t>;

inline Bytes unhex(std::string_view h) {
    Bytes out;
    auto v = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 0; i + 1 < h.size(); i += 2) {
        if (h[i] == ' ') { --i; continue; }
        out.push_back(uint8_t(v(h[i]) << 4 | v(h[i + 1])));
    }
    return out;
}

inline std::string hex(std::span<const uint8_t> b) {
    static const char *d = "0123456789ABCDEF";
    std::string s;
    for (uint8_t v : b) {
        s += d[v >> 4];
        s += d[v & 15];
    }
    return s;
}

inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Values come from the queue first, then from a counter.
struct FakeAuthRandom final : AuthRandom {
    std::deque<uint64_t> queued;
    uint64_t counter = 0x0102030405060708ull;
    uint64_t next() override {
        if (!queued.empty()) {
            uint64_t v = queued.front();
            queued.pop_front();
            return v;
        }
        return counter += 0x1111111111111111ull;
    }
    // Queues values whose little-endian bytes are `b` (engines memcpy next() into
    // challenge buffers), 8 octets per value.
    void queue_bytes(std::span<const uint8_t> b) {
        for (size_t i = 0; i < b.size(); i += 8) {
            uint64_t v = 0;
            std::memcpy(&v, b.data() + i, std::min<size_t>(8, b.size() - i));
            queued.push_back(v);
        }
    }
};

struct Recorded {
    AuthEventKind kind = AuthEventKind::failure;
    AuthProtocol protocol = AuthProtocol::pap;
    bool authenticator = false, rechallenge = false;
    AuthFailure reason = AuthFailure::none;
    std::string peer_name, message;
    // verify events
    uint32_t ticket = 0;
    uint8_t id = 0;
    std::string user, password;
    Bytes challenge, response, peer_challenge, nt_response;
    uint8_t flags = 0;
};

inline AuthVerdict make_verdict(uint32_t ticket, bool accept, std::string_view message = {},
                            std::string_view authenticator_response = {},
                            std::string_view mschap_error = {}) {
    AuthVerdict v;
    v.ticket = ticket;
    v.accept = accept;
    v.message = message;
    v.authenticator_response = authenticator_response;
    v.mschap_error = mschap_error;
    return v;
}

struct Sent {
    uint16_t protocol;
    Bytes bytes;
};

struct Capture final : Output, AuthListener {
    std::vector<Sent> sent;
    std::vector<Recorded> events;
    std::function<void(const AuthEvent &)> hook;  // runs after recording (e.g. a sync verdict)

    void send(uint16_t protocol, std::span<const uint8_t> packet) override {
        sent.push_back({protocol, Bytes(packet.begin(), packet.end())});
    }
    void on_auth_event(const AuthEvent &e) override {
        Recorded r;
        r.kind = e.kind;
        r.protocol = e.protocol;
        r.authenticator = e.authenticator;
        r.rechallenge = e.rechallenge;
        r.reason = e.reason;
        r.peer_name = e.peer_name;
        r.message = e.message;
        if (e.verify) {
            const VerifyRequest &v = *e.verify;
            r.ticket = v.ticket;
            r.id = v.id;
            r.user = v.user;
            r.password = v.password;
            r.challenge.assign(v.challenge.begin(), v.challenge.end());
            r.response.assign(v.response.begin(), v.response.end());
            r.peer_challenge.assign(v.peer_challenge.begin(), v.peer_challenge.end());
            r.nt_response.assign(v.nt_response.begin(), v.nt_response.end());
            r.flags = v.flags;
        }
        events.push_back(std::move(r));
        if (hook) hook(e);
    }
    const Recorded &last() const { return events.back(); }
    Bytes take_last() {  // last packet sent, removed
        Bytes b = sent.back().bytes;
        sent.pop_back();
        return b;
    }
};

struct Rig {
    AuthConfig cfg;
    FakeAuthRandom rng;
    AuthCounters c;
    Capture cap;
    AuthContext ctx() { return {&cfg, &rng, &c, &cap, &cap}; }
};

// Carries packets between an authenticator and a peer until both are quiet,
// remembering what it already carried.  `drop(from_authenticator, index)` may
// drop the index-th packet sent in a direction (0-based, over the whole test).
struct Link {
    size_t ia = 0, ip = 0;
    std::function<bool(bool, size_t)> drop;

    template <class A, class P>
    size_t pump(A &auth, Rig &ra, P &peer, Rig &rp, uint64_t now) {
        size_t moved = 0;
        for (int guard = 0; guard < 1000; ++guard) {
            bool any = false;
            while (ia < ra.cap.sent.size()) {
                const Bytes b = ra.cap.sent[ia].bytes;  // copy: delivery may send more
                if (!drop || !drop(true, ia)) peer.on_packet(b, now);
                ++ia, ++moved, any = true;
            }
            while (ip < rp.cap.sent.size()) {
                const Bytes b = rp.cap.sent[ip].bytes;
                if (!drop || !drop(false, ip)) auth.on_packet(b, now);
                ++ip, ++moved, any = true;
            }
            if (!any) break;
        }
        return moved;
    }
};

}  // namespace lns::cp::ppp::test
