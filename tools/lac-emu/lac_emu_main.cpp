// lns-lac-emu: a LAC emulator for testing and benchmarking an LNS (lnsd, l2tpns,
// ...).  It opens T tunnels with S sessions each (RFC 2661 SCCRQ/SCCRP/SCCCN, then
// ICRQ/ICRP/ICCN), at configured rates, keeps them up for a while, clears them,
// and reports setup times, failures with their result codes, and counters.
//
// Usage (full list: lns-lac-emu --help):
//   lns-lac-emu --lns 198.51.100.1 -t 10 -s 1000 --session-rate 5000
//               --secret s3cret --require-auth --hold 5 --teardown cdn --json out.json
// L2TP/IPsec (--ipsec FILE): N clients behind one address, each with its own
// SA pair and UDP source port toward the LNS's port 4500 (esp_link.hpp).
// Transports (--link): "udp", a kernel UDP socket bound to --local (default
// 0.0.0.0:1701: LNSes reply to the source port; --local-port 0 picks any); or
// "dpdk", a DPDK port from --eal (e.g. '-l 1 --no-huge -m 512 --no-pci --vdev
// net_af_packet0,iface=veth0,framecnt=8192'), with its own IPv4 address --local
// ADDR, ARP (answers for --local, resolves the LNS or --gateway unless --peer-mac)
// and Ethernet/IPv4/UDP framing.  Tunnels are opened at
// --tunnel-rate; a tunnel's sessions are requested once it is up, at
// --session-rate in total, round robin over the tunnels that are up, with at most
// --max-pending in setup at once.  After --hold seconds, --teardown clears them:
// "cdn" sends a CDN per session (--teardown-rate), waits until every CDN is
// acknowledged, then a StopCCN per tunnel; "stopccn" sends only the StopCCNs;
// both wait for the acknowledgements; "none" just exits.  --timeout bounds the
// run; on timeout or SIGINT/SIGTERM whatever is unfinished counts as failed and
// tunnels get a StopCCN with 2 s to acknowledge it (a second signal: at once).
// --interval N prints a progress line every N seconds (and rewrites --json).
//
// Sessions are requested only when their tunnel's send window has room, so
// ICCNs and StopCCNs never wait behind queued ICRQs.  A session counts as set up
// at the endpoint's session_up: ICRP received and ICCN sent.
//
// Exit status: 0 when every planned tunnel and session came up, none went down
// before the teardown, no timeout or signal, and the teardown (unless "none")
// was completely acknowledged; 1 otherwise; 2 for bad arguments or a socket that
// cannot be opened (DPDK: EAL, port or ARP failure).
//
// JSON report (--json FILE; written atomically; all times in the emulator's
// monotonic clock):
//   {
//     "tool": "lns-lac-emu", "format": 1,
//     "finished": bool,          // false in --interval snapshots
//     "success": bool,           // what the exit status says
//     "phase": "setup"|"hold"|"teardown_sessions"|"teardown_tunnels"|"done",
//     "timed_out": bool, "interrupted": bool, "elapsed_s": float,
//     "config": {"lns": "A.B.C.D:P", "local": "A.B.C.D:P", "link": "udp|dpdk",
//                "tunnels": T, "sessions_per_tunnel": S, "tunnel_rate": R,
//                "session_rate": R, "hold_s": F, "teardown": "cdn|stopccn|none",
//                "seed": N},
//     "tunnels": {"planned", "requested", "established", "failed", "dropped",
//                 "up_now": N...,
//                 "setup_ms": {"count": N, "p50", "p90", "p99", "max": ms}},
//                 // tunnel setup: SCCRQ sent -> SCCRP accepted (SCCCN sent)
//     "sessions": {"planned", "requested", "established", "failed",
//                  "not_requested",      // their tunnel failed, or timeout/signal
//                  "dropped",            // went down after coming up, before teardown
//                  "up_now", "pending_now", "outgoing_answered": N...,
//                  "setup_ms": {...},    // open_session (ICRQ queued) -> ICRP accepted
//                  "setup_window_s": F,  // first ICRQ -> last session up
//                  "setup_rate_per_s": F},  // established / setup_window_s
//     "failures": [{"kind": "tunnel|session|tunnel_drop|session_drop|teardown",
//                   "reason": DownReason name ("peer_request", "peer_dead",
//                             "setup_timeout", "protocol_error", "rejected",
//                             "tunnel_down", ...) or "open_refused",
//                             "emulator_timeout", "interrupted",
//                   "result": N, "error": N,  // result/error code sent or received
//                   "count": N}, ...],        // most frequent first
//     "teardown": {"mode", "started", "complete", "cdn_sent", "cdn_acked",
//                  "stopccn_sent", "stopccn_acked", "unacked", "duration_s"},
//     "control": {"sent", "retransmits", "zlb_sent", "received", "zlb_received",
//                 "duplicates", "out_of_order", "out_of_window", "bad_nr",
//                 "stale_nr"},            // reliable channels, summed over tunnels
//     "endpoint": {"datagrams_in", "header_errors", "decode_errors",
//                  "unknown_tunnel", "wrong_source", "unexpected_messages",
//                  "auth_failures", "tunnels_established", "tunnels_closed",
//                  "tunnels_peer_dead", "sessions_established", "sessions_closed",
//                  "sessions_rejected", "setup_timeouts", "stopccn_sent",
//                  "stopccn_received", "cdn_sent", "cdn_received", "hellos_sent",
//                  "msg_in": {"SCCRP": N, ...}, "msg_out": {"SCCRQ": N, ...}},
//     "link": {"tx_datagrams", "tx_bytes", "tx_calls", "tx_dropped",
//              "tx_full_waits", "rx_datagrams", "rx_bytes", "rx_calls",
//              "rx_truncated", "rx_errors", "rx_ignored", "arp_rx", "arp_tx",
//              "polls"},
//     "data": {"in", "unknown"},     // L2TP data messages received
//     "ppp": {                       // only with --ppp
//       "auth": "any|pap|chap|mschapv2", "ipv6": bool,
//       "started", "lcp_up", "authenticated", "ipcp_up", "ipv6cp_up",
//       "up",                        // full sessions: every NCP settled
//       "failed", "dropped", "negotiating_now", "up_now": N,
//       "lcp_up_ms", "auth_ok_ms", "ipcp_up_ms", "full_setup_ms": {...},  // from ICRQ
//       "setup_window_s": F,         // first ICRQ -> last PPP up
//       "full_setup_rate_per_s": F,  // up / setup_window_s
//       "failures": {"lcp_timeout"|"auth_rejected"|"no_address"|...: N},  // never up
//       "drops": {...},              // went down after up, before the teardown
//       "counters": {"lcp_conf_req_sent", "lcp_retransmits", "ncp_retransmits",
//                    "auth_retransmits", "echo_req_received", "echo_reply_sent",
//                    "frames_in", "frames_out", "bad_frames", "protocol_rejects_sent"},
//       "traffic": {"enabled", "proto", "pps", "size", "dest", "sent", "received",
//                   "lost", "tx_bytes", "rx_bytes", "rx_other", "skipped",
//                   "duration_s"}}
//     With --ppp, "success" also needs every established call to reach PPP up.
//     "ipsec": {                     // only with --ipsec / --esp-* (esp_link.hpp)
//       "clients": N, "natt_keepalive_s": F,
//       "wrong_client": N,           // L2TP for a tunnel of another client (dropped)
//       "esp": {"tx_packets", "tx_bytes", "rx_packets", "rx_bytes"},  // ESP datagrams
//       "decrypt_failures": {EspResult name: N}, "encrypt_failures": {...},
//       "link": {"keepalives_sent", "rx_keepalives", "rx_ike", "rx_malformed",
//                "rx_wrong_source", "rx_not_udp", "rx_bad_udp", "rx_wrong_port",
//                "rx_bad_checksum", "tx_no_client", "tx_too_big"},
//       "per_client": [{"port", "out_spi", "in_spi", "cipher", "integrity",
//                       "tx_packets", "tx_bytes", "rx_packets", "rx_bytes",
//                       "out_sa_packets", "in_sa_packets", "replay_drops",
//                       "integrity_failures", "decrypt_failures": {...},
//                       "encrypt_failures": {...}}, ...]}
//     "cpu": {"user_s", "sys_s"}
//   }
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "tools/lac-emu/dpdk_link.hpp"
#include "tools/lac-emu/emulator.hpp"
#include "tools/lac-emu/esp_link.hpp"
#include "tools/lac-emu/options.hpp"
#include "tools/lac-emu/ppp_layer.hpp"
#include "tools/lac-emu/udp_link.hpp"

namespace {

volatile std::sig_atomic_t g_signals = 0;

void on_signal(int) {
    g_signals = g_signals + 1;
}

}  // namespace

int main(int argc, char **argv) {
    using namespace lns::lacemu;
    Options o;
    std::string error;
    switch (parse_options(argc, argv, o, &error)) {
        case ParseResult::help:
            std::fputs(kUsage, stdout);
            return 0;
        case ParseResult::error:
            std::fprintf(stderr, "lns-lac-emu: %s\n", error.c_str());
            return 2;
        case ParseResult::ok:
            break;
    }
    std::unique_ptr<Link> link;
    EspLink *esp = nullptr;
    if (!o.esp.clients.empty()) {
        auto e = std::make_unique<EspLink>(o.esp);
        if (!e->error().empty()) {
            std::fprintf(stderr, "lns-lac-emu: %s\n", e->error().c_str());
            return 2;
        }
        esp = e.get();
        link = std::move(e);
    } else if (o.link == LinkKind::dpdk) {
        auto d = std::make_unique<DpdkLink>(o.dpdk);
        if (!d->error().empty() || !d->resolve()) {
            std::fprintf(stderr, "lns-lac-emu: %s\n", d->error().c_str());
            return 2;
        }
        link = std::move(d);
    } else {
        auto u = std::make_unique<UdpLink>(o.udp);
        if (!u->error().empty()) {
            std::fprintf(stderr, "lns-lac-emu: %s\n", u->error().c_str());
            return 2;
        }
        link = std::move(u);
    }
    prctl(PR_SET_TIMERSLACK, 1UL);  // paced sends wake on time (default slack: 50 us)
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);

    std::unique_ptr<PppLayer> ppp;
    if (o.ppp.enabled) ppp = std::make_unique<PppLayer>(o.ppp, *link);
    Emulator emu(o.emu, *link, ppp.get());
    emu.set_stop_flag(&g_signals);
    const auto with_ppp = [&](Report r, bool final) {
        if (esp) {
            r.ipsec.enabled = true;
            r.ipsec.keepalive_s = double(o.esp.keepalive_ns) / 1e9;
            r.ipsec.link = esp->esp_counters();
            r.ipsec.clients = esp->client_stats();
        }
        if (!ppp) return r;
        r.ppp = ppp->report(final);
        r.success = r.success && ppp->success(r.sessions.established);
        return r;
    };
    const auto progress = [&](const Report &snapshot) {
        const Report r = with_ppp(snapshot, false);
        if (!o.quiet) print_progress(r, stdout);
        if (!o.json_path.empty() && !write_json_file(r, o.json_path, &error))
            std::fprintf(stderr, "lns-lac-emu: %s\n", error.c_str());
    };
    const Report r = with_ppp(emu.run(progress), true);
    if (!o.quiet) print_human(r, stdout);
    if (!o.json_path.empty() && !write_json_file(r, o.json_path, &error)) {
        std::fprintf(stderr, "lns-lac-emu: %s\n", error.c_str());
        return 1;
    }
    return r.success ? 0 : 1;
}
