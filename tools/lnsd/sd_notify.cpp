#include "tools/lnsd/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace lns::tools {

bool sd_notify(const std::string &state, std::string *err) {
    const char *path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return true;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    const size_t n = std::strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path) {
        if (err) *err = std::string("NOTIFY_SOCKET is not a socket path: ") + path;
        return false;
    }
    std::memcpy(sa.sun_path, path, n);
    if (path[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace
    const socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + n);
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        if (err) *err = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr *>(&sa), len);
    const int e = errno;
    ::close(fd);
    if (sent != ssize_t(state.size())) {
        if (err) *err = std::string("sendto ") + path + ": " + std::strerror(e);
        return false;
    }
    return true;
}

}  // namespace lns::tools
