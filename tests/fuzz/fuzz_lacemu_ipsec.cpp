// libFuzzer target for lns-lac-emu's --ipsec file parser
// (tools/lac-emu/ipsec_file.hpp): any text either is refused with a
// "NAME:LINE: ..." error or gives clients whose SA configurations the ESP
// engine accepts (Sa::init ok for both directions), with distinct ports and SPIs.
//
// Build: with -DLNS_FUZZ=ON (tests/fuzz/CMakeLists.txt adds ipsec_file.cpp).
// Run:   ./fuzz_lacemu_ipsec tests/fuzz/corpus/lacemu_ipsec
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "crypto/sa.hpp"
#include "tools/lac-emu/ipsec_file.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static lns::crypto::ImbManager mgr;
    const std::string text(reinterpret_cast<const char *>(data), size);
    std::vector<lns::lacemu::EspClientConfig> clients;
    std::string error;
    if (!lns::lacemu::parse_ipsec_text(text, "fuzz", clients, &error)) {
        check(error.rfind("fuzz:", 0) == 0);
        return 0;
    }
    check(!clients.empty());
    std::set<uint32_t> ports, spis_in, spis_out;
    for (const auto &c : clients) {
        check(c.port != 0 && ports.insert(c.port).second);
        check(spis_in.insert(c.in.spi).second && spis_out.insert(c.out.spi).second);
        lns::crypto::Sa out, in;
        check(out.init(c.out, mgr.get()) == lns::crypto::SaError::ok);
        check(in.init(c.in, mgr.get()) == lns::crypto::SaError::ok);
    }
    return 0;
}
