// Rendering of the emulator's Report: human summary, progress line, JSON.
#include "tools/lac-emu/report.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <vector>

#include "controlplane/l2tp/avp.hpp"

namespace lns::lacemu {

namespace {

// A minimal pretty-printing JSON writer (keys and strings we produce are ASCII;
// control characters and quotes are escaped anyway).
class Json {
  public:
    void open(const char *key, char bracket = '{') {
        item(key);
        out_ += bracket;
        first_.push_back(true);
    }
    void close(char bracket = '}') {
        const bool empty = first_.back();
        first_.pop_back();
        if (!empty) newline();
        out_ += bracket;
    }
    void num(const char *key, uint64_t v) {
        item(key);
        out_ += std::to_string(v);
    }
    void real(const char *key, double v, int digits = 3) {
        item(key);
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", digits, v);
        out_ += buf;
    }
    void boolean(const char *key, bool v) {
        item(key);
        out_ += v ? "true" : "false";
    }
    void str(const char *key, const std::string &v) {
        item(key);
        quote(v);
    }
    std::string take() { return std::move(out_) + "\n"; }

  private:
    void newline() {
        out_ += '\n';
        out_.append(2 * first_.size(), ' ');
    }
    void item(const char *key) {
        if (!first_.empty()) {
            if (!first_.back()) out_ += ',';
            first_.back() = false;
            newline();
        }
        if (key) {
            quote(key);
            out_ += ": ";
        }
    }
    void quote(const std::string &s) {
        out_ += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\') {
                out_ += '\\';
                out_ += c;
            } else if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out_ += buf;
            } else {
                out_ += c;
            }
        }
        out_ += '"';
    }
    std::string out_;
    std::vector<bool> first_;
};

void percentiles(Json &j, const char *key, const Percentiles &p) {
    j.open(key);
    j.num("count", p.count);
    j.real("p50", p.p50_ms);
    j.real("p90", p.p90_ms);
    j.real("p99", p.p99_ms);
    j.real("max", p.max_ms);
    j.close();
}

void msg_counts(Json &j, const char *key,
                const std::array<uint64_t, cp::l2tp::kMaxMsgType + 1> &v) {
    j.open(key);
    for (unsigned t = 1; t < v.size(); t++)
        if (v[t]) j.num(cp::l2tp::msg_type_name(cp::l2tp::MsgType(t)), v[t]);
    j.close();
}

void endpoint(Json &j, const cp::l2tp::EndpointCounters &c) {
    j.open("endpoint");
    j.num("datagrams_in", c.datagrams_in);
    j.num("header_errors", c.header_errors);
    j.num("decode_errors", c.decode_errors);
    j.num("unknown_tunnel", c.unknown_tunnel);
    j.num("wrong_source", c.wrong_source);
    j.num("unexpected_messages", c.unexpected_messages);
    j.num("auth_failures", c.auth_failures);
    j.num("tunnels_established", c.tunnels_established);
    j.num("tunnels_closed", c.tunnels_closed);
    j.num("tunnels_peer_dead", c.tunnels_peer_dead);
    j.num("sessions_established", c.sessions_established);
    j.num("sessions_closed", c.sessions_closed);
    j.num("sessions_rejected", c.sessions_rejected);
    j.num("setup_timeouts", c.setup_timeouts);
    j.num("stopccn_sent", c.stopccn_sent);
    j.num("stopccn_received", c.stopccn_received);
    j.num("cdn_sent", c.cdn_sent);
    j.num("cdn_received", c.cdn_received);
    j.num("hellos_sent", c.hellos_sent);
    msg_counts(j, "msg_in", c.msg_in);
    msg_counts(j, "msg_out", c.msg_out);
    j.close();
}

// Drops by EspResult name, non-zero ones only.
void esp_drops(Json &j, const char *key, const crypto::SaCounters &c) {
    j.open(key);
    for (size_t r = 1; r < crypto::kEspResultCount; r++)
        if (c.drops[r]) j.num(crypto::esp_result_name(crypto::EspResult(r)), c.drops[r]);
    j.close();
}

void ipsec_json(Json &j, const IpsecReport &r, uint64_t wrong_client) {
    j.open("ipsec");
    j.num("clients", r.clients.size());
    j.num("wrong_client", wrong_client);
    j.real("natt_keepalive_s", r.keepalive_s);
    crypto::SaCounters out{}, in{};
    EspClientStats sum;
    for (const EspClientStats &c : r.clients) {
        sum.tx_packets += c.tx_packets;
        sum.tx_bytes += c.tx_bytes;
        sum.rx_packets += c.rx_packets;
        sum.rx_bytes += c.rx_bytes;
        for (size_t k = 0; k < crypto::kEspResultCount; k++) {
            out.drops[k] += c.out.drops[k];
            in.drops[k] += c.in.drops[k];
        }
    }
    j.open("esp");
    j.num("tx_packets", sum.tx_packets);
    j.num("tx_bytes", sum.tx_bytes);
    j.num("rx_packets", sum.rx_packets);
    j.num("rx_bytes", sum.rx_bytes);
    j.close();
    esp_drops(j, "decrypt_failures", in);
    esp_drops(j, "encrypt_failures", out);
    j.open("link");
#define LNS_LACEMU_ESP_JSON(n, d) j.num(#n, r.link.n);
    LNS_LACEMU_ESP_COUNTERS(LNS_LACEMU_ESP_JSON)
#undef LNS_LACEMU_ESP_JSON
    j.close();
    j.open("per_client", '[');
    for (const EspClientStats &c : r.clients) {
        j.open(nullptr);
        j.num("port", c.port);
        j.num("out_spi", c.out_spi);
        j.num("in_spi", c.in_spi);
        j.str("cipher", c.cipher);
        j.str("integrity", c.integrity);
        j.num("tx_packets", c.tx_packets);
        j.num("tx_bytes", c.tx_bytes);
        j.num("rx_packets", c.rx_packets);
        j.num("rx_bytes", c.rx_bytes);
        j.num("out_sa_packets", c.out.packets);
        j.num("in_sa_packets", c.in.packets);
        j.num("replay_drops", c.in.replay_drops());
        j.num("integrity_failures", c.in.integrity_failures());
        esp_drops(j, "decrypt_failures", c.in);
        esp_drops(j, "encrypt_failures", c.out);
        j.close();
    }
    j.close(']');
    j.close();
}

void ppp_json(Json &j, const PppReport &p) {
    j.open("ppp");
    j.str("auth", p.auth);
    j.boolean("ipv6", p.ipv6);
    j.num("started", p.started);
    j.num("lcp_up", p.lcp_up);
    j.num("authenticated", p.authenticated);
    j.num("ipcp_up", p.ipcp_up);
    j.num("ipv6cp_up", p.ipv6cp_up);
    j.num("up", p.up);
    j.num("failed", p.failed);
    j.num("dropped", p.dropped);
    j.num("negotiating_now", p.negotiating);
    j.num("up_now", p.up_now);
    percentiles(j, "lcp_up_ms", p.lcp_ms);
    percentiles(j, "auth_ok_ms", p.auth_ms);
    percentiles(j, "ipcp_up_ms", p.ipcp_ms);
    percentiles(j, "full_setup_ms", p.full_ms);
    j.real("setup_window_s", p.window_s, 6);
    j.real("full_setup_rate_per_s", p.rate, 1);
    j.open("failures");
    for (const auto &[name, n] : p.failures) j.num(name, n);
    j.close();
    j.open("drops");
    for (const auto &[name, n] : p.drops) j.num(name, n);
    j.close();
    j.open("counters");
    j.num("lcp_conf_req_sent", p.lcp_conf_req_sent);
    j.num("lcp_retransmits", p.lcp_retransmits);
    j.num("ncp_retransmits", p.ncp_retransmits);
    j.num("auth_retransmits", p.auth_retransmits);
    j.num("echo_req_received", p.echo_req_rcvd);
    j.num("echo_reply_sent", p.echo_reply_sent);
    j.num("frames_in", p.frames_in);
    j.num("frames_out", p.frames_out);
    j.num("bad_frames", p.bad_frames);
    j.num("protocol_rejects_sent", p.protocol_rejects_sent);
    j.close();
    const auto &t = p.traffic;
    j.open("traffic");
    j.boolean("enabled", t.enabled);
    j.str("proto", t.proto);
    j.real("pps", t.pps, 1);
    j.num("size", t.size);
    j.str("dest", t.dest);
    j.num("sent", t.sent);
    j.num("received", t.received);
    j.num("lost", t.lost);
    j.num("tx_bytes", t.tx_bytes);
    j.num("rx_bytes", t.rx_bytes);
    j.num("rx_other", t.rx_other);
    j.num("skipped", t.skipped);
    j.real("duration_s", t.duration_s);
    j.close();
    j.close();
}

}  // namespace

std::string to_json(const Report &r) {
    Json j;
    j.open(nullptr);
    j.str("tool", "lns-lac-emu");
    j.num("format", 1);
    j.boolean("finished", r.finished);
    j.boolean("success", r.success);
    j.str("phase", r.phase);
    j.boolean("timed_out", r.timed_out);
    j.boolean("interrupted", r.interrupted);
    j.real("elapsed_s", r.elapsed_s);

    j.open("config");
    j.str("lns", r.lns);
    j.str("local", r.local);
    j.str("link", r.link_kind);
    j.num("tunnels", r.tunnels_planned);
    j.num("sessions_per_tunnel", r.sessions_per_tunnel);
    j.real("tunnel_rate", r.tunnel_rate, 1);
    j.real("session_rate", r.session_rate, 1);
    j.real("hold_s", r.hold_s);
    j.str("teardown", r.teardown_mode);
    j.num("seed", r.seed);
    j.close();

    const auto &t = r.tunnels;
    j.open("tunnels");
    j.num("planned", t.planned);
    j.num("requested", t.requested);
    j.num("established", t.established);
    j.num("failed", t.failed);
    j.num("dropped", t.dropped);
    j.num("up_now", t.up_now);
    percentiles(j, "setup_ms", t.setup);
    j.close();

    const auto &s = r.sessions;
    j.open("sessions");
    j.num("planned", s.planned);
    j.num("requested", s.requested);
    j.num("established", s.established);
    j.num("failed", s.failed);
    j.num("not_requested", s.not_requested);
    j.num("dropped", s.dropped);
    j.num("up_now", s.up_now);
    j.num("pending_now", s.pending_now);
    j.num("outgoing_answered", s.outgoing_answered);
    percentiles(j, "setup_ms", s.setup);
    j.real("setup_window_s", s.window_s, 6);
    j.real("setup_rate_per_s", s.rate, 1);
    j.close();

    j.open("failures", '[');
    for (const FailureRow &f : r.failures) {
        j.open(nullptr);
        j.str("kind", f.kind);
        j.str("reason", f.reason);
        j.num("result", f.result);
        j.num("error", f.error);
        j.num("count", f.count);
        j.close();
    }
    j.close(']');

    const auto &td = r.teardown;
    j.open("teardown");
    j.str("mode", td.mode);
    j.boolean("started", td.started);
    j.boolean("complete", td.complete);
    j.num("cdn_sent", td.cdn_sent);
    j.num("cdn_acked", td.cdn_acked);
    j.num("stopccn_sent", td.stopccn_sent);
    j.num("stopccn_acked", td.stopccn_acked);
    j.num("unacked", td.unacked);
    j.real("duration_s", td.duration_s);
    j.close();

    const auto &c = r.control;
    j.open("control");
    j.num("sent", c.sent);
    j.num("retransmits", c.retransmits);
    j.num("zlb_sent", c.zlb_sent);
    j.num("received", c.received);
    j.num("zlb_received", c.zlb_received);
    j.num("duplicates", c.duplicates);
    j.num("out_of_order", c.out_of_order);
    j.num("out_of_window", c.out_of_window);
    j.num("bad_nr", c.bad_nr);
    j.num("stale_nr", c.stale_nr);
    j.close();

    endpoint(j, r.endpoint);

    const auto &l = r.link;
    j.open("link");
    j.num("tx_datagrams", l.tx_datagrams);
    j.num("tx_bytes", l.tx_bytes);
    j.num("tx_calls", l.tx_calls);
    j.num("tx_dropped", l.tx_dropped);
    j.num("tx_full_waits", l.tx_full_waits);
    j.num("rx_datagrams", l.rx_datagrams);
    j.num("rx_bytes", l.rx_bytes);
    j.num("rx_calls", l.rx_calls);
    j.num("rx_truncated", l.rx_truncated);
    j.num("rx_errors", l.rx_errors);
    j.num("rx_ignored", l.rx_ignored);
    j.num("arp_rx", l.arp_rx);
    j.num("arp_tx", l.arp_tx);
    j.num("polls", l.polls);
    j.close();

    j.open("data");
    j.num("in", r.data_in);
    j.num("unknown", r.data_unknown);
    j.close();

    if (r.ppp.enabled) ppp_json(j, r.ppp);
    if (r.ipsec.enabled) ipsec_json(j, r.ipsec, r.wrong_channel);

    j.open("cpu");
    j.real("user_s", r.cpu_user_s);
    j.real("sys_s", r.cpu_sys_s);
    j.close();
    j.close();
    return j.take();
}

bool write_json_file(const Report &r, const std::string &path, std::string *error) {
    const std::string tmp = path + ".tmp";
    FILE *f = std::fopen(tmp.c_str(), "w");
    if (!f) {
        *error = tmp + ": " + std::strerror(errno);
        return false;
    }
    const std::string text = to_json(r);
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
        *error = tmp + ": write failed";
        std::remove(tmp.c_str());
        return false;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        *error = path + ": " + std::strerror(errno);
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

void print_progress(const Report &r, FILE *out) {
    std::fprintf(out,
                 "[%8.3fs] %-17s tunnels %" PRIu64 "/%" PRIu64 " up (%" PRIu64
                 " failed)  sessions %" PRIu64 " up, %" PRIu64 " pending, %" PRIu64
                 " failed of %" PRIu64 "  retransmits %" PRIu64 "\n",
                 r.elapsed_s, r.phase, r.tunnels.up_now, r.tunnels.planned, r.tunnels.failed,
                 r.sessions.up_now, r.sessions.pending_now, r.sessions.failed, r.sessions.planned,
                 r.control.retransmits);
    if (r.ppp.enabled)
        std::fprintf(out,
                     "             ppp %" PRIu64 " up, %" PRIu64 " negotiating, %" PRIu64
                     " failed; traffic %" PRIu64 " sent %" PRIu64 " received\n",
                     r.ppp.up_now, r.ppp.negotiating, r.ppp.failed, r.ppp.traffic.sent,
                     r.ppp.traffic.received);
    std::fflush(out);
}

void print_human(const Report &r, FILE *out) {
    const auto &t = r.tunnels;
    const auto &s = r.sessions;
    std::fprintf(out, "lns-lac-emu: %s -> %s (%s), %u tunnels x %u sessions, seed %" PRIu64 "\n",
                 r.local.c_str(), r.lns.c_str(), r.link_kind.c_str(), r.tunnels_planned,
                 r.sessions_per_tunnel, r.seed);
    std::fprintf(out, "  result:    %s%s%s after %.3f s\n", r.success ? "SUCCESS" : "FAILURE",
                 r.timed_out ? " (timed out)" : "", r.interrupted ? " (interrupted)" : "",
                 r.elapsed_s);
    std::fprintf(out,
                 "  tunnels:   %" PRIu64 " planned, %" PRIu64 " requested, %" PRIu64
                 " established, %" PRIu64 " failed, %" PRIu64 " dropped\n",
                 t.planned, t.requested, t.established, t.failed, t.dropped);
    if (t.setup.count)
        std::fprintf(out, "             setup ms p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
                     t.setup.p50_ms, t.setup.p90_ms, t.setup.p99_ms, t.setup.max_ms);
    std::fprintf(out,
                 "  sessions:  %" PRIu64 " planned, %" PRIu64 " requested, %" PRIu64
                 " established, %" PRIu64 " failed, %" PRIu64 " not requested, %" PRIu64
                 " dropped\n",
                 s.planned, s.requested, s.established, s.failed, s.not_requested, s.dropped);
    if (s.setup.count)
        std::fprintf(out, "             setup ms p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
                     s.setup.p50_ms, s.setup.p90_ms, s.setup.p99_ms, s.setup.max_ms);
    if (s.window_s > 0)
        std::fprintf(out,
                     "             %.1f sessions/s over %.6f s (first ICRQ to last session up)\n",
                     s.rate, s.window_s);
    if (s.outgoing_answered)
        std::fprintf(out, "             %" PRIu64 " outgoing calls answered\n",
                     s.outgoing_answered);
    if (!r.failures.empty()) {
        std::fprintf(out, "  failures:  %-13s %-18s %6s %6s %10s\n", "kind", "reason", "result",
                     "error", "count");
        for (const FailureRow &f : r.failures)
            std::fprintf(out, "             %-13s %-18s %6u %6u %10" PRIu64 "\n", f.kind, f.reason,
                         f.result, f.error, f.count);
    }
    if (r.ppp.enabled) {
        const PppReport &p = r.ppp;
        std::fprintf(out,
                     "  ppp:       %" PRIu64 " started, %" PRIu64 " LCP up, %" PRIu64
                     " authenticated, %" PRIu64 " IPCP up, %" PRIu64 " IPv6CP up, %" PRIu64
                     " full, %" PRIu64 " failed, %" PRIu64 " dropped\n",
                     p.started, p.lcp_up, p.authenticated, p.ipcp_up, p.ipv6cp_up, p.up, p.failed,
                     p.dropped);
        if (p.full_ms.count)
            std::fprintf(out,
                         "             ICRQ -> up ms p50 %.3f  p90 %.3f  p99 %.3f  max %.3f;"
                         " %.1f full sessions/s over %.6f s\n",
                         p.full_ms.p50_ms, p.full_ms.p90_ms, p.full_ms.p99_ms, p.full_ms.max_ms,
                         p.rate, p.window_s);
        for (const auto &[name, n] : p.failures)
            std::fprintf(out, "             failed: %-18s %10" PRIu64 "\n", name, n);
        for (const auto &[name, n] : p.drops)
            std::fprintf(out, "             dropped: %-17s %10" PRIu64 "\n", name, n);
        const auto &t = p.traffic;
        if (t.enabled)
            std::fprintf(out,
                         "  traffic:   %s to %s, %u bytes: %" PRIu64 " sent, %" PRIu64
                         " received, %" PRIu64 " lost over %.3f s\n",
                         t.proto, t.dest.c_str(), t.size, t.sent, t.received, t.lost,
                         t.duration_s);
    }
    if (r.ipsec.enabled) {
        uint64_t tx = 0, rx = 0, fails = 0, icv = 0, replay = 0;
        for (const EspClientStats &c : r.ipsec.clients) {
            tx += c.tx_packets;
            rx += c.rx_packets;
            icv += c.in.integrity_failures();
            replay += c.in.replay_drops();
            for (size_t k = 1; k < crypto::kEspResultCount; k++) fails += c.in.drops[k];
        }
        std::fprintf(out,
                     "  ipsec:     %zu clients: ESP %" PRIu64 " sent, %" PRIu64
                     " decrypted; %" PRIu64 " decrypt failures (%" PRIu64 " ICV, %" PRIu64
                     " replay); %" PRIu64 " for another client's tunnel\n",
                     r.ipsec.clients.size(), tx, rx, fails, icv, replay, r.wrong_channel);
    }
    const auto &td = r.teardown;
    if (td.started && std::strcmp(td.mode, "none") == 0)
        std::fprintf(out, "  teardown:  none (tunnels and sessions left up)\n");
    else if (td.started)
        std::fprintf(out,
                     "  teardown:  %s, %s: CDN %" PRIu64 " sent %" PRIu64 " acked, StopCCN %" PRIu64
                     " sent %" PRIu64 " acked, %" PRIu64 " unacknowledged, %.3f s\n",
                     td.mode, td.complete ? "complete" : "incomplete", td.cdn_sent, td.cdn_acked,
                     td.stopccn_sent, td.stopccn_acked, td.unacked, td.duration_s);
    const auto &c = r.control;
    std::fprintf(out,
                 "  control:   %" PRIu64 " sent, %" PRIu64 " received, %" PRIu64
                 " retransmits, %" PRIu64 " duplicates, %" PRIu64 " out of order, ZLB %" PRIu64
                 " sent %" PRIu64 " received\n",
                 c.sent, c.received, c.retransmits, c.duplicates, c.out_of_order, c.zlb_sent,
                 c.zlb_received);
    const auto &e = r.endpoint;
    if (e.header_errors || e.decode_errors || e.unknown_tunnel || e.unexpected_messages ||
        e.wrong_source)
        std::fprintf(out,
                     "  errors:    header %" PRIu64 ", decode %" PRIu64 ", unknown tunnel %" PRIu64
                     ", wrong source %" PRIu64 ", unexpected %" PRIu64 "\n",
                     e.header_errors, e.decode_errors, e.unknown_tunnel, e.wrong_source,
                     e.unexpected_messages);
    const auto &l = r.link;
    std::fprintf(out,
                 "  link:      tx %" PRIu64 " datagrams in %" PRIu64 " calls (%" PRIu64
                 " dropped), rx %" PRIu64 " in %" PRIu64 " calls; cpu %.2f s user %.2f s sys\n",
                 l.tx_datagrams, l.tx_calls, l.tx_dropped, l.rx_datagrams, l.rx_calls, r.cpu_user_s,
                 r.cpu_sys_s);
    std::fflush(out);
}

}  // namespace lns::lacemu
