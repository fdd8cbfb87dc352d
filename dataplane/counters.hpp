// Data-path counters: per-worker, plain uint64_t, summed by readers.
//
// Each worker owns one WorkerCounters (inside its cache-aligned context) and is
// its only writer; readers (the control core's stats, SIGUSR1, JSON) load the
// fields with relaxed atomic loads and add them up.  Conventions item 9.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lns::dp {

enum class Drop : uint16_t {
#define LNS_DROP(name, desc) name,
#include "dataplane/drop_reasons.def"
#undef LNS_DROP
    count_
};
inline constexpr size_t kDropCount = size_t(Drop::count_);

enum class Punt : uint8_t {
#define LNS_PUNT(name, desc) name,
#include "dataplane/punt_reasons.def"
#undef LNS_PUNT
    count_
};
inline constexpr size_t kPuntCount = size_t(Punt::count_);

const char *drop_name(Drop d);
const char *drop_description(Drop d);
const char *punt_name(Punt p);
const char *punt_description(Punt p);

inline constexpr size_t kMaxPorts = 8;

struct PortCounters {
    uint64_t rx_packets = 0;
    uint64_t rx_bytes = 0;
    uint64_t tx_packets = 0;
    uint64_t tx_bytes = 0;  // filled from the PMD's statistics in snapshots
};

// Traffic of one session as seen by one worker (RADIUS accounting, idle
// timeout).  Each worker has its own array indexed by session index; readers sum
// the workers.  An index is reused after a session ends: readers keep the sums
// at install time as a baseline and report the difference.
struct SessionTraffic {
    uint64_t up_packets = 0;  // from the subscriber (inner IP packets forwarded upstream)
    uint64_t up_bytes = 0;    // inner IP bytes
    uint64_t down_packets = 0;
    uint64_t down_bytes = 0;
};

struct alignas(64) WorkerCounters {
    PortCounters port[kMaxPorts];
    uint64_t up_packets = 0;  // inner packets forwarded access -> core
    uint64_t up_bytes = 0;    // inner IP bytes
    uint64_t down_packets = 0;
    uint64_t down_bytes = 0;
    uint64_t mss_clamped = 0;
    uint64_t reassembled = 0;    // outer IPv4 packets rebuilt from fragments
    uint64_t fragmented = 0;     // downstream packets sent as outer fragments
    uint64_t handoffs = 0;       // packets handed to a session's owner worker
    uint64_t injected = 0;       // frames from the control core transmitted
    uint64_t esp_decrypted = 0;  // ESP packets decrypted (all SAs)
    uint64_t esp_encrypted = 0;  // packets ESP-protected downstream
    uint64_t loops = 0;          // main-loop iterations
    uint64_t busy_loops = 0;     // iterations that received something
    uint64_t idle_sleeps = 0;    // worker_idle_sleep_us pauses taken
    uint64_t drops[kDropCount] = {};
    uint64_t punts[kPuntCount] = {};
};

// Relaxed load of a counter written by another thread.
inline uint64_t read_counter(const uint64_t &c) { return __atomic_load_n(&c, __ATOMIC_RELAXED); }

}  // namespace lns::dp
