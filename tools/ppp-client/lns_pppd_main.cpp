// lns-pppd: a userspace PPP client that stands in for /usr/sbin/pppd, so that a
// real LAC (xl2tpd) carries the project's PPP client (controlplane/ppp/client.hpp)
// to an LNS.  It speaks RFC 1662 asynchronous HDLC on the tty it is given (xl2tpd:
// the pty slave on stdin/stdout) and has no kernel side: no /dev/ppp, no
// interface; IP packets exist only as test traffic it makes itself.
//
// Usage (as xl2tpd calls pppd):
//   lns-pppd [/dev/pts/N] passive nodetach : name USER [debug] file OPTFILE ...
// pppd options: see tools/ppp-client/pppd_options.hpp (unknown ones are noted
// on the log and ignored).  The password comes from `password PW` (command line
// or option file) or the environment.
//
// Environment:
//   LNS_PPPD_LOG=FILE            log here (appended) instead of stderr
//   LNS_PPPD_STATUS=FILE         JSON status lines (up, traffic, finished; see
//                                pppd_runner.hpp)
//   LNS_PPPD_PASSWORD=PW         password when no `password` option gives one
//   LNS_PPPD_USER=NAME           user when no `name`/`user` option gives one
//   LNS_PPPD_PING=ADDR           once up, send ICMP echo requests to ADDR ...
//   LNS_PPPD_PING_COUNT=N        ... N of them [5] ...
//   LNS_PPPD_PING_INTERVAL_MS=MS ... this far apart [200]
//   LNS_PPPD_TRAFFIC_PROTO=udp   UDP (to port LNS_PPPD_TRAFFIC_PORT [9]) instead of ICMP
//   LNS_PPPD_TRAFFIC_SIZE=BYTES  IPv4 packet size [84]
//   LNS_PPPD_EXIT_AFTER_TRAFFIC=1  terminate the link once the traffic is done
// Exit status: 0 when the link came up (and every test packet got an answer),
// 1 otherwise, 2 for bad arguments.
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "tools/ppp-client/pppd_options.hpp"
#include "tools/ppp-client/pppd_runner.hpp"

namespace {

volatile std::sig_atomic_t g_signals = 0;

void on_signal(int) { g_signals = g_signals + 1; }

const char *env(const char *name) {
    const char *v = std::getenv(name);
    return v && *v ? v : nullptr;
}

unsigned long env_num(const char *name, unsigned long def, unsigned long max) {
    const char *v = env(name);
    if (!v) return def;
    char *end = nullptr;
    const unsigned long n = std::strtoul(v, &end, 10);
    return end && *end == '\0' && n <= max ? n : def;
}

}  // namespace

int main(int argc, char **argv) {
    using namespace lns;
    FILE *log = stderr;
    if (const char *path = env("LNS_PPPD_LOG")) {
        if (FILE *f = std::fopen(path, "a")) log = f;
    }
    pppd::PppdOptions o;
    std::string error;
    if (!pppd::parse_pppd_args(argc, argv, o, &error)) {
        std::fprintf(log, "lns-pppd: %s\n", error.c_str());
        return 2;
    }
    for (const std::string &n : o.notes) std::fprintf(log, "lns-pppd: note: %s\n", n.c_str());
    if (o.user.empty() && env("LNS_PPPD_USER")) o.user = env("LNS_PPPD_USER");
    if (o.password.empty() && env("LNS_PPPD_PASSWORD")) o.password = env("LNS_PPPD_PASSWORD");

    pppd::RunnerConfig rc;
    rc.log = log;
    rc.debug = o.debug;
    rc.user = o.user;
    rc.password = o.password;
    if (!o.tty.empty() && !isatty(0)) {  // a tty path, and stdin is not already it
        const int fd = ::open(o.tty.c_str(), O_RDWR | O_NOCTTY);
        if (fd < 0) {
            std::fprintf(log, "lns-pppd: %s: %s\n", o.tty.c_str(), std::strerror(errno));
            return 2;
        }
        rc.in_fd = rc.out_fd = fd;
    }
    if (const char *s = env("LNS_PPPD_STATUS")) rc.status_path = s;
    if (const char *p = env("LNS_PPPD_PING")) {
        in_addr a{};
        if (inet_pton(AF_INET, p, &a) != 1) {
            std::fprintf(log, "lns-pppd: bad LNS_PPPD_PING '%s'\n", p);
            return 2;
        }
        rc.traffic.dest = ntohl(a.s_addr);
        rc.traffic.proto = lacemu::TrafficProto::icmp;
        if (const char *t = env("LNS_PPPD_TRAFFIC_PROTO"); t && std::strcmp(t, "udp") == 0)
            rc.traffic.proto = lacemu::TrafficProto::udp;
        rc.traffic.port = uint16_t(env_num("LNS_PPPD_TRAFFIC_PORT", 9, 65535));
        rc.traffic.size = uint32_t(env_num("LNS_PPPD_TRAFFIC_SIZE", 84, lacemu::kMaxTrafficSize));
        if (rc.traffic.size < lacemu::kMinTrafficSize) rc.traffic.size = lacemu::kMinTrafficSize;
        rc.traffic_count = uint32_t(env_num("LNS_PPPD_PING_COUNT", 5, 1000000));
        rc.traffic_interval_ns = env_num("LNS_PPPD_PING_INTERVAL_MS", 200, 3600000) * 1000000ull;
    }
    rc.exit_after_traffic = env("LNS_PPPD_EXIT_AFTER_TRAFFIC") != nullptr;

    cp::ppp::ClientShared shared;
    shared.config.ipv4 = o.ipv4;
    shared.config.ipv6 = o.ipv6;
    auto &accept = shared.lcp.config.accept_auth;
    std::erase_if(accept, [&](cp::ppp::AuthProtocol p) {
        return (p == cp::ppp::AuthProtocol::pap && o.refuse_pap) ||
               (p == cp::ppp::AuthProtocol::chap_md5 && o.refuse_chap) ||
               (p == cp::ppp::AuthProtocol::mschap_v2 && o.refuse_mschap_v2);
    });
    if (o.mru) shared.lcp.config.mru = o.mru;
    shared.lcp.config.echo.interval_ns = uint64_t(o.echo_interval_s) * 1'000'000'000ull;
    shared.lcp.config.echo.max_failures = uint8_t(o.echo_failure ? o.echo_failure : 1);
    cp::ppp::SplitMix64 rnd(uint64_t(getpid()) << 32 ^ uint64_t(time(nullptr)));
    shared.lcp.random = &rnd;
    shared.ipv6cp.random = &rnd;
    struct AuthRnd final : cp::ppp::AuthRandom {
        cp::ppp::SplitMix64 *r;
        uint64_t next() override { return r->next(); }
    } auth_rnd;
    auth_rnd.r = &rnd;
    shared.auth_random = &auth_rnd;
    shared.auth.name = "lns-pppd";

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    pppd::PppdRunner runner(rc, shared);
    const int rc_exit = runner.run(&g_signals);
    if (log != stderr) std::fclose(log);
    return rc_exit;
}
