// libFuzzer target for the L2TPv2 control-message codec (controlplane/l2tp/avp.hpp,
// message.hpp): the input is parsed as a control header; its AVPs (or, when the
// header is rejected, the whole input) are decoded without and with a shared secret;
// whatever was read is re-encoded with MessageBuilder into an exact-size buffer
// between guard bytes (the encoder must never write past it), and a message that
// decoded cleanly must decode the same after re-encoding.
//
// Build (from the repository root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//           tests/fuzz/fuzz_l2tp_control.cpp controlplane/l2tp/avp.cpp
//           controlplane/l2tp/message.cpp -lnettle -o fuzz_l2tp_control
// Run:   ./fuzz_l2tp_control tests/fuzz/corpus/l2tp_control
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "controlplane/l2tp/avp.hpp"
#include "controlplane/l2tp/message.hpp"

using namespace lns::cp::l2tp;

namespace {

constexpr std::string_view kSecret = "secret";  // the seed corpus's hidden AVPs use it
constexpr uint8_t kVector[16] = {0x5a, 0x1e, 0x3c, 0x7d, 0x9b, 0x0f, 0x24, 0x68,
                                 0x8a, 0xc3, 0xe5, 0x17, 0x0b, 0x2d, 0x4f, 0x61};
constexpr size_t kGuard = 64;
constexpr uint8_t kGuardByte = 0xa5;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

std::span<const uint8_t> secret_bytes() {
    return {reinterpret_cast<const uint8_t *>(kSecret.data()), kSecret.size()};
}

// Re-encodes the AVPs of `avps` (read with `secret`) into out[0, cap), with guard
// bytes after it; checks the guards.  Random Vectors are dropped (the writer emits
// its own before the first hidden AVP); AVPs that were un-hidden are hidden again.
size_t reencode(std::span<const uint8_t> avps, std::span<const uint8_t> secret, MsgType type,
                std::vector<uint8_t> *buf, size_t cap) {
    buf->assign(cap + kGuard, kGuardByte);
    std::vector<uint8_t> scratch(2048);
    AvpReader r(avps, secret, scratch);
    MessageBuilder mb({buf->data(), cap}, type, 0x1234, 0x5678);
    mb.avps().set_hiding(secret, kVector);
    Avp a;
    bool first = true;
    while (r.next(&a)) {
        bool skip = first && a.vendor == 0 && a.type == uint16_t(AvpType::message_type);
        first = false;
        if (skip || (a.vendor == 0 && a.type == uint16_t(AvpType::random_vector))) continue;
        bool was_unhidden = a.hidden && a.vendor == 0 && avp_spec(a.type) != nullptr;
        check(a.value.size() <= kMaxAvpValueLen);
        mb.avps().add(a.vendor, a.type, a.mandatory, a.value, was_unhidden && !secret.empty());
        check(mb.avps().size() <= cap);
    }
    size_t n = mb.finish();
    check(n <= cap);
    for (size_t i = cap; i < buf->size(); ++i) check((*buf)[i] == kGuardByte);
    return n;
}

void check_same(const ControlMessage &a, const ControlMessage &b) {
    const uint64_t rv = uint64_t{1} << unsigned(AvpType::random_vector);
    check(a.type == b.type);
    check((a.present & ~rv) == (b.present & ~rv));
    check(a.assigned_tunnel_id == b.assigned_tunnel_id);
    check(a.assigned_session_id == b.assigned_session_id);
    check(a.host_name == b.host_name);
    check(a.calling_number == b.calling_number);
    check(a.result_code.result == b.result_code.result);
    check(a.result_code.message == b.result_code.message);
    check(a.call_errors.alignment == b.call_errors.alignment);
    check(a.disconnect_cause.message == b.disconnect_cause.message);
}

void fuzz_avps(std::span<const uint8_t> avps, size_t small_cap) {
    auto plain = std::make_unique<ControlMessage>();
    CtlError e0 = decode_message(avps, {}, plain.get());
    check(ctl_error_name(e0) != nullptr && avp_error_name(plain->avp_error) != nullptr);

    auto m = std::make_unique<ControlMessage>();
    CtlError e = decode_message(avps, secret_bytes(), m.get());
    if (e0 == CtlError::ok) check(e == CtlError::ok);  // a secret never hurts
    if (m->type == MsgType::zlb) return;

    std::vector<uint8_t> buf;
    reencode(avps, secret_bytes(), m->type, &buf, small_cap);  // bounds only
    size_t n = reencode(avps, secret_bytes(), m->type, &buf, 0x10000);
    if (e != CtlError::ok || n == 0) return;

    ControlHeader h;
    check(parse_control_header({buf.data(), n}, &h) == CtlError::ok);
    check(h.tunnel_id == 0x1234 && h.session_id == 0x5678 && h.length == n);
    auto again = std::make_unique<ControlMessage>();
    check(decode_message(h.avps, secret_bytes(), again.get()) == CtlError::ok);
    check_same(*m, *again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::span<const uint8_t> in(data, size);
    size_t small_cap = size ? data[size - 1] : 0;
    ControlHeader h;
    if (parse_control_header(in, &h) == CtlError::ok) {
        check(h.length >= kControlHeaderLen && h.length <= size);
        check(h.avps.data() == data + kControlHeaderLen);
        fuzz_avps(h.avps, small_cap);
        uint8_t copy[kControlHeaderLen];
        std::memcpy(copy, data, sizeof copy);
        stamp_ns_nr(copy, h.nr, h.ns);
        check(size_t(copy[8] << 8 | copy[9]) == h.nr);
    } else {
        fuzz_avps(in, small_cap);
    }
    uint8_t zlb[kControlHeaderLen];
    check(build_zlb(zlb, h.tunnel_id, h.ns, h.nr) == kControlHeaderLen);
    return 0;
}
