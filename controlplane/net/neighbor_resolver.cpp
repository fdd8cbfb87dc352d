#include "controlplane/net/neighbor_resolver.hpp"

namespace lns::cp::net {

const char *neighbor_state_name(NeighborState s) {
    switch (s) {
        case NeighborState::Unused:
            return "UNUSED";
        case NeighborState::None:
            return "NONE";
        case NeighborState::Incomplete:
            return "INCOMPLETE";
        case NeighborState::Reachable:
            return "REACHABLE";
        case NeighborState::Stale:
            return "STALE";
        case NeighborState::Failed:
            return "FAILED";
        case NeighborState::Static:
            return "STATIC";
    }
    return "unknown";
}

namespace {

uint64_t add_sat(uint64_t a, uint64_t b) {
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

}  // namespace

NeighborResolver::NeighborResolver(uint32_t capacity, const NeighborConfig &cfg)
    : cfg_(cfg), entries_(capacity < kNil ? capacity : kNil - 1) {}

uint64_t NeighborResolver::advance_clock(uint64_t now) {
    if (now > now_) now_ = now;
    return now_;
}

void NeighborResolver::link(uint32_t idx, TimerList t, uint64_t deadline) {
    unlink(idx);
    Entry &e = entries_[idx];
    List &l = list_of(t);
    e.timer = t;
    e.deadline = deadline;
    e.prev = l.tail;
    e.next = kNil;
    if (l.tail == kNil)
        l.head = idx;
    else
        entries_[l.tail].next = idx;
    l.tail = idx;
}

void NeighborResolver::unlink(uint32_t idx) {
    Entry &e = entries_[idx];
    if (e.timer == TimerList::none) return;
    List &l = list_of(e.timer);
    if (e.prev == kNil)
        l.head = e.next;
    else
        entries_[e.prev].next = e.next;
    if (e.next == kNil)
        l.tail = e.prev;
    else
        entries_[e.next].prev = e.prev;
    e.prev = e.next = kNil;
    e.timer = TimerList::none;
}

bool NeighborResolver::add(uint32_t idx, uint16_t port, const NeighborAddr &addr) {
    if (idx >= capacity() || entries_[idx].state != NeighborState::Unused) return false;
    Entry &e = entries_[idx];
    e = Entry{};
    e.port = port;
    e.addr = addr;
    e.state = NeighborState::None;
    return true;
}

bool NeighborResolver::set_static(uint32_t idx, uint16_t port, const NeighborAddr &addr,
                                  const MacAddr &mac) {
    if (idx >= capacity()) return false;
    unlink(idx);
    Entry &e = entries_[idx];
    uint32_t waiting = e.state == NeighborState::Unused ? 0 : e.queued;
    e.port = port;
    e.addr = addr;
    e.mac = mac;
    e.state = NeighborState::Static;
    e.queued = 0;
    e.retries = 0;
    counters_.flushed += waiting;
    return waiting > 0;
}

uint32_t NeighborResolver::remove(uint32_t idx) {
    if (idx >= capacity()) return 0;
    unlink(idx);
    uint32_t waiting = entries_[idx].queued;
    entries_[idx] = Entry{};
    return waiting;
}

bool NeighborResolver::on_miss(uint32_t idx, uint64_t now) {
    if (idx >= capacity()) return false;
    Entry &e = entries_[idx];
    if (e.state == NeighborState::Unused) return false;
    ++counters_.misses;
    if (e.state != NeighborState::None && e.state != NeighborState::Failed) return false;
    e.state = NeighborState::Incomplete;
    e.retries = 0;
    e.queued = 0;
    link(idx, TimerList::retry, add_sat(advance_clock(now), cfg_.retry_ns));
    ++counters_.requests_sent;
    return true;
}

bool NeighborResolver::may_queue(uint32_t idx) const {
    return idx < capacity() && entries_[idx].state == NeighborState::Incomplete &&
           entries_[idx].queued < cfg_.pending_limit;
}

bool NeighborResolver::note_queued(uint32_t idx) {
    if (idx >= capacity() || entries_[idx].state != NeighborState::Incomplete) return false;
    Entry &e = entries_[idx];
    if (e.queued >= cfg_.pending_limit) {
        ++counters_.pending_overflow;
        return false;
    }
    ++e.queued;
    ++counters_.queued;
    return true;
}

bool NeighborResolver::on_reply(uint32_t idx, const MacAddr &mac, uint64_t now) {
    if (idx >= capacity() || entries_[idx].state == NeighborState::Unused ||
        entries_[idx].state == NeighborState::Static) {
        ++counters_.replies_ignored;
        return false;
    }
    Entry &e = entries_[idx];
    uint32_t waiting = e.queued;
    e.mac = mac;
    e.state = NeighborState::Reachable;
    e.retries = 0;
    e.queued = 0;
    link(idx, TimerList::reachable, add_sat(advance_clock(now), cfg_.reachable_ns));
    ++counters_.replies;
    counters_.flushed += waiting;
    return waiting > 0;
}

uint64_t NeighborResolver::next_deadline() const {
    uint64_t d = UINT64_MAX;
    if (retry_.head != kNil) d = entries_[retry_.head].deadline;
    if (reachable_.head != kNil && entries_[reachable_.head].deadline < d)
        d = entries_[reachable_.head].deadline;
    return d;
}

bool NeighborResolver::poll_timer(uint64_t now, NeighborEvent *ev) {
    now = advance_clock(now);
    uint32_t idx = kNil;
    uint64_t best = UINT64_MAX;
    if (retry_.head != kNil) {
        idx = retry_.head;
        best = entries_[idx].deadline;
    }
    if (reachable_.head != kNil && entries_[reachable_.head].deadline < best) {
        idx = reachable_.head;
        best = entries_[idx].deadline;
    }
    if (idx == kNil || best > now) return false;
    expire(idx, ev);
    return true;
}

void NeighborResolver::expire(uint32_t idx, NeighborEvent *ev) {
    Entry &e = entries_[idx];
    *ev = NeighborEvent{idx, NeighborAction::send_request, 0};
    switch (e.state) {
        case NeighborState::Reachable:
            e.state = NeighborState::Stale;
            e.retries = 0;
            link(idx, TimerList::retry, add_sat(now_, cfg_.retry_ns));
            ++counters_.requests_sent;
            ++counters_.refreshes;
            ev->action = NeighborAction::send_refresh;
            return;
        case NeighborState::Incomplete:
            retry_or_fail(idx, NeighborAction::send_request, ev);
            return;
        case NeighborState::Stale:
            retry_or_fail(idx, NeighborAction::send_refresh, ev);
            return;
        default:  // no other state is ever linked
            unlink(idx);
            return;
    }
}

void NeighborResolver::retry_or_fail(uint32_t idx, NeighborAction retry_action, NeighborEvent *ev) {
    Entry &e = entries_[idx];
    if (e.retries < cfg_.max_retries) {
        ++e.retries;
        link(idx, TimerList::retry, add_sat(now_, cfg_.retry_ns));
        ++counters_.requests_sent;
        ++counters_.retries;
        ev->action = retry_action;
        return;
    }
    unlink(idx);
    e.state = NeighborState::Failed;
    ev->action = NeighborAction::failed;
    ev->dropped = e.queued;
    counters_.resolution_failed += e.queued;
    ++counters_.failures;
    e.queued = 0;
    e.retries = 0;
}

NeighborState NeighborResolver::state(uint32_t idx) const {
    return idx < capacity() ? entries_[idx].state : NeighborState::Unused;
}

bool NeighborResolver::has_mac(uint32_t idx) const {
    NeighborState s = state(idx);
    return s == NeighborState::Reachable || s == NeighborState::Stale || s == NeighborState::Static;
}

}  // namespace lns::cp::net
