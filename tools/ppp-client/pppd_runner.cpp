// lns-pppd's loop.  See pppd_runner.hpp.
#include "tools/ppp-client/pppd_runner.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>

namespace lns::pppd {

namespace ppp = cp::ppp;

namespace {

constexpr uint64_t kCloseGraceNs = 3'000'000'000ull;

std::string ip_text(uint32_t ip) {
    in_addr a{htonl(ip)};
    char buf[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

std::string hex64(uint64_t v) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

const char *proto_name(uint16_t p) {
    switch (p) {
        case ppp::kProtoLcp: return "LCP";
        case ppp::kProtoPap: return "PAP";
        case ppp::kProtoChap: return "CHAP";
        case ppp::kProtoIpcp: return "IPCP";
        case ppp::kProtoIpv6cp: return "IPv6CP";
        case ppp::kProtoIpv4: return "IPv4";
        case ppp::kProtoIpv6: return "IPv6";
    }
    return "?";
}

// The tty as pppd sets it: raw, 8 bits, no flow control, no echo (RFC 1662 is
// 8-bit transparent; a cooked pty would translate CR/NL and echo our frames).
void make_raw(int fd, FILE *log) {
    if (!isatty(fd)) return;
    termios t{};
    if (tcgetattr(fd, &t) != 0) return;
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~CRTSCTS;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) != 0)
        std::fprintf(log, "lns-pppd: tcsetattr: %s\n", std::strerror(errno));
}

}  // namespace

PppdRunner::PppdRunner(const RunnerConfig &cfg, ppp::ClientShared &shared)
    : cfg_(cfg), shared_(shared), client_(shared, *this, 0) {}

uint64_t PppdRunner::clock_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

void PppdRunner::logf(const char *fmt, ...) {
    const double t = start_ ? double(clock_ns() - start_) / 1e9 : 0;
    std::fprintf(cfg_.log, "lns-pppd[%d] %8.3f ", int(getpid()), t);
    va_list ap;
    va_start(ap, fmt);
    std::vfprintf(cfg_.log, fmt, ap);
    va_end(ap);
    std::fputc('\n', cfg_.log);
    std::fflush(cfg_.log);
}

void PppdRunner::status(const std::string &obj) {
    if (cfg_.status_path.empty()) return;
    FILE *f = std::fopen(cfg_.status_path.c_str(), "a");
    if (!f) {
        logf("status file %s: %s", cfg_.status_path.c_str(), std::strerror(errno));
        return;
    }
    std::fprintf(f, "%s\n", obj.c_str());
    std::fclose(f);
}

void PppdRunner::write_all(const uint8_t *p, size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(cfg_.out_fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd pf{cfg_.out_fd, POLLOUT, 0};
                ::poll(&pf, 1, 100);
                continue;
            }
            logf("write: %s", std::strerror(errno));
            input_closed_ = true;
            return;
        }
        p += w;
        n -= size_t(w);
    }
}

// ---- Client host ---------------------------------------------------------------------

void PppdRunner::ppp_send(ppp::PppClient &, uint16_t protocol, std::span<const uint8_t> packet) {
    uint8_t frame[ppp::kMaxPacket + 8];
    uint8_t wire[ppp::hdlc_max_encoded(sizeof frame)];
    const size_t f = ppp::ppp_frame(protocol, packet, frame);
    if (f == 0) return;
    const size_t n = ppp::hdlc_encode({frame, f}, wire);
    if (n == 0) return;
    frames_out_++;
    if (cfg_.debug && protocol != ppp::kProtoIpv4)
        logf("sent %s code %u id %u len %zu", proto_name(protocol), packet.empty() ? 0 : packet[0],
             packet.size() > 1 ? packet[1] : 0, packet.size());
    write_all(wire, n);
}

ppp::Credentials PppdRunner::ppp_credentials(ppp::PppClient &) {
    return {cfg_.user, cfg_.password};
}

void PppdRunner::ppp_step(ppp::PppClient &c, ppp::ClientStep step, uint64_t now) {
    (void)now;
    switch (step) {
        case ppp::ClientStep::lcp_up: {
            const ppp::LcpResult r = c.lcp().result();
            logf("LCP up: peer MRU %u, auth %s", r.peer_mru,
                 r.auth_peer_requires ? ppp::to_string(*r.auth_peer_requires) : "none");
            break;
        }
        case ppp::ClientStep::auth_ok: logf("authenticated as '%s'", cfg_.user.c_str()); break;
        case ppp::ClientStep::ipcp_up: {
            const ppp::ClientResult r = c.result();
            logf("IPCP up: local %s remote %s dns %s %s", ip_text(r.address).c_str(),
                 ip_text(r.peer_address).c_str(), ip_text(r.dns[0]).c_str(),
                 ip_text(r.dns[1]).c_str());
            break;
        }
        case ppp::ClientStep::ipv6cp_up: {
            const ppp::ClientResult r = c.result();
            logf("IPv6CP up: local fe80::%s remote fe80::%s", hex64(r.interface_id).c_str(),
                 hex64(r.peer_interface_id).c_str());
            break;
        }
        case ppp::ClientStep::ipv6cp_refused: logf("IPv6CP refused by the peer"); break;
    }
}

void PppdRunner::ppp_up(ppp::PppClient &c, uint64_t now) {
    was_up_ = true;
    const ppp::ClientResult r = c.result();
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "{\"event\":\"up\",\"address\":\"%s\",\"peer\":\"%s\",\"dns\":[\"%s\",\"%s\"],"
                  "\"auth\":\"%s\",\"ipv6\":%s,\"interface_id\":\"%s\","
                  "\"peer_interface_id\":\"%s\",\"setup_ms\":%.3f}",
                  ip_text(r.address).c_str(), ip_text(r.peer_address).c_str(),
                  ip_text(r.dns[0]).c_str(), ip_text(r.dns[1]).c_str(),
                  r.auth ? ppp::to_string(*r.auth) : "none", r.ipv6 ? "true" : "false",
                  hex64(r.interface_id).c_str(), hex64(r.peer_interface_id).c_str(),
                  double(now - start_) / 1e6);
    status(buf);
    logf("up after %.3f s", double(now - start_) / 1e9);
    if (cfg_.traffic.dest != 0 && cfg_.traffic_count > 0 && r.ipv4) next_tx_ = now;
}

void PppdRunner::ppp_finished(ppp::PppClient &, ppp::ClientFailure why, uint64_t now) {
    (void)now;
    logf("link finished: %s", ppp::client_failure_name(why));
    char buf[256];
    std::snprintf(buf, sizeof buf, "{\"event\":\"finished\",\"reason\":\"%s\",\"was_up\":%s}",
                  ppp::client_failure_name(why), was_up_ ? "true" : "false");
    status(buf);
}

void PppdRunner::ppp_ip(ppp::PppClient &c, uint16_t protocol, std::span<const uint8_t> packet,
                        uint64_t now) {
    (void)now;
    if (protocol != ppp::kProtoIpv4 || sent_ == 0) return;
    if (lacemu::ipv4_destination(packet) != c.result().address) return;
    received_++;
    const size_t ihl = size_t(packet[0] & 0x0f) * 4;
    if (packet[9] == 1 && packet.size() >= ihl + 8 && packet[ihl] == 0) echo_replies_++;
}

// ---- Traffic -------------------------------------------------------------------------

void PppdRunner::traffic_tick(uint64_t now) {
    if (next_tx_ <= now && sent_ < cfg_.traffic_count && client_.is_up()) {
        uint8_t pkt[lacemu::kMaxTrafficSize];
        const size_t n = lacemu::build_traffic_packet(cfg_.traffic, client_.result().address,
                                                      uint16_t(getpid()), uint16_t(sent_), pkt);
        ppp_send(client_, ppp::kProtoIpv4, {pkt, n});
        sent_++;
        next_tx_ = sent_ < cfg_.traffic_count ? now + cfg_.traffic_interval_ns : UINT64_MAX;
        if (sent_ == cfg_.traffic_count) traffic_end_ = now + cfg_.traffic_wait_ns;
    }
    const bool all_back = sent_ == cfg_.traffic_count && received_ >= sent_;
    if (!traffic_done_ && sent_ > 0 && (now >= traffic_end_ || all_back)) {
        traffic_done_ = true;
        traffic_end_ = UINT64_MAX;
        traffic_report();
        if (cfg_.exit_after_traffic) client_.close(now);
    }
}

void PppdRunner::traffic_report() {
    logf("traffic: %u sent to %s, %u received (%u echo replies)", sent_,
         ip_text(cfg_.traffic.dest).c_str(), received_, echo_replies_);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"event\":\"traffic\",\"proto\":\"%s\",\"dest\":\"%s\",\"sent\":%u,"
                  "\"received\":%u,\"echo_replies\":%u}",
                  lacemu::traffic_proto_name(cfg_.traffic.proto),
                  ip_text(cfg_.traffic.dest).c_str(), sent_, received_, echo_replies_);
    status(buf);
}

// ---- Loop ----------------------------------------------------------------------------

void PppdRunner::read_input(uint64_t now) {
    uint8_t buf[4096];
    const ssize_t n = ::read(cfg_.in_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        logf("tty %s: the lower layer is down", n == 0 ? "closed" : std::strerror(errno));
        input_closed_ = true;
        return;
    }
    decoder_.feed(std::span<const uint8_t>(buf, size_t(n)), [&](std::span<const uint8_t> f) {
        if (cfg_.debug) {
            ppp::Frame fr;
            if (ppp::parse_frame(f, &fr) == ppp::PppError::ok && fr.protocol != ppp::kProtoIpv4)
                logf("rcvd %s code %u id %u len %zu", proto_name(fr.protocol),
                     fr.payload.empty() ? 0 : fr.payload[0],
                     fr.payload.size() > 1 ? fr.payload[1] : 0, fr.payload.size());
        }
        client_.receive_frame(f, now);
    });
}

int PppdRunner::run(const volatile std::sig_atomic_t *signals) {
    make_raw(cfg_.in_fd, cfg_.log);
    if (cfg_.out_fd != cfg_.in_fd) make_raw(cfg_.out_fd, cfg_.log);
    start_ = clock_ns();
    logf("starting: user '%s', %s%s", cfg_.user.c_str(), shared_.config.ipv4 ? "IPv4" : "",
         shared_.config.ipv6 ? " IPv6" : "");
    client_.start(start_);
    int seen_signals = 0;
    uint64_t give_up = UINT64_MAX;
    while (!client_.finished()) {
        uint64_t now = clock_ns();
        const int sig = signals ? int(*signals) : 0;
        if (sig > seen_signals) {
            if (seen_signals == 0 && sig == 1) {
                logf("signal: closing the link");
                client_.close(now);
                give_up = now + kCloseGraceNs;
            } else {
                logf("second signal: exiting");
                break;
            }
            seen_signals = sig;
        }
        if (now >= give_up) {
            logf("no Terminate-Ack in time: exiting");
            break;
        }
        if (client_.next_deadline() <= now) client_.on_timer(now);
        traffic_tick(now);
        if (client_.finished() || input_closed_) break;
        const uint64_t wake =
            std::min({client_.next_deadline(), next_tx_, traffic_end_, give_up});
        now = clock_ns();
        int timeout_ms = 1000;
        if (wake != UINT64_MAX)
            timeout_ms = wake <= now ? 0 : int(std::min<uint64_t>((wake - now + 999999) / 1000000, 1000));
        pollfd pf{cfg_.in_fd, POLLIN, 0};
        const int r = ::poll(&pf, 1, timeout_ms);
        if (r < 0 && errno != EINTR) {
            logf("poll: %s", std::strerror(errno));
            break;
        }
        if (r > 0 && (pf.revents & (POLLIN | POLLHUP | POLLERR))) read_input(clock_ns());
    }
    if (!client_.finished()) client_.lower_down(clock_ns());
    if (sent_ > 0 && !traffic_done_) {
        traffic_done_ = true;
        traffic_report();
    }
    const ppp::HdlcCounters &h = decoder_.counters();
    logf("hdlc: %llu frames in, %llu out, %llu bad FCS, %llu runts, %llu too long, %llu aborts",
         static_cast<unsigned long long>(h.frames_in), static_cast<unsigned long long>(frames_out_),
         static_cast<unsigned long long>(h.bad_fcs), static_cast<unsigned long long>(h.runts),
         static_cast<unsigned long long>(h.too_long), static_cast<unsigned long long>(h.aborts));
    const bool traffic_ok = cfg_.traffic.dest == 0 || (sent_ > 0 && received_ >= sent_);
    return was_up_ && traffic_ok ? 0 : 1;
}

}  // namespace lns::pppd
