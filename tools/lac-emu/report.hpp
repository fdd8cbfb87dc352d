// The LAC emulator's results as plain data (Report, filled by Emulator::report)
// and their two renderings: a human summary and a JSON object (the format is
// documented at the top of lac_emu_main.cpp).  Formatting only; no logic.
//
// Thread: any; plain data.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/l2tp/endpoint.hpp"
#include "tools/lac-emu/esp_link.hpp"
#include "tools/lac-emu/link.hpp"

namespace lns::lacemu {

// Setup-time distribution (nearest-rank percentiles), milliseconds.
struct Percentiles {
    uint64_t count = 0;
    double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};

// One row of the failure table: how many times something failed the same way.
// kind: "tunnel" (setup), "session" (setup), "tunnel_drop" / "session_drop" (went
// down after coming up, before our teardown), "teardown" (our CDN / StopCCN not
// acknowledged).  reason: a DownReason name or one of the emulator's own
// ("open_refused", "emulator_timeout", "interrupted", "unknown").
struct FailureRow {
    const char *kind;
    const char *reason;
    uint16_t result, error;
    uint64_t count;
};

// The PPP layer's results (--ppp; ppp_layer.hpp).  Times from the call's ICRQ.
struct PppReport {
    bool enabled = false;
    const char *auth = "any";
    bool ipv6 = false;
    uint64_t started = 0, lcp_up = 0, authenticated = 0, ipcp_up = 0, ipv6cp_up = 0;
    uint64_t up = 0;           // every NCP settled (ICRQ -> "full session")
    uint64_t failed = 0;       // finished without coming up (see failures)
    uint64_t dropped = 0;      // came up, then finished before the teardown (see drops)
    uint64_t negotiating = 0, up_now = 0;
    Percentiles lcp_ms, auth_ms, ipcp_ms, full_ms;  // ICRQ -> LCP up / auth ok / IPCP up / up
    double window_s = 0;  // first ICRQ -> last PPP up
    double rate = 0;      // up / window_s: full session setup rate
    std::vector<std::pair<const char *, uint64_t>> failures, drops;  // by ClientFailure name
    uint64_t lcp_conf_req_sent = 0, lcp_retransmits = 0, ncp_retransmits = 0;
    uint64_t auth_retransmits = 0, echo_req_rcvd = 0, echo_reply_sent = 0;
    uint64_t frames_in = 0, frames_out = 0, bad_frames = 0, protocol_rejects_sent = 0;
    struct Traffic {
        bool enabled = false;
        const char *proto = "udp";
        double pps = 0;
        uint32_t size = 0;
        std::string dest;
        uint64_t sent = 0, received = 0, lost = 0, tx_bytes = 0, rx_bytes = 0;
        uint64_t rx_other = 0;  // IP packets not addressed to the subscriber
        uint64_t skipped = 0;   // due while no session was up
        double duration_s = 0;
    } traffic;
};

// The ESP link's results (--ipsec; esp_link.hpp): link-level drops, and per
// client its ESP datagrams each way and its SAs' counters (drops by
// crypto::EspResult name).
struct IpsecReport {
    bool enabled = false;
    double keepalive_s = 0;
    EspLinkCounters link;
    std::vector<EspClientStats> clients;
};

struct Report {
    // What was asked.
    std::string lns, local, link_kind;
    uint32_t tunnels_planned = 0, sessions_per_tunnel = 0;
    double tunnel_rate = 0, session_rate = 0, hold_s = 0;
    const char *teardown_mode = "";
    uint64_t seed = 0;

    // Where the run is.
    double elapsed_s = 0;
    const char *phase = "";
    bool finished = false;     // the run is over (final report)
    bool timed_out = false;    // --timeout hit
    bool interrupted = false;  // SIGINT / SIGTERM
    bool success = false;      // everything planned came up (and teardown completed)

    struct Tunnels {
        uint64_t planned = 0, requested = 0, established = 0, failed = 0, dropped = 0, up_now = 0;
        Percentiles setup;
    } tunnels;
    struct Sessions {
        uint64_t planned = 0, requested = 0, established = 0, failed = 0, not_requested = 0,
                 dropped = 0, up_now = 0, pending_now = 0, outgoing_answered = 0;
        Percentiles setup;
        double window_s = 0;  // first ICRQ to last session_up
        double rate = 0;      // established / window_s
    } sessions;
    std::vector<FailureRow> failures;

    struct Teardown {
        const char *mode = "";
        bool started = false, complete = false;
        uint64_t cdn_sent = 0, cdn_acked = 0, stopccn_sent = 0, stopccn_acked = 0, unacked = 0;
        double duration_s = 0;
    } teardown;

    cp::l2tp::ReliableCounters control{};  // summed over every tunnel we had
    cp::l2tp::EndpointCounters endpoint{};
    LinkCounters link{};
    uint64_t data_in = 0, data_unknown = 0;  // L2TP data messages received
    uint64_t wrong_channel = 0;  // L2TP messages for a tunnel of another client (--ipsec; dropped)
    PppReport ppp;                           // filled by the PPP layer (--ppp)
    IpsecReport ipsec;                       // filled from the ESP link (--ipsec)
    double cpu_user_s = 0, cpu_sys_s = 0;
};

// Multi-line summary for people.
void print_human(const Report &r, FILE *out);
// One line of progress (for --interval).
void print_progress(const Report &r, FILE *out);
// The JSON object, pretty-printed, newline-terminated.
std::string to_json(const Report &r);
// Writes to_json(r) to `path` atomically (temporary file + rename).  False on error.
bool write_json_file(const Report &r, const std::string &path, std::string *error);

}  // namespace lns::lacemu
