#include "crypto/iv_source.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lns::crypto {

void SystemIvSource::refill() {
    size_t got = 0;
    while (got < sizeof buf_) {
        ssize_t n = getrandom(buf_ + got, sizeof buf_ - got, 0);
        if (n > 0) {
            got += static_cast<size_t>(n);
        } else if (n < 0 && errno != EINTR) {
            std::abort();  // no randomness: sending predictable CBC IVs is worse
        }
    }
    pos_ = 0;
}

void SystemIvSource::fill(uint8_t *out, size_t len) {
    while (len > 0) {
        if (pos_ == sizeof buf_) refill();
        size_t n = sizeof buf_ - pos_ < len ? sizeof buf_ - pos_ : len;
        std::memcpy(out, buf_ + pos_, n);
        pos_ += n;
        out += n;
        len -= n;
    }
}

}  // namespace lns::crypto
