// What the emulated LAC says about each call in its ICRQ and ICCN: calling and
// called numbers from patterns, Sequencing Required, and (for the PPP layer that
// comes later, and for LNSes that use them) proxy LCP and proxy authentication
// AVPs (RFC 2661 §4.4.5, types 26-33) with plausible values.
//
// Patterns are text with placeholders: {n} the emulator-wide session index, {t}
// the tunnel index, {s} the session index within its tunnel (all from 0); "{{" is
// a literal "{".  Example: "user{n}@example.net".
//
// Thread: one owner.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "controlplane/l2tp/types.hpp"

namespace lns::lacemu {

class Pattern {
  public:
    Pattern() = default;
    // Parses `text`; false (with `error` set) on an unknown placeholder or a lone "{".
    bool parse(const std::string &text, std::string *error);
    bool empty() const { return parts_.empty(); }
    // Appends the expansion to `out` (cleared first).
    void expand(uint32_t n, uint32_t t, uint32_t s, std::string &out) const;

  private:
    struct Part {
        char field;  // 0: literal; 'n', 't', 's'
        std::string text;
    };
    std::vector<Part> parts_;
};

enum class ProxyAuth : uint8_t { none, chap, pap };

struct CallConfig {
    Pattern calling_number;  // empty: no Calling Number AVP
    Pattern called_number;   // empty: no Called Number AVP
    uint32_t bearer_type = 0;
    uint32_t framing_type = 1;               // synchronous
    uint32_t tx_connect_speed = 100000000;   // bit/s
    bool sequencing = false;                 // Sequencing Required in ICCN
    bool proxy_lcp = false;                  // AVPs 26-28
    ProxyAuth proxy_auth = ProxyAuth::none;  // AVPs 29-33
    Pattern user;                            // proxy authentication name
    std::string password = "password";
    uint16_t mru = 1492;
};

// Fills CallInfo for the emulator's calls, reusing one CallInfo's buffers.
class CallBuilder {
  public:
    CallBuilder(const CallConfig &cfg, cp::l2tp::Random &rng) : cfg_(cfg), rng_(rng) {}
    // The call of session `n` (tunnel index `t`, index `s` within it).  The result
    // is valid until the next build().
    const cp::l2tp::CallInfo &build(uint32_t n, uint32_t t, uint32_t s);

  private:
    void build_proxy_lcp();
    void build_proxy_auth(uint32_t n, uint32_t t, uint32_t s);

    const CallConfig &cfg_;
    cp::l2tp::Random &rng_;
    cp::l2tp::CallInfo call_;
};

}  // namespace lns::lacemu
