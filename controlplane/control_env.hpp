// Private to the control core (control_core.cpp, control_ppp.cpp): the
// generator the PPP engines use and the SubscriberEnv that gives the
// subscribers the data plane.
#pragma once

#include <rte_cycles.h>

#include "controlplane/control_core.hpp"
#include "dataplane/stats.hpp"

namespace lns::cp {

// The control core's generator, as the PPP engines want it.
class ControlCore::PppRandom final : public ppp::Random, public ppp::AuthRandom {
public:
    explicit PppRandom(uint64_t seed) : x_(seed) {}
    uint64_t next() override { return x_.next(); }

private:
    l2tp::Xoshiro x_;
};

// What the subscribers need of the data plane.
class ControlCore::SubEnv final : public SubscriberEnv {
public:
    explicit SubEnv(ControlCore &cc) : cc_(cc) {}
    void send_ppp(uint32_t index, uint16_t protocol, std::span<const uint8_t> packet) override {
        cc_.send_into_session(index, protocol, packet.data(), packet.size());
    }
    bool set_addresses(uint32_t index, std::optional<uint32_t> ipv4, std::optional<aaa::Ipv6Prefix> ipv6,
                       std::string *err) override {
        std::optional<std::pair<std::array<uint8_t, 16>, uint8_t>> v6;
        if (ipv6) v6 = std::make_pair(ipv6->addr, ipv6->len);
        return cc_.rt_.tables->add_subscriber(index, ipv4, v6, err);
    }
    void end_call(uint32_t index, uint16_t result, uint16_t error, const CallCause &cause) override {
        const dp::DpSession &s = cc_.rt_.tables->sessions()[index];
        // CDN; the endpoint's session_down event removes the data-plane entry.
        if (!cc_.l2tp_ || !cc_.l2tp_->close_session(s.local_tunnel_id, s.local_session_id, result, error, cc_.now_,
                                                    cause.code, cause.protocol, cause.direction)) {
            cc_.c_.subscriber_orphans++;
            cc_.remove_session(index);
        }
    }
    aaa::TrafficCounters traffic(uint32_t index) override {
        const dp::SessionTraffic t = dp::session_traffic(cc_.rt_, index);
        aaa::TrafficCounters c;
        c.in_octets = t.up_bytes;
        c.in_packets = t.up_packets;
        c.out_octets = t.down_bytes;
        c.out_packets = t.down_packets;
        return c;
    }
    uint32_t local_ipv4(uint32_t index) override {
        return cc_.rt_.cfg.ports[cc_.rt_.tables->sessions()[index].access_port].ipv4.addr;
    }

private:
    ControlCore &cc_;
};

}  // namespace lns::cp
