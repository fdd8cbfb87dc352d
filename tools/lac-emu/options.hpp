// Command line of lns-lac-emu: parsed once into typed settings (EmuConfig for the
// emulator, UdpLinkConfig for the transport).  The usage text is kUsage.
//
// Thread: main only.
#pragma once

#include <string>

#include "tools/lac-emu/dpdk_link.hpp"
#include "tools/lac-emu/emulator.hpp"
#include "tools/lac-emu/esp_link.hpp"
#include "tools/lac-emu/ppp_layer.hpp"
#include "tools/lac-emu/udp_link.hpp"

namespace lns::lacemu {

extern const char kUsage[];

enum class LinkKind : uint8_t { udp, dpdk };

struct Options {
    EmuConfig emu;
    LinkKind link = LinkKind::udp;
    UdpLinkConfig udp;
    DpdkLinkConfig dpdk;     // local/peer addresses are copied from udp/emu after parsing
    PppLayerConfig ppp;      // --ppp and friends; user/password/seed copied from emu
    std::string ipsec_path;  // --ipsec FILE: L2TP over ESP (EspLink) instead of plain UDP
    EspLinkConfig esp;       // its clients; addresses copied from udp/emu after parsing
    std::string esp_spi, esp_key_out, esp_key_in;  // --esp-*: one AES-GCM client on port 4500
    std::string json_path;                         // empty: no JSON
    bool quiet = false;                            // no progress lines, no human summary
};

enum class ParseResult { ok, help, error };

// Fills `o` from argv; on error `error` says what is wrong (exit status 2).
ParseResult parse_options(int argc, char **argv, Options &o, std::string *error);

}  // namespace lns::lacemu
