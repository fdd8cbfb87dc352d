// CommandQueue: commands run on the draining thread, in order; a command not
// picked up in time is cancelled and never runs; closing answers at once.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mgmt/command_queue.hpp"

namespace lns::mgmt {
namespace {

using namespace std::chrono_literals;

TEST(CommandQueue, RunsOnTheDrainingThread) {
    CommandQueue q;
    std::atomic<bool> stop{false};
    std::thread::id core_id;
    std::thread core([&] {
        core_id = std::this_thread::get_id();
        while (!stop) {
            q.drain();
            std::this_thread::yield();
        }
    });
    std::vector<int> order;
    std::thread::id ran_on;
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(q.run(
                      [&, i] {
                          order.push_back(i);
                          ran_on = std::this_thread::get_id();
                      },
                      5s),
                  CommandQueue::Result::done);
    stop = true;
    core.join();
    EXPECT_EQ(ran_on, core_id);
    ASSERT_EQ(order.size(), 100u);
    for (int i = 0; i < 100; i++) EXPECT_EQ(order[size_t(i)], i);
    EXPECT_EQ(q.counters().executed, 100u);
}

TEST(CommandQueue, TimedOutCommandNeverRuns) {
    CommandQueue q;
    bool ran = false;
    EXPECT_EQ(q.run([&] { ran = true; }, 20ms), CommandQueue::Result::timed_out);
    EXPECT_EQ(q.drain(), 0u);  // the control core comes back later: it is skipped
    EXPECT_FALSE(ran);
    EXPECT_EQ(q.counters().timed_out, 1u);
}

TEST(CommandQueue, RunningCommandIsWaitedFor) {
    CommandQueue q;
    std::atomic<bool> started{false};
    int value = 0;
    std::thread core([&] {
        while (!started) {
            q.drain();
            std::this_thread::yield();
        }
    });
    // Longer than the timeout, but it started in time: run() waits for it.
    const auto r = q.run(
        [&] {
            started = true;
            std::this_thread::sleep_for(50ms);
            value = 42;
        },
        10ms);
    core.join();
    EXPECT_EQ(r, CommandQueue::Result::done);
    EXPECT_EQ(value, 42);
}

TEST(CommandQueue, ClosedAnswersAtOnce) {
    CommandQueue q;
    q.close();
    bool ran = false;
    EXPECT_EQ(q.run([&] { ran = true; }, 5s), CommandQueue::Result::closed);
    q.drain();
    EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace lns::mgmt
