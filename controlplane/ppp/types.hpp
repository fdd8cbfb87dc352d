// Vocabulary shared by the PPP negotiation engines (LCP, IPCP, IPv6CP) and their
// owner (lnsd's subscriber session, the LAC emulator's PPP client, tests):
// injected randomness, the notices engines report, and why a layer went down.
//
// Notices (not polled): each engine holds a NoticeSink and calls it at the END of
// the public call that caused them (receive, up, down, open, close, on_timer,
// ...), after the engine's state and packets are final.  The sink may call into
// any engine, this one included (nested notices are delivered in order by the
// outer call), but must not destroy the engine or itself inside on_notice: defer
// destruction until the engine call returns.
//
// Thread: any; plain data.
#pragma once

#include <cstdint>

namespace lns::cp::ppp {

// Injected randomness (conventions.md §2): magic numbers, interface identifiers.
// Tests supply a predictable one.  Engines use the low 32 bits for magic numbers
// and all 64 bits for interface identifiers.
class Random {
public:
    virtual ~Random() = default;
    virtual uint64_t next() = 0;
};

// SplitMix64: a fast generator for owners without one of their own (not for secrets).
class SplitMix64 final : public Random {
public:
    explicit SplitMix64(uint64_t seed) : s_(seed) {}
    uint64_t next() override {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

private:
    uint64_t s_;
};

// Why a layer went down or finished, as seen by this side; read with the notice.
enum class Reason : uint8_t {
    none,
    local_close,        // the owner called close()
    lower_down,         // the owner called down()
    peer_terminate,     // Terminate-Request received (RFC 1661 §5.5)
    max_configure,      // no agreement after Max-Configure requests (TO-, §4.6)
    code_rejected,      // the peer Code-Rejected a code we need (RXJ-, §5.6)
    protocol_rejected,  // the peer Protocol-Rejected this protocol (RXJ-, §5.7)
    option_refused,     // the peer refused an option we require (e.g. Auth-Protocol)
    no_address,         // IPCP client: no IP address could be obtained
    looped_back,        // LCP: Magic-Number loop detected (§6.4)
    peer_dead,          // LCP: Echo-Requests unanswered (§5.8)
    renegotiate,        // the peer restarted negotiation while Opened (RCR/RCA/RCN/RTA)
};
const char *reason_name(Reason r);

enum class NoticeKind : uint8_t {
    up,                 // This-Layer-Up: negotiated values readable from the engine
    down,               // This-Layer-Down: leaving Opened
    started,            // This-Layer-Started: the layer needs its lower layer (call up())
    finished,           // This-Layer-Finished: the lower layer is no longer needed
    protocol_rejected,  // LCP: the peer Protocol-Rejected protocol `arg` (RFC 1661 §5.7);
                        // the owner stops that NCP (its protocol_rejected())
    looped_back,        // LCP: the link looks looped back; LCP closes
    peer_dead,          // LCP: echo keepalive failed; LCP closes
};
const char *notice_kind_name(NoticeKind k);

struct Notice {
    uint16_t protocol = 0;  // the engine's protocol (kProtoLcp, kProtoIpcp, kProtoIpv6cp)
    NoticeKind kind = NoticeKind::up;
    Reason reason = Reason::none;  // down / finished / looped_back / peer_dead: why
    uint16_t arg = 0;              // protocol_rejected: the rejected protocol
};

class NoticeSink {
public:
    virtual ~NoticeSink() = default;
    virtual void on_notice(const Notice &n) = 0;
};

}  // namespace lns::cp::ppp
