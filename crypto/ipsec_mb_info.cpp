#include "crypto/ipsec_mb_info.hpp"

#include <intel-ipsec-mb.h>

namespace lns::crypto {

namespace {
const char *arch_name(IMB_ARCH a) {
    switch (a) {
        case IMB_ARCH_NOAESNI: return "no-AESNI";
        case IMB_ARCH_SSE: return "SSE";
        case IMB_ARCH_AVX: return "AVX";
        case IMB_ARCH_AVX2: return "AVX2";
        case IMB_ARCH_AVX512: return "AVX512";
        default: return "none";
    }
}
}  // namespace

std::string ipsec_mb_describe() {
    IMB_MGR *mgr = alloc_mb_mgr(0);
    if (!mgr) return std::string("IPsec-MB ") + imb_get_version_str() + ": cannot allocate a manager";
    IMB_ARCH arch = IMB_ARCH_NONE;
    init_mb_mgr_auto(mgr, &arch);
    free_mb_mgr(mgr);
    return std::string("IPsec-MB ") + imb_get_version_str() + ", " + arch_name(arch);
}

}  // namespace lns::crypto
