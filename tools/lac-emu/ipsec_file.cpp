// Parser of the emulator's --ipsec file (format in ipsec_file.hpp).
#include "tools/lac-emu/ipsec_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace lns::lacemu {

namespace {

using crypto::EspCipher;
using crypto::EspIntegrity;

bool parse_cipher(const std::string &v, EspCipher &c) {
    static const struct {
        const char *name;
        EspCipher cipher;
    } kNames[] = {{"aes-gcm-128", EspCipher::aes_gcm_128},
                  {"aes-gcm-256", EspCipher::aes_gcm_256},
                  {"aes-cbc-128", EspCipher::aes_cbc_128},
                  {"aes-cbc-256", EspCipher::aes_cbc_256},
                  {"3des-cbc", EspCipher::des3_cbc}};
    for (const auto &n : kNames)
        if (v == n.name) {
            c = n.cipher;
            return true;
        }
    return false;
}

bool parse_integrity(const std::string &v, EspIntegrity &i) {
    if (v == "none")
        i = EspIntegrity::none;
    else if (v == "hmac-sha1-96")
        i = EspIntegrity::hmac_sha1_96;
    else if (v == "hmac-sha256-128")
        i = EspIntegrity::hmac_sha256_128;
    else
        return false;
    return true;
}

bool parse_hex(const std::string &v, std::vector<uint8_t> &out) {
    out.clear();
    if (v.size() % 2 != 0) return false;
    for (size_t i = 0; i < v.size(); i += 2) {
        const auto nib = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        const int hi = nib(v[i]), lo = nib(v[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(uint8_t(hi << 4 | lo));
    }
    return true;
}

bool parse_uint(const std::string &v, uint64_t max, uint64_t &out) {
    if (v.empty() || v[0] == '-') return false;
    char *end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 0);
    if (errno != 0 || *end != '\0' || n > max) return false;
    out = n;
    return true;
}

// Cipher key (GCM: key + 4-byte salt) into an SaConfig; the lengths are checked
// against the cipher here so the error can name the key.
bool set_key(crypto::SaConfig &c, const std::vector<uint8_t> &k, std::string *why) {
    const bool gcm = c.cipher == EspCipher::aes_gcm_128 || c.cipher == EspCipher::aes_gcm_256;
    const size_t want = c.cipher == EspCipher::aes_gcm_128 || c.cipher == EspCipher::aes_cbc_128
                            ? 16
                        : c.cipher == EspCipher::des3_cbc ? 24
                                                          : 32;
    if (k.size() != want + (gcm ? 4 : 0)) {
        *why = "wants " + std::to_string(want + (gcm ? 4 : 0)) + " bytes" +
               (gcm ? " (key then 4-byte salt)" : "") + ", got " + std::to_string(k.size());
        return false;
    }
    std::memcpy(c.cipher_key, k.data(), want);
    c.cipher_key_len = uint8_t(want);
    if (gcm) std::memcpy(c.salt, k.data() + want, 4);
    return true;
}

bool set_auth_key(crypto::SaConfig &c, const std::vector<uint8_t> &k, std::string *why) {
    const size_t want = c.integrity == EspIntegrity::hmac_sha1_96      ? 20
                        : c.integrity == EspIntegrity::hmac_sha256_128 ? 32
                                                                       : 0;
    if (want == 0 || k.size() != want) {
        *why = want == 0
                   ? "given but integrity is none"
                   : "wants " + std::to_string(want) + " bytes, got " + std::to_string(k.size());
        return false;
    }
    std::memcpy(c.auth_key, k.data(), want);
    c.auth_key_len = uint8_t(want);
    return true;
}

// One "client key=value ..." line into `c`; false with `why` set.
bool parse_client(std::istringstream &ls, EspClientConfig &c, std::string *why) {
    std::string out_key, in_key, out_auth, in_auth;
    bool have_port = false, have_cipher = false, have_out_spi = false, have_in_spi = false;
    uint64_t window = 64;
    bool esn = false;
    std::string tok;
    std::set<std::string> seen;
    while (ls >> tok) {
        const size_t eq = tok.find('=');
        if (eq == std::string::npos || eq == 0) {
            *why = "expected key=value, got '" + tok + "'";
            return false;
        }
        const std::string k = tok.substr(0, eq), v = tok.substr(eq + 1);
        if (!seen.insert(k).second) {
            *why = "'" + k + "' given twice";
            return false;
        }
        uint64_t n = 0;
        const auto bad = [&](const char *what) {
            *why = "bad " + k + " '" + v + "': " + what;
            return false;
        };
        if (k == "port") {
            if (!parse_uint(v, 65535, n) || n == 0) return bad("want a UDP port 1..65535");
            c.port = uint16_t(n);
            have_port = true;
        } else if (k == "l2tp_port") {
            if (!parse_uint(v, 65535, n) || n == 0) return bad("want a UDP port 1..65535");
            c.l2tp_port = uint16_t(n);
        } else if (k == "cipher") {
            if (!parse_cipher(v, c.out.cipher))
                return bad("want aes-gcm-128, aes-gcm-256, aes-cbc-128, aes-cbc-256 or 3des-cbc");
            c.cipher = v;
            have_cipher = true;
        } else if (k == "integrity") {
            if (!parse_integrity(v, c.out.integrity))
                return bad("want none, hmac-sha1-96 or hmac-sha256-128");
            c.integrity = v;
        } else if (k == "out_spi" || k == "in_spi") {
            if (!parse_uint(v, UINT32_MAX, n) || n < 256)
                return bad("want 256..4294967295 (RFC 4303 §2.1 reserves 1..255)");
            (k == "out_spi" ? c.out.spi : c.in.spi) = uint32_t(n);
            (k == "out_spi" ? have_out_spi : have_in_spi) = true;
        } else if (k == "out_key" || k == "in_key" || k == "out_auth_key" || k == "in_auth_key") {
            std::vector<uint8_t> b;
            if (!parse_hex(v, b) || b.empty()) return bad("want hex bytes");
            (k == "out_key"        ? out_key
             : k == "in_key"       ? in_key
             : k == "out_auth_key" ? out_auth
                                   : in_auth) = v;
        } else if (k == "esn") {
            if (v != "0" && v != "1") return bad("want 0 or 1");
            esn = v == "1";
        } else if (k == "replay_window") {
            if (!parse_uint(v, crypto::ReplayWindow::kMaxBits, n) ||
                (n != 0 && n < crypto::ReplayWindow::kMinBits))
                return bad("want 0 (off) or 64..4096");
            window = n;
        } else {
            *why = "unknown key '" + k + "'";
            return false;
        }
    }
    const char *missing = !have_port        ? "port"
                          : !have_cipher    ? "cipher"
                          : !have_out_spi   ? "out_spi"
                          : !have_in_spi    ? "in_spi"
                          : out_key.empty() ? "out_key"
                          : in_key.empty()  ? "in_key"
                                            : nullptr;
    if (missing) {
        *why = std::string("missing ") + missing;
        return false;
    }
    const bool gcm =
        c.out.cipher == EspCipher::aes_gcm_128 || c.out.cipher == EspCipher::aes_gcm_256;
    if (!gcm && c.out.integrity == EspIntegrity::none) {
        *why = "cipher " + c.cipher + " needs an integrity algorithm";
        return false;
    }
    if (gcm && c.out.integrity != EspIntegrity::none) {
        *why = "AES-GCM has its own integrity: integrity must be none";
        return false;
    }
    if (c.out.integrity != EspIntegrity::none && (out_auth.empty() || in_auth.empty())) {
        *why = "integrity " + c.integrity + " needs out_auth_key and in_auth_key";
        return false;
    }
    c.in.cipher = c.out.cipher;
    c.in.integrity = c.out.integrity;
    c.out.direction = crypto::SaDirection::outbound;
    c.in.direction = crypto::SaDirection::inbound;
    c.out.mode = c.in.mode = crypto::SaMode::transport;
    c.out.esn = c.in.esn = esn;
    c.in.replay_window = uint32_t(window);
    std::vector<uint8_t> b;
    std::string w;
    if (!(parse_hex(out_key, b) && set_key(c.out, b, &w))) {
        *why = "out_key " + w;
        return false;
    }
    if (!(parse_hex(in_key, b) && set_key(c.in, b, &w))) {
        *why = "in_key " + w;
        return false;
    }
    if (!out_auth.empty() && !(parse_hex(out_auth, b) && set_auth_key(c.out, b, &w))) {
        *why = "out_auth_key " + w;
        return false;
    }
    if (!in_auth.empty() && !(parse_hex(in_auth, b) && set_auth_key(c.in, b, &w))) {
        *why = "in_auth_key " + w;
        return false;
    }
    return true;
}

}  // namespace

bool parse_ipsec_text(const std::string &text, const std::string &name,
                      std::vector<EspClientConfig> &out, std::string *error) {
    std::istringstream in(text);
    std::string line;
    unsigned no = 0;
    std::set<uint32_t> ports, in_spis, out_spis;
    out.clear();
    while (std::getline(in, line)) {
        no++;
        const size_t hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        std::istringstream ls(line);
        std::string word;
        if (!(ls >> word)) continue;
        const auto fail = [&](const std::string &why) {
            *error = name + ":" + std::to_string(no) + ": " + why;
            return false;
        };
        if (word != "client") return fail("unknown directive '" + word + "' (want 'client')");
        EspClientConfig c;
        c.line = no;
        std::string why;
        if (!parse_client(ls, c, &why)) return fail(why);
        if (!ports.insert(c.port).second)
            return fail("port " + std::to_string(c.port) + " used by another client");
        if (!out_spis.insert(c.out.spi).second)
            return fail("out_spi " + std::to_string(c.out.spi) + " used by another client");
        if (!in_spis.insert(c.in.spi).second)
            return fail("in_spi " + std::to_string(c.in.spi) + " used by another client");
        out.push_back(c);
    }
    if (out.empty()) {
        *error = name + ": no client lines";
        return false;
    }
    return true;
}

bool load_ipsec_file(const std::string &path, std::vector<EspClientConfig> &out,
                     std::string *error) {
    std::ifstream f(path);
    if (!f) {
        *error = path + ": " + std::strerror(errno);
        return false;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    return parse_ipsec_text(ss.str(), path, out, error);
}

}  // namespace lns::lacemu
