// NeighborResolver tests (controlplane/net/neighbor_resolver.hpp), driven by a
// fake clock, plus a randomised comparison against a linear-scan reference model.
#include "controlplane/net/neighbor_resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>
#include <vector>

namespace lns::cp::net {
namespace {

constexpr uint64_t kSec = 1'000'000'000;
constexpr MacAddr kMacA = {0x52, 0x54, 0, 0, 0, 0x0a};
constexpr MacAddr kMacB = {0x52, 0x54, 0, 0, 0, 0x0b};

NeighborConfig test_config() {
    NeighborConfig c;
    c.reachable_ns = 30 * kSec;
    c.retry_ns = 1 * kSec;
    c.max_retries = 3;
    c.pending_limit = 4;
    return c;
}

std::vector<NeighborEvent> run_timer(NeighborResolver &r, uint64_t now) {
    std::vector<NeighborEvent> evs;
    r.on_timer(now, [&](const NeighborEvent &ev) { evs.push_back(ev); });
    return evs;
}

TEST(NeighborResolver, MissRetriesThenFails) {
    NeighborResolver r(8, test_config());
    ASSERT_TRUE(r.add(3, 1, NeighborAddr::ipv4(0xc0000202)));
    EXPECT_EQ(r.state(3), NeighborState::None);
    EXPECT_EQ(r.next_deadline(), UINT64_MAX);

    uint64_t t = 100 * kSec;
    EXPECT_TRUE(r.on_miss(3, t));  // first miss: send a request
    EXPECT_EQ(r.state(3), NeighborState::Incomplete);
    EXPECT_FALSE(r.has_mac(3));
    EXPECT_FALSE(r.on_miss(3, t + 1));  // already resolving: nothing to send
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(r.may_queue(3));
        EXPECT_TRUE(r.note_queued(3));
    }
    EXPECT_FALSE(r.may_queue(3));
    EXPECT_FALSE(r.note_queued(3));  // over pending_limit
    EXPECT_EQ(r.counters().pending_overflow, 1u);
    EXPECT_EQ(r.queued(3), 4u);
    EXPECT_EQ(r.next_deadline(), t + kSec);

    EXPECT_TRUE(run_timer(r, t + kSec - 1).empty());
    for (uint64_t i = 1; i <= 3; ++i) {
        auto evs = run_timer(r, t + i * kSec);
        ASSERT_EQ(evs.size(), 1u) << i;
        EXPECT_EQ(evs[0].idx, 3u);
        EXPECT_EQ(evs[0].action, NeighborAction::send_request);
        EXPECT_EQ(r.next_deadline(), t + (i + 1) * kSec);
    }
    auto evs = run_timer(r, t + 4 * kSec);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].action, NeighborAction::failed);
    EXPECT_EQ(evs[0].dropped, 4u);
    EXPECT_EQ(r.state(3), NeighborState::Failed);
    EXPECT_EQ(r.queued(3), 0u);
    EXPECT_EQ(r.next_deadline(), UINT64_MAX);
    EXPECT_FALSE(r.note_queued(3));

    const NeighborCounters &c = r.counters();
    EXPECT_EQ(c.requests_sent, 4u);
    EXPECT_EQ(c.retries, 3u);
    EXPECT_EQ(c.failures, 1u);
    EXPECT_EQ(c.resolution_failed, 4u);
    EXPECT_EQ(c.queued, 4u);

    // A failed entry is retried on the next miss.
    EXPECT_TRUE(r.on_miss(3, t + 10 * kSec));
    EXPECT_EQ(r.state(3), NeighborState::Incomplete);
    EXPECT_EQ(r.next_deadline(), t + 11 * kSec);
}

TEST(NeighborResolver, ReplyFlushesWaitingPackets) {
    NeighborResolver r(8, test_config());
    ASSERT_TRUE(r.add(0, 2, NeighborAddr::ipv4(0x0a000001)));
    uint64_t t = 5 * kSec;
    EXPECT_TRUE(r.on_miss(0, t));
    EXPECT_TRUE(r.note_queued(0));
    EXPECT_TRUE(r.note_queued(0));
    EXPECT_TRUE(r.on_reply(0, kMacA, t + kSec / 2));  // packets waited: flush them
    EXPECT_EQ(r.state(0), NeighborState::Reachable);
    EXPECT_TRUE(r.has_mac(0));
    EXPECT_EQ(r.mac(0), kMacA);
    EXPECT_EQ(r.queued(0), 0u);
    EXPECT_EQ(r.port(0), 2u);
    EXPECT_EQ(r.addr(0), NeighborAddr::ipv4(0x0a000001));
    EXPECT_EQ(r.counters().flushed, 2u);
    EXPECT_EQ(r.next_deadline(), t + kSec / 2 + 30 * kSec);
    EXPECT_TRUE(run_timer(r, t + 2 * kSec).empty());  // the retry was cancelled
    EXPECT_FALSE(r.on_miss(0, t + 2 * kSec));         // usable: no request
    EXPECT_FALSE(r.note_queued(0));
    EXPECT_FALSE(r.on_reply(0, kMacA, t + 3 * kSec));  // nothing waiting
    EXPECT_EQ(r.counters().replies, 2u);
    EXPECT_EQ(r.counters().requests_sent, 1u);
}

TEST(NeighborResolver, StaleEntryIsRefreshedWhileUsable) {
    NeighborResolver r(4, test_config());
    Ip6Addr gw{0x20, 0x01, 0x0d, 0xb8};
    ASSERT_TRUE(r.add(1, 0, NeighborAddr::ipv6(gw)));
    EXPECT_TRUE(r.on_miss(1, 0));
    EXPECT_FALSE(r.on_reply(1, kMacA, kSec));
    uint64_t expiry = kSec + 30 * kSec;
    EXPECT_EQ(r.next_deadline(), expiry);

    auto evs = run_timer(r, expiry);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].action, NeighborAction::send_refresh);
    EXPECT_EQ(r.state(1), NeighborState::Stale);
    EXPECT_TRUE(r.has_mac(1));  // the data plane keeps the old MAC meanwhile
    EXPECT_EQ(r.mac(1), kMacA);
    EXPECT_FALSE(r.on_miss(1, expiry));
    EXPECT_EQ(r.counters().refreshes, 1u);

    evs = run_timer(r, expiry + kSec);  // unanswered: retried
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].action, NeighborAction::send_refresh);
    EXPECT_FALSE(r.on_reply(1, kMacB, expiry + kSec + 5));  // new MAC
    EXPECT_EQ(r.state(1), NeighborState::Reachable);
    EXPECT_EQ(r.mac(1), kMacB);
    EXPECT_EQ(r.next_deadline(), expiry + kSec + 5 + 30 * kSec);
}

TEST(NeighborResolver, FailedRefreshWithdrawsMac) {
    NeighborResolver r(4, test_config());
    ASSERT_TRUE(r.add(2, 0, NeighborAddr::ipv4(1)));
    r.on_miss(2, 0);
    r.on_reply(2, kMacA, 0);
    uint64_t t = 30 * kSec;
    auto evs = run_timer(r, t);
    ASSERT_EQ(evs.size(), 1u);
    for (uint64_t i = 1; i <= 3; ++i) {
        evs = run_timer(r, t + i * kSec);
        ASSERT_EQ(evs.size(), 1u);
        EXPECT_EQ(evs[0].action, NeighborAction::send_refresh);
    }
    evs = run_timer(r, t + 4 * kSec);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].action, NeighborAction::failed);
    EXPECT_EQ(evs[0].dropped, 0u);
    EXPECT_FALSE(r.has_mac(2));
    EXPECT_EQ(r.counters().requests_sent, 1u + 1u + 3u);
    EXPECT_EQ(r.counters().failures, 1u);
}

TEST(NeighborResolver, LateTimerCatchesUpInOrder) {
    NeighborResolver r(4, test_config());
    for (uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(r.add(i, 0, NeighborAddr::ipv4(i)));
    r.on_miss(2, 0);
    r.on_miss(0, 10);
    r.on_miss(1, 20);
    // Called far too late: each entry gets one event per call, the oldest first.
    auto evs = run_timer(r, 100 * kSec);
    ASSERT_EQ(evs.size(), 3u);
    EXPECT_EQ(evs[0].idx, 2u);
    EXPECT_EQ(evs[1].idx, 0u);
    EXPECT_EQ(evs[2].idx, 1u);
    EXPECT_EQ(r.next_deadline(), 101 * kSec);
}

TEST(NeighborResolver, StaticEntriesNeverExpire) {
    NeighborResolver r(4, test_config());
    ASSERT_TRUE(r.add(0, 0, NeighborAddr::ipv4(7)));
    r.on_miss(0, 0);
    r.note_queued(0);
    EXPECT_TRUE(r.set_static(0, 3, NeighborAddr::ipv4(7), kMacA));  // flush the waiting one
    EXPECT_EQ(r.state(0), NeighborState::Static);
    EXPECT_EQ(r.port(0), 3u);
    EXPECT_EQ(r.next_deadline(), UINT64_MAX);
    EXPECT_TRUE(run_timer(r, UINT64_MAX - 1).empty());
    EXPECT_FALSE(r.on_miss(0, 1));
    EXPECT_FALSE(r.on_reply(0, kMacB, 2));  // a reply does not override a static entry
    EXPECT_EQ(r.mac(0), kMacA);
    EXPECT_EQ(r.counters().replies_ignored, 1u);
    EXPECT_TRUE(r.has_mac(0));
    EXPECT_FALSE(r.set_static(1, 0, NeighborAddr::ipv4(8), kMacB));  // unconfigured slot
    EXPECT_EQ(r.state(1), NeighborState::Static);
}

TEST(NeighborResolver, UnusedAndOutOfRangeIndexes) {
    NeighborResolver r(2, test_config());
    EXPECT_FALSE(r.on_miss(0, 0));
    EXPECT_FALSE(r.on_miss(5, 0));
    EXPECT_FALSE(r.note_queued(5));
    EXPECT_FALSE(r.may_queue(5));
    EXPECT_FALSE(r.on_reply(5, kMacA, 0));
    EXPECT_FALSE(r.on_reply(1, kMacA, 0));
    EXPECT_EQ(r.state(1), NeighborState::Unused);
    EXPECT_FALSE(r.add(2, 0, NeighborAddr::ipv4(1)));
    EXPECT_TRUE(r.add(1, 0, NeighborAddr::ipv4(1)));
    EXPECT_FALSE(r.add(1, 0, NeighborAddr::ipv4(1)));  // in use
    EXPECT_EQ(r.counters().misses, 0u);
    EXPECT_STREQ(neighbor_state_name(NeighborState::Incomplete), "INCOMPLETE");
    EXPECT_STREQ(neighbor_state_name(NeighborState::Stale), "STALE");
}

TEST(NeighborResolver, RemoveUnlinksAndReportsWaiting) {
    NeighborResolver r(4, test_config());
    for (uint32_t i = 0; i < 3; ++i) {
        ASSERT_TRUE(r.add(i, 0, NeighborAddr::ipv4(i)));
        r.on_miss(i, i);
    }
    r.note_queued(1);
    r.note_queued(1);
    EXPECT_EQ(r.remove(1), 2u);  // middle of the list
    EXPECT_EQ(r.state(1), NeighborState::Unused);
    EXPECT_EQ(r.remove(0), 0u);  // head
    EXPECT_EQ(r.next_deadline(), kSec + 2);
    auto evs = run_timer(r, 2 * kSec);
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].idx, 2u);
    EXPECT_TRUE(r.add(1, 0, NeighborAddr::ipv4(9)));  // slot reusable
}

TEST(NeighborResolver, CallbackMayReenter) {
    NeighborResolver r(4, test_config());
    for (uint32_t i = 0; i < 2; ++i) {
        ASSERT_TRUE(r.add(i, 0, NeighborAddr::ipv4(i)));
        r.on_miss(i, 0);
    }
    size_t n = r.on_timer(kSec, [&](const NeighborEvent &ev) {
        if (ev.idx == 0) r.on_reply(1, kMacA, kSec);  // answers the other one meanwhile
    });
    EXPECT_EQ(n, 1u);
    EXPECT_EQ(r.state(1), NeighborState::Reachable);
}

TEST(NeighborResolver, ClockGoingBackwardsIsClamped) {
    NeighborResolver r(4, test_config());
    ASSERT_TRUE(r.add(0, 0, NeighborAddr::ipv4(1)));
    ASSERT_TRUE(r.add(1, 0, NeighborAddr::ipv4(2)));
    r.on_miss(0, 10 * kSec);
    r.on_miss(1, 5 * kSec);  // earlier than already seen: treated as 10 s
    EXPECT_EQ(r.next_deadline(), 11 * kSec);
    auto evs = run_timer(r, 11 * kSec);
    EXPECT_EQ(evs.size(), 2u);
}

TEST(NeighborResolver, ScalesToManyEntries) {
    // 1M capacity, 200k resolving at once: every operation is O(1).
    NeighborConfig cfg = test_config();
    NeighborResolver r(1u << 20, cfg);
    constexpr uint32_t kN = 200'000;
    for (uint32_t i = 0; i < kN; ++i) {
        uint32_t idx = i * 5;
        ASSERT_TRUE(r.add(idx, 0, NeighborAddr::ipv4(i)));
        ASSERT_TRUE(r.on_miss(idx, i));
        if (i % 2 == 0) r.on_reply(idx, kMacA, i + 10);
    }
    size_t sends = 0;
    uint64_t last = 0;
    bool ordered = true;
    auto drive_until = [&](uint64_t end) {
        while (r.next_deadline() <= end) {
            uint64_t now = r.next_deadline();
            ordered = ordered && now >= last;
            last = now;
            r.on_timer(now, [&](const NeighborEvent &) { ++sends; });
        }
    };
    drive_until(29 * kSec);  // the unanswered half fails after 3 retries
    EXPECT_EQ(r.counters().failures, kN / 2u);
    EXPECT_EQ(r.counters().retries, 3u * (kN / 2u));
    EXPECT_EQ(r.state(0), NeighborState::Reachable);
    EXPECT_EQ(r.state(5), NeighborState::Failed);
    drive_until(40 * kSec);  // the answered half goes stale, refreshes, is never answered
    EXPECT_EQ(r.counters().refreshes, kN / 2u);
    EXPECT_EQ(r.counters().failures, kN);
    EXPECT_EQ(sends, 4u * kN + kN / 2u);  // 3 retries + failure; refresh + 3 retries + failure
    EXPECT_TRUE(ordered);
    EXPECT_EQ(r.next_deadline(), UINT64_MAX);
}

// ---- Randomised comparison against a linear-scan reference ---------------------

struct RefEntry {
    NeighborState st = NeighborState::Unused;
    int list = 0;  // 0 none, 1 retry, 2 reachable
    uint64_t deadline = 0;
    uint64_t seq = 0;
    uint32_t queued = 0;
    uint32_t retries = 0;
    MacAddr mac{};
};

// The specification of NeighborResolver, written the obvious way.
class RefResolver {
  public:
    RefResolver(uint32_t cap, NeighborConfig cfg) : cfg_(cfg), e_(cap) {}
    NeighborCounters c;

    bool add(uint32_t i) {
        if (i >= e_.size() || e_[i].st != NeighborState::Unused) return false;
        e_[i] = RefEntry{};
        e_[i].st = NeighborState::None;
        return true;
    }
    uint32_t remove(uint32_t i) {
        uint32_t q = e_[i].queued;
        e_[i] = RefEntry{};
        return q;
    }
    bool set_static(uint32_t i, MacAddr m) {
        uint32_t q = e_[i].st == NeighborState::Unused ? 0 : e_[i].queued;
        e_[i] = RefEntry{};
        e_[i].st = NeighborState::Static;
        e_[i].mac = m;
        c.flushed += q;
        return q > 0;
    }
    bool on_miss(uint32_t i, uint64_t now) {
        tick(now);
        RefEntry &e = e_[i];
        if (e.st == NeighborState::Unused) return false;
        ++c.misses;
        if (e.st != NeighborState::None && e.st != NeighborState::Failed) return false;
        e.st = NeighborState::Incomplete;
        e.retries = e.queued = 0;
        arm(e, 1, now_ + cfg_.retry_ns);
        ++c.requests_sent;
        return true;
    }
    bool note_queued(uint32_t i) {
        RefEntry &e = e_[i];
        if (e.st != NeighborState::Incomplete) return false;
        if (e.queued >= cfg_.pending_limit) return ++c.pending_overflow, false;
        ++e.queued;
        ++c.queued;
        return true;
    }
    bool on_reply(uint32_t i, MacAddr m, uint64_t now) {
        RefEntry &e = e_[i];
        if (e.st == NeighborState::Unused || e.st == NeighborState::Static)
            return ++c.replies_ignored, false;
        tick(now);
        uint32_t q = e.queued;
        e.st = NeighborState::Reachable;
        e.mac = m;
        e.queued = e.retries = 0;
        arm(e, 2, now_ + cfg_.reachable_ns);
        ++c.replies;
        c.flushed += q;
        return q > 0;
    }
    bool poll(uint64_t now, NeighborEvent *ev) {
        tick(now);
        RefEntry *best = nullptr;
        for (RefEntry &e : e_) {
            if (e.list == 0) continue;
            if (!best || std::tuple(e.deadline, e.list, e.seq) <
                             std::tuple(best->deadline, best->list, best->seq))
                best = &e;
        }
        if (!best || best->deadline > now_) return false;
        RefEntry &e = *best;
        *ev =
            NeighborEvent{static_cast<uint32_t>(best - e_.data()), NeighborAction::send_request, 0};
        if (e.st == NeighborState::Reachable) {
            e.st = NeighborState::Stale;
            e.retries = 0;
            arm(e, 1, now_ + cfg_.retry_ns);
            ++c.requests_sent;
            ++c.refreshes;
            ev->action = NeighborAction::send_refresh;
        } else if (e.retries < cfg_.max_retries) {
            ++e.retries;
            arm(e, 1, now_ + cfg_.retry_ns);
            ++c.requests_sent;
            ++c.retries;
            ev->action = e.st == NeighborState::Stale ? NeighborAction::send_refresh
                                                      : NeighborAction::send_request;
        } else {
            e.list = 0;
            e.st = NeighborState::Failed;
            ev->action = NeighborAction::failed;
            ev->dropped = e.queued;
            c.resolution_failed += e.queued;
            ++c.failures;
            e.queued = e.retries = 0;
        }
        return true;
    }
    uint64_t next_deadline() const {
        uint64_t d = UINT64_MAX;
        for (const RefEntry &e : e_)
            if (e.list != 0 && e.deadline < d) d = e.deadline;
        return d;
    }
    const RefEntry &at(uint32_t i) const { return e_[i]; }

  private:
    void tick(uint64_t now) { now_ = std::max(now_, now); }
    void arm(RefEntry &e, int list, uint64_t d) {
        e.list = list;
        e.deadline = d;
        e.seq = ++seq_;
    }
    NeighborConfig cfg_;
    std::vector<RefEntry> e_;
    uint64_t now_ = 0;
    uint64_t seq_ = 0;
};

bool same_counters(const NeighborCounters &a, const NeighborCounters &b) {
    return a.misses == b.misses && a.requests_sent == b.requests_sent && a.retries == b.retries &&
           a.refreshes == b.refreshes && a.replies == b.replies &&
           a.replies_ignored == b.replies_ignored && a.queued == b.queued &&
           a.flushed == b.flushed && a.pending_overflow == b.pending_overflow &&
           a.failures == b.failures && a.resolution_failed == b.resolution_failed;
}

TEST(NeighborResolver, MatchesReferenceModel) {
    NeighborConfig cfg;
    cfg.reachable_ns = 20;
    cfg.retry_ns = 3;
    cfg.max_retries = 2;
    cfg.pending_limit = 3;
    constexpr uint32_t kCap = 24;
    for (uint32_t seed = 1; seed <= 20; ++seed) {
        std::mt19937 rng(seed);
        NeighborResolver r(kCap, cfg);
        RefResolver ref(kCap, cfg);
        uint64_t now = 0;
        for (int step = 0; step < 20000; ++step) {
            uint32_t i = rng() % kCap;
            MacAddr mac = {2, 0, 0, 0, 0, static_cast<uint8_t>(rng())};
            switch (rng() % 10) {
                case 0:
                    ASSERT_EQ(r.add(i, 0, NeighborAddr::ipv4(i)), ref.add(i));
                    break;
                case 1:
                    if (rng() % 8 == 0) {
                        ASSERT_EQ(r.remove(i), ref.remove(i));
                    }
                    if (rng() % 8 == 0) {
                        ASSERT_EQ(r.set_static(i, 0, {}, mac), ref.set_static(i, mac));
                    }
                    break;
                case 2:
                case 3:
                    ASSERT_EQ(r.on_miss(i, now), ref.on_miss(i, now)) << step;
                    break;
                case 4:
                    ASSERT_EQ(r.note_queued(i), ref.note_queued(i)) << step;
                    break;
                case 5:
                    ASSERT_EQ(r.on_reply(i, mac, now), ref.on_reply(i, mac, now)) << step;
                    break;
                default: {
                    now += rng() % 4;
                    NeighborEvent a, b;
                    for (;;) {
                        bool got = r.poll_timer(now, &a);
                        ASSERT_EQ(got, ref.poll(now, &b)) << step;
                        if (!got) break;
                        ASSERT_EQ(a.idx, b.idx) << step;
                        ASSERT_EQ(a.action, b.action) << step;
                        ASSERT_EQ(a.dropped, b.dropped) << step;
                    }
                }
            }
            ASSERT_EQ(r.next_deadline(), ref.next_deadline()) << step;
            ASSERT_EQ(r.state(i), ref.at(i).st) << step;
            ASSERT_EQ(r.queued(i), ref.at(i).queued) << step;
            if (r.has_mac(i)) {
                ASSERT_EQ(r.mac(i), ref.at(i).mac) << step;
            }
            ASSERT_TRUE(same_counters(r.counters(), ref.c)) << step;
        }
    }
}

}  // namespace
}  // namespace lns::cp::net
