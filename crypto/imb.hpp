// Intel IPsec-MB, included one way for the whole project, and the per-worker
// multi-buffer manager.
//
// The library's header defines short pre-0.53 compatibility macros (CBC, GCM,
// SHA1, ENCRYPT, ...) that collide with ordinary names; every lnsd file
// includes IPsec-MB through this header, which turns them off.
//
// One ImbManager per worker lcore (conventions item 6), plus one on the control
// core for key expansion.  All managers made on one machine pick the same code
// path (init_mb_mgr_auto), which matters: the GCM key schedule (gcm_key_data)
// an SA holds is laid out for that code path, so the control core's manager
// expands keys that the workers' managers then use.
// Thread: a manager is used by one thread at a time.
#pragma once

#ifndef NO_COMPAT_IMB_API_053
#define NO_COMPAT_IMB_API_053
#endif
#include <intel-ipsec-mb.h>

namespace lns::crypto {

// "SSE", "AVX", "AVX2", "AVX512", "no-AESNI" or "none".
const char *imb_arch_name(IMB_ARCH arch);

class ImbManager {
public:
    // Allocates and initialises a manager for the best code path of this CPU.
    // ok() is false when IPsec-MB could not allocate one.
    ImbManager();
    ~ImbManager();
    ImbManager(const ImbManager &) = delete;
    ImbManager &operator=(const ImbManager &) = delete;

    bool ok() const { return mgr_ != nullptr; }
    IMB_MGR *get() const { return mgr_; }
    IMB_ARCH arch() const { return arch_; }
    const char *arch_name() const { return imb_arch_name(arch_); }

private:
    IMB_MGR *mgr_ = nullptr;
    IMB_ARCH arch_ = IMB_ARCH_NONE;
};

}  // namespace lns::crypto
