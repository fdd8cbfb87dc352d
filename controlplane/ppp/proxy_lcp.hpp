// Proxy LCP (RFC 2661 §4.4.5, §18): the LAC negotiated LCP with the client and
// forwards, in the ICCN, the option bytes of the last Configure-Request it sent
// (Last Sent LCP CONFREQ, AVP 27: the LAC's options, which become ours) and of the
// last one it received (Last Received LCP CONFREQ, AVP 28: the client's options).
// derive_proxy_lcp() turns those into an LcpResult for Lcp::start_opened() and says
// whether our policy accepts them; when it does not, the owner renegotiates
// instead (lcp.open(), lcp.up()).
//
// Thread: any; pure function, no allocation.
#pragma once

#include <cstdint>
#include <span>

#include "controlplane/ppp/lcp_options.hpp"

namespace lns::cp::ppp {

enum class ProxyLcpError : uint8_t {
    ok,
    absent,          // no option bytes at all (the LAC sent no proxy LCP)
    malformed,       // an option list or option length is invalid
    unknown_option,  // an option we do not negotiate (we cannot take it over)
    unacceptable,    // valid, but our policy would not have agreed (auth, MRU, loop, PFC/ACFC)
};
const char *proxy_lcp_error_name(ProxyLcpError e);

// `last_sent` / `last_received`: LCP option bytes without the LCP header.  *out is
// filled on ok and on unacceptable (for logging); peer_mru is the client's MRU as
// sent (Lcp caps it at the path MRU).
ProxyLcpError derive_proxy_lcp(std::span<const uint8_t> last_sent,
                               std::span<const uint8_t> last_received, const LcpConfig &cfg,
                               LcpResult *out);

}  // namespace lns::cp::ppp
