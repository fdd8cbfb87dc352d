// lns-pktgen: writes a pcap of data traffic for the static sessions of an lnsd
// configuration, so that benchmarks and the lab job replay traffic that matches
// the config exactly (ids, addresses, framing).  See `lns-pktgen --help`.
#include <getopt.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "tools/pktgen/frame_builder.hpp"
#include "tools/pktgen/pcap_writer.hpp"
#include "tools/pktgen/traffic_plan.hpp"

namespace {

using namespace lns;
using namespace lns::pktgen;

const char kUsage[] =
    "usage: lns-pktgen -c CONFIG --out FILE [options]\n"
    "  -c, --config FILE       lnsd YAML configuration (its static sessions are used)\n"
    "  -o, --out FILE          pcap to write (linktype Ethernet)\n"
    "  --direction up|down     up: LAC->LNS L2TP on the access port (default);\n"
    "                          down: plain IP to subscribers on the core port\n"
    "  --inner-size BYTES      inner IP packet size, >= 28 (IPv6 packets: >= 48) [64]\n"
    "  --count N               number of packets [65536]\n"
    "  --order seq|random      session per packet: round robin, or uniformly random [seq]\n"
    "  --seed N                random seed for --order random [1]\n"
    "  --ipv6-share PERCENT    share of IPv6 inner packets, 0..100 [0]\n"
    "  --dst-mac MAC           Ethernet destination [the MAC net_pcap reports for the\n"
    "                          receiving port: 02:70:63:61:70:NN, NN = index among the\n"
    "                          config's net_pcap ports]\n"
    "  --src-mac MAC           Ethernet source [up: static neighbour of the LAC address,\n"
    "                          else 02:1a:<LAC IPv4>; down: static neighbour of the core\n"
    "                          gateway, else 02:00:00:00:00:fe]\n"
    "  --remote4 ADDR          far-end IPv4 of subscriber traffic [198.51.100.9]\n"
    "  --remote6 ADDR          far-end IPv6 of subscriber traffic [2001:db8:ff00::9]\n"
    "  --quiet                 no summary line\n";

struct Options {
    std::string config, out;
    bool up = true;
    unsigned inner_size = 64;
    uint64_t count = 65536;
    bool random = false;
    uint64_t seed = 1;
    unsigned ipv6_share = 0;
    std::optional<cfg::MacAddr> dst_mac, src_mac;
    uint32_t remote4 = 0xc6336409;  // 198.51.100.9
    cfg::Ipv6Addr remote6{0x20, 0x01, 0x0d, 0xb8, 0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09};
    bool quiet = false;
};

bool parse_uint(const char *s, uint64_t max, uint64_t &out) {
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-') return false;
    out = v;
    return true;
}

int fail(const std::string &msg) {
    std::fprintf(stderr, "lns-pktgen: %s\n", msg.c_str());
    return 2;
}

// Returns 0 on success, else an exit code.
int parse_options(int argc, char **argv, Options &o) {
    enum { kDir = 256, kInner, kCount, kOrder, kSeed, kV6, kDst, kSrc, kR4, kR6, kQuiet };
    static const option longopts[] = {
        {"config", required_argument, nullptr, 'c'}, {"out", required_argument, nullptr, 'o'},
        {"direction", required_argument, nullptr, kDir}, {"inner-size", required_argument, nullptr, kInner},
        {"count", required_argument, nullptr, kCount}, {"order", required_argument, nullptr, kOrder},
        {"seed", required_argument, nullptr, kSeed}, {"ipv6-share", required_argument, nullptr, kV6},
        {"dst-mac", required_argument, nullptr, kDst}, {"src-mac", required_argument, nullptr, kSrc},
        {"remote4", required_argument, nullptr, kR4}, {"remote6", required_argument, nullptr, kR6},
        {"quiet", no_argument, nullptr, kQuiet}, {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0}};
    int ch;
    uint64_t v;
    cfg::MacAddr mac;
    while ((ch = getopt_long(argc, argv, "c:o:h", longopts, nullptr)) != -1) {
        switch (ch) {
        case 'c': o.config = optarg; break;
        case 'o': o.out = optarg; break;
        case kDir:
            if (std::strcmp(optarg, "up") == 0) o.up = true;
            else if (std::strcmp(optarg, "down") == 0) o.up = false;
            else return fail("--direction must be up or down");
            break;
        case kInner:
            if (!parse_uint(optarg, kMaxInner, v) || v < kMinInnerV4)
                return fail("--inner-size must be 28.." + std::to_string(kMaxInner));
            o.inner_size = static_cast<unsigned>(v);
            break;
        case kCount:
            if (!parse_uint(optarg, uint64_t{1} << 32, v) || v == 0) return fail("bad --count");
            o.count = v;
            break;
        case kOrder:
            if (std::strcmp(optarg, "seq") == 0) o.random = false;
            else if (std::strcmp(optarg, "random") == 0) o.random = true;
            else return fail("--order must be seq or random");
            break;
        case kSeed:
            if (!parse_uint(optarg, UINT64_MAX, v)) return fail("bad --seed");
            o.seed = v;
            break;
        case kV6:
            if (!parse_uint(optarg, 100, v)) return fail("--ipv6-share must be 0..100");
            o.ipv6_share = static_cast<unsigned>(v);
            break;
        case kDst:
            if (!parse_mac(optarg, mac)) return fail("bad --dst-mac");
            o.dst_mac = mac;
            break;
        case kSrc:
            if (!parse_mac(optarg, mac)) return fail("bad --src-mac");
            o.src_mac = mac;
            break;
        case kR4:
            if (!parse_ipv4(optarg, o.remote4)) return fail("bad --remote4");
            break;
        case kR6:
            if (!parse_ipv6(optarg, o.remote6)) return fail("bad --remote6");
            break;
        case kQuiet: o.quiet = true; break;
        case 'h': std::fputs(kUsage, stdout); return -1;
        default: std::fputs(kUsage, stderr); return 2;
        }
    }
    if (optind != argc) return fail(std::string("unexpected argument ") + argv[optind]);
    if (o.config.empty() || o.out.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    return 0;
}

// splitmix64: small, fast, identical output everywhere for a given seed.
struct Rng {
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }
};

// Per-block constants of the outer headers.
struct BlockOuter {
    cfg::MacAddr dst_mac, src_mac;
    uint32_t lns_addr;
};

// The address a subscriber uses inside its prefix: prefix::1.
cfg::Ipv6Addr host_in_prefix(const cfg::Ipv6Prefix &p) {
    cfg::Ipv6Addr a = p.addr;
    a[15] |= 1;
    return a;
}

struct Generator {
    const Options &o;
    const cfg::Config &c;
    const TrafficPlan &plan;
    std::vector<BlockOuter> blocks;
    cfg::MacAddr down_dst{}, down_src{};
    std::vector<uint16_t> ns;  // upstream Ns per session (sequencing blocks)

    int prepare() {
        if (o.up) {
            for (const auto &s : c.sessions) {
                BlockOuter b{};
                auto dst = o.dst_mac ? o.dst_mac : pcap_port_mac(c, s.port);
                if (!dst)
                    return fail("port " + c.ports[s.port].name + " is not net_pcap: give --dst-mac");
                b.dst_mac = *dst;
                auto src = o.src_mac ? o.src_mac : neighbor_mac(c, s.port, s.lac_address);
                b.src_mac = src ? *src : mac_from_ipv4(s.lac_address);
                b.lns_addr = c.ports[s.port].ipv4.addr;
                blocks.push_back(b);
            }
            ns.assign(plan.flows.size(), 0);
        } else {
            if (plan.core_port >= c.ports.size()) return fail("configuration has no core port");
            auto dst = o.dst_mac ? o.dst_mac : pcap_port_mac(c, plan.core_port);
            if (!dst) return fail("core port is not net_pcap: give --dst-mac");
            down_dst = *dst;
            const auto &cp = c.ports[plan.core_port];
            std::optional<cfg::MacAddr> src = o.src_mac;
            if (!src && cp.gateway4) src = neighbor_mac(c, plan.core_port, *cp.gateway4);
            if (!src && cp.gateway6) src = neighbor_mac6(c, plan.core_port, *cp.gateway6);
            down_src = src ? *src : cfg::MacAddr{0x02, 0, 0, 0, 0, 0xfe};
        }
        return 0;
    }

    // Builds packet number `k` for session `idx`; returns the frame length.
    size_t build(uint8_t *frame, uint64_t k, uint32_t idx, bool want_v6) {
        const SessionFlow &f = plan.flows[idx];
        const cfg::StaticSession &s = c.sessions[f.block];
        InnerSpec in;
        in.ipv6 = f.inst.ipv6_prefix && (want_v6 || !f.inst.ipv4);
        in.size = static_cast<uint16_t>(in.ipv6 && o.inner_size < kMinInnerV6 ? kMinInnerV6 : o.inner_size);
        in.ip_id = static_cast<uint16_t>(k);
        if (in.ipv6) {
            const cfg::Ipv6Addr sub = host_in_prefix(*f.inst.ipv6_prefix);
            in.src6 = o.up ? sub : o.remote6;
            in.dst6 = o.up ? o.remote6 : sub;
        } else {
            in.src4 = o.up ? *f.inst.ipv4 : o.remote4;
            in.dst4 = o.up ? o.remote4 : *f.inst.ipv4;
        }
        if (!o.up) return build_downstream(frame, down_dst, down_src, in);
        const BlockOuter &b = blocks[f.block];
        OuterSpec out;
        out.dst_mac = b.dst_mac;
        out.src_mac = b.src_mac;
        out.src4 = s.lac_address;
        out.dst4 = b.lns_addr;
        out.sport = s.lac_port;
        out.dport = kL2tpPort;
        out.ip_id = static_cast<uint16_t>(k);
        out.tunnel_id = f.inst.local_tunnel_id;
        out.session_id = f.inst.local_session_id;
        out.framing = s.framing;
        if (s.framing.sequencing) out.ns = ns[idx]++;
        return build_upstream(frame, out, in);
    }
};

}  // namespace

int main(int argc, char **argv) {
    Options o;
    if (int rc = parse_options(argc, argv, o); rc != 0) return rc < 0 ? 0 : rc;

    auto t0 = std::chrono::steady_clock::now();
    cfg::LoadResult lr = cfg::load_config_file(o.config);
    if (!lr.config) {
        for (const auto &e : lr.errors) std::fprintf(stderr, "%s\n", e.c_str());
        return fail("invalid configuration " + o.config);
    }
    const cfg::Config &c = *lr.config;
    const TrafficPlan plan = make_plan(c);
    if (plan.flows.empty()) return fail(o.config + ": no static sessions");
    for (const auto &f : plan.flows)
        if (!f.inst.ipv4 && !f.inst.ipv6_prefix) return fail("a session has neither ipv4 nor ipv6_prefix");

    Generator g{o, c, plan, {}, {}, {}, {}};
    if (int rc = g.prepare(); rc != 0) return rc;

    PcapWriter w;
    if (!w.open(o.out)) return fail(w.error());
    std::vector<uint8_t> frame(kMaxFrame);
    Rng rng{o.seed};
    const uint32_t n = static_cast<uint32_t>(plan.flows.size());
    uint64_t bytes = 0;
    const uint64_t ts0 = 1700000000ull * 1000000;
    for (uint64_t k = 0; k < o.count; ++k) {
        const uint32_t idx = o.random ? rng.below(n) : static_cast<uint32_t>(k % n);
        // Spread IPv6 evenly: packet k is IPv6 when floor((k+1)p/100) > floor(kp/100).
        const bool want_v6 = ((k + 1) * o.ipv6_share) / 100 > (k * o.ipv6_share) / 100;
        const size_t len = g.build(frame.data(), k, idx, want_v6);
        if (!w.write(frame.data(), static_cast<uint32_t>(len), ts0 + k)) return fail(w.error());
        bytes += len;
    }
    if (!w.close()) return fail(w.error());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!o.quiet)
        std::printf("lns-pktgen: %s: %llu packets (%s, inner %u B, %s order, %u sessions), %llu frame bytes, %.2f s\n",
                    o.out.c_str(), static_cast<unsigned long long>(o.count), o.up ? "upstream" : "downstream",
                    o.inner_size, o.random ? "random" : "seq", n, static_cast<unsigned long long>(bytes), secs);
    return 0;
}
