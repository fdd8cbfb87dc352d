// libFuzzer target for ESP inbound processing (crypto/esp.hpp): the outer
// IPv4/UDP parser, replay check, decryption and verification, padding check
// and decapsulation, for one fixed SA per algorithm and mode.
//
// The first input byte picks the SA and what to do with the rest:
//   0: decrypt the rest as a received packet (must never read or write outside
//      its buffer; on success the result lies inside the buffer);
//   1: encrypt the rest as an L2TP payload, then decrypt: must give it back;
//   2: as 1 with one byte of the ESP part flipped: must not decrypt (SAs with
//      integrity only).
// One SA is CBC without integrity, so random bytes reach the padding check.
//
// Build (from the repository root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//           tests/fuzz/fuzz_esp.cpp crypto/*.cpp -lIPSec_MB -o fuzz_esp
// Run:   ./fuzz_esp tests/fuzz/corpus/esp
// Seeds: the same file built with -DLNS_FUZZ_ESP_SEEDS (no -fsanitize=fuzzer)
//        is a program writing one valid packet per SA into a directory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "crypto/bytes.hpp"
#include "crypto/esp.hpp"

using namespace lns::crypto;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

class CounterIv final : public IvSource {
public:
    void fill(uint8_t *out, size_t len) override {
        for (size_t i = 0; i < len; i++) out[i] = uint8_t(n_ + i * 13);
        n_++;
    }

private:
    uint8_t n_ = 0;
};

struct SaSpec {
    EspCipher cipher;
    EspIntegrity integ;
    SaMode mode;
    bool natt;
    bool esn;
};

constexpr SaSpec kSpecs[] = {
    {EspCipher::aes_gcm_128, EspIntegrity::none, SaMode::transport, false, false},
    {EspCipher::aes_gcm_256, EspIntegrity::none, SaMode::tunnel, true, true},
    {EspCipher::aes_cbc_128, EspIntegrity::hmac_sha1_96, SaMode::transport, true, false},
    {EspCipher::aes_cbc_256, EspIntegrity::hmac_sha256_128, SaMode::tunnel, false, true},
    {EspCipher::des3_cbc, EspIntegrity::hmac_sha1_96, SaMode::transport, false, true},
    {EspCipher::aes_cbc_128, EspIntegrity::none, SaMode::transport, false, false},
};
constexpr size_t kNumSpecs = sizeof kSpecs / sizeof kSpecs[0];
constexpr uint32_t kA = 0xc6336401, kB = 0xcb007102;

SaConfig make_config(const SaSpec &s, SaDirection dir, uint32_t spi) {
    SaConfig c;
    c.spi = spi;
    c.direction = dir;
    c.mode = s.mode;
    c.cipher = s.cipher;
    c.integrity = s.integ;
    c.cipher_key_len = s.cipher == EspCipher::aes_gcm_128 || s.cipher == EspCipher::aes_cbc_128 ? 16
                       : s.cipher == EspCipher::des3_cbc                                        ? 24
                                                         : 32;
    for (size_t i = 0; i < c.cipher_key_len; i++) c.cipher_key[i] = uint8_t(spi + i * 29);
    c.salt[0] = 1, c.salt[1] = 2, c.salt[2] = 3, c.salt[3] = 4;
    c.auth_key_len = s.integ == EspIntegrity::none           ? 0
                     : s.integ == EspIntegrity::hmac_sha1_96 ? 20
                                                             : 32;
    for (size_t i = 0; i < c.auth_key_len; i++) c.auth_key[i] = uint8_t(0x80 + i);
    c.esn = s.esn;
    c.natt = s.natt;
    c.tunnel_src = dir == SaDirection::outbound ? kA : kB;
    c.tunnel_dst = dir == SaDirection::outbound ? kB : kA;
    return c;
}

struct Fixture {
    ImbManager mgr;
    CounterIv iv;
    EspEngine engine{mgr.get(), &iv};
    Sa in[kNumSpecs], out[kNumSpecs];

    void reset(size_t i) {
        const uint32_t spi = 0x100 + uint32_t(i);
        check(out[i].init(make_config(kSpecs[i], SaDirection::outbound, spi), mgr.get()) ==
              SaError::ok);
        check(in[i].init(make_config(kSpecs[i], SaDirection::inbound, spi), mgr.get()) ==
              SaError::ok);
    }
};

Fixture &fx() {
    static Fixture f;
    return f;
}

constexpr size_t kRoom = 128;
uint8_t g_mem[kRoom + 4096 + kRoom];

EspBuf load(const uint8_t *p, size_t n) {
    std::memset(g_mem, 0xa5, sizeof g_mem);
    std::memcpy(g_mem + kRoom, p, n);
    EspBuf b;
    b.data = g_mem + kRoom;
    b.len = uint32_t(n);
    b.headroom = kRoom;
    b.tailroom = uint32_t(sizeof g_mem - kRoom - n);
    return b;
}

bool inside(const EspBuf &b) {
    return b.data >= g_mem && b.data - g_mem == std::ptrdiff_t(b.headroom) &&
           b.headroom + b.len + b.tailroom == sizeof g_mem;
}

// An IPv4/UDP/L2TP-ish packet carrying payload, into g_mem.
EspBuf inner_packet(const uint8_t *payload, size_t n) {
    uint8_t pkt[20 + 8 + 2048] = {};
    n = n > 2048 ? 2048 : n;
    pkt[0] = 0x45;
    put16(pkt + 2, uint16_t(28 + n));
    pkt[8] = 64;
    pkt[9] = 17;
    put32(pkt + 12, kA);
    put32(pkt + 16, kB);
    ipv4_set_checksum(pkt, 20);
    put16(pkt + 20, 1701);
    put16(pkt + 22, 1701);
    put16(pkt + 24, uint16_t(8 + n));
    std::memcpy(pkt + 28, payload, n);
    return load(pkt, 28 + n);
}

[[maybe_unused]] void round_trip(size_t i, const uint8_t *p, size_t n, bool tamper) {
    Fixture &f = fx();
    EspBuf b = inner_packet(p, n);
    const std::string orig(reinterpret_cast<char *>(b.data), b.len);
    check(esp_encrypt(f.engine, f.out[i], b) == EspResult::ok && inside(b));
    if (tamper) {
        const bool gcm = kSpecs[i].cipher == EspCipher::aes_gcm_128 ||
                         kSpecs[i].cipher == EspCipher::aes_gcm_256;
        if (kSpecs[i].integ == EspIntegrity::none && !gcm) return;
        const uint32_t esp_off = kSpecs[i].natt ? 28 : 20;
        const size_t at = esp_off + (n ? p[0] : 0) % (b.len - esp_off);
        b.data[at] ^= uint8_t(n > 1 ? p[1] | 1 : 1);
        check(esp_decrypt(f.engine, f.in[i], b) != EspResult::ok);
        return;
    }
    check(esp_decrypt(f.engine, f.in[i], b) == EspResult::ok && inside(b));
    check(std::string(reinterpret_cast<char *>(b.data), b.len) == orig);
}

}  // namespace

#ifndef LNS_FUZZ_ESP_SEEDS
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 4096) return 0;
    const size_t i = data[0] % kNumSpecs;
    const unsigned what = (data[0] / kNumSpecs) % 3;
    fx().reset(i);
    if (what == 0) {
        EspBuf b = load(data + 1, size - 1);
        EspResult r = esp_decrypt(fx().engine, fx().in[i], b);
        check(inside(b));
        check(r != EspResult::ok || b.len <= size - 1);
    } else {
        round_trip(i, data + 1, size - 1, what == 2);
    }
    return 0;
}
#else
// Seed writer: for each SA, a valid encrypted packet to decrypt (selector
// byte i) and a payload to round-trip (selector byte kNumSpecs + i).
int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const uint8_t payload[] = {0x02, 0x02, 0x00, 0x24, 0x00, 0x01, 0x00, 0x01, 0xff, 0x03,
                               0x00, 0x21, 0x45, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00};
    for (size_t i = 0; i < kNumSpecs; i++) {
        fx().reset(i);
        EspBuf b = inner_packet(payload, sizeof payload);
        check(esp_encrypt(fx().engine, fx().out[i], b) == EspResult::ok);
        std::string path = std::string(argv[1]) + "/sa" + std::to_string(i);
        FILE *fp = std::fopen(path.c_str(), "wb");
        if (!fp) return 1;
        const uint8_t sel = uint8_t(i);
        std::fwrite(&sel, 1, 1, fp);
        std::fwrite(b.data, 1, b.len, fp);
        std::fclose(fp);
        path = std::string(argv[1]) + "/roundtrip" + std::to_string(i);
        fp = std::fopen(path.c_str(), "wb");
        if (!fp) return 1;
        const uint8_t rt = uint8_t(kNumSpecs + i);
        std::fwrite(&rt, 1, 1, fp);
        std::fwrite(payload, 1, sizeof payload, fp);
        std::fclose(fp);
    }
    return 0;
}
#endif
