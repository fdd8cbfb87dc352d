// Touches every page of a mempool's memory once, at start-up.
//
// With hugepages the EAL maps its memory populated; with `--no-huge` (tests, labs,
// the perf rigs) it is ordinary shared memory faulted in on first touch, and
// rte_pktmbuf_pool_create writes only each mbuf's header: the data rooms are
// faulted in one page at a time by the first packets copied into them, a few
// microseconds each in a VM, on the worker's (or the emulator's) critical path.
// Prefaulting moves that cost to start-up (about 0.1-0.5 s for 100,000 mbufs).
//
// Reads and writes back one byte per page, so contents are unchanged; call before
// any other thread uses the pool.  Thread: the one that created the pool.
#pragma once

#include <rte_mempool.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace lns::dp {

inline void prefault_mempool(rte_mempool *mp) {
    if (!mp) return;
    const long page = sysconf(_SC_PAGESIZE);
    size_t step = page > 0 ? size_t(page) : 4096;
    rte_mempool_mem_iter(
        mp,
        [](rte_mempool *, void *opaque, rte_mempool_memhdr *hdr, unsigned) {
            const size_t st = *static_cast<size_t *>(opaque);
            auto *p = static_cast<volatile uint8_t *>(hdr->addr);
            for (size_t off = 0; off < hdr->len; off += st) p[off] = p[off];
            if (hdr->len) p[hdr->len - 1] = p[hdr->len - 1];
        },
        &step);
}

}  // namespace lns::dp
