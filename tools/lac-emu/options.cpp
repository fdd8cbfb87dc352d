// lns-lac-emu options: getopt_long into Options, with range checks.
#include "tools/lac-emu/options.hpp"

#include <arpa/inet.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lns::lacemu {

const char kUsage[] =
    "usage: lns-lac-emu --lns ADDR[:PORT] [options]\n"
    "Emulates a LAC: opens tunnels and sessions (L2TPv2, RFC 2661) against an LNS and\n"
    "reports setup times, failures and result codes.  Exit status: 0 when every planned\n"
    "tunnel and session came up, none dropped, and the teardown (if any) was acknowledged;\n"
    "1 otherwise; 2 for bad arguments.\n"
    "\n"
    "Where:\n"
    "  --lns ADDR[:PORT]          the LNS (port 1701 by default)\n"
    "  --local ADDR[:PORT]        local address to bind [0.0.0.0:1701]\n"
    "  --local-port PORT          local UDP port (0: any) [1701]\n"
    "  --socket-buffer BYTES      socket send/receive buffers [16777216]\n"
    "  --busy-poll                never sleep during setup and teardown (lower latency,\n"
    "                             fewer context switches, one core at 100%)\n"
    "  --link udp|dpdk            transport: a kernel UDP socket, or a DPDK port with\n"
    "                             its own Ethernet/IPv4/UDP and ARP (needs --local ADDR) [udp]\n"
    "  --eal 'ARGS'               DPDK EAL arguments, split on spaces, e.g. '-l 1 --no-huge\n"
    "                             -m 512 --no-pci --vdev net_af_packet0,iface=veth0,\n"
    "                             framecnt=8192' (a small af_packet ring drops under\n"
    "                             load); defaults added: --file-prefix=lns-lac-emu-PID,\n"
    "                             --no-telemetry, --log-level=warning\n"
    "  --dpdk-port N              ethdev port id [the first]\n"
    "  --peer-mac MAC             static MAC of the next hop (else ARP)\n"
    "  --poll-spin-us US          dpdk: when nothing was received, poll this long before\n"
    "                             sleeping (0: sleep at once; use 0 when the emulator\n"
    "                             shares its CPU with the LNS: spinning delays it) [200]\n"
    "  --poll-nap-us US           dpdk: then sleep in slices of this, 1..100000 [100]\n"
    "  --gateway ADDR             next hop when the LNS is not on-link [the LNS]\n"
    "L2TP/IPsec (RFC 3193; --link udp only):\n"
    "  --ipsec FILE               carry L2TP in ESP, transport mode, UDP-encapsulated\n"
    "                             (RFC 3948) to the LNS's port 4500: one emulated client\n"
    "                             per 'client' line of FILE, each with its own SA pair\n"
    "                             and UDP source port on the --local address (clients\n"
    "                             behind one NAT); tunnel i uses client i modulo their\n"
    "                             number; needs --local ADDR.  FILE lines:\n"
    "                             client port=P cipher=C [integrity=I] out_spi=N\n"
    "                             out_key=HEX in_spi=N in_key=HEX [out_auth_key=HEX\n"
    "                             in_auth_key=HEX] [esn=0|1] [replay_window=64]\n"
    "                             (out: to the LNS; see tools/lac-emu/ipsec_file.hpp)\n"
    "  --natt-keepalive SECONDS   send a NAT keepalive (0xFF) from every client port\n"
    "                             this often (0: never) [0]\n"
    "  --esp-spi OUT:IN           instead of --ipsec: one AES-GCM client whose UDP port\n"
    "  --esp-key-out HEX          is 4500, with these SPIs (decimal or 0x hex) and keys\n"
    "  --esp-key-in HEX           (key then 4-byte salt: 20 or 36 bytes; out: we send with)\n"
    "What:\n"
    "  -t, --tunnels N            tunnels to open, 1..65535 [1]\n"
    "  -s, --sessions-per-tunnel S  sessions per tunnel, 0..65535 [1]\n"
    "  --tunnel-rate R            SCCRQs per second (0: no limit) [0]\n"
    "  --session-rate R           ICRQs per second over all tunnels, round robin over the\n"
    "                             tunnels that are up (0: no limit) [0]\n"
    "  --max-pending N            sessions being set up at once (0: no limit) [0]\n"
    "  --hold SECONDS             keep everything up this long after setup [0]\n"
    "  --teardown cdn|stopccn|none  cdn: CDN per session, then StopCCN per tunnel;\n"
    "                             stopccn: StopCCN per tunnel; waits for the acks [stopccn]\n"
    "  --teardown-rate R          CDNs per second (0: no limit) [0]\n"
    "  --timeout SECONDS          bound on the whole run (0: none; protocol timers bound\n"
    "                             it anyway) [0]\n"
    "Tunnel:\n"
    "  --host-name NAME           our Host Name AVP [lac-emu]\n"
    "  --secret SECRET            tunnel secret (authentication, hidden AVPs)\n"
    "  --require-auth             challenge the LNS (needs --secret)\n"
    "  --hide-avps                hide the AVPs that may be hidden (needs --secret)\n"
    "  --hello SECONDS            HELLO after this long without a message (0: off) [60]\n"
    "  --window N                 our receive window, 1..1024 [16]\n"
    "  --retransmit-initial-ms MS first retransmission timeout [1000]\n"
    "  --retransmit-cap-ms MS     back-off cap [8000]\n"
    "  --max-retransmits N        then the peer is dead [5]\n"
    "  --ack-delay-ms MS          ZLB when nothing piggybacks the ack [100]\n"
    "  --no-slow-start            full window at once\n"
    "  --setup-timeout SECONDS    a tunnel or call not up in this time fails [30]\n"
    "Calls:\n"
    "  --calling-number PATTERN   Calling Number AVP, e.g. '0301{n}' [none]\n"
    "  --called-number PATTERN    Called Number AVP [none]\n"
    "                             (patterns: {n} session index, {t} tunnel index,\n"
    "                             {s} index within the tunnel, {{ a literal '{')\n"
    "  --sequencing               ask for Sequencing Required (ICCN)\n"
    "  --proxy-lcp                send proxy LCP AVPs 26-28 (MRU, magic, auth option)\n"
    "  --proxy-auth[=chap|pap]    send proxy authentication AVPs 29-33 [chap]\n"
    "  --user PATTERN             proxy authentication name [user{n}@lac-emu.test]\n"
    "  --password PASSWORD        used for the CHAP response / PAP [password]\n"
    "  --answer-ocrq              accept outgoing calls (OCRQ) from the LNS\n"
    "PPP (off by default: calls stop at ICCN):\n"
    "  --ppp                      run a PPP client per call after ICCN: LCP, then PAP /\n"
    "                             CHAP-MD5 / MS-CHAPv2 as the LNS asks, then IPCP (address,\n"
    "                             DNS); setup waits for it; sessions count as full when\n"
    "                             every NCP is up\n"
    "  --auth pap|chap|mschapv2   the only protocol we agree to authenticate with [any]\n"
    "  --user-pattern PATTERN     same as --user: the PPP (and proxy) user name\n"
    "  --ipv6                     run IPv6CP too (a refusal by the LNS is not a failure)\n"
    "  --traffic PPS              during --hold, send IPv4 packets from the subscribers'\n"
    "                             addresses (round robin) to --traffic-dest, PPS in total,\n"
    "                             and count the packets that come back to those addresses\n"
    "  --traffic-size BYTES       IPv4 packet size, 28..1400 [64]\n"
    "  --traffic-dest ADDR        destination of the traffic (needed with --traffic)\n"
    "  --traffic-proto udp|icmp   UDP to --traffic-port, or ICMP echo requests [udp]\n"
    "  --traffic-port PORT        UDP destination port [9]\n"
    "Output:\n"
    "  --interval SECONDS         progress line (and --json rewrite) this often [0: off]\n"
    "  --json FILE                write the JSON report (see lac_emu_main.cpp)\n"
    "  --seed N                   random seed for ids and challenges [time-based]\n"
    "  -q, --quiet                no progress lines or summary (JSON and exit status only)\n"
    "  -h, --help                 this text\n";

namespace {

bool parse_u64(const char *s, uint64_t max, uint64_t &out) {
    char *end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-') return false;
    out = v;
    return true;
}

bool parse_real(const char *s, double max, double &out) {
    char *end = nullptr;
    errno = 0;
    const double v = std::strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !std::isfinite(v) || v < 0 || v > max)
        return false;
    out = v;
    return true;
}

// ADDR or ADDR:PORT (IPv4).  `port` keeps its value when no port is given.
bool parse_addr(const char *s, uint32_t &ip, uint16_t &port) {
    std::string text(s);
    const size_t colon = text.find(':');
    if (colon != std::string::npos) {
        uint64_t p;
        if (!parse_u64(text.c_str() + colon + 1, 65535, p)) return false;
        port = uint16_t(p);
        text.resize(colon);
    }
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
    ip = ntohl(a.s_addr);
    return true;
}

bool parse_mac(const char *s, MacAddr &mac) {
    unsigned b[6];
    char tail;
    if (std::sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return false;
    for (int i = 0; i < 6; i++) {
        if (b[i] > 255) return false;
        mac[i] = uint8_t(b[i]);
    }
    return true;
}

std::vector<std::string> split(const char *s) {
    std::vector<std::string> out;
    std::string cur;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t') {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += *s;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

uint64_t time_seed() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec)) ^
           (uint64_t(getpid()) << 48);
}

enum : int {
    kLns = 256,
    kLocal,
    kLocalPort,
    kSockBuf,
    kTunnelRate,
    kSessionRate,
    kMaxPending,
    kHold,
    kTeardown,
    kTeardownRate,
    kTimeout,
    kHostName,
    kSecret,
    kRequireAuth,
    kHideAvps,
    kHello,
    kWindow,
    kRtxInitial,
    kRtxCap,
    kMaxRtx,
    kAckDelay,
    kNoSlowStart,
    kSetupTimeout,
    kCalling,
    kCalled,
    kSequencing,
    kProxyLcp,
    kProxyAuth,
    kUser,
    kPassword,
    kAnswerOcrq,
    kInterval,
    kJson,
    kSeed,
    kBusyPoll,
    kLink,
    kEal,
    kDpdkPort,
    kPeerMac,
    kPollSpin,
    kPollNap,
    kGateway,
    kPpp,
    kAuth,
    kUserPattern,
    kIpv6,
    kTraffic,
    kTrafficSize,
    kTrafficDest,
    kTrafficProto,
    kTrafficPort,
    kIpsec,
    kNattKeepalive,
    kEspSpi,
    kEspKeyOut,
    kEspKeyIn,
};

const option kLongopts[] = {
    {"lns", required_argument, nullptr, kLns},
    {"local", required_argument, nullptr, kLocal},
    {"local-port", required_argument, nullptr, kLocalPort},
    {"socket-buffer", required_argument, nullptr, kSockBuf},
    {"busy-poll", no_argument, nullptr, kBusyPoll},
    {"link", required_argument, nullptr, kLink},
    {"eal", required_argument, nullptr, kEal},
    {"dpdk-port", required_argument, nullptr, kDpdkPort},
    {"peer-mac", required_argument, nullptr, kPeerMac},
    {"poll-spin-us", required_argument, nullptr, kPollSpin},
    {"poll-nap-us", required_argument, nullptr, kPollNap},
    {"gateway", required_argument, nullptr, kGateway},
    {"tunnels", required_argument, nullptr, 't'},
    {"sessions-per-tunnel", required_argument, nullptr, 's'},
    {"tunnel-rate", required_argument, nullptr, kTunnelRate},
    {"session-rate", required_argument, nullptr, kSessionRate},
    {"max-pending", required_argument, nullptr, kMaxPending},
    {"hold", required_argument, nullptr, kHold},
    {"teardown", required_argument, nullptr, kTeardown},
    {"teardown-rate", required_argument, nullptr, kTeardownRate},
    {"timeout", required_argument, nullptr, kTimeout},
    {"host-name", required_argument, nullptr, kHostName},
    {"secret", required_argument, nullptr, kSecret},
    {"require-auth", no_argument, nullptr, kRequireAuth},
    {"hide-avps", no_argument, nullptr, kHideAvps},
    {"hello", required_argument, nullptr, kHello},
    {"window", required_argument, nullptr, kWindow},
    {"retransmit-initial-ms", required_argument, nullptr, kRtxInitial},
    {"retransmit-cap-ms", required_argument, nullptr, kRtxCap},
    {"max-retransmits", required_argument, nullptr, kMaxRtx},
    {"ack-delay-ms", required_argument, nullptr, kAckDelay},
    {"no-slow-start", no_argument, nullptr, kNoSlowStart},
    {"setup-timeout", required_argument, nullptr, kSetupTimeout},
    {"calling-number", required_argument, nullptr, kCalling},
    {"called-number", required_argument, nullptr, kCalled},
    {"sequencing", no_argument, nullptr, kSequencing},
    {"proxy-lcp", no_argument, nullptr, kProxyLcp},
    {"proxy-auth", optional_argument, nullptr, kProxyAuth},
    {"user", required_argument, nullptr, kUser},
    {"password", required_argument, nullptr, kPassword},
    {"answer-ocrq", no_argument, nullptr, kAnswerOcrq},
    {"ppp", no_argument, nullptr, kPpp},
    {"auth", required_argument, nullptr, kAuth},
    {"user-pattern", required_argument, nullptr, kUserPattern},
    {"ipv6", no_argument, nullptr, kIpv6},
    {"traffic", required_argument, nullptr, kTraffic},
    {"traffic-size", required_argument, nullptr, kTrafficSize},
    {"traffic-dest", required_argument, nullptr, kTrafficDest},
    {"traffic-proto", required_argument, nullptr, kTrafficProto},
    {"traffic-port", required_argument, nullptr, kTrafficPort},
    {"ipsec", required_argument, nullptr, kIpsec},
    {"natt-keepalive", required_argument, nullptr, kNattKeepalive},
    {"esp-spi", required_argument, nullptr, kEspSpi},
    {"esp-key-out", required_argument, nullptr, kEspKeyOut},
    {"esp-key-in", required_argument, nullptr, kEspKeyIn},
    {"interval", required_argument, nullptr, kInterval},
    {"json", required_argument, nullptr, kJson},
    {"seed", required_argument, nullptr, kSeed},
    {"quiet", no_argument, nullptr, 'q'},
    {"help", no_argument, nullptr, 'h'},
    {nullptr, 0, nullptr, 0},
};

constexpr double kMaxSeconds = 1e7;
constexpr double kMaxRate = 1e9;

// One option into `o`; false with `error` set when its value is bad.
bool apply(int ch, const char *arg, Options &o, bool &have_lns, std::string *error) {
    EmuConfig &e = o.emu;
    cp::l2tp::ReliableConfig &rc = e.peer.reliable;
    uint64_t v = 0;
    const auto bad = [&](const char *what) {
        *error = std::string("bad ") + what + " '" + (arg ? arg : "") + "'";
        return false;
    };
    switch (ch) {
        case kLns:
            if (!parse_addr(arg, e.lns_ip, e.lns_port) || e.lns_ip == 0 || e.lns_port == 0)
                return bad("--lns (want an IPv4 address, optionally :PORT)");
            have_lns = true;
            return true;
        case kLocal:
            if (!parse_addr(arg, o.udp.local_ip, o.udp.local_port)) return bad("--local");
            return true;
        case kLocalPort:
            if (!parse_u64(arg, 65535, v)) return bad("--local-port");
            o.udp.local_port = uint16_t(v);
            return true;
        case kSockBuf:
            if (!parse_u64(arg, 1u << 30, v)) return bad("--socket-buffer");
            o.udp.socket_buffer = int(v);
            return true;
        case 't':
            if (!parse_u64(arg, 65535, v) || v == 0) return bad("--tunnels (1..65535)");
            e.tunnels = uint32_t(v);
            return true;
        case 's':
            if (!parse_u64(arg, 65535, v)) return bad("--sessions-per-tunnel (0..65535)");
            e.sessions_per_tunnel = uint32_t(v);
            return true;
        case kTunnelRate:
            return parse_real(arg, kMaxRate, e.tunnel_rate) || bad("--tunnel-rate");
        case kSessionRate:
            return parse_real(arg, kMaxRate, e.session_rate) || bad("--session-rate");
        case kTeardownRate:
            return parse_real(arg, kMaxRate, e.teardown_rate) || bad("--teardown-rate");
        case kMaxPending:
            if (!parse_u64(arg, UINT32_MAX, v)) return bad("--max-pending");
            e.max_pending = uint32_t(v);
            return true;
        case kHold:
            return parse_real(arg, kMaxSeconds, e.hold_s) || bad("--hold");
        case kTimeout:
            return parse_real(arg, kMaxSeconds, e.timeout_s) || bad("--timeout");
        case kInterval:
            return parse_real(arg, kMaxSeconds, e.interval_s) || bad("--interval");
        case kTeardown:
            if (std::strcmp(arg, "cdn") == 0)
                e.teardown = Teardown::cdn;
            else if (std::strcmp(arg, "stopccn") == 0)
                e.teardown = Teardown::stopccn;
            else if (std::strcmp(arg, "none") == 0)
                e.teardown = Teardown::none;
            else
                return bad("--teardown (cdn, stopccn or none)");
            return true;
        case kHostName:
            if (!*arg || std::strlen(arg) > 255) return bad("--host-name");
            e.endpoint.host_name = arg;
            return true;
        case kSecret:
            e.peer.secret = arg;
            return true;
        case kRequireAuth:
            e.peer.require_authentication = true;
            return true;
        case kHideAvps:
            e.peer.hide_avps = true;
            return true;
        case kHello:
            if (!parse_u64(arg, 86400, v)) return bad("--hello");
            e.peer.hello_interval_s = uint32_t(v);
            return true;
        case kWindow:
            if (!parse_u64(arg, 1024, v) || v == 0) return bad("--window (1..1024)");
            rc.receive_window = uint16_t(v);
            return true;
        case kRtxInitial:
            if (!parse_u64(arg, 3600000, v) || v == 0) return bad("--retransmit-initial-ms");
            rc.retransmit_initial_ns = v * 1000000ull;
            return true;
        case kRtxCap:
            if (!parse_u64(arg, 3600000, v) || v == 0) return bad("--retransmit-cap-ms");
            rc.retransmit_cap_ns = v * 1000000ull;
            return true;
        case kMaxRtx:
            if (!parse_u64(arg, 100, v)) return bad("--max-retransmits (0..100)");
            rc.max_retransmits = unsigned(v);
            return true;
        case kAckDelay:
            if (!parse_u64(arg, 60000, v)) return bad("--ack-delay-ms");
            rc.ack_delay_ns = v * 1000000ull;
            return true;
        case kNoSlowStart:
            rc.slow_start = false;
            return true;
        case kBusyPoll:
            e.busy_poll = true;
            return true;
        case kLink:
            if (std::strcmp(arg, "udp") == 0)
                o.link = LinkKind::udp;
            else if (std::strcmp(arg, "dpdk") == 0)
                o.link = LinkKind::dpdk;
            else
                return bad("--link (udp or dpdk)");
            return true;
        case kEal:
            o.dpdk.eal_args = split(arg);
            return true;
        case kDpdkPort:
            if (!parse_u64(arg, 65535, v)) return bad("--dpdk-port");
            o.dpdk.port = int(v);
            return true;
        case kPeerMac: {
            MacAddr mac;
            if (!parse_mac(arg, mac)) return bad("--peer-mac (want xx:xx:xx:xx:xx:xx)");
            o.dpdk.next_hop_mac = mac;
            return true;
        }
        case kPollSpin:
            if (!parse_u64(arg, 1000000, v)) return bad("--poll-spin-us (0..1000000)");
            o.dpdk.spin_ns = v * 1000;
            return true;
        case kPollNap:
            if (!parse_u64(arg, 100000, v) || v == 0) return bad("--poll-nap-us (1..100000)");
            o.dpdk.nap_ns = v * 1000;
            return true;
        case kGateway: {
            uint16_t unused = 0;
            if (!parse_addr(arg, o.dpdk.gateway_ip, unused) || o.dpdk.gateway_ip == 0)
                return bad("--gateway");
            return true;
        }
        case kSetupTimeout:
            if (!parse_u64(arg, 86400, v) || v == 0) return bad("--setup-timeout");
            e.endpoint.call_setup_timeout_s = uint32_t(v);
            return true;
        case kCalling:
            return e.call.calling_number.parse(arg, error);
        case kCalled:
            return e.call.called_number.parse(arg, error);
        case kUser:
        case kUserPattern:
            return e.call.user.parse(arg, error);
        case kPpp:
            o.ppp.enabled = true;
            return true;
        case kAuth:
            if (std::strcmp(arg, "pap") == 0)
                o.ppp.auth = AuthChoice::pap;
            else if (std::strcmp(arg, "chap") == 0)
                o.ppp.auth = AuthChoice::chap;
            else if (std::strcmp(arg, "mschapv2") == 0)
                o.ppp.auth = AuthChoice::mschapv2;
            else
                return bad("--auth (pap, chap or mschapv2)");
            return true;
        case kIpv6:
            o.ppp.ipv6 = true;
            return true;
        case kTraffic:
            return parse_real(arg, 1e8, o.ppp.traffic.pps) || bad("--traffic");
        case kTrafficSize:
            if (!parse_u64(arg, kMaxTrafficSize, v) || v < kMinTrafficSize)
                return bad("--traffic-size (28..1400)");
            o.ppp.traffic.size = uint32_t(v);
            return true;
        case kTrafficDest: {
            uint16_t unused = 0;
            if (!parse_addr(arg, o.ppp.traffic.dest, unused) || o.ppp.traffic.dest == 0)
                return bad("--traffic-dest");
            return true;
        }
        case kTrafficProto:
            if (std::strcmp(arg, "udp") == 0)
                o.ppp.traffic.proto = TrafficProto::udp;
            else if (std::strcmp(arg, "icmp") == 0)
                o.ppp.traffic.proto = TrafficProto::icmp;
            else
                return bad("--traffic-proto (udp or icmp)");
            return true;
        case kTrafficPort:
            if (!parse_u64(arg, 65535, v) || v == 0) return bad("--traffic-port");
            o.ppp.traffic.port = uint16_t(v);
            return true;
        case kIpsec:
            o.ipsec_path = arg;
            return true;
        case kEspSpi:
            o.esp_spi = arg;
            return true;
        case kEspKeyOut:
            o.esp_key_out = arg;
            return true;
        case kEspKeyIn:
            o.esp_key_in = arg;
            return true;
        case kNattKeepalive: {
            double sec = 0;
            if (!parse_real(arg, 3600, sec)) return bad("--natt-keepalive (seconds, 0..3600)");
            o.esp.keepalive_ns = uint64_t(sec * 1e9);
            return true;
        }
        case kPassword:
            e.call.password = arg;
            return true;
        case kSequencing:
            e.call.sequencing = true;
            return true;
        case kProxyLcp:
            e.call.proxy_lcp = true;
            return true;
        case kProxyAuth:
            if (!arg || std::strcmp(arg, "chap") == 0)
                e.call.proxy_auth = ProxyAuth::chap;
            else if (std::strcmp(arg, "pap") == 0)
                e.call.proxy_auth = ProxyAuth::pap;
            else
                return bad("--proxy-auth (chap or pap)");
            return true;
        case kAnswerOcrq:
            e.endpoint.accept_outgoing_calls = true;
            return true;
        case kJson:
            o.json_path = arg;
            return !o.json_path.empty() || bad("--json");
        case kSeed:
            if (!parse_u64(arg, UINT64_MAX, v)) return bad("--seed");
            e.seed = v;
            return true;
        case 'q':
            o.quiet = true;
            return true;
    }
    *error = "unknown option (see --help)";
    return false;
}

// --ipsec: the client file and the addresses the ESP link needs.
bool finish_ipsec(Options &o, std::string *error) {
    if (o.link != LinkKind::udp) {
        *error = "--ipsec works with --link udp only";
        return false;
    }
    if (o.udp.local_ip == 0) {
        *error =
            "--ipsec needs --local ADDR (the clients' common, NAT, address: the inner "
            "IPv4 header and checksum use it)";
        return false;
    }
    if (o.udp.local_port == 0) {
        *error = "--ipsec needs a local (inner L2TP) port other than 0";
        return false;
    }
    if (o.ipsec_path.empty()) {  // --esp-*: the same as a one-line file
        const size_t colon = o.esp_spi.find(':');
        if (colon == std::string::npos) {
            *error = "bad --esp-spi '" + o.esp_spi + "' (want OUT:IN)";
            return false;
        }
        const size_t klen = o.esp_key_out.size() / 2;
        const std::string line =
            "client port=4500 cipher=" + std::string(klen == 36 ? "aes-gcm-256" : "aes-gcm-128") +
            " out_spi=" + o.esp_spi.substr(0, colon) + " in_spi=" + o.esp_spi.substr(colon + 1) +
            " out_key=" + o.esp_key_out + " in_key=" + o.esp_key_in + "\n";
        if (!parse_ipsec_text(line, "--esp-*", o.esp.clients, error)) return false;
    } else if (!load_ipsec_file(o.ipsec_path, o.esp.clients, error)) {
        return false;
    }
    if (o.esp.clients.size() > 65535) {
        *error = o.ipsec_path + ": more than 65535 clients";
        return false;
    }
    o.esp.local_ip = o.udp.local_ip;
    o.esp.local_port = o.udp.local_port;
    o.esp.lns_ip = o.emu.lns_ip;
    o.esp.socket_buffer = std::min(o.udp.socket_buffer, 4 << 20);
    return true;
}

}  // namespace

ParseResult parse_options(int argc, char **argv, Options &o, std::string *error) {
    o.emu.endpoint.host_name = "lac-emu";
    o.emu.endpoint.vendor_name = "lns-lac-emu";
    o.emu.seed = time_seed();
    std::string user_error;
    o.emu.call.user.parse("user{n}@lac-emu.test", &user_error);
    bool have_lns = false;
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":t:s:qh", kLongopts, nullptr)) != -1) {
        if (ch == 'h') return ParseResult::help;
        if (ch == '?') {
            *error = optopt ? std::string("unknown option -") + char(optopt)
                            : std::string("unknown option ") + argv[optind - 1];
            return ParseResult::error;
        }
        if (ch == ':') {
            *error = std::string("option ") + argv[optind - 1] + " needs a value";
            return ParseResult::error;
        }
        if (!apply(ch, optarg, o, have_lns, error)) return ParseResult::error;
    }
    if (optind != argc) {
        *error = std::string("unexpected argument '") + argv[optind] + "'";
        return ParseResult::error;
    }
    const EmuConfig &e = o.emu;
    if (!have_lns) {
        *error = "--lns ADDR[:PORT] is required";
        return ParseResult::error;
    }
    if ((e.peer.require_authentication || e.peer.hide_avps) && e.peer.secret.empty()) {
        *error = "--require-auth and --hide-avps need --secret";
        return ParseResult::error;
    }
    if (o.link == LinkKind::dpdk) {
        if (o.udp.local_ip == 0) {
            *error = "--link dpdk needs --local ADDR (the emulator's own IPv4 address)";
            return ParseResult::error;
        }
        if (o.udp.local_port == 0) {
            *error = "--link dpdk needs a local port other than 0";
            return ParseResult::error;
        }
        o.dpdk.local_ip = o.udp.local_ip;
        o.dpdk.local_port = o.udp.local_port;
        o.dpdk.peer_ip = e.lns_ip;
    }
    const bool esp_flags = !o.esp_spi.empty() || !o.esp_key_out.empty() || !o.esp_key_in.empty();
    if (esp_flags && (o.esp_spi.empty() || o.esp_key_out.empty() || o.esp_key_in.empty() ||
                      !o.ipsec_path.empty())) {
        *error = "--esp-spi, --esp-key-out and --esp-key-in go together, and not with --ipsec";
        return ParseResult::error;
    }
    if (esp_flags || !o.ipsec_path.empty()) {
        if (!finish_ipsec(o, error)) return ParseResult::error;
    }
    if (o.esp.clients.empty() && o.esp.keepalive_ns) {
        *error = "--natt-keepalive needs --ipsec FILE";
        return ParseResult::error;
    }
    if (!o.ppp.enabled && (o.ppp.ipv6 || o.ppp.auth != AuthChoice::any || o.ppp.traffic.pps > 0)) {
        *error = "--auth, --ipv6 and --traffic need --ppp";
        return ParseResult::error;
    }
    if (o.ppp.traffic.pps > 0 && o.ppp.traffic.dest == 0) {
        *error = "--traffic needs --traffic-dest ADDR";
        return ParseResult::error;
    }
    o.ppp.user = e.call.user;
    o.ppp.password = e.call.password;
    o.ppp.seed = e.seed;
    o.ppp.sessions_per_tunnel = e.sessions_per_tunnel;
    if (e.peer.reliable.retransmit_cap_ns < e.peer.reliable.retransmit_initial_ns) {
        *error = "--retransmit-cap-ms must be >= --retransmit-initial-ms";
        return ParseResult::error;
    }
    return ParseResult::ok;
}

}  // namespace lns::lacemu
