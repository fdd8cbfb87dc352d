// PPP in HDLC-like framing, asynchronous (octet-stuffed) variant (RFC 1662 §3, §4):
// what a serial line or a pty carries (pppd and xl2tpd talk it on the pty), as
// opposed to L2TP data messages, which carry bare PPP frames.
//
// On the wire a frame is: Flag 0x7E, the PPP frame (Address FF, Control 03 unless
// ACFC, Protocol, Information, Padding), the FCS-16 of all that (§C.2, sent least
// significant octet first), Flag 0x7E.  Between the flags, 0x7E, 0x7D and every
// octet below 0x20 whose bit is set in the Async-Control-Character-Map are sent as
// 0x7D followed by the octet XOR 0x20 (§4.2).  The default ACCM escapes all 32
// control characters (§7.1), and LCP packets are always sent with it.
//
// Encoder: hdlc_encode() writes one frame into a caller's buffer (no allocation).
// Decoder: HdlcDecoder takes the byte stream in pieces of any size (frames may be
// split across reads) and hands each complete frame whose FCS is good to a
// callback, without its FCS; frames with a bad FCS, too long, too short (fewer than
// 4 octets with the FCS, §4.3) or aborted (0x7D 0x7E, §4.4) are dropped and counted.
// Control characters in the receive ACCM that arrive unescaped were inserted by
// the line and are discarded (§4.2), also counted.
//
// Thread: any; one owner per decoder.  No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace lns::cp::ppp {

inline constexpr uint8_t kHdlcFlag = 0x7E;
inline constexpr uint8_t kHdlcEscape = 0x7D;
inline constexpr uint8_t kHdlcXor = 0x20;
inline constexpr uint32_t kDefaultAccm = 0xFFFFFFFFu;  // RFC 1662 §7.1
inline constexpr uint16_t kFcsInit = 0xFFFF;           // RFC 1662 §C.2 PPPINITFCS16
inline constexpr uint16_t kFcsGood = 0xF0B8;           // RFC 1662 §C.2 PPPGOODFCS16
// Largest frame the decoder keeps (unescaped, FCS included): an MRU of 1500 plus
// address, control, protocol and FCS, with room to spare.
inline constexpr size_t kHdlcMaxFrame = 1600;

// FCS-16 (RFC 1662 §C.2): fcs16(kFcsInit, frame) then one's complement is what
// goes on the wire; fcs16(kFcsInit, frame + received FCS) == kFcsGood when intact.
uint16_t fcs16(uint16_t fcs, std::span<const uint8_t> data);

// The largest encoding of a `frame_len`-octet frame: everything escaped, two flags.
constexpr size_t hdlc_max_encoded(size_t frame_len) { return 2 * (frame_len + 2) + 2; }

// Encodes `frame` (the PPP frame: address, control, protocol, information; no FCS)
// into `out` with a leading flag (when `leading_flag`; a sender may omit it right
// after the previous frame's closing flag, §4.3) and a closing flag.  Returns the
// length written, or 0 when `out` is too small (nothing meaningful written).
size_t hdlc_encode(std::span<const uint8_t> frame, std::span<uint8_t> out,
                   uint32_t accm = kDefaultAccm, bool leading_flag = true);

// Builds the PPP frame FF 03 <protocol, 2 octets> <info> into `out` (no ACFC/PFC:
// LCP must never be compressed and the rest may always be sent whole).  Returns
// the length, or 0 when `out` is too small.
size_t ppp_frame(uint16_t protocol, std::span<const uint8_t> info, std::span<uint8_t> out);

struct HdlcCounters {
    uint64_t bytes_in = 0;
    uint64_t frames_in = 0;         // good frames handed over
    uint64_t bad_fcs = 0;           // dropped: FCS check failed
    uint64_t too_long = 0;          // dropped: more than kHdlcMaxFrame octets
    uint64_t runts = 0;             // dropped: fewer than 4 octets with the FCS (§4.3)
    uint64_t aborts = 0;            // dropped: 0x7D 0x7E abort sequence (§4.4)
    uint64_t ctrl_discarded = 0;    // unescaped octets in the receive ACCM (§4.2)
    uint64_t frames_out = 0, bytes_out = 0;  // hdlc_encode callers may count here
};

class HdlcDecoder {
public:
    // Called for each good frame: the PPP frame without its FCS, valid during the call.
    using FrameFn = void (*)(void *ctx, std::span<const uint8_t> frame);

    explicit HdlcDecoder(uint32_t rx_accm = kDefaultAccm) : accm_(rx_accm) {}

    // Consumes `bytes`; calls fn(ctx, frame) for every frame completed in them.
    void feed(std::span<const uint8_t> bytes, FrameFn fn, void *ctx);
    // Convenience for lambdas: feed(bytes, [&](std::span<const uint8_t> f) {...}).
    template <class F>
    void feed(std::span<const uint8_t> bytes, F &&f) {
        using Fn = std::remove_reference_t<F>;
        feed(bytes, [](void *c, std::span<const uint8_t> fr) { (*static_cast<Fn *>(c))(fr); },
             const_cast<void *>(static_cast<const void *>(&f)));
    }

    void set_rx_accm(uint32_t accm) { accm_ = accm; }
    const HdlcCounters &counters() const { return c_; }
    HdlcCounters &counters() { return c_; }
    // Octets of the frame being collected (0 between frames).
    size_t pending() const { return len_; }

private:
    void end_frame(FrameFn fn, void *ctx);

    uint32_t accm_;
    size_t len_ = 0;
    bool escaped_ = false;
    bool overflow_ = false;  // the current frame outgrew the buffer: drop at its flag
    HdlcCounters c_;
    uint8_t buf_[kHdlcMaxFrame];
};

}  // namespace lns::cp::ppp
