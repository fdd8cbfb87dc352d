// The data plane's ESP security association database (RFC 4301 §4.4.2).
//
//   in_hash    (SPI, local address) -> SA index, inbound SAs only (RFC 4301 §4.1:
//              an inbound SA is found by its SPI and destination)
//   sas[]      DpSa records, allocated once at start and never moved: a worker that
//              found an index may use the record until its next quiescent report
//
// The hash is an rte_hash with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF: workers look
// up without locks while the control core (the only writer) adds and deletes.  A
// deleted SA's key slot and record are reused only after every worker reported a
// quiescent state (rte_rcu_qsbr defer queue), as for sessions (tables.hpp).
//
// Each SA has one owner worker: the only writer of its sequence number, replay
// window, counters and expiry state (crypto/sa.hpp); packets of an SA that arrive
// on another worker are handed to the owner's inbox.  Counters are read by the
// stats code with plain loads (one writer, 64-bit aligned).
//
// Thread: readers = workers (const accessors, sa()); writers = the control core.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "crypto/sa.hpp"
#include "dataplane/tables.hpp"

struct rte_hash;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

namespace lns::dp {

// Drops the data plane makes before or around the ESP engine, per SA.
enum class SaPolicyDrop : uint8_t {
    peer_mismatch,  // outer source address or NAT-T source port is not the SA's peer's
    wrong_sa,       // decrypted with this SA, for a session bound to another
    count
};

struct alignas(64) DpSa {
    crypto::Sa sa;  // keys, window, sequence, counters: written by the owner worker
    uint32_t local_be = 0;
    uint32_t peer_be = 0;
    uint16_t natt_peer_port_be = 0;  // NAT-T: the peer's (translated) port
    uint16_t natt_local_port_be = 0;
    uint16_t access_port = 0;  // port index whose address is local
    uint8_t owner_worker = 0;
    bool inbound = true;
    bool natt = false;
    bool tunnel = false;
    bool live = false;
    // Inbound: the outbound SA that protects replies (kNoSa: none); the control
    // core swaps it atomically at rekey.
    std::atomic<uint16_t> reply{kNoSa};
    uint32_t peer_nh = UINT32_MAX;  // outbound: neighbour index of the peer's next hop
    uint64_t policy_drops[size_t(SaPolicyDrop::count)] = {};
    char name[64] = {};
};

struct SaKey {
    uint32_t spi;  // host order
    uint32_t local_be;
};

// What the control core installs (controlplane/control_ipsec.cpp builds it).
struct SaSpec {
    std::string name;
    crypto::SaConfig sa;
    uint32_t local = 0;  // host order
    uint32_t peer = 0;
    uint16_t access_port = 0;
    uint8_t owner_worker = 0;
    uint16_t reply = kNoSa;
    uint32_t peer_nh = UINT32_MAX;
};

class SaTable {
  public:
    static std::unique_ptr<SaTable> create(uint32_t max_sas, int socket, std::string *err);
    ~SaTable();
    SaTable(const SaTable &) = delete;
    SaTable &operator=(const SaTable &) = delete;

    bool attach_rcu(rte_rcu_qsbr *qsv, std::string *err);

    // --- control core ---
    // Expands the keys with `mgr` (the control core's manager) and publishes the SA.
    // Returns its index, or kNoSa with *err (bad keys, duplicate (SPI, local) for
    // an inbound SA, table full).
    uint16_t add(const SaSpec &spec, IMB_MGR *mgr, std::string *err);
    // Unpublishes SA `index`; the record is reused after a grace period.  The
    // caller first unbinds sessions that send on it.
    bool remove(uint16_t index);
    void reclaim();
    // Index of the live SA named `name`, or kNoSa.
    uint16_t find(const std::string &name) const;
    uint32_t count() const { return live_; }
    uint32_t capacity() const { return max_; }

    // --- workers ---
    rte_hash *in_hash() const { return in_hash_; }
    DpSa *records() const { return sas_; }
    DpSa &sa(uint16_t i) const { return sas_[i]; }

  private:
    SaTable() = default;
    struct Deferred {
        uint32_t index;
        int32_t pos;
    };
    static void free_deferred(void *p, void *e, unsigned n);

    rte_hash *in_hash_ = nullptr;
    DpSa *sas_ = nullptr;  // max_ records, placement-constructed
    uint32_t max_ = 0;
    uint32_t live_ = 0;
    uint32_t *free_list_ = nullptr;
    uint32_t free_count_ = 0;
    rte_rcu_qsbr_dq *dq_ = nullptr;
    rte_rcu_qsbr *qsv_ = nullptr;
};

}  // namespace lns::dp
