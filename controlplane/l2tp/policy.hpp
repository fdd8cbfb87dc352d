// Settings of the L2TP endpoint: who may connect, with which secret and timers,
// and how many tunnels and sessions it accepts.  Filled from YAML by the control
// core (and, later, by the REST API) -- the engines never read configuration by
// name.
//
// Thread: plain data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "controlplane/l2tp/reliable.hpp"

namespace lns::cp::l2tp {

struct Ipv4Range {
    uint32_t addr = 0;  // host order
    uint8_t len = 0;
    bool contains(uint32_t a) const {
        const uint32_t m = len == 0 ? 0 : ~0u << (32 - len);
        return (a & m) == (addr & m);
    }
};

// Per-peer settings (one LAC or a group of LACs by source address and/or host name).
struct PeerPolicy {
    std::string name;                     // config name, for logs and stats
    std::vector<Ipv4Range> sources;       // empty: any source address
    std::string host_name;                // empty: any; else the peer's Host Name AVP must match
    std::string secret;                   // tunnel authentication (and hidden AVPs); empty: none
    bool require_authentication = false;  // true: challenge the peer (needs `secret`)
    bool hide_avps = false;               // hide sensitive AVPs we send (§4.3; needs `secret`)
    uint32_t hello_interval_s = 60;       // HELLO after this long without a control message
    uint32_t max_sessions = 0;            // per tunnel of this peer; 0: the global per-tunnel limit
    bool force_sequencing = false;        // data messages with Ns for every session of the peer
    ReliableConfig reliable;              // windows, retransmission, slow start
};

struct EndpointConfig {
    std::string host_name = "lnsd";
    std::string vendor_name = "lnsd";
    uint16_t firmware_revision = 0x0100;
    uint32_t framing_capabilities = 3;  // synchronous | asynchronous
    uint32_t bearer_capabilities = 0;
    uint32_t max_tunnels = 1024;
    uint32_t max_sessions = 65536;              // in total
    uint32_t max_sessions_per_tunnel = 65535;
    uint32_t call_setup_timeout_s = 30;        // ICRP/OCRQ sent, no ICCN/OCCN: CDN result 10
    uint32_t id_quarantine_s = 60;             // closed tunnel/session ids unused this long
    bool accept_outgoing_calls = false;        // answer OCRQ (the LAC role); else CDN
    bool accept_unknown_peers = true;          // peers matching no policy use `default_peer`
    bool announce_accepted_calls = false;      // session_accepted when ICRP is sent (see EventKind)
    PeerPolicy default_peer;
    std::vector<PeerPolicy> peers;             // first match wins
};

}  // namespace lns::cp::l2tp
