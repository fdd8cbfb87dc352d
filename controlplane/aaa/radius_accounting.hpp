// Accounting helpers for the owner of sessions (lnsd's control core): a session
// record that knows what RFC 2866 / 2869 want in its Start, Interim-Update and
// Stop, and a timer heap for interim updates.  The requests are sent with
// RadiusClient::submit_accounting().
//
//   AcctSession s;  s.session_id = ...;  s.apply_reply(accept_reply);  s.start_ns = now;
//   client.submit_accounting(s.request(AcctStatusType::Start, {}, now, unix_now), tag, now);
//   s.interim_s = interim_interval_s(reply, cfg_default);      // RFC 2869 §5.16
//   sched.schedule(key, s.next_interim_due(now));
//   ... on_timer: sched.pop_due(now, [&](key, due) { if (due == session.due) send interim,
//                                                     reschedule; });
//   client.submit_accounting(s.request(AcctStatusType::Stop, counters, now, unix_now,
//                                      TerminateCause::UserRequest), tag, now);
//
// Thread: one owner; plain data.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "controlplane/aaa/radius_attrs.hpp"

namespace lns::cp::aaa {

struct AcctSession {
    std::string user_name;
    std::string session_id;  // Acct-Session-Id, unique per NAS reboot (RFC 2866 §5.5)
    std::string calling_station_id, called_station_id, nas_port_id;
    bool has_nas_port = false;
    uint32_t nas_port = 0;
    uint32_t framed_ip = 0;  // host order, 0: none
    bool has_framed_ipv6_prefix = false, has_delegated_ipv6_prefix = false;
    Ipv6Prefix framed_ipv6_prefix, delegated_ipv6_prefix;
    std::vector<std::string> classes;  // Class from the Access-Accept (RFC 2865 §5.25)
    uint32_t authentic = 1;            // Acct-Authentic: 1 RADIUS, 2 Local
    uint64_t start_ns = 0;             // monotonic: Acct-Session-Time counts from here
    uint32_t interim_s = 0;            // 0: no interim updates

    // Takes Class, Framed-IP-Address and the IPv6 prefixes from an Access-Accept
    // (an address the owner chose from a pool is set in framed_ip afterwards).
    void apply_reply(const AccessReply &r);

    // The request for `status`: counters and session time for Interim-Update and
    // Stop, `cause` for Stop.  `unix_now` (seconds) becomes Event-Timestamp (0:
    // none).  The view points into this record and `counters`: use it before
    // they change (submit_accounting copies it).
    AccountingRequest request(AcctStatusType status, const TrafficCounters &counters,
                              uint64_t now_ns, uint32_t unix_now,
                              TerminateCause cause = TerminateCause::None) const;

    // Next interim time after `now`, on the grid start_ns + k * interim_s (no
    // drift when the control core is late); UINT64_MAX when interim_s is 0.
    uint64_t next_interim_due(uint64_t now_ns) const;
};

// "lnsd-style" Acct-Session-Id: 8 hex digits of a per-boot value, then 8 of a
// counter, e.g. "5f3a00c1-0000002a".
std::string format_session_id(uint32_t boot_id, uint32_t counter);

// Min-heap of (due, key).  Entries are never removed: when one pops, the owner
// compares `due` with the session's current due time and ignores it if they
// differ (session gone or rescheduled), so a reschedule costs one push and no
// map lookups.
class InterimScheduler {
public:
    void schedule(uint64_t key, uint64_t due);
    // Calls fn(key, due) for every entry due at `now`, earliest first; fn may
    // schedule() again.
    void pop_due(uint64_t now, const std::function<void(uint64_t key, uint64_t due)> &fn);
    uint64_t next_deadline() const { return heap_.empty() ? UINT64_MAX : heap_.front().first; }
    size_t size() const { return heap_.size(); }

private:
    std::vector<std::pair<uint64_t, uint64_t>> heap_;
};

}  // namespace lns::cp::aaa
