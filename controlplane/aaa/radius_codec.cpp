// RADIUS packet codec (see radius_codec.hpp).
#include "controlplane/aaa/radius_codec.hpp"

#include <nettle/hmac.h>
#include <nettle/md5.h>

#include <cstring>

namespace lns::cp::aaa {

const char *code_name(Code c) {
    switch (c) {
    case Code::AccessRequest: return "Access-Request";
    case Code::AccessAccept: return "Access-Accept";
    case Code::AccessReject: return "Access-Reject";
    case Code::AccountingRequest: return "Accounting-Request";
    case Code::AccountingResponse: return "Accounting-Response";
    case Code::AccessChallenge: return "Access-Challenge";
    case Code::DisconnectRequest: return "Disconnect-Request";
    case Code::DisconnectAck: return "Disconnect-ACK";
    case Code::DisconnectNak: return "Disconnect-NAK";
    case Code::CoaRequest: return "CoA-Request";
    case Code::CoaAck: return "CoA-ACK";
    case Code::CoaNak: return "CoA-NAK";
    }
    return "unknown";
}

const char *radius_error_name(RadiusError e) {
    switch (e) {
    case RadiusError::ok: return "ok";
    case RadiusError::truncated: return "truncated";
    case RadiusError::bad_length: return "bad_length";
    case RadiusError::bad_attribute_length: return "bad_attribute_length";
    case RadiusError::bad_code: return "bad_code";
    case RadiusError::bad_authenticator: return "bad_authenticator";
    case RadiusError::bad_message_authenticator: return "bad_message_authenticator";
    case RadiusError::missing_message_authenticator: return "missing_message_authenticator";
    case RadiusError::count_: break;
    }
    return "unknown";
}

RadiusError decode_packet(ByteSpan d, PacketView *out) {
    if (d.size() < kRadiusHeaderLen) return RadiusError::truncated;
    size_t len = size_t(d[2]) << 8 | d[3];
    if (len < kRadiusHeaderLen || len > kRadiusMaxLen) return RadiusError::bad_length;
    if (d.size() < len) return RadiusError::truncated;
    ByteSpan attrs = d.subspan(kRadiusHeaderLen, len - kRadiusHeaderLen);
    for (size_t off = 0; off < attrs.size();) {
        if (attrs.size() - off < 2) return RadiusError::bad_attribute_length;
        size_t alen = attrs[off + 1];
        if (alen < 2 || alen > attrs.size() - off) return RadiusError::bad_attribute_length;
        off += alen;
    }
    out->code = Code(d[0]);
    out->id = d[1];
    out->length = uint16_t(len);
    out->bytes = d.first(len);
    out->attributes = attrs;
    return RadiusError::ok;
}

bool find_attr(const PacketView &p, uint8_t type, Attribute *out) {
    AttrIter it(p.attributes);
    Attribute a;
    while (it.next(&a)) {
        if (a.type == type) {
            *out = a;
            return true;
        }
    }
    return false;
}

bool parse_vsa(ByteSpan v, uint32_t *vendor, uint8_t *vtype, ByteSpan *vdata) {
    if (v.size() < 6) return false;
    size_t vlen = v[5];
    if (vlen < 2 || vlen > v.size() - 4) return false;
    *vendor = load_be32(v.data());
    *vtype = v[4];
    *vdata = v.subspan(6, vlen - 2);
    return true;
}

bool attr_u32(ByteSpan v, uint32_t *out) {
    if (v.size() != 4) return false;
    *out = load_be32(v.data());
    return true;
}

bool attr_ipv6_prefix(ByteSpan v, Ipv6Prefix *out) {
    // RFC 3162 §2.3: at least reserved + length; the prefix field holds at
    // least ceil(len / 8) octets, at most 16.
    if (v.size() < 2 || v.size() > 18) return false;
    uint8_t plen = v[1];
    if (plen > 128 || v.size() - 2 < size_t(plen + 7) / 8) return false;
    Ipv6Prefix p;
    p.len = plen;
    std::memcpy(p.addr.data(), v.data() + 2, v.size() - 2);
    // Bits past the prefix length are not part of the prefix (RFC 4818 §3).
    for (unsigned bit = plen; bit < 128; ++bit) p.addr[bit / 8] &= uint8_t(~(0x80u >> (bit % 8)));
    *out = p;
    return true;
}

// ---- PacketWriter ----

PacketWriter::PacketWriter(std::span<uint8_t> buf, Code code, uint8_t id) : buf_(buf) {
    if (buf.size() < kRadiusHeaderLen) {
        ok_ = false;
        return;
    }
    std::memset(buf.data(), 0, kRadiusHeaderLen);
    buf[0] = uint8_t(code);
    buf[1] = id;
    len_ = kRadiusHeaderLen;
}

uint8_t *PacketWriter::room(size_t n) {
    if (!ok_ || n > buf_.size() - len_ || len_ + n > kRadiusMaxLen) {
        ok_ = false;
        return nullptr;
    }
    uint8_t *p = buf_.data() + len_;
    len_ += n;
    return p;
}

bool PacketWriter::add(uint8_t type, ByteSpan value) {
    if (value.size() > kMaxAttrValueLen) return ok_ = false;
    uint8_t *p = room(2 + value.size());
    if (!p) return false;
    p[0] = type;
    p[1] = uint8_t(2 + value.size());
    if (!value.empty()) std::memcpy(p + 2, value.data(), value.size());
    return true;
}

bool PacketWriter::add_string(uint8_t type, std::string_view s) { return add(type, as_bytes(s)); }

bool PacketWriter::add_u32(uint8_t type, uint32_t v) {
    uint8_t b[4];
    store_be32(b, v);
    return add(type, b);
}

bool PacketWriter::add_ipv6_prefix(uint8_t type, const Ipv6Prefix &p) {
    if (p.len > 128) return ok_ = false;
    uint8_t b[18] = {0, p.len};
    size_t n = (size_t(p.len) + 7) / 8;
    std::memcpy(b + 2, p.addr.data(), n);
    return add(type, {b, 2 + n});
}

bool PacketWriter::add_vsa(uint32_t vendor, uint8_t vtype, ByteSpan data) {
    if (data.size() > kMaxAttrValueLen - 6) return ok_ = false;
    uint8_t b[kMaxAttrValueLen];
    store_be32(b, vendor);
    b[4] = vtype;
    b[5] = uint8_t(2 + data.size());
    if (!data.empty()) std::memcpy(b + 6, data.data(), data.size());
    return add(attr::kVendorSpecific, {b, 6 + data.size()});
}

bool PacketWriter::add_raw(ByteSpan attrs) {
    uint8_t *p = room(attrs.size());
    if (!p) return false;
    if (!attrs.empty()) std::memcpy(p, attrs.data(), attrs.size());
    return true;
}

bool PacketWriter::add_user_password(std::string_view pw, ByteSpan secret, const Bytes16 &ra) {
    std::array<uint8_t, kMaxPasswordLen> h;
    size_t n = hide_user_password(pw, secret, ra, h);
    if (n == 0) return ok_ = false;
    return add(attr::kUserPassword, {h.data(), n});
}

size_t PacketWriter::add_message_authenticator() {
    static constexpr uint8_t kZero[16] = {};
    size_t off = len_ + 2;
    return add(attr::kMessageAuthenticator, kZero) ? off : 0;
}

void PacketWriter::set_authenticator(const Bytes16 &a) {
    if (buf_.size() >= kRadiusHeaderLen) std::memcpy(buf_.data() + 4, a.data(), 16);
}

std::span<uint8_t> PacketWriter::finish() {
    if (!ok_) return {};
    buf_[2] = uint8_t(len_ >> 8);
    buf_[3] = uint8_t(len_);
    return buf_.first(len_);
}

// ---- Authenticators ----

namespace {

// MD5(secret + block): the keystream of §5.2.
void pw_key(ByteSpan secret, const uint8_t *block, uint8_t out[16]) {
    md5_ctx c;
    md5_init(&c);
    md5_update(&c, secret.size(), secret.data());
    md5_update(&c, 16, block);
    md5_digest(&c, 16, out);
}

}  // namespace

size_t hide_user_password(std::string_view pw, ByteSpan secret, const Bytes16 &ra,
                          std::span<uint8_t, kMaxPasswordLen> out) {
    if (pw.size() > kMaxPasswordLen) return 0;
    size_t n = pw.empty() ? 16 : (pw.size() + 15) / 16 * 16;
    std::memset(out.data(), 0, n);
    if (!pw.empty()) std::memcpy(out.data(), pw.data(), pw.size());
    const uint8_t *prev = ra.data();
    for (size_t off = 0; off < n; off += 16) {
        uint8_t k[16];
        pw_key(secret, prev, k);
        for (int i = 0; i < 16; ++i) out[off + i] ^= k[i];
        prev = out.data() + off;
    }
    return n;
}

bool unhide_user_password(ByteSpan hidden, ByteSpan secret, const Bytes16 &ra,
                          std::span<uint8_t, kMaxPasswordLen> out, size_t *len) {
    size_t n = hidden.size();
    if (n < 16 || n > kMaxPasswordLen || n % 16 != 0) return false;
    const uint8_t *prev = ra.data();
    for (size_t off = 0; off < n; off += 16) {
        uint8_t k[16];
        pw_key(secret, prev, k);
        for (int i = 0; i < 16; ++i) out[off + i] = hidden[off + i] ^ k[i];
        prev = hidden.data() + off;
    }
    while (n > 0 && out[n - 1] == 0) --n;
    *len = n;
    return true;
}

Bytes16 compute_authenticator(ByteSpan pkt, const Bytes16 &auth, ByteSpan secret) {
    md5_ctx c;
    md5_init(&c);
    md5_update(&c, 4, pkt.data());
    md5_update(&c, 16, auth.data());
    md5_update(&c, pkt.size() - kRadiusHeaderLen, pkt.data() + kRadiusHeaderLen);
    md5_update(&c, secret.size(), secret.data());
    Bytes16 out;
    md5_digest(&c, 16, out.data());
    return out;
}

size_t find_message_authenticator(ByteSpan pkt, bool *bad) {
    *bad = false;
    size_t off = kRadiusHeaderLen;
    while (off + 2 <= pkt.size()) {
        size_t alen = pkt[off + 1];
        if (alen < 2 || off + alen > pkt.size()) return 0;
        if (pkt[off] == attr::kMessageAuthenticator) {
            if (alen != 18) {
                *bad = true;
                return 0;
            }
            return off + 2;
        }
        off += alen;
    }
    return 0;
}

Bytes16 compute_message_authenticator(ByteSpan pkt, const Bytes16 &auth, size_t ma_off,
                                      ByteSpan secret) {
    static constexpr uint8_t kZero[16] = {};
    hmac_md5_ctx c;
    hmac_md5_set_key(&c, secret.size(), secret.data());
    hmac_md5_update(&c, 4, pkt.data());
    hmac_md5_update(&c, 16, auth.data());
    hmac_md5_update(&c, ma_off - kRadiusHeaderLen, pkt.data() + kRadiusHeaderLen);
    hmac_md5_update(&c, 16, kZero);
    hmac_md5_update(&c, pkt.size() - ma_off - 16, pkt.data() + ma_off + 16);
    Bytes16 out;
    hmac_md5_digest(&c, 16, out.data());
    return out;
}

namespace {

Bytes16 header_auth(std::span<const uint8_t> pkt) {
    Bytes16 a;
    std::memcpy(a.data(), pkt.data() + 4, 16);
    return a;
}

bool equal16(const uint8_t *a, const Bytes16 &b) {
    uint8_t diff = 0;  // constant time
    for (int i = 0; i < 16; ++i) diff |= uint8_t(a[i] ^ b[i]);
    return diff == 0;
}

RadiusError check_ma(const PacketView &p, const Bytes16 &auth, ByteSpan secret, bool require) {
    bool bad = false;
    size_t off = find_message_authenticator(p.bytes, &bad);
    if (bad) return RadiusError::bad_message_authenticator;
    if (off == 0) return require ? RadiusError::missing_message_authenticator : RadiusError::ok;
    Bytes16 want = compute_message_authenticator(p.bytes, auth, off, secret);
    return equal16(p.bytes.data() + off, want) ? RadiusError::ok
                                               : RadiusError::bad_message_authenticator;
}

}  // namespace

void sign_access_request(std::span<uint8_t> pkt, size_t ma_off, ByteSpan secret) {
    if (ma_off == 0) return;
    Bytes16 ma = compute_message_authenticator(pkt, header_auth(pkt), ma_off, secret);
    std::memcpy(pkt.data() + ma_off, ma.data(), 16);
}

void sign_request(std::span<uint8_t> pkt, size_t ma_off, ByteSpan secret) {
    static constexpr Bytes16 kZero{};
    if (ma_off != 0) {
        Bytes16 ma = compute_message_authenticator(pkt, kZero, ma_off, secret);
        std::memcpy(pkt.data() + ma_off, ma.data(), 16);
    }
    Bytes16 a = compute_authenticator(pkt, kZero, secret);
    std::memcpy(pkt.data() + 4, a.data(), 16);
}

void sign_response(std::span<uint8_t> pkt, size_t ma_off, const Bytes16 &ra, ByteSpan secret) {
    if (ma_off != 0) {
        Bytes16 ma = compute_message_authenticator(pkt, ra, ma_off, secret);
        std::memcpy(pkt.data() + ma_off, ma.data(), 16);
    }
    Bytes16 a = compute_authenticator(pkt, ra, secret);
    std::memcpy(pkt.data() + 4, a.data(), 16);
}

RadiusError verify_response(const PacketView &p, const Bytes16 &ra, ByteSpan secret,
                            bool require_ma) {
    if (!equal16(p.authenticator(), compute_authenticator(p.bytes, ra, secret)))
        return RadiusError::bad_authenticator;
    return check_ma(p, ra, secret, require_ma);
}

RadiusError verify_request(const PacketView &p, ByteSpan secret, bool require_ma) {
    static constexpr Bytes16 kZero{};
    if (!equal16(p.authenticator(), compute_authenticator(p.bytes, kZero, secret)))
        return RadiusError::bad_authenticator;
    return check_ma(p, kZero, secret, require_ma);
}

}  // namespace lns::cp::aaa
