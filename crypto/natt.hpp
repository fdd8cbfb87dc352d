// UDP encapsulation of ESP (RFC 3948 §2): what a datagram on UDP port 4500
// carries.  The data plane decrypts ESP, punts IKE (the 4-byte zero non-ESP
// marker, §2.2) to the control core, and counts and drops NAT keepalives
// (the single byte 0xFF, §2.3).
// Thread: any (pure function).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lns::crypto {

constexpr uint16_t kNattPort = 4500;

enum class NattPayload : uint8_t {
    esp,        // a non-zero SPI and room for the sequence number
    ike,        // non-ESP marker, IKE message follows
    keepalive,  // NAT-keepalive
    malformed,  // none of these (empty, too short for ESP)
};

// payload: the UDP payload (after the 8-byte UDP header), len bytes.
inline NattPayload classify_natt(const uint8_t *payload, size_t len) {
    if (len == 1 && payload[0] == 0xff) return NattPayload::keepalive;
    if (len >= 4 && payload[0] == 0 && payload[1] == 0 && payload[2] == 0 && payload[3] == 0)
        return NattPayload::ike;
    if (len >= 8) return NattPayload::esp;
    return NattPayload::malformed;
}

}  // namespace lns::crypto
