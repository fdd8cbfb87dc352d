#include "crypto/imb.hpp"

namespace lns::crypto {

const char *imb_arch_name(IMB_ARCH arch) {
    switch (arch) {
        case IMB_ARCH_NOAESNI:
            return "no-AESNI";
        case IMB_ARCH_SSE:
            return "SSE";
        case IMB_ARCH_AVX:
            return "AVX";
        case IMB_ARCH_AVX2:
            return "AVX2";
        case IMB_ARCH_AVX512:
            return "AVX512";
        default:
            return "none";
    }
}

ImbManager::ImbManager() {
    mgr_ = alloc_mb_mgr(0);
    if (!mgr_) return;
    init_mb_mgr_auto(mgr_, &arch_);
    if (imb_get_errno(mgr_) != 0) {
        free_mb_mgr(mgr_);
        mgr_ = nullptr;
        arch_ = IMB_ARCH_NONE;
    }
}

ImbManager::~ImbManager() {
    if (mgr_) free_mb_mgr(mgr_);
}

}  // namespace lns::crypto
