#include "controlplane/ppp/nd_ra.hpp"

#include <algorithm>
#include <cstring>

#include "controlplane/net/checksum.hpp"

namespace lns::cp::ppp {

namespace {

constexpr size_t kIpv6Header = 40;
constexpr size_t kRaHeader = 16;
constexpr uint8_t kNextHeaderIcmp6 = 58;
constexpr uint8_t kOptSourceLladdr = 1;
constexpr uint8_t kOptPrefixInfo = 3;
constexpr uint8_t kOptMtu = 5;
constexpr uint8_t kOptRdnss = 25;

void put16(uint8_t *p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

void put32(uint8_t *p, uint32_t v) {
    put16(p, uint16_t(v >> 16));
    put16(p + 2, uint16_t(v));
}

bool is_link_local(const Ip6Addr &a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }
bool is_unspecified(const Ip6Addr &a) { return a == Ip6Addr{}; }

size_t ra_length(const RaConfig &cfg) {
    const size_t dns = std::min<size_t>(cfg.dns_count, kMaxRdnss);
    return kRaHeader + 32 + (cfg.mtu ? 8 : 0) + (dns ? 8 + 16 * dns : 0);
}

// Prefix Information (§4.6.2): 32 octets at p.
void put_prefix(uint8_t *p, const RaConfig &cfg, const Ip6Addr &prefix, uint8_t len) {
    p[0] = kOptPrefixInfo;
    p[1] = 4;
    p[2] = len;
    p[3] = uint8_t((cfg.on_link ? 0x80 : 0) | (cfg.autonomous ? 0x40 : 0));
    put32(p + 4, cfg.valid_lifetime_s);
    put32(p + 8, cfg.preferred_lifetime_s);
    std::memset(p + 12, 0, 4);
    for (size_t i = 0; i < 16; ++i) {  // host bits cleared
        const int bits = std::clamp(int(len) - int(8 * i), 0, 8);
        p[16 + i] = uint8_t(prefix[i] & uint8_t(0xff00 >> bits));
    }
}

// MTU (§4.6.4) and RDNSS (RFC 8106 §5.1) options at p; returns the octets written.
size_t put_mtu_rdnss(uint8_t *p, const RaConfig &cfg) {
    size_t n = 0;
    if (cfg.mtu) {
        p[0] = kOptMtu;
        p[1] = 1;
        put16(p + 2, 0);
        put32(p + 4, cfg.mtu);
        n = 8;
    }
    const size_t dns = std::min<size_t>(cfg.dns_count, kMaxRdnss);
    if (dns) {
        uint8_t *o = p + n;
        o[0] = kOptRdnss;
        o[1] = uint8_t(1 + 2 * dns);
        put16(o + 2, 0);
        put32(o + 4, cfg.dns_lifetime_s);
        for (size_t i = 0; i < dns; ++i) std::memcpy(o + 8 + 16 * i, cfg.dns[i].data(), 16);
        n += 8 + 16 * dns;
    }
    return n;
}

}  // namespace

Ip6Addr link_local_address(const InterfaceId &iid) {
    Ip6Addr a{0xfe, 0x80};
    std::memcpy(a.data() + 8, iid.data(), 8);
    return a;
}

uint16_t icmp6_checksum(const Ip6Addr &src, const Ip6Addr &dst, std::span<const uint8_t> icmp) {
    uint64_t sum = net::checksum_add(0, src.data(), src.size());
    sum = net::checksum_add(sum, dst.data(), dst.size());
    sum = net::checksum_add32(sum, uint32_t(icmp.size()));
    sum = net::checksum_add32(sum, kNextHeaderIcmp6);
    sum = net::checksum_add(sum, icmp.data(), icmp.size());
    return net::checksum_finish(sum);
}

size_t build_router_advertisement(std::span<uint8_t> out, const RaConfig &cfg,
                                  const InterfaceId &our_iid, const Ip6Addr &dst,
                                  const Ip6Addr &prefix, uint8_t prefix_len) {
    const size_t icmp_len = ra_length(cfg);
    if (out.size() < kIpv6Header + icmp_len) return 0;
    const Ip6Addr src = link_local_address(our_iid);
    uint8_t *ip = out.data();
    put32(ip, 0x60000000u);  // version 6, traffic class and flow label 0
    put16(ip + 4, uint16_t(icmp_len));
    ip[6] = kNextHeaderIcmp6;
    ip[7] = 255;  // §4.2: hop limit 255
    std::memcpy(ip + 8, src.data(), 16);
    std::memcpy(ip + 24, dst.data(), 16);

    uint8_t *ra = ip + kIpv6Header;
    ra[0] = kIcmp6RouterAdvertisement;
    ra[1] = 0;
    put16(ra + 2, 0);  // checksum, below
    ra[4] = cfg.cur_hop_limit;
    ra[5] = uint8_t((cfg.managed ? 0x80 : 0) | (cfg.other_config ? 0x40 : 0));
    put16(ra + 6, cfg.router_lifetime_s);
    put32(ra + 8, cfg.reachable_time_ms);
    put32(ra + 12, cfg.retrans_timer_ms);
    put_prefix(ra + kRaHeader, cfg, prefix, std::min<uint8_t>(prefix_len, 128));
    put_mtu_rdnss(ra + kRaHeader + 32, cfg);
    put16(ra + 2, icmp6_checksum(src, dst, {ra, icmp_len}));
    return kIpv6Header + icmp_len;
}

const char *to_string(NdError e) {
    switch (e) {
        case NdError::ok: return "ok";
        case NdError::truncated: return "truncated";
        case NdError::not_ipv6: return "not_ipv6";
        case NdError::not_icmpv6: return "not_icmpv6";
        case NdError::not_router_solicitation: return "not_router_solicitation";
        case NdError::bad_hop_limit: return "bad_hop_limit";
        case NdError::bad_code: return "bad_code";
        case NdError::too_short: return "too_short";
        case NdError::bad_checksum: return "bad_checksum";
        case NdError::bad_source: return "bad_source";
        case NdError::bad_option: return "bad_option";
        case NdError::lladdr_from_unspecified: return "lladdr_from_unspecified";
    }
    return "?";
}

// The options after the 8-octet RS header (§4.1, §4.6): lengths in units of 8.
static NdError walk_rs_options(std::span<const uint8_t> opts, RouterSolicitation *out) {
    while (!opts.empty()) {
        if (opts.size() < 2 || opts[1] == 0 || size_t(opts[1]) * 8 > opts.size())
            return NdError::bad_option;
        if (opts[0] == kOptSourceLladdr) out->has_source_lladdr = true;
        opts = opts.subspan(size_t(opts[1]) * 8);
    }
    return NdError::ok;
}

NdError parse_router_solicitation(std::span<const uint8_t> packet, RouterSolicitation *out) {
    if (packet.size() < kIpv6Header) return NdError::truncated;
    if ((packet[0] >> 4) != 6) return NdError::not_ipv6;
    const size_t plen = size_t(packet[4]) << 8 | packet[5];
    if (plen > packet.size() - kIpv6Header) return NdError::truncated;
    if (packet[6] != kNextHeaderIcmp6) return NdError::not_icmpv6;
    const std::span<const uint8_t> icmp = packet.subspan(kIpv6Header, plen);
    if (icmp.size() < 4) return NdError::truncated;
    if (icmp[0] != kIcmp6RouterSolicitation) return NdError::not_router_solicitation;
    if (packet[7] != 255) return NdError::bad_hop_limit;
    if (icmp[1] != 0) return NdError::bad_code;
    if (icmp.size() < 8) return NdError::too_short;
    RouterSolicitation rs;
    std::memcpy(rs.src.data(), packet.data() + 8, 16);
    std::memcpy(rs.dst.data(), packet.data() + 24, 16);
    if (icmp6_checksum(rs.src, rs.dst, icmp) != 0) return NdError::bad_checksum;
    if (!is_link_local(rs.src) && !is_unspecified(rs.src)) return NdError::bad_source;
    if (const NdError e = walk_rs_options(icmp.subspan(8), &rs); e != NdError::ok) return e;
    if (rs.has_source_lladdr && is_unspecified(rs.src)) return NdError::lladdr_from_unspecified;
    *out = rs;
    return NdError::ok;
}

Ip6Addr ra_destination(const RouterSolicitation &rs) {
    return is_unspecified(rs.src) ? kAllNodes : rs.src;
}

// ---- RaSchedule ----------------------------------------------------------------------

void RaSchedule::start(uint64_t now) {
    running_ = true;
    ever_sent_ = false;
    sent_count_ = 0;
    next_ = now;
}

void RaSchedule::stop() {
    running_ = false;
    next_ = UINT64_MAX;
}

bool RaSchedule::on_solicitation(uint64_t now) {
    if (!running_) return false;
    if (!ever_sent_ || now >= last_sent_ + kMinDelayBetweenRas) return true;
    next_ = std::min(next_, last_sent_ + kMinDelayBetweenRas);
    return false;
}

void RaSchedule::sent(uint64_t now) {
    if (!running_) return;
    ever_sent_ = true;
    last_sent_ = now;
    ++sent_count_;
    if (sent_count_ < kInitialCount)
        next_ = now + (interval_ ? std::min(interval_, kInitialInterval) : kInitialInterval);
    else
        next_ = interval_ ? now + interval_ : UINT64_MAX;
}

}  // namespace lns::cp::ppp
