// Test harness for the L2TP endpoint (conventions.md §2, §15): predictable
// randomness, a fake clock advanced by hand, and a fake network joining L2TP
// speakers that can delay, drop, duplicate and reorder datagrams.
//
//   FakeRandom     scripted values first, then start, start + step, ...
//   Net            the clock, the wire and the event loop: run_until(pred, max_ns)
//                  jumps to the next delivery or the next endpoint deadline, never
//                  sleeps, and stops at pred() or after max_ns of fake time.
//   EndpointNode   an Endpoint on the net, with its events and sent datagrams.
//   ScriptPeer     a hand-driven peer (own ReliableChannel, messages built by the
//                  test) for messages a real Endpoint never sends.
//   L2tpPair       a LAC and an LNS Endpoint back to back (10.0.0.1 -> 10.0.0.2).
//   decode()       a captured datagram as (header, MsgType, ControlMessage).
//
// Each node's `link` describes the path from it (so the two directions are set
// apart); its random choices come from a per-node generator seeded from the Net's
// seed, so a run is reproducible bit for bit.  Every datagram sent is kept in the
// sender's `sent`, with its fate.  A node's `port` is both where it listens and
// the source port others see: change it to simulate a NAT rebinding (datagrams
// still addressed to the old port are then lost and counted in Net::unroutable).
//
// Thread: test thread only.  Endpoint callbacks only record (no re-entry).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controlplane/l2tp/endpoint.hpp"
#include "controlplane/l2tp/message.hpp"
#include "controlplane/l2tp/reliable.hpp"
#include "controlplane/l2tp/types.hpp"

namespace lns::cp::l2tp::harness {

inline constexpr uint64_t kMs = 1000000ull;
inline constexpr uint64_t kSec = 1000 * kMs;
inline constexpr uint32_t kLacIp = 0x0a000001;  // 10.0.0.1
inline constexpr uint32_t kLnsIp = 0x0a000002;  // 10.0.0.2

using Bytes = std::vector<uint8_t>;

inline std::span<const uint8_t> as_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

// ---- Randomness ---------------------------------------------------------------------

// Predictable Random: values pushed with push() first (FIFO), then start, start +
// step, ...  Ids are the low 16 bits of a value, so with the defaults a fresh
// endpoint's first tunnel id is 1, the next value 2, and so on.
class FakeRandom final : public Random {
  public:
    explicit FakeRandom(uint64_t start = 1, uint64_t step = 1) : next_(start), step_(step) {}
    void push(uint64_t v, size_t times = 1) { script_.insert(script_.end(), times, v); }
    uint64_t next() override {
        ++calls_;
        if (!script_.empty()) {
            const uint64_t v = script_.front();
            script_.pop_front();
            return v;
        }
        const uint64_t v = next_;
        next_ += step_;
        return v;
    }
    uint64_t calls() const { return calls_; }
    size_t scripted_left() const { return script_.size(); }

  private:
    std::deque<uint64_t> script_;
    uint64_t next_, step_;
    uint64_t calls_ = 0;
};

// ---- Decoding captured datagrams --------------------------------------------------------

// One datagram, decoded.  Owns its bytes (the header and message views point into
// them and into the message's scratch), so it is move-only.
struct Decoded {
    Bytes bytes;
    ControlHeader h{};
    CtlError header_error = CtlError::ok;
    CtlError error = CtlError::ok;  // of decode_message
    std::unique_ptr<ControlMessage> m = std::make_unique<ControlMessage>();

    bool ok() const { return header_error == CtlError::ok && error == CtlError::ok; }
    bool zlb() const { return header_error == CtlError::ok && h.zlb(); }
    MsgType type() const { return m->type; }
    const ControlMessage *operator->() const { return m.get(); }
    const ControlMessage &msg() const { return *m; }
};

// Decodes `b` (a UDP payload); `secret` un-hides hidden AVPs.
inline Decoded decode(std::span<const uint8_t> b, std::string_view secret = {}) {
    Decoded d;
    d.bytes.assign(b.begin(), b.end());
    d.header_error = parse_control_header(d.bytes, &d.h);
    if (d.header_error == CtlError::ok)
        d.error = decode_message(d.h.avps, as_bytes(secret), d.m.get());
    return d;
}

// ---- The network ----------------------------------------------------------------------

// The path from one node: every datagram gets `delay_ns` plus a uniform extra in
// [0, jitter_ns); with probability `reorder` it is held `reorder_ns` longer (later
// datagrams overtake it); with probability `drop` it is lost; with probability
// `duplicate` a second copy follows after a uniform [0, reorder_ns] more.  `down`
// loses everything (a vanished peer, a cut cable).
struct LinkConfig {
    uint64_t delay_ns = 10 * kMs;
    uint64_t jitter_ns = 0;
    double drop = 0;
    double duplicate = 0;
    double reorder = 0;
    uint64_t reorder_ns = 50 * kMs;
    bool down = false;
};

struct Captured {
    uint64_t at = 0;         // sent at
    Transport to;            // as the sender addressed it
    uint16_t from_port = 0;  // source port stamped on it
    Bytes bytes;
    bool dropped = false;
    bool duplicated = false;
};

class Net;

// Something attached to the net at one address.
class Node {
  public:
    Node(Net &net, std::string name, uint32_t ip, uint16_t port);
    virtual ~Node();
    Node(const Node &) = delete;
    Node &operator=(const Node &) = delete;

    // A datagram arrived; `from` is the Transport as the receiver sees it.
    virtual void receive(const Transport &from, std::span<const uint8_t> b, uint64_t now) = 0;
    virtual uint64_t next_deadline() = 0;
    virtual void on_timer(uint64_t now) = 0;

    // Decoded non-ZLB datagrams this node sent of type `t` (all types for zlb).
    std::vector<Decoded> sent_msgs(MsgType t, std::string_view secret = {}) const {
        std::vector<Decoded> v;
        for (const Captured &c : sent) {
            Decoded d = decode(c.bytes, secret);
            if (!d.zlb() && (t == MsgType::zlb || d.type() == t)) v.push_back(std::move(d));
        }
        return v;
    }
    size_t sent_count(MsgType t) const { return sent_msgs(t).size(); }
    size_t zlbs_sent() const {
        return size_t(std::count_if(sent.begin(), sent.end(),
                                    [](const Captured &c) { return c.bytes.size() == 12; }));
    }

    Net &net;
    std::string name;
    uint32_t ip;
    uint16_t port;
    LinkConfig link;
    std::vector<Captured> sent;
    uint64_t received = 0;
    Xoshiro link_rng{1};
};

class Net {
  public:
    explicit Net(uint64_t seed = 1) : seed_(seed) {}

    uint64_t now() const { return now_; }
    // Re-seeds every node's link generator (call before traffic to vary a run).
    void seed(uint64_t s) {
        seed_ = s;
        for (size_t i = 0; i < nodes_.size(); i++) nodes_[i]->link_rng = Xoshiro(node_seed(i));
    }
    void attach(Node &n) {
        n.link_rng = Xoshiro(node_seed(nodes_.size()));
        nodes_.push_back(&n);
    }
    // Removes `n` and what it has in flight (a node leaving before the net does).
    void detach(Node &n) {
        nodes_.erase(std::remove(nodes_.begin(), nodes_.end(), &n), nodes_.end());
        std::erase_if(in_flight_, [&](const auto &kv) { return kv.second.from == &n; });
    }
    Node *find(uint32_t ip) const {
        for (Node *n : nodes_)
            if (n->ip == ip) return n;
        return nullptr;
    }

    // `from` transmits `b` to `to` now: the link of `from` decides its fate.
    void send(Node &from, const Transport &to, std::span<const uint8_t> b) {
        Captured c;
        c.at = now_;
        c.to = to;
        c.from_port = from.port;
        c.bytes.assign(b.begin(), b.end());
        const LinkConfig &l = from.link;
        // Fixed draw order, whatever the outcome, so one choice never shifts the others.
        const double r_drop = unit(from), r_dup = unit(from), r_reorder = unit(from);
        const uint64_t jitter = l.jitter_ns ? from.link_rng.next() % l.jitter_ns : 0;
        const uint64_t dup_gap = from.link_rng.next() % (l.reorder_ns + 1);
        c.dropped = l.down || r_drop < l.drop;
        c.duplicated = !c.dropped && r_dup < l.duplicate;
        if (c.dropped) {
            dropped++;
        } else {
            const uint64_t d = l.delay_ns + jitter + (r_reorder < l.reorder ? l.reorder_ns : 0);
            queue(now_ + d, from, to, c.from_port, c.bytes);
            if (c.duplicated) {
                duplicated++;
                queue(now_ + d + dup_gap, from, to, c.from_port, c.bytes);
            }
        }
        from.sent.push_back(std::move(c));
    }

    // Delivers `b` to `to` at once, as if sent from `from` (bypasses links).
    void inject(Node &to, const Transport &from, std::span<const uint8_t> b) {
        to.received++;
        to.receive(from, b, now_);
    }

    // Earliest pending delivery or node deadline (UINT64_MAX: nothing at all).
    uint64_t next_event() const {
        uint64_t t = in_flight_.empty() ? UINT64_MAX : in_flight_.begin()->first.first;
        for (Node *n : nodes_) t = std::min(t, n->next_deadline());
        return t;
    }

    // Jumps to the next event if it is at or before `limit`, then delivers what is
    // due and runs due timers.  False when nothing happens by `limit`.
    bool step(uint64_t limit) {
        const uint64_t t = next_event();
        if (t == UINT64_MAX || t > limit) return false;
        if (t > now_) {
            now_ = t;
            same_time_steps_ = 0;
        } else if (++same_time_steps_ > 1000000) {
            ADD_FAILURE() << "harness: no progress at t=" << now_
                          << " ns (a deadline in the past?)";
            return false;
        }
        while (!in_flight_.empty() && in_flight_.begin()->first.first <= now_) {
            auto node = in_flight_.extract(in_flight_.begin());
            InFlight &f = node.mapped();
            deliver(f);
        }
        for (Node *n : nodes_)
            if (n->next_deadline() <= now_) n->on_timer(now_);
        return true;
    }

    // Runs until `pred()` holds (true) or `max_ns` of fake time passed (false; the
    // clock then stands at the limit).
    template <class Pred>
    bool run_until(Pred &&pred, uint64_t max_ns) {
        const uint64_t limit = now_ + max_ns;
        while (!pred()) {
            if (!step(limit)) {
                now_ = std::max(now_, limit);
                return pred();
            }
        }
        return true;
    }
    // Runs everything due in the next `ns` and leaves the clock at now + ns.
    void run_for(uint64_t ns) {
        const uint64_t limit = now_ + ns;
        while (step(limit)) {
        }
        now_ = std::max(now_, limit);
    }

    uint64_t delivered = 0, dropped = 0, duplicated = 0, unroutable = 0;

  private:
    struct InFlight {
        Node *from;
        Transport to;
        uint16_t from_port;
        Bytes bytes;
    };

    uint64_t node_seed(size_t i) const { return seed_ * 0x9e3779b97f4a7c15ull + i + 1; }
    static double unit(Node &n) { return double(n.link_rng.next() >> 11) * 0x1.0p-53; }

    void queue(uint64_t at, Node &from, const Transport &to, uint16_t from_port, const Bytes &b) {
        in_flight_.emplace(std::make_pair(at, seq_++), InFlight{&from, to, from_port, b});
    }

    void deliver(const InFlight &f) {
        Node *dst = find(f.to.peer_ip);
        if (!dst || dst->port != f.to.peer_port) {  // nobody there (or a stale NAT port)
            unroutable++;
            return;
        }
        Transport seen;
        seen.peer_ip = f.from->ip;
        seen.peer_port = f.from_port;
        seen.local_ip = dst->ip;
        seen.local_port = dst->port;
        delivered++;
        dst->received++;
        dst->receive(seen, f.bytes, now_);
    }

    uint64_t seed_;
    uint64_t now_ = 0;
    uint64_t seq_ = 0;
    uint64_t same_time_steps_ = 0;
    std::vector<Node *> nodes_;
    std::map<std::pair<uint64_t, uint64_t>, InFlight> in_flight_;  // (at, seq): FIFO on ties
};

inline Node::Node(Net &n, std::string nm, uint32_t a, uint16_t p)
    : net(n), name(std::move(nm)), ip(a), port(p) {
    net.attach(*this);
}

inline Node::~Node() {
    net.detach(*this);
}

// ---- An Endpoint on the net ---------------------------------------------------------------

// An event as recorded: the CallInfo is copied (Event::call dies with the session).
struct Rec {
    uint64_t at = 0;
    Event ev;  // ev.call is cleared; see `call`
    bool has_call = false;
    CallInfo call;
};

class EndpointNode final : public Node {
  public:
    EndpointNode(Net &n, std::string nm, uint32_t a, EndpointConfig cfg, uint64_t rng_start)
        : Node(n, std::move(nm), a, kL2tpPort),
          rng(rng_start),
          ep(
              std::move(cfg), rng,
              [this](const Transport &to, std::span<const uint8_t> b) { net.send(*this, to, b); },
              [this](const Event &e) { record(e); }) {}

    void receive(const Transport &from, std::span<const uint8_t> b, uint64_t now) override {
        ep.on_datagram(from, b, now);
    }
    uint64_t next_deadline() override { return ep.next_deadline(); }
    void on_timer(uint64_t now) override { ep.on_timer(now); }

    Endpoint *operator->() { return &ep; }

    size_t count(EventKind k) const {
        return size_t(std::count_if(events.begin(), events.end(),
                                    [k](const Rec &r) { return r.ev.kind == k; }));
    }
    size_t count(EventKind k, DownReason why) const {
        return size_t(std::count_if(events.begin(), events.end(), [&](const Rec &r) {
            return r.ev.kind == k && r.ev.reason == why;
        }));
    }
    // Latest event of kind `k` (nullptr if none).
    const Rec *last(EventKind k) const {
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (it->ev.kind == k) return &*it;
        return nullptr;
    }
    std::vector<Rec> of(EventKind k) const {
        std::vector<Rec> v;
        for (const Rec &r : events)
            if (r.ev.kind == k) v.push_back(r);
        return v;
    }

    FakeRandom rng;
    Endpoint ep;
    std::vector<Rec> events;

  private:
    void record(const Event &e) {
        Rec r;
        r.at = net.now();
        r.ev = e;
        r.ev.call = nullptr;
        if (e.call) {
            r.has_call = true;
            r.call = *e.call;
        }
        events.push_back(std::move(r));
    }
};

// ---- A scripted peer -------------------------------------------------------------------------

// A hand-driven L2TP speaker aimed at one node: messages are built by the test
// (any type, any AVPs, any M bit) and sent reliably through its own channel,
// which acknowledges what it receives at once (ack_delay 0).  What it receives in
// sequence is decoded into `inbox`; the target's tunnel id is learnt from an
// SCCRP or SCCRQ (or set by hand).
class ScriptPeer final : public Node {
  public:
    using Fill = std::function<void(AvpWriter &)>;

    ScriptPeer(Net &n, std::string nm, uint32_t a, const Node &target, uint16_t tunnel_id = 0x4242,
               ReliableConfig rc = immediate_acks())
        : Node(n, std::move(nm), a, kL2tpPort), tid(tunnel_id), ch(rc) {
        to.peer_ip = target.ip;
        to.peer_port = target.port;
        to.local_ip = a;
        to.local_port = kL2tpPort;
        ch.set_peer_window(16);
    }
    static ReliableConfig immediate_acks() {
        ReliableConfig rc;
        rc.ack_delay_ns = 0;
        return rc;
    }

    void receive(const Transport &, std::span<const uint8_t> b, uint64_t now) override {
        ControlHeader h;
        if (parse_control_header(b, &h) != CtlError::ok) return;
        arrivals++;
        if (ch.on_receive(h, b, now) == ReliableChannel::Rx::deliver) {
            take(b);
            Bytes held;
            while (ch.pop_in_order(&held)) take(held);
        }
        flush(now);
    }
    uint64_t next_deadline() override { return ch.next_deadline(); }
    void on_timer(uint64_t now) override { flush(now); }

    // Forgets the tunnel (a fresh channel, no peer id, empty inbox): the peer
    // restarted and may reuse its tunnel id.
    void restart(ReliableConfig rc = immediate_acks()) {
        ch = ReliableChannel(rc);
        ch.set_peer_window(16);
        peer_tid = 0;
        inbox.clear();
    }

    // Sends a message of a known type: header tunnel id `peer_tid` (0 for SCCRQ),
    // session id `sid`; `fill` adds the AVPs after Message Type.
    void send(MsgType t, uint16_t sid, const Fill &fill = {}) {
        send_raw_type(uint16_t(t), true, sid, fill);
    }
    // Sends a message with any Message Type value and M bit.
    void send_raw_type(uint16_t type, bool mandatory, uint16_t sid, const Fill &fill = {}) {
        Bytes buf(4096);
        MessageBuilder mb(buf, MsgType::zlb, type == uint16_t(MsgType::sccrq) ? 0 : peer_tid, sid);
        const uint8_t v[2] = {uint8_t(type >> 8), uint8_t(type)};
        mb.avps().add(0, uint16_t(AvpType::message_type), mandatory, v);
        if (!secret.empty()) mb.avps().set_hiding(as_bytes(secret), random_vector);
        if (fill) fill(mb.avps());
        const size_t n = mb.finish();
        ASSERT_GT(n, 0u) << "ScriptPeer: message did not fit";
        ch.send({buf.data(), n});
        flush(net.now());
    }
    // Transmits `b` as is (no channel: Ns/Nr as written).
    void send_bytes(std::span<const uint8_t> b) { net.send(*this, to, b); }

    // The usual SCCRQ AVPs (§6.1) with our tunnel id; `extra` adds more.
    void send_sccrq(const std::string &host = "script", const Fill &extra = {}) {
        send(MsgType::sccrq, 0, [&](AvpWriter &w) {
            w.add_u16(AvpType::protocol_version, 0x0100);
            w.add_str(AvpType::host_name, host);
            w.add_u32(AvpType::framing_capabilities, 3);
            w.add_u16(AvpType::assigned_tunnel_id, tid, hide_ids);
            w.add_u16(AvpType::receive_window_size, 16);
            if (extra) extra(w);
        });
    }
    // SCCRQ, SCCRP back, SCCCN: true when the SCCRP arrived within `max_ns`.
    bool establish(const std::string &host = "script", uint64_t max_ns = 5 * kSec) {
        send_sccrq(host);
        if (!net.run_until([&] { return count(MsgType::sccrp) > 0; }, max_ns)) return false;
        send(MsgType::scccn, 0);
        net.run_for(100 * kMs);
        return true;
    }
    // ICRQ with our session id `sid`; `extra` adds more AVPs.
    void send_icrq(uint16_t sid, uint32_t serial = 1, const Fill &extra = {}) {
        send(MsgType::icrq, 0, [&](AvpWriter &w) {
            w.add_u16(AvpType::assigned_session_id, sid);
            w.add_u32(AvpType::call_serial_number, serial);
            if (extra) extra(w);
        });
    }
    // ICCN for the target's session `their_sid`.
    void send_iccn(uint16_t their_sid, const Fill &extra = {}) {
        send(MsgType::iccn, their_sid, [&](AvpWriter &w) {
            w.add_u32(AvpType::tx_connect_speed, 10000000);
            w.add_u32(AvpType::framing_type, 1);
            if (extra) extra(w);
        });
    }

    size_t count(MsgType t) const {
        return size_t(std::count_if(inbox.begin(), inbox.end(),
                                    [t](const Decoded &d) { return d.type() == t; }));
    }
    // Latest message of type `t` received (nullptr if none).
    const Decoded *last(MsgType t) const {
        for (auto it = inbox.rbegin(); it != inbox.rend(); ++it)
            if (it->type() == t) return &*it;
        return nullptr;
    }

    uint16_t tid;
    uint16_t peer_tid = 0;
    std::string secret;     // un-hides what we receive; hides what `fill` asks to
    bool hide_ids = false;  // hide the Assigned Tunnel Id in send_sccrq (needs secret)
    std::array<uint8_t, 16> random_vector{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    Transport to;
    ReliableChannel ch;
    std::vector<Decoded> inbox;  // non-ZLB messages, in sequence
    uint64_t arrivals = 0;       // every datagram (ZLBs and duplicates too)

  private:
    void take(std::span<const uint8_t> b) {
        Decoded d = decode(b, secret);
        if (d.zlb()) return;
        const bool names_tunnel = d.type() == MsgType::sccrp || d.type() == MsgType::sccrq;
        if (peer_tid == 0 && names_tunnel && d->has(AvpType::assigned_tunnel_id)) {
            peer_tid = d->assigned_tunnel_id;
            ch.set_peer_tunnel_id(peer_tid);
        }
        inbox.push_back(std::move(d));
    }
    void flush(uint64_t now) {
        if (peer_tid) ch.set_peer_tunnel_id(peer_tid);
        ch.flush(now, [&](std::span<const uint8_t> m) { net.send(*this, to, m); });
    }
};

// ---- A LAC and an LNS back to back ---------------------------------------------------------

class L2tpPair {
  public:
    static EndpointConfig lac_config() {
        EndpointConfig c;
        c.host_name = "lac";
        c.vendor_name = "lac-emu";
        c.accept_outgoing_calls = true;
        return c;
    }
    static EndpointConfig lns_config() {
        EndpointConfig c;
        c.host_name = "lns";
        return c;
    }

    // The LAC's FakeRandom counts from 0x1001, the LNS's from 0x2001, so their ids
    // and tie breakers differ.
    explicit L2tpPair(EndpointConfig lac_cfg = lac_config(), EndpointConfig lns_cfg = lns_config(),
                      uint64_t seed = 1)
        : net(seed),
          lac(net, "lac", kLacIp, std::move(lac_cfg), 0x1001),
          lns(net, "lns", kLnsIp, std::move(lns_cfg), 0x2001) {}

    uint64_t now() const { return net.now(); }
    // Where the LAC sends to reach the LNS.
    Transport lac_to_lns() const {
        Transport t;
        t.peer_ip = lns.ip;
        t.peer_port = lns.port;
        t.local_ip = lac.ip;
        t.local_port = lac.port;
        return t;
    }
    void set_links(const LinkConfig &l) { lac.link = lns.link = l; }

    template <class Pred>
    bool run_until(Pred &&pred, uint64_t max_ns) {
        return net.run_until(std::forward<Pred>(pred), max_ns);
    }
    void run_for(uint64_t ns) { net.run_for(ns); }

    // The LAC opens a tunnel (LAC policy `p`); both sides up within `max_ns`:
    // {LAC's tunnel id, LNS's tunnel id}, {0, 0} on failure.
    std::pair<uint16_t, uint16_t> establish(const PeerPolicy &p = {}, uint64_t max_ns = 10 * kSec) {
        const size_t lac_up = lac.count(EventKind::tunnel_up);
        const size_t lns_up = lns.count(EventKind::tunnel_up);
        const uint16_t tid = lac->open_tunnel(lac_to_lns(), p, now());
        if (tid == 0) return {0, 0};
        const bool ok = run_until(
            [&] {
                return lac.count(EventKind::tunnel_up) > lac_up &&
                       lns.count(EventKind::tunnel_up) > lns_up;
            },
            max_ns);
        if (!ok) return {0, 0};
        return {tid, lns.last(EventKind::tunnel_up)->ev.tunnel_id};
    }
    // An incoming call on the LAC's tunnel `lac_tid`, up on both sides within
    // `max_ns`: {LAC's session id, LNS's session id}, {0, 0} on failure.
    std::pair<uint16_t, uint16_t> call(uint16_t lac_tid, const CallInfo &c = {},
                                       uint64_t max_ns = 5 * kSec) {
        const uint16_t sid = lac->open_session(lac_tid, c, now());
        if (sid == 0) return {0, 0};
        const bool ok = run_until([&] { return lns_session_of(sid) != 0; }, max_ns);
        if (!ok) return {0, 0};
        return {sid, lns_session_of(sid)};
    }
    // The LNS's session id of the call the LAC knows as `lac_sid` (from session_up).
    uint16_t lns_session_of(uint16_t lac_sid) const {
        for (const Rec &r : lns.events)
            if (r.ev.kind == EventKind::session_up && r.ev.peer_session_id == lac_sid)
                return r.ev.session_id;
        return 0;
    }

    Net net;
    EndpointNode lac;
    EndpointNode lns;
};

}  // namespace lns::cp::l2tp::harness
