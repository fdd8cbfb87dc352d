// Per-tunnel and per-session state of the LAC emulator, and the hooks through
// which later layers (the PPP client, then subscriber traffic) attach to a call.
//
// The emulator owns every TunnelCtx and SessionCtx (plain structs in vectors,
// addressed by index).  A layer that needs more per-session state keeps it in its
// own table and stores the row in SessionCtx::ext; it learns about calls through
// SessionHooks, called from the emulator's loop (never from inside the L2TP
// endpoint's callbacks, so a hook may act on the endpoint or send data).
//
// Thread: the emulator's loop only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "controlplane/l2tp/reliable.hpp"
#include "controlplane/l2tp/types.hpp"

namespace lns::lacemu {

// Where a planned tunnel or session is in its life, from the emulator's side.
enum class Phase : uint8_t {
    idle,       // not requested yet
    requested,  // SCCRQ / ICRQ sent, waiting for the result
    up,         // established
    failed,     // never came up (see the failure table)
    dropped,    // came up, then went down before our teardown
    closing,    // we cleared it (CDN / StopCCN), waiting for the acknowledgement
    closed,     // cleared by us and acknowledged
};
const char *phase_name(Phase p);

struct SessionCtx {
    uint32_t index = 0;                                // emulator-wide (the {n} of name patterns)
    uint32_t tunnel_index = 0;                         // TunnelCtx row
    uint16_t tunnel_id = 0, session_id = 0;            // ours (0 until requested)
    uint16_t peer_tunnel_id = 0, peer_session_id = 0;  // the LNS's, from session_up
    Phase phase = Phase::idle;
    bool outgoing = false;    // an OCRQ we answered (not a planned call)
    bool sequencing = false;  // data messages carry Ns/Nr (we asked or the LNS did)
    uint64_t t_request = 0, t_up = 0, t_down = 0;  // ns, the emulator's clock
    uint32_t ext = UINT32_MAX;                     // row of a layer's own per-session state
};

// Maps our 16-bit session ids to SessionCtx rows within one tunnel: open
// addressing, linear probing, backward-shift deletion; grows when 3/4 full.
class IdMap {
  public:
    static constexpr uint32_t kNone = UINT32_MAX;
    void reserve(size_t n) {
        size_t cap = 16;
        while (cap < n + n / 2) cap <<= 1;
        if (cap > keys_.size()) rehash(cap);
    }
    uint32_t find(uint16_t key) const {
        if (keys_.empty()) return kNone;
        for (size_t i = key & mask();; i = (i + 1) & mask()) {
            if (keys_[i] == 0) return kNone;
            if (keys_[i] == key) return vals_[i];
        }
    }
    void insert(uint16_t key, uint32_t val) {  // key != 0
        if ((size_ + 1) * 4 > keys_.size() * 3) rehash(keys_.empty() ? 16 : keys_.size() * 2);
        size_t i = key & mask();
        while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask();
        size_ += keys_[i] == 0;
        keys_[i] = key;
        vals_[i] = val;
    }
    void erase(uint16_t key) {
        if (keys_.empty()) return;
        size_t i = key & mask();
        while (keys_[i] != key) {
            if (keys_[i] == 0) return;
            i = (i + 1) & mask();
        }
        for (size_t j = (i + 1) & mask(); keys_[j] != 0; j = (j + 1) & mask()) {
            const size_t home = keys_[j] & mask();
            // Move j back to the hole at i unless its home lies cyclically in (i, j].
            if (((j - home) & mask()) >= ((j - i) & mask())) {
                keys_[i] = keys_[j];
                vals_[i] = vals_[j];
                i = j;
            }
        }
        keys_[i] = 0;
        size_--;
    }
    size_t size() const { return size_; }

  private:
    size_t mask() const { return keys_.size() - 1; }
    void rehash(size_t cap) {
        std::vector<uint16_t> k(std::move(keys_));
        std::vector<uint32_t> v(std::move(vals_));
        keys_.assign(cap, 0);
        vals_.assign(cap, 0);
        size_ = 0;
        for (size_t i = 0; i < k.size(); i++)
            if (k[i] != 0) insert(k[i], v[i]);
    }
    std::vector<uint16_t> keys_;
    std::vector<uint32_t> vals_;
    size_t size_ = 0;
};

struct TunnelCtx {
    uint32_t index = 0;
    uint16_t id = 0, peer_id = 0;
    Phase phase = Phase::idle;
    uint64_t t_request = 0, t_up = 0, t_down = 0;
    uint32_t first_session = 0;  // planned sessions: rows first_session .. + planned
    uint32_t planned = 0;
    uint32_t next = 0;          // planned sessions requested so far
    uint32_t pending = 0;       // requested, not yet up or failed
    uint32_t up = 0;            // established now
    uint32_t cdns_unacked = 0;  // teardown: CDNs sent and not yet acknowledged
    bool in_rotation = false;   // in the session scheduler's round robin
    bool abandoned = false;     // given up by a timeout/signal while still being set up
    uint8_t down_reason = 0;    // cp::l2tp::DownReason of tunnel_down, and its codes
    uint16_t down_result = 0, down_error = 0;
    IdMap sessions;                   // our session id -> SessionCtx row
    cp::l2tp::ReliableCounters rc{};  // the tunnel channel's counters, last seen
};

// What the PPP client (and later the traffic generator) plugs into the emulator.
// Every hook runs in the emulator's loop at `now` (ns).  The defaults do nothing.
class SessionHooks {
  public:
    virtual ~SessionHooks() = default;
    // The call is established: the LNS's ids are in `s`; `call` holds what we sent
    // (proxy LCP / authentication AVPs) and is valid during the call only; `to` is
    // where the tunnel's messages go (data messages too).
    virtual void on_up(SessionCtx &s, const cp::l2tp::CallInfo &call,
                       const cp::l2tp::Transport &to, uint64_t now) {
        (void)s, (void)call, (void)to, (void)now;
    }
    // The call is gone (dropped, failed after up, or cleared by us).
    virtual void on_down(SessionCtx &s, uint64_t now) { (void)s, (void)now; }
    // An L2TP data message for the call: `ppp` is the PPP frame (address/control
    // bytes included if the LNS sent them), `ns`/`nr` when the S bit was set.
    virtual void on_data(SessionCtx &s, std::span<const uint8_t> ppp, bool has_seq, uint16_t ns,
                         uint16_t nr, uint64_t now) {
        (void)s, (void)ppp, (void)has_seq, (void)ns, (void)nr, (void)now;
    }
    // Timers of the layer: the emulator calls on_timer when next_deadline() passes.
    virtual uint64_t next_deadline() const { return UINT64_MAX; }
    virtual void on_timer(uint64_t now) { (void)now; }
    // The hold phase begins (it ends at `until`), and ends (teardown or abort).
    virtual void on_hold(uint64_t now, uint64_t until) { (void)now, (void)until; }
    virtual void on_hold_end(uint64_t now) { (void)now; }
    // False while the layer still has setup work (e.g. PPP negotiating): the
    // emulator's setup phase then waits for it.
    virtual bool settled() const { return true; }
};

}  // namespace lns::lacemu
