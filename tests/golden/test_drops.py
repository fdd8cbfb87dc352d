#!/usr/bin/python3
"""Golden test: every drop reason that a pcap can provoke.  Each bad packet kind is
sent a known number of times; stats.json["drops"][reason] must equal exactly that
number, every other drop counter must stay 0, and neither port may emit anything.
Run 1: full topology.  Run 2: core port without IPv6 and without gateway4
(no_ipv6_route, no_ipv4_route).  Run "length_short": an L2TP Length field 2 bytes
shorter than the UDP payload (l2tp_bad_length)."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from scapy.all import IP, UDP, Dot1Q, Ether, IPv6, Raw  # noqa: E402

import harness  # noqa: E402
import lnsd  # noqa: E402
import pkt  # noqa: E402
import topo  # noqa: E402

PLAIN = topo.Block("plain", ltid=1, lsid=1, rtid=1001, rsid=2001, ipv4="100.64.0.1",
                   ipv6_prefix="2001:db8:1000::/64")
OTHER = topo.Block("other", ltid=2, lsid=1, rtid=1002, rsid=2002, ipv4="100.64.0.5",
                   ipv6_prefix="2001:db8:1002::/64", lac=topo.LAC2_IP)

AMAC = topo.PCAP_MAC_ACCESS
CMAC = topo.PCAP_MAC_CORE


def s0():
    return PLAIN.instances()[0]


def eth_a(payload, etype=0x0800, src=topo.LAC_MAC):
    return pkt.mac_bytes(AMAC) + pkt.mac_bytes(src) + struct.pack("!H", etype) + bytes(payload)


def eth_c(payload, etype=0x0800):
    return pkt.mac_bytes(CMAC) + pkt.mac_bytes(topo.CORE_GW_MAC) + struct.pack("!H", etype) + bytes(payload)


def ipv4_raw(payload, *, src=topo.LAC_IP, dst=topo.ACCESS_IP, proto=17, ihl=5, version=4,
             total=None, csum_ok=True):
    """IPv4 header built by hand so that it can be wrong on purpose."""
    hl = ihl * 4 if ihl >= 5 else 20
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0,
                                total if total is not None else hl + len(payload),
                                1, 0, 64, proto, 0, bytes(map(int, src.split("."))),
                                bytes(map(int, dst.split(".")))))
    hdr += bytes(hl - 20)
    c = pkt.inet_checksum(bytes(hdr))
    if not csum_ok:
        c ^= 0x5A5A
    struct.pack_into("!H", hdr, 10, c)
    return bytes(hdr) + bytes(payload)


def udp_raw(payload, sport=1701, dport=1701, length=None):
    return struct.pack("!HHHH", sport, dport, length if length is not None else 8 + len(payload), 0) + bytes(payload)


def l2tp_frame(msg, *, src=topo.LAC_IP, src_mac=topo.LAC_MAC, dst=topo.ACCESS_IP, sport=1701):
    return pkt.outer_l2tp(src_mac, AMAC, src, dst, msg, sport=sport)


def good_inner4(tag=b"x"):
    return pkt.inner_v4_udp(s0().ipv4, topo.REMOTE4, b"drop:" + tag)


def data(payload_ppp, sess=None, **kw):
    s = sess or s0()
    return pkt.l2tp(s.ltid, s.lsid, payload_ppp, **kw)


def ppp4(inner):
    return pkt.ppp(pkt.PPP_IPV4, inner)


def run1_inputs():
    s = s0()
    inner = good_inner4()
    l2 = data(ppp4(inner))
    up = []   # (reason, frame)
    down = []

    def u(reason, frame):
        up.append((reason, bytes(frame)))

    def d(reason, frame):
        down.append((reason, bytes(frame)))

    # Ethernet
    u("eth_truncated", pkt.mac_bytes(AMAC) + b"\x02\x00")
    u("eth_truncated", eth_a(b"")[:13])
    u("eth_unsupported_type", eth_a(b"\x00" * 46, etype=0x88CC))
    u("eth_unsupported_type", bytes(Ether(src=topo.LAC_MAC, dst=AMAC) / Dot1Q(vlan=10) /
                                    IP(src=topo.LAC_IP, dst=topo.ACCESS_IP) / UDP(sport=1701, dport=1701) / Raw(l2)))
    u("ipv6_on_access", bytes(Ether(src=topo.LAC_MAC, dst=AMAC) /
                              IPv6(src="2001:db8:aaaa::2", dst="2001:db8:aaaa::1") / UDP(sport=1701, dport=1701) / Raw(l2)))
    # outer IPv4
    u("ipv4_truncated", eth_a(ipv4_raw(udp_raw(l2))[:12]))
    u("ipv4_truncated", eth_a(ipv4_raw(udp_raw(l2), total=20 + 8 + len(l2) + 100)))
    u("ipv4_bad_header", eth_a(ipv4_raw(udp_raw(l2), ihl=4)))
    u("ipv4_bad_header", eth_a(ipv4_raw(udp_raw(l2), version=5)))
    u("ipv4_bad_header", eth_a(ipv4_raw(udp_raw(l2), total=16)))
    u("ipv4_bad_checksum", eth_a(ipv4_raw(udp_raw(l2), csum_ok=False)))
    u("ipv4_not_local", l2tp_frame(l2, dst="203.0.113.77"))
    u("ipv4_not_local", l2tp_frame(l2, dst=topo.CORE_IP))
    u("ipv4_unsupported_proto", eth_a(ipv4_raw(b"\x00\x00\x08\x00" + bytes(40), proto=47)))
    u("ipv4_unsupported_proto", eth_a(ipv4_raw(bytes(40), proto=6)))
    u("esp_unknown_spi", eth_a(ipv4_raw(struct.pack("!II", 0x1000, 1) + bytes(48), proto=50)))
    # UDP
    u("udp_truncated", eth_a(ipv4_raw(udp_raw(l2, length=4))))
    u("udp_truncated", eth_a(ipv4_raw(udp_raw(l2, length=8 + len(l2) + 50))))
    u("udp_truncated", eth_a(ipv4_raw(b"\x06\xa5\x06")))
    u("udp_unsupported_port", eth_a(ipv4_raw(udp_raw(b"\x12\x34" + bytes(20), dport=53))))
    u("udp_unsupported_port", eth_a(ipv4_raw(udp_raw(l2, dport=1702))))
    # L2TP header
    u("l2tp_truncated", l2tp_frame(b"\x00\x02\x00"))
    u("l2tp_truncated", l2tp_frame(struct.pack("!HHH", 0x0802, 1, 1) + b"\x00\x00"))        # S: Ns/Nr cut
    u("l2tp_truncated", l2tp_frame(struct.pack("!HB", 0x4002, 0)))                           # L: Length cut
    u("l2tp_truncated", l2tp_frame(struct.pack("!HHH", 0x0202, 1, 1) + b"\x00"))            # O: Offset Size cut
    u("l2tp_bad_version", l2tp_frame(data(ppp4(inner), ver=1)))
    u("l2tp_bad_version", l2tp_frame(data(ppp4(inner), ver=3)))
    u("l2tp_bad_length", l2tp_frame(data(ppp4(inner), L=True, length=len(l2) + 2 + 10)))
    u("l2tp_bad_offset", l2tp_frame(data(ppp4(inner), O=True, pad=0, offset_size=1000)))
    u("l2tp_bad_offset", l2tp_frame(data(ppp4(inner), O=True, pad=0, offset_size=len(ppp4(inner)) + 1)))
    u("l2tp_no_session", l2tp_frame(pkt.l2tp(99, 1, ppp4(inner))))
    u("l2tp_no_session", l2tp_frame(pkt.l2tp(1, 99, ppp4(inner))))
    u("l2tp_no_session", l2tp_frame(pkt.l2tp(1001, 2001, ppp4(inner))))   # the REMOTE ids are not ours
    u("l2tp_wrong_peer", l2tp_frame(l2, src=topo.ROGUE_IP, src_mac=topo.ROGUE_MAC))
    u("l2tp_wrong_peer", l2tp_frame(l2, src=topo.LAC2_IP, src_mac=topo.LAC2_MAC))  # LAC of another session
    # PPP
    u("ppp_truncated", l2tp_frame(data(b"")))
    u("ppp_truncated", l2tp_frame(data(b"\xff\x03")))
    u("ppp_truncated", l2tp_frame(data(b"\xff\x03\x00")))
    u("ppp_bad_protocol", l2tp_frame(data(b"\xff\x03\x00\x20" + inner)))
    u("ppp_bad_protocol", l2tp_frame(data(b"\x02\x20" + inner)))
    # inner IP
    u("inner_ipv4_bad_header", l2tp_frame(data(ppp4(inner[:10]))))
    u("inner_ipv4_bad_header", l2tp_frame(data(ppp4(pkt.inner_v6_udp(s.ipv6, topo.REMOTE6, b"v6in4")))))
    tl = bytearray(inner)
    struct.pack_into("!H", tl, 2, len(inner) + 40)
    tl[10:12] = b"\0\0"
    struct.pack_into("!H", tl, 10, pkt.inet_checksum(bytes(tl[:20])))
    u("inner_ipv4_bad_header", l2tp_frame(data(ppp4(bytes(tl)))))
    in6 = pkt.inner_v6_udp(s.ipv6, topo.REMOTE6, b"drop:v6")
    u("inner_ipv6_bad_header", l2tp_frame(data(pkt.ppp(pkt.PPP_IPV6, in6[:30]))))
    u("inner_ipv6_bad_header", l2tp_frame(data(pkt.ppp(pkt.PPP_IPV6, inner))))
    u("spoofed_source", l2tp_frame(data(ppp4(pkt.inner_v4_udp("100.64.0.99", topo.REMOTE4, b"spoof4")))))
    u("spoofed_source", l2tp_frame(data(ppp4(pkt.inner_v4_udp("100.64.0.5", topo.REMOTE4, b"spoof4b")))))  # other session's
    u("spoofed_source", l2tp_frame(data(pkt.ppp(pkt.PPP_IPV6, pkt.inner_v6_udp("2001:db8:1001::1", topo.REMOTE6, b"spoof6")))))

    # core side
    sub4 = s.ipv4
    d("eth_truncated", pkt.mac_bytes(CMAC)[:5])
    d("eth_unsupported_type", eth_c(b"\x00" * 46, etype=0x88CC))
    good_down = pkt.inner_v4_udp(topo.REMOTE4, sub4, b"down")
    bad = bytearray(good_down)
    bad[10] ^= 0xFF
    d("down_ipv4_bad_header", eth_c(bytes(bad)))
    d("down_ipv4_bad_header", eth_c(ipv4_raw(bytes(40), src=topo.REMOTE4, dst=sub4, total=200)))
    d("down_ipv4_bad_header", eth_c(ipv4_raw(bytes(40), src=topo.REMOTE4, dst=sub4, ihl=4)))
    d("down_ipv4_bad_header", eth_c(good_down[:12]))
    g6 = pkt.inner_v6_udp(topo.REMOTE6, s.ipv6, b"down6")
    d("down_ipv6_bad_header", eth_c(g6[:30], etype=0x86DD))
    b6 = bytearray(g6)
    struct.pack_into("!H", b6, 4, len(g6) - 40 + 64)
    d("down_ipv6_bad_header", eth_c(bytes(b6), etype=0x86DD))
    d("down_no_subscriber", eth_c(pkt.inner_v4_udp(topo.REMOTE4, "100.64.0.2", b"nosub4")))
    d("down_no_subscriber", eth_c(pkt.inner_v4_udp(topo.REMOTE4, "8.8.8.8", b"nosub4b")))
    d("down_no_subscriber", eth_c(pkt.inner_v6_udp(topo.REMOTE6, "2001:db8:1001::1", b"nosub6"), etype=0x86DD))
    d("down_no_subscriber", eth_c(pkt.inner_v6_udp(topo.REMOTE6, "2001:db8:1000:1::1", b"nosub6b"), etype=0x86DD))
    return up, down


def run3_inputs():
    """A Length field shorter than the UDP payload also disagrees with it (contract:
    l2tp_bad_length "L2TP Length field disagrees with the UDP payload")."""
    l2 = data(ppp4(good_inner4(b"short")), L=True)
    return [("l2tp_bad_length", l2tp_frame(data(ppp4(good_inner4(b"short")), L=True, length=len(l2) - 2)))], []


def run2_inputs():
    s = s0()
    up = [("no_ipv6_route", l2tp_frame(data(pkt.ppp(pkt.PPP_IPV6, pkt.inner_v6_udp(s.ipv6, topo.REMOTE6, b"r6"))))),
          ("no_ipv6_route", l2tp_frame(data(pkt.ppp(pkt.PPP_IPV6, pkt.inner_v6_udp(s.ipv6, "2001:db8:ffff::77", b"r6b"))))),
          ("no_ipv4_route", l2tp_frame(data(ppp4(pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"r4")))))]
    return up, []


def expected(items):
    e = {}
    for reason, _ in items:
        e[reason] = e.get(reason, 0) + 1
    return e


def run(checks, binary, wd, name, blocks, up, down, **cfgkw):
    cfg = topo.pcap_config(wd, blocks, tag=name, **cfgkw)
    res = lnsd.run_pcap(binary, wd, cfg, [f for _, f in up], [f for _, f in down])
    if not lnsd.check_run(checks, name, res):
        return
    want = expected(up + down)
    got = res.drops()
    for reason in sorted(want):
        checks.eq(f"{name}.{reason}", got.get(reason), want[reason], f"drops.{reason}")
    lnsd.check_drops(checks, f"{name}.no_other_drops", res, want,
                     ignore=tuple(want))  # the per-reason checks above cover these
    checks.eq(f"{name}.nothing_emitted", (len(res.up_out), len(res.down_out)), (0, 0),
              "frames out of (access, core)")
    checks.eq(f"{name}.nothing_punted", lnsd.nonzero(res.punts()), {})
    checks.eq(f"{name}.nothing_forwarded",
              (res.stats.get("upstream", {}).get("packets"), res.stats.get("downstream", {}).get("packets")), (0, 0))
    total = sum(want.values())
    checks.eq(f"{name}.drop_total", sum(v for v in got.values() if isinstance(v, int)), total)


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("drops")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    with lnsd.WorkDir("drops", args.keep) as wd:
        up, down = run1_inputs()
        checks.guard("run1", run, checks, binary, wd.sub("run1"), "run1", [PLAIN, OTHER], up, down)
        up, down = run3_inputs()
        checks.guard("length_short", run, checks, binary, wd.sub("run3"), "length_short", [PLAIN], up, down)
        up, down = run2_inputs()
        checks.guard("run2", run2, checks, binary, wd.sub("run2"), up, down)
    return checks.finish()


def run2(checks, binary, wd, up, down):
    neigh = [n for n in topo.neighbors_static() if "ipv6" not in n]
    cfg = topo.pcap_config(wd, [PLAIN], tag="run2", core_ipv6=False, neighbors=neigh)
    del cfg["ports"][1]["gateway4"]
    res = lnsd.run_pcap(binary, wd, cfg, [f for _, f in up], [])
    if not lnsd.check_run(checks, "run2", res):
        return
    want = expected(up)
    for reason in sorted(want):
        checks.eq(f"run2.{reason}", res.drops().get(reason), want[reason], f"drops.{reason}")
    lnsd.check_drops(checks, "run2.no_other_drops", res, want, ignore=tuple(want))
    checks.eq("run2.nothing_emitted", (len(res.up_out), len(res.down_out)), (0, 0))


if __name__ == "__main__":
    sys.exit(main())
