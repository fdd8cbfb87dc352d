// Structured, rate-limited event log for the control core, the management
// thread and lnsd's main.  Workers never log: the data path counts.
//
//   log::event(log::Level::info, "tunnel_up").kv("peer", "198.51.100.2:1701").kv("tunnel", 5);
//
// writes, when the line is emitted (at the end of the full expression):
//
//   text: 2026-12-07T15:31:02.417Z info tunnel_up peer=198.51.100.2:1701 tunnel=5
//   json:
//   {"ts":"2026-12-07T15:31:02.417Z","level":"info","event":"tunnel_up","peer":"198.51.100.2:1701","tunnel":5}
//
// Events are names (snake_case), fields are key=value pairs (logfmt: values
// with spaces, quotes or '=' are quoted), so a log pipeline can parse them.
// Each event name has a token bucket (`rate_per_s`, `burst`): lines beyond it
// are counted, not written, and the next line of that event carries
// `suppressed=N`.  A disabled level or a suppressed line costs one check and
// no formatting.  Never pass a secret (password, shared secret, key) as a field.
//
// Thread-safe (one mutex: logging is for the slow path).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lns::log {

enum class Level : uint8_t { error, warning, notice, info, debug };
enum class Format : uint8_t { text, json };

const char *level_name(Level l);
// "error" | "warning" | "notice" | "info" | "debug"; false when unknown.
bool parse_level(std::string_view s, Level *out);

struct Options {
    Level level = Level::info;
    Format format = Format::text;
    uint32_t rate_per_s = 100;  // per event name; 0: no limit
    uint32_t burst = 500;
    bool timestamps = true;  // false under journald, which stamps lines itself
};

void configure(const Options &o);
// The options the `logging:` section of a configuration asks for.
template <class LoggingConfig>
Options log_options(const LoggingConfig &c) {
    Options o;
    o.level = Level(c.level);
    o.format = c.json ? Format::json : Format::text;
    o.rate_per_s = c.rate_per_s;
    o.burst = c.burst;
    o.timestamps = c.timestamps;
    return o;
}
Options options();
void set_level(Level l);
bool enabled(Level l);

// Where lines go (default: stderr, one write per line).  Tests capture them.
using Sink = std::function<void(std::string_view line)>;
void set_sink(Sink s);
void reset_sink();

struct Counters {
    uint64_t lines[5] = {};   // written, by level
    uint64_t suppressed = 0;  // dropped by the rate limit
};
Counters counters();

// Clock for the rate limiter and timestamps; tests inject one.  Nanoseconds
// (monotonic for the limiter) and Unix milliseconds (timestamps).
struct Clock {
    std::function<uint64_t()> mono_ns;
    std::function<uint64_t()> unix_ms;
};
void set_clock(Clock c);
void reset_clock();

class Event {
  public:
    Event(Level level, const char *name);  // `name`: a string literal
    ~Event();
    Event(const Event &) = delete;
    Event &operator=(const Event &) = delete;

    Event &kv(const char *key, std::string_view value);
    Event &kv(const char *key, const char *value) { return kv(key, std::string_view(value)); }
    Event &kv(const char *key, const std::string &value) {
        return kv(key, std::string_view(value));
    }
    Event &kv(const char *key, uint64_t value);
    Event &kv(const char *key, int64_t value);
    Event &kv(const char *key, uint32_t value) { return kv(key, uint64_t(value)); }
    Event &kv(const char *key, uint16_t value) { return kv(key, uint64_t(value)); }
    Event &kv(const char *key, int value) { return kv(key, int64_t(value)); }
    Event &kv(const char *key, bool value);
    Event &kv(const char *key, double value);
    // IPv4 address in host byte order, printed dotted.
    Event &ipv4(const char *key, uint32_t host_order);

    bool active() const { return active_; }

  private:
    void raw(const char *key, std::string_view value, bool quote_json);

    Level level_;
    const char *name_;
    bool active_;
    std::string line_;
};

inline Event event(Level l, const char *name) {
    return Event(l, name);
}

}  // namespace lns::log
