// libFuzzer target for the RFC 1662 asynchronous HDLC codec (controlplane/ppp/hdlc.hpp):
// the input is fed to a decoder in pieces whose sizes come from the input itself;
// every frame it hands over must have a good FCS when re-encoded (the encoder
// writes it), must fit kHdlcMaxFrame, and must decode back to itself through a
// second decoder; encodings are written into an exact-size buffer between guard
// bytes.  The counters must account for every frame boundary seen.
//
// Build (from the repository root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//           tests/fuzz/fuzz_hdlc.cpp controlplane/ppp/hdlc.cpp -o fuzz_hdlc
// Run:   ./fuzz_hdlc tests/fuzz/corpus/hdlc
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "controlplane/ppp/hdlc.hpp"

using namespace lns::cp::ppp;

namespace {

constexpr size_t kGuard = 32;
constexpr uint8_t kGuardByte = 0xa5;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

// Re-encodes `frame` and decodes it again: the same frame must come back.
void roundtrip(std::span<const uint8_t> frame, uint32_t accm) {
    const size_t cap = hdlc_max_encoded(frame.size());
    std::vector<uint8_t> buf(cap + kGuard, kGuardByte);
    const size_t n = hdlc_encode(frame, {buf.data(), cap}, accm);
    check(n > 0 && n <= cap);
    for (size_t i = cap; i < buf.size(); i++) check(buf[i] == kGuardByte);
    // Too small by one: refused.
    check(hdlc_encode(frame, {buf.data(), n - 1}, accm) == 0);
    HdlcDecoder d(accm);
    size_t got = 0;
    d.feed(std::span<const uint8_t>(buf.data(), n), [&](std::span<const uint8_t> f) {
        check(f.size() == frame.size() && std::memcmp(f.data(), frame.data(), f.size()) == 0);
        got++;
    });
    check(got == 1 && d.counters().frames_in == 1 && d.counters().bad_fcs == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    // First octet: receive ACCM choice and the piece size for the stream.
    const uint32_t accm = (data[0] & 1) ? kDefaultAccm : (data[0] & 2) ? 0x000A0000u : 0;
    const size_t piece = 1 + (data[0] >> 2);
    const std::span<const uint8_t> in(data + 1, size - 1);
    HdlcDecoder d(accm);
    std::vector<std::vector<uint8_t>> frames;
    for (size_t off = 0; off < in.size(); off += piece) {
        const size_t n = in.size() - off < piece ? in.size() - off : piece;
        d.feed(in.subspan(off, n), [&](std::span<const uint8_t> f) {
            check(f.size() >= 2 && f.size() + 2 <= kHdlcMaxFrame);
            frames.emplace_back(f.begin(), f.end());
        });
    }
    const HdlcCounters &c = d.counters();
    check(c.bytes_in == in.size());
    check(c.frames_in == frames.size());
    size_t flags = 0;
    for (uint8_t b : in) flags += b == kHdlcFlag;
    check(c.frames_in + c.bad_fcs + c.runts + c.too_long + c.aborts <= flags);
    check(d.pending() <= kHdlcMaxFrame);
    for (const auto &f : frames) roundtrip(f, kDefaultAccm);
    if (frames.empty() && in.size() >= 2 && in.size() + 2 <= kHdlcMaxFrame) roundtrip(in, accm);  // input as a frame
    return 0;
}
