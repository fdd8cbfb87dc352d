// Control core: ESP security associations.  One set of functions for the YAML
// load (init_ipsec), the REST API and an IKE daemon (conventions item 12):
// sa_add, sa_delete, sa_rekey; and the binding of sessions to outbound SAs.
#include <algorithm>
#include <cstring>

#include "config/diff.hpp"
#include "controlplane/control_core.hpp"
#include "controlplane/log.hpp"

namespace lns::cp {

namespace {

bool in_prefix(uint32_t a, uint32_t net, uint8_t len) {
    const uint32_t mask = len == 0 ? 0 : ~0u << (32 - len);
    return (a & mask) == (net & mask);
}

}  // namespace

SaRequest sa_request(const cfg::IpsecSaConfig &c) {
    SaRequest r;
    r.name = c.name;
    crypto::SaConfig &s = r.sa;
    s.spi = c.spi;
    s.direction = c.inbound ? crypto::SaDirection::inbound : crypto::SaDirection::outbound;
    s.mode = c.tunnel ? crypto::SaMode::tunnel : crypto::SaMode::transport;
    s.cipher = crypto::EspCipher(uint8_t(c.cipher));  // same order (config.hpp, crypto/sa.hpp)
    s.integrity = crypto::EspIntegrity(uint8_t(c.integrity));
    s.cipher_key_len = uint8_t(std::min(c.key.size(), crypto::kMaxCipherKeyLen));
    if (s.cipher_key_len) std::memcpy(s.cipher_key, c.key.data(), s.cipher_key_len);
    std::memcpy(s.salt, c.salt.data(), 4);
    s.auth_key_len = uint8_t(std::min(c.auth_key.size(), crypto::kMaxAuthKeyLen));
    if (s.auth_key_len) std::memcpy(s.auth_key, c.auth_key.data(), s.auth_key_len);
    s.esn = c.esn;
    s.replay_window = c.inbound ? c.replay_window : 0;
    s.natt = c.natt;
    s.natt_local_port = c.natt_local_port;
    s.natt_peer_port = c.natt_peer_port;
    s.lifetime = crypto::SaLifetime{c.soft_bytes, c.hard_bytes, c.soft_packets, c.hard_packets};
    r.local = c.local;
    r.peer = c.peer;
    r.reply_sa = c.reply_sa;
    if (c.lac) {
        r.lac = c.lac->addr;
        r.lac_len = c.lac->len;
    }
    return r;
}

bool ControlCore::init_ipsec(std::string *err) {
    const auto &sas = rt_.cfg.ipsec.sas;
    // Outbound first: inbound SAs name theirs as reply_sa.
    for (int pass = 0; pass < 2; pass++) {
        for (const auto &c : sas) {
            if (c.inbound != (pass == 1)) continue;
            if (sa_add(sa_request(c), err) == dp::kNoSa)
                return *err = "SA " + c.name + ": " + *err, false;
        }
    }
    return true;
}

uint16_t ControlCore::sa_add(const SaRequest &r, std::string *err) {
    auto fail = [&](const std::string &why) {
        c_.sa_add_failed++;
        *err = why;
        return dp::kNoSa;
    };
    if (sa_ctl_.size() < rt_.sas->capacity()) sa_ctl_.resize(rt_.sas->capacity());
    const bool inbound = r.sa.direction == crypto::SaDirection::inbound;
    int port = -1;
    for (size_t i = 0; i < rt_.ports.size() && port < 0; i++)
        if (rt_.ports[i].role == dp::PortRole::access && rt_.cfg.ports[i].ipv4.addr == r.local)
            port = int(i);
    if (port < 0) return fail("local address is not an access port's address");
    dp::SaSpec spec;
    spec.name = r.name;
    spec.sa = r.sa;
    spec.local = r.local;
    spec.peer = r.peer;
    spec.access_port = uint16_t(port);
    if (r.sa.mode == crypto::SaMode::tunnel) {
        spec.sa.tunnel_src = inbound ? r.peer : r.local;
        spec.sa.tunnel_dst = inbound ? r.local : r.peer;
    }
    if (!r.reply_sa.empty()) {
        if (!inbound) return fail("only inbound SAs have a reply_sa");
        spec.reply = rt_.sas->find(r.reply_sa);
        if (spec.reply == dp::kNoSa || !sa_ctl_[spec.reply].outbound)
            return fail("reply_sa '" + r.reply_sa + "' is not a live outbound SA");
    }
    // An inbound SA and the SA answering it share a worker: a session's upstream
    // and downstream then run on one core.
    spec.owner_worker = spec.reply != dp::kNoSa ? rt_.sas->sa(spec.reply).owner_worker
                                                : uint8_t(next_sa_owner_++ % rt_.workers.size());
    uint32_t nh = dp::kInvalidIndex;
    if (!inbound) {
        const cfg::PortConfig &pc = rt_.cfg.ports[size_t(port)];
        uint32_t nh_ip = r.peer;
        if (!in_prefix(r.peer, pc.ipv4.addr, pc.ipv4.len)) {
            if (!pc.gateway4)
                return fail("peer is off-link and port " + pc.name + " has no gateway4");
            nh_ip = *pc.gateway4;
        }
        nh = acquire_neighbor4(uint16_t(port), nh_ip);
        if (nh == dp::kInvalidIndex) return fail("neighbour table full");
        spec.peer_nh = nh;
    }
    const uint16_t id = rt_.sas->add(spec, rt_.imb->get(), err);
    if (id == dp::kNoSa) {
        if (nh != dp::kInvalidIndex) release_neighbor(nh);
        c_.sa_add_failed++;
        return id;
    }
    SaControl &sc = sa_ctl_[id];
    sc = SaControl{};
    sc.live = true;
    sc.outbound = !inbound;
    sc.lac = r.lac_len ? r.lac : r.peer;
    sc.lac_len = r.lac_len ? r.lac_len : 32;
    sc.nh = nh;
    c_.sas_added++;
    return id;
}

bool ControlCore::sa_lac(uint16_t id, uint32_t *lac, uint8_t *len) const {
    if (id >= sa_ctl_.size() || !sa_ctl_[id].live || !sa_ctl_[id].outbound) return false;
    *lac = sa_ctl_[id].lac;
    *len = sa_ctl_[id].lac_len;
    return true;
}

uint16_t ControlCore::outbound_sa_for(uint32_t lac_ip) const {
    uint16_t best = dp::kNoSa;
    for (size_t i = 0; i < sa_ctl_.size(); i++) {
        const SaControl &sc = sa_ctl_[i];
        if (!sc.live || !sc.outbound || !in_prefix(lac_ip, sc.lac, sc.lac_len)) continue;
        if (best == dp::kNoSa || sc.lac_len > sa_ctl_[best].lac_len)
            best = uint16_t(i);  // longest match
    }
    return best;
}

bool ControlCore::sa_delete(uint16_t id, std::string *err) {
    if (id >= sa_ctl_.size() || !sa_ctl_[id].live) return *err = "no such SA", false;
    if (sa_ctl_[id].outbound) {
        const dp::DpSession *s = rt_.tables->sessions();
        uint32_t bound = 0;
        for (uint32_t i = 0; i < rt_.tables->max_sessions(); i++) bound += s[i].sa_out == id;
        if (bound)
            return *err = "outbound SA in use by " + std::to_string(bound) +
                          " session(s); rekey or remove them first",
                   false;
        for (size_t i = 0; i < sa_ctl_.size(); i++)
            if (sa_ctl_[i].live && !sa_ctl_[i].outbound &&
                rt_.sas->sa(uint16_t(i)).reply.load() == id)
                return *err = std::string("outbound SA is the reply_sa of ") +
                              rt_.sas->sa(uint16_t(i)).name,
                       false;
        release_neighbor(sa_ctl_[id].nh);
        std::erase_if(l2tp_sa_, [id](const auto &kv) { return kv.second.sa == id; });
    }
    sa_ctl_[id] = SaControl{};
    rt_.sas->remove(id);
    c_.sas_deleted++;
    return true;
}

bool ControlCore::sa_delete(const std::string &name, std::string *err) {
    const uint16_t id = rt_.sas->find(name);
    if (id == dp::kNoSa) return *err = "no SA named '" + name + "'", false;
    return sa_delete(id, err);
}

bool ControlCore::sa_rekey(const std::string &old_in, const std::string &old_out,
                           const SaRequest &new_in, const SaRequest &new_out, std::string *err) {
    const uint16_t oi = rt_.sas->find(old_in), oo = rt_.sas->find(old_out);
    if (oi == dp::kNoSa || sa_ctl_[oi].outbound)
        return *err = "'" + old_in + "' is not a live inbound SA", false;
    if (oo == dp::kNoSa || !sa_ctl_[oo].outbound)
        return *err = "'" + old_out + "' is not a live outbound SA", false;
    if (new_in.sa.direction != crypto::SaDirection::inbound ||
        new_out.sa.direction != crypto::SaDirection::outbound)
        return *err = "new SAs: one inbound, one outbound", false;
    // Make: the new outbound SA, owned by the old one's worker (which owns the
    // sessions bound to it), then the new inbound SA answering with it.
    const uint16_t no = sa_add(new_out, err);
    if (no == dp::kNoSa) return false;
    rt_.sas->sa(no).owner_worker = rt_.sas->sa(oo).owner_worker;  // not yet visible to workers
    SaRequest in = new_in;
    in.reply_sa = new_out.name;
    const uint16_t ni = sa_add(in, err);
    if (ni == dp::kNoSa) {
        std::string ignored;
        sa_delete(no, &ignored);
        return false;
    }
    // Switch: one atomic store per session and per inbound SA answering with the
    // old outbound SA.  Both inbound SAs keep being accepted.
    const dp::DpSession *s = rt_.tables->sessions();
    for (uint32_t i = 0; i < rt_.tables->max_sessions(); i++)
        if (s[i].sa_out == oo) rt_.tables->set_session_sa(i, no);
    for (size_t i = 0; i < sa_ctl_.size(); i++)
        if (sa_ctl_[i].live && !sa_ctl_[i].outbound && rt_.sas->sa(uint16_t(i)).reply.load() == oo)
            rt_.sas->sa(uint16_t(i)).reply.store(no, std::memory_order_release);
    for (auto &kv : l2tp_sa_)
        if (kv.second.sa == oo) kv.second.sa = no;  // the control core's replies too
    // Break: the old outbound SA goes; its record is reused only after every
    // worker passed a quiescent state, so packets already queued with it finish.
    c_.sa_rekeys++;
    return sa_delete(oo, err);
}

// Signalled tunnels: the SA a LAC's control messages arrived under decides the
// SA of the replies (its reply_sa; without one, the outbound SA covering the
// peer) and of the tunnel's calls.  Bound per tunnel, keyed by (address, UDP
// port, the peer's tunnel id): L2TP/IPsec clients behind one NAT share the
// address and, usually, the inner UDP port 1701, but each has its own SA and
// its own tunnel.
namespace {
uint64_t l2tp_sa_key(uint32_t ip, uint16_t udp_port, uint16_t peer_tunnel) {
    return uint64_t(ip) << 32 | uint64_t(udp_port) << 16 | peer_tunnel;
}
}  // namespace

// The outbound SA for replies to what arrived under `inbound_sa`; kNoSa when
// it arrived in clear, under an SA deleted since, or under one without a reply
// SA (counted: the peer will drop cleartext replies).
uint16_t ControlCore::l2tp_reply_sa(uint16_t inbound_sa, uint32_t lac_ip) {
    if (inbound_sa >= sa_ctl_.size() || !sa_ctl_[inbound_sa].live || sa_ctl_[inbound_sa].outbound)
        return dp::kNoSa;
    uint16_t out = rt_.sas->sa(inbound_sa).reply.load(std::memory_order_relaxed);
    if (out == dp::kNoSa) out = outbound_sa_for(lac_ip);
    if (out == dp::kNoSa) c_.l2tp_esp_no_reply_sa++;
    return out;
}

void ControlCore::l2tp_bind_sa(uint16_t port, uint32_t ip, uint16_t udp_port, uint16_t peer_tunnel,
                               uint16_t sa) {
    const uint64_t key = l2tp_sa_key(ip, udp_port, peer_tunnel);
    if (sa == dp::kNoSa) {
        l2tp_sa_.erase(key);  // the tunnel now speaks in clear
        return;
    }
    if (l2tp_sa_.size() >= (1u << 20)) l2tp_sa_.clear();  // last resort; poll_ipsec prunes
    l2tp_sa_[key] = {port, sa};
}

uint16_t ControlCore::l2tp_sa(uint16_t port, uint32_t ip, uint16_t udp_port, uint16_t peer_tunnel) const {
    auto it = l2tp_sa_.find(l2tp_sa_key(ip, udp_port, peer_tunnel));
    if (it == l2tp_sa_.end() || it->second.port != port || it->second.sa >= sa_ctl_.size() ||
        !sa_ctl_[it->second.sa].live)
        return dp::kNoSa;
    return it->second.sa;
}

// A complete frame to protect with outbound SA `sa`: its owner worker encrypts
// it (the SA's sequence number has one writer).
void ControlCore::send_esp_frame(uint16_t port, uint16_t sa, const uint8_t *frame, size_t len) {
    rte_mbuf *m = copy_to_mbuf(frame, len);
    if (!m) return;
    dp::MbufMeta *md = dp::meta(m);
    md->kind = uint8_t(dp::InboxKind::esp_frame);
    md->index = sa;
    md->out_port = port;
    c_.l2tp_esp_replies++;
    to_inbox(rt_.sas->sa(sa).owner_worker, m);
}

// Lifetimes (RFC 4301 §4.4.2.1): once a second, SAs that crossed their soft
// or hard limit since the last look are counted (sa_soft_expired,
// sa_hard_expired); each SA's state is in the stats rows.  The owner worker
// keeps writing the counters: relaxed reads.
void ControlCore::poll_ipsec(uint64_t now) {
    if (now < next_sa_scan_) return;
    next_sa_scan_ = now + 1000000000ull;
    // Tunnel bindings outlive tunnel_down (the StopCCN is retransmitted under
    // the SA); those of tunnels the endpoint destroyed since are dropped here.
    if (l2tp_ && l2tp_sa_.size() > 2 * l2tp_->tunnel_count() + 64) {
        std::unordered_map<uint64_t, L2tpSa> live;
        for (const l2tp::TunnelStats &t : l2tp_->tunnel_stats()) {
            auto it = l2tp_sa_.find(l2tp_sa_key(t.transport.peer_ip, t.transport.peer_port, t.peer_id));
            if (it != l2tp_sa_.end()) live.insert(*it);
        }
        l2tp_sa_.swap(live);
    }
    for (size_t i = 0; i < sa_ctl_.size(); i++) {
        SaControl &sc = sa_ctl_[i];
        if (!sc.live || (sc.soft_noted && sc.hard_noted)) continue;
        const crypto::Sa &sa = rt_.sas->sa(uint16_t(i)).sa;
        const crypto::SaLifetime &l = sa.config().lifetime;
        const uint64_t packets = dp::read_counter(sa.counters().packets);
        const uint64_t bytes = dp::read_counter(sa.counters().bytes);
        if (!sc.soft_noted && dp::read_counter(sa.counters().soft_expiries)) {
            sc.soft_noted = true;
            c_.sa_soft_expired++;
        }
        if (!sc.hard_noted &&
            ((l.hard_packets && packets >= l.hard_packets) || (l.hard_bytes && bytes >= l.hard_bytes))) {
            sc.hard_noted = true;
            c_.sa_hard_expired++;
        }
    }
}

// A configuration push that adds, removes or changes SAs (cfg::diff_config's
// sa_remove / sa_add): what would stop it, checked before anything changes so a
// push is applied whole or not at all.  An outbound SA that sessions use, or
// that an inbound SA staying behind names as reply_sa, cannot be removed or
// changed (a rekey replaces it without loss); a name an SA added through the
// API already holds cannot be added; the table must have room.
std::vector<std::string> ControlCore::ipsec_change_blocked(const cfg::ConfigDiff &d) const {
    std::vector<std::string> why;
    auto removing = [&](const std::string &n) {
        return std::find(d.sa_remove.begin(), d.sa_remove.end(), n) != d.sa_remove.end();
    };
    uint32_t live = 0;
    for (const SaControl &sc : sa_ctl_) live += sc.live;
    uint32_t freed = 0;
    for (const std::string &n : d.sa_remove) {
        const uint16_t id = rt_.sas->find(n);
        if (id == dp::kNoSa || id >= sa_ctl_.size() || !sa_ctl_[id].live) continue;  // gone already
        freed++;
        if (!sa_ctl_[id].outbound) continue;
        const dp::DpSession *s = rt_.tables->sessions();
        uint32_t bound = 0;
        for (uint32_t i = 0; i < rt_.tables->max_sessions(); i++) bound += s[i].sa_out == id;
        if (bound)
            why.push_back("ipsec.sas[" + n + "]: outbound SA protects " + std::to_string(bound) +
                          " session(s); rekey it (POST /api/v1/sas/" + n + "/rekey) instead");
        for (size_t i = 0; i < sa_ctl_.size(); i++)
            if (sa_ctl_[i].live && !sa_ctl_[i].outbound && rt_.sas->sa(uint16_t(i)).reply.load() == id &&
                !removing(rt_.sas->sa(uint16_t(i)).name))
                why.push_back("ipsec.sas[" + n + "]: outbound SA is the reply_sa of " +
                              rt_.sas->sa(uint16_t(i)).name + ", which stays");
    }
    for (const std::string &n : d.sa_add)
        if (rt_.sas->find(n) != dp::kNoSa && !removing(n))
            why.push_back("ipsec.sas[" + n + "]: an SA of that name was added through the API");
    if (live - freed + d.sa_add.size() > rt_.sas->capacity())
        why.push_back("ipsec.sas: " + std::to_string(live - freed + d.sa_add.size()) +
                      " SAs would exceed ipsec.max_sas (" + std::to_string(rt_.sas->capacity()) + ")");
    return why;
}

// Applies the SA part of a push that ipsec_change_blocked() accepted: removals
// (inbound first: they name outbound SAs), then additions (outbound first).
void ControlCore::apply_ipsec(const cfg::ConfigDiff &d, const cfg::Config &next) {
    std::string err;
    for (int pass = 0; pass < 2; pass++)
        for (const std::string &n : d.sa_remove) {
            const uint16_t id = rt_.sas->find(n);
            if (id == dp::kNoSa || sa_ctl_[id].outbound != (pass == 1)) continue;
            if (!sa_delete(id, &err)) log::event(log::Level::error, "sa_remove_failed").kv("sa", n).kv("error", err);
        }
    for (int pass = 0; pass < 2; pass++)
        for (const std::string &n : d.sa_add)
            for (const auto &c : next.ipsec.sas) {
                if (c.name != n || c.inbound != (pass == 1)) continue;
                if (sa_add(sa_request(c), &err) == dp::kNoSa)
                    log::event(log::Level::error, "sa_add_failed").kv("sa", n).kv("error", err);
            }
}

}  // namespace lns::cp
