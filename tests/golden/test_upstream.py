#!/usr/bin/python3
"""Golden test: upstream (LAC -> LNS -> core) decapsulation of every L2TP/PPP header
variant.  One lnsd run; every input carries a unique UDP payload tag, and the core
port's output for it must be exactly the inner packet with TTL / hop limit minus
one (IPv4 checksum recomputed), in an Ethernet header dst = next hop (gateway or
on-link neighbour), src = core port MAC."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from scapy.all import IPOption_Router_Alert, IPOption_NOP  # noqa: E402

import harness  # noqa: E402
import lnsd  # noqa: E402
import pkt  # noqa: E402
import topo  # noqa: E402
import tshark  # noqa: E402
from pkt import PPP_IPV4, PPP_IPV6  # noqa: E402

PLAIN = topo.Block("plain", ltid=1, lsid=1, rtid=1001, rsid=2001, ipv4="100.64.0.1",
                   ipv6_prefix="2001:db8:1000::/64")
MULTI = topo.Block("multi", ltid=10, lsid=5, rtid=1010, rsid=2005, ipv4="100.64.1.1",
                   ipv6_prefix="2001:db8:1100::/64", count=3, spt=2)
LAC2 = topo.Block("lac2", ltid=20, lsid=1, rtid=1020, rsid=2020, ipv4="100.64.2.1",
                  ipv6_prefix="2001:db8:1200::/64", lac=topo.LAC2_IP)


class Case:
    def __init__(self, name, frame, inner, nexthop_mac, desc):
        self.name, self.frame, self.inner, self.nexthop_mac, self.desc = name, frame, inner, nexthop_mac, desc


def build_cases():
    s = PLAIN.instances()[0]
    cases = []

    def up(name, inner, *, l2=None, ppp_kw=None, outer_kw=None, sess=s, lac_mac=topo.LAC_MAC,
           proto=None, nexthop=topo.CORE_GW_MAC, desc=""):
        proto = proto or (PPP_IPV4 if inner[0] >> 4 == 4 else PPP_IPV6)
        msg = pkt.l2tp(sess.ltid, sess.lsid, pkt.ppp(proto, inner, **(ppp_kw or {})), **(l2 or {}))
        fr = pkt.outer_l2tp(lac_mac, topo.PCAP_MAC_ACCESS, sess.lac, topo.ACCESS_IP, msg,
                            **(outer_kw or {}))
        cases.append(Case(name, fr, inner, nexthop, desc))

    def v4(tag, sess=s, **kw):
        return pkt.inner_v4_udp(sess.ipv4, topo.REMOTE4, b"up:" + tag.encode(), **kw)

    def v6(tag, sess=s, src=None, **kw):
        return pkt.inner_v6_udp(src or sess.ipv6, topo.REMOTE6, b"up:" + tag.encode(), **kw)

    # L2TP header variants (RFC 2661 3.1)
    up("hdr_plain", v4("hdr_plain"))
    up("hdr_L", v4("hdr_L"), l2={"L": True})
    up("hdr_S", v4("hdr_S"), l2={"S": True, "ns": 5, "nr": 9})
    up("hdr_S_wrapped_ns", v4("hdr_S_wrapped_ns"), l2={"S": True, "ns": 0xFFFF, "nr": 0xFFFF})
    up("hdr_O0", v4("hdr_O0"), l2={"O": True, "pad": 0})
    up("hdr_O1", v4("hdr_O1"), l2={"O": True, "pad": 1})
    up("hdr_O8", v4("hdr_O8"), l2={"O": True, "pad": 8, "pad_byte": 0xA5})
    up("hdr_P", v4("hdr_P"), l2={"P": True})
    up("hdr_LSO", v4("hdr_LSO"), l2={"L": True, "S": True, "ns": 1, "nr": 2, "O": True, "pad": 3})
    up("hdr_LSOP", v4("hdr_LSOP"), l2={"L": True, "S": True, "ns": 2, "nr": 3, "O": True, "pad": 8, "P": True})
    # PPP framing variants (RFC 1661 6.5, 6.6; RFC 1662 3.2)
    up("ppp_no_acf", v4("ppp_no_acf"), ppp_kw={"acf": False})
    up("ppp_pfc", v4("ppp_pfc"), ppp_kw={"pfc": True})
    up("ppp_no_acf_pfc", v4("ppp_no_acf_pfc"), ppp_kw={"acf": False, "pfc": True})
    up("ppp_no_acf_pfc_LSO", v4("ppp_no_acf_pfc_LSO"), ppp_kw={"acf": False, "pfc": True},
       l2={"L": True, "S": True, "O": True, "pad": 1})
    # outer IPv4 / UDP variants
    up("outer_ip_options", v4("outer_ip_options"),
       outer_kw={"ip_options": [IPOption_Router_Alert(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP()]})
    up("outer_sport_40000", v4("outer_sport_40000"), outer_kw={"sport": 40000})
    up("outer_udp_csum_0", v4("outer_udp_csum_0"), outer_kw={"udp_checksum": False})
    c_tr = len(cases)
    up("outer_eth_trailer", v4("outer_eth_trailer"), desc="8 junk bytes after the outer IP packet")
    cases[c_tr].frame += b"\xee" * 8
    up("outer_ttl_1", v4("outer_ttl_1"), outer_kw={"ttl": 1},
       desc="outer TTL is not the inner TTL: the LNS terminates the outer packet")
    # inner IPv4 variants
    up("inner_ttl_2", v4("inner_ttl_2", ttl=2))
    up("inner_ttl_255", v4("inner_ttl_255", ttl=255))
    up("inner_ip_options", v4("inner_ip_options", options=[IPOption_Router_Alert()]))
    up("inner_tos_df", v4("inner_tos_df", tos=0xB8, flags="DF"))
    up("inner_big_1400", pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"up:inner_big_1400:" + bytes(1400)))
    up("inner_tiny", pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"up:inner_tiny"),
       desc="output frame below 60 bytes")
    up("inner_onlink_dst", pkt.inner_v4_udp(s.ipv4, topo.ONLINK_HOST, b"up:inner_onlink_dst"),
       nexthop=topo.ONLINK_HOST_MAC, desc="destination on the core link: its own MAC, not the gateway's")
    # PPP frame longer than the inner IPv4 packet: forward the IP packet only
    tr = v4("inner_ppp_trailer")
    msg = pkt.l2tp(s.ltid, s.lsid, pkt.ppp(PPP_IPV4, tr) + b"\xdd" * 6)
    cases.append(Case("inner_ppp_trailer", pkt.outer_l2tp(topo.LAC_MAC, topo.PCAP_MAC_ACCESS, s.lac, topo.ACCESS_IP, msg),
                      tr, topo.CORE_GW_MAC, "6 bytes after the inner IPv4 packet inside the PPP frame"))
    # inner IPv6
    up("v6_plain", v6("v6_plain"))
    up("v6_LS", v6("v6_LS"), l2={"L": True, "S": True, "ns": 7})
    up("v6_O8", v6("v6_O8"), l2={"O": True, "pad": 8})
    up("v6_no_acf_pfc", v6("v6_no_acf_pfc"), ppp_kw={"acf": False, "pfc": True})
    up("v6_pfc", v6("v6_pfc"), ppp_kw={"pfc": True})
    up("v6_prefix_addr", v6("v6_prefix_addr", src="2001:db8:1000::abcd:1234"),
       desc="any source inside the session's /64")
    up("v6_hlim_2", v6("v6_hlim_2", hlim=2))
    up("v6_flowlabel_tc", v6("v6_flowlabel_tc", tc=0xB8, fl=0x12345))
    # block expansion (contract: tunnel index i // spt, session id restarts per tunnel)
    for i, m in enumerate(MULTI.instances()):
        up(f"block_{i}_v4", v4(f"block_{i}_v4", sess=m), sess=m,
           desc=f"session {i} of a block = ids {m.ltid}/{m.lsid}, ipv4 {m.ipv4}")
        up(f"block_{i}_v6", v6(f"block_{i}_v6", sess=m), sess=m,
           desc=f"session {i} of a block, prefix {m.ipv6_prefix}")
    l2 = LAC2.instances()[0]
    up("second_lac", v4("second_lac", sess=l2), sess=l2, lac_mac=topo.LAC2_MAC)
    return cases


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("upstream")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    cases = build_cases()
    with lnsd.WorkDir("upstream", args.keep) as wd:
        cfg = topo.pcap_config(wd.path, [PLAIN, MULTI, LAC2], tag="up")
        # Independent check of our own encoder: tshark must decode every input as
        # L2TP data with the intended ids (so a disagreement below is lnsd's).
        res = lnsd.run_pcap(binary, wd.path, cfg, [c.frame for c in cases], [])
        checks.guard("input_decodes", check_inputs, checks, os.path.join(wd.path, "up_in.pcap"), cases)
        if not lnsd.check_run(checks, "run", res):
            return checks.finish()
        checks.guard("outputs", check_outputs, checks, res, cases)
        lnsd.check_drops(checks, "no_drops", res, {})
        checks.eq("punts_none", lnsd.nonzero(res.punts()), {})
        up = res.stats.get("upstream", {})
        checks.eq("stats_upstream_packets", up.get("packets"), len(cases))
        ib = sum(len(c.inner) for c in cases)
        checks.check("stats_upstream_bytes", up.get("bytes") in (ib, ib + 14 * len(cases)),
                     f"upstream.bytes={up.get('bytes')}, want {ib} (inner IP bytes) or {ib + 14 * len(cases)} (with Ethernet)")
        ports = {p.get("name"): p for p in res.stats.get("ports", [])}
        checks.eq("stats_access_rx_packets", ports.get("access0", {}).get("rx_packets"), len(cases))
        checks.eq("stats_core_tx_packets", ports.get("core0", {}).get("tx_packets"), len(cases))
        checks.eq("access_port_silent", len(res.up_out), 0, "frames sent out of the access port")
        if tshark.available():
            out = os.path.join(wd.path, "down_out.pcap")
            probs = tshark.expert_problems(out)
            checks.check("tshark_output_no_expert_problems", not probs, "; ".join(probs[:5]))
            checks.guard("tshark_output_checksums", check_tshark_checksums, checks, out, len(cases))
        else:
            checks.fail("tshark", "tshark not installed")
    return checks.finish()


def check_inputs(checks, path, cases):
    rows = tshark.fields(path, ["l2tp.tunnel", "l2tp.session", "ppp.protocol"])
    ok = len(rows) == len(cases)
    bad = []
    for c, r in zip(cases, rows):
        if not r[0] or not r[1]:
            bad.append(c.name)
    checks.check("selftest_tshark_decodes_inputs_as_l2tp", ok and not bad,
                 f"{len(rows)} rows for {len(cases)} inputs; undecoded: {bad}")


def check_outputs(checks, res, cases):
    by_tag = {}
    strays = 0
    for fr in res.down_out:
        tag = pkt.payload_tag(fr[14:])
        if tag is None:
            strays += 1
            continue
        by_tag.setdefault(tag, []).append(fr)
    for c in cases:
        tag = pkt.payload_tag(c.inner)
        got = by_tag.get(tag, [])
        name = f"fwd_{c.name}"
        if not got:
            checks.fail(name, f"inner packet not forwarded out of the core port {('(' + c.desc + ')') if c.desc else ''}")
            continue
        if len(got) > 1:
            checks.fail(name, f"forwarded {len(got)} times")
            continue
        fr = pkt.strip_eth_padding(got[0])
        et = b"\x08\x00" if c.inner[0] >> 4 == 4 else b"\x86\xdd"
        want = pkt.mac_bytes(c.nexthop_mac) + pkt.mac_bytes(res.core_mac) + et + pkt.decrement_ttl(c.inner)
        if fr == want:
            checks.check(name, True)
            continue
        checks.fail(name, describe_diff(fr, want, c))
    checks.eq("no_stray_core_frames", strays, 0, "frames without a recognisable inner payload")


def describe_diff(got, want, c):
    dst, src, et, pl = pkt.eth_split(got)
    wdst, wsrc, wet, wpl = pkt.eth_split(want)
    parts = []
    if dst != wdst:
        parts.append(f"eth dst {dst} want {wdst}")
    if src != wsrc:
        parts.append(f"eth src {src} want {wsrc}")
    if et != wet:
        parts.append(f"ethertype {et:#x} want {wet:#x}")
    if len(pl) != len(wpl):
        parts.append(f"IP length {len(pl)} want {len(wpl)}")
    if pl[:1] and pl[0] >> 4 == 4 and len(pl) >= 20:
        if pl[8] != wpl[8]:
            parts.append(f"TTL {pl[8]} want {wpl[8]}")
        if not pkt.ipv4_header_ok(pl):
            parts.append("bad IPv4 header checksum")
    elif pl[:1] and len(pl) >= 40 and pl[7] != wpl[7]:
        parts.append(f"hop limit {pl[7]} want {wpl[7]}")
    if not parts:
        first = next((i for i, (a, b) in enumerate(zip(pl, wpl)) if a != b), None)
        parts.append(f"IP bytes differ first at offset {first}")
    return "; ".join(parts) + (f" ({c.desc})" if c.desc else "")


def check_tshark_checksums(checks, path, n):
    rows = tshark.checksum_status(path)
    bad = [i for i, r in enumerate(rows) if "0" in r]
    checks.check("tshark_checksums_valid", len(rows) == n and not bad,
                 f"{len(rows)} frames; tshark reports a bad IPv4/UDP checksum in frames {bad[:10]}")


if __name__ == "__main__":
    sys.exit(main())
