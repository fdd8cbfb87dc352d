// Process runtime: EAL start from the configuration, mbuf pools, ports and their
// queues, rings, RCU, worker contexts, lcore launch and orderly stop.
//
// Thread: the main (control) lcore.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "crypto/esp.hpp"
#include "crypto/imb.hpp"
#include "crypto/iv_source.hpp"
#include "dataplane/sa_table.hpp"
#include "dataplane/tables.hpp"
#include "dataplane/worker.hpp"

struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

namespace lns::dp {

// Builds the EAL argument vector for `cfg` (lcores, main lcore, memory,
// file prefix, one -a/--vdev per port) and initialises the EAL.
bool init_eal(const cfg::Config &cfg, const char *argv0, std::string *err);
std::vector<std::string> eal_args(const cfg::Config &cfg, const char *argv0);

// A worker's ESP engine over its own IPsec-MB manager (conventions item 6).
struct WorkerCrypto {
    crypto::ImbManager imb;
    crypto::CtrDrbgIvSource iv;
    crypto::EspEngine engine{imb.get(), &iv};
};

struct Runtime {
    cfg::Config cfg;
    std::vector<PortRuntime> ports;  // indexed like cfg.ports
    std::unique_ptr<Tables> tables;
    std::unique_ptr<SaTable> sas;                 // ESP SAs (ipsec.max_sas records)
    std::unique_ptr<crypto::ImbManager> imb;      // the control core's: SA key expansion
    std::vector<std::unique_ptr<WorkerCrypto>> crypto;  // one per worker
    std::vector<WorkerCtx *> workers;
    std::vector<rte_ring *> punt_rings;  // one per worker, SP/SC
    std::vector<rte_ring *> inboxes;     // one per worker, MP/SC
    rte_mempool *pool = nullptr;
    rte_mempool *indirect_pool = nullptr;
    rte_rcu_qsbr *qsv = nullptr;
    volatile bool stop = false;
    bool started = false;

    ~Runtime();
};

// After init_eal: creates pools, tables, configures the ports, workers' contexts.
std::unique_ptr<Runtime> create_runtime(const cfg::Config &cfg, std::string *err);
// Starts the ports and launches the workers on their lcores.
bool start_runtime(Runtime &rt, std::string *err);
// Stops the workers and waits for them; counters are final afterwards.
void stop_workers(Runtime &rt);
// Stops and closes the ports (after stop_workers).
void close_ports(Runtime &rt);

}  // namespace lns::dp
