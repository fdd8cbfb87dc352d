#include "controlplane/ppp/packet.hpp"

namespace lns::cp::ppp {

const char *to_string(PppError e) {
    switch (e) {
        case PppError::ok: return "ok";
        case PppError::truncated: return "truncated";
        case PppError::bad_length: return "bad_length";
        case PppError::bad_option_length: return "bad_option_length";
        case PppError::bad_frame: return "bad_frame";
    }
    return "?";
}

PppError parse_control_packet(std::span<const uint8_t> in, ControlPacket *out) {
    if (in.size() < kHeaderLen) return PppError::truncated;
    const uint16_t len = load_be16(in.data() + 2);
    if (len < kHeaderLen) return PppError::bad_length;
    if (len > in.size()) return PppError::truncated;
    out->code = in[0];
    out->id = in[1];
    out->whole = in.first(len);
    out->data = in.subspan(kHeaderLen, len - kHeaderLen);
    return PppError::ok;
}

PppError parse_frame(std::span<const uint8_t> in, Frame *out) {
    if (in.size() >= 2 && in[0] == 0xff && in[1] == 0x03) in = in.subspan(2);
    if (in.empty()) return PppError::truncated;
    if (in[0] & 1) {  // compressed (PFC): one byte, odd
        out->protocol = in[0];
        out->payload = in.subspan(1);
        return PppError::ok;
    }
    if (in.size() < 2) return PppError::truncated;
    if (!(in[1] & 1)) return PppError::bad_frame;  // the low byte of a protocol is odd
    out->protocol = load_be16(in.data());
    out->payload = in.subspan(2);
    return PppError::ok;
}

bool OptionReader::next(Option *out) {
    if (rest_.empty() || err_ != PppError::ok) return false;
    if (rest_.size() < 2 || rest_[1] < 2 || rest_[1] > rest_.size()) {
        err_ = PppError::bad_option_length;
        return false;
    }
    const size_t n = rest_[1];
    out->type = rest_[0];
    out->whole = rest_.first(n);
    out->value = rest_.subspan(2, n - 2);
    rest_ = rest_.subspan(n);
    return true;
}

void PacketWriter::begin(uint8_t code, uint8_t id) {
    buf_[0] = code;
    buf_[1] = id;
    buf_[2] = buf_[3] = 0;
    len_ = kHeaderLen;
    ok_ = true;
}

void PacketWriter::put_u8(uint8_t v) {
    if (len_ + 1 > sizeof buf_) { ok_ = false; return; }
    buf_[len_++] = v;
}

void PacketWriter::put_u16(uint16_t v) {
    put_u8(uint8_t(v >> 8));
    put_u8(uint8_t(v));
}

void PacketWriter::put_u32(uint32_t v) {
    put_u16(uint16_t(v >> 16));
    put_u16(uint16_t(v));
}

void PacketWriter::put_bytes(std::span<const uint8_t> b) {
    if (len_ + b.size() > sizeof buf_) { ok_ = false; return; }
    if (!b.empty()) std::memcpy(buf_ + len_, b.data(), b.size());
    len_ += b.size();
}

void PacketWriter::put_option(uint8_t type, std::span<const uint8_t> value) {
    if (value.size() > 253) { ok_ = false; return; }
    put_u8(type);
    put_u8(uint8_t(value.size() + 2));
    put_bytes(value);
}

std::span<const uint8_t> PacketWriter::finish() {
    buf_[2] = uint8_t(len_ >> 8);
    buf_[3] = uint8_t(len_);
    return {buf_, len_};
}

}  // namespace lns::cp::ppp
