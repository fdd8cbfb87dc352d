// lns-pppd's engine room: one PppClient (controlplane/ppp/client.hpp) over RFC 1662
// asynchronous HDLC (controlplane/ppp/hdlc.hpp) on a tty or a pty (xl2tpd gives
// pppd the slave end of a pty on stdin/stdout), with a poll loop, a status file
// for tests, and optional test traffic once IPCP is up.
//
// The loop: our LCP Configure-Request goes out at once (the LNS's first one may
// have been lost before we existed); bytes read are decoded into frames for the
// client; packets from the client are framed (FF 03, protocol), encoded with the
// default ACCM and written in full.  EOF or an error on the tty is the lower layer
// going down.  SIGTERM / SIGINT / SIGHUP close the link politely (LCP Terminate,
// at most 3 s), a second signal exits at once.
//
// Status (env LNS_PPPD_STATUS=FILE): one JSON object per line, appended:
//   {"event":"up","address":"A","peer":"A","dns":["A","A"],"auth":"chap_md5|...|none",
//    "ipv6":bool,"interface_id":"hex","peer_interface_id":"hex","setup_ms":F}
//   {"event":"traffic","proto":"icmp|udp","dest":"A","sent":N,"received":N,"echo_replies":N}
//   {"event":"finished","reason":"peer_terminated|...","was_up":bool}
//
// Thread: main only.
#pragma once

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string>

#include "controlplane/ppp/client.hpp"
#include "controlplane/ppp/hdlc.hpp"
#include "tools/lac-emu/traffic.hpp"

namespace lns::pppd {

struct RunnerConfig {
    int in_fd = 0, out_fd = 1;
    FILE *log = stderr;
    int debug = 0;  // 1: every frame's protocol and code in the log
    std::string user, password;
    std::string status_path;  // empty: no status file
    // Test traffic once up (dest 0: none).
    lacemu::TrafficConfig traffic;
    uint32_t traffic_count = 5;
    uint64_t traffic_interval_ns = 200'000'000ull;
    bool exit_after_traffic = false;  // close the link once the traffic is done
    uint64_t traffic_wait_ns = 2'000'000'000ull;  // for replies after the last packet
};

class PppdRunner final : public cp::ppp::ClientHost {
  public:
    PppdRunner(const RunnerConfig &cfg, cp::ppp::ClientShared &shared);

    // Runs until the link is finished.  Returns 0 when it came up (and the test
    // traffic, if any, got every reply), 1 otherwise.
    int run(const volatile std::sig_atomic_t *signals);

    // cp::ppp::ClientHost.
    void ppp_send(cp::ppp::PppClient &c, uint16_t protocol,
                  std::span<const uint8_t> packet) override;
    cp::ppp::Credentials ppp_credentials(cp::ppp::PppClient &c) override;
    void ppp_up(cp::ppp::PppClient &c, uint64_t now) override;
    void ppp_finished(cp::ppp::PppClient &c, cp::ppp::ClientFailure why, uint64_t now) override;
    void ppp_ip(cp::ppp::PppClient &c, uint16_t protocol, std::span<const uint8_t> packet,
                uint64_t now) override;
    void ppp_step(cp::ppp::PppClient &c, cp::ppp::ClientStep step, uint64_t now) override;

  private:
    static uint64_t clock_ns();
    void logf(const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    void status(const std::string &json_object);
    void read_input(uint64_t now);
    void traffic_tick(uint64_t now);
    void traffic_report();
    void write_all(const uint8_t *p, size_t n);

    RunnerConfig cfg_;
    cp::ppp::ClientShared &shared_;
    cp::ppp::PppClient client_;
    cp::ppp::HdlcDecoder decoder_;
    uint64_t start_ = 0;
    bool input_closed_ = false, was_up_ = false;
    // Traffic.
    uint64_t next_tx_ = UINT64_MAX, traffic_end_ = UINT64_MAX;
    uint32_t sent_ = 0, received_ = 0, echo_replies_ = 0;
    bool traffic_done_ = false;
    uint64_t frames_out_ = 0;
};

}  // namespace lns::pppd
