// Shared vocabulary of the L2TP engines: where a datagram came from or goes to,
// injected randomness, result and error codes, and the events the endpoint
// reports to its owner (the control core, the LAC emulator, tests).
//
// Thread: any; plain data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lns::cp::l2tp {

// The UDP 4-tuple of a control datagram plus the interface it used.  Addresses
// and ports in host order.  For received datagrams `peer_*` is the source; replies
// go back to exactly that address and port (NAT between LAC and LNS works).
struct Transport {
    uint32_t peer_ip = 0;
    uint16_t peer_port = 1701;
    uint32_t local_ip = 0;
    uint16_t local_port = 1701;
    uint16_t iface = 0;  // owner's interface index (lnsd: access port index)
    bool operator==(const Transport &) const = default;
};

// Injected randomness (conventions.md §2): ids, challenges, tie breakers, random
// vectors.  Tests supply a predictable one.
class Random {
public:
    virtual ~Random() = default;
    virtual uint64_t next() = 0;
};

// xoshiro256** seeded from one 64-bit value; fast, not for secrets shared with
// attackers beyond L2TP's own (MD5-based) use.
class Xoshiro final : public Random {
public:
    explicit Xoshiro(uint64_t seed);
    uint64_t next() override;

private:
    uint64_t s_[4];
};

// StopCCN result codes (RFC 2661 §4.4.2).
namespace stopccn {
inline constexpr uint16_t kClear = 1;            // general request to clear control connection
inline constexpr uint16_t kGeneralError = 2;     // see error code
inline constexpr uint16_t kAlreadyExists = 3;    // control channel already exists
inline constexpr uint16_t kNotAuthorized = 4;    // requester not authorized
inline constexpr uint16_t kBadVersion = 5;       // protocol version not supported
inline constexpr uint16_t kShuttingDown = 6;     // requester is being shut down
inline constexpr uint16_t kFsmError = 7;         // finite state machine error
}  // namespace stopccn

// CDN result codes (RFC 2661 §4.4.2).
namespace cdn {
inline constexpr uint16_t kLostCarrier = 1;
inline constexpr uint16_t kGeneralError = 2;
inline constexpr uint16_t kAdmin = 3;
inline constexpr uint16_t kTempNoFacilities = 4;
inline constexpr uint16_t kPermNoFacilities = 5;
inline constexpr uint16_t kInvalidDestination = 6;
inline constexpr uint16_t kNoCarrier = 7;
inline constexpr uint16_t kBusy = 8;
inline constexpr uint16_t kNoDialTone = 9;
inline constexpr uint16_t kTimeout = 10;
inline constexpr uint16_t kNoFraming = 11;
}  // namespace cdn

// General error codes (RFC 2661 §4.4.2), sent with result kGeneralError.
namespace errc {
inline constexpr uint16_t kNone = 0;
inline constexpr uint16_t kNoControlConnection = 1;
inline constexpr uint16_t kBadLength = 2;
inline constexpr uint16_t kBadValue = 3;
inline constexpr uint16_t kNoResources = 4;
inline constexpr uint16_t kInvalidSession = 5;
inline constexpr uint16_t kVendorError = 6;
inline constexpr uint16_t kTryAnother = 7;
inline constexpr uint16_t kUnknownMandatoryAvp = 8;
}  // namespace errc

// What the LAC told us about a call; kept for the PPP layer (proxy LCP and proxy
// authentication, ICCN AVPs 26-33) and for accounting.
struct CallInfo {
    uint32_t call_serial = 0;
    uint32_t bearer_type = 0;
    uint32_t framing_type = 0;
    uint32_t tx_connect_speed = 0;
    uint32_t rx_connect_speed = 0;
    uint32_t physical_channel_id = 0;
    bool sequencing_required = false;
    std::string calling_number, called_number, sub_address;
    // Proxy LCP: LCP option bytes (no LCP header), empty when absent.
    std::vector<uint8_t> initial_received_lcp_confreq, last_sent_lcp_confreq,
        last_received_lcp_confreq;
    bool has_proxy_auth = false;
    uint16_t proxy_authen_type = 0;  // 1 text, 2 CHAP, 3 PAP, 4 none, 5 MS-CHAPv1
    std::string proxy_authen_name;
    std::vector<uint8_t> proxy_authen_challenge, proxy_authen_response;
    uint8_t proxy_authen_id = 0;
    std::string private_group_id;
};

enum class EventKind : uint8_t {
    tunnel_up,     // control connection established
    tunnel_down,   // closed (StopCCN either way, peer dead, tie breaker lost)
    session_up,    // call established (ICCN / OCCN): install the data path
    session_down,  // call cleared (CDN either way, tunnel down, setup timeout); also a
                   // call the owner asked for (open_session, place_call) that failed,
                   // and an announced call (session_accepted) that never came up
    session_accepted,  // only with EndpointConfig::announce_accepted_calls: an incoming
                       // call accepted (ICRP sent).  The LAC may send data right after
                       // its ICCN; a data path installed now receives it even before the
                       // ICCN is processed.  session_up or session_down follows.
};
const char *event_kind_name(EventKind k);

// Why a tunnel or session went down, as seen by this side.
enum class DownReason : uint8_t {
    none,
    local_request,   // our owner asked (close_session / close_tunnel / shutdown)
    peer_request,    // the peer sent CDN / StopCCN
    peer_dead,       // retransmissions exhausted
    rejected,        // refused by us at setup (policy, limits, auth)
    protocol_error,  // malformed or unexpected message, unknown M=1 AVP
    setup_timeout,   // the call was not established in time
    tie_breaker,     // simultaneous SCCRQ lost
    tunnel_down,     // session ended because its tunnel did
};
const char *down_reason_name(DownReason r);

struct Event {
    EventKind kind = EventKind::tunnel_up;
    uint16_t tunnel_id = 0;         // ours
    uint16_t session_id = 0;        // ours (session events)
    uint16_t peer_tunnel_id = 0;
    uint16_t peer_session_id = 0;
    Transport transport;
    DownReason reason = DownReason::none;
    uint16_t result = 0;  // result code sent or received (down events)
    uint16_t error = 0;
    const CallInfo *call = nullptr;  // session_up: valid until the session ends
    bool lns_initiated = false;      // outgoing call (OCRQ) rather than incoming
};

}  // namespace lns::cp::l2tp
