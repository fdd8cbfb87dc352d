// DPDK EAL for unit tests that need DPDK memory (rte_malloc, rte_hash, rte_ring,
// rte_rcu_qsbr).  Pure codec tests must not call it: they run without DPDK.
//
// ensure_eal() initialises the EAL once per test process with
//   --no-huge -m 256 --no-pci --file-prefix lnsut-<pid> --log-level=error -l 0
// (no hugepages, no devices, a private runtime directory), and arranges for
// rte_eal_cleanup() and removal of that runtime directory after the last test.
// Note: rte_eal_init pins the calling thread to lcore 0.
//
// Typical use, in a fixture:
//   static void SetUpTestSuite() { ASSERT_TRUE(lns::test::ensure_eal()); }
//
// Thread: call from the test's main thread.
#pragma once

#include <string>

namespace lns::test {

// True when the EAL is (now) initialised; false if rte_eal_init failed, in which
// case eal_error() says why.  Later calls return the first call's result.
bool ensure_eal();
const std::string &eal_error();

}  // namespace lns::test
