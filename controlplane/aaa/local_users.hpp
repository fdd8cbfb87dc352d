// The local user database (aaa.backend: local): checks PAP, CHAP-MD5 and
// MS-CHAPv2 credentials against cleartext passwords from aaa.users_file, and
// says what the user is entitled to (fixed addresses, pools, timeouts).
//
// verify() answers a ppp::VerifyRequest at once; the MS-CHAPv2 authenticator
// response it computes is kept in the LocalUsers object until the next call (the
// engine copies it during Verdict delivery).
//
// Thread: the control core only.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "controlplane/ppp/auth.hpp"
#include "controlplane/ppp/mschap.hpp"

namespace lns::cp::aaa {

struct LocalUsersCounters {
    uint64_t accepts = 0;
    uint64_t rejects_unknown_user = 0;
    uint64_t rejects_bad_password = 0;
};

class LocalUsers {
public:
    LocalUsers() = default;
    explicit LocalUsers(const std::vector<cfg::LocalUser> &users) { replace(users); }
    // Swaps in a new user list (configuration reload); sessions keep what they got.
    void replace(const std::vector<cfg::LocalUser> &users);

    const cfg::LocalUser *find(std::string_view name) const;
    // The verdict for `req` (ticket copied).  Reject messages do not say whether the
    // user or the password was wrong.
    ppp::AuthVerdict verify(const ppp::VerifyRequest &req);
    size_t size() const { return users_.size(); }
    const LocalUsersCounters &counters() const { return c_; }

private:
    bool check(const cfg::LocalUser &u, const ppp::VerifyRequest &req);
    std::vector<cfg::LocalUser> users_;
    std::unordered_map<std::string_view, size_t> by_name_;  // views into users_
    ppp::AuthenticatorResponse auth_response_{};
    LocalUsersCounters c_;
};

}  // namespace lns::cp::aaa
