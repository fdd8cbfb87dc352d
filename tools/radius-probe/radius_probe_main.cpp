// lns-radius-probe: drives lnsd's RADIUS engines (controlplane/aaa) over real UDP
// sockets with a poll loop, so system tests can talk to a real RADIUS server.
//
//   lns-radius-probe [GLOBAL...] auth (--pap|--chap|--mschapv2) USER PASS [--count N]
//   lns-radius-probe [GLOBAL...] acct (start|interim|stop) --session-id ID [--user U]
//       [--in-octets N] [--out-octets N] [--in-packets N] [--out-packets N]
//       [--session-time S] [--cause NAME] [--framed-ip IP] [--framed-ipv6-prefix P/L]
//       [--class STR]...
//   lns-radius-probe dae --listen IP:PORT --client IP:SECRET [--unknown-session ID]...
//       [--count N] [--duration-ms N]
//
// GLOBAL: --server IP:AUTHPORT:ACCTPORT:SECRET (repeatable, in preference order),
// --timeout-ms N (1000), --retries N (2), --sockets N (1), --nas-ip IP,
// --nas-id NAME, --require-ma, --dead-after N, --holddown-ms N.
//
// Output: one JSON object per line.  auth/acct print one {"type":"result",...}
// per request (for auth: status, server, transmissions and the reply's
// attributes; with --mschapv2 "mschapv2_authenticator_ok" checks the server's
// MS-CHAP2-Success against RFC 2759 §8.7), then {"type":"summary","counters":
// {...}}.  Exit status 0 when every request got an answer (accept, reject or
// accounting response), 1 otherwise, 2 on usage errors.  dae prints
// {"type":"dae_request",...} per request handed to the owner (answered with ACK,
// or NAK 503 when its Acct-Session-Id is one of --unknown-session), then a
// summary with the DAE counters when --count requests were seen, --duration-ms
// passed, or on SIGTERM/SIGINT.
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <csignal>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "controlplane/aaa/radius_accounting.hpp"
#include "controlplane/aaa/radius_client.hpp"
#include "controlplane/aaa/radius_dae.hpp"
#include "controlplane/ppp/chap_md5.hpp"
#include "controlplane/ppp/mschap.hpp"
#include "tools/radius-probe/probe_io.hpp"

using namespace lns::cp::aaa;
using namespace lns::tools::radius_probe;
namespace ppp = lns::cp::ppp;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

[[noreturn]] void usage(const char *why) {
    std::fprintf(stderr, "lns-radius-probe: %s (see the header of radius_probe_main.cpp)\n", why);
    std::exit(2);
}

struct Options {
    RadiusClientConfig cfg;
    uint64_t timeout_ms = 1000;
    unsigned retries = 2;
    std::vector<std::string> args;  // command and its arguments
};

std::vector<std::string> split(const std::string &s, char sep, size_t max_parts) {
    std::vector<std::string> out;
    size_t start = 0;
    while (out.size() + 1 < max_parts) {
        size_t p = s.find(sep, start);
        if (p == std::string::npos) break;
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
    out.push_back(s.substr(start));
    return out;
}

RadiusServer parse_server(const std::string &s) {
    auto f = split(s, ':', 4);  // the secret may contain ':'
    RadiusServer r;
    if (f.size() != 4 || !parse_ipv4(f[0], &r.ip)) usage("--server IP:AUTHPORT:ACCTPORT:SECRET");
    r.auth_port = uint16_t(std::atoi(f[1].c_str()));
    r.acct_port = uint16_t(std::atoi(f[2].c_str()));
    r.secret = f[3];
    return r;
}

Options parse_global(int argc, char **argv) {
    Options o;
    int i = 1;
    auto need = [&](const char *what) -> std::string {
        if (i + 1 >= argc) usage(what);
        return argv[++i];
    };
    for (; i < argc && argv[i][0] == '-'; ++i) {
        std::string a = argv[i];
        if (a == "--server") o.cfg.servers.push_back(parse_server(need("--server")));
        else if (a == "--timeout-ms") o.timeout_ms = std::strtoull(need(a.c_str()).c_str(), nullptr, 10);
        else if (a == "--retries") o.retries = unsigned(std::atoi(need(a.c_str()).c_str()));
        else if (a == "--sockets") o.cfg.sockets = unsigned(std::atoi(need(a.c_str()).c_str()));
        else if (a == "--nas-ip") { if (!parse_ipv4(need(a.c_str()), &o.cfg.nas.nas_ip)) usage("--nas-ip"); }
        else if (a == "--nas-id") o.cfg.nas.nas_identifier = need(a.c_str());
        else if (a == "--require-ma") o.cfg.require_message_authenticator = true;
        else if (a == "--dead-after") o.cfg.dead_after = unsigned(std::atoi(need(a.c_str()).c_str()));
        else if (a == "--holddown-ms") o.cfg.dead_holddown_ns = std::strtoull(need(a.c_str()).c_str(), nullptr, 10) * 1000000ull;
        else usage(("unknown option " + a).c_str());
    }
    for (; i < argc; ++i) o.args.push_back(argv[i]);
    if (o.args.empty()) usage("no command");
    for (RadiusServer &s : o.cfg.servers) {
        s.timeout_ns = s.acct_timeout_ns = o.timeout_ms * 1000000ull;
        s.retries = s.acct_retries = o.retries;
    }
    o.cfg.max_queue = 65536;
    return o;
}

// ---- client side: the engine over `sockets` UDP sockets ----

struct ClientLoop {
    std::vector<int> fds;
    std::mt19937_64 rng{std::random_device{}()};
    size_t outstanding = 0;
    bool all_answered = true;
    std::function<void(const RadiusResult &)> on_result;
    RadiusClient client;

    explicit ClientLoop(const RadiusClientConfig &cfg)
        : client(
              cfg, [this] { return rng(); },
              [this](const RadiusDatagram &d) {
                  if (!udp_send(fds[d.socket], d.ip, d.port, d.bytes)) std::perror("sendto");
              },
              [this](const RadiusResult &r) {
                  --outstanding;
                  if (r.status == RadiusStatus::timeout) all_answered = false;
                  on_result(r);
              }) {
        for (unsigned i = 0; i < cfg.sockets; ++i) {
            int fd = udp_socket(0, 0);
            if (fd < 0) std::exit(1);
            fds.push_back(fd);
        }
    }

    void receive(uint16_t sock, uint64_t now) {
        uint8_t buf[kRadiusMaxLen + 64];
        for (;;) {
            sockaddr_in from{};
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(fds[sock], buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &fl);
            if (n < 0) return;
            client.on_datagram(sock, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port),
                               ByteSpan(buf, size_t(n)), now);
        }
    }

    void run() {
        std::vector<pollfd> pfds;
        for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
        while (outstanding > 0 && !g_stop) {
            uint64_t now = mono_ns(), dl = client.next_deadline();
            int ms = dl == UINT64_MAX ? 1000 : dl <= now ? 0 : int((dl - now) / 1000000 + 1);
            poll(pfds.data(), pfds.size(), ms);
            now = mono_ns();
            for (size_t i = 0; i < pfds.size(); ++i)
                if (pfds[i].revents & POLLIN) receive(uint16_t(i), now);
            client.on_timer(now);
        }
    }
};

void print_counters(const RadiusClientCounters &c) {
    std::printf("{\"type\":\"summary\",\"counters\":{\"access_requests\":%lu,\"accounting_requests\":%lu,"
                "\"transmissions\":%lu,\"retransmits\":%lu,\"timeouts\":%lu,\"failovers\":%lu,"
                "\"requests_timed_out\":%lu,\"accepts\":%lu,\"rejects\":%lu,\"accounting_responses\":%lu,"
                "\"queued\":%lu,\"queue_full\":%lu,\"unknown_id\":%lu,\"wrong_source\":%lu",
                c.access_requests, c.accounting_requests, c.transmissions, c.retransmits, c.timeouts,
                c.failovers, c.requests_timed_out, c.accepts, c.rejects, c.accounting_responses,
                c.queued, c.queue_full, c.unknown_id, c.wrong_source);
    for (size_t e = 1; e < c.bad_reply.size(); ++e)
        std::printf(",\"bad_reply_%s\":%lu", radius_error_name(RadiusError(e)), c.bad_reply[e]);
    std::printf("}}\n");
}

std::string reply_json(const AccessReply &a) {
    std::string j;
    if (a.has_framed_ip) j += ",\"framed_ip\":" + json_str(format_ipv4(a.framed_ip));
    if (!a.framed_pool.empty()) j += ",\"framed_pool\":" + json_str(a.framed_pool);
    if (a.has_framed_ipv6_prefix)
        j += ",\"framed_ipv6_prefix\":" + json_str(format_ipv6_prefix(a.framed_ipv6_prefix));
    if (a.has_delegated_ipv6_prefix)
        j += ",\"delegated_ipv6_prefix\":" + json_str(format_ipv6_prefix(a.delegated_ipv6_prefix));
    j += ",\"session_timeout\":" + std::to_string(a.session_timeout);
    j += ",\"idle_timeout\":" + std::to_string(a.idle_timeout);
    j += ",\"acct_interim_interval\":" + std::to_string(a.acct_interim_interval);
    j += ",\"classes\":[";
    for (size_t i = 0; i < a.classes.size(); ++i) {
        if (i) j += ',';
        j += json_str(a.classes[i]);
    }
    j += "],\"reply_message\":" + json_str(a.reply_message);
    if (!a.ms_chap2_success.empty()) j += ",\"ms_chap2_success\":" + json_str(a.ms_chap2_success);
    if (!a.ms_chap_error.empty()) j += ",\"ms_chap_error\":" + json_str(a.ms_chap_error);
    return j;
}

// Per-request credentials of an MS-CHAPv2 run, to check the server's answer.
struct MsState {
    ppp::MsChallenge auth{}, peer{};
    ppp::NtResponse nt{};
};

int cmd_auth(Options &o) {
    if (o.args.size() < 4) usage("auth (--pap|--chap|--mschapv2) USER PASS [--count N]");
    std::string method = o.args[1], user = o.args[2], pass = o.args[3];
    size_t count = 1;
    for (size_t i = 4; i + 1 < o.args.size(); i += 2)
        if (o.args[i] == "--count") count = std::strtoull(o.args[i + 1].c_str(), nullptr, 10);
    ClientLoop loop(o.cfg);
    std::vector<MsState> ms(count);
    loop.on_result = [&](const RadiusResult &r) {
        std::string j = "{\"type\":\"result\",\"tag\":" + std::to_string(r.tag) + ",\"status\":" +
                        json_str(radius_status_name(r.status)) + ",\"server\":" +
                        std::to_string(r.server) + ",\"transmissions\":" +
                        std::to_string(r.transmissions);
        if (r.reply) j += reply_json(*r.reply);
        if (r.reply && method == "--mschapv2" && r.status == RadiusStatus::accept) {
            const MsState &m = ms[r.tag];
            auto want = ppp::generate_authenticator_response(pass, m.nt, m.peer, m.auth, user);
            std::string_view got = r.reply->ms_chap2_success;
            bool ok = got.size() == 43 && got.substr(1) == ppp::to_view(want);
            j += std::string(",\"mschapv2_authenticator_ok\":") + (ok ? "true" : "false");
        }
        std::printf("%s}\n", j.c_str());
    };
    for (size_t i = 0; i < count; ++i) {
        AccessRequest r;
        r.user_name = user;
        r.chap_id = uint8_t(i);
        ppp::ChapMd5Response chap{};
        if (method == "--pap") {
            r.method = AuthMethod::pap;
            r.password = pass;
        } else if (method == "--chap") {
            r.method = AuthMethod::chap;
            for (auto &b : ms[i].auth) b = uint8_t(loop.rng());
            chap = ppp::chap_md5_response(r.chap_id, pass, ms[i].auth);
            r.challenge = ms[i].auth;
            r.chap_response = chap;
        } else if (method == "--mschapv2") {
            r.method = AuthMethod::mschapv2;
            for (auto &b : ms[i].auth) b = uint8_t(loop.rng());
            for (auto &b : ms[i].peer) b = uint8_t(loop.rng());
            ms[i].nt = ppp::generate_nt_response(ms[i].auth, ms[i].peer, user, pass);
            r.challenge = ms[i].auth;
            r.peer_challenge = ms[i].peer;
            r.nt_response = ms[i].nt;
        } else {
            usage("auth method: --pap, --chap or --mschapv2");
        }
        Submitted s = loop.client.submit_access(r, i, mono_ns());
        if (s.status != RadiusStatus::pending) {
            std::printf("{\"type\":\"result\",\"tag\":%zu,\"status\":%s}\n", i,
                        json_str(radius_status_name(s.status)).c_str());
            loop.all_answered = false;
            continue;
        }
        ++loop.outstanding;
    }
    loop.run();
    print_counters(loop.client.counters());
    return loop.all_answered && !g_stop ? 0 : 1;
}

TerminateCause parse_cause(const std::string &s) {
    for (uint32_t c = 1; c <= 18; ++c)
        if (s == terminate_cause_name(TerminateCause(c))) return TerminateCause(c);
    usage("--cause: user_request, lost_carrier, idle_timeout, session_timeout, admin_reset, ...");
}

int cmd_acct(Options &o) {
    if (o.args.size() < 2) usage("acct (start|interim|stop) --session-id ID ...");
    AcctStatusType st = o.args[1] == "start"     ? AcctStatusType::Start
                        : o.args[1] == "interim" ? AcctStatusType::InterimUpdate
                        : o.args[1] == "stop"    ? AcctStatusType::Stop
                                                 : (usage("acct start|interim|stop"), AcctStatusType::Start);
    AcctSession s;
    TrafficCounters c;
    uint64_t session_time = 0;
    TerminateCause cause = TerminateCause::UserRequest;
    for (size_t i = 2; i + 1 < o.args.size(); i += 2) {
        const std::string &k = o.args[i], &v = o.args[i + 1];
        uint64_t n = std::strtoull(v.c_str(), nullptr, 10);
        if (k == "--session-id") s.session_id = v;
        else if (k == "--user") s.user_name = v;
        else if (k == "--in-octets") c.in_octets = n;
        else if (k == "--out-octets") c.out_octets = n;
        else if (k == "--in-packets") c.in_packets = n;
        else if (k == "--out-packets") c.out_packets = n;
        else if (k == "--session-time") session_time = n;
        else if (k == "--cause") cause = parse_cause(v);
        else if (k == "--class") s.classes.push_back(v);
        else if (k == "--framed-ip") { if (!parse_ipv4(v, &s.framed_ip)) usage("--framed-ip"); }
        else if (k == "--framed-ipv6-prefix") {
            if (!parse_ipv6_prefix(v, &s.framed_ipv6_prefix)) usage("--framed-ipv6-prefix");
            s.has_framed_ipv6_prefix = true;
        } else usage(("acct: unknown option " + k).c_str());
    }
    ClientLoop loop(o.cfg);
    uint64_t now = mono_ns();
    // Acct-Session-Time counts from start_ns; the session is placed on a clock of
    // its own (its start at 0) so that it may be older than the machine's uptime.
    s.start_ns = 0;
    const uint64_t session_now = session_time * 1000000000ull;
    loop.on_result = [&](const RadiusResult &r) {
        std::printf("{\"type\":\"result\",\"status\":%s,\"server\":%d,\"transmissions\":%u}\n",
                    json_str(radius_status_name(r.status)).c_str(), r.server, r.transmissions);
    };
    AccountingRequest req = s.request(st, c, session_now, uint32_t(time(nullptr)), cause);
    Submitted sub = loop.client.submit_accounting(req, 0, now);
    if (sub.status != RadiusStatus::pending) {
        std::printf("{\"type\":\"result\",\"status\":%s}\n", json_str(radius_status_name(sub.status)).c_str());
        return 1;
    }
    loop.outstanding = 1;
    loop.run();
    print_counters(loop.client.counters());
    return loop.all_answered && !g_stop ? 0 : 1;
}

// ---- DAE listener ----

void print_dae_request(const DaeRequest &r, bool ack) {
    std::string j = "{\"type\":\"dae_request\",\"kind\":" +
                    json_str(r.kind == DaeKind::coa ? "coa" : "disconnect") +
                    ",\"client\":" + json_str(format_ipv4(r.client_ip)) +
                    ",\"acct_session_id\":" + json_str(r.acct_session_id) +
                    ",\"user_name\":" + json_str(r.user_name);
    if (r.has_framed_ip) j += ",\"framed_ip\":" + json_str(format_ipv4(r.framed_ip));
    if (r.has_session_timeout) j += ",\"session_timeout\":" + std::to_string(r.session_timeout);
    if (r.has_idle_timeout) j += ",\"idle_timeout\":" + std::to_string(r.idle_timeout);
    if (r.has_interim_interval)
        j += ",\"acct_interim_interval\":" + std::to_string(r.acct_interim_interval);
    j += std::string(",\"answer\":") + (ack ? "\"ack\"" : "\"nak\"") + "}";
    std::printf("%s\n", j.c_str());
    std::fflush(stdout);
}

void print_dae_counters(const DaeCounters &c) {
    std::printf("{\"type\":\"summary\",\"counters\":{\"datagrams_in\":%lu,\"disconnect_requests\":%lu,"
                "\"coa_requests\":%lu,\"acks\":%lu,\"naks\":%lu,\"naks_auto\":%lu,\"duplicates\":%lu,"
                "\"unknown_client\":%lu",
                c.datagrams_in, c.disconnect_requests, c.coa_requests, c.acks, c.naks, c.naks_auto,
                c.duplicates, c.unknown_client);
    for (size_t e = 1; e < c.bad.size(); ++e)
        std::printf(",\"bad_%s\":%lu", radius_error_name(RadiusError(e)), c.bad[e]);
    std::printf("}}\n");
    std::fflush(stdout);
}

int cmd_dae(Options &o) {
    DaeConfig cfg;
    uint32_t lip = 0;
    uint16_t lport = 3799;
    std::set<std::string> unknown;
    uint64_t count = UINT64_MAX, duration_ms = 0;
    for (size_t i = 1; i + 1 < o.args.size(); i += 2) {
        const std::string &k = o.args[i], &v = o.args[i + 1];
        if (k == "--listen") {
            auto f = split(v, ':', 2);
            if (f.size() != 2 || !parse_ipv4(f[0], &lip)) usage("--listen IP:PORT");
            lport = uint16_t(std::atoi(f[1].c_str()));
        } else if (k == "--client") {
            auto f = split(v, ':', 2);
            DaeClient c;
            if (f.size() != 2 || !parse_ipv4(f[0], &c.ip)) usage("--client IP:SECRET");
            c.secret = f[1];
            cfg.clients.push_back(c);
        } else if (k == "--unknown-session") unknown.insert(v);
        else if (k == "--count") count = std::strtoull(v.c_str(), nullptr, 10);
        else if (k == "--duration-ms") duration_ms = std::strtoull(v.c_str(), nullptr, 10);
        else usage(("dae: unknown option " + k).c_str());
    }
    if (cfg.clients.empty()) usage("dae needs --client IP:SECRET");
    int fd = udp_socket(lip, lport);
    if (fd < 0) return 1;
    uint64_t seen = 0;
    DaeServer *srv = nullptr;
    DaeServer dae(
        cfg, [fd](const DaeDatagram &d) { udp_send(fd, d.ip, d.port, d.bytes); },
        [&](const DaeRequest &r) {
            bool ack = !unknown.count(r.acct_session_id);
            print_dae_request(r, ack);
            srv->answer(r.handle, ack, ack ? 0 : uint32_t(ErrorCause::SessionContextNotFound), mono_ns());
            ++seen;
        });
    srv = &dae;
    std::fprintf(stderr, "lns-radius-probe: DAE listening on %s:%u\n", format_ipv4(lip).c_str(), lport);
    uint64_t end = duration_ms ? mono_ns() + duration_ms * 1000000ull : UINT64_MAX;
    pollfd p{fd, POLLIN, 0};
    while (!g_stop && seen < count && mono_ns() < end) {
        poll(&p, 1, 100);
        uint8_t buf[kRadiusMaxLen + 64];
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        ssize_t n;
        while ((n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &fl)) >= 0) {
            dae.on_datagram(ntohl(from.sin_addr.s_addr), ntohs(from.sin_port), ByteSpan(buf, size_t(n)), mono_ns());
            fl = sizeof from;
        }
        dae.on_timer(mono_ns());
    }
    print_dae_counters(dae.counters());
    close(fd);
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    Options o = parse_global(argc, argv);
    const std::string &cmd = o.args[0];
    if (cmd == "dae") return cmd_dae(o);
    if (o.cfg.servers.empty()) usage("auth/acct need --server");
    try {
        if (cmd == "auth") return cmd_auth(o);
        if (cmd == "acct") return cmd_acct(o);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "lns-radius-probe: %s\n", e.what());
        return 2;
    }
    usage(("unknown command " + cmd).c_str());
}
