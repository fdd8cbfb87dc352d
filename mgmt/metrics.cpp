#include "mgmt/metrics.hpp"

#include <cctype>
#include <sstream>

namespace lns::mgmt {

namespace {

std::string label_value(const std::string &v) {
    std::string out;
    for (char ch : v) {
        if (ch == '\\' || ch == '"') out += '\\';
        if (ch == '\n') {
            out += "\\n";
            continue;
        }
        out += ch;
    }
    return out;
}

class Writer {
  public:
    void family(const std::string &name, const char *type, const std::string &help) {
        o_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
    }
    void sample(const std::string &name, uint64_t v, const std::string &labels = "") {
        o_ << name;
        if (!labels.empty()) o_ << '{' << labels << '}';
        o_ << ' ' << v << '\n';
    }
    std::string str() const { return o_.str(); }

  private:
    std::ostringstream o_;
};

std::string lbl(const char *k, const std::string &v) {
    return std::string(k) + "=\"" + label_value(v) + "\"";
}

bool is_gauge(const std::string &n) {
    auto ends = [&](const char *s) {
        const std::string t(s);
        return n.size() >= t.size() && n.compare(n.size() - t.size(), t.size(), t) == 0;
    };
    return n == "subscribers" || ends("_used") || ends("_active") || ends("_in_flight");
}

void named_list(Writer &w, const char *prefix, const char *what,
                const std::vector<std::pair<std::string, uint64_t>> &list) {
    for (const auto &[n, v] : list) {
        const std::string base = std::string(prefix) + metric_name(n);
        if (is_gauge(n)) {
            w.family(base, "gauge", std::string(what) + " " + n + " (current value)");
            w.sample(base, v);
        } else {
            w.family(base + "_total", "counter", std::string(what) + " counter " + n);
            w.sample(base + "_total", v);
        }
    }
}

// Per ESP SA: labels sa (its name) and direction; drops also by reason.
void sa_families(Writer &w, const dp::Snapshot &s) {
    auto sa = [](const dp::SaRow &r) {
        return lbl("sa", r.name) + "," + lbl("direction", r.inbound ? "inbound" : "outbound");
    };
    w.family("lnsd_sas", "gauge", "Live ESP SAs");
    w.sample("lnsd_sas", s.sas.size());
    w.family("lnsd_sa_packets_total", "counter",
             "Packets the SA processed (decrypted inbound, encrypted outbound)");
    for (const auto &r : s.sas) w.sample("lnsd_sa_packets_total", r.packets, sa(r));
    w.family("lnsd_sa_bytes_total", "counter", "Payload bytes the SA processed");
    for (const auto &r : s.sas) w.sample("lnsd_sa_bytes_total", r.bytes, sa(r));
    w.family("lnsd_sa_drops_total", "counter",
             "Packets dropped on the SA, by reason (replay_*, icv_mismatch, peer_mismatch...)");
    for (const auto &r : s.sas)
        for (const auto &[reason, v] : r.drops)
            w.sample("lnsd_sa_drops_total", v, sa(r) + "," + lbl("reason", reason));
    w.family("lnsd_sa_soft_expired", "gauge", "1 once the SA crossed its soft lifetime (rekey due)");
    for (const auto &r : s.sas) w.sample("lnsd_sa_soft_expired", r.soft_expired, sa(r));
    w.family("lnsd_sa_hard_expired", "gauge",
             "1 once the SA reached its hard lifetime (it processes nothing more)");
    for (const auto &r : s.sas) w.sample("lnsd_sa_hard_expired", r.hard_expired, sa(r));
}

}  // namespace

std::string metric_name(const std::string &s) {
    std::string out;
    for (char ch : s)
        out += std::isalnum(static_cast<unsigned char>(ch)) ? char(std::tolower(ch)) : '_';
    return out;
}

std::string format_prometheus(const dp::Snapshot &s, const std::vector<ExtraMetric> &extra) {
    Writer w;
    struct PortField {
        const char *name, *help;
        uint64_t (*get)(const dp::PortSnapshot &);
    };
    static const PortField port_fields[] = {
        {"lnsd_port_rx_packets_total", "Packets received on the port",
         [](const dp::PortSnapshot &p) { return p.c.rx_packets; }},
        {"lnsd_port_rx_bytes_total", "Bytes received on the port",
         [](const dp::PortSnapshot &p) { return p.c.rx_bytes; }},
        {"lnsd_port_tx_packets_total", "Packets sent on the port",
         [](const dp::PortSnapshot &p) { return p.c.tx_packets; }},
        {"lnsd_port_tx_bytes_total", "Bytes sent on the port",
         [](const dp::PortSnapshot &p) { return p.c.tx_bytes; }},
        {"lnsd_port_rx_missed_total", "Packets the NIC dropped (imissed + rx_nombuf)",
         [](const dp::PortSnapshot &p) { return p.rx_missed; }},
        {"lnsd_port_tx_errors_total", "Transmit errors reported by the NIC",
         [](const dp::PortSnapshot &p) { return p.tx_errors; }},
    };
    for (const auto &f : port_fields) {
        w.family(f.name, "counter", f.help);
        for (const auto &p : s.ports) w.sample(f.name, f.get(p), lbl("port", p.name));
    }
    struct WorkerField {
        const char *name, *help;
        uint64_t dp::WorkerSnapshot::*field;
    };
    static const WorkerField worker_fields[] = {
        {"lnsd_worker_rx_packets_total", "Packets the worker received",
         &dp::WorkerSnapshot::rx_packets},
        {"lnsd_worker_loops_total", "Main-loop iterations of the worker",
         &dp::WorkerSnapshot::loops},
        {"lnsd_worker_busy_loops_total", "Iterations that received something",
         &dp::WorkerSnapshot::busy_loops},
        {"lnsd_worker_idle_sleeps_total", "Idle pauses taken (worker_idle_sleep_us)",
         &dp::WorkerSnapshot::idle_sleeps},
    };
    for (const auto &f : worker_fields) {
        w.family(f.name, "counter", f.help);
        for (size_t i = 0; i < s.workers.size(); i++)
            w.sample(f.name, s.workers[i].*f.field,
                     lbl("worker", std::to_string(i)) + "," +
                         lbl("lcore", std::to_string(s.workers[i].lcore)));
    }
    w.family("lnsd_forwarded_packets_total", "counter", "Inner packets forwarded");
    w.sample("lnsd_forwarded_packets_total", s.up_packets, lbl("direction", "up"));
    w.sample("lnsd_forwarded_packets_total", s.down_packets, lbl("direction", "down"));
    w.family("lnsd_forwarded_bytes_total", "counter", "Inner IP bytes forwarded");
    w.sample("lnsd_forwarded_bytes_total", s.up_bytes, lbl("direction", "up"));
    w.sample("lnsd_forwarded_bytes_total", s.down_bytes, lbl("direction", "down"));
    w.family("lnsd_drops_total", "counter",
             "Packets the data path dropped, by reason (see GET /api/v1/stats for descriptions)");
    for (size_t i = 0; i < dp::kDropCount; i++)
        w.sample("lnsd_drops_total", s.drops[i], lbl("reason", dp::drop_name(dp::Drop(i))));
    w.family("lnsd_punts_total", "counter",
             "Packets the data path handed to the control core, by reason");
    for (size_t i = 0; i < dp::kPuntCount; i++)
        w.sample("lnsd_punts_total", s.punts[i], lbl("reason", dp::punt_name(dp::Punt(i))));
    w.family("lnsd_sessions", "gauge", "Sessions in the data-plane table");
    w.sample("lnsd_sessions", s.sessions);
    w.family("lnsd_sessions_max", "gauge", "Capacity of the data-plane session table");
    w.sample("lnsd_sessions_max", s.max_sessions);
    w.family("lnsd_tunnel_sessions", "gauge", "Sessions per L2TP tunnel");
    for (const auto &t : s.tunnels)
        w.sample("lnsd_tunnel_sessions", t.sessions,
                 lbl("tunnel", std::to_string(t.id)) + "," + lbl("peer", t.peer) + "," +
                     lbl("state", t.state));
    w.family("lnsd_tunnel_retransmits_total", "counter",
             "Control messages retransmitted per L2TP tunnel");
    for (const auto &t : s.tunnels)
        w.sample("lnsd_tunnel_retransmits_total", t.retransmits,
                 lbl("tunnel", std::to_string(t.id)));
    sa_families(w, s);
    named_list(w, "lnsd_control_", "control core", s.control);
    named_list(w, "lnsd_l2tp_", "L2TP endpoint", s.l2tp);
    named_list(w, "lnsd_subscriber_", "subscribers (PPP, AAA)", s.subscribers);
    for (const auto &e : extra) {
        w.family(e.name, e.counter ? "counter" : "gauge", e.help);
        w.sample(e.name, e.value);
    }
    return w.str();
}

}  // namespace lns::mgmt
