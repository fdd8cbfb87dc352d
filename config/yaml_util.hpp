// Reading a yaml-cpp tree into typed values while collecting every error.
//
// Internal to config/: the loader (config/load.cpp) and the section parsers use
// these; nothing outside config/ should include this header.
//
// Error format: "FILE:LINE:COL: yaml.path: message", LINE/COL 1-based.  Paths look
// like "ports[1].rx_queues"; the document root has the path "" (shown as "(root)").
//
// Scalars are strict: integers are plain decimal scalars (no quotes, no leading
// zeros, no hex); booleans are plain true/false (any case style YAML 1.2 allows);
// a quoted "5" or "true" is a string and is rejected where a number or a boolean
// is expected.  An explicit null (`key:` or `key: ~`) is rejected for scalars.
//
// Thread: any; a Diagnostics object belongs to one load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lns::cfg::detail {

// Collects errors and remembers where each YAML path was found, so that checks
// made after parsing (cross references, duplicates) can point at a line.
class Diagnostics {
  public:
    explicit Diagnostics(std::string source) : source_(std::move(source)) {}

    void error_at(const YAML::Mark &mark, const std::string &path, const std::string &message);
    // At the recorded location of `path`, or of its nearest recorded parent.
    void error(const std::string &path, const std::string &message);
    // An error that has no position (unreadable file...).
    void error_no_location(const std::string &message);

    void record(const std::string &path, const YAML::Mark &mark);
    // True when no error was reported at `path`, inside it (e.g. "ports[1].mtu"
    // for "ports[1]") or at an enclosing sequence entry ("ports[1]" for
    // "ports[1].mtu").  Checks across entries use it to skip values that could
    // not be read, so one mistake is not reported again as a cascade.
    bool clean(const std::string &path) const;
    // True when an error was reported at exactly `path`.
    bool has_error_at(const std::string &path) const { return error_paths_.count(path) != 0; }
    bool has_location(const std::string &path) const { return marks_.count(path) != 0; }

    size_t count() const { return entries_.size(); }
    // All errors, formatted, ordered by position (stable for equal positions).
    std::vector<std::string> formatted() const;

  private:
    struct Entry {
        int line;    // 1-based, 0 when unknown
        int column;  // 1-based
        std::string text;
    };
    YAML::Mark find(std::string path) const;

    std::string source_;
    std::vector<Entry> entries_;
    std::unordered_map<std::string, YAML::Mark> marks_;
    std::set<std::string> error_paths_;
};

std::string child_path(const std::string &parent, const std::string &key);
std::string item_path(const std::string &parent, size_t index);
// "a mapping", "a sequence", "null", "string \"x\"" or "'x'": for messages.
std::string describe(const YAML::Node &node);

// Scalar readers: report an error and return std::nullopt on a wrong type or a
// value outside [lo, hi].
std::optional<uint64_t> read_uint(const YAML::Node &node, const std::string &path, uint64_t lo,
                                  uint64_t hi, Diagnostics &diag);
std::optional<bool> read_bool(const YAML::Node &node, const std::string &path, Diagnostics &diag);
std::optional<std::string> read_string(const YAML::Node &node, const std::string &path,
                                       Diagnostics &diag);
// A string that must be one of `choices`; returns its index.
std::optional<size_t> read_choice(const YAML::Node &node, const std::string &path,
                                  std::initializer_list<const char *> choices, Diagnostics &diag);

// Calls fn(item, item_path, index) for each element of a sequence.  A null node
// (an empty `key:`) is an empty sequence when `null_is_empty`; any other
// non-sequence is an error.
template <class Fn>
void for_each_item(const YAML::Node &node, const std::string &path, Diagnostics &diag,
                   bool null_is_empty, Fn &&fn) {
    if (node.IsNull() && null_is_empty) return;
    if (!node.IsSequence()) {
        diag.error_at(node.Mark(), path, "expected a sequence, got " + describe(node));
        return;
    }
    size_t index = 0;
    for (const auto &item : node) {
        std::string p = item_path(path, index);
        diag.record(p, item.Mark());
        fn(item, p, index);
        ++index;
    }
}

// One YAML mapping with a fixed set of valid keys.  Construction reports a
// non-mapping node, unknown keys (listing the valid ones) and duplicate keys.
// Each reader does nothing when the key is absent, so defaults stay in place;
// use require() for mandatory keys.
class MapReader {
  public:
    MapReader(const YAML::Node &node, std::string path, std::initializer_list<const char *> keys,
              Diagnostics &diag);

    bool ok() const { return ok_; }
    const std::string &path() const { return path_; }
    std::string path_of(const char *key) const { return child_path(path_, key); }

    // The value of `key`, or std::nullopt when absent.
    std::optional<YAML::Node> get(const char *key) const;
    bool has(const char *key) const { return get(key).has_value(); }
    // Reports each of `keys` that is absent; returns true when all are present.
    bool require(std::initializer_list<const char *> keys);

    template <class T>
    bool read(const char *key, T &out, uint64_t lo, uint64_t hi) {
        static_assert(std::numeric_limits<T>::is_integer);
        auto v = uint_value(key, lo, hi);
        if (v) out = static_cast<T>(*v);
        return v.has_value() || !has(key);
    }
    // The same into an optional: left empty when the key is absent.
    template <class T>
    bool read(const char *key, std::optional<T> &out, uint64_t lo, uint64_t hi) {
        static_assert(std::numeric_limits<T>::is_integer);
        auto v = uint_value(key, lo, hi);
        if (v) out = static_cast<T>(*v);
        return v.has_value() || !has(key);
    }
    // Power of two in [lo, hi].
    template <class T>
    bool read_pow2(const char *key, T &out, uint64_t lo, uint64_t hi) {
        auto v = uint_value(key, lo, hi);
        if (v && (*v & (*v - 1)) != 0) {
            pow2_error(key, lo, hi, *v);
            return false;
        }
        if (v) out = static_cast<T>(*v);
        return v.has_value() || !has(key);
    }
    // 0, or a value in [lo, hi].
    template <class T>
    bool read_zero_or(const char *key, T &out, uint64_t lo, uint64_t hi) {
        auto v = uint_value(key, 0, hi);
        if (v && *v != 0 && *v < lo) {
            zero_or_error(key, lo, hi, *v);
            return false;
        }
        if (v) out = static_cast<T>(*v);
        return v.has_value() || !has(key);
    }
    bool read(const char *key, bool &out);
    bool read(const char *key, std::string &out);

  private:
    std::optional<uint64_t> uint_value(const char *key, uint64_t lo, uint64_t hi);
    void pow2_error(const char *key, uint64_t lo, uint64_t hi, uint64_t got);
    void zero_or_error(const char *key, uint64_t lo, uint64_t hi, uint64_t got);

    YAML::Node node_;
    std::string path_;
    Diagnostics &diag_;
    bool ok_ = false;
    std::vector<std::pair<std::string, YAML::Node>> values_;
};

}  // namespace lns::cfg::detail
