// The LCP engine (RFC 1661).  See lcp.hpp.
#include "controlplane/ppp/lcp.hpp"

#include <algorithm>

namespace lns::cp::ppp {

Lcp::Lcp(LcpShared &shared, Output &out, NoticeSink &sink)
    : Fsm(kProtoLcp, &shared.config.fsm, &shared.counters.fsm, &out, &sink), sh_(&shared) {
    n_.path_mru = shared.config.path_mru;
}

// Handlers take non-const state; const callers (write_request) only read through it.
LcpCtx Lcp::ctx() const {
    auto *self = const_cast<Lcp *>(this);
    return {self->n_, sh_->config, sh_->counters, sh_->rng()};
}

void Lcp::set_path_mru(uint16_t mru) { n_.path_mru = std::max(mru, kMinMru); }

LcpResult Lcp::result() const {
    LcpResult r;
    r.our_mru = n_.want_mru ? n_.our_mru : kDefaultMru;
    r.peer_mru = std::min(n_.peer_mru, n_.path_mru);
    r.our_magic = echo_magic();
    r.peer_magic = n_.peer_magic;
    r.our_pfc = n_.want_pfc;
    r.our_acfc = n_.want_acfc;
    r.peer_pfc = n_.peer_pfc;
    r.peer_acfc = n_.peer_acfc;
    const auto &list = sh_->config.request_auth;
    if (n_.auth_index < list.size()) r.auth_we_require = list[n_.auth_index];
    r.auth_peer_requires = n_.peer_requires;
    return r;
}

bool Lcp::start_opened(const LcpResult &r, uint64_t now) {
    Deliver d(this);
    if (state() != State::Initial && state() != State::Starting) return false;
    const auto &list = sh_->config.request_auth;
    const auto it =
        r.auth_we_require ? std::find(list.begin(), list.end(), *r.auth_we_require) : list.end();
    if (r.auth_we_require && it == list.end()) return false;
    n_.auth_index = uint8_t(it - list.begin());
    n_.our_mru = r.our_mru;
    n_.want_mru = r.our_mru != kDefaultMru;
    n_.peer_mru = r.peer_mru;
    n_.our_magic = r.our_magic;
    n_.want_magic = r.our_magic != 0;
    n_.peer_magic = r.peer_magic;
    n_.want_pfc = r.our_pfc;
    n_.want_acfc = r.our_acfc;
    n_.peer_pfc = r.peer_pfc;
    n_.peer_acfc = r.peer_acfc;
    n_.peer_requires = r.auth_peer_requires;
    return force_opened(now);
}

bool Lcp::send_protocol_reject(uint16_t protocol, std::span<const uint8_t> info, uint64_t now) {
    (void)now;
    if (!opened()) return false;
    PacketWriter w(uint8_t(Code::ProtocolReject), next_id());
    w.put_u16(protocol);
    const size_t room = std::min<size_t>(peer_mru(), kMaxPacket) - kHeaderLen - 2;
    w.put_bytes(info.first(std::min(room, info.size())));
    ++sh_->counters.protocol_rej_sent;
    emit(w);
    return true;
}

uint64_t Lcp::next_deadline() const { return std::min(Fsm::next_deadline(), echo_.deadline()); }

void Lcp::on_timer(uint64_t now) {
    Deliver d(this);
    Fsm::on_timer(now);
    if (!opened()) return;
    switch (echo_.on_timer(sh_->config.echo, now)) {
        case EchoTimer::Tick::none: break;
        case EchoTimer::Tick::send: {
            PacketWriter w(uint8_t(Code::EchoRequest), 0);
            build_echo_request(echo_.id(), echo_magic(), w);
            ++sh_->counters.echo_req_sent;
            emit(w);
            break;
        }
        case EchoTimer::Tick::dead:
            ++sh_->counters.peer_dead;
            notify(NoticeKind::peer_dead);
            close_for(now, Reason::peer_dead);
            break;
    }
}

// ---- Option hooks --------------------------------------------------------------------

void Lcp::reset_request() {
    LcpCtx c = ctx();
    reset_options(lcp_option_table(), c);
}

void Lcp::write_request(PacketWriter &w) const { write_options(lcp_option_table(), ctx(), w); }

uint8_t Lcp::check_request(std::span<const uint8_t> options, uint8_t id, bool reject_if_disagree,
                           PacketWriter &reply) {
    LcpCtx c = ctx();
    const uint8_t code = check_options(lcp_option_table(), c, options, id, reject_if_disagree,
                                       reply, sh_->counters.fsm);
    if (n_.loops >= sh_->config.max_loopback) {
        report_loop();
        close_after_packet(Reason::looped_back);
    }
    return code;
}

Applied Lcp::apply_ack() {
    LcpCtx c = ctx();
    return apply_ack_options(lcp_option_table(), c);
}

Applied Lcp::apply_nak(std::span<const uint8_t> options) {
    LcpCtx c = ctx();
    const Applied r = apply_nak_options(lcp_option_table(), c, options, sh_->counters.fsm);
    if (r.kind == Applied::fail && r.why == Reason::looped_back) report_loop();
    return r;
}

Applied Lcp::apply_reject(std::span<const uint8_t> options) {
    LcpCtx c = ctx();
    return apply_reject_options(lcp_option_table(), c, options);
}

void Lcp::report_loop() {
    n_.loops = 0;
    ++sh_->counters.looped_back;
    notify(NoticeKind::looped_back);
}

void Lcp::layer_up(uint64_t now) {
    n_.loops = 0;
    set_peer_mru(std::min(n_.peer_mru, n_.path_mru));
    echo_.start(sh_->config.echo, now);
}

void Lcp::layer_down() { echo_.stop(); }

// ---- LCP-only codes ------------------------------------------------------------------

bool Lcp::handle_code(const ControlPacket &p, uint64_t now) {
    auto &k = sh_->counters;
    switch (Code(p.code)) {
        case Code::ProtocolReject: handle_protocol_reject(p, now); return true;
        case Code::EchoRequest:
        case Code::EchoReply:
        case Code::DiscardRequest:
            if (p.data.size() < 4) {
                ++k.rx_short_echo;
                return true;
            }
            if (p.code == uint8_t(Code::EchoRequest)) ++k.echo_req_rcvd;
            if (p.code == uint8_t(Code::EchoReply)) ++k.echo_reply_rcvd;
            if (p.code == uint8_t(Code::DiscardRequest)) ++k.discard_rcvd;
            if (!opened()) ++k.rx_not_opened;
            signal(Event::rxr, now, &p);  // ser in Opened, nothing elsewhere (§5.8)
            return true;
        default: return false;
    }
}

// §5.6: Code-Reject of codes 1-7 is catastrophic; of 8-11 (optional codes) not.
bool Lcp::code_reject_fatal(uint8_t code) const { return code >= 1 && code <= 7; }

// §5.7: only meaningful in Opened.  LCP itself rejected is catastrophic; another
// protocol is reported for the owner to stop it.
void Lcp::handle_protocol_reject(const ControlPacket &p, uint64_t now) {
    auto &k = sh_->counters;
    ++k.protocol_rej_rcvd;
    if (p.data.size() < 2) {
        ++k.rx_short_protocol_reject;
        return;
    }
    if (!opened()) {
        ++k.rx_not_opened;
        return;
    }
    const uint16_t proto = load_be16(p.data.data());
    if (proto == kProtoLcp) {
        protocol_rejected(now);
        return;
    }
    notify(NoticeKind::protocol_rejected, proto);
    signal(Event::rxj_good, now, &p);
}

// ser: answer Echo-Requests (truncated to the peer's MRU); an Echo-Reply from the
// peer (not our own Magic-Number looped back) keeps the keepalive happy.
void Lcp::handle_rxr(const ControlPacket &p, uint64_t now) {
    (void)now;
    auto &k = sh_->counters;
    const uint32_t magic = load_be32(p.data.data());
    const bool looped = echo_magic() != 0 && magic == echo_magic();
    if (looped) ++k.echo_looped;
    if (p.code == uint8_t(Code::EchoRequest)) {
        PacketWriter w(uint8_t(Code::EchoReply), p.id);
        if (build_echo_reply(p, echo_magic(), peer_mru(), w)) ++k.echo_reply_truncated;
        ++k.echo_reply_sent;
        emit(w);
    } else if (p.code == uint8_t(Code::EchoReply) && !looped) {
        echo_.on_reply();
    }
}

}  // namespace lns::cp::ppp
