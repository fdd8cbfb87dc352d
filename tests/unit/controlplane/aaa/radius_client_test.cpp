// RadiusClient with a fake clock and fake servers (no sockets): requests are
// decoded and checked as a server would (User-Password, Message-Authenticator,
// accounting authenticator), replies are built and signed here with the codec's
// server-side functions (whose bytes radius_codec_test checks against RFC and
// Python-derived values).
#include "controlplane/aaa/radius_client.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace lns::cp::aaa {
namespace {

constexpr uint64_t kSec = 1000000000ull;
constexpr uint32_t kS0 = 0x0a000001, kS1 = 0x0a000002;

using Bytes = std::vector<uint8_t>;

struct Sent {
    uint16_t socket;
    uint32_t ip;
    uint16_t port;
    Bytes bytes;
    uint8_t id() const { return bytes[1]; }
    Bytes16 auth() const {
        Bytes16 a;
        std::copy(bytes.begin() + 4, bytes.begin() + 20, a.begin());
        return a;
    }
};

struct Harness {
    std::vector<Sent> sent;
    std::vector<RadiusResult> results;
    std::vector<AccessReply> replies;
    uint64_t rnd = 0x1234;
    uint64_t now = 1000 * kSec;
    RadiusClient client;

    static RadiusClientConfig make_cfg(unsigned sockets = 1, uint32_t max_queue = 16) {
        RadiusClientConfig c;
        RadiusServer a;
        a.ip = kS0;
        a.secret = "secret0";
        RadiusServer b = a;
        b.ip = kS1;
        b.secret = "secret1";
        c.servers = {a, b};
        c.nas = {0xc0000201, "lns-test"};
        c.sockets = sockets;
        c.max_queue = max_queue;
        return c;
    }

    explicit Harness(RadiusClientConfig cfg = make_cfg())
        : client(
              std::move(cfg), [this] { return rnd = rnd * 6364136223846793005ull + 1442695040888963407ull; },
              [this](const RadiusDatagram &d) {
                  sent.push_back({d.socket, d.ip, d.port, Bytes(d.bytes.begin(), d.bytes.end())});
              },
              [this](const RadiusResult &r) {
                  results.push_back(r);
                  replies.push_back(r.reply ? *r.reply : AccessReply{});
              }) {}

    Submitted pap(uint64_t tag, std::string_view user = "alice", std::string_view pw = "pw") {
        AccessRequest r;
        r.user_name = user;
        r.password = pw;
        return client.submit_access(r, tag, now);
    }
    void advance(uint64_t ns) {
        now += ns;
        client.on_timer(now);
    }
    // A reply to `req`, signed with `secret` (Message-Authenticator when `ma`).
    Bytes reply(const Sent &req, Code code, const std::string &secret, bool ma = true,
                const std::function<void(PacketWriter &)> &attrs = {}) {
        std::array<uint8_t, 4096> buf;
        PacketWriter w(buf, code, req.id());
        if (attrs) attrs(w);
        size_t off = ma ? w.add_message_authenticator() : 0;
        std::span<uint8_t> p = w.finish();
        sign_response(p, off, req.auth(), as_bytes(secret));
        return Bytes(p.begin(), p.end());
    }
    void deliver(const Sent &req, const Bytes &b, uint32_t from = 0, uint16_t port = 0) {
        client.on_datagram(req.socket, from ? from : req.ip, port ? port : req.port, b, now);
    }
};

std::string password_of(const Sent &s, const std::string &secret) {
    PacketView p;
    EXPECT_EQ(decode_packet(s.bytes, &p), RadiusError::ok);
    Attribute a;
    if (!find_attr(p, attr::kUserPassword, &a)) return "<none>";
    std::array<uint8_t, kMaxPasswordLen> pw;
    size_t n = 0;
    EXPECT_TRUE(unhide_user_password(a.value, as_bytes(secret), s.auth(), pw, &n));
    return std::string(pw.begin(), pw.begin() + n);
}

bool ma_valid(const Sent &s, const std::string &secret) {
    bool bad = false;
    size_t off = find_message_authenticator(s.bytes, &bad);
    if (off == 0 || bad) return false;
    Bytes16 want = compute_message_authenticator(s.bytes, s.auth(), off, as_bytes(secret));
    return std::equal(want.begin(), want.end(), s.bytes.begin() + off);
}

uint32_t u32_attr(const Sent &s, uint8_t type) {
    PacketView p;
    EXPECT_EQ(decode_packet(s.bytes, &p), RadiusError::ok);
    Attribute a;
    uint32_t v = UINT32_MAX;
    if (find_attr(p, type, &a)) attr_u32(a.value, &v);
    return v;
}

TEST(RadiusClient, PapAcceptWithAttributes) {
    Harness h;
    Submitted s = h.pap(42, "alice", "open sesame");
    ASSERT_EQ(s.status, RadiusStatus::pending);
    ASSERT_EQ(h.sent.size(), 1u);
    const Sent &req = h.sent[0];
    EXPECT_EQ(req.ip, kS0);
    EXPECT_EQ(req.port, 1812);
    EXPECT_EQ(req.bytes[0], uint8_t(Code::AccessRequest));
    EXPECT_EQ(password_of(req, "secret0"), "open sesame");
    EXPECT_TRUE(ma_valid(req, "secret0"));
    EXPECT_EQ(u32_attr(req, attr::kNasIpAddress), 0xc0000201u);
    EXPECT_EQ(h.client.in_flight(), 1u);

    Bytes rep = h.reply(req, Code::AccessAccept, "secret0", true, [](PacketWriter &w) {
        w.add_ipv4(attr::kFramedIpAddress, 0x64400001);
        w.add_string(attr::kFramedPool, "pool-a");
        Ipv6Prefix p{{0x20, 0x01, 0x0d, 0xb8, 0, 1}, 64};
        w.add_ipv6_prefix(attr::kFramedIpv6Prefix, p);
        Ipv6Prefix d{{0x20, 0x01, 0x0d, 0xb8, 0x10}, 56};
        w.add_ipv6_prefix(attr::kDelegatedIpv6Prefix, d);
        w.add_u32(attr::kSessionTimeout, 3600);
        w.add_u32(attr::kIdleTimeout, 600);
        w.add_u32(attr::kAcctInterimInterval, 300);
        w.add_string(attr::kClass, "c1");
        w.add_string(attr::kClass, "c2");
        w.add_string(attr::kReplyMessage, "hello ");
        w.add_string(attr::kReplyMessage, "there");
    });
    h.deliver(req, rep);
    ASSERT_EQ(h.results.size(), 1u);
    const RadiusResult &r = h.results[0];
    EXPECT_EQ(r.status, RadiusStatus::accept);
    EXPECT_EQ(r.tag, 42u);
    EXPECT_EQ(r.server, 0);
    EXPECT_EQ(r.transmissions, 1u);
    const AccessReply &a = h.replies[0];
    EXPECT_TRUE(a.has_framed_ip);
    EXPECT_EQ(a.framed_ip, 0x64400001u);
    EXPECT_EQ(a.framed_pool, "pool-a");
    EXPECT_TRUE(a.has_framed_ipv6_prefix);
    EXPECT_EQ(a.framed_ipv6_prefix.len, 64);
    EXPECT_EQ(a.framed_ipv6_prefix.addr[5], 1);
    EXPECT_TRUE(a.has_delegated_ipv6_prefix);
    EXPECT_EQ(a.delegated_ipv6_prefix.len, 56);
    EXPECT_EQ(a.session_timeout, 3600u);
    EXPECT_EQ(a.idle_timeout, 600u);
    EXPECT_EQ(a.acct_interim_interval, 300u);
    EXPECT_EQ(a.classes, (std::vector<std::string>{"c1", "c2"}));
    EXPECT_EQ(a.reply_message, "hello there");
    EXPECT_EQ(h.client.counters().accepts, 1u);
    EXPECT_EQ(h.client.in_flight(), 0u);
    EXPECT_EQ(h.client.next_deadline(), UINT64_MAX);
}

TEST(RadiusClient, RejectCarriesReplyMessage) {
    Harness h;
    h.pap(1);
    Bytes rep = h.reply(h.sent[0], Code::AccessReject, "secret0", false,
                        [](PacketWriter &w) { w.add_string(attr::kReplyMessage, "bad password"); });
    h.deliver(h.sent[0], rep);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].status, RadiusStatus::reject);
    EXPECT_EQ(h.replies[0].reply_message, "bad password");
    EXPECT_EQ(h.client.counters().rejects, 1u);
}

TEST(RadiusClient, RetransmitsSameBytesThenFailsOver) {
    Harness h;
    h.pap(7, "bob", "pw-bob");
    ASSERT_EQ(h.sent.size(), 1u);
    EXPECT_EQ(h.client.next_deadline(), h.now + 3 * kSec);
    h.advance(3 * kSec - 1);
    EXPECT_EQ(h.sent.size(), 1u);
    for (int i = 1; i <= 3; ++i) {  // retries 3: same id, same authenticator
        h.advance(i == 1 ? 1 : 3 * kSec);
        ASSERT_EQ(h.sent.size(), size_t(1 + i));
        EXPECT_EQ(h.sent[i].bytes, h.sent[0].bytes);
        EXPECT_EQ(h.sent[i].ip, kS0);
    }
    h.advance(3 * kSec);  // server 0 timed out: server 1, new id and authenticator
    ASSERT_EQ(h.sent.size(), 5u);
    const Sent &fo = h.sent[4];
    EXPECT_EQ(fo.ip, kS1);
    EXPECT_NE(fo.auth(), h.sent[0].auth());
    EXPECT_NE(fo.id(), h.sent[0].id());
    EXPECT_EQ(password_of(fo, "secret1"), "pw-bob");
    EXPECT_TRUE(ma_valid(fo, "secret1"));
    EXPECT_EQ(h.client.counters().failovers, 1u);
    EXPECT_EQ(h.client.counters().retransmits, 3u);
    // A late answer from server 0 to the old id is unknown now.
    h.deliver(h.sent[0], h.reply(h.sent[0], Code::AccessAccept, "secret0"));
    EXPECT_EQ(h.client.counters().unknown_id, 1u);
    EXPECT_TRUE(h.results.empty());
    h.deliver(fo, h.reply(fo, Code::AccessAccept, "secret1"));
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].server, 1);
    EXPECT_EQ(h.results[0].transmissions, 5u);
    EXPECT_EQ(h.results[0].elapsed_ns, 12 * kSec);
}

TEST(RadiusClient, TimeoutWhenEveryServerFails) {
    Harness h;
    h.pap(9);
    for (int i = 0; i < 8; ++i) h.advance(3 * kSec);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].status, RadiusStatus::timeout);
    EXPECT_EQ(h.results[0].transmissions, 8u);
    EXPECT_EQ(h.client.counters().requests_timed_out, 1u);
    EXPECT_EQ(h.client.counters().timeouts, 8u);
    EXPECT_EQ(h.client.in_flight(), 0u);
    EXPECT_EQ(h.client.next_deadline(), UINT64_MAX);
}

TEST(RadiusClient, DeadServerHolddownAndReturn) {
    RadiusClientConfig cfg = Harness::make_cfg();
    cfg.dead_after = 2;
    cfg.dead_holddown_ns = 60 * kSec;
    cfg.servers[0].retries = 0;
    cfg.servers[1].retries = 0;
    Harness h(cfg);
    h.pap(1);
    h.pap(2);
    h.advance(3 * kSec);  // both time out on server 0 -> dead; both fail over
    EXPECT_TRUE(h.client.server_state(0, Service::auth).dead);
    EXPECT_EQ(h.client.counters().servers_marked_dead, 1u);
    ASSERT_EQ(h.sent.size(), 4u);
    for (int i = 2; i < 4; ++i) {
        EXPECT_EQ(h.sent[size_t(i)].ip, kS1);
        h.deliver(h.sent[size_t(i)], h.reply(h.sent[size_t(i)], Code::AccessAccept, "secret1"));
    }
    h.pap(3);  // server 0 is skipped while dead
    EXPECT_EQ(h.sent.back().ip, kS1);
    h.deliver(h.sent.back(), h.reply(h.sent.back(), Code::AccessAccept, "secret1"));
    h.advance(60 * kSec);
    h.pap(4);  // holddown over: back to server 0
    EXPECT_EQ(h.sent.back().ip, kS0);
    EXPECT_FALSE(h.client.server_state(0, Service::auth).dead);
    EXPECT_EQ(h.client.counters().servers_revived, 1u);
    EXPECT_EQ(h.results.size(), 3u);
}

TEST(RadiusClient, AllServersDeadAreStillTried) {
    RadiusClientConfig cfg = Harness::make_cfg();
    cfg.dead_after = 1;
    cfg.servers[0].retries = cfg.servers[1].retries = 0;
    Harness h(cfg);
    h.pap(1);
    h.advance(3 * kSec);
    h.advance(3 * kSec);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].status, RadiusStatus::timeout);
    EXPECT_TRUE(h.client.server_state(1, Service::auth).dead);
    h.pap(2);  // both dead: the first is used anyway
    EXPECT_EQ(h.sent.back().ip, kS0);
    h.deliver(h.sent.back(), h.reply(h.sent.back(), Code::AccessAccept, "secret0"));
    EXPECT_FALSE(h.client.server_state(0, Service::auth).dead);  // answered: live again
}

TEST(RadiusClient, ManyInFlightUseEverySocketAndId) {
    Harness h(Harness::make_cfg(3, 4));
    for (uint64_t i = 0; i < 768; ++i) ASSERT_EQ(h.pap(i).status, RadiusStatus::pending);
    ASSERT_EQ(h.sent.size(), 768u);
    std::set<std::pair<uint16_t, uint8_t>> pairs;
    for (const Sent &s : h.sent) pairs.insert({s.socket, s.id()});
    EXPECT_EQ(pairs.size(), 768u);
    EXPECT_EQ(h.sent[0].socket, 0);
    EXPECT_EQ(h.sent[1].socket, 1);  // spread over sockets
    // Every pair busy: four wait, the fifth is refused at once.
    for (uint64_t i = 768; i < 772; ++i) EXPECT_EQ(h.pap(i).status, RadiusStatus::pending);
    EXPECT_EQ(h.client.queued(), 4u);
    EXPECT_EQ(h.pap(999).status, RadiusStatus::queue_full);
    EXPECT_EQ(h.client.counters().queue_full, 1u);
    EXPECT_EQ(h.sent.size(), 768u);
    // One answer frees a pair: the oldest waiting request goes out on it.
    h.deliver(h.sent[10], h.reply(h.sent[10], Code::AccessAccept, "secret0"));
    ASSERT_EQ(h.sent.size(), 769u);
    EXPECT_EQ(h.client.queued(), 3u);
    EXPECT_EQ(h.sent.back().socket, h.sent[10].socket);
    EXPECT_EQ(h.sent.back().id(), h.sent[10].id());
    EXPECT_EQ(password_of(h.sent.back(), "secret0"), "pw");
    // Answer everything: every request gets exactly one result.
    for (size_t i = 0; i < h.sent.size(); ++i) {
        if (i == 10) continue;
        h.deliver(h.sent[i], h.reply(h.sent[i], Code::AccessAccept, "secret0"));
    }
    while (h.client.in_flight() > 0) {
        size_t n = h.sent.size();
        for (size_t i = 769; i < n; ++i)
            h.deliver(h.sent[i], h.reply(h.sent[i], Code::AccessAccept, "secret0"));
        if (h.sent.size() == n) break;
    }
    EXPECT_EQ(h.results.size(), 772u);
    std::set<uint64_t> tags;
    for (const RadiusResult &r : h.results) tags.insert(r.tag);
    EXPECT_EQ(tags.size(), 772u);
    EXPECT_EQ(h.client.in_flight(), 0u);
    EXPECT_EQ(h.client.counters().queued, 4u);
}

TEST(RadiusClient, DuplicateAndLateRepliesGiveOneResult) {
    Harness h;
    h.pap(1);
    Sent req = h.sent[0];
    Bytes rep = h.reply(req, Code::AccessAccept, "secret0");
    h.deliver(req, rep);
    h.deliver(req, rep);  // duplicate
    EXPECT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.client.counters().unknown_id, 1u);
    // A reply after the request timed out everywhere.
    Harness h2;
    h2.pap(1);
    Sent first = h2.sent[0];
    for (int i = 0; i < 8; ++i) h2.advance(3 * kSec);  // times out everywhere
    ASSERT_EQ(h2.results.size(), 1u);
    h2.deliver(first, h2.reply(first, Code::AccessAccept, "secret0"));
    EXPECT_EQ(h2.client.counters().unknown_id, 1u);
    EXPECT_EQ(h2.results.size(), 1u);
}

TEST(RadiusClient, BadRepliesAreDroppedByReason) {
    Harness h;
    h.pap(1);
    const Sent req = h.sent[0];
    h.deliver(req, h.reply(req, Code::AccessAccept, "wrong-secret", false));
    h.deliver(req, h.reply(req, Code::AccountingResponse, "secret0"));
    h.deliver(req, h.reply(req, Code::AccessAccept, "secret0"), kS1);        // other address
    h.deliver(req, h.reply(req, Code::AccessAccept, "secret0"), kS0, 1645);  // other port
    Bytes bad_ma = h.reply(req, Code::AccessAccept, "secret0", true);
    bad_ma[bad_ma.size() - 1] ^= 1;  // MA is last: break it, fix the Response Authenticator
    Bytes16 a = compute_authenticator(bad_ma, req.auth(), as_bytes("secret0"));
    std::copy(a.begin(), a.end(), bad_ma.begin() + 4);
    h.deliver(req, bad_ma);
    Bytes trunc = h.reply(req, Code::AccessAccept, "secret0");
    trunc.resize(trunc.size() - 1);
    h.deliver(req, trunc);
    h.client.on_datagram(7, kS0, 1812, h.reply(req, Code::AccessAccept, "secret0"), h.now);
    const RadiusClientCounters &c = h.client.counters();
    EXPECT_EQ(c.bad_reply[size_t(RadiusError::bad_authenticator)], 1u);
    EXPECT_EQ(c.bad_reply[size_t(RadiusError::bad_code)], 1u);
    EXPECT_EQ(c.bad_reply[size_t(RadiusError::bad_message_authenticator)], 1u);
    EXPECT_EQ(c.bad_reply[size_t(RadiusError::truncated)], 1u);
    EXPECT_EQ(c.wrong_source, 2u);
    EXPECT_EQ(c.unknown_id, 1u);  // socket 7 does not exist
    EXPECT_TRUE(h.results.empty());
    h.deliver(req, h.reply(req, Code::AccessAccept, "secret0", false));  // no MA: fine by default
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].status, RadiusStatus::accept);
}

TEST(RadiusClient, RequiredMessageAuthenticator) {
    RadiusClientConfig cfg = Harness::make_cfg();
    cfg.require_message_authenticator = true;
    Harness h(cfg);
    h.pap(1);
    const Sent req = h.sent[0];
    h.deliver(req, h.reply(req, Code::AccessAccept, "secret0", false));
    EXPECT_EQ(h.client.counters().bad_reply[size_t(RadiusError::missing_message_authenticator)], 1u);
    EXPECT_TRUE(h.results.empty());
    h.deliver(req, h.reply(req, Code::AccessAccept, "secret0", true));
    EXPECT_EQ(h.results.size(), 1u);
}

TEST(RadiusClient, AccountingNewIdAndDelayOnEachRetransmission) {
    RadiusClientConfig cfg = Harness::make_cfg();
    cfg.servers[0].acct_retries = 1;
    cfg.servers[1].acct_retries = 0;
    cfg.acct_rounds = 2;
    Harness h(cfg);
    AccountingRequest r;
    r.status = AcctStatusType::InterimUpdate;
    r.session_id = "sess-1";
    r.counters.in_octets = 5000000000ull;
    ASSERT_EQ(h.client.submit_accounting(r, 77, h.now).status, RadiusStatus::pending);
    ASSERT_EQ(h.sent.size(), 1u);
    EXPECT_EQ(h.sent[0].port, 1813);
    EXPECT_EQ(u32_attr(h.sent[0], attr::kAcctDelayTime), 0u);
    EXPECT_EQ(u32_attr(h.sent[0], attr::kAcctInputGigawords), 1u);
    h.advance(3 * kSec);
    ASSERT_EQ(h.sent.size(), 2u);
    EXPECT_EQ(h.sent[1].ip, kS0);
    EXPECT_EQ(u32_attr(h.sent[1], attr::kAcctDelayTime), 3u);
    EXPECT_NE(h.sent[1].id(), h.sent[0].id());
    for (const Sent &s : h.sent) {
        PacketView p;
        ASSERT_EQ(decode_packet(s.bytes, &p), RadiusError::ok);
        EXPECT_EQ(verify_request(p, as_bytes("secret0"), false), RadiusError::ok);
    }
    h.advance(3 * kSec);  // server 1, then a second round over both
    h.advance(3 * kSec);
    ASSERT_EQ(h.sent.size(), 4u);
    EXPECT_EQ(h.sent[2].ip, kS1);
    EXPECT_EQ(h.sent[3].ip, kS0);
    EXPECT_EQ(u32_attr(h.sent[3], attr::kAcctDelayTime), 9u);
    const Sent last = h.sent[3];
    // The old transmission's answer is not accepted for the new one.
    h.deliver(h.sent[0], h.reply(h.sent[0], Code::AccountingResponse, "secret0", false));
    EXPECT_TRUE(h.results.empty());
    h.deliver(last, h.reply(last, Code::AccountingResponse, "secret0", false));
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].status, RadiusStatus::accounting_response);
    EXPECT_EQ(h.results[0].tag, 77u);
    EXPECT_EQ(h.results[0].reply, nullptr);
    EXPECT_EQ(h.client.counters().accounting_responses, 1u);
}

TEST(RadiusClient, AccountingGivesUpAfterItsRounds) {
    RadiusClientConfig cfg = Harness::make_cfg();
    cfg.servers[0].acct_retries = cfg.servers[1].acct_retries = 0;
    cfg.acct_rounds = 3;
    Harness h(cfg);
    AccountingRequest r;
    r.session_id = "s";
    h.client.submit_accounting(r, 5, h.now);
    for (int i = 0; i < 6; ++i) h.advance(3 * kSec);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].status, RadiusStatus::timeout);
    EXPECT_EQ(h.sent.size(), 6u);
}

TEST(RadiusClient, CancelAndInvalid) {
    Harness h(Harness::make_cfg(1, 2));
    std::vector<Submitted> subs;
    for (int i = 0; i < 258; ++i) subs.push_back(h.pap(uint64_t(i)));
    EXPECT_EQ(h.client.queued(), 2u);
    EXPECT_TRUE(h.client.cancel(subs[256].handle, h.now));  // queued
    EXPECT_EQ(h.client.queued(), 1u);
    EXPECT_TRUE(h.client.cancel(subs[0].handle, h.now));    // in flight: frees a pair
    EXPECT_EQ(h.client.queued(), 0u);
    EXPECT_EQ(h.sent.size(), 257u);
    EXPECT_EQ(password_of(h.sent.back(), "secret0"), "pw");
    EXPECT_FALSE(h.client.cancel(subs[0].handle, h.now));
    h.deliver(h.sent[0], h.reply(h.sent[0], Code::AccessAccept, "secret0"));
    EXPECT_EQ(h.client.counters().unknown_id, 0u);  // the pair went to request 257
    EXPECT_EQ(h.results.size(), 0u);                // its authenticator differs
    EXPECT_EQ(h.client.counters().bad_reply[size_t(RadiusError::bad_authenticator)], 1u);
    AccessRequest bad;
    bad.user_name = "x";
    bad.password = std::string(129, 'p');
    EXPECT_EQ(h.client.submit_access(bad, 1, h.now).status, RadiusStatus::invalid_request);
    EXPECT_EQ(h.client.counters().cancelled, 2u);
    EXPECT_EQ(h.client.counters().invalid_requests, 1u);
}

TEST(RadiusClient, DoneCallbackMaySubmit) {
    RadiusClientConfig cfg = Harness::make_cfg();
    std::vector<RadiusResult> res;
    std::vector<Sent> sent;
    uint64_t r = 1;
    RadiusClient c(
        cfg, [&] { return ++r; },
        [&](const RadiusDatagram &d) {
            sent.push_back({d.socket, d.ip, d.port, Bytes(d.bytes.begin(), d.bytes.end())});
        },
        [&](const RadiusResult &x) {
            res.push_back(x);
            if (x.tag == 1) {
                AccountingRequest a;
                a.session_id = "s";
                c.submit_accounting(a, 2, 0);
            }
        });
    AccessRequest a;
    a.user_name = "u";
    c.submit_access(a, 1, 0);
    Harness helper;
    c.on_datagram(0, kS0, 1812, helper.reply(sent[0], Code::AccessAccept, "secret0"), 0);
    ASSERT_EQ(res.size(), 1u);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[1].port, 1813);
}

}  // namespace
}  // namespace lns::cp::aaa
