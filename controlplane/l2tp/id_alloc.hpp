// 16-bit identifier allocation (tunnel ids, session ids) that never hands out an
// id in use or one released less than `quarantine` ago, so a late message for a
// closed tunnel or session cannot reach its successor (RFC 2661 §5.9 leaves the
// choice to the implementation).  Ids are random (from the injected generator),
// never 0.
//
// Thread: one owner; no allocation after construction except the release FIFO.
#pragma once

#include <bitset>
#include <cstdint>
#include <deque>
#include <memory>

#include "controlplane/l2tp/types.hpp"

namespace lns::cp::l2tp {

class IdAllocator {
public:
    explicit IdAllocator(uint64_t quarantine_ns) : quarantine_ns_(quarantine_ns) {}

    // A free id, or 0 when all 65535 are in use or quarantined.
    uint16_t allocate(Random &rng, uint64_t now) {
        expire(now);
        if (taken_ >= 65535) return 0;
        for (int i = 0; i < 16; i++) {
            const uint16_t id = uint16_t(rng.next());
            if (id != 0 && !busy_->test(id)) return take(id);
        }
        const uint16_t start = uint16_t(rng.next());
        for (uint32_t k = 0; k < 65536; k++) {
            const uint16_t id = uint16_t(start + k);
            if (id != 0 && !busy_->test(id)) return take(id);
        }
        return 0;
    }
    // Marks `id` used (e.g. a configured static id).  False if it was busy.
    bool reserve(uint16_t id) {
        if (id == 0 || busy_->test(id)) return false;
        take(id);
        return true;
    }
    void release(uint16_t id, uint64_t now) {
        if (id == 0 || !busy_->test(id)) return;
        if (quarantine_ns_ == 0) {
            busy_->reset(id);
            taken_--;
        } else {
            fifo_.push_back({id, now + quarantine_ns_});
        }
    }
    bool busy(uint16_t id) const { return busy_->test(id); }
    uint32_t in_use() const { return taken_ - uint32_t(fifo_.size()); }
    uint32_t quarantined() const { return uint32_t(fifo_.size()); }

private:
    struct Released {
        uint16_t id;
        uint64_t until;
    };
    uint16_t take(uint16_t id) {
        busy_->set(id);
        taken_++;
        return id;
    }
    void expire(uint64_t now) {
        while (!fifo_.empty() && fifo_.front().until <= now) {
            busy_->reset(fifo_.front().id);
            taken_--;
            fifo_.pop_front();
        }
    }

    uint64_t quarantine_ns_;
    std::unique_ptr<std::bitset<65536>> busy_ = std::make_unique<std::bitset<65536>>();
    uint32_t taken_ = 0;  // busy bits: in use + quarantined
    std::deque<Released> fifo_;
};

}  // namespace lns::cp::l2tp
