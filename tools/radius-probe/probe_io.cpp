// Helpers for lns-radius-probe (see probe_io.hpp).
#include "tools/radius-probe/probe_io.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace lns::tools::radius_probe {

uint64_t mono_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

bool parse_ipv4(std::string_view s, uint32_t *out) {
    std::string z(s);
    in_addr a;
    if (inet_pton(AF_INET, z.c_str(), &a) != 1) return false;
    *out = ntohl(a.s_addr);
    return true;
}

std::string format_ipv4(uint32_t ip) {
    in_addr a;
    a.s_addr = htonl(ip);
    char b[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, b, sizeof b);
    return b;
}

bool parse_ipv6_prefix(std::string_view s, cp::aaa::Ipv6Prefix *out) {
    size_t slash = s.find('/');
    if (slash == std::string_view::npos) return false;
    std::string addr(s.substr(0, slash));
    int len = std::atoi(std::string(s.substr(slash + 1)).c_str());
    if (len < 0 || len > 128 || inet_pton(AF_INET6, addr.c_str(), out->addr.data()) != 1)
        return false;
    out->len = uint8_t(len);
    return true;
}

std::string format_ipv6_prefix(const cp::aaa::Ipv6Prefix &p) {
    char b[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, p.addr.data(), b, sizeof b);
    return std::string(b) + "/" + std::to_string(p.len);
}

int udp_socket(uint32_t ip, uint16_t port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::perror("socket");
        return -1;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(ip);
    sa.sin_port = htons(port);
    if (bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
        std::fprintf(stderr, "bind %s:%u: %s\n", format_ipv4(ip).c_str(), port, std::strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

bool udp_send(int fd, uint32_t ip, uint16_t port, cp::aaa::ByteSpan bytes) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(ip);
    sa.sin_port = htons(port);
    return sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr *>(&sa),
                  sizeof sa) == ssize_t(bytes.size());
}

std::string json_str(std::string_view s) {
    std::string o = "\"";
    for (char ch : s) {
        auto c = uint8_t(ch);
        if (c == '"' || c == '\\') {
            o += '\\';
            o += char(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += char(c);
        }
    }
    return o + "\"";
}

}  // namespace lns::tools::radius_probe
