// The management thread's only way into the control core: it posts a command
// (a closure) and waits, bounded, for the control core to run it.  lnsd's
// control loop calls drain() every iteration; commands run there, on the
// control lcore, so the control core stays the only writer of its state and of
// the data-plane tables, and reads see consistent data.
//
// A command that times out before the control core picked it up is cancelled
// (never runs later); one already running is waited for, since it may refer to
// the caller's stack.
//
// Thread: run() from any thread but the control core (it would wait on
// itself); drain() from the control core only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace lns::mgmt {

struct QueueCounters {
    uint64_t posted = 0, executed = 0, timed_out = 0, rejected_closed = 0;
};

class CommandQueue {
  public:
    using Fn = std::function<void()>;
    enum class Result : uint8_t { done, timed_out, closed };

    // Runs `fn` on the control core; returns when it has run, or after
    // `timeout` (then it will not run), or at once when the queue is closed.
    Result run(Fn fn, std::chrono::milliseconds timeout);
    // Control core: runs every queued command.  Returns how many ran.
    unsigned drain();
    // No more commands (lnsd stopping): queued ones are dropped, run() returns closed.
    void close();
    QueueCounters counters() const;

  private:
    struct Item {
        Fn fn;
        enum State : uint8_t { queued, running, finished, cancelled } state = queued;
    };
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::shared_ptr<Item>> q_;
    std::atomic<bool> nonempty_{false};
    bool closed_ = false;
    QueueCounters c_;
};

}  // namespace lns::mgmt
