#include "config/sessions.hpp"

namespace lns::cfg {

namespace {

// p + (n << (128 - len)), wrapping modulo 2^128 (validation rejects blocks that
// would wrap).
Ipv6Prefix advance_prefix(const Ipv6Prefix &p, uint32_t n) {
    if (p.len == 0 || p.len > 128) return p;
    unsigned __int128 v = 0;
    for (uint8_t b : p.addr) v = v << 8 | b;
    v += static_cast<unsigned __int128>(n) << (128 - p.len);
    Ipv6Prefix out = p;
    for (int i = 15; i >= 0; --i) {
        out.addr[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
        v >>= 8;
    }
    return out;
}

}  // namespace

SessionInstance session_instance(const StaticSession &s, uint32_t i) {
    uint32_t per_tunnel = s.sessions_per_tunnel == 0 ? 1 : s.sessions_per_tunnel;
    uint32_t tunnel = i / per_tunnel;
    uint32_t session = i % per_tunnel;
    SessionInstance out{};
    out.local_tunnel_id = static_cast<uint16_t>(s.local_tunnel_id + tunnel);
    out.remote_tunnel_id = static_cast<uint16_t>(s.remote_tunnel_id + tunnel);
    out.local_session_id = static_cast<uint16_t>(s.local_session_id + session);
    out.remote_session_id = static_cast<uint16_t>(s.remote_session_id + session);
    if (s.ipv4) out.ipv4 = *s.ipv4 + i;
    if (s.ipv6_prefix) out.ipv6_prefix = advance_prefix(*s.ipv6_prefix, i);
    return out;
}

}  // namespace lns::cfg
