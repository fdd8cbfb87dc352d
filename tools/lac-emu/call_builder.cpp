// CallBuilder: per-call AVP values of the emulated LAC.
#include "tools/lac-emu/call_builder.hpp"

#include <charconv>
#include <cstring>

#include "controlplane/l2tp/avp.hpp"

namespace lns::lacemu {

namespace {

// PPP LCP option types (RFC 1661 §6) and authentication protocols.
constexpr uint8_t kLcpMru = 1;
constexpr uint8_t kLcpAuth = 3;
constexpr uint8_t kLcpMagic = 5;
constexpr uint16_t kProtoChap = 0xc223;
constexpr uint16_t kProtoPap = 0xc023;
constexpr uint8_t kChapMd5 = 5;

// Proxy Authen Type values (RFC 2661 §4.4.5).
constexpr uint16_t kAuthenChap = 2;
constexpr uint16_t kAuthenPap = 3;

void put_mru(std::vector<uint8_t> &v, uint16_t mru) {
    v.insert(v.end(), {kLcpMru, 4, uint8_t(mru >> 8), uint8_t(mru)});
}

void put_magic(std::vector<uint8_t> &v, uint32_t magic) {
    v.insert(v.end(), {kLcpMagic, 6, uint8_t(magic >> 24), uint8_t(magic >> 16),
                       uint8_t(magic >> 8), uint8_t(magic)});
}

uint32_t nonzero32(cp::l2tp::Random &rng) {
    for (;;) {
        const uint32_t v = uint32_t(rng.next());
        if (v != 0) return v;
    }
}

}  // namespace

bool Pattern::parse(const std::string &text, std::string *error) {
    parts_.clear();
    std::string lit;
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] != '{') {
            lit += text[i];
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '{') {
            lit += '{';
            i++;
            continue;
        }
        if (i + 2 < text.size() && text[i + 2] == '}' &&
            (text[i + 1] == 'n' || text[i + 1] == 't' || text[i + 1] == 's')) {
            if (!lit.empty()) parts_.push_back({0, std::move(lit)});
            lit.clear();
            parts_.push_back({text[i + 1], {}});
            i += 2;
            continue;
        }
        *error = "bad placeholder at offset " + std::to_string(i) + " in \"" + text +
                 "\" (use {n}, {t}, {s} or {{)";
        return false;
    }
    if (!lit.empty()) parts_.push_back({0, std::move(lit)});
    return true;
}

void Pattern::expand(uint32_t n, uint32_t t, uint32_t s, std::string &out) const {
    out.clear();
    for (const Part &p : parts_) {
        if (p.field == 0) {
            out += p.text;
            continue;
        }
        const uint32_t v = p.field == 'n' ? n : p.field == 't' ? t : s;
        char buf[12];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
    }
}

const cp::l2tp::CallInfo &CallBuilder::build(uint32_t n, uint32_t t, uint32_t s) {
    cp::l2tp::CallInfo &c = call_;
    c.bearer_type = cfg_.bearer_type;
    c.framing_type = cfg_.framing_type;
    c.tx_connect_speed = cfg_.tx_connect_speed;
    c.sequencing_required = cfg_.sequencing;
    cfg_.calling_number.expand(n, t, s, c.calling_number);
    cfg_.called_number.expand(n, t, s, c.called_number);
    if (cfg_.proxy_lcp) build_proxy_lcp();
    if (cfg_.proxy_auth != ProxyAuth::none) build_proxy_auth(n, t, s);
    return c;
}

// The LCP negotiation a LAC would have done with the client before the call:
// the client asked for MRU + magic, the LAC asked for MRU + authentication +
// magic, and the client's request was acknowledged as received.
void CallBuilder::build_proxy_lcp() {
    cp::l2tp::CallInfo &c = call_;
    c.initial_received_lcp_confreq.clear();
    put_mru(c.initial_received_lcp_confreq, cfg_.mru);
    put_magic(c.initial_received_lcp_confreq, nonzero32(rng_));
    c.last_received_lcp_confreq = c.initial_received_lcp_confreq;
    auto &sent = c.last_sent_lcp_confreq;
    sent.clear();
    put_mru(sent, cfg_.mru);
    if (cfg_.proxy_auth == ProxyAuth::pap) {
        sent.insert(sent.end(), {kLcpAuth, 4, uint8_t(kProtoPap >> 8), uint8_t(kProtoPap)});
    } else if (cfg_.proxy_auth == ProxyAuth::chap) {
        sent.insert(sent.end(),
                    {kLcpAuth, 5, uint8_t(kProtoChap >> 8), uint8_t(kProtoChap), kChapMd5});
    }
    put_magic(sent, nonzero32(rng_));
}

// CHAP-MD5 (RFC 1994): response = MD5(id || password || challenge).  PAP: the
// response is the password (RFC 2661 §4.4.5).
void CallBuilder::build_proxy_auth(uint32_t n, uint32_t t, uint32_t s) {
    cp::l2tp::CallInfo &c = call_;
    c.has_proxy_auth = true;
    cfg_.user.expand(n, t, s, c.proxy_authen_name);
    const auto *pw = reinterpret_cast<const uint8_t *>(cfg_.password.data());
    if (cfg_.proxy_auth == ProxyAuth::pap) {
        c.proxy_authen_type = kAuthenPap;
        c.proxy_authen_id = uint8_t(rng_.next());
        c.proxy_authen_challenge.clear();
        c.proxy_authen_response.assign(pw, pw + cfg_.password.size());
        return;
    }
    c.proxy_authen_type = kAuthenChap;
    c.proxy_authen_id = uint8_t(rng_.next());
    c.proxy_authen_challenge.resize(16);
    for (size_t i = 0; i < 16; i += 8) {
        const uint64_t r = rng_.next();
        std::memcpy(c.proxy_authen_challenge.data() + i, &r, 8);
    }
    const uint8_t id = c.proxy_authen_id;
    const auto digest = cp::l2tp::md5(
        {{&id, 1}, {pw, cfg_.password.size()}, {c.proxy_authen_challenge.data(), 16}});
    c.proxy_authen_response.assign(digest.begin(), digest.end());
}

}  // namespace lns::lacemu
