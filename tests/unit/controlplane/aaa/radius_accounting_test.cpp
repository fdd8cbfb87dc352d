// AcctSession and InterimScheduler: the requests a session record produces and
// the interim grid.
#include "controlplane/aaa/radius_accounting.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lns::cp::aaa {
namespace {

constexpr uint64_t kSec = 1000000000ull;

TEST(AcctSession, RequestsFromAnAccept) {
    AccessReply rep;
    rep.has_framed_ip = true;
    rep.framed_ip = 0x64400007;
    rep.classes = {"cls"};
    rep.has_framed_ipv6_prefix = true;
    rep.framed_ipv6_prefix.len = 64;
    AcctSession s;
    s.user_name = "alice";
    s.session_id = format_session_id(0x5f3a00c1, 42);
    EXPECT_EQ(s.session_id, "5f3a00c1-0000002a");
    s.apply_reply(rep);
    s.start_ns = 100 * kSec;
    TrafficCounters c{5000000000ull, 10, 3, 4};
    AccountingRequest start = s.request(AcctStatusType::Start, {}, 100 * kSec, 1700000000);
    EXPECT_EQ(start.framed_ip, 0x64400007u);
    ASSERT_EQ(start.classes.size(), 1u);
    EXPECT_EQ(start.classes[0], "cls");
    ASSERT_NE(start.framed_ipv6_prefix, nullptr);
    EXPECT_EQ(start.delegated_ipv6_prefix, nullptr);
    EXPECT_EQ(start.event_timestamp, 1700000000u);
    AccountingRequest stop =
        s.request(AcctStatusType::Stop, c, 190 * kSec + 5, 1700000090, TerminateCause::LostCarrier);
    EXPECT_EQ(stop.session_time_s, 90u);
    EXPECT_EQ(stop.cause, TerminateCause::LostCarrier);
    EXPECT_EQ(stop.counters.in_octets, 5000000000ull);
    AccountingRequest interim = s.request(AcctStatusType::InterimUpdate, c, 150 * kSec, 0,
                                          TerminateCause::LostCarrier);
    EXPECT_EQ(interim.cause, TerminateCause::None);  // Stop only
    // An Access-Accept with "NAS chooses" (0xFFFFFFFE) leaves framed_ip alone.
    rep.framed_ip = 0xFFFFFFFE;
    s.framed_ip = 0x0a000001;
    s.apply_reply(rep);
    EXPECT_EQ(s.framed_ip, 0x0a000001u);
    EXPECT_STREQ(terminate_cause_name(TerminateCause::SessionTimeout), "session_timeout");
}

TEST(AcctSession, InterimGridDoesNotDrift) {
    AcctSession s;
    s.start_ns = 10 * kSec;
    EXPECT_EQ(s.next_interim_due(10 * kSec), UINT64_MAX);
    s.interim_s = 60;
    EXPECT_EQ(s.next_interim_due(10 * kSec), 70 * kSec);
    EXPECT_EQ(s.next_interim_due(70 * kSec), 130 * kSec);     // at the tick: the next one
    EXPECT_EQ(s.next_interim_due(75 * kSec), 130 * kSec);     // late: back on the grid
    EXPECT_EQ(s.next_interim_due(5 * kSec), 70 * kSec);
}

TEST(InterimScheduler, PopsDueInOrderAndAllowsRescheduling) {
    InterimScheduler sched;
    sched.schedule(1, 30);
    sched.schedule(2, 10);
    sched.schedule(3, 20);
    sched.schedule(4, UINT64_MAX);  // ignored
    EXPECT_EQ(sched.size(), 3u);
    EXPECT_EQ(sched.next_deadline(), 10u);
    std::vector<uint64_t> keys;
    sched.pop_due(25, [&](uint64_t key, uint64_t due) {
        keys.push_back(key);
        if (key == 2) sched.schedule(2, due + 100);
    });
    EXPECT_EQ(keys, (std::vector<uint64_t>{2, 3}));
    EXPECT_EQ(sched.next_deadline(), 30u);
    keys.clear();
    sched.pop_due(1000, [&](uint64_t key, uint64_t) { keys.push_back(key); });
    EXPECT_EQ(keys, (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(sched.next_deadline(), UINT64_MAX);
}

}  // namespace
}  // namespace lns::cp::aaa
