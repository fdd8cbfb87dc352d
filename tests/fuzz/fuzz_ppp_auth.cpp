// libFuzzer target for the PPP authentication decoders and engines
// (controlplane/ppp/pap.hpp, chap.hpp, chap_packet.hpp, mschap.hpp, auth.hpp)
// and the Router Solicitation decoder (nd_ra.hpp).
//
// The whole input is first decoded by every decoder (as a PAP / CHAP packet, as
// MS-CHAPv2 Response value and Success/Failure text, as an IPv6 RS); what decodes
// is re-encoded and must decode to the same.  Then the input is cut into packets
// (a length octet, then that many octets; a length octet of 0 advances the fake
// clock by the next octet, in seconds, and runs the timers) and fed to all six
// engines (PAP and CHAP-MD5 / MS-CHAPv2, both roles), already started.  The
// authenticators' owner answers verify events at once, accepting or refusing by
// the first input octet.  Checks: nothing crashes or reads out of bounds (ASan),
// every packet an engine sends is a well-formed control packet, deadlines
// never lie in the past after on_timer, and no engine goes back to `initial`.
//
// Build: CC=clang CXX=clang++ cmake -S . -B build-fuzz -DLNS_FUZZ=ON && cmake --build build-fuzz --target fuzz_ppp_auth
// Run:   ./fuzz_ppp_auth tests/fuzz/corpus/ppp_auth
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/chap.hpp"
#include "controlplane/ppp/chap_md5.hpp"
#include "controlplane/ppp/mschap.hpp"
#include "controlplane/ppp/nd_ra.hpp"
#include "controlplane/ppp/pap.hpp"

using namespace lns::cp::ppp;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

bool inside(std::string_view part, std::span<const uint8_t> whole) {
    return inside(auth_bytes(part), whole);
}

void fuzz_pap_decoders(const ControlPacket &p, std::span<const uint8_t> in) {
    PapRequest r;
    if (parse_pap_request(p, &r) == AuthError::ok) {
        check(inside(r.user, in) && inside(r.password, in));
        PacketWriter w(0, 0);
        auto b = build_pap_request(w, p.id, r.user, r.password);
        ControlPacket q;
        PapRequest again;
        check(parse_control_packet(b, &q) == PppError::ok);
        check(parse_pap_request(q, &again) == AuthError::ok);
        check(again.user == r.user && again.password == r.password);
    }
    std::string_view msg;
    if (parse_pap_reply(p, &msg) == AuthError::ok) check(inside(msg, in));
}

void fuzz_chap_decoders(const ControlPacket &p, std::span<const uint8_t> in) {
    ChapValue v;
    if (parse_chap_value(p, &v) == AuthError::ok) {
        check(inside(v.value, in) && inside(v.name, in));
        check(!v.value.empty() && v.name.size() <= kMaxAuthName);
        PacketWriter w(0, 0);
        auto b = build_chap_value(w, ChapCode(p.code), p.id, v.value, v.name);
        ControlPacket q;
        ChapValue again;
        check(parse_control_packet(b, &q) == PppError::ok);
        check(parse_chap_value(q, &again) == AuthError::ok);
        check(again.name == v.name && again.value.size() == v.value.size());
        MsChapV2Value mv;
        if (parse_mschapv2_value(v.value, &mv) == AuthError::ok)
            check(mv.peer_challenge.size() == 16 && mv.nt_response.size() == 24);
    }
    std::string_view msg;
    if (parse_chap_status(p, &msg) == AuthError::ok) check(inside(msg, in));
}

void fuzz_text(std::string_view text, std::span<const uint8_t> in) {
    MsChapV2Success s;
    if (parse_mschapv2_success(text, &s)) {
        check(is_authenticator_response(s.authenticator_response));
        check(inside(s.message, in));
    }
    MsChapV2Failure f;
    parse_mschapv2_failure(text, &f);
    check(inside(f.message, in) && inside(f.challenge, in));
}

void fuzz_decoders(std::span<const uint8_t> in) {
    ControlPacket p;
    if (parse_control_packet(in, &p) == PppError::ok) {
        check(p.whole.size() >= kHeaderLen && p.whole.size() <= in.size());
        fuzz_pap_decoders(p, in);
        fuzz_chap_decoders(p, in);
    }
    fuzz_text(auth_text(in), in);
    RouterSolicitation rs;
    if (parse_router_solicitation(in, &rs) == NdError::ok) {
        const Ip6Addr dst = ra_destination(rs);
        check(dst[0] == 0xfe || dst[0] == 0xff);
    }
}

// Owner of all engines: records nothing, checks every packet sent, answers
// verify events at once.
struct Owner final : Output, AuthListener {
    bool accept = true;
    PapAuthenticator *pap = nullptr;
    ChapAuthenticator *md5 = nullptr;
    ChapAuthenticator *ms = nullptr;
    uint64_t now = 0;

    void send(uint16_t protocol, std::span<const uint8_t> packet) override {
        check(protocol == kProtoPap || protocol == kProtoChap);
        ControlPacket p;
        check(parse_control_packet(packet, &p) == PppError::ok);
        check(p.whole.size() == packet.size());
    }
    void on_auth_event(const AuthEvent &e) override {
        if (e.kind != AuthEventKind::verify) return;
        const VerifyRequest &v = *e.verify;
        check(v.user.size() <= kMaxAuthName);
        if (v.protocol == AuthProtocol::pap) {
            pap->verdict(verdict(v.ticket, accept && v.password == "secret"), now);
        } else if (v.protocol == AuthProtocol::chap_md5) {
            md5->verdict(verdict(v.ticket, accept || chap_md5_verify(v, "secret")), now);
        } else {
            check(v.challenge.size() == 16 && v.peer_challenge.size() == 16 && v.nt_response.size() == 24);
            AuthenticatorResponse ar{};
            const bool ok = mschapv2_verify(v, "secret", &ar) || accept;
            AuthVerdict vd = verdict(v.ticket, ok);
            vd.authenticator_response = ok ? to_view(ar) : std::string_view{};
            ms->verdict(vd, now);
        }
    }
    static AuthVerdict verdict(uint32_t ticket, bool ok) {
        AuthVerdict v;
        v.ticket = ticket;
        v.accept = ok;
        return v;
    }
};

struct Counter final : AuthRandom {
    uint64_t v = 0x9e3779b97f4a7c15ull;
    uint64_t next() override { return v = v * 6364136223846793005ull + 1442695040888963407ull; }
};

template <class E>
void after_timer(E &e, uint64_t now) {
    e.on_timer(now);
    check(e.next_deadline() > now);
    check(e.state() != AuthState::initial);
}

void fuzz_engines(std::span<const uint8_t> in) {
    AuthConfig cfg;
    cfg.rechallenge_ns = (in[0] & 2) ? 10 * kSec : 0;
    cfg.max_transmits = 1 + (in[0] >> 4);
    Counter rng;
    AuthCounters c;
    Owner o;
    o.accept = in[0] & 1;
    const AuthContext ctx{&cfg, &rng, &c, &o, &o};
    PapAuthenticator pap(ctx);
    PapPeer pap_peer(ctx);
    ChapAuthenticator md5(ctx, AuthProtocol::chap_md5), ms(ctx, AuthProtocol::mschap_v2);
    ChapPeer md5_peer(ctx, AuthProtocol::chap_md5), ms_peer(ctx, AuthProtocol::mschap_v2);
    o.pap = &pap;
    o.md5 = &md5;
    o.ms = &ms;
    pap.start(0);
    pap_peer.start("user", "secret", 0);
    md5.start(0);
    ms.start(0);
    md5_peer.start("user", "secret", 0);
    ms_peer.start("DOMAIN\\user", "secret", 0);
    uint64_t now = 0;
    for (size_t i = 1; i < in.size();) {
        const size_t n = in[i++];
        if (n == 0) {  // advance time, run timers
            now += (i < in.size() ? in[i++] : 1) * kSec;
            o.now = now;
            after_timer(pap, now), after_timer(pap_peer, now), after_timer(md5, now);
            after_timer(ms, now), after_timer(md5_peer, now), after_timer(ms_peer, now);
            continue;
        }
        const std::span<const uint8_t> pkt = in.subspan(i, std::min(n, in.size() - i));
        i += pkt.size();
        pap.on_packet(pkt, now), pap_peer.on_packet(pkt, now);
        md5.on_packet(pkt, now), ms.on_packet(pkt, now);
        md5_peer.on_packet(pkt, now), ms_peer.on_packet(pkt, now);
    }
    check(c.packets_in >= c.truncated + c.bad_length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::span<const uint8_t> in(data, size);
    fuzz_decoders(in);
    if (size > 0) fuzz_engines(in);
    return 0;
}
