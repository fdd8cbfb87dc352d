// lns-pppd's command line: pppd's syntax, as xl2tpd and people call pppd, parsed
// into typed options.  xl2tpd runs `pppd /dev/pts/N passive nodetach : name USER
// [debug] file OPTFILE` (plus options from its `pppoptfile`); pppd reads option
// words from files given with `file` (and from `call NAME` -> /etc/ppp/peers/NAME),
// one or more per line, `#` starting a comment, double quotes around words with
// spaces.
//
// Understood: a tty path (first word starting with '/'), `passive`, `nodetach`,
// `debug`, `name USER`, `user USER`, `password PW`, `file PATH`, `call NAME`,
// `+ipv6` / `ipv6` / `-ipv6` / `noipv6`, `mru N`, `lcp-echo-interval N`,
// `lcp-echo-failure N`, `refuse-pap` / `refuse-chap` / `refuse-mschap-v2`,
// `require-*` and `noauth` (accepted: we never authenticate the LNS), and a bare
// `:` or `LOCAL:REMOTE` address pair (ignored: the LNS assigns).  pppd options
// that take a value and that we do not implement are skipped with their value;
// anything else is ignored.  Each ignored option is listed in `notes`.
//
// Thread: main only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lns::pppd {

struct PppdOptions {
    std::string tty;  // empty: stdin/stdout
    bool passive = false, nodetach = false;
    int debug = 0;
    std::string user, password;
    bool ipv4 = true, ipv6 = false;
    bool refuse_pap = false, refuse_chap = false, refuse_mschap_v2 = false;
    uint16_t mru = 0;                 // 0: do not ask
    uint32_t echo_interval_s = 10;    // lcp-echo-interval (0: off)
    uint32_t echo_failure = 5;        // lcp-echo-failure
    std::vector<std::string> files;   // option files read, in order
    std::vector<std::string> notes;   // what was ignored, for stderr
};

// Parses argv[1..argc) into `o`; false with `error` set when something cannot
// be honoured (a missing value, an unreadable option file, a bad number).
bool parse_pppd_args(int argc, char **argv, PppdOptions &o, std::string *error);
// The words of an option file's text.
std::vector<std::string> split_option_words(const std::string &text);

}  // namespace lns::pppd
