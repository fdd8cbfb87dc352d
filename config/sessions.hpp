// Expansion of static-session blocks (StaticSession::count > 1) into sessions.
#pragma once

#include <cstdint>
#include <optional>

#include "config/config.hpp"

namespace lns::cfg {

struct SessionInstance {
    uint16_t local_tunnel_id;
    uint16_t local_session_id;
    uint16_t remote_tunnel_id;
    uint16_t remote_session_id;
    std::optional<uint32_t> ipv4;           // host order
    std::optional<Ipv6Prefix> ipv6_prefix;
};

// The i-th session of a block (0 <= i < s.count).  Tunnel ids advance every
// s.sessions_per_tunnel sessions; session ids restart in each tunnel; addresses
// and prefixes advance by one per session.
SessionInstance session_instance(const StaticSession &s, uint32_t i);

}  // namespace lns::cfg
