// Data-plane tables: sessions, subscribers, neighbours.
//
//   session hash   (local tunnel id << 16 | local session id) -> session index
//   sub4 hash      subscriber IPv4 /32 (network order)           -> session index
//   sub6 hash      (upper 64 bits of the prefix, prefix length)  -> session index
//   sessions[]     compact per-session record the workers read (64 bytes)
//   tx_ns[]        per-session downstream data Ns, written only by the owner worker
//   neighbors[]    MAC of each next hop, one 64-bit word (valid bit + MAC)
//
// All hashes are rte_hash with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF: workers
// look up without locks while the control core (the only writer) adds and
// deletes.  A deleted session's key slots and index are reclaimed only after every
// worker has reported a quiescent state (rte_rcu_qsbr defer queue), so a worker
// that found an index keeps a valid record until its next quiescent report.
//
// Thread: readers = workers (const accessors); writers = the control core only.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <rte_hash_crc.h>

#include "dataplane/front_table.hpp"
#include "dataplane/pkt/l2tp.hpp"

struct rte_hash;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

namespace lns::dp {

inline constexpr uint32_t kInvalidIndex = UINT32_MAX;
// Largest ESP expansion of a packet: outer IPv4 (tunnel) + UDP (NAT-T) + ESP
// header + 16-byte IV + 15 bytes of padding + trailer + 16-byte ICV.
inline constexpr int kMaxEspOverhead = 20 + 8 + 8 + 16 + 15 + 2 + 16;
inline constexpr uint16_t kNoSa = 0xffff;  // "no SA" in 16-bit SA references (sa_table.hpp)

enum SessionFlags : uint8_t {
    kSessHasIpv4 = 1 << 0,
    kSessHasIpv6 = 1 << 1,
    kSessPlainFraming = 1 << 2,  // no S, L, O; FF 03 and 2-byte protocol: the encap fast path
    kSessProtected = 1 << 3,     // bound to an outbound SA: ESP both ways, no cleartext accepted
};

// What a worker needs of a session, in one cache line.  Multi-byte fields that go
// on the wire are kept in network order, ready to copy.
struct alignas(64) DpSession {
    uint32_t lac_ip_be;
    uint32_t lns_ip_be;
    uint16_t lac_port_be;
    uint16_t remote_tunnel_id;  // host order (written with store_be16)
    uint16_t remote_session_id;
    uint16_t access_port;
    uint32_t lac_nh;       // neighbour index of the LAC's next hop on access_port
    uint32_t sub_ipv4_be;  // subscriber address (when kSessHasIpv4)
    uint64_t sub_ipv6_hi;  // subscriber prefix, upper 64 bits as loaded from the wire
    uint64_t sub_ipv6_mask;
    uint16_t max_inner;  // largest inner IP packet that fits the tunnel path unfragmented
    uint16_t mru;        // the subscriber's MRU: larger packets are never sent
    uint16_t local_tunnel_id;
    uint16_t local_session_id;
    L2tpTxFraming framing;  // 5 bytes
    uint8_t flags;
    uint8_t owner_worker;  // the only worker that writes tx_ns of this session
    uint8_t encap_len;     // bytes of L2TP + PPP header for an IPv4/IPv6 payload
    uint32_t ip_csum_base;  // one's-complement sum of the outer IPv4 header's constant words
    uint16_t sa_out = kNoSa;  // outbound SA (kNoSa: none); swapped atomically at rekey
    uint16_t reserved = 0;
};
static_assert(sizeof(DpSession) == 64);

// MAC of a next hop: bit 63 = valid, bits 0..47 = MAC bytes (byte 0 lowest).
struct NeighborSlot {
    std::atomic<uint64_t> word{0};
};
inline constexpr uint64_t kNeighborValid = 1ull << 63;

struct V6Key {
    uint64_t prefix_hi;  // as loaded from the wire (memcpy), host-endian uint64
    uint32_t len;
    uint32_t pad;
};

// Everything the installer needs to know about a session (control core).
struct SessionSpec {
    uint16_t access_port = 0;
    uint16_t local_tunnel_id = 0;
    uint16_t local_session_id = 0;
    uint16_t remote_tunnel_id = 0;
    uint16_t remote_session_id = 0;
    uint32_t lac_ip = 0;  // host order
    uint16_t lac_port = kL2tpPort;
    uint32_t lns_ip = 0;  // host order
    std::optional<uint32_t> ipv4;  // host order
    std::optional<std::pair<std::array<uint8_t, 16>, uint8_t>> ipv6;  // prefix, length <= 64
    uint16_t mru = 1500;
    uint16_t path_mtu = 1500;  // IP MTU toward the LAC
    L2tpTxFraming framing;
    uint32_t lac_nh = kInvalidIndex;
    uint8_t owner_worker = 0;
    uint16_t sa_out = kNoSa;  // outbound SA protecting the session (its owner is the SA's)
};

struct TablesParams {
    uint32_t max_sessions = 65536;
    uint32_t max_neighbors = 4096;
    int socket_id = 0;
    std::string name = "lns";
};

class Tables {
public:
    // Creates the tables; on failure returns null and sets *err.
    static std::unique_ptr<Tables> create(const TablesParams &p, std::string *err);
    ~Tables();
    Tables(const Tables &) = delete;
    Tables &operator=(const Tables &) = delete;

    // Attaches the workers' QSBR variable; deletions are deferred through it.
    bool attach_rcu(rte_rcu_qsbr *qsv, std::string *err);

    // --- control core (single writer) ---
    // Installs a session in all tables.  Returns its index, or kInvalidIndex with
    // *err set (duplicate ids or address, table full).
    uint32_t install_session(const SessionSpec &s, std::string *err);
    // Removes a session; its index becomes reusable after a grace period.
    bool remove_session(uint32_t index);
    // Gives a live session its subscriber address and/or prefix (PPP assigned them
    // after the session was installed: IPCP, then IPv6CP).  Each may be given once;
    // the record is updated before the subscriber keys are published.  False with
    // *err when the index is not live, the address/prefix is taken or already set.
    bool add_subscriber(uint32_t index, std::optional<uint32_t> ipv4,
                        std::optional<std::pair<std::array<uint8_t, 16>, uint8_t>> ipv6,
                        std::string *err);
    // Rebinds a live session to outbound SA `sa` (kNoSa: none) with one atomic
    // store: make-before-break rekey (controlplane/control_ipsec.cpp).
    void set_session_sa(uint32_t index, uint16_t sa) {
        __atomic_store_n(&sessions_[index].sa_out, sa, __ATOMIC_RELEASE);
    }
    // Reclaims what the grace period allows (call periodically).
    void reclaim();
    uint32_t session_count() const { return live_sessions_; }
    // Keys that found their front bucket full and live in the rte_hash only.
    uint64_t front_overflow() const { return front_overflow_; }
    void set_neighbor(uint32_t nh, const uint8_t mac[6]);
    void clear_neighbor(uint32_t nh);
    // Next hops for destinations on the core port's own prefixes (hosts on the
    // link are reached directly, not through the gateway).  Entries are never
    // removed: a failed neighbour keeps its slot with no MAC and is re-resolved.
    bool add_onlink4(uint32_t ip_be, uint32_t nh);
    bool add_onlink6(const uint8_t ip[16], uint32_t nh);

    // --- workers (lock-free readers) ---
    rte_hash *session_hash() const { return session_hash_; }
    rte_hash *sub4_hash() const { return sub4_hash_; }
    rte_hash *sub6_hash() const { return sub6_hash_; }
    rte_hash *onlink4_hash() const { return onlink4_hash_; }
    // Direct-mapped fronts of the session and sub4 hashes (front_table.hpp).
    const FrontTable &session_front() const { return session_front_; }
    const FrontTable &sub4_front() const { return sub4_front_; }
    rte_hash *onlink6_hash() const { return onlink6_hash_; }
    DpSession *sessions() const { return sessions_; }
    uint16_t *tx_ns() const { return tx_ns_; }
    NeighborSlot *neighbors() const { return neighbors_; }
    uint32_t max_sessions() const { return max_sessions_; }
    uint32_t max_neighbors() const { return max_neighbors_; }
    // Bit (64 - len) set when some subscriber prefix has that length.
    uint64_t v6_len_mask() const { return v6_len_mask_.load(std::memory_order_acquire); }

    // Memory the tables took from the DPDK heap (measured at creation, rte_hash
    // internals and the RCU defer queue included), for the bytes-per-session report.
    size_t memory_bytes() const;

    static uint32_t session_key(uint16_t tunnel, uint16_t session) {
        return uint32_t(tunnel) << 16 | session;
    }
    // The session hash's signature of a key (the table uses rte_hash_crc, seed 0):
    // lets workers pass signatures to the bulk lookup instead of an indirect call.
    static uint32_t session_sig(uint32_t key) { return rte_hash_crc_4byte(key, 0); }

private:
    Tables() = default;
    struct Deferred;
    static void free_deferred(void *p, void *e, unsigned n);
    void release_index(uint32_t index);

    rte_hash *session_hash_ = nullptr;
    rte_hash *sub4_hash_ = nullptr;
    rte_hash *sub6_hash_ = nullptr;
    rte_hash *onlink4_hash_ = nullptr;
    rte_hash *onlink6_hash_ = nullptr;
    FrontTable session_front_;
    FrontTable sub4_front_;
    FrontBucket *front_mem_ = nullptr;
    DpSession *sessions_ = nullptr;
    uint16_t *tx_ns_ = nullptr;
    NeighborSlot *neighbors_ = nullptr;
    uint32_t *free_list_ = nullptr;
    uint32_t free_count_ = 0;
    uint32_t max_sessions_ = 0;
    uint32_t max_neighbors_ = 0;
    uint32_t live_sessions_ = 0;
    uint32_t v6_len_count_[65] = {};
    std::atomic<uint64_t> v6_len_mask_{0};
    rte_rcu_qsbr_dq *dq_ = nullptr;
    rte_rcu_qsbr *qsv_ = nullptr;
    size_t heap_bytes_ = 0;
    uint64_t front_overflow_ = 0;
};

}  // namespace lns::dp
