// DaeServer (RFC 5176) with a fake clock: requests built and signed with the codec
// (sign_request, checked against Python-derived bytes in radius_codec_test),
// answers verified as a DAE client would (Response Authenticator over the
// request's authenticator, Error-Cause, Proxy-State echo).
#include "controlplane/aaa/radius_dae.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace lns::cp::aaa {
namespace {

constexpr uint64_t kSec = 1000000000ull;
constexpr uint32_t kClient = 0x7f000001, kOther = 0x7f000002;
const std::string kSecret = "dae-secret";

using Bytes = std::vector<uint8_t>;

Bytes make_req(Code code, uint8_t id, const std::function<void(PacketWriter &)> &attrs,
               const std::string &secret = kSecret, bool ma = false) {
    std::array<uint8_t, 4096> buf;
    PacketWriter w(buf, code, id);
    attrs(w);
    size_t off = ma ? w.add_message_authenticator() : 0;
    std::span<uint8_t> p = w.finish();
    sign_request(p, off, as_bytes(secret));
    return Bytes(p.begin(), p.end());
}

struct Answer {
    uint32_t ip;
    uint16_t port;
    Bytes bytes;
};

struct DaeHarness {
    std::vector<Answer> out;
    std::vector<DaeRequest> reqs;
    uint64_t now = 5 * kSec;
    bool auto_answer = false;
    bool ack = true;
    uint32_t cause = 0;
    DaeServer dae;

    static DaeConfig make_cfg() {
        DaeConfig c;
        c.clients = {{kClient, kSecret, false}};
        c.nas_ip = 0xc0000201;
        return c;
    }
    explicit DaeHarness(DaeConfig cfg = make_cfg())
        : dae(
              std::move(cfg),
              [this](const DaeDatagram &d) {
                  out.push_back({d.ip, d.port, Bytes(d.bytes.begin(), d.bytes.end())});
              },
              [this](const DaeRequest &r) {
                  reqs.push_back(r);
                  if (auto_answer) dae.answer(r.handle, ack, cause, now);
              }) {}

    void in(const Bytes &b, uint32_t ip = kClient, uint16_t port = 40000) {
        dae.on_datagram(ip, port, b, now);
    }
};

// Checks an answer as the DAE client: code, Response Authenticator; returns the
// Error-Cause (0 if none).
uint32_t check_answer(const Answer &a, const Bytes &req, Code want) {
    PacketView p;
    EXPECT_EQ(decode_packet(a.bytes, &p), RadiusError::ok);
    EXPECT_EQ(p.code, want);
    EXPECT_EQ(p.id, req[1]);
    Bytes16 ra;
    std::copy(req.begin() + 4, req.begin() + 20, ra.begin());
    EXPECT_EQ(verify_response(p, ra, as_bytes(kSecret), false), RadiusError::ok);
    Attribute at;
    uint32_t cause = 0;
    if (find_attr(p, attr::kErrorCause, &at)) attr_u32(at.value, &cause);
    return cause;
}

TEST(DaeServer, DisconnectByAcctSessionIdAcked) {
    DaeHarness h;
    Bytes req = make_req(Code::DisconnectRequest, 3, [](PacketWriter &w) {
        w.add_string(attr::kAcctSessionId, "sess-1");
        w.add_string(attr::kUserName, "alice");
        w.add_ipv4(attr::kFramedIpAddress, 0x64400001);
        w.add_ipv4(attr::kNasIpAddress, 0xc0000201);
    });
    h.in(req);
    ASSERT_EQ(h.reqs.size(), 1u);
    const DaeRequest &r = h.reqs[0];
    EXPECT_EQ(r.kind, DaeKind::disconnect);
    EXPECT_EQ(r.acct_session_id, "sess-1");
    EXPECT_EQ(r.user_name, "alice");
    EXPECT_TRUE(r.has_framed_ip);
    EXPECT_EQ(r.framed_ip, 0x64400001u);
    EXPECT_TRUE(h.out.empty());  // waits for the owner
    EXPECT_EQ(h.dae.pending(), 1u);
    ASSERT_TRUE(h.dae.answer(r.handle, true, 0, h.now));
    ASSERT_EQ(h.out.size(), 1u);
    EXPECT_EQ(h.out[0].ip, kClient);
    EXPECT_EQ(h.out[0].port, 40000);
    EXPECT_EQ(check_answer(h.out[0], req, Code::DisconnectAck), 0u);
    EXPECT_FALSE(h.dae.answer(r.handle, true, 0, h.now));  // once only
    EXPECT_EQ(h.dae.counters().stale_answers, 1u);
    EXPECT_EQ(h.dae.counters().acks, 1u);
}

TEST(DaeServer, UnknownSessionNak503WithProxyStateEchoed) {
    DaeHarness h;
    h.auto_answer = true;
    h.ack = false;
    h.cause = uint32_t(ErrorCause::SessionContextNotFound);
    Bytes req = make_req(Code::DisconnectRequest, 4, [](PacketWriter &w) {
        w.add_string(attr::kProxyState, "p1");
        w.add_string(attr::kAcctSessionId, "nope");
        w.add_string(attr::kProxyState, "p2");
    }, kSecret, true);
    h.in(req);
    ASSERT_EQ(h.out.size(), 1u);
    EXPECT_EQ(check_answer(h.out[0], req, Code::DisconnectNak), 503u);
    PacketView p;
    ASSERT_EQ(decode_packet(h.out[0].bytes, &p), RadiusError::ok);
    std::vector<std::string> ps;
    AttrIter it(p.attributes);
    Attribute a;
    while (it.next(&a))
        if (a.type == attr::kProxyState) ps.emplace_back(a.value.begin(), a.value.end());
    EXPECT_EQ(ps, (std::vector<std::string>{"p1", "p2"}));
    // The request had a Message-Authenticator: the answer has a valid one.
    Bytes16 ra;
    std::copy(req.begin() + 4, req.begin() + 20, ra.begin());
    EXPECT_EQ(verify_response(p, ra, as_bytes(kSecret), true), RadiusError::ok);
}

TEST(DaeServer, CoaChangesTimeouts) {
    DaeHarness h;
    h.auto_answer = true;
    Bytes req = make_req(Code::CoaRequest, 5, [](PacketWriter &w) {
        w.add_string(attr::kUserName, "bob");
        w.add_u32(attr::kSessionTimeout, 120);
        w.add_u32(attr::kIdleTimeout, 30);
        w.add_u32(attr::kAcctInterimInterval, 600);
    });
    h.in(req);
    ASSERT_EQ(h.reqs.size(), 1u);
    EXPECT_EQ(h.reqs[0].kind, DaeKind::coa);
    EXPECT_TRUE(h.reqs[0].has_session_timeout);
    EXPECT_EQ(h.reqs[0].session_timeout, 120u);
    EXPECT_EQ(h.reqs[0].idle_timeout, 30u);
    EXPECT_EQ(h.reqs[0].acct_interim_interval, 600u);
    ASSERT_EQ(h.out.size(), 1u);
    EXPECT_EQ(check_answer(h.out[0], req, Code::CoaAck), 0u);
    EXPECT_EQ(h.dae.counters().coa_requests, 1u);
}

TEST(DaeServer, AutomaticNaks) {
    DaeHarness h;
    struct Case {
        Code code;
        std::function<void(PacketWriter &)> attrs;
        uint32_t cause;
    };
    std::vector<Case> cases = {
        // Session-Timeout is a change: unsupported in a Disconnect-Request.
        {Code::DisconnectRequest, [](PacketWriter &w) { w.add_string(attr::kUserName, "a"); w.add_u32(attr::kSessionTimeout, 1); }, 401},
        {Code::CoaRequest, [](PacketWriter &w) { w.add_string(attr::kUserName, "a"); w.add_string(attr::kFilterId, "f"); }, 401},
        {Code::DisconnectRequest, [](PacketWriter &w) { w.add_ipv4(attr::kNasIpAddress, 0xc0000201); }, 402},
        {Code::DisconnectRequest, [](PacketWriter &w) { w.add_string(attr::kUserName, "a"); w.add_ipv4(attr::kNasIpAddress, 0x01020304); }, 403},
        {Code::CoaRequest, [](PacketWriter &w) { w.add_string(attr::kUserName, "a"); w.add_u32(attr::kServiceType, 17); }, 405},
        {Code::DisconnectRequest, [](PacketWriter &w) { w.add(attr::kFramedIpAddress, as_bytes("abc")); }, 407},
    };
    uint8_t id = 10;
    for (const Case &c : cases) {
        Bytes req = make_req(c.code, id++, c.attrs);
        size_t before = h.out.size();
        h.in(req);
        ASSERT_EQ(h.out.size(), before + 1) << "cause " << c.cause;
        Code nak = c.code == Code::CoaRequest ? Code::CoaNak : Code::DisconnectNak;
        EXPECT_EQ(check_answer(h.out.back(), req, nak), c.cause);
    }
    EXPECT_TRUE(h.reqs.empty());
    EXPECT_EQ(h.dae.counters().naks_auto, cases.size());
}

TEST(DaeServer, WrongSecretUnknownClientAndBadPacketsAreSilent) {
    DaeHarness h;
    h.auto_answer = true;
    auto attrs = [](PacketWriter &w) { w.add_string(attr::kAcctSessionId, "s"); };
    h.in(make_req(Code::DisconnectRequest, 1, attrs, "not-the-secret"));
    h.in(make_req(Code::DisconnectRequest, 2, attrs), kOther);
    h.in(make_req(Code::AccessRequest, 3, attrs));
    Bytes t = make_req(Code::CoaRequest, 4, attrs);
    t.pop_back();
    h.in(t);
    Bytes bad_ma = make_req(Code::CoaRequest, 5, attrs, kSecret, true);
    bad_ma[bad_ma.size() - 1] ^= 1;  // and re-sign the authenticator over it
    Bytes16 zero{};
    Bytes16 a = compute_authenticator(bad_ma, zero, as_bytes(kSecret));
    std::copy(a.begin(), a.end(), bad_ma.begin() + 4);
    h.in(bad_ma);
    EXPECT_TRUE(h.out.empty());
    EXPECT_TRUE(h.reqs.empty());
    const DaeCounters &c = h.dae.counters();
    EXPECT_EQ(c.bad[size_t(RadiusError::bad_authenticator)], 1u);
    EXPECT_EQ(c.unknown_client, 1u);
    EXPECT_EQ(c.bad[size_t(RadiusError::bad_code)], 1u);
    EXPECT_EQ(c.bad[size_t(RadiusError::truncated)], 1u);
    EXPECT_EQ(c.bad[size_t(RadiusError::bad_message_authenticator)], 1u);
}

TEST(DaeServer, RequiredMessageAuthenticatorPerClient) {
    DaeConfig cfg = DaeHarness::make_cfg();
    cfg.clients[0].require_message_authenticator = true;
    DaeHarness h(cfg);
    h.auto_answer = true;
    auto attrs = [](PacketWriter &w) { w.add_string(attr::kAcctSessionId, "s"); };
    h.in(make_req(Code::DisconnectRequest, 1, attrs));
    EXPECT_EQ(h.dae.counters().bad[size_t(RadiusError::missing_message_authenticator)], 1u);
    h.in(make_req(Code::DisconnectRequest, 2, attrs, kSecret, true));
    EXPECT_EQ(h.out.size(), 1u);
}

TEST(DaeServer, DuplicatesResendTheAnswerWithinTheWindow) {
    DaeHarness h;
    Bytes req = make_req(Code::DisconnectRequest, 9,
                         [](PacketWriter &w) { w.add_string(attr::kAcctSessionId, "s"); });
    h.in(req);
    ASSERT_EQ(h.reqs.size(), 1u);
    h.in(req);  // while the owner has not answered: nothing
    EXPECT_TRUE(h.out.empty());
    EXPECT_EQ(h.dae.counters().duplicates, 1u);
    h.dae.answer(h.reqs[0].handle, true, 0, h.now);
    ASSERT_EQ(h.out.size(), 1u);
    h.now += 2 * kSec;
    h.dae.on_timer(h.now);
    h.in(req);  // answered: the same answer again, owner not asked
    ASSERT_EQ(h.out.size(), 2u);
    EXPECT_EQ(h.out[1].bytes, h.out[0].bytes);
    EXPECT_EQ(h.reqs.size(), 1u);
    EXPECT_EQ(h.dae.counters().duplicate_answers, 1u);
    // Another source port is another request.
    h.in(req, kClient, 40001);
    EXPECT_EQ(h.reqs.size(), 2u);
    // After the window the entry is gone: a new request for the owner.
    EXPECT_EQ(h.dae.next_deadline(), 5 * kSec + 5 * kSec);
    h.now = 10 * kSec;
    h.dae.on_timer(h.now);
    h.in(req);
    EXPECT_EQ(h.reqs.size(), 3u);
    // Same id, new authenticator: a new request too.
    Bytes req2 = make_req(Code::DisconnectRequest, 9,
                          [](PacketWriter &w) { w.add_string(attr::kAcctSessionId, "t"); });
    h.dae.answer(h.reqs[2].handle, true, 0, h.now);
    h.in(req2);
    EXPECT_EQ(h.reqs.size(), 4u);
    EXPECT_EQ(h.reqs[3].acct_session_id, "t");
}

TEST(DaeServer, UnansweredRequestsExpire) {
    DaeHarness h;
    h.in(make_req(Code::DisconnectRequest, 1,
                  [](PacketWriter &w) { w.add_string(attr::kAcctSessionId, "s"); }));
    ASSERT_EQ(h.reqs.size(), 1u);
    h.now += 30 * kSec;
    h.dae.on_timer(h.now);
    EXPECT_EQ(h.dae.counters().unanswered, 1u);
    EXPECT_EQ(h.dae.pending(), 0u);
    EXPECT_FALSE(h.dae.answer(h.reqs[0].handle, true, 0, h.now));
    EXPECT_TRUE(h.out.empty());
    EXPECT_EQ(h.dae.next_deadline(), UINT64_MAX);
}

}  // namespace
}  // namespace lns::cp::aaa
