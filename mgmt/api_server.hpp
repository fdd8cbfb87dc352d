// The management REST API (README "Management API", docs/api/openapi.yaml).
//
// One management thread (a plain std::thread, not a DPDK lcore) runs
// cpp-httplib's server, whose own pool of threads handles requests.  None of
// them touches the control core's state, the tables or DPDK: every command and
// every read that needs consistent data is posted to the CommandQueue, run by
// the control core, and its result returned as a value (bounded wait:
// api.command_timeout_ms, then 503).
//
// Security: a bearer token (api.token_file) on every route but /healthz and
// /readyz, compared in constant time (SHA-256 of both, CRYPTO_memcmp); 401
// without detail.  Optional TLS (api.tls).  Bodies over api.max_body_bytes: 413.
// No secret is returned (GET /config is redacted) or logged (the log line of a
// request has method, path, peer and status only).
//
// Thread: construct, start() and stop() from lnsd's main thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "controlplane/control_core.hpp"
#include "dataplane/runtime.hpp"
#include "mgmt/command_queue.hpp"
#include "mgmt/config_store.hpp"
#include "mgmt/metrics.hpp"
#include "mgmt/sa_backend.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace lns::mgmt {

struct Route {
    const char *method;
    const char *path;  // OpenAPI form: /api/v1/sessions/{id}
};
// Every route the server serves (GET /api/v1/routes, lnsd --print-routes).
const std::vector<Route> &routes();

#define LNS_API_COUNTERS(X)                                                         \
    X(requests)                                                                     \
    X(unauthorized) X(too_large) X(not_found) X(control_timeouts) X(config_applied) \
        X(config_rejected) X(config_conflicts)

struct ApiCounters {
#define LNS_API_FIELD(n) std::atomic<uint64_t> n{0};
    LNS_API_COUNTERS(LNS_API_FIELD)
#undef LNS_API_FIELD
};

// Reads the token file: the first line, surrounding whitespace removed.  Empty
// (or unreadable) -> false with *err.
bool read_token_file(const std::string &path, std::string *token, std::string *err);
// Constant-time comparison (both hashed with SHA-256 first, so the time does
// not depend on the lengths either).
bool token_equal(const std::string &a, const std::string &b);

class ApiServer {
  public:
    // Construct on the control core (it takes the counters at start, for the
    // rates in GET /stats).  `base_dir`: the configuration file's directory.
    ApiServer(const cfg::ApiConfig &api, std::string token, std::string base_dir,
              CommandQueue &queue, dp::Runtime &rt, cp::ControlCore &cc, ConfigStore &store,
              SaBackend &sas);
    ~ApiServer();

    // Binds api.listen (TLS when configured) and starts the thread.
    bool start(std::string *err);
    void stop();
    const ApiCounters &counters() const { return c_; }
    std::vector<ExtraMetric> metrics() const;

  private:
    void install_routes();
    void install_status_routes(httplib::Server &s);
    void install_config_routes(httplib::Server &s);
    void install_session_routes(httplib::Server &s);
    void install_sa_routes(httplib::Server &s);
    bool authorized(const httplib::Request &req) const;
    // Runs `fn` on the control core; false (503 set in `res`) when it did not answer.
    bool on_core(httplib::Response &res, const CommandQueue::Fn &fn);
    void config_put(const httplib::Request &req, httplib::Response &res, bool dry_run);

    cfg::ApiConfig api_;
    std::string token_;
    std::string base_dir_;
    CommandQueue &queue_;
    dp::Runtime &rt_;
    cp::ControlCore &cc_;
    ConfigStore &store_;
    SaBackend &sas_;
    dp::Snapshot start_;
    std::unique_ptr<httplib::Server> srv_;
    std::thread thread_;
    std::mutex push_mu_;  // one configuration push at a time; a second one gets 409
    ApiCounters c_;
};

}  // namespace lns::mgmt
