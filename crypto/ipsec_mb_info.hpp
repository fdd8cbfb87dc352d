// Intel IPsec-MB: library version and the code path the CPU selects
// (SSE/AVX/AVX2/AVX512), reported in lnsd's start-up log.  ESP itself lives in
// crypto/esp.hpp; each worker owns one ImbManager (crypto/imb.hpp).
// Thread: any.
#pragma once

#include <string>

namespace lns::crypto {

// "IPsec-MB 1.3.0, AVX512" or an explanation when no manager could be made.
std::string ipsec_mb_describe();

}  // namespace lns::crypto
