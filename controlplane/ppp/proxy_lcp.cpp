// Proxy LCP values from the ICCN's Configure-Request bytes.  See proxy_lcp.hpp.
#include "controlplane/ppp/proxy_lcp.hpp"

#include <algorithm>

namespace lns::cp::ppp {

namespace {

// One side's Configure-Request as negotiated values.
struct Side {
    uint16_t mru = kDefaultMru;
    uint32_t magic = 0;
    bool pfc = false, acfc = false;
    bool has_auth = false;                // the option was present
    std::optional<AuthProtocol> auth;     // ... naming a protocol we know
};

ProxyLcpError read_side(std::span<const uint8_t> options, Side *s) {
    OptionReader rd(options);
    Option o;
    while (rd.next(&o)) {
        const size_t n = o.value.size();
        switch (o.type) {
            case lcp_opt::kMru:
                if (n != 2) return ProxyLcpError::malformed;
                s->mru = load_be16(o.value.data());
                break;
            case lcp_opt::kAuthProtocol:
                if (n < 2) return ProxyLcpError::malformed;
                s->has_auth = true;
                if (AuthProtocol p; auth_protocol_from_option(o.value, &p)) s->auth = p;
                break;
            case lcp_opt::kMagicNumber:
                if (n != 4) return ProxyLcpError::malformed;
                s->magic = load_be32(o.value.data());
                break;
            case lcp_opt::kPfc:
            case lcp_opt::kAcfc:
                if (n != 0) return ProxyLcpError::malformed;
                (o.type == lcp_opt::kPfc ? s->pfc : s->acfc) = true;
                break;
            default: return ProxyLcpError::unknown_option;
        }
    }
    return rd.error() == PppError::ok ? ProxyLcpError::ok : ProxyLcpError::malformed;
}

bool allowed(const std::vector<AuthProtocol> &list, const std::optional<AuthProtocol> &p) {
    return p && std::find(list.begin(), list.end(), *p) != list.end();
}

// Would our own negotiation have agreed to these values?
bool acceptable(const Side &ours, const Side &peer, const LcpConfig &cfg) {
    if (ours.has_auth && !allowed(cfg.request_auth, ours.auth)) return false;
    if (!ours.has_auth && !cfg.request_auth.empty() && cfg.auth_required) return false;
    if (peer.has_auth && !allowed(cfg.accept_auth, peer.auth)) return false;
    if (peer.mru < cfg.min_peer_mru) return false;
    if (ours.magic != 0 && ours.magic == peer.magic) return false;  // looped back (§6.4)
    if ((peer.pfc && !cfg.accept_pfc) || (peer.acfc && !cfg.accept_acfc)) return false;
    return true;
}

}  // namespace

const char *proxy_lcp_error_name(ProxyLcpError e) {
    switch (e) {
        case ProxyLcpError::ok: return "ok";
        case ProxyLcpError::absent: return "absent";
        case ProxyLcpError::malformed: return "malformed";
        case ProxyLcpError::unknown_option: return "unknown_option";
        case ProxyLcpError::unacceptable: return "unacceptable";
    }
    return "?";
}

ProxyLcpError derive_proxy_lcp(std::span<const uint8_t> last_sent,
                               std::span<const uint8_t> last_received, const LcpConfig &cfg,
                               LcpResult *out) {
    if (last_sent.empty() && last_received.empty()) return ProxyLcpError::absent;
    Side ours, peer;
    ProxyLcpError e = read_side(last_sent, &ours);
    if (e == ProxyLcpError::ok) e = read_side(last_received, &peer);
    if (e != ProxyLcpError::ok) return e;
    LcpResult r;
    r.our_mru = ours.mru;
    r.peer_mru = peer.mru;
    r.our_magic = ours.magic;
    r.peer_magic = peer.magic;
    r.our_pfc = ours.pfc;
    r.our_acfc = ours.acfc;
    r.peer_pfc = peer.pfc;
    r.peer_acfc = peer.acfc;
    r.auth_we_require = ours.auth;
    r.auth_peer_requires = peer.auth;
    *out = r;
    return acceptable(ours, peer, cfg) ? ProxyLcpError::ok : ProxyLcpError::unacceptable;
}

}  // namespace lns::cp::ppp
