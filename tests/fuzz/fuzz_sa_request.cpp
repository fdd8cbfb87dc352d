// libFuzzer target for the SA bodies of the management API (POST /api/v1/sas,
// POST /api/v1/sas/{name}/rekey): cfg::load_sa_string on the whole body and on
// its "inbound" member, then cp::sa_request (what ControlSaBackend feeds the
// control core).  Nothing may throw; an SA is returned exactly when there are
// no errors, and a returned SA satisfies the rules the data plane relies on
// (SPI >= 256, key lengths of its cipher and integrity, a name the table takes).
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/load.hpp"
#include "controlplane/control_core.hpp"

namespace {

const lns::cfg::Config &running() {
    static const lns::cfg::Config cfg = [] {
        const lns::cfg::LoadResult r = lns::cfg::load_config_string(R"(control_lcore: 0
ports:
  - {name: access0, device: net_null0, role: access, rx_queues: 1, ipv4: 203.0.113.1/24}
  - {name: core0, device: net_null1, role: core, rx_queues: 1, ipv4: 198.51.100.1/24}
workers:
  - {lcore: 1, rx: [{port: access0, queue: 0}, {port: core0, queue: 0}]}
)",
                                                                    "fuzz-running");
        if (!r.config) __builtin_trap();
        return *r.config;
    }();
    return cfg;
}

void check(const lns::cfg::SaLoadResult &r) {
    if (r.sa.has_value() == !r.errors.empty()) __builtin_trap();
    if (!r.sa) return;
    const lns::cfg::IpsecSaConfig &c = *r.sa;
    if (c.spi < 256 || c.name.empty() || c.name.size() > 64) __builtin_trap();
    const bool gcm = c.cipher == lns::cfg::IpsecCipher::aes_gcm_128 ||
                     c.cipher == lns::cfg::IpsecCipher::aes_gcm_256;
    if (gcm != (c.integrity == lns::cfg::IpsecIntegrity::none)) __builtin_trap();
    static const size_t kKey[] = {16, 32, 16, 32, 24};
    if (c.key.size() != kKey[size_t(c.cipher)]) __builtin_trap();
    const size_t auth = c.integrity == lns::cfg::IpsecIntegrity::hmac_sha1_96      ? 20
                        : c.integrity == lns::cfg::IpsecIntegrity::hmac_sha256_128 ? 32
                                                                                   : 0;
    if (c.auth_key.size() != auth) __builtin_trap();
    const lns::cp::SaRequest req = lns::cp::sa_request(c);
    if (req.sa.cipher_key_len != c.key.size() || req.sa.auth_key_len != auth) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    const std::string text(reinterpret_cast<const char *>(data), size);
    check(lns::cfg::load_sa_string(text, "request", "", running()));
    check(lns::cfg::load_sa_string(text, "request", "inbound", running()));
    return 0;
}
