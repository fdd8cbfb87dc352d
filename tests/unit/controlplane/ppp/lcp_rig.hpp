// An LCP engine with a recording wire, notices, fake clock and random, for tests.
#pragma once

#include <memory>

#include "controlplane/ppp/lcp.hpp"
#include "tests/unit/controlplane/ppp/ppp_test_util.hpp"

namespace lns::cp::ppp::test {

struct LcpRig {
    LcpShared sh;
    Wire wire;
    Notices notes;
    FakeRandom rnd;
    std::unique_ptr<Lcp> lcp;
    uint64_t now = 0;

    explicit LcpRig(const LcpConfig &cfg = LcpConfig::lns()) {
        sh.config = cfg;
        sh.random = &rnd;
        lcp = std::make_unique<Lcp>(sh, wire, notes);
    }
    void start() {
        lcp->open(now);
        lcp->up(now);
    }
    void rx(const Bytes &b) { lcp->receive(b, now); }
    // The last packet we sent with `code` (must exist).
    const Wire::Sent &last(uint8_t code) const {
        for (auto it = wire.sent.rbegin(); it != wire.sent.rend(); ++it)
            if (it->code() == code) return *it;
        static const Wire::Sent none{0, {}};
        return none;
    }
    size_t count(uint8_t code) const {
        size_t n = 0;
        for (const auto &s : wire.sent) n += s.code() == code;
        return n;
    }
    void ack_our_request() {
        const auto &r = last(1);
        rx(packet(2, r.id(), r.data()));
    }
    // Runs timers up to `t` (every deadline on the way).
    void run_until(uint64_t t) {
        while (lcp->next_deadline() <= t) {
            now = lcp->next_deadline();
            lcp->on_timer(now);
        }
        now = t;
    }
    // Opened with the peer asking `peer_opts`.
    void open_with(const Bytes &peer_opts) {
        start();
        rx(packet(1, 0x10, peer_opts));
        ack_our_request();
    }
};

}  // namespace lns::cp::ppp::test
