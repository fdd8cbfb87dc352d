// Control core: what the management API and SIGHUP ask of it.  lnsd's control
// loop runs these from its command queue (mgmt/command_queue.hpp), so the
// control core stays the only writer of its state and the data-plane tables.
#include "config/diff.hpp"
#include "controlplane/control_core.hpp"
#include "controlplane/log.hpp"

namespace lns::cp {

void ControlCore::apply_config(const cfg::Config &next) {
    const cfg::ConfigDiff d = cfg::diff_config(running_, next);
    if (!d.restart.empty()) return;  // the caller checks; never half-apply
    if (l2tp_) l2tp_->reconfigure(endpoint_config(next));
    if (aaa_) aaa_->reconfigure(next.aaa);
    if (!d.sa_remove.empty() || !d.sa_add.empty()) apply_ipsec(d, next);
    if (!(running_.logging == next.logging)) log::configure(log::log_options(next.logging));
    running_ = next;
}

uint64_t ControlCore::pool_in_use(bool ipv6, const std::string &name) const {
    if (!aaa_) return 0;
    return ipv6 ? aaa_->pools().in_use6(name) : aaa_->pools().in_use4(name);
}

bool ControlCore::disconnect_session(uint32_t index) {
    if (subs_ && subs_->disconnect(index, now_)) return true;
    if (!l2tp_) return false;
    for (const auto &[key, idx] : l2tp_sessions_) {
        if (idx != index) continue;
        const bool ok =
            l2tp_->close_session(uint16_t(key >> 16), uint16_t(key), l2tp::cdn::kAdmin, 0, now_);
        run_l2tp_actions();
        return ok;
    }
    return false;
}

bool ControlCore::clear_tunnel(uint16_t tunnel_id) {
    if (!l2tp_) return false;
    const bool ok = l2tp_->close_tunnel(tunnel_id, l2tp::stopccn::kClear, 0, now_);
    run_l2tp_actions();
    return ok;
}

}  // namespace lns::cp
