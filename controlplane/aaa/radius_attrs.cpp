// Typed RADIUS requests and replies (see radius_attrs.hpp).
#include "controlplane/aaa/radius_attrs.hpp"

#include <cstring>

namespace lns::cp::aaa {

const char *auth_method_name(AuthMethod m) {
    switch (m) {
    case AuthMethod::pap: return "pap";
    case AuthMethod::chap: return "chap";
    case AuthMethod::mschapv2: return "mschapv2";
    }
    return "unknown";
}

const char *terminate_cause_name(TerminateCause c) {
    static constexpr const char *kNames[] = {
        "none",          "user_request",  "lost_carrier",   "lost_service",
        "idle_timeout",  "session_timeout", "admin_reset",  "admin_reboot",
        "port_error",    "nas_error",     "nas_request",    "nas_reboot",
        "port_unneeded", "port_preempted", "port_suspended", "service_unavailable",
        "callback",      "user_error",    "host_request"};
    auto i = uint32_t(c);
    return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "unknown";
}

namespace {

constexpr uint32_t kServiceFramed = 2;      // Service-Type (RFC 2865 §5.6)
constexpr uint32_t kFramedProtocolPpp = 1;  // Framed-Protocol (§5.7)
constexpr uint32_t kNasPortVirtual = 5;     // NAS-Port-Type (§5.41)

bool add_opt(PacketWriter *w, uint8_t type, std::string_view s) {
    return s.empty() || w->add_string(type, s);
}

bool encode_common(const NasIdentity &nas, bool has_port, uint32_t port,
                   std::string_view port_id, PacketWriter *w) {
    if (nas.nas_ip != 0) w->add_ipv4(attr::kNasIpAddress, nas.nas_ip);
    add_opt(w, attr::kNasIdentifier, nas.nas_identifier);
    if (has_port) w->add_u32(attr::kNasPort, port);
    add_opt(w, attr::kNasPortId, port_id);
    w->add_u32(attr::kNasPortType, kNasPortVirtual);
    w->add_u32(attr::kServiceType, kServiceFramed);
    w->add_u32(attr::kFramedProtocol, kFramedProtocolPpp);
    return w->ok();
}

bool encode_auth_method(const AccessRequest &r, PacketWriter *w) {
    switch (r.method) {
    case AuthMethod::pap:
        return r.password.size() <= kMaxPasswordLen;  // hidden per server by the engine
    case AuthMethod::chap: {
        if (r.chap_response.size() != 16 || r.challenge.empty()) return false;
        uint8_t v[17];
        v[0] = r.chap_id;
        std::memcpy(v + 1, r.chap_response.data(), 16);
        w->add(attr::kChapPassword, v);
        // RFC 2865 §5.3: the challenge may ride in the Request Authenticator when
        // it is 16 octets; sending CHAP-Challenge is always allowed and keeps the
        // authenticator random.
        return w->add(attr::kChapChallenge, r.challenge);
    }
    case AuthMethod::mschapv2: {
        if (r.challenge.size() != 16 || r.peer_challenge.size() != 16 ||
            r.nt_response.size() != 24)
            return false;
        uint8_t v[50] = {};  // RFC 2548 §2.3.2: Ident, Flags, Peer-Challenge, Reserved, Response
        v[0] = r.chap_id;
        v[1] = r.mschap_flags;
        std::memcpy(v + 2, r.peer_challenge.data(), 16);
        std::memcpy(v + 26, r.nt_response.data(), 24);
        w->add_vsa(kVendorMicrosoft, ms::kChapChallenge, r.challenge);
        return w->add_vsa(kVendorMicrosoft, ms::kChap2Response, v);
    }
    }
    return false;
}

}  // namespace

bool encode_access_attrs(const AccessRequest &r, const NasIdentity &nas, PacketWriter *w) {
    w->add_string(attr::kUserName, r.user_name);
    if (!encode_auth_method(r, w)) return false;
    encode_common(nas, r.has_nas_port, r.nas_port, r.nas_port_id, w);
    add_opt(w, attr::kCalledStationId, r.called_station_id);
    add_opt(w, attr::kCallingStationId, r.calling_station_id);
    add_opt(w, attr::kAcctSessionId, r.acct_session_id);
    if (!r.state.empty()) w->add(attr::kState, r.state);
    w->add_raw(r.extra_attrs);
    return w->ok();
}

namespace {

void encode_counters(const AccountingRequest &r, PacketWriter *w) {
    const TrafficCounters &c = r.counters;
    w->add_u32(attr::kAcctInputOctets, uint32_t(c.in_octets));
    w->add_u32(attr::kAcctOutputOctets, uint32_t(c.out_octets));
    w->add_u32(attr::kAcctInputGigawords, uint32_t(c.in_octets >> 32));
    w->add_u32(attr::kAcctOutputGigawords, uint32_t(c.out_octets >> 32));
    w->add_u32(attr::kAcctInputPackets, uint32_t(c.in_packets));
    w->add_u32(attr::kAcctOutputPackets, uint32_t(c.out_packets));
    w->add_u32(attr::kAcctSessionTime, r.session_time_s);
}

}  // namespace

bool encode_accounting_attrs(const AccountingRequest &r, const NasIdentity &nas,
                             PacketWriter *w) {
    if (r.session_id.empty()) return false;  // RFC 2866 §5.5: required
    w->add_u32(attr::kAcctStatusType, uint32_t(r.status));
    w->add_string(attr::kAcctSessionId, r.session_id);
    add_opt(w, attr::kAcctMultiSessionId, r.multi_session_id);
    add_opt(w, attr::kUserName, r.user_name);
    encode_common(nas, r.has_nas_port, r.nas_port, r.nas_port_id, w);
    add_opt(w, attr::kCalledStationId, r.called_station_id);
    add_opt(w, attr::kCallingStationId, r.calling_station_id);
    if (r.framed_ip != 0) w->add_ipv4(attr::kFramedIpAddress, r.framed_ip);
    if (r.framed_ipv6_prefix) w->add_ipv6_prefix(attr::kFramedIpv6Prefix, *r.framed_ipv6_prefix);
    if (r.delegated_ipv6_prefix)
        w->add_ipv6_prefix(attr::kDelegatedIpv6Prefix, *r.delegated_ipv6_prefix);
    for (const std::string &c : r.classes) w->add_string(attr::kClass, c);
    if (r.authentic != 0) w->add_u32(attr::kAcctAuthentic, r.authentic);
    bool start = r.status == AcctStatusType::Start;
    bool stop = r.status == AcctStatusType::Stop;
    if (!start && r.status != AcctStatusType::AccountingOn &&
        r.status != AcctStatusType::AccountingOff)
        encode_counters(r, w);
    if (stop && r.cause != TerminateCause::None)
        w->add_u32(attr::kAcctTerminateCause, uint32_t(r.cause));
    if (r.event_timestamp != 0) w->add_u32(attr::kEventTimestamp, r.event_timestamp);
    w->add_raw(r.extra_attrs);
    return w->ok();
}

namespace {

std::string to_string(ByteSpan v) { return std::string(reinterpret_cast<const char *>(v.data()), v.size()); }

void parse_u32(ByteSpan v, uint32_t *out, AccessReply *r) {
    if (!attr_u32(v, out)) ++r->malformed;
}

void parse_vendor(ByteSpan v, AccessReply *r) {
    uint32_t vendor;
    uint8_t vtype;
    ByteSpan data;
    if (!parse_vsa(v, &vendor, &vtype, &data) || vendor != kVendorMicrosoft) return;
    if (vtype == ms::kChap2Success) r->ms_chap2_success = to_string(data);
    if (vtype == ms::kChapError) r->ms_chap_error = to_string(data);
}

void parse_one(const Attribute &a, AccessReply *r) {
    switch (a.type) {
    case attr::kFramedIpAddress:
        r->has_framed_ip = attr_u32(a.value, &r->framed_ip);
        if (!r->has_framed_ip) ++r->malformed;
        break;
    case attr::kFramedPool: r->framed_pool = to_string(a.value); break;
    case attr::kFramedIpv6Prefix:
        if (r->has_framed_ipv6_prefix) break;  // first one wins
        r->has_framed_ipv6_prefix = attr_ipv6_prefix(a.value, &r->framed_ipv6_prefix);
        if (!r->has_framed_ipv6_prefix) ++r->malformed;
        break;
    case attr::kDelegatedIpv6Prefix:
        if (r->has_delegated_ipv6_prefix) break;
        r->has_delegated_ipv6_prefix = attr_ipv6_prefix(a.value, &r->delegated_ipv6_prefix);
        if (!r->has_delegated_ipv6_prefix) ++r->malformed;
        break;
    case attr::kSessionTimeout: parse_u32(a.value, &r->session_timeout, r); break;
    case attr::kIdleTimeout: parse_u32(a.value, &r->idle_timeout, r); break;
    case attr::kAcctInterimInterval: parse_u32(a.value, &r->acct_interim_interval, r); break;
    case attr::kFramedMtu: parse_u32(a.value, &r->framed_mtu, r); break;
    case attr::kClass: r->classes.push_back(to_string(a.value)); break;
    case attr::kReplyMessage: r->reply_message += to_string(a.value); break;
    case attr::kState: r->state = to_string(a.value); break;
    case attr::kVendorSpecific: parse_vendor(a.value, r); break;
    default: break;
    }
}

}  // namespace

void parse_access_reply(const PacketView &p, AccessReply *out) {
    out->clear();
    out->code = p.code;
    AttrIter it(p.attributes);
    Attribute a;
    while (it.next(&a)) parse_one(a, out);
}

uint32_t interim_interval_s(const AccessReply &r, uint32_t configured, uint32_t minimum) {
    uint32_t v = r.acct_interim_interval != 0 ? r.acct_interim_interval : configured;
    if (v == 0) return 0;
    return v < minimum ? minimum : v;
}

}  // namespace lns::cp::aaa
