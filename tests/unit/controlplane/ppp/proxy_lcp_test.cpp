// Proxy LCP: values from the ICCN's Last Sent / Last Received LCP CONFREQ option
// bytes (as xl2tpd/Cisco LACs send them), policy checks, and an LCP engine started
// Opened from them.
#include <gtest/gtest.h>

#include "controlplane/ppp/proxy_lcp.hpp"
#include "tests/unit/controlplane/ppp/lcp_rig.hpp"

namespace lns::cp::ppp {
namespace {

using namespace test;

// The LAC asked MRU 1460, CHAP-MD5, magic; the client asked MRU 1400, magic, PFC, ACFC.
const Bytes kSent = cat({mru(1460), auth_chap_md5(), magic(0x11111111)});
const Bytes kReceived = cat({mru(1400), magic(0x22222222), pfc(), acfc()});

TEST(LcpProxy, DerivesNegotiatedValues) {
    LcpResult r;
    ASSERT_EQ(derive_proxy_lcp(kSent, kReceived, LcpConfig::lns(), &r), ProxyLcpError::ok);
    EXPECT_EQ(r.our_mru, 1460);
    EXPECT_EQ(r.peer_mru, 1400);
    EXPECT_EQ(r.our_magic, 0x11111111u);
    EXPECT_EQ(r.peer_magic, 0x22222222u);
    EXPECT_TRUE(r.peer_pfc && r.peer_acfc);
    EXPECT_FALSE(r.our_pfc || r.our_acfc);
    EXPECT_EQ(r.auth_we_require, AuthProtocol::chap_md5);
    EXPECT_FALSE(r.auth_peer_requires.has_value());
}

TEST(LcpProxy, PolicyAndFormatChecks) {
    const LcpConfig lns = LcpConfig::lns();
    LcpResult r;
    EXPECT_EQ(derive_proxy_lcp({}, {}, lns, &r), ProxyLcpError::absent);
    EXPECT_EQ(derive_proxy_lcp(cat({mru(1460), magic(1)}), kReceived, lns, &r),
              ProxyLcpError::unacceptable);  // the LAC did not authenticate; we require it
    EXPECT_EQ(derive_proxy_lcp(cat({opt(3, {0xc2, 0x27}), magic(1)}), kReceived, lns, &r),
              ProxyLcpError::unacceptable);  // EAP
    EXPECT_EQ(derive_proxy_lcp(kSent, cat({magic(0x11111111)}), lns, &r),
              ProxyLcpError::unacceptable);  // looped back
    EXPECT_EQ(derive_proxy_lcp(kSent, cat({mru(64)}), lns, &r), ProxyLcpError::unacceptable);
    EXPECT_EQ(derive_proxy_lcp(kSent, cat({opt(13, {6})}), lns, &r), ProxyLcpError::unknown_option);
    EXPECT_EQ(derive_proxy_lcp(kSent, Bytes{0x01, 0x04, 0x05}, lns, &r), ProxyLcpError::malformed);
    EXPECT_EQ(derive_proxy_lcp(cat({opt(5, {1, 2})}), kReceived, lns, &r), ProxyLcpError::malformed);
}

TEST(LcpProxy, EngineStartsOpenedFromProxyValues) {
    LcpRig rig;
    rig.sh.config.echo.interval_ns = 10 * kSec;
    LcpResult v;
    ASSERT_EQ(derive_proxy_lcp(kSent, kReceived, rig.sh.config, &v), ProxyLcpError::ok);
    ASSERT_TRUE(rig.lcp->start_opened(v, 0));
    EXPECT_TRUE(rig.lcp->opened());
    EXPECT_EQ(rig.notes.kinds(), std::vector<NoticeKind>{NoticeKind::up});
    EXPECT_EQ(rig.lcp->result(), v);
    EXPECT_TRUE(rig.wire.sent.empty());
    rig.run_until(10 * kSec);  // keepalive runs with the LAC's magic number
    EXPECT_EQ(rig.wire.last().bytes, packet(9, 1, {0x11, 0x11, 0x11, 0x11}));
    rig.rx(packet(9, 0x33, {0x22, 0x22, 0x22, 0x22}));
    EXPECT_EQ(rig.wire.last().bytes, packet(10, 0x33, {0x11, 0x11, 0x11, 0x11}));
    EXPECT_FALSE(rig.lcp->start_opened(v, 0));  // only from Initial/Starting
}

TEST(LcpProxy, EngineRefusesAuthOutsidePolicy) {
    LcpConfig cfg = LcpConfig::lns();
    cfg.request_auth = {AuthProtocol::pap};
    LcpRig rig(cfg);
    LcpResult v;
    v.auth_we_require = AuthProtocol::chap_md5;
    EXPECT_FALSE(rig.lcp->start_opened(v, 0));
    EXPECT_EQ(rig.lcp->state(), State::Initial);
}

}  // namespace
}  // namespace lns::cp::ppp
