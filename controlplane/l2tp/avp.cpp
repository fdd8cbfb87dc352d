// L2TPv2 AVPs (RFC 2661 §4): the catalogue, the reader (with §4.3 un-hiding), the
// writer (with hiding), and MD5 through Nettle.
#include "controlplane/l2tp/avp.hpp"

#include <nettle/md5.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "controlplane/net/bytes.hpp"

namespace lns::cp::l2tp {

using net::load_be16;
using net::store_be16;
using net::store_be32;

namespace {

// ---- Catalogue -------------------------------------------------------------------

constexpr MsgMask bits(std::initializer_list<MsgType> ts) {
    MsgMask m = 0;
    for (MsgType t : ts) m |= msg_bit(t);
    return m;
}

using enum MsgType;
constexpr MsgMask kAllMsgs =
    bits({sccrq, sccrp, scccn, stopccn, hello, ocrq, ocrp, occn, icrq, icrp, iccn, cdn, wen, sli});
constexpr MsgMask kNone = 0;
constexpr uint16_t kAny = kMaxAvpValueLen;
constexpr MRule kM1 = MRule::must_set;
constexpr MRule kM0 = MRule::must_not_set;

// RFC 2661 §4.4 (M bit, "may be hidden", value size, the messages named in each
// AVP's heading) and §6 (the AVPs each message MUST carry); RFC 3145 §3.2 for 46.
// Bounds are on the value after un-hiding; kAny is the most an AVP can hold.
constexpr AvpSpec kCatalogue[] = {
    {AvpType::message_type, "message_type", kM1, false, 2, 2, kAllMsgs, kAllMsgs},
    {AvpType::result_code, "result_code", kM1, false, 2, kAny, bits({stopccn, cdn}),
     bits({stopccn, cdn})},
    {AvpType::protocol_version, "protocol_version", kM1, false, 2, 2, bits({sccrq, sccrp}),
     bits({sccrq, sccrp})},
    {AvpType::framing_capabilities, "framing_capabilities", kM1, true, 4, 4, bits({sccrq, sccrp}),
     bits({sccrq, sccrp})},
    {AvpType::bearer_capabilities, "bearer_capabilities", kM1, true, 4, 4, bits({sccrq, sccrp}),
     kNone},
    {AvpType::tie_breaker, "tie_breaker", kM0, false, 8, 8, bits({sccrq}), kNone},
    {AvpType::firmware_revision, "firmware_revision", kM0, true, 2, 2, bits({sccrq, sccrp}), kNone},
    {AvpType::host_name, "host_name", kM1, false, 1, kAny, bits({sccrq, sccrp}),
     bits({sccrq, sccrp})},
    {AvpType::vendor_name, "vendor_name", kM0, true, 0, kAny, bits({sccrq, sccrp}), kNone},
    {AvpType::assigned_tunnel_id, "assigned_tunnel_id", kM1, true, 2, 2,
     bits({sccrq, sccrp, stopccn}), bits({sccrq, sccrp, stopccn})},
    {AvpType::receive_window_size, "receive_window_size", kM1, false, 2, 2, bits({sccrq, sccrp}),
     kNone},
    {AvpType::challenge, "challenge", kM1, true, 1, kAny, bits({sccrq, sccrp}), kNone},
    {AvpType::q931_cause_code, "q931_cause_code", kM1, false, 3, kAny, bits({cdn}), kNone},
    {AvpType::challenge_response, "challenge_response", kM1, true, 16, 16, bits({sccrp, scccn}),
     kNone},
    {AvpType::assigned_session_id, "assigned_session_id", kM1, true, 2, 2,
     bits({cdn, icrp, icrq, ocrp, ocrq}), bits({cdn, icrp, icrq, ocrp, ocrq})},
    {AvpType::call_serial_number, "call_serial_number", kM1, true, 4, 4, bits({icrq, ocrq}),
     bits({icrq, ocrq})},
    {AvpType::minimum_bps, "minimum_bps", kM1, true, 4, 4, bits({ocrq}), bits({ocrq})},
    {AvpType::maximum_bps, "maximum_bps", kM1, true, 4, 4, bits({ocrq}), bits({ocrq})},
    {AvpType::bearer_type, "bearer_type", kM1, true, 4, 4, bits({icrq, ocrq}), bits({ocrq})},
    {AvpType::framing_type, "framing_type", kM1, true, 4, 4, bits({iccn, occn, ocrq}),
     bits({iccn, occn, ocrq})},
    {AvpType::called_number, "called_number", kM1, true, 0, kAny, bits({icrq, ocrq}), bits({ocrq})},
    {AvpType::calling_number, "calling_number", kM1, true, 0, kAny, bits({icrq}), kNone},
    {AvpType::sub_address, "sub_address", kM1, true, 0, kAny, bits({icrq, ocrq}), kNone},
    {AvpType::tx_connect_speed, "tx_connect_speed", kM1, true, 4, 4, bits({iccn, occn}),
     bits({iccn, occn})},
    {AvpType::physical_channel_id, "physical_channel_id", kM0, true, 4, 4, bits({icrq, ocrp}),
     kNone},
    {AvpType::initial_received_lcp_confreq, "initial_received_lcp_confreq", kM0, true, 0, kAny,
     bits({iccn}), kNone},
    {AvpType::last_sent_lcp_confreq, "last_sent_lcp_confreq", kM0, true, 0, kAny, bits({iccn}),
     kNone},
    {AvpType::last_received_lcp_confreq, "last_received_lcp_confreq", kM0, true, 0, kAny,
     bits({iccn}), kNone},
    {AvpType::proxy_authen_type, "proxy_authen_type", kM0, true, 2, 2, bits({iccn}), kNone},
    {AvpType::proxy_authen_name, "proxy_authen_name", kM0, true, 0, kAny, bits({iccn}), kNone},
    {AvpType::proxy_authen_challenge, "proxy_authen_challenge", kM0, true, 0, kAny, bits({iccn}),
     kNone},
    {AvpType::proxy_authen_id, "proxy_authen_id", kM0, true, 2, 2, bits({iccn}), kNone},
    {AvpType::proxy_authen_response, "proxy_authen_response", kM0, true, 0, kAny, bits({iccn}),
     kNone},
    {AvpType::call_errors, "call_errors", kM1, true, 26, 26, bits({wen}), bits({wen})},
    {AvpType::accm, "accm", kM1, true, 10, 10, bits({sli}), bits({sli})},
    {AvpType::random_vector, "random_vector", kM1, false, 1, kAny, kAllMsgs, kNone},
    {AvpType::private_group_id, "private_group_id", kM0, true, 0, kAny, bits({iccn}), kNone},
    {AvpType::rx_connect_speed, "rx_connect_speed", kM0, true, 4, 4, bits({iccn, occn}), kNone},
    {AvpType::sequencing_required, "sequencing_required", kM1, false, 0, 0, bits({iccn, occn}),
     kNone},
    {AvpType::ppp_disconnect_cause, "ppp_disconnect_cause", kM0, true, 5, kAny, bits({cdn}), kNone},
};

// type -> row index, -1 for unassigned types.
struct CatalogueIndex {
    int8_t row[kMaxAvpType + 1];
};

constexpr CatalogueIndex make_index() {
    CatalogueIndex ix{};
    for (auto &r : ix.row) r = -1;
    for (size_t i = 0; i < std::size(kCatalogue); ++i)
        ix.row[unsigned(kCatalogue[i].type)] = static_cast<int8_t>(i);
    return ix;
}
constexpr CatalogueIndex kIndex = make_index();

constexpr bool catalogue_sorted() {
    for (size_t i = 1; i < std::size(kCatalogue); ++i)
        if (kCatalogue[i - 1].type >= kCatalogue[i].type) return false;
    return true;
}
static_assert(catalogue_sorted(), "avp_catalogue() promises type order");
static_assert(std::size(kCatalogue) == 40, "RFC 2661 types 0-39 but 20, and RFC 3145 type 46");

// ---- Hiding (§4.3) ---------------------------------------------------------------

// XORs buf[0, n) in place with the §4.3 key stream: MD5(type | secret | vector) for
// the first 16 bytes, then MD5(secret | previous cipher block) for each next 16.
void hide_xor(uint16_t type, std::span<const uint8_t> secret, std::span<const uint8_t> vector,
              uint8_t *buf, size_t n, bool encrypt) {
    uint8_t tb[2];
    store_be16(tb, type);
    std::array<uint8_t, 16> key = md5({tb, secret, vector});
    for (size_t i = 0; i < n; i += 16) {
        size_t m = std::min<size_t>(16, n - i);
        uint8_t cipher[16];
        if (!encrypt) std::memcpy(cipher, buf + i, m);
        for (size_t j = 0; j < m; ++j) buf[i + j] ^= key[j];
        if (encrypt) std::memcpy(cipher, buf + i, m);
        if (i + 16 < n) key = md5({secret, std::span<const uint8_t>(cipher, 16)});
    }
}

void write_avp_header(uint8_t *p, bool mandatory, bool hidden, uint16_t vendor, uint16_t type,
                      size_t value_len) {
    uint16_t len = static_cast<uint16_t>(kAvpHeaderLen + value_len);
    p[0] = static_cast<uint8_t>((mandatory ? 0x80 : 0) | (hidden ? 0x40 : 0) | (len >> 8));
    p[1] = static_cast<uint8_t>(len);
    store_be16(p + 2, vendor);
    store_be16(p + 4, type);
}

}  // namespace

const char *msg_type_name(MsgType t) {
    switch (t) {
        case MsgType::zlb: return "ZLB";
        case MsgType::sccrq: return "SCCRQ";
        case MsgType::sccrp: return "SCCRP";
        case MsgType::scccn: return "SCCCN";
        case MsgType::stopccn: return "StopCCN";
        case MsgType::hello: return "HELLO";
        case MsgType::ocrq: return "OCRQ";
        case MsgType::ocrp: return "OCRP";
        case MsgType::occn: return "OCCN";
        case MsgType::icrq: return "ICRQ";
        case MsgType::icrp: return "ICRP";
        case MsgType::iccn: return "ICCN";
        case MsgType::cdn: return "CDN";
        case MsgType::wen: return "WEN";
        case MsgType::sli: return "SLI";
    }
    return "unknown";
}

bool msg_type_known(uint16_t t) {
    return t <= kMaxMsgType && ((kAllMsgs >> t) & 1);
}

const AvpSpec *avp_spec(uint16_t type) {
    if (type > kMaxAvpType || kIndex.row[type] < 0) return nullptr;
    return &kCatalogue[kIndex.row[type]];
}

std::span<const AvpSpec> avp_catalogue() {
    return kCatalogue;
}

const char *avp_error_name(AvpError e) {
    switch (e) {
        case AvpError::ok: return "ok";
        case AvpError::truncated: return "truncated";
        case AvpError::overrun: return "overrun";
        case AvpError::reserved_bits: return "reserved_bits";
        case AvpError::hidden_without_vector: return "hidden_without_vector";
        case AvpError::hidden_without_secret: return "hidden_without_secret";
        case AvpError::hidden_bad_length: return "hidden_bad_length";
        case AvpError::no_room: return "no_room";
    }
    return "unknown";
}

std::array<uint8_t, 16> md5(std::initializer_list<std::span<const uint8_t>> parts) {
    md5_ctx ctx;
    md5_init(&ctx);
    for (auto p : parts) md5_update(&ctx, p.size(), p.data());
    std::array<uint8_t, 16> out;
    md5_digest(&ctx, out.size(), out.data());
    return out;
}

std::array<uint8_t, 16> challenge_response(MsgType msg, std::span<const uint8_t> secret,
                                           std::span<const uint8_t> challenge) {
    const uint8_t id = static_cast<uint8_t>(msg);
    return md5({std::span<const uint8_t>(&id, 1), secret, challenge});
}

// ---- Reader ----------------------------------------------------------------------

AvpReader::AvpReader(std::span<const uint8_t> avps, std::span<const uint8_t> secret,
                     std::span<uint8_t> scratch)
    : buf_(avps), secret_(secret), scratch_(scratch) {}

bool AvpReader::next(Avp *out) {
    while (err_ == AvpError::ok && off_ < buf_.size()) {
        size_t left = buf_.size() - off_;
        const uint8_t *p = buf_.data() + off_;
        if (left < kAvpHeaderLen) return fail(AvpError::truncated);
        size_t len = ((p[0] & 0x03u) << 8) | p[1];
        if (len < kAvpHeaderLen) return fail(AvpError::truncated);
        if (len > left) return fail(AvpError::overrun);
        off_ += len;
        bool mandatory = p[0] & 0x80;
        if (p[0] & 0x3c) {  // reserved bits: unrecognised (§4.1)
            if (mandatory) return fail(AvpError::reserved_bits);
            ++skipped_;
            continue;
        }
        out->mandatory = mandatory;
        out->hidden = p[0] & 0x40;
        out->vendor = load_be16(p + 2);
        out->type = load_be16(p + 4);
        out->value = {p + kAvpHeaderLen, len - kAvpHeaderLen};
        if (!out->hidden) {
            if (out->vendor == 0 && out->type == uint16_t(AvpType::random_vector))
                vector_ = out->value;
            return true;
        }
        bool recognised = out->vendor == 0 && avp_spec(out->type) != nullptr;
        if (!recognised && !mandatory) return true;  // to be ignored: left hidden
        return unhide(out->type, out->value, out);
    }
    return false;
}

bool AvpReader::unhide(uint16_t type, std::span<const uint8_t> cipher, Avp *out) {
    if (vector_.empty()) return fail(AvpError::hidden_without_vector);
    if (secret_.empty()) return fail(AvpError::hidden_without_secret);
    size_t n = cipher.size();
    if (n < 2) return fail(AvpError::hidden_bad_length);
    if (n > scratch_.size() - scratch_used_) return fail(AvpError::no_room);
    uint8_t *s = scratch_.data() + scratch_used_;
    std::memcpy(s, cipher.data(), n);
    hide_xor(type, secret_, vector_, s, n, false);
    size_t inner = load_be16(s);
    if (inner > n - 2) return fail(AvpError::hidden_bad_length);
    out->value = {s + 2, inner};
    scratch_used_ += 2 + inner;  // the padding's room is reused
    return true;
}

// ---- Writer ----------------------------------------------------------------------

void AvpWriter::add(uint16_t vendor, uint16_t type, bool mandatory, std::span<const uint8_t> value,
                    bool hide) {
    if (err_ != AvpError::ok) return;
    if (hide && secret_.empty()) return (void)fail(AvpError::hidden_without_secret);
    if (hide && vector_.empty()) return (void)fail(AvpError::hidden_without_vector);
    size_t vlen = value.size() + (hide ? 2 : 0);
    size_t need = kAvpHeaderLen + vlen;
    bool with_vector = hide && !vector_written_;
    if (with_vector) need += kAvpHeaderLen + vector_.size();
    if (vlen > kMaxAvpValueLen || (with_vector && vector_.size() > kMaxAvpValueLen) ||
        need > out_.size() - len_)
        return (void)fail(AvpError::no_room);

    uint8_t *p = out_.data() + len_;
    if (with_vector) {
        write_avp_header(p, true, false, 0, uint16_t(AvpType::random_vector), vector_.size());
        std::memcpy(p + kAvpHeaderLen, vector_.data(), vector_.size());
        p += kAvpHeaderLen + vector_.size();
        vector_written_ = true;
    }
    write_avp_header(p, mandatory, hide, vendor, type, vlen);
    uint8_t *v = p + kAvpHeaderLen;
    if (hide) {
        store_be16(v, static_cast<uint16_t>(value.size()));
        if (!value.empty()) std::memcpy(v + 2, value.data(), value.size());
        hide_xor(type, secret_, vector_, v, vlen, true);
    } else if (!value.empty()) {
        std::memcpy(v, value.data(), value.size());
    }
    len_ += need;
}

void AvpWriter::add(AvpType type, std::span<const uint8_t> value, bool hide) {
    const AvpSpec *spec = avp_spec(uint16_t(type));
    bool mandatory = spec && spec->m_rule == MRule::must_set;
    add(0, uint16_t(type), mandatory, value, hide && spec && spec->may_hide);
}

void AvpWriter::add_u16(AvpType type, uint16_t v, bool hide) {
    uint8_t b[2];
    store_be16(b, v);
    add(type, b, hide);
}

void AvpWriter::add_u32(AvpType type, uint32_t v, bool hide) {
    uint8_t b[4];
    store_be32(b, v);
    add(type, b, hide);
}

void AvpWriter::add_str(AvpType type, std::string_view s, bool hide) {
    add(type, {reinterpret_cast<const uint8_t *>(s.data()), s.size()}, hide);
}

void AvpWriter::add_result(uint16_t result, int error, std::string_view message) {
    if (err_ != AvpError::ok) return;
    uint8_t v[kMaxAvpValueLen];
    size_t n = 2;
    store_be16(v, result);
    if (error >= 0 || !message.empty()) {
        store_be16(v + 2, static_cast<uint16_t>(error < 0 ? 0 : error));
        n = 4;
    }
    if (message.size() > sizeof v - n) return (void)fail(AvpError::no_room);
    if (!message.empty()) std::memcpy(v + n, message.data(), message.size());
    add(AvpType::result_code, {v, n + message.size()});
}

}  // namespace lns::cp::l2tp
