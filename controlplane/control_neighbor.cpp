// Control core: ARP and IPv6 neighbour discovery, next-hop resolution with a
// bounded queue of packets per unresolved neighbour.
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <cstring>

#include <arpa/inet.h>

#include "controlplane/log.hpp"
#include "controlplane/control_core.hpp"
#include "controlplane/net/arp.hpp"
#include "controlplane/net/icmp6.hpp"
#include "controlplane/net/nd.hpp"

namespace lns::cp {

namespace {

net::MacAddr port_mac(const dp::PortRuntime &p) {
    net::MacAddr m;
    std::memcpy(m.data(), p.mac, 6);
    return m;
}

net::Ip6Addr to_ip6(const uint8_t *a) {
    net::Ip6Addr r;
    std::memcpy(r.data(), a, 16);
    return r;
}

std::span<const uint8_t> frame_of(rte_mbuf *m) {
    return {rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m)};
}

}  // namespace

// A neighbour told us its MAC: publish it to the data plane, send what waited.
void ControlCore::learn(uint16_t port, uint32_t idx, const net::MacAddr &mac, uint64_t now) {
    (void)port;
    if (dir_.entry(idx).is_static) return;
    const bool had_mac = resolver_.has_mac(idx);
    const bool flush = resolver_.on_reply(idx, mac, now);
    rt_.tables->set_neighbor(idx, mac.data());
    if (!had_mac) c_.neighbors_resolved++;
    if (!flush) return;
    auto it = pending_.find(idx);
    if (it == pending_.end()) return;
    for (rte_mbuf *m : it->second) {
        std::memcpy(rte_pktmbuf_mtod(m, uint8_t *), mac.data(), 6);
        dp::meta(m)->kind = uint8_t(dp::InboxKind::frame);
        c_.pending_flushed++;
        to_inbox(next_worker_++ % rt_.workers.size(), m);
    }
    pending_.erase(it);
}

void ControlCore::handle_arp(rte_mbuf *m, uint64_t now) {
    const uint16_t pi = dp::meta(m)->in_port;
    net::ArpPacket a;
    if (net::parse_arp(frame_of(m), &a) != net::NetError::ok) {
        c_.arp_bad++;
        rte_pktmbuf_free(m);
        return;
    }
    rte_pktmbuf_free(m);
    const dp::PortRuntime &port = rt_.ports[pi];
    const uint32_t ours = rte_be_to_cpu_32(port.ipv4_be);
    // RFC 826 "merge": any ARP from a neighbour we track updates its MAC.
    const uint32_t idx = dir_.find4(pi, a.sender_ip);
    if (idx != dp::kInvalidIndex && a.sender_ip != 0) learn(pi, idx, a.sender_mac, now);
    if (a.opcode == net::kArpOpReply) {
        c_.arp_replies_received++;
        return;
    }
    if (a.target_ip != ours || a.sender_ip == ours) {
        c_.arp_requests_ignored++;
        return;
    }
    uint8_t out[64];
    const size_t n = net::build_arp_reply(out, sizeof out, port_mac(port), ours, a.sender_mac, a.sender_ip);
    if (n) {
        send_frame(pi, out, n);
        c_.arp_replies_sent++;
    }
}

void ControlCore::handle_nd(rte_mbuf *m, uint64_t now) {
    const uint16_t pi = dp::meta(m)->in_port;
    const dp::PortRuntime &port = rt_.ports[pi];
    if (dp::meta(m)->index != dp::kInvalidIndex) {
        // From a subscriber (router solicitation...): its PPP session answers.
        return handle_subscriber_nd(m);
    }
    net::Icmp6Packet p;
    if (net::parse_icmp6(frame_of(m), &p) != net::NetError::ok) {
        c_.nd_bad++;
        rte_pktmbuf_free(m);
        return;
    }
    if (p.type == net::kNdNeighborSolicit) {
        const bool ours = (port.has_ipv6 && p.target == to_ip6(port.ipv6)) || p.target == to_ip6(port.ipv6_ll);
        if (p.has_source_lla && !net::ip6_is_unspecified(p.src)) {
            const uint32_t idx = dir_.find6(pi, p.src);
            if (idx != dp::kInvalidIndex) learn(pi, idx, p.source_lla, now);
        }
        uint8_t out[128];
        size_t n = 0;
        if (ours && net::make_na_for_ns(p, port_mac(port), true, out, sizeof out, &n) == net::NetError::ok) {
            send_frame(pi, out, n);
            c_.nd_solicits_answered++;
        } else {
            c_.nd_ignored++;
        }
    } else if (p.type == net::kNdNeighborAdvert) {
        c_.nd_advertisements_received++;
        const uint32_t idx = dir_.find6(pi, p.target);
        if (idx != dp::kInvalidIndex) learn(pi, idx, p.has_target_lla ? p.target_lla : p.eth_src, now);
    } else {
        c_.nd_ignored++;
    }
    rte_pktmbuf_free(m);
}

void ControlCore::send_neighbor_request(uint32_t idx, bool unicast) {
    const uint16_t pi = resolver_.port(idx);
    const dp::PortRuntime &port = rt_.ports[pi];
    const net::NeighborAddr &addr = resolver_.addr(idx);
    uint8_t out[128];
    size_t n;
    if (!addr.is_v6) {
        const uint32_t ours = rte_be_to_cpu_32(port.ipv4_be);
        n = unicast ? net::build_arp_request_unicast(out, sizeof out, port_mac(port), ours, addr.v4, resolver_.mac(idx))
                    : net::build_arp_request(out, sizeof out, port_mac(port), ours, addr.v4);
    } else {
        // Solicit from the link-local address for a link-local target, else the global one.
        const net::Ip6Addr src = (net::ip6_is_link_local(addr.v6) || !port.has_ipv6) ? to_ip6(port.ipv6_ll) : to_ip6(port.ipv6);
        n = unicast ? net::build_neighbor_solicitation_unicast(out, sizeof out, port_mac(port), src, addr.v6, resolver_.mac(idx))
                    : net::build_neighbor_solicitation(out, sizeof out, port_mac(port), src, addr.v6);
    }
    if (n) {
        send_frame(pi, out, n);
        c_.neighbor_requests_sent++;
    }
}

// A destination on the core port's own prefix with no neighbour entry yet:
// create one, publish it to the workers, and resolve it like any next hop.
uint32_t ControlCore::onlink_neighbor(rte_mbuf *m) {
    const uint16_t port = dp::meta(m)->out_port;
    const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
    const size_t len = rte_pktmbuf_data_len(m);
    const bool v6 = len >= 14 + 40 && f[12] == 0x86 && f[13] == 0xdd;
    if (!v6 && len < 14 + 20) return dp::kInvalidIndex;
    uint32_t idx;
    if (v6) {
        std::array<uint8_t, 16> a;
        std::memcpy(a.data(), f + 14 + 24, 16);
        idx = dir_.find6(port, a);
        if (idx == dp::kInvalidIndex) idx = acquire_neighbor6(port, a);
        if (idx != dp::kInvalidIndex) rt_.tables->add_onlink6(a.data(), idx);
    } else {
        uint32_t be;
        std::memcpy(&be, f + 14 + 16, 4);
        idx = dir_.find4(port, rte_be_to_cpu_32(be));
        if (idx == dp::kInvalidIndex) idx = acquire_neighbor4(port, rte_be_to_cpu_32(be));
        if (idx != dp::kInvalidIndex) rt_.tables->add_onlink4(be, idx);
    }
    return idx;
}

void ControlCore::handle_neighbor_miss(rte_mbuf *m, uint64_t now) {
    uint32_t idx = dp::meta(m)->index;
    if (idx == dp::kInvalidIndex) idx = onlink_neighbor(m);
    if (idx >= dir_.capacity() || !dir_.entry(idx).in_use) {
        c_.pending_dropped_failed++;
        rte_pktmbuf_free(m);
        return;
    }
    // Resolved since the worker looked: send it straight away.
    const uint64_t w = rt_.tables->neighbors()[idx].word.load(std::memory_order_acquire);
    if (w & dp::kNeighborValid) {
        for (int i = 0; i < 6; i++) rte_pktmbuf_mtod(m, uint8_t *)[i] = uint8_t(w >> (8 * i));
        dp::meta(m)->kind = uint8_t(dp::InboxKind::frame);
        to_inbox(next_worker_++ % rt_.workers.size(), m);
        return;
    }
    if (resolver_.on_miss(idx, now)) send_neighbor_request(idx, false);
    if (!resolver_.note_queued(idx)) {
        c_.pending_overflow++;
        rte_pktmbuf_free(m);
        return;
    }
    c_.pending_queued++;
    pending_[idx].push_back(m);
}

void ControlCore::on_neighbor_event(const net::NeighborEvent &ev) {
    switch (ev.action) {
        case net::NeighborAction::send_request: send_neighbor_request(ev.idx, false); break;
        case net::NeighborAction::send_refresh: send_neighbor_request(ev.idx, true); break;
        case net::NeighborAction::failed: {
            c_.neighbor_failures++;
            rt_.tables->clear_neighbor(ev.idx);
            auto it = pending_.find(ev.idx);
            {
                const dp::NeighborEntry &e = dir_.entry(ev.idx);
                char a6[48] = "";
                if (e.v6) inet_ntop(AF_INET6, e.ipv6.data(), a6, sizeof a6);
                auto line = log::event(log::Level::warning, "neighbor_unreachable");
                line.kv("port", e.port);
                if (e.v6) line.kv("address", a6);
                else line.ipv4("address", e.ipv4);
                line.kv("dropped", uint64_t(it != pending_.end() ? it->second.size() : 0));
            }
            if (it != pending_.end()) {
                c_.pending_dropped_failed += it->second.size();
                rte_pktmbuf_free_bulk(it->second.data(), unsigned(it->second.size()));
                pending_.erase(it);
            }
            break;
        }
    }
}

}  // namespace lns::cp
