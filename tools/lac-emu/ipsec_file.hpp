// The emulator's --ipsec FILE: one emulated L2TP/IPsec remote-access client
// (RFC 3193) per line, each with its own SA pair (transport mode, NAT-T per
// RFC 3948) and its own UDP source port toward the LNS's port 4500.  All
// clients share the emulator's address, as clients behind one NAT do.
//
//   # comment
//   client port=40001 cipher=aes-gcm-128 out_spi=0xc0000101 out_key=HEX
//          in_spi=0xc0000102 in_key=HEX [integrity=hmac-sha1-96 out_auth_key=HEX
//          in_auth_key=HEX] [esn=0|1] [replay_window=64] [l2tp_port=1701]
//
// (one line; shown folded).  "out" is the client's outbound SA (client -> LNS,
// lnsd's inbound SA), "in" what the LNS sends back.  Names and key layouts are
// lnsd's ipsec: YAML's: cipher aes-gcm-128 | aes-gcm-256 | aes-cbc-128 |
// aes-cbc-256 | 3des-cbc; integrity none | hmac-sha1-96 | hmac-sha256-128 (CBC
// needs one); a GCM key is the cipher key followed by the 4-byte salt (RFC 4106
// §8.1).  Errors name FILE:LINE and the key.
//
// Thread: main only (parsing at start).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/sa.hpp"

namespace lns::lacemu {

struct EspClientConfig {
    uint16_t port = 0;               // our UDP source port (the "NAT-translated" one)
    uint16_t l2tp_port = 0;          // inner L2TP (UDP) port; 0: the emulator's --local-port
    crypto::SaConfig out;            // client -> LNS (outbound)
    crypto::SaConfig in;             // LNS -> client (inbound, replay-checked)
    std::string cipher = "";         // as written, for reports
    std::string integrity = "none";  // as written
    unsigned line = 0;               // where it was defined (for errors)
};

// Parses the text of an --ipsec file; `name` is used in errors.  On error
// returns false with `error` = "NAME:LINE: what".
bool parse_ipsec_text(const std::string &text, const std::string &name,
                      std::vector<EspClientConfig> &out, std::string *error);
// Reads and parses FILE.
bool load_ipsec_file(const std::string &path, std::vector<EspClientConfig> &out,
                     std::string *error);

}  // namespace lns::lacemu
