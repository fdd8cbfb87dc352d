// pppd-style arguments and option files.  See pppd_options.hpp.
#include "tools/ppp-client/pppd_options.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lns::pppd {

namespace {

// pppd options with one value that we accept but do not implement.
constexpr const char *kSkipWithValue[] = {
    "asyncmap", "escape", "lcp-max-configure", "lcp-max-terminate", "lcp-max-failure",
    "lcp-restart", "ipcp-max-configure", "ipcp-max-failure", "ipcp-restart", "ipcp-accept-local",
    "ms-dns", "ms-wins", "remotename", "connect", "disconnect", "init", "idle", "maxconnect",
    "holdoff", "maxfail", "logfile", "logfd", "linkname", "ipparam", "unit", "mtu", "pty",
    "plugin", "chap-restart", "chap-max-challenge", "chap-interval", "pap-restart",
    "pap-max-authreq", "pap-timeout", "ipv6cp-max-configure", "ipv6cp-restart", "speed",
    "connect-delay", "active-filter", "pass-filter", "netmask", "remotenumber", "welcome",
    "lcp-echo-adaptive-interval", "ipv6cp-use-persistent",
};

bool skips_value(const std::string &w) {
    for (const char *s : kSkipWithValue)
        if (w == s) return true;
    return false;
}

bool parse_uint(const std::string &s, uint32_t max, uint32_t &out) {
    char *end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(s.c_str(), &end, 0);
    if (errno || end == s.c_str() || *end || v > max || s[0] == '-') return false;
    out = uint32_t(v);
    return true;
}

bool is_address_pair(const std::string &w) {
    const size_t c = w.find(':');
    if (c == std::string::npos) return false;
    for (char ch : w)
        if (!(ch == ':' || ch == '.' || (ch >= '0' && ch <= '9'))) return false;
    return true;
}

struct Parser {
    PppdOptions &o;
    std::string *error;
    int depth = 0;

    bool words(const std::vector<std::string> &w, bool first_may_be_tty);
    bool file(const std::string &path);
};

bool Parser::file(const std::string &path) {
    if (++depth > 8) {
        *error = "option files nested too deep at " + path;
        return false;
    }
    std::ifstream in(path);
    if (!in) {
        *error = "cannot read option file " + path + ": " + std::strerror(errno);
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    o.files.push_back(path);
    const bool ok = words(split_option_words(ss.str()), false);
    depth--;
    return ok;
}

bool Parser::words(const std::vector<std::string> &w, bool first_may_be_tty) {
    for (size_t i = 0; i < w.size(); i++) {
        const std::string &k = w[i];
        const auto value = [&](std::string &out) {
            if (i + 1 >= w.size()) {
                *error = "option " + k + " needs a value";
                return false;
            }
            out = w[++i];
            return true;
        };
        std::string v;
        uint32_t n = 0;
        if (i == 0 && first_may_be_tty && !k.empty() && k[0] == '/') {
            o.tty = k;
        } else if (!k.empty() && k[0] == '/' && o.tty.empty()) {
            o.tty = k;
        } else if (k == "passive" || k == "silent") {
            o.passive = true;
        } else if (k == "nodetach" || k == "updetach") {
            o.nodetach = true;
        } else if (k == "debug") {
            o.debug++;
        } else if (k == "name" || k == "user") {
            if (!value(o.user)) return false;
        } else if (k == "password") {
            if (!value(o.password)) return false;
        } else if (k == "file") {
            if (!value(v) || !file(v)) return false;
        } else if (k == "call") {
            if (!value(v) || !file("/etc/ppp/peers/" + v)) return false;
        } else if (k == "+ipv6" || k == "ipv6") {
            o.ipv6 = true;
        } else if (k == "-ipv6" || k == "noipv6") {
            o.ipv6 = false;
        } else if (k == "noip" || k == "-ip") {
            o.ipv4 = false;
        } else if (k == "refuse-pap" || k == "-pap") {
            o.refuse_pap = true;
        } else if (k == "refuse-chap" || k == "-chap") {
            o.refuse_chap = true;
        } else if (k == "refuse-mschap-v2") {
            o.refuse_mschap_v2 = true;
        } else if (k == "mru") {
            if (!value(v) || !parse_uint(v, 65535, n) || n < 128) {
                *error = "bad mru '" + v + "'";
                return false;
            }
            o.mru = uint16_t(n);
        } else if (k == "lcp-echo-interval") {
            if (!value(v) || !parse_uint(v, 86400, o.echo_interval_s)) {
                *error = "bad lcp-echo-interval '" + v + "'";
                return false;
            }
        } else if (k == "lcp-echo-failure") {
            if (!value(v) || !parse_uint(v, 255, o.echo_failure)) {
                *error = "bad lcp-echo-failure '" + v + "'";
                return false;
            }
        } else if (k == ":" || is_address_pair(k)) {
            o.notes.push_back("address pair '" + k + "' ignored (the LNS assigns)");
        } else if (k == "noauth" || k.rfind("require-", 0) == 0 || k == "auth") {
            o.notes.push_back(k + " ignored (we never authenticate the LNS)");
        } else if (skips_value(k)) {
            std::string skipped;
            if (!value(skipped)) return false;
            o.notes.push_back(k + " " + skipped + " ignored");
        } else {
            o.notes.push_back(k + " ignored");
        }
    }
    return true;
}

}  // namespace

std::vector<std::string> split_option_words(const std::string &text) {
    std::vector<std::string> out;
    std::string cur;
    bool in_word = false, quoted = false;
    for (size_t i = 0; i < text.size(); i++) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                quoted = false;
            } else if (c == '\\' && i + 1 < text.size()) {
                cur += text[++i];
            } else {
                cur += c;
            }
            continue;
        }
        if (c == '#') {  // comment to the end of the line
            while (i < text.size() && text[i] != '\n') i++;
            if (in_word) out.push_back(std::move(cur));
            cur.clear();
            in_word = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) out.push_back(std::move(cur));
            cur.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '"') {
            quoted = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            cur += text[++i];
        } else {
            cur += c;
        }
    }
    if (in_word) out.push_back(std::move(cur));
    return out;
}

bool parse_pppd_args(int argc, char **argv, PppdOptions &o, std::string *error) {
    std::vector<std::string> w;
    for (int i = 1; i < argc; i++) w.emplace_back(argv[i]);
    Parser p{o, error};
    return p.words(w, true);
}

}  // namespace lns::pppd
