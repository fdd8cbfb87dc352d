// Display of counter snapshots: text for people, JSON for tools.
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "dataplane/stats.hpp"

namespace lns::dp {

namespace {

void appendf(std::string &out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string &out, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) out.append(buf, size_t(n) < sizeof buf ? size_t(n) : sizeof buf - 1);
}

struct Rate {
    double pps, bps;
};

Rate rate(uint64_t p1, uint64_t b1, uint64_t p0, uint64_t b0, double secs) {
    if (secs <= 0) return {0, 0};
    return {double(p1 - p0) / secs, double(b1 - b0) * 8 / secs};
}

std::string human(double v, const char *unit) {
    const char *pre[] = {"", "k", "M", "G", "T"};
    int i = 0;
    while (v >= 1000 && i < 4) v /= 1000, i++;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f %s%s", v, pre[i], unit);
    return buf;
}

}  // namespace

std::string format_text(const Snapshot &e, const Snapshot &s) {
    std::string o;
    const double secs = e.t - s.t;
    const Rate up = rate(e.up_packets, e.up_bytes, s.up_packets, s.up_bytes, secs);
    const Rate dn = rate(e.down_packets, e.down_bytes, s.down_packets, s.down_bytes, secs);
    appendf(o, "lnsd counters (rates over %.2f s, %u/%u sessions)\n", secs, e.sessions, e.max_sessions);
    appendf(o, "  upstream   (access -> core): %14" PRIu64 " packets %16" PRIu64 " bytes  %s  %s\n",
            e.up_packets, e.up_bytes, human(up.pps, "pps").c_str(), human(up.bps, "bit/s").c_str());
    appendf(o, "  downstream (core -> access): %14" PRIu64 " packets %16" PRIu64 " bytes  %s  %s\n",
            e.down_packets, e.down_bytes, human(dn.pps, "pps").c_str(), human(dn.bps, "bit/s").c_str());
    appendf(o, "  ports:\n");
    for (size_t p = 0; p < e.ports.size(); p++) {
        const PortSnapshot &ep = e.ports[p];
        const Rate rx = rate(ep.c.rx_packets, ep.c.rx_bytes, s.ports[p].c.rx_packets, s.ports[p].c.rx_bytes, secs);
        const Rate tx = rate(ep.c.tx_packets, ep.c.tx_bytes, s.ports[p].c.tx_packets, s.ports[p].c.tx_bytes, secs);
        appendf(o, "    %-10s %s rx %" PRIu64 " (%s) tx %" PRIu64 " (%s) rx_missed %" PRIu64
                   " tx_errors %" PRIu64 "\n",
                ep.name.c_str(), ep.mac.c_str(), ep.c.rx_packets, human(rx.pps, "pps").c_str(),
                ep.c.tx_packets, human(tx.pps, "pps").c_str(), ep.rx_missed, ep.tx_errors);
    }
    appendf(o, "  workers:\n");
    for (const auto &w : e.workers)
        appendf(o, "    lcore %-3u rx %" PRIu64 " packets, busy %.1f%% of %" PRIu64 " loops\n", w.lcore,
                w.rx_packets, w.loops ? 100.0 * double(w.busy_loops) / double(w.loops) : 0.0, w.loops);
    appendf(o, "  other: mss_clamped %" PRIu64 " reassembled %" PRIu64 " fragmented %" PRIu64
               " handoffs %" PRIu64 " injected %" PRIu64 "\n",
            e.mss_clamped, e.reassembled, e.fragmented, e.handoffs, e.injected);
    if (!e.sas.empty()) {
        appendf(o, "  ipsec: %zu SAs, decrypted %" PRIu64 " encrypted %" PRIu64 "\n", e.sas.size(),
                e.esp_decrypted, e.esp_encrypted);
        appendf(o, "    %-16s %-10s %-3s %-9s %12s %14s %8s %8s %8s %s\n", "sa", "spi", "dir", "mode",
                "packets", "bytes", "replay", "icv", "other", "lifetime");
        for (const SaRow &r : e.sas) {
            uint64_t other = 0;
            for (const auto &[k, v] : r.drops) other += v;
            other -= r.replay_drops + r.integrity_failures;
            appendf(o, "    %-16.16s 0x%08x %-3s %-9s %12" PRIu64 " %14" PRIu64 " %8" PRIu64 " %8" PRIu64
                       " %8" PRIu64 " %s\n",
                    r.name.c_str(), r.spi, r.inbound ? "in" : "out",
                    r.tunnel ? (r.natt ? "tunnel+udp" : "tunnel") : (r.natt ? "trans+udp" : "transport"),
                    r.packets, r.bytes, r.replay_drops, r.integrity_failures, other,
                    r.hard_expired ? "HARD-EXPIRED" : r.soft_expired ? "soft-expired" : "ok");
            for (const auto &[k, v] : r.drops)
                if (v) appendf(o, "      %-22s %12" PRIu64 "\n", k.c_str(), v);
        }
    }
    appendf(o, "  drops by reason:%s\n", [&] {
        for (size_t i = 0; i < kDropCount; i++) if (e.drops[i]) return "";
        return " none";
    }());
    for (size_t i = 0; i < kDropCount; i++)
        if (e.drops[i])
            appendf(o, "    %-24s %12" PRIu64 "  %s\n", drop_name(Drop(i)), e.drops[i], drop_description(Drop(i)));
    appendf(o, "  punts to the control core:\n");
    for (size_t i = 0; i < kPuntCount; i++)
        if (e.punts[i]) appendf(o, "    %-24s %12" PRIu64 "  %s\n", punt_name(Punt(i)), e.punts[i], punt_description(Punt(i)));
    appendf(o, "  control core:\n");
    for (const auto &[k, v] : e.control)
        if (v) appendf(o, "    %-24s %12" PRIu64 "\n", k.c_str(), v);
    if (!e.subscribers.empty()) {
        appendf(o, "  subscribers:\n");
        for (const auto &[k, v] : e.subscribers)
            if (v) appendf(o, "    %-28s %12" PRIu64 "\n", k.c_str(), v);
    }
    if (!e.l2tp.empty()) {
        appendf(o, "  l2tp:\n");
        for (const auto &[k, v] : e.l2tp)
            if (v) appendf(o, "    %-24s %12" PRIu64 "\n", k.c_str(), v);
        appendf(o, "  tunnels: %zu\n", e.tunnels.size());
        const size_t shown = e.tunnels.size() < 50 ? e.tunnels.size() : 50;
        if (shown)
            appendf(o, "    %5s %5s %-15s %-21s %-16s %8s %8s %8s %6s %5s %5s\n", "id", "peer", "state",
                    "lac", "host", "sessions", "msgs_in", "msgs_out", "rexmit", "dup", "ooo");
        for (size_t i = 0; i < shown; i++) {
            const TunnelRow &t = e.tunnels[i];
            appendf(o, "    %5u %5u %-15s %-21s %-16.16s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %6" PRIu64
                       " %5" PRIu64 " %5" PRIu64 "\n",
                    t.id, t.peer_id, t.state.c_str(), t.peer.c_str(), t.host_name.c_str(), t.sessions,
                    t.msgs_in, t.msgs_out, t.retransmits, t.duplicates, t.out_of_order);
        }
        if (shown < e.tunnels.size()) appendf(o, "    ... %zu more (see --stats-json)\n", e.tunnels.size() - shown);
    }
    return o;
}

std::string format_json(const Snapshot &e, const Snapshot &s) {
    std::string o = "{\n";
    const double secs = e.t - s.t;
    appendf(o, "  \"elapsed_s\": %.6f,\n  \"sessions\": %u,\n", secs, e.sessions);
    o += "  \"ports\": [";
    for (size_t p = 0; p < e.ports.size(); p++) {
        const PortSnapshot &ep = e.ports[p];
        appendf(o, "%s\n    {\"name\": \"%s\", \"mac\": \"%s\", \"rx_packets\": %" PRIu64
                   ", \"rx_bytes\": %" PRIu64 ", \"tx_packets\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
                   ", \"rx_missed\": %" PRIu64 ", \"tx_errors\": %" PRIu64 "}",
                p ? "," : "", ep.name.c_str(), ep.mac.c_str(), ep.c.rx_packets, ep.c.rx_bytes,
                ep.c.tx_packets, ep.c.tx_bytes, ep.rx_missed, ep.tx_errors);
    }
    o += "\n  ],\n";
    const Rate up = rate(e.up_packets, e.up_bytes, s.up_packets, s.up_bytes, secs);
    const Rate dn = rate(e.down_packets, e.down_bytes, s.down_packets, s.down_bytes, secs);
    appendf(o, "  \"upstream\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"pps\": %.1f, \"bps\": %.1f},\n",
            e.up_packets, e.up_bytes, up.pps, up.bps);
    appendf(o, "  \"downstream\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"pps\": %.1f, \"bps\": %.1f},\n",
            e.down_packets, e.down_bytes, dn.pps, dn.bps);
    appendf(o, "  \"other\": {\"mss_clamped\": %" PRIu64 ", \"reassembled\": %" PRIu64 ", \"fragmented\": %" PRIu64
               ", \"handoffs\": %" PRIu64 ", \"injected\": %" PRIu64 "},\n",
            e.mss_clamped, e.reassembled, e.fragmented, e.handoffs, e.injected);
    o += "  \"drops\": {";
    for (size_t i = 0; i < kDropCount; i++)
        appendf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", drop_name(Drop(i)), e.drops[i]);
    o += "},\n  \"punts\": {";
    for (size_t i = 0; i < kPuntCount; i++)
        appendf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", punt_name(Punt(i)), e.punts[i]);
    o += "},\n  \"control\": {";
    for (size_t i = 0; i < e.control.size(); i++)
        appendf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", e.control[i].first.c_str(), e.control[i].second);
    o += "},\n  \"l2tp\": {";
    for (size_t i = 0; i < e.l2tp.size(); i++)
        appendf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", e.l2tp[i].first.c_str(), e.l2tp[i].second);
    o += "},\n  \"subscribers\": {";
    for (size_t i = 0; i < e.subscribers.size(); i++)
        appendf(o, "%s\"%s\": %" PRIu64, i ? ", " : "", e.subscribers[i].first.c_str(), e.subscribers[i].second);
    o += "},\n  \"tunnels\": [";
    for (size_t i = 0; i < e.tunnels.size(); i++) {
        const TunnelRow &t = e.tunnels[i];
        appendf(o, "%s\n    {\"id\": %u, \"peer_id\": %u, \"state\": \"%s\", \"peer\": \"%s\", "
                   "\"policy\": \"%s\", \"sessions\": %" PRIu64 ", \"msgs_in\": %" PRIu64
                   ", \"msgs_out\": %" PRIu64 ", \"retransmits\": %" PRIu64 ", \"duplicates\": %" PRIu64
                   ", \"out_of_order\": %" PRIu64 ", \"zlb_in\": %" PRIu64 ", \"zlb_out\": %" PRIu64
                   ", \"hellos\": %" PRIu64 "}",
                i ? "," : "", t.id, t.peer_id, t.state.c_str(), t.peer.c_str(), t.policy.c_str(),
                t.sessions, t.msgs_in, t.msgs_out, t.retransmits, t.duplicates, t.out_of_order,
                t.zlb_in, t.zlb_out, t.hellos);
    }
    o += e.tunnels.empty() ? "],\n" : "\n  ],\n";
    appendf(o, "  \"esp\": {\"decrypted\": %" PRIu64 ", \"encrypted\": %" PRIu64 "},\n", e.esp_decrypted,
            e.esp_encrypted);
    o += "  \"sas\": [";
    for (size_t i = 0; i < e.sas.size(); i++) {
        const SaRow &r = e.sas[i];
        appendf(o, "%s\n    {\"name\": \"%s\", \"spi\": %u, \"direction\": \"%s\", \"mode\": \"%s\", "
                   "\"natt\": %s, \"owner_worker\": %u, \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
                   ", \"replay_drops\": %" PRIu64 ", \"integrity_failures\": %" PRIu64 ", \"seq\": %" PRIu64
                   ", \"soft_expired\": %s, \"hard_expired\": %s, \"drops\": {",
                i ? "," : "", r.name.c_str(), r.spi, r.inbound ? "inbound" : "outbound",
                r.tunnel ? "tunnel" : "transport", r.natt ? "true" : "false", r.owner_worker, r.packets,
                r.bytes, r.replay_drops, r.integrity_failures, r.seq, r.soft_expired ? "true" : "false",
                r.hard_expired ? "true" : "false");
        for (size_t k = 0; k < r.drops.size(); k++)
            appendf(o, "%s\"%s\": %" PRIu64, k ? ", " : "", r.drops[k].first.c_str(), r.drops[k].second);
        o += "}}";
    }
    o += e.sas.empty() ? "],\n" : "\n  ],\n";
    o += "  \"workers\": [";
    for (size_t i = 0; i < e.workers.size(); i++)
        appendf(o, "%s{\"lcore\": %u, \"rx_packets\": %" PRIu64 ", \"loops\": %" PRIu64 ", \"busy_loops\": %" PRIu64
                   ", \"idle_sleeps\": %" PRIu64 "}",
                i ? ", " : "", e.workers[i].lcore, e.workers[i].rx_packets, e.workers[i].loops, e.workers[i].busy_loops,
                e.workers[i].idle_sleeps);
    o += "],\n";
    const double per = e.max_sessions ? double(e.table_bytes) / double(e.max_sessions) : 0;
    appendf(o, "  \"memory\": {\"table_bytes\": %" PRIu64 ", \"max_sessions\": %u, \"bytes_per_session\": %.1f}\n",
            e.table_bytes, e.max_sessions, per);
    o += "}\n";
    return o;
}

}  // namespace lns::dp
