// Unit tests for the data-plane tables (dataplane/tables.hpp): the three rte_hash
// tables (session, subscriber IPv4, subscriber IPv6 prefix), the session records,
// index allocation, the IPv6 prefix-length mask, neighbours, and deferred
// reclamation through an rte_rcu_qsbr defer queue.  Needs the DPDK EAL
// (tests/harness/eal_env.hpp): rte_hash and rte_malloc live in DPDK memory.
#include <gtest/gtest.h>
#include <pthread.h>
#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/pkt/ip.hpp"
#include "dataplane/tables.hpp"
#include "harness/eal_env.hpp"

namespace lns::dp {
namespace {

std::array<uint8_t, 16> v6(std::initializer_list<uint16_t> words) {
    std::array<uint8_t, 16> a{};
    size_t i = 0;
    for (uint16_t w : words) {
        a[i++] = uint8_t(w >> 8);
        a[i++] = uint8_t(w);
    }
    return a;
}

// A session with local ids (tunnel, session), remote ids derived from them.
SessionSpec spec(uint16_t tunnel, uint16_t session) {
    SessionSpec s;
    s.access_port = 1;
    s.local_tunnel_id = tunnel;
    s.local_session_id = session;
    s.remote_tunnel_id = uint16_t(tunnel + 1000);
    s.remote_session_id = uint16_t(session + 2000);
    s.lac_ip = 0xc6336402;  // 198.51.100.2
    s.lns_ip = 0xc6336401;
    s.lac_nh = 3;
    return s;
}

// Index found by a lock-free lookup, or kInvalidIndex.
uint32_t lookup(rte_hash *h, const void *key) {
    void *data = nullptr;
    if (rte_hash_lookup_data(h, key, &data) < 0) return kInvalidIndex;
    return uint32_t(uintptr_t(data));
}
uint32_t lookup_session(const Tables &t, uint16_t tunnel, uint16_t session) {
    const uint32_t key = Tables::session_key(tunnel, session);
    return lookup(t.session_hash(), &key);
}
uint32_t lookup_v4(const Tables &t, uint32_t ip_host) {
    const uint32_t key = rte_cpu_to_be_32(ip_host);
    return lookup(t.sub4_hash(), &key);
}
// The worker's view: upper 64 bits of the address, masked to `len`.
uint32_t lookup_v6(const Tables &t, const std::array<uint8_t, 16> &addr, uint32_t len) {
    V6Key k{};
    std::memcpy(&k.prefix_hi, addr.data(), 8);
    k.prefix_hi &= rte_cpu_to_be_64(~0ull << (64 - len));
    k.len = len;
    return lookup(t.sub6_hash(), &k);
}

int g_name_seq = 0;

std::unique_ptr<Tables> make_tables(uint32_t max_sessions, uint32_t max_neighbors = 64) {
    TablesParams p;
    p.max_sessions = max_sessions;
    p.max_neighbors = max_neighbors;
    p.socket_id = SOCKET_ID_ANY;
    p.name = "ut" + std::to_string(++g_name_seq);
    std::string err;
    auto t = Tables::create(p, &err);
    EXPECT_TRUE(t) << err;
    return t;
}

class DataplaneTables : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ASSERT_TRUE(lns::test::ensure_eal()) << lns::test::eal_error(); }
};

TEST_F(DataplaneTables, CreateReportsSizesAndMemory) {
    auto t = make_tables(1024, 128);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->max_sessions(), 1024u);
    EXPECT_EQ(t->max_neighbors(), 128u);
    EXPECT_EQ(t->session_count(), 0u);
    EXPECT_EQ(t->v6_len_mask(), 0u);
    EXPECT_GT(t->memory_bytes(), 0u);
    EXPECT_GE(t->memory_bytes(), 1024 * sizeof(DpSession));
    auto big = make_tables(8192, 128);
    ASSERT_TRUE(big);
    EXPECT_GT(big->memory_bytes(), t->memory_bytes());
    ASSERT_NE(t->sessions(), nullptr);
    ASSERT_NE(t->tx_ns(), nullptr);
    ASSERT_NE(t->neighbors(), nullptr);
}

TEST_F(DataplaneTables, CreateFailsWithAnError) {
    TablesParams p;
    p.name = "utdup";
    p.max_sessions = 64;
    p.socket_id = SOCKET_ID_ANY;
    std::string err;
    auto a = Tables::create(p, &err);
    ASSERT_TRUE(a) << err;
    auto b = Tables::create(p, &err);  // same hash names
    EXPECT_FALSE(b);
    EXPECT_FALSE(err.empty());
    // More than the EAL's 256 MB.
    p.name = "uthuge";
    p.max_sessions = 1u << 24;
    err.clear();
    auto c = Tables::create(p, &err);
    EXPECT_FALSE(c);
    EXPECT_FALSE(err.empty());
}

TEST_F(DataplaneTables, InstallAndLookUpInAllThreeHashes) {
    auto t = make_tables(64);
    ASSERT_TRUE(t);
    SessionSpec s = spec(7, 42);
    s.ipv4 = 0x64400001;                                        // 100.64.0.1
    s.ipv6 = {v6({0x2001, 0x0db8, 0x0001, 0x0002, 0, 0, 0, 0x99}), 64};  // host bits ignored
    s.framing.sequencing = true;
    s.framing.length = true;
    s.mru = 1492;
    s.path_mtu = 1500;
    s.owner_worker = 2;
    std::string err;
    const uint32_t idx = t->install_session(s, &err);
    ASSERT_NE(idx, kInvalidIndex) << err;
    EXPECT_EQ(t->session_count(), 1u);
    EXPECT_EQ(lookup_session(*t, 7, 42), idx);
    EXPECT_EQ(lookup_v4(*t, 0x64400001), idx);
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0x0db8, 0x0001, 0x0002, 0xaaaa, 0, 0, 1}), 64), idx);
    // Misses.
    EXPECT_EQ(lookup_session(*t, 42, 7), kInvalidIndex);
    EXPECT_EQ(lookup_session(*t, 7, 43), kInvalidIndex);
    EXPECT_EQ(lookup_v4(*t, 0x64400002), kInvalidIndex);
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0x0db8, 0x0001, 0x0003}), 64), kInvalidIndex);
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0x0db8, 0x0001, 0x0002}), 56), kInvalidIndex);

    const DpSession &r = t->sessions()[idx];
    EXPECT_EQ(r.local_tunnel_id, 7);
    EXPECT_EQ(r.local_session_id, 42);
    EXPECT_EQ(r.remote_tunnel_id, 1007);
    EXPECT_EQ(r.remote_session_id, 2042);
    EXPECT_EQ(r.lac_ip_be, rte_cpu_to_be_32(0xc6336402));
    EXPECT_EQ(r.lns_ip_be, rte_cpu_to_be_32(0xc6336401));
    EXPECT_EQ(r.lac_port_be, rte_cpu_to_be_16(kL2tpPort));
    EXPECT_EQ(r.access_port, 1);
    EXPECT_EQ(r.lac_nh, 3u);
    EXPECT_EQ(r.sub_ipv4_be, rte_cpu_to_be_32(0x64400001));
    EXPECT_EQ(r.flags, kSessHasIpv4 | kSessHasIpv6);
    EXPECT_EQ(r.owner_worker, 2);
    EXPECT_EQ(r.mru, 1492);
    // 8 (L) + 4 (S) of L2TP, FF 03 00 21 of PPP.
    EXPECT_EQ(r.encap_len, 16);
    EXPECT_EQ(r.max_inner, 1500 - 20 - 8 - 16);
    uint64_t hi;
    const auto pfx = v6({0x2001, 0x0db8, 0x0001, 0x0002});
    std::memcpy(&hi, pfx.data(), 8);
    EXPECT_EQ(r.sub_ipv6_hi, hi);
    EXPECT_EQ(r.sub_ipv6_mask, ~0ull);
    EXPECT_EQ(t->tx_ns()[idx], 0);
}

TEST_F(DataplaneTables, SessionWithoutAddresses) {
    auto t = make_tables(64);
    ASSERT_TRUE(t);
    std::string err;
    const uint32_t idx = t->install_session(spec(1, 1), &err);
    ASSERT_NE(idx, kInvalidIndex) << err;
    EXPECT_EQ(t->sessions()[idx].flags & (kSessHasIpv4 | kSessHasIpv6), 0);
    EXPECT_TRUE(t->sessions()[idx].flags & kSessPlainFraming);  // default framing
    EXPECT_EQ(rte_hash_count(t->sub4_hash()), 0);
    EXPECT_EQ(rte_hash_count(t->sub6_hash()), 0);
    EXPECT_EQ(t->v6_len_mask(), 0u);
}

TEST_F(DataplaneTables, AddSubscriberAfterInstall) {
    auto t = make_tables(64);
    ASSERT_TRUE(t);
    std::string err;
    const uint32_t a = t->install_session(spec(1, 1), &err);
    const uint32_t b = t->install_session(spec(1, 2), &err);
    ASSERT_NE(a, kInvalidIndex);
    ASSERT_NE(b, kInvalidIndex);
    // IPCP first: the address, found by the subscriber hash, anti-spoofing data set.
    ASSERT_TRUE(t->add_subscriber(a, 0x64400001u, std::nullopt, &err)) << err;
    EXPECT_EQ(lookup_v4(*t, 0x64400001u), a);
    EXPECT_TRUE(t->sessions()[a].flags & kSessHasIpv4);
    EXPECT_EQ(t->sessions()[a].sub_ipv4_be, rte_cpu_to_be_32(0x64400001u));
    // Then IPv6CP: the prefix.
    ASSERT_TRUE(t->add_subscriber(a, std::nullopt, std::make_pair(v6({0x2001, 0xdb8, 1, 2}), uint8_t(64)), &err)) << err;
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0xdb8, 1, 2, 0, 0, 0, 9}), 64), a);
    EXPECT_TRUE(t->v6_len_mask() & 1);
    // Each only once; never another session's address; never a dead index.
    EXPECT_FALSE(t->add_subscriber(a, 0x64400002u, std::nullopt, &err));
    EXPECT_NE(err.find("already"), std::string::npos) << err;
    EXPECT_FALSE(t->add_subscriber(b, 0x64400001u, std::nullopt, &err));
    EXPECT_NE(err.find("in use"), std::string::npos) << err;
    EXPECT_FALSE(t->add_subscriber(b, std::nullopt, std::make_pair(v6({0x2001, 0xdb8, 1, 2}), uint8_t(64)), &err));
    EXPECT_FALSE(t->add_subscriber(63, 0x64400009u, std::nullopt, &err));
    EXPECT_FALSE(t->add_subscriber(1000, 0x64400009u, std::nullopt, &err));
    // Removal takes the subscriber keys along.
    ASSERT_TRUE(t->remove_session(a));
    EXPECT_EQ(lookup_v4(*t, 0x64400001u), kInvalidIndex);
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0xdb8, 1, 2}), 64), kInvalidIndex);
    EXPECT_EQ(t->v6_len_mask(), 0u);
    ASSERT_TRUE(t->add_subscriber(b, 0x64400001u, std::nullopt, &err)) << err;
    EXPECT_EQ(lookup_v4(*t, 0x64400001u), b);
}

TEST_F(DataplaneTables, DuplicatesRejectedWithAnError) {
    auto t = make_tables(64);
    ASSERT_TRUE(t);
    SessionSpec a = spec(7, 42);
    a.ipv4 = 0x64400001;
    a.ipv6 = {v6({0x2001, 0x0db8, 0, 0x0100}), 56};
    std::string err;
    const uint32_t ia = t->install_session(a, &err);
    ASSERT_NE(ia, kInvalidIndex) << err;

    SessionSpec dup_ids = spec(7, 42);
    err.clear();
    EXPECT_EQ(t->install_session(dup_ids, &err), kInvalidIndex);
    EXPECT_NE(err.find("exists"), std::string::npos) << err;

    SessionSpec dup_v4 = spec(7, 43);
    dup_v4.ipv4 = 0x64400001;
    err.clear();
    EXPECT_EQ(t->install_session(dup_v4, &err), kInvalidIndex);
    EXPECT_NE(err.find("IPv4"), std::string::npos) << err;
    EXPECT_EQ(lookup_session(*t, 7, 43), kInvalidIndex);  // nothing half-installed

    SessionSpec dup_v6 = spec(7, 44);
    dup_v6.ipv6 = {v6({0x2001, 0x0db8, 0, 0x01ff, 1, 2, 3, 4}), 56};  // same /56
    err.clear();
    EXPECT_EQ(t->install_session(dup_v6, &err), kInvalidIndex);
    EXPECT_NE(err.find("IPv6"), std::string::npos) << err;
    EXPECT_EQ(lookup_session(*t, 7, 44), kInvalidIndex);

    EXPECT_EQ(t->session_count(), 1u);
    EXPECT_EQ(lookup_session(*t, 7, 42), ia);
    EXPECT_EQ(lookup_v4(*t, 0x64400001), ia);

    // The same bits with another length are another prefix.
    SessionSpec other_len = spec(7, 45);
    other_len.ipv6 = {v6({0x2001, 0x0db8, 0, 0x0100}), 64};
    err.clear();
    EXPECT_NE(t->install_session(other_len, &err), kInvalidIndex) << err;
}

TEST_F(DataplaneTables, Ipv6PrefixLengthOutOfRange) {
    auto t = make_tables(64);
    ASSERT_TRUE(t);
    for (uint8_t len : {0, 65, 128}) {
        SessionSpec s = spec(1, len);
        s.ipv6 = {v6({0x2001, 0x0db8}), len};
        std::string err;
        EXPECT_EQ(t->install_session(s, &err), kInvalidIndex) << int(len);
        EXPECT_FALSE(err.empty());
        EXPECT_EQ(lookup_session(*t, 1, len), kInvalidIndex);
    }
    EXPECT_EQ(t->session_count(), 0u);
}

TEST_F(DataplaneTables, RejectedInstallsDoNotConsumeIndices) {
    auto t = make_tables(2);
    ASSERT_TRUE(t);
    SessionSpec a = spec(1, 1);
    a.ipv4 = 0x0a000001;
    std::string err;
    ASSERT_NE(t->install_session(a, &err), kInvalidIndex);
    for (int i = 0; i < 10; i++) {
        SessionSpec b = spec(1, uint16_t(2 + i));
        b.ipv4 = 0x0a000001;  // duplicate address
        EXPECT_EQ(t->install_session(b, &err), kInvalidIndex);
    }
    EXPECT_NE(t->install_session(spec(1, 100), &err), kInvalidIndex) << err;
}

TEST_F(DataplaneTables, TableFull) {
    auto t = make_tables(4);
    ASSERT_TRUE(t);
    std::string err;
    std::vector<uint32_t> idx;
    for (uint16_t i = 0; i < 4; i++) {
        idx.push_back(t->install_session(spec(1, uint16_t(i + 1)), &err));
        ASSERT_NE(idx.back(), kInvalidIndex) << err;
    }
    // Indices are distinct, low ones first.
    EXPECT_EQ(idx, (std::vector<uint32_t>{0, 1, 2, 3}));
    err.clear();
    EXPECT_EQ(t->install_session(spec(1, 5), &err), kInvalidIndex);
    EXPECT_NE(err.find("full"), std::string::npos) << err;
    EXPECT_EQ(t->session_count(), 4u);
    EXPECT_EQ(lookup_session(*t, 1, 5), kInvalidIndex);
}

// Without an RCU variable attached, removal frees at once.
TEST_F(DataplaneTables, RemoveThenReinstallSameIds) {
    auto t = make_tables(4);
    ASSERT_TRUE(t);
    SessionSpec s = spec(9, 99);
    s.ipv4 = 0x64400009;
    s.ipv6 = {v6({0x2001, 0x0db8, 9}), 64};
    std::string err;
    const uint32_t a = t->install_session(s, &err);
    ASSERT_NE(a, kInvalidIndex) << err;
    ASSERT_TRUE(t->remove_session(a));
    EXPECT_EQ(t->session_count(), 0u);
    EXPECT_EQ(lookup_session(*t, 9, 99), kInvalidIndex);
    EXPECT_EQ(lookup_v4(*t, 0x64400009), kInvalidIndex);
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0x0db8, 9}), 64), kInvalidIndex);
    EXPECT_EQ(t->v6_len_mask(), 0u);
    EXPECT_EQ(t->sessions()[a].local_session_id, 0);  // record cleared
    const uint32_t b = t->install_session(s, &err);
    ASSERT_NE(b, kInvalidIndex) << err;
    EXPECT_EQ(b, a);  // the freed index comes back first
    EXPECT_EQ(lookup_session(*t, 9, 99), b);
    EXPECT_EQ(lookup_v4(*t, 0x64400009), b);
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0x0db8, 9}), 64), b);
    EXPECT_EQ(t->session_count(), 1u);
}

TEST_F(DataplaneTables, RemoveRejectsBadIndices) {
    auto t = make_tables(4);
    ASSERT_TRUE(t);
    std::string err;
    const uint32_t a = t->install_session(spec(1, 1), &err);
    ASSERT_NE(a, kInvalidIndex);
    EXPECT_FALSE(t->remove_session(4));
    EXPECT_FALSE(t->remove_session(kInvalidIndex));
    EXPECT_FALSE(t->remove_session(a + 1));  // never installed
    ASSERT_TRUE(t->remove_session(a));
    EXPECT_FALSE(t->remove_session(a));  // twice
    EXPECT_EQ(t->session_count(), 0u);
}

TEST_F(DataplaneTables, V6LenMaskBookkeeping) {
    auto t = make_tables(16);
    ASSERT_TRUE(t);
    std::string err;
    SessionSpec a = spec(1, 1);
    a.ipv6 = {v6({0x2001, 0x0db8, 0, 1}), 64};
    SessionSpec b = spec(1, 2);
    b.ipv6 = {v6({0x2001, 0x0db8, 0, 0x0200}), 56};
    SessionSpec c = spec(1, 3);
    c.ipv6 = {v6({0x2001, 0x0db8, 0, 0x0300}), 56};
    const uint32_t ia = t->install_session(a, &err);
    ASSERT_NE(ia, kInvalidIndex) << err;
    EXPECT_EQ(t->v6_len_mask(), 1ull << 0);  // bit 64 - 64
    const uint32_t ib = t->install_session(b, &err);
    ASSERT_NE(ib, kInvalidIndex) << err;
    EXPECT_EQ(t->v6_len_mask(), 1ull << 0 | 1ull << 8);  // bit 64 - 56
    const uint32_t ic = t->install_session(c, &err);
    ASSERT_NE(ic, kInvalidIndex) << err;
    EXPECT_EQ(t->sessions()[ib].sub_ipv6_mask, rte_cpu_to_be_64(~0ull << 8));
    // A /56 subscriber's addresses match under the /56 key.
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0x0db8, 0, 0x02ab, 0xffff}), 56), ib);
    EXPECT_EQ(lookup_v6(*t, v6({0x2001, 0x0db8, 0, 0x03cd}), 56), ic);

    ASSERT_TRUE(t->remove_session(ia));
    EXPECT_EQ(t->v6_len_mask(), 1ull << 8);
    ASSERT_TRUE(t->remove_session(ib));
    EXPECT_EQ(t->v6_len_mask(), 1ull << 8);  // c is still a /56
    ASSERT_TRUE(t->remove_session(ic));
    EXPECT_EQ(t->v6_len_mask(), 0u);
    // A failed install (duplicate ids) leaves the mask alone.
    const uint32_t id = t->install_session(a, &err);
    ASSERT_NE(id, kInvalidIndex);
    SessionSpec dup = spec(1, 1);
    dup.ipv6 = {v6({0x2001, 0x0db8, 0, 0x0900}), 40};
    EXPECT_EQ(t->install_session(dup, &err), kInvalidIndex);
    EXPECT_EQ(t->v6_len_mask(), 1ull << 0);
}

TEST_F(DataplaneTables, EncapLenFollowsFraming) {
    auto t = make_tables(16);
    ASSERT_TRUE(t);
    std::string err;
    SessionSpec s = spec(1, 1);
    s.framing.acfc = true;
    s.framing.pfc = true;
    s.framing.offset = 3;
    s.path_mtu = 1400;
    const uint32_t i = t->install_session(s, &err);
    ASSERT_NE(i, kInvalidIndex);
    EXPECT_EQ(t->sessions()[i].encap_len, l2tp_data_header_size(s.framing) + 1);  // 6 + 5, protocol 21
    EXPECT_EQ(t->sessions()[i].max_inner, 1400 - 28 - t->sessions()[i].encap_len);
    SessionSpec tiny = spec(1, 2);
    tiny.path_mtu = 20;  // nothing fits
    const uint32_t j = t->install_session(tiny, &err);
    ASSERT_NE(j, kInvalidIndex);
    EXPECT_EQ(t->sessions()[j].max_inner, 0);
}

TEST_F(DataplaneTables, Neighbors) {
    auto t = make_tables(16, 8);
    ASSERT_TRUE(t);
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    EXPECT_EQ(t->neighbors()[5].word.load(), 0u);
    t->set_neighbor(5, mac);
    const uint64_t w = t->neighbors()[5].word.load();
    EXPECT_TRUE(w & kNeighborValid);
    uint8_t got[6];
    for (int i = 0; i < 6; i++) got[i] = uint8_t(w >> (8 * i));
    EXPECT_EQ(std::memcmp(got, mac, 6), 0);
    EXPECT_EQ(w & ~kNeighborValid & ~0xffffffffffffull, 0u);
    EXPECT_EQ(t->neighbors()[4].word.load(), 0u);
    t->clear_neighbor(5);
    EXPECT_EQ(t->neighbors()[5].word.load(), 0u);
    const uint8_t zero[6] = {};
    t->set_neighbor(7, zero);  // an all-zero MAC is still a valid entry
    EXPECT_EQ(t->neighbors()[7].word.load(), kNeighborValid);
}

TEST_F(DataplaneTables, SessionSignatureIsTheHashOfTheKey) {
    // Workers pass Tables::session_sig() to the bulk lookup: it must be exactly
    // the signature rte_hash computes for the session table.
    auto t = make_tables(64);
    ASSERT_TRUE(t);
    std::string err;
    const uint32_t idx = t->install_session(spec(0xbeef, 0x0102), &err);
    ASSERT_NE(idx, kInvalidIndex) << err;
    for (uint32_t k : {0u, 1u, 0xbeef0102u, 0xffffffffu, 0x00010001u, 0x12345678u}) {
        EXPECT_EQ(Tables::session_sig(k), rte_hash_hash(t->session_hash(), &k)) << std::hex << k;
    }
    const uint32_t key = Tables::session_key(0xbeef, 0x0102);
    void *data = nullptr;
    ASSERT_GE(rte_hash_lookup_with_hash_data(t->session_hash(), &key, Tables::session_sig(key), &data), 0);
    EXPECT_EQ(uint32_t(uintptr_t(data)), idx);
}

TEST_F(DataplaneTables, OnlinkNextHops) {
    auto t = make_tables(64, 16);
    ASSERT_TRUE(t);
    const uint32_t ip4 = rte_cpu_to_be_32(0xc0000205);
    const auto ip6 = v6({0x2001, 0x0db8, 0, 0, 0, 0, 0, 5});
    EXPECT_TRUE(t->add_onlink4(ip4, 7));
    EXPECT_TRUE(t->add_onlink6(ip6.data(), 9));
    EXPECT_EQ(lookup(t->onlink4_hash(), &ip4), 7u);
    EXPECT_EQ(lookup(t->onlink6_hash(), ip6.data()), 9u);
    const uint32_t other4 = rte_cpu_to_be_32(0xc0000206);
    const auto other6 = v6({0x2001, 0x0db8, 0, 0, 0, 0, 0, 6});
    EXPECT_EQ(lookup(t->onlink4_hash(), &other4), kInvalidIndex);
    EXPECT_EQ(lookup(t->onlink6_hash(), other6.data()), kInvalidIndex);
}

// Regression (found by this test; fixed in faa1b16): remove_session trusted the
// index without checking that the session key still maps to it.  Removing an
// index a second time, after a session with the same ids was installed
// elsewhere (the old record is kept until the grace period ends), deleted the
// *new* session's keys, returned true, and queued the old index for release a
// second time, so that two later sessions shared one record (and
// ControlCore::remove_session released the LAC neighbour twice).
TEST_F(DataplaneTables, RemoveOfAStaleIndexLeavesTheNewSessionAlone) {
    auto t = make_tables(4);
    ASSERT_TRUE(t);
    // A registered, online reader keeps removed records alive.
    const size_t sz = rte_rcu_qsbr_get_memsize(1);
    auto *qsv = static_cast<rte_rcu_qsbr *>(rte_zmalloc("ut_qsv_stale", sz, RTE_CACHE_LINE_SIZE));
    ASSERT_NE(qsv, nullptr);
    ASSERT_EQ(rte_rcu_qsbr_init(qsv, 1), 0);
    ASSERT_EQ(rte_rcu_qsbr_thread_register(qsv, 0), 0);
    rte_rcu_qsbr_thread_online(qsv, 0);
    std::string err;
    ASSERT_TRUE(t->attach_rcu(qsv, &err)) << err;

    SessionSpec s = spec(5, 5);
    s.ipv4 = 0x64400005;
    const uint32_t a = t->install_session(s, &err);
    ASSERT_NE(a, kInvalidIndex);
    ASSERT_TRUE(t->remove_session(a));
    const uint32_t b = t->install_session(s, &err);  // same ids, new index
    ASSERT_NE(b, kInvalidIndex) << err;
    ASSERT_NE(b, a);
    EXPECT_FALSE(t->remove_session(a)) << "index " << a << " was already removed";
    EXPECT_EQ(lookup_session(*t, 5, 5), b);
    EXPECT_EQ(lookup_v4(*t, 0x64400005), b);
    EXPECT_EQ(t->session_count(), 1u);
    // After the grace period, every index is handed out once.
    rte_rcu_qsbr_quiescent(qsv, 0);
    t->reclaim();
    std::vector<uint32_t> got;
    for (uint16_t i = 0; i < 4; i++) {
        const uint32_t x = t->install_session(spec(6, uint16_t(i + 1)), &err);
        if (x != kInvalidIndex) got.push_back(x);
    }
    got.push_back(b);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "an index was handed out twice";

    rte_rcu_qsbr_thread_offline(qsv, 0);
    rte_rcu_qsbr_thread_unregister(qsv, 0);
    t.reset();
    rte_free(qsv);
}

// ---------------------------------------------------------------------------
// RCU: deferred reclamation
// ---------------------------------------------------------------------------

class DataplaneTablesRcu : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ASSERT_TRUE(lns::test::ensure_eal()) << lns::test::eal_error(); }

    void SetUp() override {
        const size_t sz = rte_rcu_qsbr_get_memsize(kReaders);
        qsv_ = static_cast<rte_rcu_qsbr *>(rte_zmalloc("ut_qsv", sz, RTE_CACHE_LINE_SIZE));
        ASSERT_NE(qsv_, nullptr);
        ASSERT_EQ(rte_rcu_qsbr_init(qsv_, kReaders), 0);
        ASSERT_EQ(rte_rcu_qsbr_thread_register(qsv_, kReader), 0);
        rte_rcu_qsbr_thread_online(qsv_, kReader);
        online_ = true;
        t_ = make_tables(4);
        ASSERT_TRUE(t_);
        std::string err;
        ASSERT_TRUE(t_->attach_rcu(qsv_, &err)) << err;
    }
    void TearDown() override {
        // Readers offline first, so that the defer queue can drain on delete.
        if (online_) rte_rcu_qsbr_thread_offline(qsv_, kReader);
        if (qsv_) rte_rcu_qsbr_thread_unregister(qsv_, kReader);
        t_.reset();
        rte_free(qsv_);
    }
    uint32_t install(uint16_t tunnel, uint16_t session, std::string *err = nullptr) {
        std::string e;
        SessionSpec s = spec(tunnel, session);
        s.ipv4 = 0x64400000u + session;
        return t_->install_session(s, err ? err : &e);
    }

    static constexpr uint32_t kReaders = 1;
    static constexpr unsigned kReader = 0;
    rte_rcu_qsbr *qsv_ = nullptr;
    bool online_ = false;
    std::unique_ptr<Tables> t_;
};

TEST_F(DataplaneTablesRcu, IndexNotReusedBeforeQuiescence) {
    const uint32_t a = install(1, 1), b = install(1, 2);
    ASSERT_EQ(a, 0u);
    ASSERT_EQ(b, 1u);
    ASSERT_TRUE(t_->remove_session(a));
    // Keys are gone at once: no new lookup finds the session...
    EXPECT_EQ(lookup_session(*t_, 1, 1), kInvalidIndex);
    EXPECT_EQ(lookup_v4(*t_, 0x64400001), kInvalidIndex);
    EXPECT_EQ(t_->session_count(), 1u);
    // ...but a reader that found it earlier still sees the whole record.
    EXPECT_EQ(t_->sessions()[a].local_session_id, 1);
    EXPECT_EQ(t_->sessions()[a].sub_ipv4_be, rte_cpu_to_be_32(0x64400001));
    // The reader has not reported a quiescent state: a is not handed out.
    const uint32_t c = install(1, 3);
    EXPECT_EQ(c, 2u);
    t_->reclaim();
    const uint32_t d = install(1, 4);
    EXPECT_EQ(d, 3u);
    std::string err;
    t_->reclaim();
    EXPECT_EQ(install(1, 5, &err), kInvalidIndex);
    EXPECT_NE(err.find("full"), std::string::npos) << err;
    EXPECT_EQ(t_->sessions()[a].local_session_id, 1);  // still intact
}

TEST_F(DataplaneTablesRcu, ReusableAfterQuiescentAndReclaim) {
    const uint32_t a = install(1, 1);
    ASSERT_NE(a, kInvalidIndex);
    ASSERT_TRUE(t_->remove_session(a));
    rte_rcu_qsbr_quiescent(qsv_, kReader);
    t_->reclaim();
    EXPECT_EQ(t_->sessions()[a].local_session_id, 0);  // released: record cleared
    const uint32_t b = install(1, 1);  // same ids and address
    EXPECT_EQ(b, a);
    EXPECT_EQ(lookup_session(*t_, 1, 1), b);
    EXPECT_EQ(lookup_v4(*t_, 0x64400001), b);
}

TEST_F(DataplaneTablesRcu, FullTableWaitsForTheGracePeriod) {
    for (uint16_t i = 1; i <= 4; i++) ASSERT_NE(install(1, i), kInvalidIndex);
    ASSERT_TRUE(t_->remove_session(2));
    std::string err;
    EXPECT_EQ(install(1, 9, &err), kInvalidIndex);  // install reclaims, nothing is due
    EXPECT_NE(err.find("full"), std::string::npos) << err;
    rte_rcu_qsbr_quiescent(qsv_, kReader);
    // No explicit reclaim(): install reclaims when it runs out of indices.
    EXPECT_EQ(install(1, 9, &err), 2u) << err;
}

TEST_F(DataplaneTablesRcu, OfflineReaderDoesNotHoldTheGracePeriod) {
    const uint32_t a = install(1, 1);
    ASSERT_TRUE(t_->remove_session(a));
    rte_rcu_qsbr_thread_offline(qsv_, kReader);
    online_ = false;
    t_->reclaim();
    EXPECT_EQ(install(1, 2), a);
}

TEST_F(DataplaneTablesRcu, GracePeriodIsPerRemoval) {
    const uint32_t a = install(1, 1), b = install(1, 2);
    ASSERT_TRUE(t_->remove_session(a));
    rte_rcu_qsbr_quiescent(qsv_, kReader);  // covers a only
    ASSERT_TRUE(t_->remove_session(b));
    t_->reclaim();
    EXPECT_EQ(t_->sessions()[a].local_session_id, 0);  // released
    EXPECT_EQ(t_->sessions()[b].local_session_id, 2);  // still held
    EXPECT_EQ(install(1, 3), a);
    EXPECT_EQ(install(1, 4), 2u);
    EXPECT_EQ(install(1, 5), 3u);
    EXPECT_EQ(install(1, 6), kInvalidIndex);  // b still held
    rte_rcu_qsbr_quiescent(qsv_, kReader);
    EXPECT_EQ(install(1, 6), b);
}

// Many remove/install cycles: hash key slots are returned with the index (the
// hashes hold only 64 keys here), and the counters stay exact.
TEST_F(DataplaneTablesRcu, ManyCyclesDoNotLeak) {
    std::vector<uint32_t> live;
    for (uint16_t i = 1; i <= 3; i++) live.push_back(install(2, i));
    uint16_t next = 4;
    for (int cycle = 0; cycle < 2000; cycle++) {
        const size_t v = size_t(cycle) % live.size();
        ASSERT_TRUE(t_->remove_session(live[v])) << cycle;
        if (cycle % 3 == 0) rte_rcu_qsbr_quiescent(qsv_, kReader);
        t_->reclaim();
        std::string err;
        uint32_t idx = install(2, next, &err);
        if (idx == kInvalidIndex) {  // all spare indices held: end the grace period
            rte_rcu_qsbr_quiescent(qsv_, kReader);
            idx = install(2, next, &err);
        }
        ASSERT_NE(idx, kInvalidIndex) << "cycle " << cycle << ": " << err;
        ASSERT_EQ(lookup_session(*t_, 2, next), idx);
        live[v] = idx;
        next = uint16_t(next == 60000 ? 4 : next + 1);
        ASSERT_EQ(t_->session_count(), 3u);
    }
    // rte_hash_count counts key slots in use, including those of removed keys
    // whose slots wait for the grace period: end it, then exactly 3 remain.
    rte_rcu_qsbr_quiescent(qsv_, kReader);
    t_->reclaim();
    EXPECT_EQ(rte_hash_count(t_->session_hash()), 3);
    EXPECT_EQ(rte_hash_count(t_->sub4_hash()), 3);
}

// A reader thread looks sessions up and reads their records, reporting a
// quiescent state between lookups, while the control thread removes and
// installs sessions with ever new ids.  A record a reader found must keep the
// ids it was found by until the reader's next quiescent report.
TEST_F(DataplaneTablesRcu, ConcurrentReaderNeverSeesARecycledRecord) {
    constexpr uint16_t kTunnel = 77;
    std::atomic<uint32_t> newest{3};
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> found{0}, mismatches{0};
    for (uint16_t i = 1; i <= 3; i++) ASSERT_NE(install(kTunnel, i), kInvalidIndex);

    std::thread reader([&] {
        // EAL pinned the main thread (and so its children) to lcore 0: let the
        // reader run on any CPU so that it really runs beside the writer.
        cpu_set_t all;
        CPU_ZERO(&all);
        for (int c = 0; c < CPU_SETSIZE && c < 64; c++) CPU_SET(c, &all);
        pthread_setaffinity_np(pthread_self(), sizeof all, &all);
        const DpSession *rec = t_->sessions();
        uint32_t n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const uint32_t hi = newest.load(std::memory_order_acquire);
            for (uint32_t sid = hi > 6 ? hi - 6 : 1; sid <= hi; sid++) {
                const uint32_t idx = lookup_session(*t_, kTunnel, uint16_t(sid));
                if (idx == kInvalidIndex) continue;
                found.fetch_add(1, std::memory_order_relaxed);
                for (int k = 0; k < 50; k++) {
                    const uint16_t s = __atomic_load_n(&rec[idx].local_session_id, __ATOMIC_RELAXED);
                    const uint16_t tu = __atomic_load_n(&rec[idx].local_tunnel_id, __ATOMIC_RELAXED);
                    if (s != uint16_t(sid) || tu != kTunnel) {
                        mismatches.fetch_add(1, std::memory_order_relaxed);
                        break;
                    }
                    rte_pause();
                }
            }
            if (++n % 2 == 0) rte_rcu_qsbr_quiescent(qsv_, kReader);
        }
    });

    std::vector<uint32_t> live = {0, 1, 2};
    uint32_t sid = 4;
    int full = 0;
    // 20000 cycles, or 3 s if the machine is busy (the writer waits for the
    // reader's quiescent reports whenever all spare indices are held).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    int cycles = 0;
    for (int cycle = 0; cycle < 20000 && std::chrono::steady_clock::now() < deadline; cycle++, cycles++) {
        const size_t v = size_t(cycle) % live.size();
        // No ASSERT here: the reader thread must be joined whatever happens.
        if (!t_->remove_session(live[v])) {
            ADD_FAILURE() << "remove_session failed at cycle " << cycle;
            break;
        }
        t_->reclaim();
        uint32_t idx;
        while ((idx = install(kTunnel, uint16_t(sid))) == kInvalidIndex && full < 50000000) {
            full++;
            std::this_thread::yield();
        }
        if (idx == kInvalidIndex) {
            ADD_FAILURE() << "no index came free at cycle " << cycle;
            break;
        }
        newest.store(sid, std::memory_order_release);
        live[v] = idx;
        sid = sid == 65000 ? 4 : sid + 1;
    }
    stop = true;
    reader.join();
    EXPECT_EQ(mismatches.load(), 0u) << "a reader saw a record reused before its quiescent report";
    EXPECT_GT(found.load(), 1000u);
    RecordProperty("lookups", std::to_string(found.load()));
    RecordProperty("cycles", std::to_string(cycles));
    RecordProperty("installs_waiting_for_grace", std::to_string(full));
}

// Regression (found by this test; fixed in faa1b16): the defer queue was always
// named "lns_sess_dq" (rte_ring "RCU_lns_sess_dq") whatever TablesParams::name
// said, so a second Tables in the process could not attach RCU (EEXIST).
TEST_F(DataplaneTablesRcu, TwoInstancesCanAttachRcu) {
    auto other = make_tables(4);
    ASSERT_TRUE(other);
    std::string err;
    EXPECT_TRUE(other->attach_rcu(qsv_, &err)) << err;
}

}  // namespace
}  // namespace lns::dp
