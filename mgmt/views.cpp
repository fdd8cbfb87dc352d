#include "mgmt/views.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "controlplane/ppp/auth.hpp"

namespace lns::mgmt {

using nlohmann::json;

std::string ipv4_text(uint32_t a) {
    char b[16];
    std::snprintf(b, sizeof b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    return b;
}

namespace {

std::string ipv6_text(const cp::aaa::Ipv6Prefix &p) {
    char b[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, p.addr.data(), b, sizeof b);
    return std::string(b) + "/" + std::to_string(p.len);
}

const char *state_of(const std::optional<cp::SubscriberManager::View> &v) {
    if (!v) return "l2tp";  // call up, no subscriber (PPP not started or no PPP)
    if (v->ending) return "ending";
    return v->up ? "up" : "starting";
}

struct Row {
    uint32_t index;
    uint16_t tunnel, session;
};

std::vector<Row> rows(const cp::ControlCore &cc) {
    std::vector<Row> v;
    v.reserve(cc.l2tp_session_map().size());
    for (const auto &[key, idx] : cc.l2tp_session_map())
        v.push_back({idx, uint16_t(key >> 16), uint16_t(key)});
    std::sort(v.begin(), v.end(), [](const Row &a, const Row &b) { return a.index < b.index; });
    return v;
}

json summary(const cp::ControlCore &cc, const Row &r) {
    const cp::SubscriberManager *sm = cc.subscribers();
    const auto view = sm ? sm->view(r.index) : std::nullopt;
    json j = {{"id", r.index},
              {"tunnel_id", r.tunnel},
              {"session_id", r.session},
              {"state", state_of(view)}};
    if (view) {
        j["user"] = view->user;
        j["acct_session_id"] = view->acct_session_id;
        if (view->ipv4) j["ipv4"] = ipv4_text(*view->ipv4);
        if (view->ipv6) j["ipv6_prefix"] = ipv6_text(*view->ipv6);
        if (view->up_ns && cc.now() >= view->up_ns)
            j["up_seconds"] = (cc.now() - view->up_ns) / 1000000000ull;
    }
    return j;
}

json ppp_detail(const cp::ppp::PppSession &p) {
    const cp::ppp::LcpResult l = p.lcp().result();
    json lcp = {{"state", cp::ppp::state_name(p.lcp().state())},
                {"our_mru", l.our_mru},
                {"peer_mru", l.peer_mru},
                {"our_magic", l.our_magic},
                {"peer_magic", l.peer_magic},
                {"peer_pfc", l.peer_pfc},
                {"peer_acfc", l.peer_acfc}};
    if (l.auth_we_require) lcp["auth"] = cp::ppp::to_string(*l.auth_we_require);
    const cp::ppp::IpcpResult ip = p.ipcp().result();
    json ipcp = {{"state", cp::ppp::state_name(p.ipcp().state())}};
    if (p.ipcp().opened()) {
        ipcp["local_address"] = ipv4_text(ip.local_address);
        ipcp["peer_address"] = ipv4_text(ip.peer_address);
        for (int i = 0; i < 2; i++)
            if (ip.dns[i]) ipcp["dns"].push_back(ipv4_text(ip.dns[i]));
    }
    json ipv6cp = {{"state", cp::ppp::state_name(p.ipv6cp().state())}};
    if (p.ipv6cp().opened()) {
        char b[20];
        std::snprintf(b, sizeof b, "%016llx",
                      static_cast<unsigned long long>(p.ipv6cp().result().local_id));
        ipv6cp["local_interface_id"] = b;
        std::snprintf(b, sizeof b, "%016llx",
                      static_cast<unsigned long long>(p.ipv6cp().result().peer_id));
        ipv6cp["peer_interface_id"] = b;
    }
    return {{"lcp", lcp}, {"ipcp", ipcp}, {"ipv6cp", ipv6cp}, {"authenticated", p.authenticated()}};
}

json tunnel_json(const dp::TunnelRow &r) {
    return {{"id", r.id},
            {"peer_tunnel_id", r.peer_id},
            {"state", r.state},
            {"peer", r.peer},
            {"host_name", r.host_name},
            {"policy", r.policy},
            {"sessions", r.sessions},
            {"msgs_in", r.msgs_in},
            {"msgs_out", r.msgs_out},
            {"retransmits", r.retransmits},
            {"duplicates", r.duplicates},
            {"out_of_order", r.out_of_order},
            {"zlb_in", r.zlb_in},
            {"zlb_out", r.zlb_out},
            {"hellos", r.hellos}};
}

}  // namespace

json session_list(const dp::Runtime &, const cp::ControlCore &cc, const SessionFilter &f) {
    json list = json::array();
    size_t total = 0;
    for (const Row &r : rows(cc)) {
        if (f.tunnel && r.tunnel != *f.tunnel) continue;
        json j = summary(cc, r);
        if (!f.state.empty() && j["state"] != f.state) continue;
        if (!f.user.empty() && j.value("user", std::string()) != f.user) continue;
        if (total >= f.offset && list.size() < f.limit) list.push_back(std::move(j));
        total++;
    }
    return {
        {"total", total}, {"offset", f.offset}, {"limit", f.limit}, {"sessions", std::move(list)}};
}

json session_detail(const dp::Runtime &rt, const cp::ControlCore &cc, uint32_t id) {
    for (const Row &r : rows(cc)) {
        if (r.index != id) continue;
        json j = summary(cc, r);
        const cp::SubscriberManager *sm = cc.subscribers();
        const auto view = sm ? sm->view(r.index) : std::nullopt;
        if (view && view->ppp) j["ppp"] = ppp_detail(*view->ppp);
        const dp::SessionTraffic t = dp::session_traffic(rt, id);
        j["counters"] = {{"up_packets", t.up_packets},
                         {"up_bytes", t.up_bytes},
                         {"down_packets", t.down_packets},
                         {"down_bytes", t.down_bytes}};
        return j;
    }
    return nullptr;
}

json tunnel_list(const cp::ControlCore &cc) {
    json list = json::array();
    for (const dp::TunnelRow &r : cc.tunnel_rows()) list.push_back(tunnel_json(r));
    return {{"total", list.size()}, {"tunnels", std::move(list)}};
}

json tunnel_detail(const cp::ControlCore &cc, uint16_t id) {
    for (const dp::TunnelRow &r : cc.tunnel_rows()) {
        if (r.id != id) continue;
        json j = tunnel_json(r);
        json ids = json::array();
        for (const Row &s : rows(cc))
            if (s.tunnel == id) ids.push_back(s.index);
        j["session_ids"] = std::move(ids);
        return j;
    }
    return nullptr;
}

dp::Snapshot full_snapshot(const dp::Runtime &rt, const cp::ControlCore &cc) {
    dp::Snapshot s = dp::take_snapshot(rt);
    s.control = cc.counter_list();
    s.l2tp = cc.l2tp_counter_list();
    s.subscribers = cc.subscriber_counter_list();
    s.tunnels = cc.tunnel_rows();
    return s;
}

}  // namespace lns::mgmt
