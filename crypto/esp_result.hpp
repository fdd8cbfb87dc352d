// Outcomes of ESP processing: ok, or the named reason a packet was dropped
// (conventions item 9).  One table, read by the enum, the name and the
// description functions; SAs count drops per reason with it.
// Thread: any (constant data).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lns::crypto {

// X(name, description)
#define LNS_ESP_DROPS(X)                                                           \
    X(truncated, "shorter than its ESP header, IV, trailer and ICV")               \
    X(bad_ip_header, "outer IPv4 header malformed or lengths inconsistent")        \
    X(fragment, "outer IPv4 fragment (reassembly is the caller's)")                \
    X(bad_udp_header, "UDP-encapsulated ESP with a bad UDP header")                \
    X(natt_not_esp, "UDP 4500 payload is IKE or a NAT keepalive, not ESP")         \
    X(spi_mismatch, "packet SPI is not the SA's")                                  \
    X(wrong_direction, "SA used in the wrong direction")                           \
    X(hard_expired, "SA hard lifetime reached")                                    \
    X(replay_too_old, "sequence number left of the anti-replay window")            \
    X(replay_duplicate, "sequence number already received")                        \
    X(bad_block_length, "ciphertext not a whole number of cipher blocks")          \
    X(crypto_error, "IPsec-MB refused or failed the operation")                    \
    X(icv_mismatch, "integrity check value wrong")                                 \
    X(bad_padding, "padding not 1, 2, 3, ... or pad length longer than the data")  \
    X(dummy_packet, "next header 59: a traffic-flow-confidentiality dummy packet") \
    X(bad_next_header, "tunnel-mode inner protocol neither IPv4 nor IPv6")         \
    X(seq_overflow, "outbound sequence number would cycle: the SA needs a rekey")  \
    X(no_room, "not enough headroom or tailroom for the ESP encapsulation")        \
    X(bad_inner_packet, "packet to protect is not a whole IPv4 packet")

enum class EspResult : uint8_t {
    ok = 0,
#define LNS_ESP_ENUM(n, d) n,
    LNS_ESP_DROPS(LNS_ESP_ENUM)
#undef LNS_ESP_ENUM
};

// Number of EspResult values including ok; drop counters are indexed by it.
constexpr size_t kEspResultCount = 0
#define LNS_ESP_COUNT(n, d) +1
                                   LNS_ESP_DROPS(LNS_ESP_COUNT)
#undef LNS_ESP_COUNT
                                   + 1;

// Stable, metric-safe name ("icv_mismatch"; "ok" for ok) and description.
const char *esp_result_name(EspResult r);
const char *esp_result_description(EspResult r);

}  // namespace lns::crypto
