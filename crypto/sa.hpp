// An ESP security association (RFC 4301 §4.4.2): identity, algorithms, key
// schedules expanded for IPsec-MB once at creation, the outbound sequence
// number or inbound anti-replay window, lifetimes and counters.
//
// An SA is unidirectional.  Sa::init() runs on the control core (it expands
// keys with the control core's ImbManager, see crypto/imb.hpp); afterwards the
// mutable part (sequence number, window, counters, expiry flags) belongs to
// the one worker that processes the SA's packets (conventions item 10).
// Key schedules point into the object itself: an Sa is neither copied nor moved.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/esp_result.hpp"
#include "crypto/hmac.hpp"
#include "crypto/imb.hpp"
#include "crypto/replay.hpp"

namespace lns::crypto {

enum class EspCipher : uint8_t {
    aes_gcm_128,  // RFC 4106, 16-byte ICV
    aes_gcm_256,
    aes_cbc_128,  // RFC 3602
    aes_cbc_256,
    des3_cbc,  // RFC 2451, legacy clients
};

enum class EspIntegrity : uint8_t {
    none,             // GCM (combined mode); with CBC only for RFC 3602's vectors
    hmac_sha1_96,     // RFC 2404
    hmac_sha256_128,  // RFC 4868
};

enum class SaDirection : uint8_t { inbound, outbound };
enum class SaMode : uint8_t { transport, tunnel };

// Lifetime limits (RFC 4301 §4.4.2.1); 0 = none.  Bytes are payload bytes
// (the inner packet or upper-layer data, without ESP overhead).
struct SaLifetime {
    uint64_t soft_bytes = 0;
    uint64_t hard_bytes = 0;
    uint64_t soft_packets = 0;
    uint64_t hard_packets = 0;
};

constexpr size_t kMaxCipherKeyLen = 32;
constexpr size_t kMaxAuthKeyLen = 64;

struct SaConfig {
    uint32_t spi = 0;
    SaDirection direction = SaDirection::inbound;
    SaMode mode = SaMode::transport;
    EspCipher cipher = EspCipher::aes_gcm_128;
    EspIntegrity integrity = EspIntegrity::none;
    uint8_t cipher_key[kMaxCipherKeyLen] = {};
    uint8_t cipher_key_len = 0;
    uint8_t salt[4] = {};  // GCM: the last 4 bytes of the KEYMAT (RFC 4106 §8.1)
    uint8_t auth_key[kMaxAuthKeyLen] = {};
    uint8_t auth_key_len = 0;
    bool esn = false;             // RFC 4303 §2.2.1
    uint32_t replay_window = 64;  // inbound: 0 (off) or 64..4096 bits
    uint32_t tunnel_src = 0;      // tunnel mode outer addresses, host order:
    uint32_t tunnel_dst = 0;      //   outbound: ours -> peer's
    bool natt = false;            // outbound: UDP-encapsulate (RFC 3948)
    uint16_t natt_local_port = 4500;
    uint16_t natt_peer_port = 4500;  // the peer's port as seen after its NAT
    uint32_t natt_orig_src = 0;      // NAT-OA (RFC 3947) for transport-mode inner
    uint32_t natt_orig_dst = 0;      //   checksum repair; 0 = not known
    SaLifetime lifetime;
};

enum class SaError : uint8_t {
    ok,
    no_manager,
    bad_cipher_key_length,
    bad_auth_key_length,
    bad_algorithm_combination,
    bad_replay_window,
    bad_tunnel_addresses,
};
const char *sa_error_name(SaError e);

struct SaCounters {
    uint64_t packets = 0;                  // processed successfully
    uint64_t bytes = 0;                    // payload bytes of those
    uint64_t drops[kEspResultCount] = {};  // by reason; drops[ok] unused
    uint64_t soft_expiries = 0;            // 1 once the soft limit was crossed

    uint64_t replay_drops() const {
        return drops[size_t(EspResult::replay_too_old)] +
               drops[size_t(EspResult::replay_duplicate)];
    }
    uint64_t integrity_failures() const { return drops[size_t(EspResult::icv_mismatch)]; }
};

class Sa {
public:
    Sa() = default;
    Sa(const Sa &) = delete;
    Sa &operator=(const Sa &) = delete;

    // Validates cfg and expands its keys.  The SA is usable only after ok.
    SaError init(const SaConfig &cfg, IMB_MGR *mgr);

    const SaConfig &config() const { return cfg_; }
    uint32_t spi() const { return cfg_.spi; }
    bool is_gcm() const { return gcm_; }
    uint8_t iv_len() const { return iv_len_; }
    uint8_t icv_len() const { return icv_len_; }
    uint8_t block_len() const { return block_len_; }  // padding alignment: 4, 8 or 16 (a power of two)

    // Key schedules, read by the ESP engine.
    const gcm_key_data &gcm_key() const { return gcm_key_; }
    const void *cipher_enc_keys() const {
        return des_ptrs_[0] ? (const void *)des_ptrs_ : aes_enc_;
    }
    const void *cipher_dec_keys() const {
        return des_ptrs_[0] ? (const void *)des_ptrs_ : aes_dec_;
    }
    const HmacKey &hmac_key() const { return hmac_; }

    // Mutable per-SA state, owned by one worker.
    ReplayWindow &window() { return window_; }
    const ReplayWindow &window() const { return window_; }
    uint64_t last_seq() const { return out_seq_; }   // outbound: last sequence number used
    void set_last_seq(uint64_t s) { out_seq_ = s; }  // tests; SA takeover
    SaCounters &counters() { return counters_; }
    const SaCounters &counters() const { return counters_; }

    // Lifetime (RFC 4301 §4.4.2.1): hard-expired SAs refuse to process.
    bool hard_expired() const {
        const SaLifetime &l = cfg_.lifetime;
        return (l.hard_packets && counters_.packets >= l.hard_packets) ||
               (l.hard_bytes && counters_.bytes >= l.hard_bytes);
    }
    bool soft_expired() const { return counters_.soft_expiries != 0; }
    // Counts one processed packet; notes the soft limit once.
    void account(uint32_t payload_bytes) {
        Tally t = tally();
        t.packets++;
        t.bytes += payload_bytes;
        commit(t);
    }
    // The same for a run of one SA's packets in a burst: counted in registers,
    // written back once.  (Read-modify-writing the counters per packet made
    // every packet of a burst wait on the previous one's store: about 6 cycles
    // a packet, issue 5 item 13.)
    struct Tally {
        uint64_t packets, bytes;
    };
    Tally tally() const { return {counters_.packets, counters_.bytes}; }
    bool hard_expired(const Tally &t) const {
        const SaLifetime &l = cfg_.lifetime;
        return (l.hard_packets && t.packets >= l.hard_packets) ||
               (l.hard_bytes && t.bytes >= l.hard_bytes);
    }
    void commit(const Tally &t) {
        counters_.packets = t.packets;
        counters_.bytes = t.bytes;
        const SaLifetime &l = cfg_.lifetime;
        if (counters_.soft_expiries == 0 && ((l.soft_packets && t.packets >= l.soft_packets) ||
                                             (l.soft_bytes && t.bytes >= l.soft_bytes)))
            counters_.soft_expiries = 1;
    }
    void count_drop(EspResult r) { counters_.drops[size_t(r)]++; }

private:
    SaError expand_keys(IMB_MGR *mgr);

    SaConfig cfg_;
    bool gcm_ = false;
    uint8_t iv_len_ = 0;
    uint8_t icv_len_ = 0;
    uint8_t block_len_ = 4;
    uint64_t out_seq_ = 0;
    ReplayWindow window_;
    SaCounters counters_;
    alignas(64) gcm_key_data gcm_key_;
    alignas(16) uint8_t aes_enc_[16 * 15] = {};
    alignas(16) uint8_t aes_dec_[16 * 15] = {};
    alignas(16) uint64_t des_ks_[3][16] = {};
    const void *des_ptrs_[3] = {};
    HmacKey hmac_ = {};
};

}  // namespace lns::crypto
