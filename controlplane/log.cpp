#include "controlplane/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <unordered_map>

namespace lns::log {

namespace {

constexpr const char *kLevelNames[] = {"error", "warning", "notice", "info", "debug"};

struct Bucket {
    double tokens = 0;
    uint64_t last_ns = 0;
    uint64_t suppressed = 0;
    bool init = false;
};

struct State {
    std::mutex mu;
    Options opt;
    std::atomic<uint8_t> level{uint8_t(Level::info)};
    Sink sink;
    Clock clock;
    std::unordered_map<const char *, Bucket> buckets;  // by event name (a literal)
    Counters counters;
};

State &state() {
    static State s;
    return s;
}

uint64_t default_mono_ns() {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count());
}

uint64_t default_unix_ms() {
    return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count());
}

void write_stderr(std::string_view line) {
    // One write per line so lines from threads do not interleave.
    const char *p = line.data();
    size_t n = line.size();
    while (n) {
        const ssize_t w = ::write(STDERR_FILENO, p, n);
        if (w <= 0) return;
        p += w;
        n -= size_t(w);
    }
}

std::string timestamp(uint64_t ms) {
    const std::time_t t = std::time_t(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, unsigned(ms % 1000));
    return buf;
}

// Rate limit: true when the line may be written; *suppressed gets the count of
// lines of this event dropped since the last one written.
bool admit(State &s, const char *name, uint64_t *suppressed) {
    if (s.opt.rate_per_s == 0) return true;
    const uint64_t now = s.clock.mono_ns ? s.clock.mono_ns() : default_mono_ns();
    Bucket &b = s.buckets[name];
    if (!b.init) {
        b.init = true;
        b.tokens = s.opt.burst;
        b.last_ns = now;
    } else {
        b.tokens += double(now - b.last_ns) * 1e-9 * s.opt.rate_per_s;
        if (b.tokens > s.opt.burst) b.tokens = s.opt.burst;
        b.last_ns = now;
    }
    if (b.tokens < 1) {
        b.suppressed++;
        s.counters.suppressed++;
        return false;
    }
    b.tokens -= 1;
    *suppressed = b.suppressed;
    b.suppressed = 0;
    return true;
}

bool needs_quotes(std::string_view v) {
    if (v.empty()) return true;
    for (char c : v)
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || uint8_t(c) < 0x20 || c == 0x7f)
            return true;
    return false;
}

// Escapes for both formats: logfmt's quoted strings and JSON strings share
// \" \\ \n \t and \u00XX for other control characters.
void append_escaped(std::string &out, std::string_view v) {
    for (char c : v) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (uint8_t(c) < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(uint8_t(c)));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
}

}  // namespace

const char *level_name(Level l) {
    return kLevelNames[size_t(l) < 5 ? size_t(l) : 4];
}

bool parse_level(std::string_view s, Level *out) {
    for (size_t i = 0; i < 5; i++) {
        if (s == kLevelNames[i]) {
            *out = Level(i);
            return true;
        }
    }
    return false;
}

void configure(const Options &o) {
    State &s = state();
    std::lock_guard<std::mutex> g(s.mu);
    s.opt = o;
    s.level.store(uint8_t(o.level), std::memory_order_relaxed);
    s.buckets.clear();
}

Options options() {
    State &s = state();
    std::lock_guard<std::mutex> g(s.mu);
    return s.opt;
}

void set_level(Level l) {
    State &s = state();
    std::lock_guard<std::mutex> g(s.mu);
    s.opt.level = l;
    s.level.store(uint8_t(l), std::memory_order_relaxed);
}

bool enabled(Level l) {
    return uint8_t(l) <= state().level.load(std::memory_order_relaxed);
}

void set_sink(Sink sink) {
    State &s = state();
    std::lock_guard<std::mutex> g(s.mu);
    s.sink = std::move(sink);
}

void reset_sink() {
    set_sink(nullptr);
}

Counters counters() {
    State &s = state();
    std::lock_guard<std::mutex> g(s.mu);
    return s.counters;
}

void set_clock(Clock c) {
    State &s = state();
    std::lock_guard<std::mutex> g(s.mu);
    s.clock = std::move(c);
}

void reset_clock() {
    set_clock(Clock{});
}

Event::Event(Level level, const char *name) : level_(level), name_(name), active_(enabled(level)) {
    if (!active_) return;
    State &s = state();
    uint64_t suppressed = 0;
    std::string ts;
    Format fmt;
    bool stamps;
    {
        std::lock_guard<std::mutex> g(s.mu);
        if (!admit(s, name, &suppressed)) {
            active_ = false;
            return;
        }
        fmt = s.opt.format;
        stamps = s.opt.timestamps;
        if (stamps) ts = timestamp(s.clock.unix_ms ? s.clock.unix_ms() : default_unix_ms());
    }
    line_.reserve(160);
    if (fmt == Format::json) {
        line_ += '{';
        if (stamps) {
            line_ += "\"ts\":\"";
            line_ += ts;
            line_ += "\",";
        }
        line_ += "\"level\":\"";
        line_ += level_name(level);
        line_ += "\",\"event\":\"";
        append_escaped(line_, name);
        line_ += '"';
    } else {
        if (stamps) {
            line_ += ts;
            line_ += ' ';
        }
        line_ += level_name(level);
        line_ += ' ';
        line_ += name;
    }
    if (suppressed) kv("suppressed", suppressed);
}

void Event::raw(const char *key, std::string_view value, bool quote_json) {
    if (line_[0] == '{') {
        line_ += ",\"";
        line_ += key;
        line_ += "\":";
        if (quote_json) {
            line_ += '"';
            append_escaped(line_, value);
            line_ += '"';
        } else {
            line_ += value;
        }
    } else {
        line_ += ' ';
        line_ += key;
        line_ += '=';
        if (quote_json && needs_quotes(value)) {
            line_ += '"';
            append_escaped(line_, value);
            line_ += '"';
        } else {
            line_ += value;
        }
    }
}

Event &Event::kv(const char *key, std::string_view value) {
    if (active_) raw(key, value, true);
    return *this;
}

Event &Event::kv(const char *key, uint64_t value) {
    if (active_) raw(key, std::to_string(value), false);
    return *this;
}

Event &Event::kv(const char *key, int64_t value) {
    if (active_) raw(key, std::to_string(value), false);
    return *this;
}

Event &Event::kv(const char *key, bool value) {
    if (active_) raw(key, value ? "true" : "false", false);
    return *this;
}

Event &Event::kv(const char *key, double value) {
    if (active_) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", value);
        raw(key, buf, false);
    }
    return *this;
}

Event &Event::ipv4(const char *key, uint32_t a) {
    if (active_) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                      a & 255);
        raw(key, buf, true);
    }
    return *this;
}

Event::~Event() {
    if (!active_) return;
    if (line_[0] == '{') line_ += '}';
    line_ += '\n';
    State &s = state();
    Sink sink;
    {
        std::lock_guard<std::mutex> g(s.mu);
        s.counters.lines[size_t(level_)]++;
        sink = s.sink;
    }
    if (sink)
        sink(line_);
    else
        write_stderr(line_);
}

}  // namespace lns::log
