#include "mgmt/command_queue.hpp"

namespace lns::mgmt {

CommandQueue::Result CommandQueue::run(Fn fn, std::chrono::milliseconds timeout) {
    auto item = std::make_shared<Item>();
    item->fn = std::move(fn);
    std::unique_lock lk(mu_);
    if (closed_) {
        c_.rejected_closed++;
        return Result::closed;
    }
    q_.push_back(item);
    c_.posted++;
    nonempty_.store(true, std::memory_order_release);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (item->state != Item::finished) {
        if (item->state == Item::cancelled) return Result::closed;
        if (item->state == Item::queued &&
            cv_.wait_until(lk, deadline) == std::cv_status::timeout &&
            item->state == Item::queued) {
            item->state = Item::cancelled;  // drain() skips it
            c_.timed_out++;
            return Result::timed_out;
        }
        if (item->state == Item::running) cv_.wait(lk);
    }
    return Result::done;
}

unsigned CommandQueue::drain() {
    if (!nonempty_.load(std::memory_order_acquire)) return 0;
    unsigned n = 0;
    std::unique_lock lk(mu_);
    while (!q_.empty()) {
        std::shared_ptr<Item> item = std::move(q_.front());
        q_.pop_front();
        if (item->state != Item::queued) continue;
        item->state = Item::running;
        lk.unlock();
        item->fn();
        lk.lock();
        item->state = Item::finished;
        c_.executed++;
        n++;
    }
    nonempty_.store(false, std::memory_order_release);
    lk.unlock();
    cv_.notify_all();
    return n;
}

void CommandQueue::close() {
    {
        std::lock_guard lk(mu_);
        closed_ = true;
        for (auto &item : q_)
            if (item->state == Item::queued) item->state = Item::cancelled;
        q_.clear();
        nonempty_.store(false, std::memory_order_release);
    }
    cv_.notify_all();
}

QueueCounters CommandQueue::counters() const {
    std::lock_guard lk(mu_);
    return c_;
}

}  // namespace lns::mgmt
