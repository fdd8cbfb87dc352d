// rx_gather (dataplane/worker.hpp): the worker's RX of one pass, up to `burst`
// packets in calls of at most `rx_burst`, on a real ring-backed port (net_ring
// vdev: what is enqueued on its ring is what rte_eth_rx_burst returns).
#include <gtest/gtest.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <string>

#include "dataplane/worker.hpp"
#include "harness/eal_env.hpp"

namespace lns::dp {
namespace {

class RxGather : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { ASSERT_TRUE(test::ensure_eal()) << test::eal_error(); }

    void SetUp() override {
        static int instance = 0;
        dev = "net_ring_rxg" + std::to_string(++instance);
        ASSERT_EQ(rte_eal_hotplug_add("vdev", dev.c_str(), ""), 0);
        ASSERT_EQ(rte_eth_dev_get_port_by_name(dev.c_str(), &port), 0);
        pool = rte_pktmbuf_pool_create(("rxg" + std::to_string(instance)).c_str(), 1023, 0, 0,
                                       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
        ASSERT_NE(pool, nullptr);
        rte_eth_conf conf{};
        ASSERT_EQ(rte_eth_dev_configure(port, 1, 1, &conf), 0);
        ASSERT_EQ(rte_eth_rx_queue_setup(port, 0, 512, SOCKET_ID_ANY, nullptr, pool), 0);
        ASSERT_EQ(rte_eth_tx_queue_setup(port, 0, 512, SOCKET_ID_ANY, nullptr), 0);
        ASSERT_EQ(rte_eth_dev_start(port), 0);
        ring = rte_ring_lookup(("ETH_RXTX0_" + dev).c_str());
        ASSERT_NE(ring, nullptr);
    }

    void TearDown() override {
        rte_mbuf *m;
        while (ring && rte_ring_dequeue(ring, reinterpret_cast<void **>(&m)) == 0)
            rte_pktmbuf_free(m);
        rte_eth_dev_stop(port);
        rte_eth_dev_close(port);
        rte_eal_hotplug_remove("vdev", dev.c_str());
        rte_mempool_free(pool);
    }

    // Puts n packets on the port's RX side, numbered from `first` (in pkt_len).
    void arrive(unsigned n, unsigned first) {
        for (unsigned i = 0; i < n; i++) {
            rte_mbuf *m = rte_pktmbuf_alloc(pool);
            ASSERT_NE(m, nullptr);
            m->pkt_len = m->data_len = uint16_t(first + i);
            ASSERT_EQ(rte_ring_enqueue(ring, m), 0);
        }
    }

    // One pass; checks the packets come in arrival order from `first` and frees them.
    uint16_t pass(uint16_t burst, uint16_t rx_burst, unsigned first) {
        rte_mbuf *pkts[kMaxBurst];
        const uint16_t n =
            rx_gather(RxQueueRef{0, port, 0, PortRole::access}, pkts, burst, rx_burst);
        for (uint16_t i = 0; i < n; i++) {
            EXPECT_EQ(pkts[i]->pkt_len, first + i) << "packet " << i << " out of order";
            rte_pktmbuf_free(pkts[i]);
        }
        return n;
    }

    std::string dev;
    uint16_t port = 0;
    rte_mempool *pool = nullptr;
    rte_ring *ring = nullptr;
};

// 100 waiting, burst 64 in calls of 32: a full pass, then the 36 left (the
// second call of that pass comes back short), then nothing.
TEST_F(RxGather, FillsTheBurstFromSeveralCalls) {
    arrive(100, 1000);
    EXPECT_EQ(pass(64, 32, 1000), 64);
    EXPECT_EQ(pass(64, 32, 1064), 36);
    EXPECT_EQ(pass(64, 32, 0), 0);
    EXPECT_EQ(rte_ring_count(ring), 0u);
}

// A call size that does not divide the burst: the last call asks only for what
// fits (64 = 9 x 7 + 1), so nothing is taken beyond the burst.
TEST_F(RxGather, NeverTakesMoreThanTheBurst) {
    arrive(70, 0);
    EXPECT_EQ(pass(64, 7, 0), 64);
    EXPECT_EQ(rte_ring_count(ring), 6u);
    EXPECT_EQ(pass(64, 7, 64), 6);
}

// rx_burst equal to burst is one call per pass, as before rx_burst existed.
TEST_F(RxGather, OneCallWhenRxBurstIsTheBurst) {
    arrive(40, 5);
    EXPECT_EQ(pass(32, 32, 5), 32);
    EXPECT_EQ(pass(32, 32, 37), 8);
}

}  // namespace
}  // namespace lns::dp
