// IPv6 router discovery on a PPP link (RFC 4861 §4.1, §4.2, §6.1.1, §6.2; RFC 5072
// §5 for the link-local addresses IPv6CP's interface identifiers give): Router
// Advertisements carrying the subscriber's /64 and Router Solicitations from the
// subscriber, as whole IPv6 packets (PPP protocol 0057, kProtoIpv6).
//
//  - build_router_advertisement(): from fe80::<our interface id> to ff02::1 or to
//    a soliciting link-local address, hop limit 255, with a Prefix Information
//    option (§4.6.2, L and A set by default), optionally MTU (§4.6.4) and RDNSS
//    (RFC 8106 §5.1).  No Source Link-Layer Address option: PPP has no
//    link-layer addresses.  The ICMPv6 checksum covers the pseudo-header (RFC 8200 §8.1).
//  - parse_router_solicitation(): the §6.1.1 validity checks (hop limit 255,
//    checksum, code 0, length >= 8, options of non-zero length, no source
//    link-layer option from the unspecified address) plus a link-local or
//    unspecified source.  Extension headers are not walked (next header must be 58).
//  - RaSchedule: when to send — MAX_INITIAL_RTR_ADVERTISEMENTS (3) RAs at most
//    MAX_INITIAL_RTR_ADVERT_INTERVAL (16 s) apart after the link comes up, then
//    every `interval` (§6.2.4); solicited RAs at once but at most one per
//    MIN_DELAY_BETWEEN_RAS (3 s) (§6.2.6; on a point-to-point link the random
//    delay that avoids collisions between hosts is not needed).  No jitter.
//
// Decoders take spans, never read past them, never allocate, and return a
// named error.  Thread: any; pure functions and a plain object.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace lns::cp::ppp {

using Ip6Addr = std::array<uint8_t, 16>;  // network order; the same type as net::Ip6Addr
using InterfaceId = std::array<uint8_t, 8>;  // IPv6CP Interface-Identifier (RFC 5072 §4.1)

inline constexpr Ip6Addr kAllNodes = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
inline constexpr Ip6Addr kAllRouters = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
inline constexpr uint8_t kIcmp6RouterSolicitation = 133;
inline constexpr uint8_t kIcmp6RouterAdvertisement = 134;
inline constexpr size_t kMaxRdnss = 3;
// 40 (IPv6) + 16 (RA) + 32 (prefix) + 8 (MTU) + 8 + 16 * kMaxRdnss (RDNSS).
inline constexpr size_t kMaxRaPacket = 40 + 16 + 32 + 8 + 8 + 16 * kMaxRdnss;

// fe80::<iid> (RFC 5072 §5).
Ip6Addr link_local_address(const InterfaceId &iid);

struct RaConfig {
    uint8_t cur_hop_limit = 64;        // 0: unspecified
    bool managed = false;              // M: addresses by DHCPv6
    bool other_config = false;         // O: other configuration by DHCPv6
    uint16_t router_lifetime_s = 1800; // 0: not a default router (§4.2)
    uint32_t reachable_time_ms = 0;    // 0: unspecified
    uint32_t retrans_timer_ms = 0;
    bool on_link = true;               // prefix L flag
    bool autonomous = true;            // prefix A flag (SLAAC)
    uint32_t valid_lifetime_s = 2592000;    // §6.2.1 AdvValidLifetime default (30 days)
    uint32_t preferred_lifetime_s = 604800; // §6.2.1 AdvPreferredLifetime default (7 days)
    uint32_t mtu = 0;                  // MTU option when non-zero
    std::array<Ip6Addr, kMaxRdnss> dns{};  // RDNSS option with the first dns_count
    uint8_t dns_count = 0;
    uint32_t dns_lifetime_s = 1800;
};

// Writes the IPv6 packet (header + RA) into `out`; returns its length, or 0 when
// `out` is smaller than needed.  `prefix` is masked to `prefix_len` (<= 128).
size_t build_router_advertisement(std::span<uint8_t> out, const RaConfig &cfg,
                                  const InterfaceId &our_iid, const Ip6Addr &dst,
                                  const Ip6Addr &prefix, uint8_t prefix_len = 64);

enum class NdError : uint8_t {
    ok,
    truncated,             // shorter than the IPv6 header, its payload length, or 4 ICMPv6 octets
    not_ipv6,              // version is not 6
    not_icmpv6,            // next header is not 58
    not_router_solicitation,  // ICMPv6 type is not 133 (hand the packet to other ICMPv6 code)
    bad_hop_limit,         // not 255: it crossed a router
    bad_code,              // ICMPv6 code is not 0
    too_short,             // ICMPv6 length below 8
    bad_checksum,
    bad_source,            // neither link-local nor unspecified
    bad_option,            // an option of length 0 or running past the packet
    lladdr_from_unspecified,  // source link-layer option with the unspecified source
};
const char *to_string(NdError e);

struct RouterSolicitation {
    Ip6Addr src{};
    Ip6Addr dst{};
    bool has_source_lladdr = false;
};

// Validates `packet` (starting at the IPv6 header; bytes beyond the payload
// length ignored) as a Router Solicitation.
NdError parse_router_solicitation(std::span<const uint8_t> packet, RouterSolicitation *out);

// Where the answer goes (§6.2.6): the solicitor's address, or all-nodes when it
// sent from the unspecified address.
Ip6Addr ra_destination(const RouterSolicitation &rs);

// ICMPv6 checksum over the pseudo-header and `icmp` (its checksum field included:
// 0 means a valid packet when verifying; store the result when building with the
// field zeroed).
uint16_t icmp6_checksum(const Ip6Addr &src, const Ip6Addr &dst, std::span<const uint8_t> icmp);

class RaSchedule {
public:
    static constexpr unsigned kInitialCount = 3;                      // MAX_INITIAL_RTR_ADVERTISEMENTS
    static constexpr uint64_t kInitialInterval = 16'000'000'000ull;   // MAX_INITIAL_RTR_ADVERT_INTERVAL
    static constexpr uint64_t kMinDelayBetweenRas = 3'000'000'000ull; // MIN_DELAY_BETWEEN_RAS

    // `interval_ns`: the unsolicited period (MaxRtrAdvInterval); 0: initial RAs only.
    explicit RaSchedule(uint64_t interval_ns = 600'000'000'000ull) : interval_(interval_ns) {}

    // The link is up (IPv6CP Opened): the first RA is due at once.
    void start(uint64_t now);
    void stop();
    // A Router Solicitation arrived: true when an RA may go now (then call sent());
    // otherwise one is scheduled for when the rate limit allows.
    bool on_solicitation(uint64_t now);
    // True when an RA is due at `now` (then send it and call sent()).
    bool due(uint64_t now) const { return running_ && now >= next_; }
    // An RA went out at `now`: schedules the next unsolicited one.
    void sent(uint64_t now);
    uint64_t next_deadline() const { return running_ ? next_ : UINT64_MAX; }

private:
    uint64_t interval_;
    uint64_t next_ = UINT64_MAX;
    uint64_t last_sent_ = 0;
    unsigned sent_count_ = 0;
    bool running_ = false;
    bool ever_sent_ = false;
};

}  // namespace lns::cp::ppp
