// libFuzzer target for the RADIUS decoder and the paths behind it
// (controlplane/aaa/radius_*.hpp).  The first input octet selects options, the
// rest is a datagram:
//   - always: decode_packet, walk the attributes (VSAs, IPv6 prefixes,
//     integers), both authenticator checks, User-Password un-hiding, and
//     parse_access_reply; a packet that decodes must re-encode (PacketWriter,
//     add_raw) to the same bytes inside an exact-size buffer.
//   - client: a RadiusClient with one Access-Request in flight (socket 0, id 0,
//     a known authenticator from a constant generator) receives the datagram;
//     with bit 0 set it is first re-signed as a valid reply to that request
//     (Response Authenticator and Message-Authenticator), so the reply parser
//     runs on every mutation rather than stopping at the authenticator.
//   - DAE: a DaeServer receives it, re-signed as a valid Disconnect/CoA request
//     when bit 1 is set, answers what reaches the owner (ACK, or NAK when bit 2
//     is set) and gets it again (duplicate path).
// Checks: at most one result per request (the second delivery is a duplicate),
// answers decode, nothing stays pending, the writer never exceeds its buffer
// (ASan), decode never reads past the span.
//
// Run:   ./fuzz_radius tests/fuzz/corpus/radius
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "controlplane/aaa/radius_attrs.hpp"
#include "controlplane/aaa/radius_client.hpp"
#include "controlplane/aaa/radius_codec.hpp"
#include "controlplane/aaa/radius_dae.hpp"

using namespace lns::cp::aaa;

namespace {

constexpr char kSecret[] = "fuzz-secret";
constexpr uint32_t kServer = 0x0a000001;
constexpr uint64_t kRandom = 0x0123456789abcdefull;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

ByteSpan secret() { return as_bytes(kSecret); }

void walk(const PacketView &p) {
    AttrIter it(p.attributes);
    Attribute a;
    size_t total = 0;
    while (it.next(&a)) {
        total += 2 + a.value.size();
        uint32_t vendor, v;
        uint8_t vt;
        ByteSpan d;
        Ipv6Prefix pfx;
        if (a.type == attr::kVendorSpecific && parse_vsa(a.value, &vendor, &vt, &d))
            check(d.size() + 6 <= a.value.size());
        attr_u32(a.value, &v);
        if (attr_ipv6_prefix(a.value, &pfx)) check(pfx.len <= 128);
        if (a.type == attr::kUserPassword) {
            std::array<uint8_t, kMaxPasswordLen> pw;
            size_t n = 0;
            Bytes16 ra{};
            if (unhide_user_password(a.value, secret(), ra, pw, &n)) check(n <= a.value.size());
        }
    }
    check(total == p.attributes.size());
    AccessReply r;
    parse_access_reply(p, &r);
    Bytes16 ra{};
    verify_response(p, ra, secret(), false);
    verify_request(p, secret(), true);
}

// Re-encodes the attributes into an exact-size buffer: same bytes.
void reencode(const PacketView &p) {
    std::vector<uint8_t> buf(p.length);
    PacketWriter w(buf, p.code, p.id);
    AttrIter it(p.attributes);
    Attribute a;
    while (it.next(&a)) w.add(a.type, a.value);
    std::span<uint8_t> out = w.finish();
    check(out.size() == p.length);
    check(std::memcmp(out.data() + 20, p.bytes.data() + 20, p.length - 20) == 0);
}

void resign_as_reply(std::vector<uint8_t> &pkt, const Bytes16 &ra) {
    PacketView p;
    if (decode_packet(pkt, &p) != RadiusError::ok) return;
    pkt[1] = 0;  // the id of the request in flight
    std::span<uint8_t> s(pkt.data(), p.length);
    bool bad = false;
    size_t ma = find_message_authenticator(s, &bad);
    sign_response(s, ma, ra, secret());
}

void fuzz_client(const std::vector<uint8_t> &pkt, bool resign) {
    RadiusClientConfig cfg;
    RadiusServer srv;
    srv.ip = kServer;
    srv.secret = kSecret;
    cfg.servers = {srv};
    cfg.max_queue = 1;
    Bytes16 ra{};
    int results = 0;
    RadiusClient c(
        cfg, [] { return kRandom; },
        [&](const RadiusDatagram &d) { std::memcpy(ra.data(), d.bytes.data() + 4, 16); },
        [&](const RadiusResult &r) {
            ++results;
            check(r.status != RadiusStatus::timeout);
        });
    AccessRequest req;
    req.user_name = "u";
    req.password = "p";
    c.submit_access(req, 1, 0);
    std::vector<uint8_t> in = pkt;
    if (resign) resign_as_reply(in, ra);
    c.on_datagram(0, kServer, 1812, in, 1);
    c.on_datagram(0, kServer, 1812, in, 2);
    check(results <= 1);
}

void fuzz_dae(const std::vector<uint8_t> &pkt, bool resign, bool nak) {
    DaeConfig cfg;
    cfg.clients = {{0x7f000001, kSecret, false}};
    cfg.nas_ip = 0xc0000201;
    std::vector<uint8_t> in = pkt;
    PacketView p;
    if (resign && decode_packet(in, &p) == RadiusError::ok) {
        std::span<uint8_t> s(in.data(), p.length);
        bool bad = false;
        sign_request(s, find_message_authenticator(s, &bad), secret());
    }
    DaeServer *self = nullptr;
    size_t answers = 0;
    DaeServer dae(
        cfg, [&](const DaeDatagram &d) {
            ++answers;
            PacketView a;
            check(decode_packet(d.bytes, &a) == RadiusError::ok);
        },
        [&](const DaeRequest &r) { self->answer(r.handle, !nak, nak ? 503 : 0, 0); });
    self = &dae;
    dae.on_datagram(0x7f000001, 3799, in, 0);
    dae.on_datagram(0x7f000001, 3799, in, 1);
    check(answers <= 2);
    dae.on_timer(UINT64_MAX - 1);
    check(dae.pending() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0];
    std::vector<uint8_t> pkt(data + 1, data + size);
    PacketView p;
    if (decode_packet(pkt, &p) == RadiusError::ok) {
        check(p.length <= pkt.size() && p.attributes.size() + 20 == p.length);
        walk(p);
        reencode(p);
    }
    fuzz_client(pkt, mode & 1);
    fuzz_dae(pkt, mode & 2, mode & 4);
    return 0;
}
