#include "controlplane/aaa/local_users.hpp"

#include <cstring>

#include "controlplane/ppp/chap_md5.hpp"

namespace lns::cp::aaa {

void LocalUsers::replace(const std::vector<cfg::LocalUser> &users) {
    by_name_.clear();
    users_ = users;
    by_name_.reserve(users_.size());
    for (size_t i = 0; i < users_.size(); i++) by_name_.emplace(users_[i].name, i);
}

const cfg::LocalUser *LocalUsers::find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &users_[it->second];
}

namespace {

// Constant-time comparison of two octet strings of possibly different length.
bool same_secret(std::string_view a, std::string_view b) {
    unsigned diff = a.size() ^ b.size();
    for (size_t i = 0; i < a.size(); i++) diff |= uint8_t(a[i]) ^ uint8_t(i < b.size() ? b[i] : 0);
    return diff == 0;
}

}  // namespace

bool LocalUsers::check(const cfg::LocalUser &u, const ppp::VerifyRequest &req) {
    switch (req.protocol) {
        case ppp::AuthProtocol::pap: return same_secret(req.password, u.password);
        case ppp::AuthProtocol::chap_md5: return ppp::chap_md5_verify(req, u.password);
        case ppp::AuthProtocol::mschap_v2: {
            if (req.challenge.size() != ppp::kMsChapChallengeLen ||
                req.peer_challenge.size() != ppp::kMsChapChallengeLen ||
                req.nt_response.size() != ppp::kNtResponseLen)
                return false;
            return ppp::mschapv2_verify(req.user, u.password, req.challenge.first<16>(),
                                        req.peer_challenge.first<16>(),
                                        req.nt_response.first<ppp::kNtResponseLen>(),
                                        &auth_response_);
        }
    }
    return false;
}

ppp::AuthVerdict LocalUsers::verify(const ppp::VerifyRequest &req) {
    ppp::AuthVerdict v;
    v.ticket = req.ticket;
    const cfg::LocalUser *u = find(req.user);
    if (!u) {
        c_.rejects_unknown_user++;
        return v;
    }
    if (!check(*u, req)) {
        c_.rejects_bad_password++;
        return v;
    }
    c_.accepts++;
    v.accept = true;
    if (req.protocol == ppp::AuthProtocol::mschap_v2) v.authenticator_response = ppp::to_view(auth_response_);
    return v;
}

}  // namespace lns::cp::aaa
