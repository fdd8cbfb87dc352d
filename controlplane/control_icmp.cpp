// Control core: ICMP echo for the LNS's addresses, ICMP errors the data path asks
// for (time exceeded, fragmentation needed / packet too big).  Errors about a
// subscriber's upstream packet go back into its session; errors about core-side
// packets go back to the frame's Ethernet source (the router that sent it).
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <cstring>

#include "controlplane/control_core.hpp"
#include "controlplane/net/icmp4.hpp"
#include "controlplane/net/icmp6.hpp"
#include "dataplane/pkt/locate.hpp"

namespace lns::cp {

namespace {

constexpr size_t kBuf = 1600;

net::MacAddr mac_at(const uint8_t *p) {
    net::MacAddr m;
    std::memcpy(m.data(), p, 6);
    return m;
}

net::Ip6Addr to_ip6(const uint8_t *a) {
    net::Ip6Addr r;
    std::memcpy(r.data(), a, 16);
    return r;
}

}  // namespace

void ControlCore::handle_icmp_local(rte_mbuf *m) {
    const dp::MbufMeta md = *dp::meta(m);
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    const size_t len = rte_pktmbuf_data_len(m);
    uint8_t out[kBuf + 14];
    size_t n = 0;
    if (md.index != dp::kInvalidIndex) {
        // A subscriber pinging the LNS: the echo is inside the session.  Give the
        // builders a frame with a zero Ethernet header and send the IP part back.
        dp::PppPayload pl;
        uint8_t in[kBuf + 14] = {};
        if (dp::locate_ppp_payload(f, len, &pl) && pl.length <= kBuf) {
            std::memcpy(in + 14, f + pl.offset, pl.length);
            in[12] = pl.protocol == dp::kPppIpv6 ? 0x86 : 0x08;
            in[13] = pl.protocol == dp::kPppIpv6 ? 0xdd : 0x00;
            const std::span<const uint8_t> req(in, pl.length + 14);
            const net::NetError e = pl.protocol == dp::kPppIpv6
                                        ? net::make_icmp6_echo_reply(req, out, sizeof out, &n)
                                        : net::make_icmp_echo_reply(req, out, sizeof out, &n);
            if (e == net::NetError::ok && n > 14) {
                // Trim the Ethernet padding: the IP length is authoritative.
                const size_t ip_len = pl.protocol == dp::kPppIpv6 ? 40 + dp::load_be16(out + 18)
                                                                  : dp::load_be16(out + 16);
                send_into_session(md.index, pl.protocol, out + 14, ip_len);
                c_.icmp_echo_replies++;
                rte_pktmbuf_free(m);
                return;
            }
        }
        c_.icmp_echo_bad++;
        rte_pktmbuf_free(m);
        return;
    }
    const bool v6 = len >= 14 && dp::load_be16(f + 12) == dp::kEtherTypeIpv6;
    const std::span<const uint8_t> req(f, len);
    const net::NetError e = v6 ? net::make_icmp6_echo_reply(req, out, sizeof out, &n)
                               : net::make_icmp_echo_reply(req, out, sizeof out, &n);
    if (e == net::NetError::ok) {
        send_frame(md.in_port, out, n);
        c_.icmp_echo_replies++;
    } else {
        c_.icmp_echo_bad++;
    }
    rte_pktmbuf_free(m);
}

void ControlCore::handle_icmp_error(rte_mbuf *m, bool ttl) {
    const dp::MbufMeta md = *dp::meta(m);
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    const size_t len = rte_pktmbuf_data_len(m);
    const dp::PortRuntime &core = rt_.ports[rt_.cfg.core_port];
    uint8_t out[kBuf + 14];
    size_t n = 0;
    net::NetError e = net::NetError::truncated;
    const bool from_access = rt_.ports[md.in_port].role == dp::PortRole::access;
    if (from_access) {
        // Upstream TTL expiry: quote the subscriber's packet, send into its session.
        dp::PppPayload pl;
        if (dp::locate_ppp_payload(f, len, &pl)) {
            const std::span<const uint8_t> off(f + pl.offset, pl.length);
            if (pl.protocol == dp::kPppIpv6) {
                const net::Ip6Addr src = to_ip6(core.has_ipv6 ? core.ipv6 : core.ipv6_ll);
                e = net::make_icmp6_error_ip(out, sizeof out, src, net::kIcmp6TimeExceeded, 0, 0, off, &n);
            } else {
                e = net::make_icmp_error_ip(out, sizeof out, rte_be_to_cpu_32(core.ipv4_be),
                                            net::kIcmpTimeExceeded, net::kIcmpCodeTtlExceeded, 0, off, &n);
            }
            if (e == net::NetError::ok) send_into_session(md.index, pl.protocol, out, n);
        }
    } else if (len > 14) {
        // Core side: back to the router that handed us the packet.
        const dp::PortRuntime &port = rt_.ports[md.in_port];
        net::MacAddr ours;
        std::memcpy(ours.data(), port.mac, 6);
        const net::MacAddr peer = mac_at(f + 6);
        const std::span<const uint8_t> off(f + 14, len - 14);
        const bool v6 = dp::load_be16(f + 12) == dp::kEtherTypeIpv6;
        if (v6) {
            const net::Ip6Addr src = to_ip6(port.has_ipv6 ? port.ipv6 : port.ipv6_ll);
            n = ttl ? net::build_icmp6_error(out, sizeof out, ours, peer, src, net::kIcmp6TimeExceeded, 0, 0, off)
                    : net::build_icmp6_error(out, sizeof out, ours, peer, src, net::kIcmp6PacketTooBig, 0, md.aux, off);
        } else {
            const uint32_t src = rte_be_to_cpu_32(port.ipv4_be);
            n = ttl ? net::build_icmp_error(out, sizeof out, ours, peer, src, net::kIcmpTimeExceeded,
                                            net::kIcmpCodeTtlExceeded, 0, off)
                    : net::build_icmp_error(out, sizeof out, ours, peer, src, net::kIcmpDestUnreachable,
                                            net::kIcmpCodeFragNeeded, net::icmp_frag_needed_rest(md.aux), off);
        }
        if (n) {
            send_frame(md.in_port, out, n);
            e = net::NetError::ok;
        }
    }
    if (e == net::NetError::ok)
        c_.icmp_errors_sent++;
    else
        c_.icmp_errors_suppressed++;
    rte_pktmbuf_free(m);
}

}  // namespace lns::cp
