#include "crypto/ipsec_mb_info.hpp"

#include "crypto/imb.hpp"

namespace lns::crypto {

std::string ipsec_mb_describe() {
    ImbManager mgr;
    if (!mgr.ok())
        return std::string("IPsec-MB ") + imb_get_version_str() + ": cannot allocate a manager";
    return std::string("IPsec-MB ") + imb_get_version_str() + ", " + mgr.arch_name();
}

}  // namespace lns::crypto
