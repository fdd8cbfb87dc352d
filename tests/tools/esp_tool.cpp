// lns-esp-tool: lnsd's ESP engine (crypto/esp.hpp) driven from text on stdin,
// for interop tests against independent implementations
// (tests/integration/test_esp_scapy.py).  Test helper, not a product tool.
//
// Input, one setting per line, then any number of packet lines, each
// processed in order with the same SA:
//   dir in|out                 cipher aes_gcm_128|aes_gcm_256|aes_cbc_128|aes_cbc_256|des3_cbc
//   integ none|hmac_sha1_96|hmac_sha256_128
//   key HEX   salt HEX   authkey HEX   spi N   mode transport|tunnel
//   tunnel SRC DST (dotted quads)     natt PEERPORT   esn 0|1   window BITS
//   seq N      (out: the last sequence number used; in: the window top)
//   iv HEX     (CBC IV for the next packet; otherwise random)
//   packet HEX (an IPv4 packet: to encrypt (out) or to decrypt (in))
// Output, one line per packet: "ok HEX" (the resulting IPv4 packet) or
// "drop REASON".  Configuration errors go to stderr with exit status 2.
#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/esp.hpp"

using namespace lns::crypto;

namespace {

std::vector<uint8_t> unhex(const std::string &s) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < s.size(); i += 2)
        out.push_back(uint8_t(std::stoul(s.substr(i, 2), nullptr, 16)));
    return out;
}

std::string tohex(const uint8_t *p, size_t n) {
    std::string s;
    char b[3];
    for (size_t i = 0; i < n; i++) {
        std::snprintf(b, sizeof b, "%02x", p[i]);
        s += b;
    }
    return s;
}

[[noreturn]] void die(const std::string &msg) {
    std::cerr << "lns-esp-tool: " << msg << "\n";
    std::exit(2);
}

uint32_t ipv4_addr(const std::string &s) {
    in_addr a;
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) die("bad address " + s);
    return ntohl(a.s_addr);
}

class QueuedIv final : public IvSource {
public:
    std::deque<std::vector<uint8_t>> queue;
    void fill(uint8_t *out, size_t len) override {
        if (queue.empty()) return random_.fill(out, len);
        std::vector<uint8_t> iv = queue.front();
        queue.pop_front();
        for (size_t i = 0; i < len; i++) out[i] = i < iv.size() ? iv[i] : 0;
    }

private:
    SystemIvSource random_;
};

void set_cipher(SaConfig &c, const std::string &v) {
    if (v == "aes_gcm_128")
        c.cipher = EspCipher::aes_gcm_128;
    else if (v == "aes_gcm_256")
        c.cipher = EspCipher::aes_gcm_256;
    else if (v == "aes_cbc_128")
        c.cipher = EspCipher::aes_cbc_128;
    else if (v == "aes_cbc_256")
        c.cipher = EspCipher::aes_cbc_256;
    else if (v == "des3_cbc")
        c.cipher = EspCipher::des3_cbc;
    else
        die("unknown cipher " + v);
}

void set_integ(SaConfig &c, const std::string &v) {
    if (v == "none")
        c.integrity = EspIntegrity::none;
    else if (v == "hmac_sha1_96")
        c.integrity = EspIntegrity::hmac_sha1_96;
    else if (v == "hmac_sha256_128")
        c.integrity = EspIntegrity::hmac_sha256_128;
    else
        die("unknown integrity " + v);
}

void set_bytes(uint8_t *dst, uint8_t *len, size_t max, const std::string &v) {
    std::vector<uint8_t> b = unhex(v);
    if (b.size() > max) die("value too long: " + v);
    if (!b.empty()) std::memcpy(dst, b.data(), b.size());
    if (len) *len = uint8_t(b.size());
}

// Applies one setting line; returns false for a packet line.
bool apply(SaConfig &c, std::istringstream &ls, const std::string &key, uint64_t *seq,
           QueuedIv &ivs) {
    if (key == "packet") return false;
    std::string v, w;
    ls >> v;
    if (key == "dir")
        c.direction = v == "out" ? SaDirection::outbound : SaDirection::inbound;
    else if (key == "cipher")
        set_cipher(c, v);
    else if (key == "integ")
        set_integ(c, v);
    else if (key == "key")
        set_bytes(c.cipher_key, &c.cipher_key_len, kMaxCipherKeyLen, v);
    else if (key == "salt")
        set_bytes(c.salt, nullptr, 4, v);
    else if (key == "authkey")
        set_bytes(c.auth_key, &c.auth_key_len, kMaxAuthKeyLen, v);
    else if (key == "spi")
        c.spi = uint32_t(std::stoul(v, nullptr, 0));
    else if (key == "mode")
        c.mode = v == "tunnel" ? SaMode::tunnel : SaMode::transport;
    else if (key == "tunnel") {
        ls >> w;
        c.tunnel_src = ipv4_addr(v);
        c.tunnel_dst = ipv4_addr(w);
    } else if (key == "natt") {
        c.natt = true;
        c.natt_peer_port = uint16_t(std::stoul(v));
    } else if (key == "esn")
        c.esn = v == "1";
    else if (key == "window")
        c.replay_window = uint32_t(std::stoul(v));
    else if (key == "seq")
        *seq = std::stoull(v, nullptr, 0);
    else if (key == "iv")
        ivs.queue.push_back(unhex(v));
    else if (key == "packet")
        return false;
    else
        die("unknown setting " + key);
    return true;
}

}  // namespace

int main() {
    ImbManager mgr;
    if (!mgr.ok()) die("no IPsec-MB manager");
    QueuedIv ivs;
    EspEngine engine(mgr.get(), &ivs);
    SaConfig cfg;
    Sa sa;
    bool ready = false;
    uint64_t seq = 0;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream ls(line);
        std::string key;
        if (!(ls >> key) || key[0] == '#') continue;
        if (apply(cfg, ls, key, &seq, ivs)) {
            ready = false;
            continue;
        }
        if (!ready) {
            SaError e = sa.init(cfg, mgr.get());
            if (e != SaError::ok) die(std::string("bad SA: ") + sa_error_name(e));
            if (cfg.direction == SaDirection::outbound)
                sa.set_last_seq(seq);
            else
                sa.window().reset(seq);
            ready = true;
        }
        std::string hex;
        ls >> hex;
        std::vector<uint8_t> pkt = unhex(hex);
        std::vector<uint8_t> mem(256 + pkt.size() + 256);
        if (!pkt.empty()) std::memcpy(mem.data() + 256, pkt.data(), pkt.size());
        EspBuf buf{mem.data() + 256, uint32_t(pkt.size()), 256, 256};
        EspResult r = cfg.direction == SaDirection::outbound ? esp_encrypt(engine, sa, buf)
                                                             : esp_decrypt(engine, sa, buf);
        if (r == EspResult::ok)
            std::cout << "ok " << tohex(buf.data, buf.len) << "\n";
        else
            std::cout << "drop " << esp_result_name(r) << "\n";
        std::cout.flush();
    }
    return 0;
}
