// RADIUS codec against independently derived bytes: the worked examples of RFC
// 2865 §7.1 (PAP Access-Request and its Access-Accept) and §7.2 (CHAP), and
// values computed with Python's hashlib/hmac (Message-Authenticator, Accounting
// Request Authenticator, two-block User-Password, a signed Disconnect-Request).
#include "controlplane/aaa/radius_attrs.hpp"
#include "controlplane/aaa/radius_codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lns::cp::aaa {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes hex(std::string_view s) {
    Bytes out;
    int hi = -1;
    for (char c : s) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) continue;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(uint8_t(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

Bytes16 b16(std::string_view s) {
    Bytes b = hex(s);
    Bytes16 a{};
    std::copy(b.begin(), b.end(), a.begin());
    return a;
}

// RFC 2865 §7.1.
const Bytes kPapRequest = hex(
    "01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d"
    "93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03");
const Bytes kPapAccept = hex(
    "02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00"
    "0e 06 c0 a8 01 03");
const Bytes16 kRa = b16("0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a");
const std::string kSecret = "xyzzy5461";
// RFC 2865 §7.2.
const Bytes kChapRequest = hex(
    "01 01 00 47 2a ee 86 f0 8d 0d 55 96 9c a5 97 8e 0d 33 67 a2 01 08 66 6c 6f 70 73 79 03 13 16 e9"
    "75 57 c3 16 18 58 95 f2 93 ff 63 44 07 72 75 04 06 c0 a8 01 10 05 06 00 00 00 14 06 06 00 00 00"
    "02 07 06 00 00 00 01");

ByteSpan sec() { return as_bytes(kSecret); }

TEST(RadiusCodec, EncodesTheRfc2865PapExample) {
    std::array<uint8_t, 4096> buf;
    PacketWriter w(buf, Code::AccessRequest, 0);
    w.set_authenticator(kRa);
    w.add_string(attr::kUserName, "nemo");
    w.add_user_password("arctangent", sec(), kRa);
    w.add_ipv4(attr::kNasIpAddress, 0xc0a80110);
    w.add_u32(attr::kNasPort, 3);
    std::span<uint8_t> p = w.finish();
    EXPECT_EQ(Bytes(p.begin(), p.end()), kPapRequest);
}

TEST(RadiusCodec, DecodesTheRfc2865PapExampleAndRecoversThePassword) {
    PacketView p;
    ASSERT_EQ(decode_packet(kPapRequest, &p), RadiusError::ok);
    EXPECT_EQ(p.code, Code::AccessRequest);
    EXPECT_EQ(p.length, 0x38);
    Attribute a;
    ASSERT_TRUE(find_attr(p, attr::kUserName, &a));
    EXPECT_EQ(std::string(a.value.begin(), a.value.end()), "nemo");
    ASSERT_TRUE(find_attr(p, attr::kUserPassword, &a));
    std::array<uint8_t, kMaxPasswordLen> pw;
    size_t n = 0;
    ASSERT_TRUE(unhide_user_password(a.value, sec(), kRa, pw, &n));
    EXPECT_EQ(std::string(pw.begin(), pw.begin() + n), "arctangent");
    ASSERT_TRUE(find_attr(p, attr::kNasPort, &a));
    uint32_t port = 0;
    EXPECT_TRUE(attr_u32(a.value, &port));
    EXPECT_EQ(port, 3u);
}

TEST(RadiusCodec, VerifiesTheRfc2865AccessAccept) {
    PacketView p;
    ASSERT_EQ(decode_packet(kPapAccept, &p), RadiusError::ok);
    EXPECT_EQ(p.code, Code::AccessAccept);
    EXPECT_EQ(verify_response(p, kRa, sec(), false), RadiusError::ok);
    Bytes16 want = b16("86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2");
    EXPECT_EQ(compute_authenticator(p.bytes, kRa, sec()), want);
    // No Message-Authenticator in the example: refused when one is required.
    EXPECT_EQ(verify_response(p, kRa, sec(), true), RadiusError::missing_message_authenticator);
    EXPECT_EQ(verify_response(p, kRa, as_bytes("xyzzy5462"), false),
              RadiusError::bad_authenticator);
    Bytes16 other = kRa;
    other[15] ^= 1;
    EXPECT_EQ(verify_response(p, other, sec(), false), RadiusError::bad_authenticator);
    Bytes tampered = kPapAccept;
    tampered.back() ^= 1;  // Login-IP-Host changed
    ASSERT_EQ(decode_packet(tampered, &p), RadiusError::ok);
    EXPECT_EQ(verify_response(p, kRa, sec(), false), RadiusError::bad_authenticator);
}

TEST(RadiusCodec, DecodesTheRfc2865ChapExample) {
    PacketView p;
    ASSERT_EQ(decode_packet(kChapRequest, &p), RadiusError::ok);
    EXPECT_EQ(p.id, 1);
    Attribute a;
    ASSERT_TRUE(find_attr(p, attr::kChapPassword, &a));
    ASSERT_EQ(a.value.size(), 17u);
    EXPECT_EQ(a.value[0], 0x16);  // CHAP Identifier
    ASSERT_TRUE(find_attr(p, attr::kServiceType, &a));
    EXPECT_EQ(a.value[3], 2);  // Framed
}

TEST(RadiusCodec, MessageAuthenticatorMatchesHmacMd5) {
    // The §7.1 request with a Message-Authenticator appended; HMAC-MD5 from Python.
    std::array<uint8_t, 4096> buf;
    PacketWriter w(buf, Code::AccessRequest, 0);
    w.set_authenticator(kRa);
    w.add_raw(ByteSpan(kPapRequest).subspan(20));
    size_t ma = w.add_message_authenticator();
    ASSERT_EQ(ma, 0x38u + 2);
    std::span<uint8_t> p = w.finish();
    ASSERT_EQ(p.size(), 74u);
    sign_access_request(p, ma, sec());
    EXPECT_EQ(Bytes(p.begin() + ma, p.begin() + ma + 16), hex("63b78a6b9d2f149989fbf57ea21d194c"));
    bool bad = true;
    EXPECT_EQ(find_message_authenticator(p, &bad), ma);
    EXPECT_FALSE(bad);
}

TEST(RadiusCodec, ReplyMessageAuthenticatorChecked) {
    // An Access-Accept with a Message-Authenticator, signed as a server does.
    std::array<uint8_t, 4096> buf;
    PacketWriter w(buf, Code::AccessAccept, 0);
    w.add_u32(attr::kSessionTimeout, 60);
    size_t ma = w.add_message_authenticator();
    std::span<uint8_t> pkt = w.finish();
    sign_response(pkt, ma, kRa, sec());
    PacketView p;
    ASSERT_EQ(decode_packet(pkt, &p), RadiusError::ok);
    EXPECT_EQ(verify_response(p, kRa, sec(), true), RadiusError::ok);
    // Wrong MA, Response Authenticator recomputed so only the MA is wrong.
    pkt[ma] ^= 0x80;
    Bytes16 a = compute_authenticator(pkt, kRa, sec());
    std::copy(a.begin(), a.end(), pkt.begin() + 4);
    ASSERT_EQ(decode_packet(pkt, &p), RadiusError::ok);
    EXPECT_EQ(verify_response(p, kRa, sec(), false), RadiusError::bad_message_authenticator);
    // A Message-Authenticator of the wrong length.
    Bytes odd = hex("02 00 00 18 00000000000000000000000000000000 50 04 00 00");
    a = compute_authenticator(odd, kRa, sec());
    std::copy(a.begin(), a.end(), odd.begin() + 4);
    ASSERT_EQ(decode_packet(odd, &p), RadiusError::ok);
    EXPECT_EQ(verify_response(p, kRa, sec(), false), RadiusError::bad_message_authenticator);
}

TEST(RadiusCodec, AccountingRequestAuthenticatorMatchesMd5) {
    std::array<uint8_t, 4096> buf;
    PacketWriter w(buf, Code::AccountingRequest, 7);
    w.add_u32(attr::kAcctStatusType, 1);
    w.add_string(attr::kAcctSessionId, "abc");
    std::span<uint8_t> p = w.finish();
    sign_request(p, 0, sec());
    EXPECT_EQ(Bytes(p.begin() + 4, p.begin() + 20), hex("cbd9a5e0a145d37ef5183c2ebeeb0d03"));
    PacketView v;
    ASSERT_EQ(decode_packet(p, &v), RadiusError::ok);
    EXPECT_EQ(verify_request(v, sec(), false), RadiusError::ok);
    EXPECT_EQ(verify_request(v, as_bytes("other"), false), RadiusError::bad_authenticator);
    // Its Accounting-Response, authenticator from Python.
    Bytes resp = hex("05 07 00 14 cec434c3c76cc642227d4593ae7ac6f5");
    ASSERT_EQ(decode_packet(resp, &v), RadiusError::ok);
    Bytes16 ra;
    std::copy(p.begin() + 4, p.begin() + 20, ra.begin());
    EXPECT_EQ(verify_response(v, ra, sec(), false), RadiusError::ok);
}

TEST(RadiusCodec, SignedDisconnectRequestMatchesPython) {
    std::array<uint8_t, 4096> buf;
    PacketWriter w(buf, Code::DisconnectRequest, 9);
    w.add_string(attr::kAcctSessionId, "s-1");
    size_t ma = w.add_message_authenticator();
    std::span<uint8_t> p = w.finish();
    sign_request(p, ma, as_bytes("daesecret"));
    EXPECT_EQ(Bytes(p.begin(), p.end()),
              hex("2809002b9b6d48fb661744f9cecafa8f2ae468972c05732d3150128137b013690cac147d7795"
                  "2198c6cee5"));
    PacketView v;
    ASSERT_EQ(decode_packet(p, &v), RadiusError::ok);
    EXPECT_EQ(verify_request(v, as_bytes("daesecret"), true), RadiusError::ok);
}

TEST(RadiusCodec, HidesLongPasswordsInChainedBlocks) {
    std::array<uint8_t, kMaxPasswordLen> h;
    size_t n = hide_user_password("a-much-longer-password", sec(), kRa, h);
    ASSERT_EQ(n, 32u);
    EXPECT_EQ(Bytes(h.begin(), h.begin() + 32),
              hex("0de17e8c91d259c7308c835a0a077a8f70e5b3c124296f44af7438e1510907ea"));
    std::array<uint8_t, kMaxPasswordLen> back;
    size_t len = 0;
    ASSERT_TRUE(unhide_user_password({h.data(), n}, sec(), kRa, back, &len));
    EXPECT_EQ(std::string(back.begin(), back.begin() + len), "a-much-longer-password");
    EXPECT_EQ(hide_user_password(std::string(129, 'x'), sec(), kRa, h), 0u);
    EXPECT_EQ(hide_user_password(std::string(128, 'x'), sec(), kRa, h), 128u);
    EXPECT_FALSE(unhide_user_password({h.data(), 15}, sec(), kRa, back, &len));
}

TEST(RadiusCodec, NamedDecodeErrors) {
    PacketView p;
    Bytes b = kPapAccept;
    EXPECT_EQ(decode_packet(ByteSpan(b).first(19), &p), RadiusError::truncated);
    EXPECT_EQ(decode_packet(ByteSpan(b).first(b.size() - 1), &p), RadiusError::truncated);
    Bytes bad = b;
    bad[3] = 19;
    EXPECT_EQ(decode_packet(bad, &p), RadiusError::bad_length);
    bad[2] = 0x10, bad[3] = 0x01;  // 4097
    EXPECT_EQ(decode_packet(bad, &p), RadiusError::bad_length);
    bad = b;
    bad[21] = 1;  // attribute length < 2
    EXPECT_EQ(decode_packet(bad, &p), RadiusError::bad_attribute_length);
    bad = b;
    bad[33] = 7;  // the last attribute runs past Length
    EXPECT_EQ(decode_packet(bad, &p), RadiusError::bad_attribute_length);
    bad = b;
    bad[3] = 0x25;  // Length cuts the last attribute: one octet left
    EXPECT_EQ(decode_packet(bad, &p), RadiusError::bad_attribute_length);
    // Octets past Length are padding.
    Bytes padded = b;
    padded.insert(padded.end(), {1, 2, 3});
    ASSERT_EQ(decode_packet(padded, &p), RadiusError::ok);
    EXPECT_EQ(p.bytes.size(), b.size());
    EXPECT_STREQ(radius_error_name(RadiusError::bad_attribute_length), "bad_attribute_length");
}

TEST(RadiusCodec, WriterRefusesOverflowAndLongValues) {
    std::array<uint8_t, 30> small;
    PacketWriter w(small, Code::AccessRequest, 1);
    EXPECT_TRUE(w.add_u32(attr::kNasPort, 1));  // 26
    EXPECT_FALSE(w.add_u32(attr::kNasPort, 2));  // 32 > 30
    EXPECT_TRUE(w.finish().empty());
    std::array<uint8_t, 4096> buf;
    PacketWriter w2(buf, Code::AccessRequest, 1);
    EXPECT_FALSE(w2.add_string(attr::kUserName, std::string(254, 'u')));
    EXPECT_TRUE(w2.finish().empty());
}

TEST(RadiusCodec, Ipv6PrefixAndVendorAttributes) {
    Ipv6Prefix p;
    ASSERT_TRUE(attr_ipv6_prefix(hex("00 40 20 01 0d b8 00 01 00 02"), &p));
    EXPECT_EQ(p.len, 64);
    EXPECT_EQ(Bytes(p.addr.begin(), p.addr.end()),
              hex("20010db8000100020000000000000000"));
    EXPECT_FALSE(attr_ipv6_prefix(hex("00 81"), &p));           // length 129
    EXPECT_FALSE(attr_ipv6_prefix(hex("00 40 20 01 0d b8"), &p));  // 4 octets for /64
    ASSERT_TRUE(attr_ipv6_prefix(hex("00 38 20 01 0d b8 00 01 00 ff"), &p));  // /56, stray bits
    EXPECT_EQ(p.addr[7], 0x00);
    EXPECT_EQ(p.addr[6], 0x00);
    std::array<uint8_t, 64> buf;
    PacketWriter w(buf, Code::AccessAccept, 0);
    w.add_ipv6_prefix(attr::kFramedIpv6Prefix, Ipv6Prefix{p.addr, 56});
    w.add_vsa(kVendorMicrosoft, ms::kChap2Success, as_bytes("\x01S=00"));
    std::span<uint8_t> pkt = w.finish();
    EXPECT_EQ(Bytes(pkt.begin() + 20, pkt.begin() + 31), hex("61 0b 00 38 20 01 0d b8 00 01 00"));
    PacketView v;
    ASSERT_EQ(decode_packet(pkt, &v), RadiusError::ok);
    AccessReply r;
    parse_access_reply(v, &r);
    EXPECT_TRUE(r.has_framed_ipv6_prefix);
    EXPECT_EQ(r.framed_ipv6_prefix.len, 56);
    EXPECT_EQ(r.ms_chap2_success, std::string("\x01S=00"));
}

TEST(RadiusAttrs, AccountingGigawordsAndCounters) {
    AccountingRequest r;
    r.status = AcctStatusType::Stop;
    r.session_id = "s1";
    r.user_name = "alice";
    r.counters = {5000000000ull, 3ull << 32 | 7, (1ull << 32) + 5, 9};
    r.session_time_s = 3600;
    r.cause = TerminateCause::IdleTimeout;
    NasIdentity nas{0x0a000001, "lns1"};
    std::array<uint8_t, 4096> buf;
    PacketWriter w(buf, Code::AccountingRequest, 0);
    ASSERT_TRUE(encode_accounting_attrs(r, nas, &w));
    std::span<uint8_t> pkt = w.finish();
    PacketView v;
    ASSERT_EQ(decode_packet(pkt, &v), RadiusError::ok);
    auto u32 = [&](uint8_t t) {
        Attribute a;
        uint32_t x = 0xdeadbeef;
        if (find_attr(v, t, &a)) attr_u32(a.value, &x);
        return x;
    };
    EXPECT_EQ(u32(attr::kAcctInputOctets), 705032704u);  // 5e9 - 2^32
    EXPECT_EQ(u32(attr::kAcctInputGigawords), 1u);
    EXPECT_EQ(u32(attr::kAcctOutputOctets), 7u);
    EXPECT_EQ(u32(attr::kAcctOutputGigawords), 3u);
    EXPECT_EQ(u32(attr::kAcctInputPackets), 5u);  // modulo 2^32
    EXPECT_EQ(u32(attr::kAcctSessionTime), 3600u);
    EXPECT_EQ(u32(attr::kAcctTerminateCause), 4u);
    EXPECT_EQ(u32(attr::kAcctStatusType), 2u);
    EXPECT_EQ(u32(attr::kNasIpAddress), 0x0a000001u);
    EXPECT_EQ(u32(attr::kNasPortType), 5u);
    EXPECT_EQ(u32(attr::kServiceType), 2u);
    EXPECT_EQ(u32(attr::kFramedProtocol), 1u);
    // Start carries no counters and no cause.
    r.status = AcctStatusType::Start;
    PacketWriter w2(buf, Code::AccountingRequest, 0);
    ASSERT_TRUE(encode_accounting_attrs(r, nas, &w2));
    pkt = w2.finish();
    ASSERT_EQ(decode_packet(pkt, &v), RadiusError::ok);
    Attribute a;
    EXPECT_FALSE(find_attr(v, attr::kAcctInputOctets, &a));
    EXPECT_FALSE(find_attr(v, attr::kAcctTerminateCause, &a));
    // Acct-Session-Id is required.
    r.session_id = "";
    PacketWriter w3(buf, Code::AccountingRequest, 0);
    EXPECT_FALSE(encode_accounting_attrs(r, nas, &w3));
}

TEST(RadiusAttrs, AccessRequestMethods) {
    std::array<uint8_t, 4096> buf;
    NasIdentity nas{0, "lns1"};
    uint8_t chal[16] = {1}, resp[16] = {2}, peer[16] = {3}, nt[24] = {4};
    AccessRequest r;
    r.user_name = "bob";
    r.method = AuthMethod::chap;
    r.chap_id = 7;
    r.challenge = chal;
    r.chap_response = resp;
    PacketWriter w(buf, Code::AccessRequest, 0);
    ASSERT_TRUE(encode_access_attrs(r, nas, &w));
    PacketView v;
    ASSERT_EQ(decode_packet(w.finish(), &v), RadiusError::ok);
    Attribute a;
    ASSERT_TRUE(find_attr(v, attr::kChapPassword, &a));
    EXPECT_EQ(a.value[0], 7);
    EXPECT_EQ(a.value[1], 2);
    ASSERT_TRUE(find_attr(v, attr::kChapChallenge, &a));
    EXPECT_EQ(a.value.size(), 16u);
    EXPECT_FALSE(find_attr(v, attr::kNasIpAddress, &a));
    ASSERT_TRUE(find_attr(v, attr::kNasIdentifier, &a));

    r.method = AuthMethod::mschapv2;
    r.peer_challenge = peer;
    r.nt_response = nt;
    PacketWriter w2(buf, Code::AccessRequest, 0);
    ASSERT_TRUE(encode_access_attrs(r, nas, &w2));
    ASSERT_EQ(decode_packet(w2.finish(), &v), RadiusError::ok);
    AttrIter it(v.attributes);
    int vsas = 0;
    while (it.next(&a)) {
        uint32_t vendor;
        uint8_t vt;
        ByteSpan d;
        if (a.type != attr::kVendorSpecific) continue;
        ASSERT_TRUE(parse_vsa(a.value, &vendor, &vt, &d));
        EXPECT_EQ(vendor, 311u);
        if (vt == ms::kChap2Response) {
            ASSERT_EQ(d.size(), 50u);  // RFC 2548 §2.3.2
            EXPECT_EQ(d[0], 7);
            EXPECT_EQ(d[2], 3);   // peer challenge
            EXPECT_EQ(d[26], 4);  // NT-Response after 8 reserved octets
        } else {
            EXPECT_EQ(vt, ms::kChapChallenge);
            EXPECT_EQ(d.size(), 16u);
        }
        ++vsas;
    }
    EXPECT_EQ(vsas, 2);
    r.nt_response = ByteSpan(nt, 23);
    PacketWriter w3(buf, Code::AccessRequest, 0);
    EXPECT_FALSE(encode_access_attrs(r, nas, &w3));
}

TEST(RadiusAttrs, InterimIntervalFloor) {
    AccessReply r;
    EXPECT_EQ(interim_interval_s(r, 0), 0u);
    EXPECT_EQ(interim_interval_s(r, 300), 300u);
    r.acct_interim_interval = 30;
    EXPECT_EQ(interim_interval_s(r, 300), 60u);
    r.acct_interim_interval = 600;
    EXPECT_EQ(interim_interval_s(r, 300), 600u);
}

}  // namespace
}  // namespace lns::cp::aaa
