// Test harness: a PPP subscriber built from the engines in their client roles
// (LCP and IPCP clients, a CHAP or PAP peer), sending into a shared frame queue,
// and a predictable generator.  For back-to-back tests of the LNS side.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/ppp/chap.hpp"
#include "controlplane/ppp/ipcp.hpp"
#include "controlplane/ppp/ipv6cp.hpp"
#include "controlplane/ppp/lcp.hpp"
#include "controlplane/ppp/pap.hpp"

namespace lns::cp::ppp::test {

using Bytes = std::vector<uint8_t>;

struct Lcg final : Random, AuthRandom {
    uint64_t s;
    explicit Lcg(uint64_t seed) : s(seed) {}
    uint64_t next() override { return s = s * 6364136223846793005ull + 1442695040888963407ull; }
};

struct Frame {
    bool to_client;
    uint16_t protocol;
    Bytes info;
};

// The subscriber: LCP, IPCP in client roles, and a CHAP or PAP peer.
struct Client final : NoticeSink, AuthListener, Output {
    std::deque<Frame> &wire;
    LcpShared lcp_sh;
    IpcpShared ipcp_sh;
    AuthConfig auth_cfg;
    AuthCounters auth_ctr;
    Lcg rnd{99};
    std::string user = "alice", password = "pw";
    std::optional<Lcp> lcp;
    std::optional<Ipcp> ipcp;
    Ipv6cpShared ipv6cp_sh;
    std::optional<Ipv6cp> ipv6cp;
    bool want_ipv6 = false, ipv6cp_up = false;
    std::vector<Bytes> ipv6_in;  // IPv6 packets from the LNS (Router Advertisements)
    std::optional<ChapPeer> chap;
    std::optional<PapPeer> pap;
    bool ipcp_up = false, lcp_finished = false, auth_failed = false;
    uint64_t now = 0;

    explicit Client(std::deque<Frame> &w) : wire(w) {
        lcp_sh.config = LcpConfig::client();
        lcp_sh.random = &rnd;
        ipcp_sh.config = IpcpConfig::client();
        lcp.emplace(lcp_sh, *this, *this);
        ipcp.emplace(ipcp_sh, *this, *this);
        ipv6cp_sh.random = &rnd;
        ipv6cp.emplace(ipv6cp_sh, *this, *this);
    }
    AuthContext ctx() { return AuthContext{&auth_cfg, &rnd, &auth_ctr, this, this}; }
    void send(uint16_t protocol, std::span<const uint8_t> p) override {
        wire.push_back({false, protocol, Bytes(p.begin(), p.end())});
    }
    void on_notice(const Notice &n) override {
        if (n.protocol == kProtoLcp && n.kind == NoticeKind::up) {
            const std::optional<AuthProtocol> a = lcp->result().auth_peer_requires;
            if (a == AuthProtocol::pap) {
                pap.emplace(ctx()).start(user, password, now);
            } else if (a) {
                chap.emplace(ctx(), *a).start(user, password, now);
            }
        }
        if (n.protocol == kProtoLcp && n.kind == NoticeKind::finished) lcp_finished = true;
        if (n.protocol == kProtoIpcp && n.kind == NoticeKind::up) ipcp_up = true;
        if (n.protocol == kProtoIpv6cp && n.kind == NoticeKind::up) ipv6cp_up = true;
    }
    void on_auth_event(const AuthEvent &e) override {
        if (e.kind == AuthEventKind::success) {
            ipcp->set_peer_mru(lcp->result().peer_mru);
            ipcp->open(now);
            ipcp->up(now);
            if (want_ipv6) {
                ipv6cp->set_peer_mru(lcp->result().peer_mru);
                ipv6cp->open(now);
                ipv6cp->up(now);
            }
        } else if (e.kind == AuthEventKind::failure) {
            auth_failed = true;
        }
    }
    void receive(uint16_t protocol, std::span<const uint8_t> info) {
        if (protocol == kProtoLcp) lcp->receive(info, now);
        if (protocol == kProtoChap && chap) chap->on_packet(info, now);
        if (protocol == kProtoPap && pap) pap->on_packet(info, now);
        if (protocol == kProtoIpcp) ipcp->receive(info, now);
        if (protocol == kProtoIpv6cp) ipv6cp->receive(info, now);
        if (protocol == kProtoIpv6) ipv6_in.emplace_back(info.begin(), info.end());
    }
    uint64_t deadline() const {
        uint64_t d = std::min({lcp->next_deadline(), ipcp->next_deadline(), ipv6cp->next_deadline()});
        if (chap) d = std::min(d, chap->next_deadline());
        if (pap) d = std::min(d, pap->next_deadline());
        return d;
    }
    void timer(uint64_t t) {
        now = t;
        if (lcp->next_deadline() <= t) lcp->on_timer(t);
        if (ipcp->next_deadline() <= t) ipcp->on_timer(t);
        if (ipv6cp->next_deadline() <= t) ipv6cp->on_timer(t);
        if (chap && chap->next_deadline() <= t) chap->on_timer(t);
        if (pap && pap->next_deadline() <= t) pap->on_timer(t);
    }
};


}  // namespace lns::cp::ppp::test
