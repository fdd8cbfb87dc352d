// The second pass of an ESP burst, shared by EspEngine::decrypt_burst and
// encrypt_burst: `finish(op, tally)` per op, which returns the bytes to count
// on the op's SA when it ended ok.  The SA's packet and byte counters are
// tallied per run of one SA in registers and written back once (a per-packet
// read-modify-write chained every packet of the burst on the previous one's
// store); failures are counted on the SA.  Internal to the ESP engine.
// Thread: the worker owning the SAs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/esp.hpp"

namespace lns::crypto::detail {

template <class Finish>
size_t finish_burst(EspOp *ops, size_t n, Finish &&finish) {
    size_t good = 0;
    Sa *cur = nullptr;  // the SA of the current run of ops
    Sa::Tally t{};
    for (size_t i = 0; i < n; i++) {
        EspOp &op = ops[i];
        if (op.sa != cur) {
            if (cur) cur->commit(t);
            cur = op.sa;
            if (cur) t = cur->tally();
        }
        const uint32_t bytes = finish(op, t);
        if (op.result == EspResult::ok) {
            good++;
            t.packets++;
            t.bytes += bytes;
        } else if (op.sa) {
            op.sa->count_drop(op.result);
        }
    }
    if (cur) cur->commit(t);
    return good;
}

}  // namespace lns::crypto::detail
