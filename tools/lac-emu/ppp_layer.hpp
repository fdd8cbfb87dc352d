// The LAC emulator's PPP layer: one PppClient (controlplane/ppp/client.hpp) per
// established call, carried in L2TP data messages over the emulator's Link, and
// optional subscriber traffic through the sessions that came up.
//
// Attaches to the emulator as its SessionHooks:
//   on_up      a PppClient for the call; its LCP Configure-Request goes out at once
//   on_data    the PPP frame of a data message, to that call's client
//   on_down    the call is gone: the client's lower layer is down
//   settled()  false while any client is still negotiating (the emulator's setup
//              phase waits for PPP too)
//   on_hold    traffic runs during the hold phase, stopping shortly before its end
//              so that replies can come back
// Data messages we send: T=0, no Length, the LNS's tunnel and session ids, Ns
// (per session, from 0) and Nr 0 when the call uses sequencing (RFC 2661 §3.1,
// §5.4), then FF 03 and the PPP protocol.
//
// Timers: a min-heap of (deadline, session) with lazy deletion: each client is
// pushed again whenever its next_deadline() moves earlier than the entry it has;
// stale entries are skipped when popped.  No scan of all sessions.
//
// Thread: the emulator's loop only.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "controlplane/ppp/client.hpp"
#include "tools/lac-emu/call_builder.hpp"
#include "tools/lac-emu/link.hpp"
#include "tools/lac-emu/report.hpp"
#include "tools/lac-emu/session_ctx.hpp"
#include "tools/lac-emu/traffic.hpp"

namespace lns::lacemu {

enum class AuthChoice : uint8_t { any, pap, chap, mschapv2 };
const char *auth_choice_name(AuthChoice a);

struct PppLayerConfig {
    bool enabled = false;         // --ppp
    AuthChoice auth = AuthChoice::any;
    bool ipv6 = false;            // --ipv6: run IPv6CP too
    Pattern user;                 // the emulator's --user pattern
    std::string password = "password";
    TrafficConfig traffic;
    uint32_t sessions_per_tunnel = 1;  // for the {s} of the user pattern
    uint64_t seed = 1;
};

class PppLayer final : public SessionHooks, public cp::ppp::ClientHost {
  public:
    PppLayer(const PppLayerConfig &cfg, Link &link);
    ~PppLayer() override;

    // SessionHooks.
    void on_up(SessionCtx &s, const cp::l2tp::CallInfo &call, const cp::l2tp::Transport &to,
               uint64_t now) override;
    void on_down(SessionCtx &s, uint64_t now) override;
    void on_data(SessionCtx &s, std::span<const uint8_t> ppp, bool has_seq, uint16_t ns,
                 uint16_t nr, uint64_t now) override;
    uint64_t next_deadline() const override;
    void on_timer(uint64_t now) override;
    bool settled() const override { return negotiating_ == 0; }
    void on_hold(uint64_t now, uint64_t until) override;
    void on_hold_end(uint64_t now) override;

    // cp::ppp::ClientHost.
    void ppp_send(cp::ppp::PppClient &c, uint16_t protocol,
                  std::span<const uint8_t> packet) override;
    cp::ppp::Credentials ppp_credentials(cp::ppp::PppClient &c) override;
    void ppp_up(cp::ppp::PppClient &c, uint64_t now) override;
    void ppp_finished(cp::ppp::PppClient &c, cp::ppp::ClientFailure why, uint64_t now) override;
    void ppp_ip(cp::ppp::PppClient &c, uint16_t protocol, std::span<const uint8_t> packet,
                uint64_t now) override;

    // The PPP section of the report (percentiles sorted when `percentiles`).
    PppReport report(bool percentiles) const;
    // Every established call reached PPP up and none failed or dropped before teardown.
    bool success(uint64_t l2tp_established) const;

  private:
    // Per call (row = SessionCtx::index): what sending needs, and traffic counts.
    struct Slot {
        std::unique_ptr<cp::ppp::PppClient> client;
        uint64_t t_request = 0;       // ICRQ (the emulator's clock)
        uint64_t heap_at = UINT64_MAX;  // deadline of this client's newest heap entry
        uint32_t tunnel = 0;          // TunnelCtx row (transport)
        uint32_t n = 0;               // the {n} of name patterns
        uint32_t address = 0;         // IPv4 address from IPCP (while up)
        uint32_t up_pos = 0;          // index in up_rows_ (while up)
        uint16_t peer_tunnel = 0, peer_session = 0;
        uint16_t ns = 0;              // next data Ns
        uint16_t tx_seq = 0;          // traffic sequence
        bool sequencing = false;
        bool up = false;
    };
    struct HeapEntry {
        uint64_t at;
        uint32_t row;
        bool operator>(const HeapEntry &o) const { return at > o.at; }
    };

    Slot *slot(uint32_t row) { return row < slots_.size() ? &slots_[row] : nullptr; }
    void reschedule(uint32_t row);
    void send_traffic(uint64_t now);
    void add_transport(uint32_t tunnel, const cp::l2tp::Transport &to);

    PppLayerConfig cfg_;
    Link &link_;
    cp::ppp::ClientShared shared_;
    cp::l2tp::Xoshiro rng_;
    struct AuthRng final : cp::ppp::AuthRandom, cp::ppp::Random {
        cp::l2tp::Xoshiro *x;
        uint64_t next() override { return x->next(); }
    } auth_rng_;
    std::vector<Slot> slots_;
    std::vector<cp::l2tp::Transport> transports_;  // by tunnel row
    std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<HeapEntry>> heap_;
    std::string scratch_user_;
    std::vector<uint8_t> txbuf_;

    // Setup accounting.
    uint64_t started_ = 0, up_ = 0, failed_ = 0, dropped_ = 0, up_now_ = 0;
    uint32_t negotiating_ = 0;
    uint64_t first_request_ = UINT64_MAX, last_up_ = 0;
    bool tearing_down_ = false;
    std::vector<uint64_t> lcp_ns_, auth_ns_, ipcp_ns_, full_ns_;
    // Failures by reason; lower_down (the call cleared under PPP) split by phase:
    // rows kClientFailureCount + 0..2 = establish, authenticate, network.
    static constexpr size_t kFailureRows = cp::ppp::kClientFailureCount + 3;
    static const char *failure_row_name(size_t row);
    uint64_t failures_[kFailureRows] = {};
    uint64_t drops_[cp::ppp::kClientFailureCount] = {};

    // Traffic.
    std::vector<uint32_t> up_rows_;  // sessions up (round robin for traffic)
    size_t traffic_cursor_ = 0;
    double next_tx_at_ = 0;
    uint64_t traffic_from_ = 0, traffic_until_ = 0, traffic_stop_ = 0;
    bool traffic_on_ = false;
    uint64_t tx_packets_ = 0, tx_bytes_ = 0, rx_packets_ = 0, rx_bytes_ = 0, rx_other_ = 0;
    uint64_t tx_skipped_ = 0;  // traffic due while no session was up
    uint64_t data_out_ = 0;
};

}  // namespace lns::lacemu
