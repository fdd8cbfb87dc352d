// The control core's SA functions (controlplane/control_ipsec.cpp) over the real
// data plane: a Runtime on two ring-backed ports (net_ring vdevs), the
// ControlCore that loads SAs and a protected static session from YAML, and the
// worker's stages called from the test thread.  The LAC side is lnsd's own ESP
// engine (crypto/, unit-tested against published vectors and scapy).
//
// Make-before-break rekey: traffic both ways before, during the overlap (the
// LAC still sending with the old SA, then with the new one, mixed in one
// burst) and after; every packet arrives, downstream switches to the new SPI at
// once, the old outbound SA is gone, and after sa_delete of the old inbound SA
// (an RCU grace period later) the old SPI is unknown.
#include <gtest/gtest.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <cstring>
#include <string>
#include <vector>

#include "config/diff.hpp"
#include "config/load.hpp"
#include "controlplane/control_core.hpp"
#include "crypto/bytes.hpp"
#include "dataplane/path.hpp"
#include "harness/eal_env.hpp"

namespace lns::cp {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t kLns = 0xcb007101;     // 203.0.113.1
constexpr uint32_t kLac = 0xcb007102;     // 203.0.113.2
constexpr uint32_t kSub = 0x64400001;     // 100.64.0.1
constexpr uint32_t kRemote = 0xc000020a;  // 192.0.2.10

const char *kYaml = R"(control_lcore: 0
mbufs: 2047
tables: {max_sessions: 64, max_neighbors: 64, frag_flows: 16}
ports:
  - {name: access0, device: net_ring_esp_a, role: access, ipv4: 203.0.113.1/24}
  - {name: core0, device: net_ring_esp_c, role: core, ipv4: 198.51.100.1/24, gateway4: 198.51.100.254}
workers: [{lcore: 1, rx: [{port: access0, queue: 0}, {port: core0, queue: 0}]}]
neighbors:
  - {port: access0, ipv4: 203.0.113.2, mac: "02:00:00:00:00:02"}
  - {port: core0, ipv4: 198.51.100.254, mac: "02:00:00:00:00:fe"}
sessions:
  - {name: s, port: access0, local_tunnel_id: 1, local_session_id: 1, remote_tunnel_id: 11,
     remote_session_id: 21, lac_address: 203.0.113.2, ipv4: 100.64.0.1}
l2tp: {enabled: false}
ppp: {auth: []}
ipsec:
  max_sas: 8
  sas:
    - {name: out1, direction: outbound, spi: 0x2001, mode: transport, local: 203.0.113.1,
       peer: 203.0.113.2, cipher: aes-gcm-128, key: "000102030405060708090a0b0c0d0e0f a1a2a3a4"}
    - {name: in1, direction: inbound, spi: 0x1001, mode: transport, local: 203.0.113.1,
       peer: 203.0.113.2, cipher: aes-gcm-128, key: "101112131415161718191a1b1c1d1e1f b1b2b3b4",
       reply_sa: out1}
)";

// Keys of generation g (1: the YAML's).
crypto::SaConfig sa_cfg(crypto::SaDirection dir, uint32_t spi, uint8_t key_base,
                        uint8_t salt_base) {
    crypto::SaConfig c;
    c.spi = spi;
    c.direction = dir;
    c.mode = crypto::SaMode::transport;
    c.cipher = crypto::EspCipher::aes_gcm_128;
    c.cipher_key_len = 16;
    for (int i = 0; i < 16; i++) c.cipher_key[i] = uint8_t(key_base + i);
    for (int i = 0; i < 4; i++) c.salt[i] = uint8_t(salt_base + i);
    c.replay_window = dir == crypto::SaDirection::inbound ? 64 : 0;
    return c;
}

class IpsecRekey : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { ASSERT_TRUE(test::ensure_eal()) << test::eal_error(); }

    void SetUp() override {
        // Fresh devices per test: the ring PMD keeps its rings after removal.
        static int instance = 0;
        instance++;
        dev_a = "net_ring_esp_a" + std::to_string(instance);
        dev_c = "net_ring_esp_c" + std::to_string(instance);
        for (const std::string &dev : {dev_a, dev_c})
            ASSERT_EQ(rte_eal_hotplug_add("vdev", dev.c_str(), ""), 0) << dev;
        // The ring PMD's single ring per queue pair: what the port sends we read here.
        access_ring = rte_ring_lookup(("ETH_RXTX0_" + dev_a).c_str());
        core_ring = rte_ring_lookup(("ETH_RXTX0_" + dev_c).c_str());
        ASSERT_NE(access_ring, nullptr);
        ASSERT_NE(core_ring, nullptr);
        std::string yaml = config_text();
        yaml.replace(yaml.find("net_ring_esp_a"), 14, dev_a);
        yaml.replace(yaml.find("net_ring_esp_c"), 14, dev_c);
        cfg::LoadResult lr = cfg::load_config_string(yaml, "rekey.yaml");
        ASSERT_TRUE(lr.config) << (lr.errors.empty() ? "" : lr.errors[0]);
        std::string err;
        rt = dp::create_runtime(*lr.config, &err);
        ASSERT_TRUE(rt) << err;
        for (auto &p : rt->ports) ASSERT_EQ(rte_eth_dev_start(p.port_id), 0);
        cc = std::make_unique<ControlCore>(*rt);
        ASSERT_TRUE(cc->init(&err)) << err;
        w = rt->workers[0];
        for (unsigned i = 0; i < rt->workers.size(); i++) {
            rte_rcu_qsbr_thread_register(rt->qsv, i);
            rte_rcu_qsbr_thread_online(rt->qsv, i);
        }
        // The LAC's SAs: it sends with in1's keys and reads with out1's.
        ASSERT_EQ(
            lac_out1.init(sa_cfg(crypto::SaDirection::outbound, 0x1001, 0x10, 0xb1), imb.get()),
            crypto::SaError::ok);
        ASSERT_EQ(lac_in1.init(sa_cfg(crypto::SaDirection::inbound, 0x2001, 0x00, 0xa1), imb.get()),
                  crypto::SaError::ok);
        ASSERT_EQ(
            lac_out2.init(sa_cfg(crypto::SaDirection::outbound, 0x1002, 0x30, 0xc1), imb.get()),
            crypto::SaError::ok);
        ASSERT_EQ(lac_in2.init(sa_cfg(crypto::SaDirection::inbound, 0x2002, 0x40, 0xd1), imb.get()),
                  crypto::SaError::ok);
    }

    virtual std::string config_text() const { return kYaml; }

    void TearDown() override {
        if (rt) {
            for (unsigned i = 0; i < rt->workers.size(); i++) {
                rte_rcu_qsbr_thread_offline(rt->qsv, i);
                rte_rcu_qsbr_thread_unregister(rt->qsv, i);
            }
        }
        cc.reset();
        if (rt) {
            dp::close_ports(*rt);
            drain(access_ring);
            drain(core_ring);
            rt.reset();
        }
        rte_eal_hotplug_remove("vdev", dev_a.c_str());
        rte_eal_hotplug_remove("vdev", dev_c.c_str());
    }

    static std::vector<Bytes> drain(rte_ring *r) {
        std::vector<Bytes> out;
        void *m;
        while (r && rte_ring_dequeue(r, &m) == 0) {
            auto *mb = static_cast<rte_mbuf *>(m);
            const uint8_t *d = rte_pktmbuf_mtod(mb, const uint8_t *);
            out.emplace_back(d, d + rte_pktmbuf_data_len(mb));
            rte_pktmbuf_free(mb);
        }
        return out;
    }

    rte_mbuf *frame(const Bytes &ip, const uint8_t dst_mac[6]) {
        rte_mbuf *m = rte_pktmbuf_alloc(rt->pool);
        uint8_t *p = reinterpret_cast<uint8_t *>(rte_pktmbuf_append(m, uint16_t(14 + ip.size())));
        std::memcpy(p, dst_mac, 6);
        const uint8_t src[6] = {2, 0, 0, 0, 0, 2};
        std::memcpy(p + 6, src, 6);
        p[12] = 0x08, p[13] = 0x00;
        std::memcpy(p + 14, ip.data(), ip.size());
        return m;
    }

    static Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes &payload) {
        Bytes ip(20 + payload.size());
        ip[0] = 0x45;
        crypto::put16(&ip[2], uint16_t(ip.size()));
        ip[8] = 64;
        ip[9] = proto;
        crypto::put32(&ip[12], src);
        crypto::put32(&ip[16], dst);
        uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2) sum += uint32_t(ip[i] << 8 | ip[i + 1]);
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        crypto::put16(&ip[10], uint16_t(~sum));
        std::memcpy(&ip[20], payload.data(), payload.size());
        return ip;
    }

    static Bytes udp(uint16_t sport, uint16_t dport, const Bytes &payload) {
        Bytes u(8 + payload.size());
        crypto::put16(&u[0], sport);
        crypto::put16(&u[2], dport);
        crypto::put16(&u[4], uint16_t(u.size()));
        std::memcpy(&u[8], payload.data(), payload.size());
        return u;
    }

    // The subscriber's packet number n (its UDP payload carries n).
    static Bytes inner(uint32_t src, uint32_t dst, uint32_t n) {
        Bytes tag(4);
        crypto::put32(tag.data(), n);
        return ipv4(src, dst, 17, udp(40000, 9, tag));
    }

    // Upstream: the LAC's L2TP data message for packet n, ESP-protected with `sa`.
    rte_mbuf *up_esp(crypto::Sa &sa, uint32_t n) {
        Bytes l2tp = {0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0xff, 0x03, 0x00, 0x21};
        const Bytes in = inner(kSub, kRemote, n);
        l2tp.insert(l2tp.end(), in.begin(), in.end());
        const Bytes clear = ipv4(kLac, kLns, 17, udp(1701, 1701, l2tp));
        std::vector<uint8_t> mem(128 + clear.size() + 128);
        std::memcpy(&mem[128], clear.data(), clear.size());
        crypto::EspBuf b{&mem[128], uint32_t(clear.size()), 128, 128};
        EXPECT_EQ(crypto::esp_encrypt(engine, sa, b), crypto::EspResult::ok);
        return frame(Bytes(b.data, b.data + b.len), rt->ports[0].mac);
    }

    void send_up(std::vector<rte_mbuf *> pkts, dp::WorkerCtx *on = nullptr) {
        on = on ? on : w;
        dp::process_upstream_burst(on, 0, pkts.data(), uint16_t(pkts.size()));
        dp::tx_flush_all(on);
        rte_rcu_qsbr_quiescent(rt->qsv, on->index);
    }
    void send_down(uint32_t first, uint32_t count, dp::WorkerCtx *on = nullptr) {
        on = on ? on : w;
        std::vector<rte_mbuf *> pkts;
        for (uint32_t n = first; n < first + count; n++)
            pkts.push_back(frame(inner(kRemote, kSub, n), rt->ports[1].mac));
        dp::process_downstream_burst(on, 1, pkts.data(), uint16_t(pkts.size()));
        dp::tx_flush_all(on);
        rte_rcu_qsbr_quiescent(rt->qsv, on->index);
    }

    // Packet numbers the core port sent (upstream arrivals).
    std::vector<uint32_t> core_numbers() {
        std::vector<uint32_t> out;
        for (const Bytes &f : drain(core_ring))
            if (f.size() >= 14 + 28 + 4) out.push_back(crypto::get32(&f[14 + 28]));
        return out;
    }
    // (SPI, packet number) of what the access port sent, decrypted with the LAC's SA
    // of that SPI; number 0 when it did not decrypt.
    std::vector<std::pair<uint32_t, uint32_t>> access_numbers() {
        std::vector<std::pair<uint32_t, uint32_t>> out;
        for (const Bytes &f : drain(access_ring)) {
            std::vector<uint8_t> mem(f.begin() + 14, f.end());
            const uint32_t spi = crypto::get32(&mem[20]);
            crypto::Sa &sa = spi == 0x2001 ? lac_in1 : lac_in2;
            crypto::EspBuf b{mem.data(), uint32_t(mem.size()), 0, 0};
            const bool ok = crypto::esp_decrypt(engine, sa, b) == crypto::EspResult::ok;
            // IPv4 / UDP / L2TP (6) / PPP (4) / inner IPv4 / UDP / number
            out.emplace_back(spi, ok ? crypto::get32(b.data + 20 + 8 + 10 + 28) : 0);
        }
        return out;
    }

    uint64_t drops(dp::Drop d) const { return w->c.drops[size_t(d)]; }

    std::string dev_a, dev_c;
    rte_ring *access_ring = nullptr, *core_ring = nullptr;
    std::unique_ptr<dp::Runtime> rt;
    std::unique_ptr<ControlCore> cc;
    dp::WorkerCtx *w = nullptr;
    crypto::ImbManager imb;
    crypto::SystemIvSource ivs;
    crypto::EspEngine engine{imb.get(), &ivs};
    crypto::Sa lac_out1, lac_in1, lac_out2, lac_in2;
};

std::vector<uint32_t> range(uint32_t first, uint32_t count) {
    std::vector<uint32_t> v;
    for (uint32_t n = first; n < first + count; n++) v.push_back(n);
    return v;
}

TEST_F(IpsecRekey, MakeBeforeBreakLosesNothing) {
    ASSERT_EQ(cc->counters().sessions_protected, 1u);
    // Before: the YAML's SAs both ways.
    std::vector<rte_mbuf *> b;
    for (uint32_t n = 1; n <= 8; n++) b.push_back(up_esp(lac_out1, n));
    send_up(b);
    EXPECT_EQ(core_numbers(), range(1, 8));
    send_down(1, 8);
    auto down = access_numbers();
    ASSERT_EQ(down.size(), 8u);
    for (uint32_t i = 0; i < 8; i++) EXPECT_EQ(down[i], std::make_pair(0x2001u, i + 1));

    // Rekey (as an IKE daemon would, RFC 7296 §2.8): new SAs in, replies switch.
    SaRequest in2, out2;
    in2.name = "in2";
    in2.sa = sa_cfg(crypto::SaDirection::inbound, 0x1002, 0x30, 0xc1);
    in2.local = kLns;
    in2.peer = kLac;
    out2.name = "out2";
    out2.sa = sa_cfg(crypto::SaDirection::outbound, 0x2002, 0x40, 0xd1);
    out2.local = kLns;
    out2.peer = kLac;
    std::string err;
    ASSERT_TRUE(cc->sa_rekey("in1", "out1", in2, out2, &err)) << err;
    EXPECT_EQ(cc->counters().sa_rekeys, 1u);
    EXPECT_EQ(rt->sas->find("out1"), dp::kNoSa);  // broken: the old outbound SA is gone

    // Overlap: the LAC still on the old SA, then switching within one burst.
    b.clear();
    for (uint32_t n = 9; n <= 12; n++) b.push_back(up_esp(lac_out1, n));
    for (uint32_t n = 13; n <= 16; n++) b.push_back(up_esp(n % 2 ? lac_out2 : lac_out1, n));
    send_up(b);
    EXPECT_EQ(core_numbers(), range(9, 8));
    // Downstream at once on the new SA, its sequence numbers from 1.
    send_down(9, 8);
    down = access_numbers();
    ASSERT_EQ(down.size(), 8u);
    for (uint32_t i = 0; i < 8; i++) EXPECT_EQ(down[i], std::make_pair(0x2002u, 9 + i));
    EXPECT_EQ(lac_in2.window().top(), 8u);

    // End of the overlap: the old inbound SA goes; after a grace period its
    // record may be reused and its SPI is unknown.
    ASSERT_TRUE(cc->sa_delete("in1", &err)) << err;
    rte_rcu_qsbr_quiescent(rt->qsv, 0);
    cc->poll(0);
    b.clear();
    for (uint32_t n = 17; n <= 20; n++) b.push_back(up_esp(lac_out2, n));
    b.push_back(up_esp(lac_out1, 99));
    send_up(b);
    EXPECT_EQ(core_numbers(), range(17, 4));
    EXPECT_EQ(drops(dp::Drop::esp_unknown_spi), 1u);

    // Nothing else was dropped along the way.
    uint64_t total = 0;
    for (uint64_t d : w->c.drops) total += d;
    EXPECT_EQ(total, 1u);
    EXPECT_EQ(w->c.esp_decrypted, 20u);
    EXPECT_EQ(w->c.esp_encrypted, 16u);
}

TEST_F(IpsecRekey, DeleteRefusesAnOutboundSaInUse) {
    std::string err;
    EXPECT_FALSE(cc->sa_delete("out1", &err));
    EXPECT_NE(err.find("in use by 1 session"), std::string::npos) << err;
    EXPECT_FALSE(cc->sa_delete("nope", &err));
    // A duplicate (SPI, local) for an inbound SA is refused, and counted.
    SaRequest dup;
    dup.name = "dup";
    dup.sa = sa_cfg(crypto::SaDirection::inbound, 0x1001, 0x50, 0x60);
    dup.local = kLns;
    dup.peer = kLac;
    EXPECT_EQ(cc->sa_add(dup, &err), dp::kNoSa);
    EXPECT_EQ(cc->counters().sa_add_failed, 1u);
    dup.local = 0xc6336401;  // the core port's address
    dup.sa.spi = 0x1003;
    EXPECT_EQ(cc->sa_add(dup, &err), dp::kNoSa);
    EXPECT_NE(err.find("not an access port"), std::string::npos) << err;
}

// A configuration push (PUT /api/v1/config, SIGHUP) adds and removes SAs
// through the same functions: cfg::diff_config names them, the control core
// says what would block the change before anything moves, then applies it.
TEST_F(IpsecRekey, ConfigPushAddsAndRemovesSas) {
    std::string yaml = config_text();
    yaml.replace(yaml.find("net_ring_esp_a"), 14, dev_a);
    yaml.replace(yaml.find("net_ring_esp_c"), 14, dev_c);
    const std::string in3 =
        "    - {name: in3, direction: inbound, spi: 0x1003, mode: transport, local: 203.0.113.1,\n"
        "       peer: 203.0.113.2, cipher: aes-gcm-128, key: \"303132333435363738393a3b3c3d3e3f c1c2c3c4\",\n"
        "       reply_sa: out1}\n";
    cfg::LoadResult with3 = cfg::load_config_string(yaml + in3, "push.yaml");
    ASSERT_TRUE(with3.config) << (with3.errors.empty() ? "" : with3.errors[0]);
    cfg::ConfigDiff d = cfg::diff_config(cc->running_config(), *with3.config);
    EXPECT_TRUE(d.restart.empty());
    EXPECT_EQ(d.sa_add, std::vector<std::string>{"in3"});
    EXPECT_TRUE(cc->ipsec_change_blocked(d).empty());
    cc->apply_config(*with3.config);
    ASSERT_NE(rt->sas->find("in3"), dp::kNoSa);
    // The LAC's new outbound SA (lnsd's in3) is accepted next to in1.
    crypto::Sa lac_out3;
    ASSERT_EQ(lac_out3.init(sa_cfg(crypto::SaDirection::outbound, 0x1003, 0x30, 0xc1), imb.get()),
              crypto::SaError::ok);
    std::vector<rte_mbuf *> b;
    for (uint32_t n = 1; n <= 4; n++) b.push_back(up_esp(n % 2 ? lac_out3 : lac_out1, n));
    send_up(b);
    EXPECT_EQ(core_numbers(), range(1, 4));

    // Removing out1, which protects the static session and answers in1 and in3,
    // is refused before anything changes.
    std::string no_sas = yaml.substr(0, yaml.find("ipsec:"));
    cfg::LoadResult none = cfg::load_config_string(no_sas, "push.yaml");
    ASSERT_TRUE(none.config) << (none.errors.empty() ? "" : none.errors[0]);
    d = cfg::diff_config(cc->running_config(), *none.config);
    const std::vector<std::string> why = cc->ipsec_change_blocked(d);
    ASSERT_EQ(why.size(), 1u);
    EXPECT_NE(why[0].find("ipsec.sas[out1]: outbound SA protects 1 session(s)"), std::string::npos) << why[0];

    // Removing in3 again: applied; after a grace period its SPI is unknown.
    d = cfg::diff_config(cc->running_config(), *cfg::load_config_string(yaml, "push.yaml").config);
    EXPECT_EQ(d.sa_remove, std::vector<std::string>{"in3"});
    EXPECT_TRUE(cc->ipsec_change_blocked(d).empty());
    cc->apply_config(*cfg::load_config_string(yaml, "push.yaml").config);
    EXPECT_EQ(rt->sas->find("in3"), dp::kNoSa);
    rte_rcu_qsbr_quiescent(rt->qsv, 0);
    cc->poll(0);
    b.clear();
    b.push_back(up_esp(lac_out1, 5));
    b.push_back(up_esp(lac_out3, 6));
    send_up(b);
    EXPECT_EQ(core_numbers(), range(5, 1));
    EXPECT_EQ(drops(dp::Drop::esp_unknown_spi), 1u);
    EXPECT_EQ(cc->counters().sas_added, 3u);
    EXPECT_EQ(cc->counters().sas_deleted, 1u);
}

// Lifetimes: the hard limit stops the SA (sa_hard_expired drops), and the
// control core counts SAs past their soft and hard limits.
TEST_F(IpsecRekey, LifetimesCountedAndEnforced) {
    SaRequest r;
    r.name = "short";
    r.sa = sa_cfg(crypto::SaDirection::inbound, 0x1005, 0x60, 0x70);
    r.sa.lifetime.soft_packets = 1;
    r.sa.lifetime.hard_packets = 2;
    r.local = kLns;
    r.peer = kLac;
    r.reply_sa = "out1";
    std::string err;
    ASSERT_NE(cc->sa_add(r, &err), dp::kNoSa) << err;
    crypto::Sa lac;
    ASSERT_EQ(lac.init(sa_cfg(crypto::SaDirection::outbound, 0x1005, 0x60, 0x70), imb.get()), crypto::SaError::ok);
    cc->poll(1);
    EXPECT_EQ(cc->counters().sa_soft_expired, 0u);
    send_up({up_esp(lac, 1), up_esp(lac, 2), up_esp(lac, 3)});
    EXPECT_EQ(core_numbers(), range(1, 2));
    EXPECT_EQ(drops(dp::Drop::sa_hard_expired), 1u);
    cc->poll(2000000000ull);
    EXPECT_EQ(cc->counters().sa_soft_expired, 1u);
    EXPECT_EQ(cc->counters().sa_hard_expired, 1u);
    cc->poll(4000000000ull);  // counted once
    EXPECT_EQ(cc->counters().sa_hard_expired, 1u);
}

// Two workers: worker 0 polls the access port, worker 1 the core port.  The SAs
// (and so the protected session) belong to worker 0; what worker 1 receives
// for them is handed to worker 0's inbox and processed there.
class IpsecTwoWorkers : public IpsecRekey {
  protected:
    std::string config_text() const override {
        std::string y = kYaml;
        const std::string one =
            "workers: [{lcore: 1, rx: [{port: access0, queue: 0}, {port: core0, queue: 0}]}]";
        y.replace(y.find(one), one.size(),
                  "workers: [{lcore: 1, rx: [{port: access0, queue: 0}]}, {lcore: 2, rx: [{port: "
                  "core0, queue: 0}]}]");
        return y;
    }
};

TEST_F(IpsecTwoWorkers, HandOffToTheSaOwner) {
    ASSERT_EQ(rt->workers.size(), 2u);
    dp::WorkerCtx *w0 = rt->workers[0], *w1 = rt->workers[1];
    ASSERT_EQ(rt->sas->sa(rt->sas->find("in1")).owner_worker, 0);
    ASSERT_EQ(rt->tables->sessions()[0].owner_worker, 0);
    // ESP that worker 1 received (RSS may spread a LAC's flows): handed over.
    std::vector<rte_mbuf *> b;
    for (uint32_t n = 1; n <= 4; n++) b.push_back(up_esp(lac_out1, n));
    send_up(b, w1);
    EXPECT_EQ(w1->c.handoffs, 4u);
    EXPECT_EQ(w1->c.esp_decrypted, 0u);
    EXPECT_TRUE(core_numbers().empty());
    EXPECT_EQ(dp::drain_inbox(w0), 4u);
    dp::tx_flush_all(w0);
    EXPECT_EQ(core_numbers(), range(1, 4));
    EXPECT_EQ(w0->c.esp_decrypted, 4u);
    // Downstream on worker 1 for the protected session: encrypted by worker 0.
    send_down(1, 3, w1);
    EXPECT_EQ(w1->c.handoffs, 7u);
    EXPECT_EQ(w1->c.esp_encrypted, 0u);
    EXPECT_EQ(dp::drain_inbox(w0), 3u);
    dp::tx_flush_all(w0);
    auto down = access_numbers();
    ASSERT_EQ(down.size(), 3u);
    for (uint32_t i = 0; i < 3; i++) EXPECT_EQ(down[i], std::make_pair(0x2001u, i + 1));
    EXPECT_EQ(rt->sas->sa(rt->sas->find("out1")).sa.last_seq(), 3u);
    uint64_t total = 0;
    for (const dp::WorkerCtx *x : {w0, w1})
        for (uint64_t d : x->c.drops) total += d;
    EXPECT_EQ(total, 0u);
}

}  // namespace
}  // namespace lns::cp
