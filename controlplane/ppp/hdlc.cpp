// RFC 1662 asynchronous HDLC-like framing.  See hdlc.hpp.
#include "controlplane/ppp/hdlc.hpp"

#include <array>

namespace lns::cp::ppp {

namespace {

// RFC 1662 §C.2 fcstab, generated at compile time from the polynomial
// x**0 + x**5 + x**12 + x**16 (reversed: 0x8408).
constexpr std::array<uint16_t, 256> make_fcstab() {
    std::array<uint16_t, 256> t{};
    for (unsigned b = 0; b < 256; b++) {
        unsigned v = b;
        for (int i = 0; i < 8; i++) v = (v & 1) ? (v >> 1) ^ 0x8408 : v >> 1;
        t[b] = uint16_t(v);
    }
    return t;
}
constexpr std::array<uint16_t, 256> kFcsTab = make_fcstab();
static_assert(kFcsTab[1] == 0x1189 && kFcsTab[255] == 0x0f78, "RFC 1662 fcstab");

bool needs_escape(uint8_t b, uint32_t accm) {
    return b == kHdlcFlag || b == kHdlcEscape || (b < 0x20 && (accm >> b) & 1);
}

}  // namespace

uint16_t fcs16(uint16_t fcs, std::span<const uint8_t> data) {
    for (uint8_t b : data) fcs = uint16_t((fcs >> 8) ^ kFcsTab[(fcs ^ b) & 0xff]);
    return fcs;
}

size_t hdlc_encode(std::span<const uint8_t> frame, std::span<uint8_t> out, uint32_t accm,
                   bool leading_flag) {
    size_t n = 0;
    const auto put = [&](uint8_t b) {
        if (needs_escape(b, accm)) {
            if (n + 2 > out.size()) return false;
            out[n++] = kHdlcEscape;
            out[n++] = uint8_t(b ^ kHdlcXor);
        } else {
            if (n + 1 > out.size()) return false;
            out[n++] = b;
        }
        return true;
    };
    if (leading_flag) {
        if (out.empty()) return 0;
        out[n++] = kHdlcFlag;
    }
    for (uint8_t b : frame)
        if (!put(b)) return 0;
    const uint16_t fcs = uint16_t(~fcs16(kFcsInit, frame));
    if (!put(uint8_t(fcs & 0xff)) || !put(uint8_t(fcs >> 8))) return 0;  // §C.2: LSB first
    if (n + 1 > out.size()) return 0;
    out[n++] = kHdlcFlag;
    return n;
}

size_t ppp_frame(uint16_t protocol, std::span<const uint8_t> info, std::span<uint8_t> out) {
    if (out.size() < info.size() + 4) return 0;
    out[0] = 0xFF;
    out[1] = 0x03;
    out[2] = uint8_t(protocol >> 8);
    out[3] = uint8_t(protocol);
    for (size_t i = 0; i < info.size(); i++) out[4 + i] = info[i];
    return info.size() + 4;
}

void HdlcDecoder::feed(std::span<const uint8_t> bytes, FrameFn fn, void *ctx) {
    c_.bytes_in += bytes.size();
    for (uint8_t b : bytes) {
        if (b == kHdlcFlag) {
            if (escaped_) {  // §4.4: 0x7D 0x7E aborts the frame
                ++c_.aborts;
                escaped_ = false;
                len_ = 0;
                overflow_ = false;
                continue;
            }
            end_frame(fn, ctx);
            continue;
        }
        if (b < 0x20 && (accm_ >> b) & 1) {  // inserted by the line (§4.2)
            ++c_.ctrl_discarded;
            continue;
        }
        if (b == kHdlcEscape) {
            escaped_ = true;
            continue;
        }
        if (escaped_) {
            b ^= kHdlcXor;
            escaped_ = false;
        }
        if (len_ < kHdlcMaxFrame) {
            buf_[len_++] = b;
        } else {
            overflow_ = true;
        }
    }
}

// A flag: whatever was collected is a frame (or nothing, between back-to-back flags).
void HdlcDecoder::end_frame(FrameFn fn, void *ctx) {
    const size_t n = len_;
    const bool overflow = overflow_;
    len_ = 0;
    overflow_ = false;
    if (n == 0 && !overflow) return;
    if (overflow) {
        ++c_.too_long;
        return;
    }
    if (n < 4) {
        ++c_.runts;
        return;
    }
    if (fcs16(kFcsInit, {buf_, n}) != kFcsGood) {
        ++c_.bad_fcs;
        return;
    }
    ++c_.frames_in;
    fn(ctx, {buf_, n - 2});
}

}  // namespace lns::cp::ppp
