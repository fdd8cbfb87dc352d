// Sans-I/O neighbour resolver for ARP (RFC 826) and IPv6 ND (RFC 4861 §7.3):
// which requests to send and when, which entries are usable, when queued packets
// may be flushed or must be dropped.  It sends nothing, holds no packets and reads
// no clock: the caller passes `now` (nanoseconds, never decreasing; an earlier
// value is treated as the latest seen), sends the requests it is told to, holds the
// waiting packets itself, and calls on_timer() by next_deadline().
//
// Entries are indexed 0..capacity-1 by the caller, each a (port, IPv4 or IPv6
// address).  States, following RFC 4861 §7.3.2 where they apply:
//   None        configured, never resolved (Linux NUD_NONE).  A miss starts resolution.
//   Incomplete  request sent, no answer; packets may wait (pending_limit per entry);
//               retried every retry_ns, max_retries times, then Failed.
//   Reachable   MAC known and confirmed within reachable_ns.
//   Stale       reachable_ns elapsed: the MAC is still used, and a refresh request
//               is sent at once (so this merges RFC STALE/DELAY/PROBE: refreshing
//               is eager, not triggered by traffic), retried like Incomplete.
//               A reply makes it Reachable; max_retries unanswered make it Failed.
//   Failed      resolution or refresh failed; unusable; the next miss retries.
//   Static      configured MAC (set_static), never expires, replies do not change it.
//
// Cost: every call is O(1).  Deadlines are kept in two intrusive FIFO lists (one
// for retry_ns deadlines, one for reachable_ns deadlines): with a fixed offset and
// a non-decreasing clock, insertion order is deadline order, so the earliest
// deadline is always at a list head.  Memory is allocated once, in the constructor
// (about 64 bytes per entry).  No random jitter is applied to reachable_ns.
//
// Thread: owned by the control core; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "controlplane/net/ethernet.hpp"
#include "controlplane/net/ipv6.hpp"

namespace lns::cp::net {

enum class NeighborState : uint8_t { Unused, None, Incomplete, Reachable, Stale, Failed, Static };

const char *neighbor_state_name(NeighborState s);

struct NeighborAddr {
    bool is_v6 = false;
    uint32_t v4 = 0;  // host order, when !is_v6
    Ip6Addr v6{};     // when is_v6

    static NeighborAddr ipv4(uint32_t a) { return NeighborAddr{false, a, {}}; }
    static NeighborAddr ipv6(const Ip6Addr &a) { return NeighborAddr{true, 0, a}; }
    bool operator==(const NeighborAddr &) const = default;
};

struct NeighborConfig {
    uint64_t reachable_ns = 300'000'000'000;  // 300 s (arp.reachable_ms)
    uint64_t retry_ns = 1'000'000'000;        // 1 s (arp.retry_ms)
    uint32_t max_retries = 3;                 // retransmissions after the first request
    uint32_t pending_limit = 16;              // packets waiting per Incomplete entry
};

struct NeighborCounters {
    uint64_t misses = 0;             // on_miss calls on configured entries
    uint64_t requests_sent = 0;      // every request the caller was told to send
    uint64_t retries = 0;            // ... of which retransmissions
    uint64_t refreshes = 0;          // ... of which first refreshes of a Stale entry
    uint64_t replies = 0;            // replies accepted
    uint64_t replies_ignored = 0;    // replies for unused or static entries
    uint64_t queued = 0;             // packets accepted by note_queued
    uint64_t flushed = 0;            // waiting packets released by a reply / set_static
    uint64_t pending_overflow = 0;   // packets refused: entry already at pending_limit
    uint64_t failures = 0;           // entries that went to Failed
    uint64_t resolution_failed = 0;  // waiting packets to drop because their entry failed
};

enum class NeighborAction : uint8_t {
    send_request,  // Incomplete: send a broadcast ARP request / multicast NS again
    send_refresh,  // Stale: send a request; the old MAC is known (unicast probe possible)
    failed,        // now Failed: drop the `dropped` waiting packets, unpublish the MAC
};

struct NeighborEvent {
    uint32_t idx = 0;
    NeighborAction action = NeighborAction::send_request;
    uint32_t dropped = 0;  // failed: packets the caller was holding for idx
};

class NeighborResolver {
  public:
    // capacity < UINT32_MAX.  max_retries and pending_limit are taken as given.
    NeighborResolver(uint32_t capacity, const NeighborConfig &cfg);

    uint32_t capacity() const { return static_cast<uint32_t>(entries_.size()); }
    const NeighborConfig &config() const { return cfg_; }
    const NeighborCounters &counters() const { return counters_; }

    // Configures a free slot (state None).  False if idx is out of range or in use.
    bool add(uint32_t idx, uint16_t port, const NeighborAddr &addr);
    // Makes idx a static entry (configured or not).  Returns true if packets were
    // waiting for it: the caller sends them now.
    bool set_static(uint32_t idx, uint16_t port, const NeighborAddr &addr, const MacAddr &mac);
    // Frees idx.  Returns how many packets the caller was holding for it (to drop).
    uint32_t remove(uint32_t idx);

    // A packet needs idx and has no usable MAC.  Returns true when the caller must
    // send a request now (None or Failed -> Incomplete); false otherwise (already
    // Incomplete, usable, or not configured).
    bool on_miss(uint32_t idx, uint64_t now);
    // Whether one more packet may wait for idx (Incomplete and under pending_limit).
    bool may_queue(uint32_t idx) const;
    // The caller wants to hold one packet for idx.  True: accepted, hold it.
    // False: drop it (counted as pending_overflow when the limit was the reason).
    bool note_queued(uint32_t idx);
    // A reply (ARP reply or request from the neighbour, solicited NA) gave `mac`.
    // Entry -> Reachable for reachable_ns.  Returns true if packets were waiting:
    // the caller flushes them to `mac`.  Ignored for unused and static entries.
    bool on_reply(uint32_t idx, const MacAddr &mac, uint64_t now);

    // Handles one expired deadline; returns false when none is due at `now`.
    bool poll_timer(uint64_t now, NeighborEvent *ev);
    // Handles every deadline due at `now`, calling cb(const NeighborEvent &) for
    // each.  Returns the number of events.  cb may call back into the resolver.
    template <typename Callback>
    size_t on_timer(uint64_t now, Callback &&cb) {
        size_t n = 0;
        NeighborEvent ev;
        while (poll_timer(now, &ev)) {
            cb(static_cast<const NeighborEvent &>(ev));
            ++n;
        }
        return n;
    }
    // Earliest time on_timer must be called; UINT64_MAX if no deadline is pending.
    uint64_t next_deadline() const;

    NeighborState state(uint32_t idx) const;
    // Reachable, Stale or Static: the MAC may be used for forwarding.
    bool has_mac(uint32_t idx) const;
    const MacAddr &mac(uint32_t idx) const { return entries_[idx].mac; }
    uint16_t port(uint32_t idx) const { return entries_[idx].port; }
    const NeighborAddr &addr(uint32_t idx) const { return entries_[idx].addr; }
    uint32_t queued(uint32_t idx) const { return entries_[idx].queued; }

  private:
    static constexpr uint32_t kNil = UINT32_MAX;
    enum class TimerList : uint8_t { none, retry, reachable };

    struct List {
        uint32_t head = kNil;
        uint32_t tail = kNil;
    };

    struct Entry {
        uint64_t deadline = 0;
        uint32_t prev = kNil;
        uint32_t next = kNil;
        uint32_t queued = 0;
        uint32_t retries = 0;
        uint16_t port = 0;
        NeighborState state = NeighborState::Unused;
        TimerList timer = TimerList::none;
        MacAddr mac{};
        NeighborAddr addr;
    };

    List &list_of(TimerList t) { return t == TimerList::retry ? retry_ : reachable_; }
    void link(uint32_t idx, TimerList t, uint64_t deadline);
    void unlink(uint32_t idx);
    uint64_t advance_clock(uint64_t now);
    void expire(uint32_t idx, NeighborEvent *ev);
    void retry_or_fail(uint32_t idx, NeighborAction retry_action, NeighborEvent *ev);

    NeighborConfig cfg_;
    std::vector<Entry> entries_;
    List retry_;
    List reachable_;
    uint64_t now_ = 0;
    NeighborCounters counters_;
};

}  // namespace lns::cp::net
