#!/usr/bin/python3
"""Golden test: downstream (core -> LNS -> LAC) encapsulation for sessions of every
framing (plain, sequencing, length, offset, ACFC, PFC, all at once, LAC port other
than 1701, off-link LAC, IPv6 /56 prefix), IPv4 and IPv6.  Every output field is
checked against the contract:
  Ethernet(dst = LAC MAC or access gateway MAC, src = access port MAC)
  / IPv4(src = 203.0.113.1, dst = LAC, TTL 64, DF clear, id incrementing, valid checksum)
  / UDP(sport 1701, dport = lac_port, checksum 0)
  / L2TP(T=0, L iff length, S iff sequencing with Ns from 0 per session, O iff offset with
         that many zero bytes, P=0, ver 2, ids = REMOTE tunnel/session)
  / PPP(FF 03 unless acfc; 1-byte protocol iff pfc) / inner packet with TTL-1."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from scapy.all import IP, Ether, IPOption_Router_Alert, IPv6  # noqa: E402

import harness  # noqa: E402
import lnsd  # noqa: E402
import pkt  # noqa: E402
import topo  # noqa: E402
import tshark  # noqa: E402

B = topo.Block
BLOCKS = [
    B("plain", ltid=1, lsid=1, rtid=1001, rsid=2001, ipv4="100.64.0.1", ipv6_prefix="2001:db8:1000::/64"),
    B("seq", ltid=2, lsid=1, rtid=1002, rsid=2101, ipv4="100.64.0.11", ipv6_prefix="2001:db8:1010::/64",
      count=2, spt=2, sequencing=True),
    B("len", ltid=3, lsid=1, rtid=1003, rsid=2201, ipv4="100.64.0.21", ipv6_prefix="2001:db8:1020::/64",
      length=True),
    B("off3", ltid=4, lsid=1, rtid=1004, rsid=2301, ipv4="100.64.0.31", ipv6_prefix="2001:db8:1030::/64",
      offset=3),
    B("off8", ltid=5, lsid=1, rtid=1005, rsid=2401, ipv4="100.64.0.41", ipv6_prefix="2001:db8:1040::/64",
      offset=8),
    B("acfc", ltid=6, lsid=1, rtid=1006, rsid=2501, ipv4="100.64.0.51", ipv6_prefix="2001:db8:1050::/64",
      acfc=True),
    B("pfc", ltid=7, lsid=1, rtid=1007, rsid=2601, ipv4="100.64.0.61", ipv6_prefix="2001:db8:1060::/64",
      pfc=True),
    B("acfc_pfc", ltid=8, lsid=1, rtid=1008, rsid=2701, ipv4="100.64.0.71", ipv6_prefix="2001:db8:1070::/64",
      acfc=True, pfc=True),
    B("all", ltid=9, lsid=1, rtid=1009, rsid=2801, ipv4="100.64.0.81", ipv6_prefix="2001:db8:1080::/64",
      sequencing=True, length=True, offset=2, acfc=True, pfc=True),
    B("port1702", ltid=10, lsid=1, rtid=1010, rsid=2901, ipv4="100.64.0.91", ipv6_prefix="2001:db8:1090::/64",
      lac=topo.LAC2_IP, lac_port=1702),
    B("offlink", ltid=11, lsid=1, rtid=1011, rsid=3001, ipv4="100.64.0.101", ipv6_prefix="2001:db8:10a0::/64",
      lac=topo.OFFLINK_LAC),
    B("v6_56", ltid=12, lsid=1, rtid=1012, rsid=3101, ipv4="100.64.0.111", ipv6_prefix="2001:db8:2000::/56"),
]


def lac_mac(s):
    return {topo.LAC_IP: topo.LAC_MAC, topo.LAC2_IP: topo.LAC2_MAC}.get(s.lac, topo.ACCESS_GW_MAC)


class Case:
    def __init__(self, name, sess, frame, inner):
        self.name, self.sess, self.frame, self.inner = name, sess, frame, inner
        self.want_ns = None


def build_cases():
    cases = []

    def down(name, sess, inner):
        et = IP if inner[0] >> 4 == 4 else IPv6
        fr = bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) / et(inner))
        cases.append(Case(name, sess, fr, inner))

    def v4(tag, s, **kw):
        return pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"dn:" + tag.encode(), sport=4000, dport=33000, **kw)

    def v6(tag, s, dst=None, **kw):
        return pkt.inner_v6_udp(topo.REMOTE6, dst or s.ipv6, b"dn:" + tag.encode(), sport=4000, dport=33000, **kw)

    for b in BLOCKS:
        insts = b.instances()
        if b.name in ("seq", "all"):
            continue
        s = insts[0]
        down(f"{b.name}_v4", s, v4(f"{b.name}_v4", s))
        down(f"{b.name}_v6", s, v6(f"{b.name}_v6", s))
    # v6 /56: an address deep inside the prefix
    s56 = [b for b in BLOCKS if b.name == "v6_56"][0].instances()[0]
    down("v6_56_inner_subnet", s56, v6("v6_56_inner_subnet", s56, dst="2001:db8:2000:ff:1:2:3:4"))
    # sequencing: interleave two sessions of the block and the "all" session;
    # Ns counts every data message of a session, IPv4 and IPv6 alike.
    seq = [b for b in BLOCKS if b.name == "seq"][0].instances()
    al = [b for b in BLOCKS if b.name == "all"][0].instances()[0]
    order = [(seq[0], 4), (seq[1], 4), (seq[0], 6), (al, 4), (seq[0], 4), (seq[1], 6), (al, 6),
             (seq[0], 6), (al, 4)]
    counters = {}
    for i, (s, ver) in enumerate(order):
        n = counters.get(s.name, 0)
        counters[s.name] = n + 1
        tag = f"seq_{s.name}_{n}"
        down(tag, s, (v4 if ver == 4 else v6)(tag, s))
        cases[-1].want_ns = n
    # TTL / TOS / big packet variants on the plain session
    p = BLOCKS[0].instances()[0]
    down("plain_v4_ttl2", p, v4("plain_v4_ttl2", p, ttl=2))
    down("plain_v4_df_tos", p, v4("plain_v4_df_tos", p, flags="DF", tos=0x28))
    down("plain_v6_hlim2", p, v6("plain_v6_hlim2", p, hlim=2))
    down("plain_v4_ip_options", p, v4("plain_v4_ip_options", p, options=[IPOption_Router_Alert()]))
    # a short frame padded to 60 bytes by the sender: the padding is not part of the packet
    tiny = pkt.inner_v4_udp(topo.REMOTE4, p.ipv4, b"dn:p", sport=4000, dport=33000)
    down("plain_v4_eth_padded", p, tiny)
    cases[-1].frame = cases[-1].frame + b"\xaa" * (60 - len(cases[-1].frame))
    down("plain_v4_1400", p, pkt.inner_v4_udp(topo.REMOTE4, p.ipv4, b"dn:plain_v4_1400:" + bytes(1400)))
    return cases


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("downstream")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    cases = build_cases()
    with lnsd.WorkDir("downstream", args.keep) as wd:
        cfg = topo.pcap_config(wd.path, BLOCKS, tag="dn")
        res = lnsd.run_pcap(binary, wd.path, cfg, [], [c.frame for c in cases])
        if not lnsd.check_run(checks, "run", res):
            return checks.finish()
        checks.guard("outputs", check_outputs, checks, res, cases)
        lnsd.check_drops(checks, "no_drops", res, {})
        checks.eq("punts_none", lnsd.nonzero(res.punts()), {})
        checks.eq("stats_downstream_packets", res.stats.get("downstream", {}).get("packets"), len(cases))
        checks.eq("core_port_silent", len(res.down_out), 0, "frames sent out of the core port")
        if tshark.available():
            checks.guard("tshark", check_tshark, checks, os.path.join(wd.path, "up_out.pcap"), res, cases)
    return checks.finish()


def check_outputs(checks, res, cases):
    decoded = []
    for fr in res.up_out:
        try:
            d = pkt.decap_downstream(fr)
        except Exception as e:  # noqa: BLE001
            checks.fail("decode_output_frame", f"cannot decode access output frame: {e}: {fr[:64].hex()}")
            continue
        d["tag"] = pkt.payload_tag(d["inner"])
        d["frame"] = fr
        decoded.append(d)
    by_tag = {}
    for d in decoded:
        by_tag.setdefault(d["tag"], []).append(d)
    for c in cases:
        got = by_tag.get(pkt.payload_tag(c.inner), [])
        name = f"encap_{c.name}"
        if len(got) != 1:
            checks.fail(name, f"{len(got)} output frames for this packet (want 1)")
            continue
        errs = field_errors(got[0], c, res)
        checks.check(name, not errs, "; ".join(errs))
    # IP identification increments from packet to packet
    ids = [d["ip"].id for d in decoded]
    steps = [(b - a) & 0xFFFF for a, b in zip(ids, ids[1:])]
    checks.check("outer_ip_id_incrementing", ids and all(s == 1 for s in steps),
                 f"outer IPv4 ids in output order {ids[:12]}...")
    checks.eq("output_count", len(decoded), len(cases))


def field_errors(d, c, res):
    s, f = c.sess, c.sess.framing
    e = []
    ip = d["ip"]

    def want(what, got, exp):
        if got != exp:
            e.append(f"{what} {got!r} want {exp!r}")

    want("eth dst", d["eth_dst"], lac_mac(s))
    want("eth src", d["eth_src"], res.access_mac)
    want("ip version", ip.version, 4)
    want("ip ihl", ip.ihl, 5)
    want("ip src", ip.src, topo.ACCESS_IP)
    want("ip dst", ip.dst, s.lac)
    want("ip ttl", ip.ttl, 64)
    want("ip flags (DF/MF clear)", int(ip.flags), 0)
    want("ip frag offset", ip.frag, 0)
    want("ip proto", ip.proto, 17)
    want("ip total length", ip.len, len(d["ip_raw"]))
    if not pkt.ipv4_header_ok(d["ip_raw"]):
        e.append("outer IPv4 header checksum invalid")
    pad = len(d["frame"]) - 14 - len(d["ip_raw"])
    if pad and len(d["frame"]) != 60:
        e.append(f"{pad} bytes after the IP packet in a {len(d['frame'])}-byte frame")
    want("udp sport", d["sport"], 1701)
    want("udp dport", d["dport"], s.lac_port)
    want("udp length", d["udp_len"], len(d["ip_raw"]) - 20)
    want("udp checksum", d["udp_csum"], 0)
    l2 = d["l2tp"]
    want("l2tp T", l2["T"], False)
    want("l2tp ver", l2["ver"], 2)
    want("l2tp reserved bits", l2["reserved"], 0)
    want("l2tp P", l2["P"], False)
    want("l2tp L", l2["L"], f["length"])
    want("l2tp S", l2["S"], f["sequencing"])
    want("l2tp O", l2["O"], f["offset"] > 0)
    if l2["L"]:
        want("l2tp Length", l2["length"], len(d["udp_payload"]))
    want("l2tp tunnel id (remote)", l2["tid"], s.rtid)
    want("l2tp session id (remote)", l2["sid"], s.rsid)
    if f["sequencing"] and c.want_ns is not None:
        want("l2tp Ns", l2["ns"], c.want_ns)
    if f["offset"]:
        want("l2tp Offset Size", l2["offset_size"], f["offset"])
        want("l2tp offset padding", l2["pad"], bytes(f["offset"]))
    want("ppp address/control present", d["acf"], not f["acfc"])
    v = c.inner[0] >> 4
    want("ppp protocol", d["proto"], pkt.PPP_IPV4 if v == 4 else pkt.PPP_IPV6)
    want("ppp protocol length", d["proto_len"], 1 if f["pfc"] else 2)
    exp_inner = pkt.decrement_ttl(c.inner)
    if d["inner"] != exp_inner:
        if len(d["inner"]) != len(exp_inner):
            e.append(f"inner length {len(d['inner'])} want {len(exp_inner)}")
        elif v == 4 and d["inner"][8] != exp_inner[8]:
            e.append(f"inner TTL {d['inner'][8]} want {exp_inner[8]}")
        elif v == 6 and d["inner"][7] != exp_inner[7]:
            e.append(f"inner hop limit {d['inner'][7]} want {exp_inner[7]}")
        else:
            first = next(i for i, (a, b) in enumerate(zip(d["inner"], exp_inner)) if a != b)
            e.append(f"inner packet differs at byte {first}")
    return e


def check_tshark(checks, path, res, cases):
    probs = tshark.expert_problems(path)
    checks.check("tshark_no_expert_problems", not probs, "; ".join(probs[:5]))
    rows = tshark.fields(path, ["l2tp.tunnel", "l2tp.session", "ppp.protocol", "udp.dstport"],
                         decode_as=["udp.port==1702,l2tp"])
    exp = {}
    for c in cases:
        exp[(str(c.sess.rtid), str(c.sess.rsid))] = exp.get((str(c.sess.rtid), str(c.sess.rsid)), 0) + 1
    got = {}
    bad = []
    for r in rows:
        got[(r[0], r[1])] = got.get((r[0], r[1]), 0) + 1
        if r[2] not in ("0x0021", "0x0057"):
            bad.append(r)
    checks.eq("tshark_l2tp_ids", got, exp, "(remote tunnel, session) -> frames as decoded by tshark")
    checks.check("tshark_ppp_protocol", not bad and rows, f"tshark PPP protocol not IPv4/IPv6: {bad[:3]}")
    rows = tshark.checksum_status(path)
    badc = [i for i, r in enumerate(rows) if "0" in r or "4" in r]
    checks.check("tshark_checksums_valid", rows and not badc, f"bad checksum in frames {badc[:10]}")


if __name__ == "__main__":
    sys.exit(main())
