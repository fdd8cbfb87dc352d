// libFuzzer target for the PPP negotiation engines (controlplane/ppp: fsm, lcp,
// ipcp, ipv6cp, echo, proxy_lcp).  The input is a PPP frame as carried in L2TP (FF 03
// optional, 1- or 2-byte protocol); it goes through parse_frame and its information
// field is delivered, twice, to engines of its protocol in several states and both
// roles (LNS and client); when the frame does not parse, the raw input goes to every
// engine.  Then timers run for 40 s.  The input's two halves are also read as proxy
// LCP option bytes.  Every packet an engine sends must parse as a control packet
// whose Length is its size, no larger than kMaxPacket; once LCP is opened, its
// Echo-Replies, Code-Rejects and Protocol-Rejects must fit the peer's MRU; deadlines
// must never lie in the past after on_timer.
//
// Build (from the repository root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//           tests/fuzz/fuzz_ppp.cpp controlplane/ppp/{fsm,echo,lcp,lcp_options,ipcp,
//           ipv6cp,proxy_lcp,packet,auth}.cpp -lnettle -o fuzz_ppp
// Run:   ./fuzz_ppp tests/fuzz/corpus/ppp
#include <cstddef>
#include <cstdint>
#include <span>

#include "controlplane/ppp/ipcp.hpp"
#include "controlplane/ppp/ipv6cp.hpp"
#include "controlplane/ppp/lcp.hpp"
#include "controlplane/ppp/packet.hpp"
#include "controlplane/ppp/proxy_lcp.hpp"

using namespace lns::cp::ppp;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct Counter final : Random {
    uint64_t n = 0;
    uint64_t next() override { return ++n * 0x9e3779b97f4a7c15ull; }
};

// Checks every packet; `mru_limit` (when set) bounds LCP replies that carry peer data.
struct CheckedWire final : Output {
    const Lcp *lcp = nullptr;
    void send(uint16_t protocol, std::span<const uint8_t> p) override {
        check(p.size() <= kMaxPacket);
        ControlPacket c;
        check(parse_control_packet(p, &c) == PppError::ok);
        check(c.whole.size() == p.size());
        if (protocol == kProtoLcp && lcp != nullptr && lcp->opened() &&
            (c.code == uint8_t(Code::EchoReply) || c.code == uint8_t(Code::CodeReject) ||
             c.code == uint8_t(Code::ProtocolReject))) {
            check(p.size() <= lcp->peer_mru());
        }
    }
};

struct Sink final : NoticeSink {
    void on_notice(const Notice &n) override {
        check(notice_kind_name(n.kind)[0] != '?' && reason_name(n.reason)[0] != '?');
    }
};

template <size_t N>
std::span<const uint8_t> bytes(const uint8_t (&a)[N]) {
    return {a, N};
}

// A peer's Configure-Request / our request acked, per protocol.
constexpr uint8_t kLcpPeerReq[] = {1, 0x10, 0, 14, 1, 4, 0, 200, 5, 6, 0x12, 0x34, 0x56, 0x78};
constexpr uint8_t kIpcpPeerReq[] = {1, 0x10, 0, 10, 3, 6, 10, 0, 7, 42};
constexpr uint8_t kV6PeerReq[] = {1, 0x10, 0, 14, 1, 10, 2, 0, 0, 0, 0, 0, 0, 9};

struct World {
    Counter rnd;
    CheckedWire wire;
    Sink sink;
    LcpShared lcp_lns, lcp_client;
    IpcpShared ipcp_lns{IpcpConfig::lns(), {}}, ipcp_client{IpcpConfig::client(), {}};
    Ipv6cpShared v6;
    World() {
        lcp_lns.config = LcpConfig::lns();
        lcp_client.config = LcpConfig::client();
        lcp_lns.random = lcp_client.random = v6.random = &rnd;
    }
};

// Acks our last Configure-Request by rebuilding it from what the wire saw last.
struct Recorder final : Output {
    Output *next = nullptr;
    uint8_t last_req[kMaxPacket];
    size_t last_len = 0;
    void send(uint16_t protocol, std::span<const uint8_t> p) override {
        if (!p.empty() && p[0] == uint8_t(Code::ConfigureRequest) && p.size() <= sizeof last_req) {
            std::copy(p.begin(), p.end(), last_req);
            last_len = p.size();
        }
        next->send(protocol, p);
    }
    void ack(Fsm &f, uint64_t now) {
        if (last_len < kHeaderLen) return;
        last_req[0] = uint8_t(Code::ConfigureAck);
        f.receive({last_req, last_len}, now);
    }
};

// Brings `f` to a state chosen by `stage`: 0 Req-Sent, 1 Ack-Sent, 2 Opened,
// 3 Closing (from Opened), 4 Stopped (Max-Configure expired).
void drive(Fsm &f, Recorder &rec, std::span<const uint8_t> peer_req, int stage) {
    f.open(0);
    f.up(0);
    if (stage == 4) {
        for (int i = 0; i < 12; ++i) f.on_timer(f.next_deadline());
        return;
    }
    if (stage >= 1) f.receive(peer_req, 0);
    if (stage >= 2) rec.ack(f, 0);
    if (stage == 3) f.close(0);
}

void exercise(Fsm &f, std::span<const uint8_t> info) {
    f.receive(info, 1);
    f.receive(info, 2);
    for (uint64_t t = 3 * kSec; t <= 40 * kSec; t += 3 * kSec) {
        f.on_timer(t);
        check(f.next_deadline() > t);
    }
    check(state_name(f.state())[0] != '?');
}

void run_lcp(World &w, bool lns, int stage, std::span<const uint8_t> info, uint16_t proto) {
    Recorder rec;
    rec.next = &w.wire;
    Lcp lcp(lns ? w.lcp_lns : w.lcp_client, rec, w.sink);
    w.wire.lcp = &lcp;
    drive(lcp, rec, bytes(kLcpPeerReq), stage);
    if (proto != kProtoLcp && proto != kProtoIpcp && proto != kProtoIpv6cp)
        lcp.send_protocol_reject(proto, info, 1);
    exercise(lcp, info);
    w.wire.lcp = nullptr;
}

template <class Engine, class Shared>
void run_ncp(World &w, Shared &sh, std::span<const uint8_t> peer_req, int stage,
             std::span<const uint8_t> info) {
    Recorder rec;
    rec.next = &w.wire;
    Engine e(sh, rec, w.sink);
    if constexpr (std::is_same_v<Engine, Ipcp>) {
        e.set_local_address(0x0a000001);
        e.set_assignment({0x0a00072a, {0xc0000235, 0xc0000236}, {}});
    } else {
        e.set_peer_interface_id(stage == 1 ? 0x0200000000000009ull : 0);
    }
    e.set_peer_mru(200);
    drive(e, rec, peer_req, stage);
    exercise(e, info);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static World w;  // configs, counters and randomness shared like a control core's
    std::span<const uint8_t> in(data, size);
    Frame fr;
    const bool framed = parse_frame(in, &fr) == PppError::ok;
    const std::span<const uint8_t> info = framed ? fr.payload : in;
    const uint16_t proto = framed ? fr.protocol : 0;
    const bool all = !framed;
    for (int stage = 0; stage < 5; ++stage) {
        if (all || proto == kProtoLcp || (stage == 2 && proto != kProtoIpcp && proto != kProtoIpv6cp)) {
            run_lcp(w, true, stage, info, proto);
            run_lcp(w, false, stage, info, proto);
        }
        if (all || proto == kProtoIpcp) {
            run_ncp<Ipcp>(w, w.ipcp_lns, bytes(kIpcpPeerReq), stage, info);
            run_ncp<Ipcp>(w, w.ipcp_client, bytes(kIpcpPeerReq), stage, info);
        }
        if (all || proto == kProtoIpv6cp) run_ncp<Ipv6cp>(w, w.v6, bytes(kV6PeerReq), stage, info);
    }
    LcpResult r;
    const ProxyLcpError e = derive_proxy_lcp(in.first(size / 2), in.subspan(size / 2),
                                             w.lcp_lns.config, &r);
    check(proxy_lcp_error_name(e)[0] != '?');
    if (e == ProxyLcpError::ok) {
        Lcp lcp(w.lcp_lns, w.wire, w.sink);
        w.wire.lcp = &lcp;
        check(lcp.start_opened(r, 0));
        exercise(lcp, info);
        w.wire.lcp = nullptr;
    }
    return 0;
}
