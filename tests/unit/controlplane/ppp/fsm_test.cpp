// The RFC 1661 automaton against the RFC's own state transition table (§4.1): the
// table below is the RFC's text, parsed here; every state x event cell is driven
// through a real engine (LCP) by the stimulus a peer or owner would produce, and
// the observable actions are checked: packets on the wire (scr, sca, scn, str,
// sta, scj, ser) in order, notices (tlu, tld, tls, tlf), the restart counter (irc,
// zrc) and timer, and the next state.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "controlplane/ppp/lcp.hpp"
#include "tests/unit/controlplane/ppp/ppp_test_util.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

// RFC 1661 §4.1, verbatim (columns: states 0-9).
constexpr const char *kRfcTable[] = {
    "Up   |    2     irc,scr/6     -         -         -         -         -         -         -           -",
    "Down |    -         -         0       tls/1       0         1         1         1         1         tld/1",
    "Open |  tls/1       1     irc,scr/6     3r        5r        5r        6         7         8           9r",
    "Close|    0       tlf/0       2         2         4         4     irc,str/4 irc,str/4 irc,str/4 tld,irc,str/4",
    "TO+ |    -         -         -         -       str/4     str/5     scr/6     scr/6     scr/8         -",
    "TO- |    -         -         -         -       tlf/2     tlf/3     tlf/3p    tlf/3p    tlf/3p        -",
    "RCR+ |    -         -       sta/2 irc,scr,sca/8   4         5       sca/8   sca,tlu/9   sca/8   tld,scr,sca/8",
    "RCR- |    -         -       sta/2 irc,scr,scn/6   4         5       scn/6     scn/7     scn/6   tld,scr,scn/6",
    "RCA  |    -         -       sta/2     sta/3       4         5       irc/7     scr/6x  irc,tlu/9   tld,scr/6x",
    "RCN  |    -         -       sta/2     sta/3       4         5     irc,scr/6   scr/6x  irc,scr/8   tld,scr/6x",
    "RTR  |    -         -       sta/2     sta/3     sta/4     sta/5     sta/6     sta/6     sta/6   tld,zrc,sta/5",
    "RTA  |    -         -         2         3       tlf/2     tlf/3       6         6         8       tld,scr/6",
    "RUC  |    -         -       scj/2     scj/3     scj/4     scj/5     scj/6     scj/7     scj/8       scj/9",
    "RXJ+ |    -         -         2         3         4         5         6         6         8           9",
    "RXJ- |    -         -       tlf/2     tlf/3     tlf/2     tlf/3     tlf/3     tlf/3     tlf/3   tld,irc,str/5",
    "RXR  |    -         -         2         3         4         5         6         7         8         ser/9",
};

struct Cell {
    bool valid = false;
    std::vector<std::string> actions;
    State next = State::Initial;
    bool has(const std::string &a) const {
        for (const auto &x : actions)
            if (x == a) return true;
        return false;
    }
};

Cell parse_cell(const std::string &tok) {
    Cell c;
    if (tok == "-") return c;
    c.valid = true;
    std::string st = tok;
    const size_t slash = tok.find('/');
    if (slash != std::string::npos) {
        std::stringstream acts(tok.substr(0, slash));
        for (std::string a; std::getline(acts, a, ',');) c.actions.push_back(a);
        st = tok.substr(slash + 1);
    }
    c.next = State(st[0] - '0');  // trailing r/x/p flags are implementation options
    return c;
}

Cell rfc_cell(State s, Event e) {
    std::stringstream row(kRfcTable[size_t(e)]);
    std::string name, bar, tok;
    row >> name;
    if (name.back() != '|') row >> bar;
    for (size_t i = 0; i <= size_t(s); ++i) row >> tok;
    return parse_cell(tok);
}

// One engine in a chosen state.  Deterministic config: our request is MRU 1460 only.
struct Rig {
    LcpShared sh;
    Wire wire;
    Notices notes;
    FakeRandom rnd;
    std::unique_ptr<Lcp> lcp;
    uint64_t now = 1000;

    explicit Rig(uint8_t max_configure = 10) {
        sh.config = LcpConfig::lns();
        sh.config.request_auth.clear();
        sh.config.magic = false;
        sh.config.echo.interval_ns = 0;
        sh.config.fsm.max_configure = max_configure;
        sh.random = &rnd;
        lcp = std::make_unique<Lcp>(sh, wire, notes);
    }
    void rx(const Bytes &b) { lcp->receive(b, now); }
    void fire() {
        now = lcp->next_deadline();
        lcp->on_timer(now);
    }
    Bytes our_request() const { return mru(1460); }
    void good_confreq() { rx(packet(1, 0x42, mru(1400))); }
    void ack_ours() { rx(packet(2, lcp->last_request_id(), our_request())); }
    void to_opened() {
        lcp->open(now);
        lcp->up(now);
        good_confreq();
        ack_ours();
        ASSERT_EQ(lcp->state(), State::Opened);
    }
};

// Brings `r` into state s, with the restart counter arranged so that a timeout is
// TO+ or TO- as `e` needs, and the counter differs from what irc would set.
void reach(Rig &r, State s, Event e) {
    const bool minus = e == Event::to_minus;
    switch (s) {
        case State::Initial: break;
        case State::Starting: r.lcp->open(r.now); break;
        case State::Closed: r.lcp->up(r.now); break;
        case State::Stopped:
            r.lcp->open(r.now);
            r.lcp->up(r.now);
            while (r.lcp->state() != State::Stopped) r.fire();  // Max-Configure expiry
            break;
        case State::Closing:
            r.to_opened();
            r.lcp->close(r.now);
            if (minus) r.fire();
            break;
        case State::Stopping:
            r.to_opened();
            r.rx(packet(7, 0x31, packet(1, 9)));  // RXJ-: tld,irc,str/5
            if (minus) r.fire();
            break;
        case State::ReqSent:
            r.lcp->open(r.now);
            r.lcp->up(r.now);
            r.fire();
            while (minus && r.lcp->restart_count() > 0) r.fire();
            break;
        case State::AckRcvd:
            r.lcp->open(r.now);
            r.lcp->up(r.now);
            r.ack_ours();
            break;
        case State::AckSent:
            r.lcp->open(r.now);
            r.lcp->up(r.now);
            r.fire();
            while (minus && r.lcp->restart_count() > 0) r.fire();
            r.good_confreq();
            break;
        case State::Opened: r.to_opened(); break;
    }
    ASSERT_EQ(r.lcp->state(), s);
}

// The stimulus for `e`; returns the packet sent to the engine (empty for API events).
Bytes apply(Rig &r, Event e) {
    Bytes p;
    switch (e) {
        case Event::up: r.lcp->up(r.now); break;
        case Event::down: r.lcp->down(r.now); break;
        case Event::open: r.lcp->open(r.now); break;
        case Event::close: r.lcp->close(r.now); break;
        case Event::to_plus:
        case Event::to_minus:
            r.now = r.lcp->next_deadline() == UINT64_MAX ? r.now + 100 * kSec
                                                         : r.lcp->next_deadline();
            r.lcp->on_timer(r.now);
            break;
        case Event::rcr_good: p = packet(1, 0x42, mru(1400)); break;
        case Event::rcr_bad: p = packet(1, 0x43, mru(100)); break;  // below 128: Nak
        case Event::rca: p = packet(2, r.lcp->last_request_id(), r.our_request()); break;
        case Event::rcn: p = packet(3, r.lcp->last_request_id(), mru(1400)); break;
        case Event::rtr: p = packet(5, 0x55); break;
        case Event::rta: p = packet(6, 0x56); break;
        case Event::ruc: p = packet(0x20, 0x57, {1, 2, 3}); break;
        case Event::rxj_good: p = packet(7, 0x58, packet(9, 1, {0, 0, 0, 0})); break;
        case Event::rxj_bad: p = packet(7, 0x59, packet(1, 1)); break;
        case Event::rxr: p = packet(9, 0x5a, {0, 0, 0, 0, 'h', 'i'}); break;
    }
    if (!p.empty()) r.rx(p);
    return p;
}

std::vector<uint8_t> expected_codes(const Cell &c, Event e) {
    std::vector<uint8_t> codes;
    if (c.has("scr")) codes.push_back(1);
    if (c.has("sca")) codes.push_back(2);
    if (c.has("scn")) codes.push_back(e == Event::rcr_bad ? 3 : 4);
    if (c.has("str")) codes.push_back(5);
    if (c.has("sta")) codes.push_back(6);
    if (c.has("scj")) codes.push_back(7);
    if (c.has("ser")) codes.push_back(10);
    return codes;
}

std::vector<NoticeKind> expected_notices(const Cell &c) {
    std::vector<NoticeKind> k;
    if (c.has("tld")) k.push_back(NoticeKind::down);
    if (c.has("tlu")) k.push_back(NoticeKind::up);
    if (c.has("tls")) k.push_back(NoticeKind::started);
    if (c.has("tlf")) k.push_back(NoticeKind::finished);
    return k;
}

bool timer_state(State s) {
    return s == State::Closing || s == State::Stopping || s == State::ReqSent ||
           s == State::AckRcvd || s == State::AckSent;
}

class FsmTable : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(FsmTable, Rfc1661Cell) {
    const State s = State(std::get<0>(GetParam()));
    const Event e = Event(std::get<1>(GetParam()));
    const Cell c = rfc_cell(s, e);
    SCOPED_TRACE(std::string(state_name(s)) + " x " + event_name(e));
    // TO- in Ack-Rcvd needs a counter at zero there: irc sets Max-Configure, so 0.
    Rig r(s == State::AckRcvd && e == Event::to_minus ? 0 : 10);
    reach(r, s, e);
    if (HasFatalFailure()) return;
    r.wire.clear();
    r.notes.clear();
    const uint8_t before = r.lcp->restart_count();
    const uint64_t deadline_before = r.lcp->next_deadline();

    const Bytes stim = apply(r, e);

    if (!c.valid) {  // "-": nothing may happen
        EXPECT_EQ(r.lcp->state(), s);
        EXPECT_TRUE(r.wire.sent.empty());
        EXPECT_TRUE(r.notes.got.empty());
        return;
    }
    EXPECT_EQ(r.lcp->state(), c.next) << "expected " << state_name(c.next);
    EXPECT_EQ(r.wire.codes(), expected_codes(c, e));
    EXPECT_EQ(r.notes.kinds(), expected_notices(c));
    for (const auto &p : r.wire.sent) {
        EXPECT_EQ(p.protocol, kProtoLcp);
        const bool reply = p.code() == 2 || p.code() == 3 || p.code() == 6 || p.code() == 10;
        if (reply && !stim.empty()) {
            EXPECT_EQ(p.id(), stim[1]);
        }
        if (p.code() == 7) {
            EXPECT_EQ(p.data(), stim);  // Code-Reject quotes the packet
        }
    }
    // irc / zrc, observed through the restart counter.
    const auto &f = r.sh.config.fsm;
    int base = c.has("irc") ? (c.has("str") ? f.max_terminate : f.max_configure)
                            : (c.has("zrc") ? 0 : before);
    base -= int(c.has("scr")) + int(c.has("str"));
    EXPECT_EQ(r.lcp->restart_count(), std::max(base, 0));
    // The restart timer: (re)started by scr/str/zrc, kept in timer states, else off.
    if (c.has("scr") || c.has("str") || c.has("zrc")) {
        EXPECT_EQ(r.lcp->next_deadline(), r.now + f.restart_ns);
    } else if (timer_state(c.next) && timer_state(s)) {
        EXPECT_EQ(r.lcp->next_deadline(), deadline_before);
    } else if (!timer_state(c.next)) {
        EXPECT_EQ(r.lcp->next_deadline(), UINT64_MAX);
    }
}

INSTANTIATE_TEST_SUITE_P(AllCells, FsmTable,
                         ::testing::Combine(::testing::Range(0, int(kStateCount)),
                                            ::testing::Range(0, int(kEventCount))),
                         [](const auto &info) {
                             std::string n = std::string(state_name(State(std::get<0>(info.param)))) +
                                             "_" + event_name(Event(std::get<1>(info.param)));
                             for (auto &ch : n)
                                 if (!isalnum(uint8_t(ch))) ch = ch == '+' ? 'P' : ch == '-' ? 'M' : '_';
                             return n;
                         });

// The implementation's table equals the RFC text (same source, different path).
TEST(FsmTransition, TableMatchesRfcText) {
    static const std::pair<const char *, uint16_t> kActs[] = {
        {"tlu", action::tlu}, {"tld", action::tld}, {"tls", action::tls}, {"tlf", action::tlf},
        {"irc", action::irc}, {"zrc", action::zrc}, {"scr", action::scr}, {"sca", action::sca},
        {"scn", action::scn}, {"str", action::str}, {"sta", action::sta}, {"scj", action::scj},
        {"ser", action::ser}};
    for (size_t s = 0; s < kStateCount; ++s) {
        for (size_t e = 0; e < kEventCount; ++e) {
            const Cell c = rfc_cell(State(s), Event(e));
            const Transition t = transition(State(s), Event(e));
            ASSERT_EQ(t.valid, c.valid) << s << "," << e;
            if (!c.valid) continue;
            uint16_t bits = 0;
            for (const auto &a : c.actions)
                for (const auto &[n, b] : kActs)
                    if (a == n) bits |= b;
            EXPECT_EQ(t.actions, bits) << state_name(State(s)) << " " << event_name(Event(e));
            EXPECT_EQ(t.next, c.next) << state_name(State(s)) << " " << event_name(Event(e));
        }
    }
}

}  // namespace
}  // namespace lns::cp::ppp

// ---- Behaviour beyond single cells ---------------------------------------------------

namespace lns::cp::ppp {
namespace {

using namespace test;

LcpConfig quiet_config() {
    LcpConfig c = LcpConfig::lns();
    c.request_auth.clear();
    c.magic = false;
    c.echo.interval_ns = 0;
    return c;
}

TEST(FsmRestart, MaxConfigureExpiryFinishes) {
    Rig r;
    r.now = 0;
    r.lcp->open(0);
    r.lcp->up(0);
    while (r.lcp->next_deadline() != UINT64_MAX) r.fire();
    ASSERT_EQ(r.wire.sent.size(), 10u);  // Max-Configure requests, 3 s apart
    for (const auto &p : r.wire.sent) {
        EXPECT_EQ(p.code(), 1);
        EXPECT_EQ(p.id(), r.wire.sent[0].id());  // retransmissions keep the Identifier
    }
    EXPECT_EQ(r.now, 30 * kSec);  // TO- one period after the tenth
    EXPECT_EQ(r.lcp->state(), State::Stopped);
    EXPECT_EQ(r.notes.got.back().kind, NoticeKind::finished);
    EXPECT_EQ(r.notes.got.back().reason, Reason::max_configure);
    EXPECT_EQ(r.sh.counters.fsm.retransmits, 9u);
    EXPECT_EQ(r.sh.counters.fsm.timeouts, 1u);
}

TEST(FsmRestart, PassiveOptionWaitsWithoutFinishing) {
    Rig r;
    r.sh.config.fsm.passive = true;
    r.lcp->open(0);
    r.lcp->up(0);
    r.notes.clear();
    while (r.lcp->next_deadline() != UINT64_MAX) r.fire();
    EXPECT_EQ(r.lcp->state(), State::Stopped);
    EXPECT_TRUE(r.notes.got.empty());
    r.good_confreq();  // the peer shows up: irc,scr,sca/8
    EXPECT_EQ(r.lcp->state(), State::AckSent);
}

TEST(FsmRestart, NewRequestNewIdentifier) {
    Rig r;
    r.lcp->open(0);
    r.lcp->up(0);
    const uint8_t id1 = r.wire.last().id();
    r.rx(packet(3, id1, mru(1400)));
    EXPECT_NE(r.wire.last().id(), id1);
    EXPECT_EQ(r.wire.last().data(), mru(1400));
}

TEST(FsmValidation, RepliesNotForOurRequestDiscarded) {
    Rig r;
    r.lcp->open(0);
    r.lcp->up(0);
    const uint8_t id = r.lcp->last_request_id();
    r.wire.clear();
    r.rx(packet(2, uint8_t(id + 1), mru(1460)));  // wrong id
    r.rx(packet(2, id, mru(1400)));               // options differ from our request
    r.rx(packet(4, id, mru(1400)));               // rejects what we did not send
    r.rx(packet(3, uint8_t(id + 9), mru(1400)));  // Nak, wrong id
    EXPECT_TRUE(r.wire.sent.empty());
    EXPECT_EQ(r.lcp->state(), State::ReqSent);
    const auto &c = r.sh.counters.fsm;
    EXPECT_EQ(c.rx_bad_id, 2u);
    EXPECT_EQ(c.rx_ack_mismatch, 1u);
    EXPECT_EQ(c.rx_bad_reject, 1u);
}

TEST(FsmValidation, MalformedPacketsCountedNeverAnswered) {
    Rig r;
    r.rx({0x01, 0x02, 0x00});                    // shorter than a header
    EXPECT_EQ(r.sh.counters.fsm.rx_truncated, 1u);
    r.lcp->open(0);
    r.lcp->up(0);
    r.wire.clear();
    r.rx({0x01, 0x02, 0x00, 0x03});              // Length below 4
    r.rx({0x01, 0x02, 0x00, 0x20, 0x01, 0x04});  // Length beyond the bytes
    r.rx(packet(7, 1));                          // Code-Reject quoting nothing
    EXPECT_TRUE(r.wire.sent.empty());
    EXPECT_EQ(r.sh.counters.fsm.rx_bad_length, 1u);
    EXPECT_EQ(r.sh.counters.fsm.rx_truncated, 2u);
    EXPECT_EQ(r.sh.counters.fsm.rx_short_code_reject, 1u);
    // Padding after Length is ignored (RFC 1661 §5).
    const Bytes padded = cat({packet(1, 0x42, mru(1400)), Bytes{0xde, 0xad}});
    r.rx(padded);
    EXPECT_EQ(r.wire.last().bytes, packet(2, 0x42, mru(1400)));
}

TEST(FsmValidation, PacketsBeforeLowerLayerUpDropped) {
    Rig r;
    r.lcp->open(0);
    r.rx(packet(1, 1, mru(1400)));
    EXPECT_TRUE(r.wire.sent.empty());
    EXPECT_EQ(r.sh.counters.fsm.rx_not_ready, 1u);
}

// The sink sees final state and may call back into the engine.
TEST(FsmNotices, DeliveredAfterStateIsFinalAndReentrant) {
    struct Sink final : NoticeSink {
        Lcp *lcp = nullptr;
        std::vector<std::pair<NoticeKind, State>> seen;
        void on_notice(const Notice &n) override {
            seen.push_back({n.kind, lcp->state()});
            if (n.kind == NoticeKind::up) lcp->close(0);  // nested call from the sink
        }
    } sink;
    LcpShared sh;
    sh.config = quiet_config();
    Wire wire;
    Lcp lcp(sh, wire, sink);
    sink.lcp = &lcp;
    lcp.open(0);
    lcp.up(0);
    lcp.receive(packet(1, 1, mru(1400)), 0);
    lcp.receive(packet(2, lcp.last_request_id(), mru(1460)), 0);
    ASSERT_EQ(sink.seen.size(), 3u);
    EXPECT_EQ(sink.seen[0], std::make_pair(NoticeKind::started, State::Starting));
    EXPECT_EQ(sink.seen[1], std::make_pair(NoticeKind::up, State::Opened));
    EXPECT_EQ(sink.seen[2], std::make_pair(NoticeKind::down, State::Closing));
    EXPECT_EQ(wire.last().code(), 5);
}

// Down and Up of the lower layer restart negotiation (RFC 1661 §4.3).
TEST(FsmLowerLayer, DownThenUpRenegotiates) {
    Rig r;
    r.to_opened();
    r.notes.clear();
    r.lcp->down(r.now);
    EXPECT_EQ(r.lcp->state(), State::Starting);
    ASSERT_EQ(r.notes.kinds(), std::vector<NoticeKind>{NoticeKind::down});
    EXPECT_EQ(r.notes.got[0].reason, Reason::lower_down);
    r.wire.clear();
    r.lcp->up(r.now);
    EXPECT_EQ(r.lcp->state(), State::ReqSent);
    EXPECT_EQ(r.wire.codes(), std::vector<uint8_t>{1});
}

TEST(FsmLowerLayer, RenegotiationWhileOpenedReported) {
    Rig r;
    r.to_opened();
    r.notes.clear();
    r.good_confreq();
    ASSERT_EQ(r.notes.kinds(), std::vector<NoticeKind>{NoticeKind::down});
    EXPECT_EQ(r.notes.got[0].reason, Reason::renegotiate);
    r.ack_ours();
    EXPECT_TRUE(r.lcp->opened());
}

}  // namespace
}  // namespace lns::cp::ppp
