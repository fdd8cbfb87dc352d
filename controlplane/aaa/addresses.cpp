#include "controlplane/aaa/addresses.hpp"

namespace lns::cp::aaa {

const char *to_string(AssignError e) {
    switch (e) {
        case AssignError::ok: return "ok";
        case AssignError::no_ipv4_pool: return "no_ipv4_pool";
        case AssignError::ipv4_exhausted: return "ipv4_exhausted";
        case AssignError::ipv4_in_use: return "ipv4_in_use";
        case AssignError::no_ipv6_pool: return "no_ipv6_pool";
        case AssignError::ipv6_exhausted: return "ipv6_exhausted";
        case AssignError::ipv6_in_use: return "ipv6_in_use";
    }
    return "?";
}

namespace {
std::array<uint8_t, 17> key6(const Ipv6Prefix &p) {
    std::array<uint8_t, 17> k{};
    std::copy(p.addr.begin(), p.addr.end(), k.begin());
    k[16] = p.len;
    return k;
}
}  // namespace

AddressPools::AddressPools(const cfg::AaaConfig &aaa)
    : default4_(aaa.default_ipv4_pool), default6_(aaa.default_ipv6_pool) {
    v4_.reserve(aaa.ipv4_pools.size());
    for (const auto &p : aaa.ipv4_pools) v4_.emplace_back(p.name, p.first, p.last);
    v6_.reserve(aaa.ipv6_pools.size());
    for (const auto &p : aaa.ipv6_pools)
        v6_.emplace_back(p.name, Ipv6Prefix{p.prefix.addr, p.prefix.len}, p.delegated_len);
    cfg4_ = aaa.ipv4_pools;
    cfg6_ = aaa.ipv6_pools;
    retired4_.assign(v4_.size(), false);
    retired6_.assign(v6_.size(), false);
}

namespace {

// Retires held pools that `want` no longer has (by name and value); returns
// which of `want` still need creating.
template <class Cfg>
std::vector<const Cfg *> sync_pools(const std::vector<Cfg> &held, std::vector<bool> &retired,
                                    const std::vector<Cfg> &want) {
    std::vector<const Cfg *> create;
    for (const Cfg &w : want) {
        bool kept = false;
        for (size_t i = 0; i < held.size(); i++) kept |= !retired[i] && held[i] == w;
        if (!kept) create.push_back(&w);
    }
    for (size_t i = 0; i < held.size(); i++) {
        bool wanted = false;
        for (const Cfg &w : want) wanted |= held[i] == w;
        if (!wanted) retired[i] = true;
    }
    return create;
}

}  // namespace

void AddressPools::reconfigure(const cfg::AaaConfig &aaa) {
    default4_ = aaa.default_ipv4_pool;
    default6_ = aaa.default_ipv6_pool;
    for (const auto *p : sync_pools(cfg4_, retired4_, aaa.ipv4_pools)) {
        v4_.emplace_back(p->name, p->first, p->last);
        cfg4_.push_back(*p);
        retired4_.push_back(false);
    }
    for (const auto *p : sync_pools(cfg6_, retired6_, aaa.ipv6_pools)) {
        v6_.emplace_back(p->name, Ipv6Prefix{p->prefix.addr, p->prefix.len}, p->delegated_len);
        cfg6_.push_back(*p);
        retired6_.push_back(false);
    }
}

uint32_t AddressPools::in_use4(std::string_view name) const {
    for (size_t i = 0; i < v4_.size(); i++)
        if (!retired4_[i] && v4_[i].name() == name) return v4_[i].index().used();
    return 0;
}

uint32_t AddressPools::in_use6(std::string_view name) const {
    for (size_t i = 0; i < v6_.size(); i++)
        if (!retired6_[i] && v6_[i].name() == name) return v6_[i].index().used();
    return 0;
}

int AddressPools::find4(std::string_view name) const {
    if (name.empty()) name = default4_;
    for (size_t i = 0; i < v4_.size(); i++)
        if (!retired4_[i] && v4_[i].name() == name) return int(i);
    return -1;
}

int AddressPools::find6(std::string_view name) const {
    if (name.empty()) name = default6_;
    for (size_t i = 0; i < v6_.size(); i++)
        if (!retired6_[i] && v6_[i].name() == name) return int(i);
    return -1;
}

AssignError AddressPools::fail(AssignError e) {
    c_.failures[size_t(e)]++;
    return e;
}

AssignError AddressPools::assign4(const AddressRequest &req, Lease *out) {
    if (req.ipv4) {
        for (size_t i = 0; i < v4_.size(); i++) {
            if (retired4_[i] || !v4_[i].contains(*req.ipv4)) continue;
            if (!v4_[i].claim(*req.ipv4)) return AssignError::ipv4_in_use;
            out->ipv4 = req.ipv4;
            out->pool4 = int(i);
            return AssignError::ok;
        }
        if (!fixed4_.insert(*req.ipv4).second) return AssignError::ipv4_in_use;
        out->ipv4 = req.ipv4;
        return AssignError::ok;
    }
    const int i = find4(req.ipv4_pool);
    if (i < 0) return AssignError::no_ipv4_pool;
    auto ip = v4_[size_t(i)].allocate();
    if (!ip) return AssignError::ipv4_exhausted;
    out->ipv4 = ip;
    out->pool4 = i;
    return AssignError::ok;
}

AssignError AddressPools::assign6(const AddressRequest &req, Lease *out) {
    if (!req.want_ipv6) return AssignError::ok;
    if (req.ipv6) {
        for (size_t i = 0; i < v6_.size(); i++) {
            if (retired6_[i] || !v6_[i].contains(*req.ipv6)) continue;
            if (!v6_[i].claim(*req.ipv6)) return AssignError::ipv6_in_use;
            out->ipv6 = req.ipv6;
            out->pool6 = int(i);
            return AssignError::ok;
        }
        if (!fixed6_.insert(key6(*req.ipv6)).second) return AssignError::ipv6_in_use;
        out->ipv6 = req.ipv6;
        return AssignError::ok;
    }
    const int i = find6(req.ipv6_pool);
    if (i < 0) return req.ipv6_pool.empty() ? AssignError::ok : AssignError::no_ipv6_pool;
    auto p = v6_[size_t(i)].allocate();
    if (!p) return AssignError::ipv6_exhausted;
    out->ipv6 = p;
    out->pool6 = i;
    return AssignError::ok;
}

AssignError AddressPools::assign(const AddressRequest &req, Lease *out) {
    *out = Lease{};
    AssignError e = assign4(req, out);
    if (e != AssignError::ok) return fail(e);
    e = assign6(req, out);
    if (e != AssignError::ok) {
        release(*out);
        c_.released--;  // not a lease that was handed out
        return fail(e);
    }
    c_.assigned++;
    return AssignError::ok;
}

void AddressPools::release(Lease &l) {
    if (l.ipv4) {
        if (l.pool4 >= 0) {
            v4_[size_t(l.pool4)].release(*l.ipv4);
        } else {
            fixed4_.erase(*l.ipv4);
        }
    }
    if (l.ipv6) {
        if (l.pool6 >= 0) {
            v6_[size_t(l.pool6)].release(*l.ipv6);
        } else {
            fixed6_.erase(key6(*l.ipv6));
        }
    }
    if (l.ipv4 || l.ipv6) c_.released++;
    l = Lease{};
}

}  // namespace lns::cp::aaa
