#include "controlplane/log.hpp"
#include "mgmt/api_server.hpp"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <rte_ethdev.h>

#include <charconv>
#include <cstring>
#include <cstdio>
#include <fstream>

#include "mgmt/apply.hpp"
#include "mgmt/request.hpp"
#include "mgmt/views.hpp"

namespace lns::mgmt {

using nlohmann::json;

namespace {

constexpr const char *kJson = "application/json";

void send(httplib::Response &res, int status, const json &body) {
    res.status = status;
    // Invalid UTF-8 (a config value, an error quoting it) becomes U+FFFD rather
    // than an exception (found by fuzz_mgmt).
    res.set_content(body.dump(2, ' ', false, json::error_handler_t::replace) + "\n", kJson);
}

void send(httplib::Response &res, const Outcome &o) {
    if (o.status == 204) {
        res.status = 204;  // no body
        return;
    }
    send(res, o.status, o.body);
}

std::array<unsigned char, 32> sha256(const std::string &s) {
    std::array<unsigned char, 32> d{};
    unsigned len = 0;
    EVP_Digest(s.data(), s.size(), d.data(), &len, EVP_sha256(), nullptr);
    return d;
}

// "\"7\"" (GCC 12 warns falsely about "\"" + std::string at -O3).
std::string etag(uint64_t version) {
    char b[32];
    std::snprintf(b, sizeof b, "\"%llu\"", static_cast<unsigned long long>(version));
    return b;
}

void log_request(const httplib::Request &req, const httplib::Response &res) {
    if (req.method == "GET") return;  // reads are not logged (metrics scrapes)
    log::event(res.status < 400 ? log::Level::notice : log::Level::warning, "api_request")
        .kv("method", req.method)
        .kv("path", req.path)
        .kv("client", req.remote_addr)
        .kv("status", res.status);
}

}  // namespace

const std::vector<Route> &routes() {
    static const std::vector<Route> r = {
        {"GET", "/healthz"},
        {"GET", "/readyz"},
        {"GET", "/metrics"},
        {"GET", "/api/v1/routes"},
        {"GET", "/api/v1/config"},
        {"PUT", "/api/v1/config"},
        {"POST", "/api/v1/config/validate"},
        {"GET", "/api/v1/config/version"},
        {"GET", "/api/v1/sessions"},
        {"GET", "/api/v1/sessions/{id}"},
        {"DELETE", "/api/v1/sessions/{id}"},
        {"POST", "/api/v1/sessions/{id}/disconnect"},
        {"GET", "/api/v1/tunnels"},
        {"GET", "/api/v1/tunnels/{id}"},
        {"DELETE", "/api/v1/tunnels/{id}"},
        {"GET", "/api/v1/stats"},
        {"GET", "/api/v1/sas"},
        {"POST", "/api/v1/sas"},
        {"DELETE", "/api/v1/sas/{name}"},
        {"POST", "/api/v1/sas/{name}/rekey"},
    };
    return r;
}

bool read_token_file(const std::string &path, std::string *token, std::string *err) {
    std::ifstream in(path);
    if (!in) return *err = "api.token_file: cannot read '" + path + "'", false;
    std::string line;
    std::getline(in, line);
    const auto b = line.find_first_not_of(" \t\r\n");
    const auto e = line.find_last_not_of(" \t\r\n");
    *token = b == std::string::npos ? "" : line.substr(b, e - b + 1);
    if (token->empty()) return *err = "api.token_file: '" + path + "' holds no token", false;
    return true;
}

bool token_equal(const std::string &a, const std::string &b) {
    const auto ha = sha256(a), hb = sha256(b);
    return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

ApiServer::ApiServer(const cfg::ApiConfig &api, std::string token, std::string base_dir,
                     CommandQueue &queue, dp::Runtime &rt, cp::ControlCore &cc, ConfigStore &store,
                     SaBackend &sas)
    : api_(api),
      token_(std::move(token)),
      base_dir_(std::move(base_dir)),
      queue_(queue),
      rt_(rt),
      cc_(cc),
      store_(store),
      sas_(sas),
      start_(full_snapshot(rt, cc)) {}

ApiServer::~ApiServer() {
    stop();
}

bool ApiServer::authorized(const httplib::Request &req) const {
    const std::string h = req.get_header_value("Authorization");
    if (h.rfind("Bearer ", 0) != 0) return false;
    return token_equal(h.substr(7), token_);
}

bool ApiServer::on_core(httplib::Response &res, const CommandQueue::Fn &fn) {
    const auto r = queue_.run(fn, std::chrono::milliseconds(api_.command_timeout_ms));
    if (r == CommandQueue::Result::done) return true;
    c_.control_timeouts++;
    send(res, 503,
         {{"error", r == CommandQueue::Result::closed
                        ? std::string("lnsd is shutting down")
                        : "the control core did not answer within " +
                              std::to_string(api_.command_timeout_ms) + " ms"}});
    return false;
}

std::vector<ExtraMetric> ApiServer::metrics() const {
    std::vector<ExtraMetric> v;
#define LNS_API_METRIC(n) \
    v.push_back({"lnsd_api_" #n "_total", "management API: " #n, true, c_.n.load()});
    LNS_API_COUNTERS(LNS_API_METRIC)
#undef LNS_API_METRIC
    v.push_back({"lnsd_config_version", "version of the running configuration", false,
                 store_.version().version});
    return v;
}

void ApiServer::config_put(const httplib::Request &req, httplib::Response &res, bool dry_run) {
    std::unique_lock push(push_mu_, std::defer_lock);
    if (!dry_run && !push.try_lock()) {
        c_.config_conflicts++;
        return send(res, 409, {{"error", "another configuration push is in progress; retry"}});
    }
    std::optional<uint64_t> if_match;
    if (req.has_header("If-Match")) {
        if_match = parse_if_match(req.get_header_value("If-Match"));
        if (!if_match)
            return send(res, 400, {{"error", "If-Match must be a configuration version number"}});
    }
    const Candidate c = store_.parse(req.body, "request");
    if (!c.config) {
        c_.config_rejected++;
        return send(res, reject(c));
    }
    Outcome o;
    if (!on_core(res, [&] { o = apply_candidate(cc_, store_, c, req.body, if_match, dry_run); }))
        return;
    if (o.status == 200 && !dry_run && !o.body.contains("unchanged")) c_.config_applied++;
    if (o.status == 409 || o.status == 412) c_.config_conflicts++;
    if (o.status == 200 && o.body.contains("version"))
        res.set_header("ETag", etag(o.body["version"].get<uint64_t>()));
    send(res, o);
}

void ApiServer::install_routes() {
    httplib::Server &s = *srv_;
    s.set_payload_max_length(api_.max_body_bytes);
    s.set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &res) {
        c_.requests++;
        if (req.path == "/healthz" || req.path == "/readyz")
            return httplib::Server::HandlerResponse::Unhandled;
        if (authorized(req)) return httplib::Server::HandlerResponse::Unhandled;
        c_.unauthorized++;
        res.set_header("WWW-Authenticate", "Bearer");
        send(res, 401, {{"error", "unauthorized"}});
        return httplib::Server::HandlerResponse::Handled;
    });
    s.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request &, httplib::Response &res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            if (res.status == 413) {
                c_.too_large++;
                send(res, 413,
                     {{"error", "request body larger than api.max_body_bytes (" +
                                    std::to_string(api_.max_body_bytes) + ")"}});
            } else if (res.status == 404) {
                c_.not_found++;
                send(res, 404, {{"error", "no such route"}});
            } else {
                send(res, res.status, {{"error", "HTTP status " + std::to_string(res.status)}});
            }
            return httplib::Server::HandlerResponse::Handled;
        }));
    // The client gets no detail; the log gets the exception's text.
    s.set_exception_handler(
        [](const httplib::Request &req, httplib::Response &res, std::exception_ptr ep) {
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception &e) {
                log::event(log::Level::error, "api_internal_error")
                    .kv("method", req.method)
                    .kv("path", req.path)
                    .kv("error", e.what());
            } catch (...) {
            }
            send(res, 500, {{"error", "internal error"}});
        });
    s.set_logger(log_request);
    install_status_routes(s);
    install_config_routes(s);
    install_session_routes(s);
    install_sa_routes(s);
}

// Health, readiness, metrics, statistics, the route table.
void ApiServer::install_status_routes(httplib::Server &s) {
    s.Get("/healthz", [](const httplib::Request &, httplib::Response &res) {
        send(res, 200, {{"status", "alive"}});
    });
    s.Get("/readyz", [this](const httplib::Request &, httplib::Response &res) {
        json ports = json::array();
        bool ready = true;
        if (!on_core(res, [&] {
                for (size_t i = 0; i < rt_.ports.size(); i++) {
                    rte_eth_link link{};
                    const bool up = rte_eth_link_get_nowait(rt_.ports[i].port_id, &link) == 0 &&
                                    link.link_status;
                    ready = ready && up;
                    ports.push_back({{"name", rt_.cfg.ports[i].name}, {"up", up}});
                }
            }))
            return;
        send(res, ready ? 200 : 503, {{"ready", ready}, {"runtime", "started"}, {"ports", ports}});
    });
    s.Get("/metrics", [this](const httplib::Request &, httplib::Response &res) {
        dp::Snapshot snap;
        if (!on_core(res, [&] { snap = full_snapshot(rt_, cc_); })) return;
        res.set_content(format_prometheus(snap, metrics()), "text/plain; version=0.0.4");
    });
    s.Get("/api/v1/routes", [](const httplib::Request &, httplib::Response &res) {
        json list = json::array();
        for (const Route &r : routes()) list.push_back({{"method", r.method}, {"path", r.path}});
        send(res, 200, {{"routes", list}});
    });

    // ---- statistics
    s.Get("/api/v1/stats", [this](const httplib::Request &, httplib::Response &res) {
        std::string text;
        if (!on_core(res, [&] { text = dp::format_json(full_snapshot(rt_, cc_), start_); })) return;
        json j = json::parse(text, nullptr, false);
        if (j.is_discarded()) return send(res, 500, {{"error", "internal error: stats JSON"}});
        json drops = json::array();
        for (size_t i = 0; i < dp::kDropCount; i++)
            drops.push_back({{"reason", dp::drop_name(dp::Drop(i))},
                             {"description", dp::drop_description(dp::Drop(i))}});
        j["drop_reasons"] = drops;
        json api;
#define LNS_API_JSON(n) api[#n] = c_.n.load();
        LNS_API_COUNTERS(LNS_API_JSON)
#undef LNS_API_JSON
        j["api"] = api;
        send(res, 200, j);
    });
}

void ApiServer::install_config_routes(httplib::Server &s) {
    s.Get("/api/v1/config", [this](const httplib::Request &req, httplib::Response &res) {
        const std::string text = store_.text();
        const VersionInfo v = store_.version();
        res.set_header("ETag", etag(v.version));
        const std::string accept = req.get_header_value("Accept");
        if (accept.find("yaml") != std::string::npos)
            res.set_content(ConfigStore::redacted_yaml(text), "application/yaml");
        else
            send(res, 200,
                 {{"version", v.version},
                  {"hash", v.hash},
                  {"config", ConfigStore::redacted_json(text)}});
    });
    s.Put("/api/v1/config", [this](const httplib::Request &req, httplib::Response &res) {
        config_put(req, res, false);
    });
    s.Post("/api/v1/config/validate", [this](const httplib::Request &req, httplib::Response &res) {
        config_put(req, res, true);
    });
    s.Get("/api/v1/config/version", [this](const httplib::Request &, httplib::Response &res) {
        const VersionInfo v = store_.version();
        send(res, 200, {{"version", v.version}, {"hash", v.hash}});
    });
}

void ApiServer::install_session_routes(httplib::Server &s) {
    s.Get("/api/v1/sessions", [this](const httplib::Request &req, httplib::Response &res) {
        SessionFilter f;
        f.state = req.get_param_value("state");
        f.user = req.get_param_value("user");
        for (const char *k : {"tunnel", "limit", "offset"}) {
            if (!req.has_param(k)) continue;
            const std::string_view key = k;
            auto v = parse_uint(req.get_param_value(k), key == "tunnel"  ? 65535
                                                        : key == "limit" ? 10000
                                                                         : UINT32_MAX);
            if (!v)
                return send(res, 400,
                            {{"error", std::string("query parameter '") + k + "' must be a number" +
                                           (std::string(k) == "limit" ? " (0..10000)" : "")}});
            if (std::string(k) == "tunnel")
                f.tunnel = uint16_t(*v);
            else if (std::string(k) == "limit")
                f.limit = *v;
            else
                f.offset = *v;
        }
        if (!f.state.empty() && f.state != "up" && f.state != "starting" && f.state != "ending" &&
            f.state != "l2tp")
            return send(res, 400, {{"error", "state must be one of up, starting, ending, l2tp"}});
        json out;
        if (on_core(res, [&] { out = session_list(rt_, cc_, f); })) send(res, 200, out);
    });
    s.Get(R"(/api/v1/sessions/(\d+))", [this](const httplib::Request &req, httplib::Response &res) {
        auto id = parse_uint(req.matches[1].str(), UINT32_MAX);
        if (!id) return send(res, 404, {{"error", "no such session"}});
        json out;
        if (!on_core(res, [&] { out = session_detail(rt_, cc_, uint32_t(*id)); })) return;
        if (out.is_null()) return send(res, 404, {{"error", "no such session"}});
        send(res, 200, out);
    });
    auto disconnect = [this](const httplib::Request &req, httplib::Response &res) {
        auto id = parse_uint(req.matches[1].str(), UINT32_MAX);
        bool ok = false;
        if (id && !on_core(res, [&] { ok = cc_.disconnect_session(uint32_t(*id)); })) return;
        if (!ok) return send(res, 404, {{"error", "no such session (or already ending)"}});
        send(res, 202, {{"id", *id}, {"status", "disconnecting"}});
    };
    s.Delete(R"(/api/v1/sessions/(\d+))", disconnect);
    s.Post(R"(/api/v1/sessions/(\d+)/disconnect)", disconnect);
    s.Get("/api/v1/tunnels", [this](const httplib::Request &, httplib::Response &res) {
        json out;
        if (on_core(res, [&] { out = tunnel_list(cc_); })) send(res, 200, out);
    });
    s.Get(R"(/api/v1/tunnels/(\d+))", [this](const httplib::Request &req, httplib::Response &res) {
        auto id = parse_uint(req.matches[1].str(), 65535);
        json out;
        if (id && !on_core(res, [&] { out = tunnel_detail(cc_, uint16_t(*id)); })) return;
        if (out.is_null()) return send(res, 404, {{"error", "no such tunnel"}});
        send(res, 200, out);
    });
    s.Delete(R"(/api/v1/tunnels/(\d+))",
             [this](const httplib::Request &req, httplib::Response &res) {
                 auto id = parse_uint(req.matches[1].str(), 65535);
                 bool ok = false;
                 if (id && !on_core(res, [&] { ok = cc_.clear_tunnel(uint16_t(*id)); })) return;
                 if (!ok) return send(res, 404, {{"error", "no such tunnel (or already closing)"}});
                 send(res, 202, {{"id", *id}, {"status", "clearing"}});
             });
}

// ESP SAs (sa_backend.hpp); bodies must be JSON objects, parsed then as SA entries.
void ApiServer::install_sa_routes(httplib::Server &s) {
    s.Get("/api/v1/sas", [this](const httplib::Request &, httplib::Response &res) {
        Outcome o;
        if (on_core(res, [&] { o = sas_.list(); })) send(res, o);
    });
    s.Post("/api/v1/sas", [this](const httplib::Request &req, httplib::Response &res) {
        json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
            return send(res, 400, {{"error", "body must be a JSON object"}});
        Outcome o;
        if (on_core(res, [&] { o = sas_.add(req.body); })) send(res, o);
    });
    s.Delete(R"(/api/v1/sas/([A-Za-z0-9_.-]+))",
             [this](const httplib::Request &req, httplib::Response &res) {
                 const std::string name = req.matches[1];
                 Outcome o;
                 if (on_core(res, [&] { o = sas_.remove(name); })) send(res, o);
             });
    s.Post(R"(/api/v1/sas/([A-Za-z0-9_.-]+)/rekey)", [this](const httplib::Request &req,
                                                            httplib::Response &res) {
        const std::string name = req.matches[1];
        json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
            return send(res, 400,
                        {{"error", "body must be a JSON object: {\"inbound\": SA, \"outbound\": SA}"}});
        Outcome o;
        if (on_core(res, [&] { o = sas_.rekey(name, req.body); })) send(res, o);
    });
}

bool ApiServer::start(std::string *err) {
    if (api_.tls) {
        auto path = [&](const std::string &p) { return p[0] == '/' ? p : base_dir_ + p; };
        srv_ = std::make_unique<httplib::SSLServer>(path(api_.tls->cert).c_str(),
                                                    path(api_.tls->key).c_str());
        if (!srv_->is_valid())
            return *err = "api.tls: cannot load certificate '" + api_.tls->cert + "' / key '" +
                          api_.tls->key + "'",
                   false;
    } else {
        srv_ = std::make_unique<httplib::Server>();
    }
    install_routes();
    const std::string host = ipv4_text(api_.listen_ip);
    if (!srv_->bind_to_port(host, api_.listen_port))
        return *err = "api.listen: cannot bind " + api_.listen + ": " + std::strerror(errno), false;
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "lnsd-mgmt");
        srv_->listen_after_bind();
    });
    return true;
}

void ApiServer::stop() {
    if (srv_) srv_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace lns::mgmt
