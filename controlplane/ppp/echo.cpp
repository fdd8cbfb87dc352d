// LCP Echo keepalive (RFC 1661 §5.8).  See echo.hpp.
#include "controlplane/ppp/echo.hpp"

#include <algorithm>

namespace lns::cp::ppp {

void EchoTimer::start(const EchoConfig &cfg, uint64_t now) {
    outstanding_ = 0;
    deadline_ = cfg.interval_ns == 0 ? UINT64_MAX : now + cfg.interval_ns;
}

EchoTimer::Tick EchoTimer::on_timer(const EchoConfig &cfg, uint64_t now) {
    if (deadline_ == UINT64_MAX || now < deadline_) return Tick::none;
    if (outstanding_ >= cfg.max_failures) {
        deadline_ = UINT64_MAX;
        return Tick::dead;
    }
    ++outstanding_;
    ++id_;
    deadline_ = now + cfg.interval_ns;
    return Tick::send;
}

void build_echo_request(uint8_t id, uint32_t magic, PacketWriter &w) {
    w.begin(uint8_t(Code::EchoRequest), id);
    w.put_u32(magic);
}

bool build_echo_reply(const ControlPacket &request, uint32_t magic, uint16_t max_len,
                      PacketWriter &w) {
    w.begin(uint8_t(Code::EchoReply), request.id);
    w.put_u32(magic);
    const auto data = request.data.size() > 4 ? request.data.subspan(4)
                                              : std::span<const uint8_t>{};
    const size_t limit = std::min<size_t>(std::max<uint16_t>(max_len, 8), kMaxPacket);
    const size_t room = limit - kHeaderLen - 4;
    w.put_bytes(data.first(std::min(room, data.size())));
    return data.size() > room;
}

}  // namespace lns::cp::ppp
