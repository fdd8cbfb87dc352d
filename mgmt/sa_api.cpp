// ControlSaBackend: the SA routes over the control core (sa_backend.hpp).
#include <arpa/inet.h>
#include <openssl/crypto.h>

#include "config/load.hpp"
#include "dataplane/counters.hpp"
#include "mgmt/sa_backend.hpp"
#include "mgmt/views.hpp"

namespace lns::mgmt {

using nlohmann::json;

namespace {

constexpr const char *kCipher[] = {"aes-gcm-128", "aes-gcm-256", "aes-cbc-128", "aes-cbc-256",
                                   "3des-cbc"};
constexpr const char *kIntegrity[] = {"none", "hmac-sha1-96", "hmac-sha256-128"};

// Key material does not outlive the request (it lives on in the SA's expanded
// keys only).
void wipe(cfg::IpsecSaConfig &c) {
    if (!c.key.empty()) OPENSSL_cleanse(c.key.data(), c.key.size());
    if (!c.auth_key.empty()) OPENSSL_cleanse(c.auth_key.data(), c.auth_key.size());
    OPENSSL_cleanse(c.salt.data(), c.salt.size());
}
void wipe(cp::SaRequest &r) {
    OPENSSL_cleanse(&r.sa, sizeof r.sa);
}

Outcome invalid(std::vector<std::string> errors, bool syntax = false) {
    return {syntax ? 400 : 422,
            {{"error", syntax ? "syntax error" : "invalid SA"}, {"errors", std::move(errors)}}};
}

// sa_add's failures that pre-checks did not catch, by what the caller can do.
Outcome add_failed(const std::string &err, const cfg::SaLoadResult &r) {
    if (err.find("full") != std::string::npos) return {507, {{"error", err}}};
    if (err.find("exists") != std::string::npos) return {409, {{"error", err}}};
    if (err.find("peer") == 0) return invalid({r.where_of("peer") + ": " + err});
    return invalid({r.where_of("name") + ": " + err});
}

}  // namespace

json ControlSaBackend::view(uint16_t id) const {
    const dp::DpSa &d = rt_.sas->sa(id);
    const crypto::SaConfig &c = d.sa.config();
    const crypto::SaCounters &k = d.sa.counters();
    json j = {{"id", id},
              {"name", d.name},
              {"spi", d.sa.spi()},
              {"direction", d.inbound ? "inbound" : "outbound"},
              {"mode", d.tunnel ? "tunnel" : "transport"},
              {"cipher", kCipher[size_t(c.cipher) % 5]},
              {"integrity", kIntegrity[size_t(c.integrity) % 3]},
              {"esn", c.esn},
              {"local", ipv4_text(ntohl(d.local_be))},
              {"peer", ipv4_text(ntohl(d.peer_be))},
              {"port", rt_.cfg.ports[d.access_port].name},
              {"owner_worker", d.owner_worker}};
    if (d.natt)  // absent: plain ESP (IP protocol 50)
        j["natt"] = {{"local_port", ntohs(d.natt_local_port_be)},
                     {"peer_port", ntohs(d.natt_peer_port_be)}};
    j["lifetime"] = {{"soft_bytes", c.lifetime.soft_bytes},
                     {"hard_bytes", c.lifetime.hard_bytes},
                     {"soft_packets", c.lifetime.soft_packets},
                     {"hard_packets", c.lifetime.hard_packets}};
    if (d.inbound) {
        j["replay_window"] = c.replay_window;
        const uint16_t reply = d.reply.load(std::memory_order_relaxed);
        if (reply != dp::kNoSa) j["reply_sa"] = rt_.sas->sa(reply).name;  // absent: none
    } else {
        uint32_t lac = 0;
        uint8_t len = 0;
        if (cc_.sa_lac(id, &lac, &len)) j["lac"] = ipv4_text(lac) + "/" + std::to_string(len);
        const dp::DpSession *s = rt_.tables->sessions();
        uint64_t bound = 0;
        for (uint32_t i = 0; i < rt_.tables->max_sessions(); i++) bound += s[i].sa_out == id;
        j["sessions"] = bound;
    }
    const uint64_t packets = dp::read_counter(k.packets), bytes = dp::read_counter(k.bytes);
    json drops = json::object();
    uint64_t replay = 0, icv = 0;
    for (size_t r = 1; r < crypto::kEspResultCount; r++) {
        const uint64_t v = dp::read_counter(k.drops[r]);
        drops[crypto::esp_result_name(crypto::EspResult(r))] = v;
        if (r == size_t(crypto::EspResult::replay_too_old) ||
            r == size_t(crypto::EspResult::replay_duplicate))
            replay += v;
        if (r == size_t(crypto::EspResult::icv_mismatch)) icv += v;
    }
    drops["peer_mismatch"] =
        dp::read_counter(d.policy_drops[size_t(dp::SaPolicyDrop::peer_mismatch)]);
    drops["wrong_sa"] = dp::read_counter(d.policy_drops[size_t(dp::SaPolicyDrop::wrong_sa)]);
    const crypto::SaLifetime &l = c.lifetime;
    j["packets"] = packets;
    j["bytes"] = bytes;
    j["replay_drops"] = replay;
    j["integrity_failures"] = icv;
    j["drops"] = drops;
    j["seq"] = d.inbound ? d.sa.window().top() : d.sa.last_seq();
    j["soft_expired"] = dp::read_counter(k.soft_expiries) != 0;
    j["hard_expired"] =
        (l.hard_packets && packets >= l.hard_packets) || (l.hard_bytes && bytes >= l.hard_bytes);
    return j;
}

Outcome ControlSaBackend::list() {
    json sas = json::array();
    for (uint32_t i = 0; i < rt_.sas->capacity(); i++)
        if (rt_.sas->sa(uint16_t(i)).live) sas.push_back(view(uint16_t(i)));
    return {200, {{"count", rt_.sas->count()}, {"capacity", rt_.sas->capacity()}, {"sas", sas}}};
}

namespace {

// The live inbound SA with (spi, local), or kNoSa.
uint16_t inbound_with(const dp::SaTable &t, uint32_t spi, uint32_t local) {
    for (uint32_t i = 0; i < t.capacity(); i++) {
        const dp::DpSa &d = t.sa(uint16_t(i));
        if (d.live && d.inbound && d.sa.spi() == spi && d.local_be == htonl(local))
            return uint16_t(i);
    }
    return dp::kNoSa;
}

// 409 for what the live table already holds: the name, an inbound (SPI, local).
std::optional<Outcome> conflicts(const dp::SaTable &t, const cfg::SaLoadResult &r) {
    const cfg::IpsecSaConfig &c = *r.sa;
    std::vector<std::string> errs;
    if (t.find(c.name) != dp::kNoSa)
        errs.push_back(r.where_of("name") + ": an SA named '" + c.name + "' exists");
    if (c.inbound) {
        const uint16_t other = inbound_with(t, c.spi, c.local);
        if (other != dp::kNoSa)
            errs.push_back(r.where_of("spi") + ": inbound SPI " + std::to_string(c.spi) + " on " +
                           ipv4_text(c.local) + " is already used by SA '" + t.sa(other).name +
                           "'");
    }
    if (errs.empty()) return std::nullopt;
    return Outcome{409, {{"error", "conflicts with a live SA"}, {"errors", errs}}};
}

std::optional<Outcome> no_room(const dp::SaTable &t, uint32_t need) {
    if (t.count() + need <= t.capacity()) return std::nullopt;
    return Outcome{
        507,
        {{"error", "SA table full: " + std::to_string(t.count()) + " of " +
                       std::to_string(t.capacity()) + " SAs (ipsec.max_sas); delete SAs first"}}};
}

}  // namespace

Outcome ControlSaBackend::add(const std::string &body) {
    cfg::SaLoadResult r = cfg::load_sa_string(body, "request", "", cc_.running_config());
    if (!r.sa) return invalid(r.errors, r.syntax);
    struct Wipe {
        cfg::IpsecSaConfig &c;
        ~Wipe() { wipe(c); }
    } w{*r.sa};
    const cfg::IpsecSaConfig &c = *r.sa;
    if (auto o = conflicts(*rt_.sas, r)) return *o;
    if (!c.reply_sa.empty()) {
        const uint16_t reply = rt_.sas->find(c.reply_sa);
        if (reply == dp::kNoSa || rt_.sas->sa(reply).inbound)
            return invalid(
                {r.where_of("reply_sa") + ": '" + c.reply_sa + "' is not a live outbound SA"});
    }
    if (auto o = no_room(*rt_.sas, 1)) return *o;
    cp::SaRequest req = cp::sa_request(c);
    std::string err;
    const uint16_t id = cc_.sa_add(req, &err);
    wipe(req);
    if (id == dp::kNoSa) return add_failed(err, r);
    return {201, {{"id", id}, {"name", c.name}, {"sa", view(id)}}};
}

Outcome ControlSaBackend::remove(const std::string &name) {
    const uint16_t id = rt_.sas->find(name);
    if (id == dp::kNoSa) return {404, {{"error", "no SA named '" + name + "'"}}};
    if (!rt_.sas->sa(id).inbound) {
        json sessions = json::array(), inbound = json::array();
        const dp::DpSession *s = rt_.tables->sessions();
        uint64_t bound = 0;
        for (uint32_t i = 0; i < rt_.tables->max_sessions(); i++)
            if (s[i].sa_out == id && bound++ < 32) sessions.push_back(i);
        for (uint32_t i = 0; i < rt_.sas->capacity(); i++) {
            const dp::DpSa &d = rt_.sas->sa(uint16_t(i));
            if (d.live && d.inbound && d.reply.load(std::memory_order_relaxed) == id)
                inbound.push_back(d.name);
        }
        if (bound || !inbound.empty())
            return {409,
                    {{"error", "outbound SA '" + name + "' is in use by " + std::to_string(bound) +
                                   " session(s) and " + std::to_string(inbound.size()) +
                                   " inbound SA(s) answering with it; rekey or delete them first"},
                     {"sessions", sessions},
                     {"session_count", bound},
                     {"inbound_sas", inbound}}};
    }
    std::string err;
    if (!cc_.sa_delete(id, &err)) return {409, {{"error", err}}};
    return {204, nullptr};
}

// The old pair of a rekey named by one of its SAs (`id`), from `j`'s
// "old_outbound" / "old_inbound" or the live table; an Outcome when there is none.
std::optional<Outcome> ControlSaBackend::old_pair(uint16_t id, const json &j, std::string *old_in_p,
                                                  std::string *old_out_p) const {
    const std::string name = rt_.sas->sa(id).name;
    std::string &old_in = *old_in_p, &old_out = *old_out_p;
    auto member = [&](const char *k) -> std::optional<std::string> {
        if (!j.is_object() || !j.contains(k)) return std::nullopt;
        if (!j[k].is_string()) return std::string();
        return j[k].get<std::string>();
    };
    if (rt_.sas->sa(id).inbound) {
        old_in = name;
        if (auto o = member("old_outbound")) {
            old_out = *o;
        } else {
            const uint16_t reply = rt_.sas->sa(id).reply.load(std::memory_order_relaxed);
            if (reply == dp::kNoSa)
                return Outcome{409,
                               {{"error", "inbound SA '" + name +
                                              "' has no reply_sa: name its outbound SA in "
                                              "\"old_outbound\""}}};
            old_out = rt_.sas->sa(reply).name;
        }
    } else {
        old_out = name;
        if (auto o = member("old_inbound")) {
            old_in = *o;
        } else {
            std::vector<std::string> answering;
            for (uint32_t i = 0; i < rt_.sas->capacity(); i++) {
                const dp::DpSa &d = rt_.sas->sa(uint16_t(i));
                if (d.live && d.inbound && d.reply.load(std::memory_order_relaxed) == id)
                    answering.push_back(d.name);
            }
            if (answering.size() != 1)
                return Outcome{
                    409,
                    {{"error", std::to_string(answering.size()) + " inbound SAs answer with '" +
                                   name + "': name the one to rekey in \"old_inbound\""}}};
            old_in = answering.front();
        }
    }
    return std::nullopt;
}

Outcome ControlSaBackend::rekey(const std::string &name, const std::string &body) {
    const uint16_t id = rt_.sas->find(name);
    if (id == dp::kNoSa) return {404, {{"error", "no SA named '" + name + "'"}}};
    std::string old_in, old_out;
    if (auto o = old_pair(id, json::parse(body, nullptr, false), &old_in, &old_out)) return *o;
    const uint16_t oi = rt_.sas->find(old_in), oo = rt_.sas->find(old_out);
    if (oi == dp::kNoSa || !rt_.sas->sa(oi).inbound)
        return {409, {{"error", "'" + old_in + "' is not a live inbound SA"}}};
    if (oo == dp::kNoSa || rt_.sas->sa(oo).inbound)
        return {409, {{"error", "'" + old_out + "' is not a live outbound SA"}}};
    // The new pair: parsed like ipsec.sas[] entries.
    const auto &running = cc_.running_config();
    cfg::SaLoadResult in = cfg::load_sa_string(body, "request", "inbound", running);
    cfg::SaLoadResult out = cfg::load_sa_string(body, "request", "outbound", running);
    struct Wipe {
        cfg::SaLoadResult &a, &b;
        ~Wipe() {
            if (a.sa) wipe(*a.sa);
            if (b.sa) wipe(*b.sa);
        }
    } w{in, out};
    if (!in.sa || !out.sa) {
        std::vector<std::string> errs = in.errors;
        if (!in.syntax) errs.insert(errs.end(), out.errors.begin(), out.errors.end());
        return invalid(errs, in.syntax);
    }
    std::vector<std::string> errs;
    if (!in.sa->inbound) errs.push_back(in.where_of("direction") + ": must be inbound");
    if (out.sa->inbound) errs.push_back(out.where_of("direction") + ": must be outbound");
    if (!in.sa->reply_sa.empty() && in.sa->reply_sa != out.sa->name)
        errs.push_back(in.where_of("reply_sa") + ": the new inbound SA answers with the new " +
                       "outbound SA '" + out.sa->name + "'; leave reply_sa out");
    if (in.sa->name == out.sa->name)
        errs.push_back(out.where_of("name") + ": the two new SAs need different names");
    if (!errs.empty()) return invalid(errs);
    if (auto o = conflicts(*rt_.sas, in)) return *o;
    if (auto o = conflicts(*rt_.sas, out)) return *o;
    if (auto o = no_room(*rt_.sas, 2)) return *o;
    cp::SaRequest rin = cp::sa_request(*in.sa), rout = cp::sa_request(*out.sa);
    std::string err;
    const bool ok = cc_.sa_rekey(old_in, old_out, rin, rout, &err);
    wipe(rin);
    wipe(rout);
    const uint16_t ni = rt_.sas->find(in.sa->name), no = rt_.sas->find(out.sa->name);
    if (!ok && (ni == dp::kNoSa || no == dp::kNoSa)) return add_failed(err, in);
    json res = {{"inbound", view(ni)},
                {"outbound", view(no)},
                {"old_inbound", old_in},
                {"deleted", ok ? json::array({old_out}) : json::array()},
                {"next", "delete the old inbound SA '" + old_in +
                             "' once the peer sends with the new one"}};
    if (!ok) res["warning"] = "the new pair is live but the old outbound SA stays: " + err;
    return {200, res};
}

}  // namespace lns::mgmt
