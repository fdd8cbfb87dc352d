// DAE server, RFC 5176 (see radius_dae.hpp).
#include "controlplane/aaa/radius_dae.hpp"

#include <array>
#include <cstring>

namespace lns::cp::aaa {

namespace {

constexpr uint32_t kServiceAuthorizeOnly = 17;  // RFC 5176 §3.2

uint64_t dae_key(uint32_t ip, uint16_t port, uint8_t id) {
    return uint64_t(ip) << 24 | uint64_t(port) << 8 | id;
}

std::string to_string(ByteSpan v) {
    return std::string(reinterpret_cast<const char *>(v.data()), v.size());
}

// Session identification attributes (§3): fill `r`; false if not one.
bool read_identification(const Attribute &a, DaeRequest *r, bool *malformed) {
    switch (a.type) {
    case attr::kUserName: r->user_name = to_string(a.value); return true;
    case attr::kAcctSessionId: r->acct_session_id = to_string(a.value); return true;
    case attr::kAcctMultiSessionId: r->acct_multi_session_id = to_string(a.value); return true;
    case attr::kCallingStationId: r->calling_station_id = to_string(a.value); return true;
    case attr::kCalledStationId: r->called_station_id = to_string(a.value); return true;
    case attr::kNasPortId: r->nas_port_id = to_string(a.value); return true;
    case attr::kFramedIpAddress:
        r->has_framed_ip = attr_u32(a.value, &r->framed_ip);
        *malformed |= !r->has_framed_ip;
        return true;
    case attr::kFramedIpv6Prefix:
        r->has_framed_ipv6_prefix = attr_ipv6_prefix(a.value, &r->framed_ipv6_prefix);
        *malformed |= !r->has_framed_ipv6_prefix;
        return true;
    case attr::kNasPort:
        r->has_nas_port = attr_u32(a.value, &r->nas_port);
        *malformed |= !r->has_nas_port;
        return true;
    default: return false;
    }
}

// Changes a CoA-Request may carry; false if not one.
bool read_change(const Attribute &a, DaeRequest *r, bool *malformed) {
    switch (a.type) {
    case attr::kSessionTimeout:
        r->has_session_timeout = attr_u32(a.value, &r->session_timeout);
        *malformed |= !r->has_session_timeout;
        return true;
    case attr::kIdleTimeout:
        r->has_idle_timeout = attr_u32(a.value, &r->idle_timeout);
        *malformed |= !r->has_idle_timeout;
        return true;
    case attr::kAcctInterimInterval:
        r->has_interim_interval = attr_u32(a.value, &r->acct_interim_interval);
        *malformed |= !r->has_interim_interval;
        return true;
    case attr::kClass: r->classes.push_back(to_string(a.value)); return true;
    default: return false;
    }
}

bool identifies_session(const DaeRequest &r) {
    return !r.user_name.empty() || !r.acct_session_id.empty() ||
           !r.acct_multi_session_id.empty() || !r.calling_station_id.empty() ||
           !r.nas_port_id.empty() || r.has_framed_ip || r.has_framed_ipv6_prefix ||
           r.has_nas_port;
}

}  // namespace

DaeServer::DaeServer(DaeConfig cfg, SendFn send, RequestFn on_request)
    : cfg_(std::move(cfg)), send_(std::move(send)), on_request_(std::move(on_request)) {}

int DaeServer::find_client(uint32_t ip) const {
    for (size_t i = 0; i < cfg_.clients.size(); ++i)
        if (cfg_.clients[i].ip == ip) return int(i);
    return -1;
}

// 0 when the request can go to the owner, else the Error-Cause of the NAK.
uint32_t DaeServer::check_content(const PacketView &p, DaeRequest *r) const {
    bool coa = p.code == Code::CoaRequest;
    bool malformed = false, unsupported = false, other_nas = false, authorize_only = false;
    AttrIter it(p.attributes);
    Attribute a;
    while (it.next(&a)) {
        if (read_identification(a, r, &malformed)) continue;
        if (coa && read_change(a, r, &malformed)) continue;
        uint32_t v = 0;
        switch (a.type) {
        case attr::kNasIpAddress:
            malformed |= !attr_u32(a.value, &v);
            other_nas |= cfg_.nas_ip != 0 && v != cfg_.nas_ip;
            break;
        case attr::kNasIdentifier:
            other_nas |= !cfg_.nas_identifier.empty() && to_string(a.value) != cfg_.nas_identifier;
            break;
        case attr::kServiceType:
            malformed |= !attr_u32(a.value, &v);
            authorize_only |= v == kServiceAuthorizeOnly;
            break;
        case attr::kReplyMessage: r->reply_message += to_string(a.value); break;
        case attr::kNasIpv6Address:
        case attr::kEventTimestamp:
        case attr::kState:
        case attr::kProxyState:
        case attr::kMessageAuthenticator: break;
        default: unsupported = true; break;
        }
    }
    if (unsupported) return uint32_t(ErrorCause::UnsupportedAttribute);
    if (malformed) return uint32_t(ErrorCause::InvalidAttributeValue);
    if (other_nas) return uint32_t(ErrorCause::NasIdentificationMismatch);
    if (authorize_only) return uint32_t(ErrorCause::UnsupportedService);
    if (!identifies_session(*r)) return uint32_t(ErrorCause::MissingAttribute);
    return 0;
}

// What an answer (and a retransmitted request) needs from the request.
void DaeServer::fill_entry(const PacketView &p, int client, Entry *en) {
    *en = Entry{};
    std::memcpy(en->req_auth.data(), p.authenticator(), 16);
    en->code = p.code;
    en->id = p.id;
    en->client = client;
    bool bad_ma = false;
    en->had_ma = find_message_authenticator(p.bytes, &bad_ma) != 0;
    AttrIter it(p.attributes);
    Attribute a;
    while (it.next(&a)) {
        if (a.type != attr::kProxyState) continue;
        en->proxy_state.push_back(a.type);
        en->proxy_state.push_back(uint8_t(a.value.size() + 2));
        en->proxy_state.insert(en->proxy_state.end(), a.value.begin(), a.value.end());
    }
}

void DaeServer::on_datagram(uint32_t ip, uint16_t port, ByteSpan bytes, uint64_t now) {
    ++c_.datagrams_in;
    PacketView p;
    RadiusError e = decode_packet(bytes, &p);
    if (e == RadiusError::ok && p.code != Code::DisconnectRequest && p.code != Code::CoaRequest)
        e = RadiusError::bad_code;
    if (e != RadiusError::ok) {
        ++c_.bad[size_t(e)];
        return;
    }
    int client = find_client(ip);
    if (client < 0) {
        ++c_.unknown_client;
        return;
    }
    const DaeClient &cl = cfg_.clients[size_t(client)];
    e = verify_request(p, as_bytes(cl.secret), cl.require_message_authenticator);
    if (e != RadiusError::ok) {
        ++c_.bad[size_t(e)];
        return;
    }
    uint64_t key = dae_key(ip, port, p.id);
    auto found = entries_.find(key);
    if (found != entries_.end() &&
        std::memcmp(found->second.req_auth.data(), p.authenticator(), 16) == 0) {
        ++c_.duplicates;
        if (found->second.answered) {
            ++c_.duplicate_answers;
            send_({ip, port, found->second.answer});
        }
        return;
    }
    if (found != entries_.end() && !found->second.answered) by_handle_.erase(found->second.handle);
    Entry &en = entries_[key];
    fill_entry(p, client, &en);
    ++(p.code == Code::CoaRequest ? c_.coa_requests : c_.disconnect_requests);

    DaeRequest req;
    req.kind = p.code == Code::CoaRequest ? DaeKind::coa : DaeKind::disconnect;
    req.client_ip = ip;
    req.client_port = port;
    uint32_t cause = check_content(p, &req);
    if (cause != 0) {
        ++c_.naks_auto;
        send_answer(key, en, false, cause, now);
        return;
    }
    en.handle = req.handle = next_handle_++;
    by_handle_[en.handle] = key;
    arm(key, en, now + cfg_.answer_timeout_ns);
    on_request_(req);  // may answer() at once
}

bool DaeServer::answer(uint64_t handle, bool ack, uint32_t cause, uint64_t now) {
    auto h = by_handle_.find(handle);
    if (h == by_handle_.end()) {
        ++c_.stale_answers;
        return false;
    }
    uint64_t key = h->second;
    by_handle_.erase(h);
    auto e = entries_.find(key);
    if (e == entries_.end() || e->second.answered) {
        ++c_.stale_answers;
        return false;
    }
    send_answer(key, e->second, ack, cause, now);
    return true;
}

void DaeServer::send_answer(uint64_t key, Entry &e, bool ack, uint32_t cause, uint64_t now) {
    bool coa = e.code == Code::CoaRequest;
    Code code = coa ? (ack ? Code::CoaAck : Code::CoaNak)
                    : (ack ? Code::DisconnectAck : Code::DisconnectNak);
    std::array<uint8_t, kRadiusMaxLen> buf;
    PacketWriter w(buf, code, e.id);
    if (cause != 0) w.add_u32(attr::kErrorCause, cause);
    w.add_raw(e.proxy_state);
    size_t ma = e.had_ma ? w.add_message_authenticator() : 0;
    std::span<uint8_t> pkt = w.finish();
    if (pkt.empty()) {  // Proxy-State too long to echo: answer without it
        PacketWriter w2(buf, code, e.id);
        if (cause != 0) w2.add_u32(attr::kErrorCause, cause);
        ma = e.had_ma ? w2.add_message_authenticator() : 0;
        pkt = w2.finish();
    }
    const DaeClient &cl = cfg_.clients[size_t(e.client)];
    sign_response(pkt, ma, e.req_auth, as_bytes(cl.secret));
    e.answer.assign(pkt.begin(), pkt.end());
    e.answered = true;
    ++(ack ? c_.acks : c_.naks);
    arm(key, e, now + cfg_.duplicate_window_ns);
    auto ip = uint32_t(key >> 24);
    auto port = uint16_t(key >> 8);
    send_({ip, port, e.answer});
}

void DaeServer::arm(uint64_t key, Entry &e, uint64_t due) {
    e.expires = due;
    expiry_.push({due, key});
}

void DaeServer::on_timer(uint64_t now) {
    while (!expiry_.empty() && expiry_.top().first <= now) {
        auto [due, key] = expiry_.top();
        expiry_.pop();
        auto e = entries_.find(key);
        if (e == entries_.end() || e->second.expires != due) continue;  // re-armed or replaced
        if (!e->second.answered) {
            ++c_.unanswered;
            by_handle_.erase(e->second.handle);
        }
        entries_.erase(e);
    }
}

uint64_t DaeServer::next_deadline() const {
    return expiry_.empty() ? UINT64_MAX : expiry_.top().first;
}

}  // namespace lns::cp::aaa
