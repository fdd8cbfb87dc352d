// Accounting helpers (see radius_accounting.hpp).
#include "controlplane/aaa/radius_accounting.hpp"

#include <algorithm>
#include <cstdio>

namespace lns::cp::aaa {

namespace {
constexpr uint64_t kSecNs = 1000000000ull;
}

void AcctSession::apply_reply(const AccessReply &r) {
    classes = r.classes;
    if (r.has_framed_ip && r.framed_ip != 0xFFFFFFFFu && r.framed_ip != 0xFFFFFFFEu)
        framed_ip = r.framed_ip;
    has_framed_ipv6_prefix = r.has_framed_ipv6_prefix;
    framed_ipv6_prefix = r.framed_ipv6_prefix;
    has_delegated_ipv6_prefix = r.has_delegated_ipv6_prefix;
    delegated_ipv6_prefix = r.delegated_ipv6_prefix;
}

AccountingRequest AcctSession::request(AcctStatusType status, const TrafficCounters &counters,
                                       uint64_t now_ns, uint32_t unix_now,
                                       TerminateCause cause) const {
    AccountingRequest r;
    r.status = status;
    r.user_name = user_name;
    r.session_id = session_id;
    r.has_nas_port = has_nas_port;
    r.nas_port = nas_port;
    r.nas_port_id = nas_port_id;
    r.calling_station_id = calling_station_id;
    r.called_station_id = called_station_id;
    r.framed_ip = framed_ip;
    r.framed_ipv6_prefix = has_framed_ipv6_prefix ? &framed_ipv6_prefix : nullptr;
    r.delegated_ipv6_prefix = has_delegated_ipv6_prefix ? &delegated_ipv6_prefix : nullptr;
    r.classes = classes;
    r.authentic = authentic;
    r.counters = counters;
    r.session_time_s = now_ns > start_ns ? uint32_t((now_ns - start_ns) / kSecNs) : 0;
    r.cause = status == AcctStatusType::Stop ? cause : TerminateCause::None;
    r.event_timestamp = unix_now;
    return r;
}

uint64_t AcctSession::next_interim_due(uint64_t now_ns) const {
    if (interim_s == 0) return UINT64_MAX;
    uint64_t step = uint64_t(interim_s) * kSecNs;
    if (now_ns < start_ns) return start_ns + step;
    uint64_t k = (now_ns - start_ns) / step + 1;
    return start_ns + k * step;
}

std::string format_session_id(uint32_t boot_id, uint32_t counter) {
    char b[24];
    std::snprintf(b, sizeof b, "%08x-%08x", boot_id, counter);
    return b;
}

void InterimScheduler::schedule(uint64_t key, uint64_t due) {
    if (due == UINT64_MAX) return;
    heap_.emplace_back(due, key);
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void InterimScheduler::pop_due(uint64_t now,
                               const std::function<void(uint64_t, uint64_t)> &fn) {
    while (!heap_.empty() && heap_.front().first <= now) {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        auto [due, key] = heap_.back();
        heap_.pop_back();
        fn(key, due);
    }
}

}  // namespace lns::cp::aaa
