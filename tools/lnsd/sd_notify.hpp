// systemd readiness notification (sd_notify(3) protocol) without libsystemd:
// one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET ("@name" is the
// abstract namespace).  Does nothing when the variable is unset, so lnsd runs
// the same outside systemd.  Used with Type=notify in tools/systemd/lnsd.service.
#pragma once

#include <string>

namespace lns::tools {

// Sends `state` (e.g. "READY=1\nSTATUS=..."); returns false when NOTIFY_SOCKET is
// set but the datagram could not be sent (*err says why).  True when unset.
bool sd_notify(const std::string &state, std::string *err = nullptr);

}  // namespace lns::tools
