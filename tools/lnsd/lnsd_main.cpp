// lnsd: the L2TP Network Server.
//
//   lnsd -c FILE [--duration S] [--warmup S] [--exit-idle MS] [--stats-json FILE] [--quiet]
//   lnsd --check-config FILE
//   lnsd --print-routes
//
// The main lcore runs the control core; workers run on the lcores the
// configuration names; with an `api:` section a management thread serves the
// REST API (mgmt/), whose commands the control loop runs from a queue.
// SIGINT/SIGTERM stop it; SIGUSR1 prints the counters; SIGHUP reloads the
// configuration file through the API's apply path.
#include <rte_cycles.h>
#include <rte_eal.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "config/load.hpp"
#include "mgmt/api_server.hpp"
#include "mgmt/apply.hpp"
#include "mgmt/command_queue.hpp"
#include "mgmt/config_store.hpp"
#include "mgmt/views.hpp"
#include "controlplane/control_core.hpp"
#include "controlplane/log.hpp"
#include "crypto/ipsec_mb_info.hpp"
#include "dataplane/runtime.hpp"
#include "dataplane/stats.hpp"
#include "tools/lnsd/sd_notify.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_dump = 0;
volatile std::sig_atomic_t g_reload = 0;

void on_signal(int sig) {
    if (sig == SIGUSR1)
        g_dump = 1;
    else if (sig == SIGHUP)
        g_reload = 1;
    else
        g_stop = 1;
}

struct Options {
    std::string config;
    bool check_only = false;
    double duration = 0;
    double warmup = 0;
    double exit_idle_ms = 0;
    std::string stats_json;
    bool quiet = false;
};

void usage(FILE *f) {
    std::fputs(
        "usage: lnsd -c FILE [options]\n"
        "       lnsd --check-config FILE\n"
        "options:\n"
        "  -c, --config FILE     configuration (YAML)\n"
        "  --check-config FILE   validate FILE, print errors, exit 0 (valid) or 1\n"
        "  --duration SEC        stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
        "  --warmup SEC          leave the first SEC seconds out of the rates\n"
        "  --exit-idle MS        stop once no port has received for MS milliseconds\n"
        "  --stats-json FILE     write the final counters as JSON\n"
        "  --quiet               no summary on stdout at exit\n"
        "  --print-routes        print the management API's routes (METHOD PATH) and exit\n"
        "  -h, --help            this text\n"
        "SIGUSR1 prints the counters; SIGHUP reloads the configuration; SIGINT/SIGTERM stop lnsd.\n",
        f);
}

bool parse_args(int argc, char **argv, Options *o) {
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        auto value = [&](const char *what) -> const char * {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "lnsd: %s needs a value\n", what);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "-c" || a == "--config") o->config = value("--config");
        else if (a == "--check-config") o->config = value("--check-config"), o->check_only = true;
        else if (a == "--duration") o->duration = std::atof(value("--duration"));
        else if (a == "--warmup") o->warmup = std::atof(value("--warmup"));
        else if (a == "--exit-idle") o->exit_idle_ms = std::atof(value("--exit-idle"));
        else if (a == "--stats-json") o->stats_json = value("--stats-json");
        else if (a == "--quiet") o->quiet = true;
        else if (a == "--print-routes") {
            for (const auto &r : lns::mgmt::routes()) std::printf("%s %s\n", r.method, r.path);
            std::exit(0);
        }
        else if (a == "-h" || a == "--help") usage(stdout), std::exit(0);
        else {
            std::fprintf(stderr, "lnsd: unknown argument '%s'\n", a.c_str());
            usage(stderr);
            return false;
        }
    }
    if (o->config.empty()) {
        usage(stderr);
        return false;
    }
    return true;
}

std::string read_text(const std::string &path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

uint64_t now_ns() {
    return uint64_t(double(rte_get_tsc_cycles()) * 1e9 / double(rte_get_tsc_hz()));
}

lns::dp::Snapshot snapshot(const lns::dp::Runtime &rt, const lns::cp::ControlCore &cc) {
    return lns::mgmt::full_snapshot(rt, cc);
}

// SIGHUP: the file again, through the API's apply path; the result is logged.
void reload(lns::cp::ControlCore &cc, lns::mgmt::ConfigStore &store) {
    std::string text;
    const lns::mgmt::Candidate c = store.reload(&text);
    const lns::mgmt::Outcome o = c.config ? lns::mgmt::apply_candidate(cc, store, c, text, std::nullopt, false)
                                          : lns::mgmt::reject(c);
    lns::log::event(o.status < 300 ? lns::log::Level::notice : lns::log::Level::warning, "config_reload")
        .kv("trigger", "SIGHUP")
        .kv("file", store.path())
        .kv("status", o.status)
        .kv("result", o.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The control loop on the main lcore; returns when a stop condition holds.
void run(lns::dp::Runtime &rt, lns::cp::ControlCore &cc, const Options &o,
         lns::dp::Snapshot *window_start, lns::mgmt::CommandQueue &queue, lns::mgmt::ConfigStore &store) {
    const uint64_t t0 = now_ns();
    uint32_t stats_interval_s = cc.running_config().stats_interval_s;  // hot: follows reloads
    uint64_t stats_every = uint64_t(stats_interval_s) * 1000000000ull;
    uint64_t next_stats = stats_every ? t0 + stats_every : UINT64_MAX;
    bool warm = o.warmup <= 0;
    uint64_t last_rx = 0, last_rx_change = t0, next_idle_check = t0;
    unsigned idle_polls = 0;
    lns::dp::Snapshot last_print = *window_start;
    // systemd watchdog (WatchdogSec=): ping at half the interval from this loop,
    // so a control core that stops polling gets the service restarted.
    const char *wd = std::getenv("WATCHDOG_USEC");
    const uint64_t wd_every = wd ? uint64_t(std::strtoull(wd, nullptr, 10)) * 500 : 0;
    uint64_t next_wd = wd_every ? t0 : UINT64_MAX;
    while (!g_stop) {
        const uint64_t now = now_ns();
        if (now >= next_wd) {
            lns::tools::sd_notify("WATCHDOG=1");
            next_wd = now + wd_every;
        }
        idle_polls = cc.poll(now) + queue.drain() ? 0 : idle_polls + 1;
        if (g_reload) {
            g_reload = 0;
            reload(cc, store);
        }
        if (cc.running_config().stats_interval_s != stats_interval_s) {
            stats_interval_s = cc.running_config().stats_interval_s;
            stats_every = uint64_t(stats_interval_s) * 1000000000ull;
            next_stats = stats_every ? now + stats_every : UINT64_MAX;
        }
        if (!warm && now - t0 >= uint64_t(o.warmup * 1e9)) {
            *window_start = snapshot(rt, cc);
            warm = true;
        }
        if (o.duration > 0 && now - t0 >= uint64_t(o.duration * 1e9)) break;
        if (g_dump || now >= next_stats) {
            const lns::dp::Snapshot s = snapshot(rt, cc);
            std::fputs(lns::dp::format_text(s, g_dump ? *window_start : last_print).c_str(), stdout);
            std::fflush(stdout);
            last_print = s;
            g_dump = 0;
            if (now >= next_stats) next_stats = now + stats_every;
        }
        if (o.exit_idle_ms > 0 && now >= next_idle_check) {
            next_idle_check = now + 5000000;  // every 5 ms
            const uint64_t rx = lns::dp::take_snapshot(rt).rx_total();
            if (rx != last_rx) last_rx = rx, last_rx_change = now;
            else if (now - last_rx_change >= uint64_t(o.exit_idle_ms * 1e6)) break;
        }
        if (idle_polls > 1000) rte_delay_us_sleep(20);  // nothing to do: yield the core
    }
}

}  // namespace

int main(int argc, char **argv) {
    Options o;
    if (!parse_args(argc, argv, &o)) return 2;
    lns::cfg::LoadResult lr = lns::cfg::load_config_file(o.config);
    if (!lr.config) {
        for (const auto &e : lr.errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::fprintf(stderr, "lnsd: %zu error(s) in %s\n", lr.errors.size(), o.config.c_str());
        return 1;
    }
    const lns::cfg::Config &cfg = *lr.config;
    if (o.check_only) {
        size_t sessions = 0;
        for (const auto &s : cfg.sessions) sessions += s.count;
        std::printf("%s: OK (%zu ports, %zu workers, %zu static sessions)\n", o.config.c_str(),
                    cfg.ports.size(), cfg.workers.size(), sessions);
        return 0;
    }
    namespace log = lns::log;
    log::configure(log::log_options(cfg.logging));
    log::event(log::Level::notice, "lnsd_start").kv("version", LNS_VERSION).kv("config", o.config);
    std::string err;
    if (!lns::dp::init_eal(cfg, argv[0], &err)) {
        std::fprintf(stderr, "lnsd: %s\n", err.c_str());
        return 1;
    }
    std::printf("lnsd %s: %s\n", LNS_VERSION, lns::crypto::ipsec_mb_describe().c_str());
    int rc = 0;
    {
        auto rt = lns::dp::create_runtime(cfg, &err);
        std::unique_ptr<lns::cp::ControlCore> cc;
        if (rt) {
            cc = std::make_unique<lns::cp::ControlCore>(*rt);
            if (!cc->init(&err)) rt.reset();
        }
        if (!rt || !lns::dp::start_runtime(*rt, &err)) {
            log::event(log::Level::error, "lnsd_start_failed").kv("error", err);
            std::fprintf(stderr, "lnsd: %s\n", err.c_str());
            rte_eal_cleanup();
            return 1;
        }
        std::printf("lnsd: %zu ports, %zu workers, %u sessions; running\n", rt->ports.size(),
                    rt->workers.size(), rt->tables->session_count());
        std::fflush(stdout);
        log::event(log::Level::notice, "lnsd_running")
            .kv("ports", uint64_t(rt->ports.size()))
            .kv("workers", uint64_t(rt->workers.size()))
            .kv("static_sessions", rt->tables->session_count())
            .kv("ipsec_mb", lns::crypto::ipsec_mb_describe());
        std::string nerr;
        if (!lns::tools::sd_notify("READY=1\nSTATUS=running: " + std::to_string(rt->ports.size()) +
                                       " ports, " + std::to_string(rt->workers.size()) + " workers",
                                   &nerr))
            std::fprintf(stderr, "lnsd: systemd notification failed: %s\n", nerr.c_str());
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        std::signal(SIGUSR1, on_signal);
        std::signal(SIGHUP, on_signal);
        lns::mgmt::CommandQueue queue;
        lns::mgmt::ConfigStore store(o.config, read_text(o.config));
        lns::mgmt::ControlSaBackend sas(*rt, *cc);
        std::unique_ptr<lns::mgmt::ApiServer> api;
        if (cfg.api.enabled) {
            const auto slash = o.config.rfind('/');
            const std::string dir = slash == std::string::npos ? "" : o.config.substr(0, slash + 1);
            const std::string tf = cfg.api.token_file[0] == '/' ? cfg.api.token_file : dir + cfg.api.token_file;
            std::string token;
            if (lns::mgmt::read_token_file(tf, &token, &err)) {
                api = std::make_unique<lns::mgmt::ApiServer>(cfg.api, token, dir, queue, *rt, *cc, store, sas);
                if (!api->start(&err)) api.reset();
            }
            if (!api) {
                std::fprintf(stderr, "lnsd: %s\n", err.c_str());
                g_stop = 1;
                rc = 1;
            } else {
                std::printf("lnsd: management API on %s://%s\n", cfg.api.tls ? "https" : "http", cfg.api.listen.c_str());
                std::fflush(stdout);
            }
        }
        lns::dp::Snapshot start = snapshot(*rt, *cc);
        run(*rt, *cc, o, &start, queue, store);
        queue.close();  // API requests still waiting get 503
        api.reset();
        lns::tools::sd_notify("STOPPING=1\nSTATUS=stopping: StopCCN to every tunnel");
        log::event(log::Level::notice, "lnsd_stopping")
            .kv("reason", g_stop ? "signal" : "duration or idle exit");
        // Graceful end: StopCCN (result 6) to every LAC, delivered while the
        // workers still run; bounded so a dead peer cannot hold the exit.
        cc->shutdown_subscribers();  // LCP Terminate; accounting Stop when the calls end
        cc->shutdown_l2tp();
        for (const uint64_t until = now_ns() + 2000000000ull; cc->l2tp_unacked() && now_ns() < until;) {
            if (!cc->poll(now_ns())) rte_delay_us_sleep(100);
        }
        lns::dp::stop_workers(*rt);
        cc->poll(now_ns());  // free what is left in the punt rings
        const lns::dp::Snapshot end = snapshot(*rt, *cc);
        if (!o.quiet) std::fputs(lns::dp::format_text(end, start).c_str(), stdout);
        if (!o.stats_json.empty()) {
            std::ofstream js(o.stats_json);
            js << lns::dp::format_json(end, start);
            if (!js) {
                std::fprintf(stderr, "lnsd: cannot write %s\n", o.stats_json.c_str());
                rc = 1;
            }
        }
        lns::dp::close_ports(*rt);
        cc.reset();
        rt.reset();
    }
    rte_eal_cleanup();
    log::event(log::Level::notice, "lnsd_stopped").kv("exit_code", rc);
    return rc;
}
