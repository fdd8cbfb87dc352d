#include "config/yaml_util.hpp"

#include <algorithm>

namespace lns::cfg::detail {

namespace {

// A scalar written in quotes, or tagged !!str, is a string whatever it contains.
bool is_quoted(const YAML::Node &node) {
    return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

std::string join(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &s : items) {
        if (!out.empty()) out += ", ";
        out += s;
    }
    return out;
}

std::string range_text(uint64_t lo, uint64_t hi) {
    return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
}

}  // namespace

// Diagnostics -----------------------------------------------------------------

void Diagnostics::error_at(const YAML::Mark &mark, const std::string &path,
                           const std::string &message) {
    std::string where = source_;
    int line = 0, column = 0;
    if (!mark.is_null() && mark.line >= 0) {
        line = mark.line + 1;
        column = mark.column + 1;
        where += ":" + std::to_string(line) + ":" + std::to_string(column);
    }
    error_paths_.insert(path);
    std::string shown = path.empty() ? "(root)" : path;
    entries_.push_back({line, column, where + ": " + shown + ": " + message});
}

void Diagnostics::error(const std::string &path, const std::string &message) {
    error_at(find(path), path, message);
}

void Diagnostics::error_no_location(const std::string &message) {
    entries_.push_back({0, 0, source_ + ": " + message});
}

void Diagnostics::record(const std::string &path, const YAML::Mark &mark) {
    marks_.insert_or_assign(path, mark);
}

bool Diagnostics::clean(const std::string &path) const {
    for (auto it = error_paths_.lower_bound(path);
         it != error_paths_.end() && it->compare(0, path.size(), path) == 0; ++it) {
        if (it->size() == path.size()) return false;
        char next = (*it)[path.size()];
        if (next == '.' || next == '[') return false;
    }
    for (size_t end = path.find(']'); end != std::string::npos; end = path.find(']', end + 1)) {
        if (end + 1 < path.size() && error_paths_.count(path.substr(0, end + 1))) return false;
    }
    return true;
}

YAML::Mark Diagnostics::find(std::string path) const {
    for (;;) {
        auto it = marks_.find(path);
        if (it != marks_.end()) return it->second;
        if (path.empty()) return YAML::Mark::null_mark();
        size_t cut = path.back() == ']' ? path.rfind('[') : path.find_last_of(".[");
        path.resize(cut == std::string::npos ? 0 : cut);
    }
}

std::vector<std::string> Diagnostics::formatted() const {
    std::vector<Entry> sorted = entries_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Entry &a, const Entry &b) {
        return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    std::vector<std::string> out;
    out.reserve(sorted.size());
    for (auto &e : sorted) out.push_back(std::move(e.text));
    return out;
}

// Paths and descriptions ----------------------------------------------------------

std::string child_path(const std::string &parent, const std::string &key) {
    return parent.empty() ? key : parent + "." + key;
}

std::string item_path(const std::string &parent, size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

std::string describe(const YAML::Node &node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
            return "null";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Sequence:
            return "a sequence";
        case YAML::NodeType::Scalar:
            if (is_quoted(node)) return "string \"" + node.Scalar() + "\"";
            return "'" + node.Scalar() + "'";
        default:
            return "nothing";
    }
}

// Scalar readers ------------------------------------------------------------------

std::optional<uint64_t> read_uint(const YAML::Node &node, const std::string &path, uint64_t lo,
                                  uint64_t hi, Diagnostics &diag) {
    if (!node.IsScalar() || is_quoted(node)) {
        diag.error(path, "expected an integer, got " + describe(node));
        return std::nullopt;
    }
    const std::string &text = node.Scalar();
    bool negative = !text.empty() && text[0] == '-';
    std::string digits = negative ? text.substr(1) : text;
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        diag.error(path, "expected an integer, got " + describe(node));
        return std::nullopt;
    }
    if (digits.size() > 1 && digits[0] == '0') {
        diag.error(path, "expected a decimal integer without leading zeros, got '" + text + "'");
        return std::nullopt;
    }
    uint64_t value = 0;
    bool overflow = digits.size() > 19;
    for (char c : digits) value = value * 10 + static_cast<uint64_t>(c - '0');
    if (negative || overflow || value < lo || value > hi) {
        diag.error(path, range_text(lo, hi) + ", got " + text);
        return std::nullopt;
    }
    return value;
}

std::optional<bool> read_bool(const YAML::Node &node, const std::string &path, Diagnostics &diag) {
    if (node.IsScalar() && !is_quoted(node)) {
        const std::string &t = node.Scalar();
        if (t == "true" || t == "True" || t == "TRUE") return true;
        if (t == "false" || t == "False" || t == "FALSE") return false;
    }
    diag.error(path, "expected true or false, got " + describe(node));
    return std::nullopt;
}

std::optional<std::string> read_string(const YAML::Node &node, const std::string &path,
                                       Diagnostics &diag) {
    if (!node.IsScalar()) {
        diag.error(path, "expected a string, got " + describe(node));
        return std::nullopt;
    }
    return node.Scalar();
}

std::optional<size_t> read_choice(const YAML::Node &node, const std::string &path,
                                  std::initializer_list<const char *> choices, Diagnostics &diag) {
    std::vector<std::string> names(choices.begin(), choices.end());
    if (node.IsScalar()) {
        auto it = std::find(names.begin(), names.end(), node.Scalar());
        if (it != names.end()) return static_cast<size_t>(it - names.begin());
    }
    diag.error(path, "must be one of: " + join(names) + "; got " + describe(node));
    return std::nullopt;
}

// MapReader -------------------------------------------------------------------------

MapReader::MapReader(const YAML::Node &node, std::string path,
                     std::initializer_list<const char *> keys, Diagnostics &diag)
    : node_(node), path_(std::move(path)), diag_(diag) {
    diag_.record(path_, node.Mark());
    if (!node.IsMap()) {
        diag_.error(path_, "expected a mapping, got " + describe(node));
        return;
    }
    ok_ = true;
    std::vector<std::string> valid(keys.begin(), keys.end());
    std::unordered_map<std::string, int> first_line;
    for (const auto &pair : node) {
        const YAML::Node k = pair.first;
        const YAML::Node v = pair.second;
        if (!k.IsScalar()) {
            diag_.error_at(k.Mark(), path_, "keys must be plain strings, got " + describe(k));
            continue;
        }
        std::string key = k.Scalar();
        std::string p = child_path(path_, key);
        if (std::find(valid.begin(), valid.end(), key) == valid.end()) {
            diag_.error_at(k.Mark(), p, "unknown key '" + key + "'; valid keys: " + join(valid));
            continue;
        }
        auto [seen, fresh] = first_line.emplace(key, k.Mark().line + 1);
        if (!fresh) {
            diag_.error_at(
                k.Mark(), p,
                "duplicate key (first given on line " + std::to_string(seen->second) + ")");
            continue;
        }
        // A null value has no text of its own: point at its key.
        diag_.record(p, v.IsNull() ? k.Mark() : v.Mark());
        values_.emplace_back(key, v);
    }
}

std::optional<YAML::Node> MapReader::get(const char *key) const {
    for (const auto &[k, v] : values_)
        if (k == key) return v;
    return std::nullopt;
}

bool MapReader::require(std::initializer_list<const char *> keys) {
    if (!ok_) return false;
    bool all = true;
    for (const char *key : keys) {
        if (has(key)) continue;
        diag_.error_at(node_.Mark(), path_of(key), "required key missing");
        all = false;
    }
    return all;
}

std::optional<uint64_t> MapReader::uint_value(const char *key, uint64_t lo, uint64_t hi) {
    auto node = get(key);
    if (!node) return std::nullopt;
    return read_uint(*node, path_of(key), lo, hi, diag_);
}

void MapReader::pow2_error(const char *key, uint64_t lo, uint64_t hi, uint64_t got) {
    diag_.error(path_of(key), "must be a power of two between " + std::to_string(lo) + " and " +
                                  std::to_string(hi) + ", got " + std::to_string(got));
}

void MapReader::zero_or_error(const char *key, uint64_t lo, uint64_t hi, uint64_t got) {
    diag_.error(path_of(key), "must be 0 (off) or between " + std::to_string(lo) + " and " +
                                  std::to_string(hi) + ", got " + std::to_string(got));
}

bool MapReader::read(const char *key, bool &out) {
    auto node = get(key);
    if (!node) return true;
    auto v = read_bool(*node, path_of(key), diag_);
    if (v) out = *v;
    return v.has_value();
}

bool MapReader::read(const char *key, std::string &out) {
    auto node = get(key);
    if (!node) return true;
    auto v = read_string(*node, path_of(key), diag_);
    if (v) out = std::move(*v);
    return v.has_value();
}

}  // namespace lns::cfg::detail
