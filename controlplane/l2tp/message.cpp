// L2TPv2 control messages (RFC 2661 §3.1, §6): header parsing, AVP decoding
// against the catalogue, and encoding.
#include "controlplane/l2tp/message.hpp"

#include <algorithm>

#include "controlplane/net/bytes.hpp"

namespace lns::cp::l2tp {

using net::load_be16;
using net::load_be32;
using net::store_be16;

namespace {

// §3.1 header flags.
constexpr uint16_t kFlagT = 0x8000;
constexpr uint16_t kFlagL = 0x4000;
constexpr uint16_t kFlagS = 0x0800;
constexpr uint16_t kFlagO = 0x0200;
constexpr uint16_t kFlagP = 0x0100;
constexpr uint16_t kVerMask = 0x000f;
constexpr uint16_t kVersion = 2;
constexpr uint16_t kProtocolVersion = 0x0100;  // §4.4.3: version 1, revision 0
constexpr size_t kMaxMessageLen = 0xffff;      // 16-bit Length

void write_header(uint8_t *p, uint16_t len, uint16_t tid, uint16_t sid, uint16_t ns, uint16_t nr) {
    store_be16(p, kFlagT | kFlagL | kFlagS | kVersion);
    store_be16(p + 2, len);
    store_be16(p + 4, tid);
    store_be16(p + 6, sid);
    store_be16(p + 8, ns);
    store_be16(p + 10, nr);
}

std::string_view as_str(std::span<const uint8_t> v) {
    return {reinterpret_cast<const char *>(v.data()), v.size()};
}

// Values of tunnel-level AVPs (types 1-13).  Lengths are already within the
// catalogue bounds.
CtlError decode_tunnel_value(AvpType t, std::span<const uint8_t> v, ControlMessage *m) {
    const uint8_t *p = v.data();
    switch (t) {
        case AvpType::result_code:  // §4.4.2: result, [error, [message]]
            if (v.size() == 3) return CtlError::bad_avp_length;
            m->result_code.result = load_be16(p);
            m->result_code.has_error = v.size() >= 4;
            m->result_code.error = v.size() >= 4 ? load_be16(p + 2) : 0;
            m->result_code.message = v.size() > 4 ? as_str(v.subspan(4)) : std::string_view{};
            break;
        case AvpType::protocol_version: m->protocol_version = load_be16(p); break;
        case AvpType::framing_capabilities: m->framing_capabilities = load_be32(p); break;
        case AvpType::bearer_capabilities: m->bearer_capabilities = load_be32(p); break;
        case AvpType::tie_breaker: m->tie_breaker = v; break;
        case AvpType::firmware_revision: m->firmware_revision = load_be16(p); break;
        case AvpType::host_name: m->host_name = as_str(v); break;
        case AvpType::vendor_name: m->vendor_name = as_str(v); break;
        case AvpType::assigned_tunnel_id: m->assigned_tunnel_id = load_be16(p); break;
        case AvpType::receive_window_size: m->receive_window_size = load_be16(p); break;
        case AvpType::challenge: m->challenge = v; break;
        case AvpType::q931_cause_code:  // §4.4.10: cause, msg, [advisory]
            m->q931_cause = load_be16(p);
            m->q931_msg = p[2];
            m->q931_advisory = as_str(v.subspan(3));
            break;
        case AvpType::challenge_response: m->challenge_response = v; break;
        default: break;
    }
    return CtlError::ok;
}

void decode_call_errors(const uint8_t *p, CallErrors *c) {  // §4.4.9: reserved(2), 6 x 4
    c->crc = load_be32(p + 2);
    c->framing = load_be32(p + 6);
    c->hw_overruns = load_be32(p + 10);
    c->buffer_overruns = load_be32(p + 14);
    c->timeouts = load_be32(p + 18);
    c->alignment = load_be32(p + 22);
}

// Values of session-level AVPs (types 14-46).
CtlError decode_session_value(AvpType t, std::span<const uint8_t> v, ControlMessage *m) {
    const uint8_t *p = v.data();
    switch (t) {
        case AvpType::assigned_session_id: m->assigned_session_id = load_be16(p); break;
        case AvpType::call_serial_number: m->call_serial_number = load_be32(p); break;
        case AvpType::minimum_bps: m->minimum_bps = load_be32(p); break;
        case AvpType::maximum_bps: m->maximum_bps = load_be32(p); break;
        case AvpType::bearer_type: m->bearer_type = load_be32(p); break;
        case AvpType::framing_type: m->framing_type = load_be32(p); break;
        case AvpType::called_number: m->called_number = as_str(v); break;
        case AvpType::calling_number: m->calling_number = as_str(v); break;
        case AvpType::sub_address: m->sub_address = v; break;
        case AvpType::tx_connect_speed: m->tx_connect_speed = load_be32(p); break;
        case AvpType::physical_channel_id: m->physical_channel_id = load_be32(p); break;
        case AvpType::initial_received_lcp_confreq: m->initial_received_lcp_confreq = v; break;
        case AvpType::last_sent_lcp_confreq: m->last_sent_lcp_confreq = v; break;
        case AvpType::last_received_lcp_confreq: m->last_received_lcp_confreq = v; break;
        case AvpType::proxy_authen_type: m->proxy_authen_type = load_be16(p); break;
        case AvpType::proxy_authen_name: m->proxy_authen_name = as_str(v); break;
        case AvpType::proxy_authen_challenge: m->proxy_authen_challenge = v; break;
        case AvpType::proxy_authen_id: m->proxy_authen_id = load_be16(p); break;
        case AvpType::proxy_authen_response: m->proxy_authen_response = v; break;
        case AvpType::call_errors: decode_call_errors(p, &m->call_errors); break;
        case AvpType::accm:  // §4.4.9: reserved(2), send ACCM, receive ACCM
            m->send_accm = load_be32(p + 2);
            m->receive_accm = load_be32(p + 6);
            break;
        case AvpType::private_group_id: m->private_group_id = v; break;
        case AvpType::rx_connect_speed: m->rx_connect_speed = load_be32(p); break;
        case AvpType::ppp_disconnect_cause:  // RFC 3145 §3.2: code, protocol, direction, [msg]
            m->disconnect_cause.code = load_be16(p);
            m->disconnect_cause.protocol = load_be16(p + 2);
            m->disconnect_cause.direction = p[4];
            m->disconnect_cause.message = as_str(v.subspan(5));
            break;
        default: break;  // random_vector, sequencing_required: presence only
    }
    return CtlError::ok;
}

// One AVP after the Message Type: classify it against the catalogue and decode it.
CtlError decode_avp(const Avp &a, ControlMessage *m) {
    const AvpSpec *spec = a.vendor == 0 ? avp_spec(a.type) : nullptr;
    if (!spec || !(spec->allowed_in & msg_bit(m->type))) {
        if (!a.mandatory) {
            ++m->ignored_avps;
            return CtlError::ok;
        }
        if (m->unknown_avp_vendor == 0 && m->unknown_avp_type == 0) {
            m->unknown_avp_vendor = a.vendor;
            m->unknown_avp_type = a.type;
        }
        return CtlError::unknown_mandatory_avp;
    }
    auto t = static_cast<AvpType>(a.type);
    if (a.hidden && (t == AvpType::random_vector || t == AvpType::message_type))
        return CtlError::bad_avp_value;
    if (a.value.size() < spec->min_value || a.value.size() > spec->max_value)
        return CtlError::bad_avp_length;
    if (m->has(t) && t != AvpType::random_vector) return CtlError::duplicate_avp;
    m->present |= uint64_t{1} << a.type;
    return a.type <= unsigned(AvpType::challenge_response) ? decode_tunnel_value(t, a.value, m)
                                                           : decode_session_value(t, a.value, m);
}

// The first AVP must be a clear Message Type (§4.4.1).
CtlError decode_message_type(std::span<const uint8_t> avps, AvpReader *r, ControlMessage *m) {
    if (avps.size() >= kAvpHeaderLen && load_be16(avps.data() + 2) == 0 &&
        load_be16(avps.data() + 4) == uint16_t(AvpType::message_type) && (avps[0] & 0x40)) {
        m->message_type_mandatory = avps[0] & 0x80;
        return CtlError::bad_avp_value;  // hidden Message Type: no vector can precede it
    }
    Avp a;
    if (!r->next(&a)) {
        m->avp_error = r->error();
        return r->error() == AvpError::ok ? CtlError::first_not_message_type : CtlError::bad_avp;
    }
    if (a.vendor != 0 || a.type != uint16_t(AvpType::message_type) || r->skipped() != 0)
        return CtlError::first_not_message_type;
    m->message_type_mandatory = a.mandatory;
    if (a.value.size() != 2) return CtlError::bad_avp_length;
    m->raw_message_type = load_be16(a.value.data());
    m->present |= uint64_t{1} << unsigned(AvpType::message_type);
    if (!msg_type_known(m->raw_message_type)) return CtlError::unknown_message_type;
    m->type = static_cast<MsgType>(m->raw_message_type);
    return CtlError::ok;
}

// §6: every AVP the message must carry, then the protocol version (§4.4.3).
CtlError check_message(ControlMessage *m) {
    MsgMask bit = msg_bit(m->type);
    for (const AvpSpec &s : avp_catalogue()) {
        if ((s.required_in & bit) && !m->has(s.type)) {
            m->missing_avp = uint16_t(s.type);
            return CtlError::missing_avp;
        }
    }
    if (m->has(AvpType::protocol_version) && m->protocol_version != kProtocolVersion) {
        m->error_avp_type = uint16_t(AvpType::protocol_version);
        return CtlError::bad_avp_value;
    }
    return CtlError::ok;
}

}  // namespace

const char *ctl_error_name(CtlError e) {
    switch (e) {
        case CtlError::ok: return "ok";
        case CtlError::truncated: return "truncated";
        case CtlError::not_control: return "not_control";
        case CtlError::bad_version: return "bad_version";
        case CtlError::bad_flags: return "bad_flags";
        case CtlError::first_not_message_type: return "first_not_message_type";
        case CtlError::bad_avp: return "bad_avp";
        case CtlError::bad_avp_length: return "bad_avp_length";
        case CtlError::unknown_message_type: return "unknown_message_type";
        case CtlError::unknown_mandatory_avp: return "unknown_mandatory_avp";
        case CtlError::missing_avp: return "missing_avp";
        case CtlError::duplicate_avp: return "duplicate_avp";
        case CtlError::bad_avp_value: return "bad_avp_value";
    }
    return "unknown";
}

CtlError parse_control_header(std::span<const uint8_t> msg, ControlHeader *out) {
    if (msg.size() < 2) return CtlError::truncated;
    uint16_t flags = load_be16(msg.data());
    if ((flags & kVerMask) != kVersion) return CtlError::bad_version;
    if (!(flags & kFlagT)) return CtlError::not_control;
    if (!(flags & kFlagL) || !(flags & kFlagS) || (flags & (kFlagO | kFlagP)))
        return CtlError::bad_flags;
    if (msg.size() < kControlHeaderLen) return CtlError::truncated;
    const uint8_t *p = msg.data();
    uint16_t len = load_be16(p + 2);
    if (len < kControlHeaderLen || len > msg.size()) return CtlError::truncated;
    out->length = len;
    out->tunnel_id = load_be16(p + 4);
    out->session_id = load_be16(p + 6);
    out->ns = load_be16(p + 8);
    out->nr = load_be16(p + 10);
    out->avps = msg.subspan(kControlHeaderLen, len - kControlHeaderLen);
    return CtlError::ok;
}

CtlError decode_message(std::span<const uint8_t> avps, std::span<const uint8_t> secret,
                        ControlMessage *out) {
    *out = ControlMessage{};
    if (avps.empty()) return CtlError::ok;  // ZLB
    AvpReader r(avps, secret, out->scratch);
    CtlError first = decode_message_type(avps, &r, out);
    if (first != CtlError::ok) return first;
    Avp a;
    while (r.next(&a)) {
        CtlError e = decode_avp(a, out);
        if (e != CtlError::ok && first == CtlError::ok) {
            first = e;
            out->error_avp_type = a.type;
        }
    }
    out->ignored_avps += r.skipped();
    if (r.error() != AvpError::ok) {
        out->avp_error = r.error();
        if (first == CtlError::ok) first = CtlError::bad_avp;
    }
    return first != CtlError::ok ? first : check_message(out);
}

// ---- Encoding --------------------------------------------------------------------

MessageBuilder::MessageBuilder(std::span<uint8_t> out, MsgType type, uint16_t peer_tunnel_id,
                               uint16_t peer_session_id)
    : out_(out),
      w_(out.size() < kControlHeaderLen
             ? std::span<uint8_t>{}
             : out.subspan(kControlHeaderLen,
                           std::min(out.size(), kMaxMessageLen) - kControlHeaderLen)) {
    if (out.size() < kControlHeaderLen) return;
    write_header(out.data(), 0, peer_tunnel_id, peer_session_id, 0, 0);
    if (type != MsgType::zlb) w_.add_u16(AvpType::message_type, uint16_t(type));
}

size_t MessageBuilder::finish() {
    if (out_.size() < kControlHeaderLen || w_.error() != AvpError::ok) return 0;
    size_t n = kControlHeaderLen + w_.size();
    store_be16(out_.data() + 2, static_cast<uint16_t>(n));
    return n;
}

size_t build_zlb(std::span<uint8_t> out, uint16_t peer_tunnel_id, uint16_t ns, uint16_t nr) {
    if (out.size() < kControlHeaderLen) return 0;
    write_header(out.data(), kControlHeaderLen, peer_tunnel_id, 0, ns, nr);
    return kControlHeaderLen;
}

void stamp_ns_nr(std::span<uint8_t> msg, uint16_t ns, uint16_t nr) {
    if (msg.size() < kControlHeaderLen) return;
    store_be16(msg.data() + 8, ns);
    store_be16(msg.data() + 10, nr);
}

}  // namespace lns::cp::l2tp
