#include "dataplane/sa_table.hpp"

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <cstring>
#include <new>

namespace lns::dp {

std::unique_ptr<SaTable> SaTable::create(uint32_t max_sas, int socket, std::string *err) {
    static unsigned instance = 0;  // rte_hash names are global
    std::unique_ptr<SaTable> t(new SaTable());
    max_sas = std::min<uint32_t>(std::max<uint32_t>(max_sas, 1), kNoSa);
    t->max_ = max_sas;
    const std::string name = "lns_sa" + std::to_string(instance++);
    rte_hash_parameters hp{};
    hp.name = name.c_str();
    hp.entries = std::max<uint32_t>(max_sas, 64);
    hp.key_len = sizeof(SaKey);
    hp.hash_func = rte_hash_crc;
    hp.socket_id = socket;
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    t->in_hash_ = rte_hash_create(&hp);
    if (!t->in_hash_)
        return *err = "rte_hash_create(" + name + "): " + rte_strerror(rte_errno), nullptr;
    t->sas_ =
        static_cast<DpSa *>(rte_zmalloc_socket("lns_sas", sizeof(DpSa) * max_sas, 64, socket));
    t->free_list_ =
        static_cast<uint32_t *>(rte_zmalloc_socket("lns_sa_free", 4 * max_sas, 64, socket));
    if (!t->sas_ || !t->free_list_) return *err = "out of memory for the SA table", nullptr;
    for (uint32_t i = 0; i < max_sas; i++) {
        new (&t->sas_[i]) DpSa();
        t->free_list_[i] = max_sas - 1 - i;
    }
    t->free_count_ = max_sas;
    return t;
}

SaTable::~SaTable() {
    if (dq_) rte_rcu_qsbr_dq_delete(dq_);
    rte_hash_free(in_hash_);
    if (sas_)
        for (uint32_t i = 0; i < max_; i++) sas_[i].~DpSa();
    rte_free(sas_);
    rte_free(free_list_);
}

bool SaTable::attach_rcu(rte_rcu_qsbr *qsv, std::string *err) {
    static unsigned instance = 0;
    const std::string name = "lnssadq" + std::to_string(instance++);
    rte_rcu_qsbr_dq_parameters dp{};
    dp.name = name.c_str();
    dp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE;  // the control core is the only writer
    dp.size = std::max<uint32_t>(max_, 16);
    dp.esize = sizeof(Deferred);
    dp.trigger_reclaim_limit = 1;
    dp.max_reclaim_size = 64;
    dp.free_fn = &SaTable::free_deferred;
    dp.p = this;
    dp.v = qsv;
    dq_ = rte_rcu_qsbr_dq_create(&dp);
    if (!dq_)
        return *err = std::string("rte_rcu_qsbr_dq_create: ") + rte_strerror(rte_errno), false;
    qsv_ = qsv;
    return true;
}

uint16_t SaTable::add(const SaSpec &spec, IMB_MGR *mgr, std::string *err) {
    if (free_count_ == 0) return *err = "SA table full (" + std::to_string(max_) + " SAs)", kNoSa;
    const bool inbound = spec.sa.direction == crypto::SaDirection::inbound;
    const SaKey key{spec.sa.spi, rte_cpu_to_be_32(spec.local)};
    if (inbound && rte_hash_lookup(in_hash_, &key) >= 0)
        return *err = "an inbound SA with this SPI and local address exists", kNoSa;
    if (spec.name.empty() || spec.name.size() >= sizeof(DpSa::name) ||
        spec.name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
            std::string::npos)
        return *err = "SA name must be 1 to 63 characters from [A-Za-z0-9_.-]", kNoSa;
    if (find(spec.name) != kNoSa) return *err = "an SA named '" + spec.name + "' exists", kNoSa;
    const uint32_t i = free_list_[free_count_ - 1];
    DpSa &r = sas_[i];
    // The record is unused (never seen by workers, or past its grace period).
    r.~DpSa();
    new (&r) DpSa();
    const crypto::SaError e = r.sa.init(spec.sa, mgr);
    if (e != crypto::SaError::ok)
        return *err = std::string("bad SA: ") + crypto::sa_error_name(e), kNoSa;
    r.local_be = rte_cpu_to_be_32(spec.local);
    r.peer_be = rte_cpu_to_be_32(spec.peer);
    r.natt = spec.sa.natt;
    r.natt_peer_port_be = rte_cpu_to_be_16(spec.sa.natt_peer_port);
    r.natt_local_port_be = rte_cpu_to_be_16(spec.sa.natt_local_port);
    r.access_port = spec.access_port;
    r.owner_worker = spec.owner_worker;
    r.inbound = inbound;
    r.tunnel = spec.sa.mode == crypto::SaMode::tunnel;
    r.reply.store(spec.reply, std::memory_order_relaxed);
    r.peer_nh = spec.peer_nh;
    std::snprintf(r.name, sizeof r.name, "%s", spec.name.c_str());
    r.live = true;
    if (inbound) {
        // Publishing the key releases the record to the workers.
        const int rc =
            rte_hash_add_key_data(in_hash_, &key, reinterpret_cast<void *>(uintptr_t(i)));
        if (rc != 0) {
            r.live = false;
            return *err = "SA hash full", kNoSa;
        }
    }
    free_count_--;
    live_++;
    return uint16_t(i);
}

uint16_t SaTable::find(const std::string &name) const {
    for (uint32_t i = 0; i < max_; i++)
        if (sas_[i].live && name == sas_[i].name) return uint16_t(i);
    return kNoSa;
}

bool SaTable::remove(uint16_t index) {
    if (index >= max_ || !sas_[index].live) return false;
    DpSa &r = sas_[index];
    Deferred d{index, -1};
    if (r.inbound) {
        const SaKey key{r.sa.spi(), r.local_be};
        d.pos = rte_hash_del_key(in_hash_, &key);
    }
    r.live = false;  // only the control core reads it
    live_--;
    if (dq_) {
        if (rte_rcu_qsbr_dq_enqueue(dq_, &d) == 0) return true;
        rte_rcu_qsbr_synchronize(qsv_, RTE_QSBR_THRID_INVALID);
    }
    free_deferred(this, &d, 1);
    return true;
}

void SaTable::free_deferred(void *p, void *e, unsigned n) {
    auto *t = static_cast<SaTable *>(p);
    auto *d = static_cast<Deferred *>(e);
    for (unsigned i = 0; i < n; i++) {
        if (d[i].pos >= 0) rte_hash_free_key_with_position(t->in_hash_, d[i].pos);
        t->free_list_[t->free_count_++] = d[i].index;
    }
}

void SaTable::reclaim() {
    if (dq_) rte_rcu_qsbr_dq_reclaim(dq_, UINT32_MAX, nullptr, nullptr, nullptr);
}

}  // namespace lns::dp
