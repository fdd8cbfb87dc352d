#include "dataplane/tables.hpp"

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <cstring>

#include "dataplane/pkt/ip.hpp"

namespace lns::dp {

// One deleted session waiting for its grace period: the session index and the
// key positions to free in each hash (-1 when absent).
struct Tables::Deferred {
    uint32_t index;
    int32_t pos_session;
    int32_t pos_sub4;
    int32_t pos_sub6;
};

namespace {

rte_hash *make_hash(const std::string &name, uint32_t entries, uint32_t key_len, int socket,
                    std::string *err) {
    rte_hash_parameters hp{};
    hp.name = name.c_str();
    hp.entries = entries < 64 ? 64 : entries;
    hp.key_len = key_len;
    hp.hash_func = rte_hash_crc;
    hp.hash_func_init_val = 0;
    hp.socket_id = socket;
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    rte_hash *h = rte_hash_create(&hp);
    if (!h) *err = "rte_hash_create(" + name + "): " + rte_strerror(rte_errno);
    return h;
}


}  // namespace

namespace {
// Bytes allocated on every socket's heap (tables may be placed with SOCKET_ID_ANY).
size_t heap_allocated() {
    size_t total = 0;
    for (unsigned i = 0; i < rte_socket_count(); i++) {
        rte_malloc_socket_stats st{};
        if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0) total += st.heap_allocsz_bytes;
    }
    return total;
}
}  // namespace

std::unique_ptr<Tables> Tables::create(const TablesParams &p, std::string *err) {
    const size_t heap_before = heap_allocated();
    std::unique_ptr<Tables> t(new Tables());
    t->max_sessions_ = p.max_sessions;
    t->max_neighbors_ = p.max_neighbors;
    t->session_hash_ = make_hash(p.name + "_sess", p.max_sessions, 4, p.socket_id, err);
    if (!t->session_hash_) return nullptr;
    t->sub4_hash_ = make_hash(p.name + "_sub4", p.max_sessions, 4, p.socket_id, err);
    if (!t->sub4_hash_) return nullptr;
    t->sub6_hash_ = make_hash(p.name + "_sub6", p.max_sessions, sizeof(V6Key), p.socket_id, err);
    if (!t->sub6_hash_) return nullptr;
    t->onlink4_hash_ = make_hash(p.name + "_onl4", p.max_neighbors, 4, p.socket_id, err);
    if (!t->onlink4_hash_) return nullptr;
    t->onlink6_hash_ = make_hash(p.name + "_onl6", p.max_neighbors, 16, p.socket_id, err);
    if (!t->onlink6_hash_) return nullptr;

    t->sessions_ = static_cast<DpSession *>(rte_zmalloc_socket(
        "lns_sessions", sizeof(DpSession) * size_t(p.max_sessions), 64, p.socket_id));
    t->tx_ns_ = static_cast<uint16_t *>(rte_zmalloc_socket(
        "lns_tx_ns", sizeof(uint16_t) * size_t(p.max_sessions), 64, p.socket_id));
    t->neighbors_ = static_cast<NeighborSlot *>(rte_zmalloc_socket(
        "lns_neigh", sizeof(NeighborSlot) * size_t(p.max_neighbors), 64, p.socket_id));
    t->free_list_ = static_cast<uint32_t *>(
        rte_malloc("lns_free", sizeof(uint32_t) * size_t(p.max_sessions), 0));
    // Fronts: one bucket of eight slots per four sessions (load 50%: about 0.5% of
    // keys find their bucket full and are served by the rte_hash alone), 16 bytes
    // per session each.
    const uint32_t fb = std::max<uint32_t>(64, rte_align32pow2(std::max<uint32_t>(p.max_sessions / 4, 1)));
    t->front_mem_ = static_cast<FrontBucket *>(
        rte_zmalloc_socket("lns_front", sizeof(FrontBucket) * size_t(fb) * 2, 64, p.socket_id));
    if (t->front_mem_) {
        t->session_front_.init(t->front_mem_, fb);
        t->sub4_front_.init(t->front_mem_ + fb, fb);
    }
    if (!t->sessions_ || !t->tx_ns_ || !t->neighbors_ || !t->free_list_ || !t->front_mem_) {
        *err = "out of DPDK memory for session tables (raise eal.memory_mb or lower "
               "tables.max_sessions)";
        return nullptr;
    }
    // What the tables really hold, measured on the DPDK heap (hash internals
    // included: buckets, key store, free-slot rings).
    t->heap_bytes_ = heap_allocated() - heap_before;
    // Hand out low indices first: index i is at the top of the stack.
    for (uint32_t i = 0; i < p.max_sessions; i++) {
        t->free_list_[i] = p.max_sessions - 1 - i;
        t->sessions_[i] = DpSession{};  // sa_out = kNoSa: free records bind to no SA
    }
    t->free_count_ = p.max_sessions;
    return t;
}

Tables::~Tables() {
    if (dq_) rte_rcu_qsbr_dq_delete(dq_);
    rte_hash_free(session_hash_);
    rte_hash_free(sub4_hash_);
    rte_hash_free(sub6_hash_);
    rte_hash_free(onlink4_hash_);
    rte_hash_free(onlink6_hash_);
    rte_free(sessions_);
    rte_free(tx_ns_);
    rte_free(neighbors_);
    rte_free(free_list_);
    rte_free(front_mem_);
}

bool Tables::attach_rcu(rte_rcu_qsbr *qsv, std::string *err) {
    static unsigned instance = 0;  // defer queues are named objects: one name per Tables
    const std::string name = "lnsdq" + std::to_string(instance++);
    rte_rcu_qsbr_dq_parameters dp{};
    dp.name = name.c_str();
    dp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE;  // the control core is the only writer
    // Room for the deletions of one grace period, not for every session: a full
    // queue reclaims, and at worst remove_session waits for the readers.
    dp.size = std::min<uint32_t>(max_sessions_, 16384);
    dp.esize = sizeof(Deferred);
    dp.trigger_reclaim_limit = 64;
    dp.max_reclaim_size = 1024;
    dp.free_fn = &Tables::free_deferred;
    dp.p = this;
    dp.v = qsv;
    const size_t heap_before = heap_allocated();
    dq_ = rte_rcu_qsbr_dq_create(&dp);
    if (heap_bytes_) heap_bytes_ += heap_allocated() - heap_before;
    if (!dq_) {
        *err = std::string("rte_rcu_qsbr_dq_create: ") + rte_strerror(rte_errno);
        return false;
    }
    qsv_ = qsv;
    return true;
}

void Tables::free_deferred(void *p, void *e, unsigned n) {
    auto *t = static_cast<Tables *>(p);
    auto *d = static_cast<Deferred *>(e);
    for (unsigned i = 0; i < n; i++) {
        if (d[i].pos_session >= 0) rte_hash_free_key_with_position(t->session_hash_, d[i].pos_session);
        if (d[i].pos_sub4 >= 0) rte_hash_free_key_with_position(t->sub4_hash_, d[i].pos_sub4);
        if (d[i].pos_sub6 >= 0) rte_hash_free_key_with_position(t->sub6_hash_, d[i].pos_sub6);
        t->release_index(d[i].index);
    }
}

void Tables::release_index(uint32_t index) {
    sessions_[index] = DpSession{};
    tx_ns_[index] = 0;
    free_list_[free_count_++] = index;
}

void Tables::reclaim() {
    if (dq_) rte_rcu_qsbr_dq_reclaim(dq_, UINT32_MAX, nullptr, nullptr, nullptr);
}

namespace {

V6Key make_v6_key(const std::array<uint8_t, 16> &prefix, uint8_t len) {
    V6Key k{};
    std::memcpy(&k.prefix_hi, prefix.data(), 8);
    uint64_t mask_be = len == 0 ? 0 : ~0ull << (64 - len);  // host-order mask of the BE value
    k.prefix_hi &= rte_cpu_to_be_64(mask_be);
    k.len = len;
    return k;
}

void fill_record(DpSession &r, const SessionSpec &s) {
    r = DpSession{};
    r.lac_ip_be = rte_cpu_to_be_32(s.lac_ip);
    r.lns_ip_be = rte_cpu_to_be_32(s.lns_ip);
    r.lac_port_be = rte_cpu_to_be_16(s.lac_port);
    r.remote_tunnel_id = s.remote_tunnel_id;
    r.remote_session_id = s.remote_session_id;
    r.access_port = s.access_port;
    r.lac_nh = s.lac_nh;
    r.local_tunnel_id = s.local_tunnel_id;
    r.local_session_id = s.local_session_id;
    r.framing = s.framing;
    r.owner_worker = s.owner_worker;
    r.mru = s.mru;
    const L2tpTxFraming &f = s.framing;
    if (!f.sequencing && !f.length && !f.offset && !f.acfc && !f.pfc) r.flags |= kSessPlainFraming;
    // Version/IHL/TOS, TTL 64/UDP, source and destination: what every outer
    // header of this session shares (RFC 1071 sum, folded per packet with the
    // total length and identification).
    r.ip_csum_base = 0x4500 + 0x4011 + (s.lns_ip >> 16) + (s.lns_ip & 0xffff) + (s.lac_ip >> 16) +
                     (s.lac_ip & 0xffff);
    r.encap_len = uint8_t(l2tp_data_header_size(s.framing) + ppp_header_size(s.framing, kPppIpv4));
    // Outer IPv4 + UDP + L2TP + PPP must fit the path MTU unfragmented.
    int room = int(s.path_mtu) - 20 - int(kUdpHdrLen) - r.encap_len;
    r.sa_out = s.sa_out;
    if (s.sa_out != kNoSa) {
        r.flags |= kSessProtected;
        room -= kMaxEspOverhead;
    }
    r.max_inner = uint16_t(room < 0 ? 0 : room);
    if (s.ipv4) {
        r.flags |= kSessHasIpv4;
        r.sub_ipv4_be = rte_cpu_to_be_32(*s.ipv4);
    }
    if (s.ipv6) {
        r.flags |= kSessHasIpv6;
        const V6Key k = make_v6_key(s.ipv6->first, s.ipv6->second);
        r.sub_ipv6_hi = k.prefix_hi;
        const uint8_t len = s.ipv6->second;
        r.sub_ipv6_mask = rte_cpu_to_be_64(len == 0 ? 0 : ~0ull << (64 - len));
    }
}

}  // namespace

uint32_t Tables::install_session(const SessionSpec &s, std::string *err) {
    const uint32_t key = session_key(s.local_tunnel_id, s.local_session_id);
    if (rte_hash_lookup(session_hash_, &key) >= 0) {
        *err = "session (" + std::to_string(s.local_tunnel_id) + ", " +
               std::to_string(s.local_session_id) + ") exists";
        return kInvalidIndex;
    }
    const uint32_t v4 = s.ipv4 ? rte_cpu_to_be_32(*s.ipv4) : 0;
    if (s.ipv4 && rte_hash_lookup(sub4_hash_, &v4) >= 0) {
        *err = "subscriber IPv4 address in use";
        return kInvalidIndex;
    }
    V6Key k6{};
    if (s.ipv6) {
        if (s.ipv6->second == 0 || s.ipv6->second > 64) {
            *err = "IPv6 prefix length must be 1..64";
            return kInvalidIndex;
        }
        k6 = make_v6_key(s.ipv6->first, s.ipv6->second);
        if (rte_hash_lookup(sub6_hash_, &k6) >= 0) {
            *err = "subscriber IPv6 prefix in use";
            return kInvalidIndex;
        }
    }
    if (free_count_ == 0) reclaim();
    if (free_count_ == 0) {
        *err = "session table full";
        return kInvalidIndex;
    }
    const uint32_t idx = free_list_[--free_count_];
    fill_record(sessions_[idx], s);
    tx_ns_[idx] = 0;
    void *data = reinterpret_cast<void *>(uintptr_t(idx));
    // Publish the record before the keys: rte_hash's add has release semantics.
    int rc = rte_hash_add_key_data(session_hash_, &key, data);
    if (rc != 0) {  // nothing published yet: the index goes straight back
        free_list_[free_count_++] = idx;
        *err = std::string("hash insert failed: ") + rte_strerror(-rc);
        return kInvalidIndex;
    }
    if (s.ipv4) rc = rte_hash_add_key_data(sub4_hash_, &v4, data);
    if (rc == 0 && s.ipv6) {
        rc = rte_hash_add_key_data(sub6_hash_, &k6, data);
        if (rc == 0 && v6_len_count_[k6.len]++ == 0)
            v6_len_mask_.fetch_or(1ull << (64 - k6.len), std::memory_order_release);
    }
    if (rc != 0) {
        *err = std::string("hash insert failed: ") + rte_strerror(-rc);
        live_sessions_++;
        remove_session(idx);
        return kInvalidIndex;
    }
    if (!session_front_.insert(key, idx)) front_overflow_++;
    if (s.ipv4 && !sub4_front_.insert(v4, idx)) front_overflow_++;
    live_sessions_++;
    return idx;
}

bool Tables::add_subscriber(uint32_t index, std::optional<uint32_t> ipv4,
                            std::optional<std::pair<std::array<uint8_t, 16>, uint8_t>> ipv6,
                            std::string *err) {
    if (index >= max_sessions_) return *err = "no such session", false;
    DpSession &r = sessions_[index];
    const uint32_t key = session_key(r.local_tunnel_id, r.local_session_id);
    void *data;
    if (rte_hash_lookup_data(session_hash_, &key, &data) < 0 || uint32_t(uintptr_t(data)) != index)
        return *err = "no such session", false;
    const uint32_t v4 = ipv4 ? rte_cpu_to_be_32(*ipv4) : 0;
    if (ipv4 && (r.flags & kSessHasIpv4)) return *err = "session already has an IPv4 address", false;
    if (ipv4 && rte_hash_lookup(sub4_hash_, &v4) >= 0) return *err = "subscriber IPv4 address in use", false;
    V6Key k6{};
    if (ipv6) {
        if (r.flags & kSessHasIpv6) return *err = "session already has an IPv6 prefix", false;
        if (ipv6->second == 0 || ipv6->second > 64) return *err = "IPv6 prefix length must be 1..64", false;
        k6 = make_v6_key(ipv6->first, ipv6->second);
        if (rte_hash_lookup(sub6_hash_, &k6) >= 0) return *err = "subscriber IPv6 prefix in use", false;
    }
    // Address fields first, then the flag (release), then the keys: a worker that
    // finds the session by a subscriber key sees a complete record.
    uint8_t flags = r.flags;
    if (ipv4) {
        r.sub_ipv4_be = v4;
        flags |= kSessHasIpv4;
    }
    if (ipv6) {
        r.sub_ipv6_hi = k6.prefix_hi;
        r.sub_ipv6_mask = rte_cpu_to_be_64(~0ull << (64 - k6.len));
        flags |= kSessHasIpv6;
    }
    __atomic_store_n(&r.flags, flags, __ATOMIC_RELEASE);
    if (ipv4) {
        int rc = rte_hash_add_key_data(sub4_hash_, &v4, data);
        if (rc != 0) {
            __atomic_store_n(&r.flags, uint8_t(r.flags & ~kSessHasIpv4), __ATOMIC_RELEASE);
            return *err = std::string("hash insert failed: ") + rte_strerror(-rc), false;
        }
        if (!sub4_front_.insert(v4, index)) front_overflow_++;
    }
    if (ipv6) {
        int rc = rte_hash_add_key_data(sub6_hash_, &k6, data);
        if (rc != 0) {
            __atomic_store_n(&r.flags, uint8_t(r.flags & ~kSessHasIpv6), __ATOMIC_RELEASE);
            return *err = std::string("hash insert failed: ") + rte_strerror(-rc), false;
        }
        if (v6_len_count_[k6.len]++ == 0)
            v6_len_mask_.fetch_or(1ull << (64 - k6.len), std::memory_order_release);
    }
    return true;
}

bool Tables::remove_session(uint32_t index) {
    if (index >= max_sessions_) return false;
    DpSession &r = sessions_[index];
    const uint32_t key = session_key(r.local_tunnel_id, r.local_session_id);
    // Only a live index may be removed: a stale one (already removed, maybe
    // waiting for its grace period) must not delete the keys of a newer session
    // that reuses the same ids.
    void *data;
    if (rte_hash_lookup_data(session_hash_, &key, &data) < 0 || uint32_t(uintptr_t(data)) != index)
        return false;
    Deferred d{index, -1, -1, -1};
    session_front_.erase(key);
    if (r.flags & kSessHasIpv4) sub4_front_.erase(r.sub_ipv4_be);
    d.pos_session = rte_hash_del_key(session_hash_, &key);
    if (d.pos_session < 0) return false;
    if (r.flags & kSessHasIpv4) d.pos_sub4 = rte_hash_del_key(sub4_hash_, &r.sub_ipv4_be);
    if (r.flags & kSessHasIpv6) {
        V6Key k6{};
        k6.prefix_hi = r.sub_ipv6_hi;
        k6.len = uint32_t(__builtin_popcountll(r.sub_ipv6_mask));
        d.pos_sub6 = rte_hash_del_key(sub6_hash_, &k6);
        if (d.pos_sub6 >= 0 && --v6_len_count_[k6.len] == 0)
            v6_len_mask_.fetch_and(~(1ull << (64 - k6.len)), std::memory_order_release);
    }
    live_sessions_--;
    if (dq_) {
        if (rte_rcu_qsbr_dq_enqueue(dq_, &d) == 0) return true;
        // Queue full even after reclaiming: wait for the grace period here.
        rte_rcu_qsbr_synchronize(qsv_, RTE_QSBR_THRID_INVALID);
    }
    free_deferred(this, &d, 1);
    return true;
}

void Tables::set_neighbor(uint32_t nh, const uint8_t mac[6]) {
    uint64_t w = kNeighborValid;
    for (int i = 0; i < 6; i++) w |= uint64_t(mac[i]) << (8 * i);
    neighbors_[nh].word.store(w, std::memory_order_release);
}

bool Tables::add_onlink4(uint32_t ip_be, uint32_t nh) {
    return rte_hash_add_key_data(onlink4_hash_, &ip_be, reinterpret_cast<void *>(uintptr_t(nh))) == 0;
}

bool Tables::add_onlink6(const uint8_t ip[16], uint32_t nh) {
    return rte_hash_add_key_data(onlink6_hash_, ip, reinterpret_cast<void *>(uintptr_t(nh))) == 0;
}

void Tables::clear_neighbor(uint32_t nh) { neighbors_[nh].word.store(0, std::memory_order_release); }

size_t Tables::memory_bytes() const { return heap_bytes_; }

}  // namespace lns::dp
