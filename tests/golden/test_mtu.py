#!/usr/bin/python3
"""Golden test: MTU handling.
Run 1 (mtu.too_big: fragment, access MTU 1500, MSS clamp 1400/1380 both ways):
  TCP MSS clamping upstream and downstream (SYN clamped with a valid TCP checksum,
  SYN below the clamp / non-SYN / no MSS untouched); upstream outer IPv4 fragments
  reassembled (in order, reversed, tiny first fragment); downstream packets at the
  exact fit (no fragmentation), one byte over (outer fragmented), big IPv4 and IPv6
  (outer fragments that reassemble, by scapy and by hand, to the exact encapsulated
  packet) and big IPv4 with DF (ICMP fragmentation-needed out of the core port,
  down_too_big = 1).
Run 2 (mtu.too_big: icmp, access MTU 1400, clamp_upstream false): upstream SYN not
  clamped, downstream clamped; too-big IPv4 -> ICMP frag-needed, IPv6 -> ICMPv6
  packet-too-big; overlapping outer fragments -> frag_reassembly_failed."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from scapy.all import (ICMP, IP, TCP, Ether, ICMPv6PacketTooBig, IPv6, Raw,  # noqa: E402
                       defragment, fragment)

import harness  # noqa: E402
import lnsd  # noqa: E402
import pkt  # noqa: E402
import topo  # noqa: E402

PLAIN = topo.Block("plain", ltid=1, lsid=1, rtid=1001, rsid=2001, ipv4="100.64.0.1",
                   ipv6_prefix="2001:db8:1000::/64")
LSO = topo.Block("lso", ltid=2, lsid=1, rtid=1002, rsid=2002, ipv4="100.64.0.2",
                 ipv6_prefix="2001:db8:1001::/64", length=True, sequencing=True, offset=4)
OVERHEAD_PLAIN = 20 + 8 + 6 + 4          # outer IPv4 + UDP + L2TP + PPP(FF03 + 2-byte proto)
OVERHEAD_LSO = 20 + 8 + 6 + 2 + 4 + 2 + 4 + 4


def sess():
    return PLAIN.instances()[0]


def up_frame(s, inner, l2=None, ip_id=1):
    proto = pkt.PPP_IPV4 if inner[0] >> 4 == 4 else pkt.PPP_IPV6
    msg = pkt.l2tp(s.ltid, s.lsid, pkt.ppp(proto, inner), **(l2 or {}))
    return pkt.outer_l2tp(topo.LAC_MAC, topo.PCAP_MAC_ACCESS, s.lac, topo.ACCESS_IP, msg, ip_id=ip_id)


def down_frame(inner):
    et = IP if inner[0] >> 4 == 4 else IPv6
    return bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) / et(inner))


def tcp4(src, dst, flags, options, tag, sport=40001, dport=443, df=True):
    return bytes(IP(src=src, dst=dst, ttl=64, flags="DF" if df else 0) /
                 TCP(sport=sport, dport=dport, flags=flags, seq=1000, ack=0 if flags == "S" else 5,
                     options=options, window=64240) / Raw(tag))


def tcp6(src, dst, flags, options, tag, sport=40001, dport=443):
    return bytes(IPv6(src=src, dst=dst, hlim=64) /
                 TCP(sport=sport, dport=dport, flags=flags, seq=1000, options=options, window=64240) / Raw(tag))


def frags_of(frame, fragsize):
    e = Ether(frame)
    return [bytes(Ether(src=e.src, dst=e.dst) / f) for f in fragment(e[IP], fragsize=fragsize)]


def split_at(frame, first_len):
    """Two outer fragments: the first carries `first_len` bytes of the UDP datagram
    (8 = the UDP header alone), the second the rest."""
    e = Ether(frame)
    ipl = bytes(e[IP].payload)
    out = []
    for off, data, mf in ((0, ipl[:first_len], True), (first_len, ipl[first_len:], False)):
        f = IP(src=e[IP].src, dst=e[IP].dst, id=e[IP].id, ttl=e[IP].ttl, proto=17,
               flags="MF" if mf else 0, frag=off // 8) / Raw(data)
        out.append(bytes(Ether(src=e.src, dst=e.dst) / f))
    return out


def ip_of(frame):
    """IP packet bytes of an Ethernet frame, without Ethernet padding."""
    return pkt.strip_eth_padding(frame)[14:]


def by_tag(frames, decoder):
    out = {}
    for fr in frames:
        try:
            ipb = decoder(fr)
        except Exception:  # noqa: BLE001
            continue
        tag = tcp_or_udp_tag(ipb)
        if tag is not None:
            out.setdefault(tag, []).append((fr, ipb))
    return out


def tcp_or_udp_tag(ipb):
    return pkt.payload_tag(ipb)


def core_inner(fr):
    return pkt.strip_eth_padding(fr)[14:]


def access_inner(fr):
    return pkt.decap_downstream(fr)["inner"]


def expect_mss(checks, name, table, inner, want_mss):
    """The forwarded copy of `inner` has MSS `want_mss` (None: untouched), a valid
    TCP checksum, and otherwise equals the input with TTL-1."""
    got = table.get(tcp_or_udp_tag(inner), [])
    if len(got) != 1:
        return checks.fail(name, f"{len(got)} forwarded copies (want 1)")
    ipb = got[0][1]
    exp = pkt.decrement_ttl(inner)
    errs = []
    mss = pkt.tcp_mss(ipb)
    if want_mss is None:
        if ipb != exp:
            errs.append(f"packet modified (MSS {pkt.tcp_mss(inner)} -> {mss})")
    else:
        if mss != want_mss:
            errs.append(f"MSS {mss} want {want_mss}")
        if not pkt.l4_checksum_ok(ipb):
            errs.append("TCP checksum invalid after clamping")
        if len(ipb) != len(exp):
            errs.append(f"length {len(ipb)} want {len(exp)}")
        else:
            # everything but the MSS value and the TCP checksum is unchanged
            p = (IP if ipb[0] >> 4 == 4 else IPv6)(ipb)
            opts_got = [o for o in p[TCP].options if o[0] != "MSS"]
            q = (IP if exp[0] >> 4 == 4 else IPv6)(exp)
            opts_exp = [o for o in q[TCP].options if o[0] != "MSS"]
            if opts_got != opts_exp:
                errs.append(f"other TCP options changed: {opts_got} vs {opts_exp}")
            if p[TCP].seq != q[TCP].seq or p[TCP].flags != q[TCP].flags or bytes(p[TCP].payload) != bytes(q[TCP].payload):
                errs.append("TCP header/payload changed beyond the MSS")
    return checks.check(name, not errs, "; ".join(errs))


# --------------------------------------------------------------------------- run 1
def run1(checks, binary, wd):
    s = sess()
    lso = LSO.instances()[0]
    opts_syn = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]
    up_cases = {
        "up_v4_syn_1460": (tcp4(s.ipv4, topo.REMOTE4, "S", opts_syn, b"m1"), 1400),
        "up_v4_syn_mss_last": (tcp4(s.ipv4, topo.REMOTE4, "S",
                                    [("NOP", None), ("NOP", None), ("Timestamp", (1, 0)), ("MSS", 1460)], b"m2"), 1400),
        "up_v4_syn_1300_untouched": (tcp4(s.ipv4, topo.REMOTE4, "S", [("MSS", 1300)], b"m3"), None),
        "up_v4_ack_untouched": (tcp4(s.ipv4, topo.REMOTE4, "A", [("MSS", 1460)], b"m4"), None),
        "up_v4_syn_no_mss_untouched": (tcp4(s.ipv4, topo.REMOTE4, "S", [("WScale", 7)], b"m5"), None),
        "up_v6_syn_1460": (tcp6(s.ipv6, topo.REMOTE6, "S", opts_syn, b"m6"), 1380),
        "up_v6_synack_untouched_1300": (tcp6(s.ipv6, topo.REMOTE6, "SA", [("MSS", 1300)], b"m7"), None),
    }
    down_cases = {
        "down_v4_synack_1460": (tcp4(topo.REMOTE4, s.ipv4, "SA", opts_syn, b"d1", sport=443, dport=40001), 1400),
        "down_v4_syn_1460": (tcp4(topo.REMOTE4, s.ipv4, "S", [("MSS", 1460)], b"d2", sport=443, dport=40001), 1400),
        "down_v4_ack_untouched": (tcp4(topo.REMOTE4, s.ipv4, "A", [("MSS", 1460)], b"d3", sport=443, dport=40001), None),
        "down_v6_synack_1460": (tcp6(topo.REMOTE6, s.ipv6, "SA", opts_syn, b"d4", sport=443, dport=40001), 1380),
    }
    up_in = [up_frame(s, inner) for inner, _ in up_cases.values()]
    # upstream outer fragments
    frag_inner = {
        "frag_in_order": pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"f1" + bytes(1000)),
        "frag_reversed": pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"f2" + bytes(1000)),
        "frag_tiny_first": pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"f3" + bytes(300)),
        "frag_v6_lso": pkt.inner_v6_udp(lso.ipv6, topo.REMOTE6, b"f4" + bytes(1200)),
    }
    up_in += frags_of(up_frame(s, frag_inner["frag_in_order"], ip_id=0x1001), 400)
    up_in += list(reversed(frags_of(up_frame(s, frag_inner["frag_reversed"], ip_id=0x1002), 400)))
    up_in += split_at(up_frame(s, frag_inner["frag_tiny_first"], ip_id=0x1003), 8)
    up_in += frags_of(up_frame(lso, frag_inner["frag_v6_lso"], l2={"L": True, "S": True, "O": True, "pad": 2},
                               ip_id=0x1004), 512)
    # downstream sizes: exact fit = 1500 - overhead
    fit = 1500 - OVERHEAD_PLAIN
    big = {
        "down_fit_exact": (pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"b1" + bytes(fit - 28 - 2)), s, "single"),
        "down_one_over": (pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"b2" + bytes(fit - 28 - 1)), s, "frag"),
        "down_v4_1480": (pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"b3" + bytes(1480 - 30)), s, "frag"),
        "down_v6_1480": (pkt.inner_v6_udp(topo.REMOTE6, s.ipv6, b"b4" + bytes(1480 - 50)), s, "frag"),
        "down_lso_v4_1480": (pkt.inner_v4_udp(topo.REMOTE4, lso.ipv4, b"b5" + bytes(1480 - 30)), lso, "frag"),
        "down_v4_1480_df": (pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"b6" + bytes(1480 - 30), flags="DF"), s, "icmp"),
    }
    down_in = [down_frame(inner) for inner, _ in down_cases.values()]
    down_in += [down_frame(inner) for inner, _, _ in big.values()]

    cfg = topo.pcap_config(wd, [PLAIN, LSO], tag="mtu1",
                           mtu={"tcp_mss_v4": 1400, "tcp_mss_v6": 1380, "too_big": "fragment"})
    res = lnsd.run_pcap(binary, wd, cfg, up_in, down_in)
    if not lnsd.check_run(checks, "run1", res):
        return
    core_tbl = by_tag(res.down_out, core_inner)
    for name, (inner, want) in up_cases.items():
        checks.guard(name, expect_mss, checks, name, core_tbl, inner, want)
    # access output: plain frames + fragments
    whole, frags = [], []
    for fr in res.up_out:
        ip = fr[14:]
        if len(ip) >= 20 and fr[12:14] == b"\x08\x00" and (struct.unpack_from("!H", ip, 6)[0] & 0x3FFF):
            frags.append(fr)
        else:
            whole.append(fr)
    acc_tbl = by_tag(whole, access_inner)
    for name, (inner, want) in down_cases.items():
        checks.guard(name, expect_mss, checks, name, acc_tbl, inner, want)
    for name, inner in frag_inner.items():
        got = core_tbl.get(tcp_or_udp_tag(inner), [])
        checks.check(f"up_{name}_reassembled", len(got) == 1 and got[0][1] == pkt.decrement_ttl(inner),
                     f"{len(got)} forwarded copies; {'content differs' if got else 'missing'}")
    checks.guard("down_frag", check_down_big, checks, res, big, whole, frags)
    lnsd.check_drops(checks, "drops_exact", res, {"down_too_big": 1})
    checks.check("punt_too_big", res.punts().get("too_big", 0) == 1,
                 f"punts.too_big={res.punts().get('too_big')} (want 1: the DF packet)")


def check_down_big(checks, res, big, whole, frags):
    acc_tbl = by_tag(whole, access_inner)
    # group fragments by IP id and reassemble them by hand
    groups = {}
    for fr in frags:
        e = Ether(fr)
        groups.setdefault(e[IP].id, []).append(fr)
    reasm = {}
    for ipid, frs in groups.items():
        errs, full = reassemble(frs)
        if full is None:
            checks.fail(f"down_frag_id_{ipid}", "; ".join(errs))
            continue
        try:
            inner = pkt.decap_downstream(full)["inner"]
        except Exception as ex:  # noqa: BLE001
            checks.fail(f"down_frag_id_{ipid}", f"reassembled packet does not decode: {ex}")
            continue
        reasm[tcp_or_udp_tag(inner)] = (full, frs, errs)
        # scapy's own reassembly agrees
        sc = defragment([Ether(f) for f in frs])
        sc_full = [p for p in sc if IP in p and not (p[IP].flags.MF or p[IP].frag)]
        checks.check(f"down_frag_id_{ipid}_scapy_defragment",
                     len(sc_full) == 1 and bytes(sc_full[0][IP])[20:] == full[34:],
                     f"scapy defragment gives {len(sc_full)} packets / different payload")
    for name, (inner, s, mode) in big.items():
        tag = tcp_or_udp_tag(inner)
        if mode == "single":
            got = acc_tbl.get(tag, [])
            ok = len(got) == 1 and tag not in reasm
            detail = f"{len(got)} whole frames, fragmented={tag in reasm}"
            if ok:
                d = pkt.decap_downstream(got[0][0])
                ok = d["ip"].len == 1500 and d["inner"] == pkt.decrement_ttl(inner)
                detail = f"outer length {d['ip'].len} (want 1500), inner equal={d['inner'] == pkt.decrement_ttl(inner)}"
            checks.check(name, ok, detail)
        elif mode == "frag":
            if tag not in reasm:
                checks.fail(name, f"no outer fragments for this packet (whole frames: {len(acc_tbl.get(tag, []))})")
                continue
            full, frs, errs = reasm[tag]
            d = pkt.decap_downstream(full)
            e = list(errs)
            if d["inner"] != pkt.decrement_ttl(inner):
                e.append("reassembled inner packet differs from input with TTL-1")
            if d["l2tp"]["tid"] != s.rtid or d["l2tp"]["sid"] != s.rsid:
                e.append(f"ids {d['l2tp']['tid']}/{d['l2tp']['sid']} want {s.rtid}/{s.rsid}")
            if d["eth_dst"] != topo.LAC_MAC or d["eth_src"] != res.access_mac:
                e.append(f"eth {d['eth_dst']} <- {d['eth_src']}")
            if d["ip"].src != topo.ACCESS_IP or d["ip"].dst != s.lac or d["sport"] != 1701:
                e.append("outer addresses/ports wrong")
            if s.framing["length"] and d["l2tp"]["length"] != len(d["udp_payload"]):
                e.append(f"L2TP Length {d['l2tp']['length']} vs {len(d['udp_payload'])}")
            checks.check(name, not e, "; ".join(e))
        else:  # icmp
            checks.check(f"{name}_not_sent_down", tag not in reasm and not acc_tbl.get(tag),
                         "the DF packet was sent to the LAC anyway")
            check_icmp_frag_needed(checks, name, res, inner, 1500 - OVERHEAD_PLAIN)


def reassemble(frs):
    """Reassemble outer IPv4 fragments by hand; checks every fragment's own fields.
    Returns (errors, full frame or None)."""
    errs = []
    parts = []
    ids = set()
    eth = None
    for fr in frs:
        ip = fr[14:]
        ihl = (ip[0] & 0xF) * 4
        tot, ipid, ff = struct.unpack_from("!HHH", ip, 2)
        ids.add(ipid)
        if tot > 1500:
            errs.append(f"fragment of {tot} bytes > access MTU 1500")
        if not pkt.ipv4_header_ok(ip):
            errs.append("fragment header checksum bad")
        if ff & 0x4000:
            errs.append("fragment has DF")
        off = (ff & 0x1FFF) * 8
        mf = bool(ff & 0x2000)
        data = ip[ihl:tot]
        if mf and len(data) % 8:
            errs.append(f"non-last fragment payload {len(data)} not a multiple of 8")
        parts.append((off, mf, data, ip[:ihl]))
        if off == 0:
            eth = fr[:14]
    parts.sort(key=lambda p: p[0])
    pos = 0
    payload = b""
    for off, mf, data, hdr in parts:
        if off != pos:
            errs.append(f"hole or overlap at {pos} (next fragment at {off})")
            return errs, None
        payload += data
        pos += len(data)
    if parts[-1][1]:
        errs.append("last fragment has MF set")
        return errs, None
    if len(parts) < 2:
        errs.append("only one fragment")
    first_hdr = bytearray(parts[0][3][:20])
    struct.pack_into("!H", first_hdr, 2, 20 + len(payload))
    struct.pack_into("!H", first_hdr, 6, 0)
    struct.pack_into("!H", first_hdr, 10, 0)
    full = eth + bytes(first_hdr) + payload
    return errs, full


def check_icmp_frag_needed(checks, name, res, inner, max_mtu):
    """ICMP type 3 code 4 back to the inner source out of the core port."""
    src = IP(inner).src
    cands = []
    for fr in res.down_out:
        e = Ether(fr)
        if IP in e and ICMP in e and e[IP].dst == src and e[ICMP].type == 3:
            cands.append((e, fr))
    if len(cands) != 1:
        return checks.fail(f"{name}_icmp_frag_needed", f"{len(cands)} ICMP unreachable to {src} out of the core port (want 1)")
    e, fr = cands[0]
    errs = []
    if e[ICMP].code != 4:
        errs.append(f"code {e[ICMP].code} want 4")
    mtu = e[ICMP].nexthopmtu
    if not (576 <= mtu <= max_mtu):
        errs.append(f"next-hop MTU {mtu}, want <= {max_mtu} (access MTU minus L2TP overhead) and >= 576")
    if e.dst != topo.CORE_GW_MAC or e.src != res.core_mac:
        errs.append(f"eth {e.src} -> {e.dst} want {res.core_mac} -> {topo.CORE_GW_MAC}")
    if e[IP].src not in (topo.CORE_IP, topo.ACCESS_IP):
        errs.append(f"ICMP source {e[IP].src} is not an LNS address")
    ipb = ip_of(fr)
    if not pkt.ipv4_header_ok(ipb) or not pkt.l4_checksum_ok(ipb):
        errs.append("checksum invalid")
    quoted = bytes(e[ICMP].payload)
    q = inner
    if len(quoted) < 28 or quoted[12:20] != q[12:20] or quoted[20:28] != q[20:28] or quoted[4:6] != q[4:6]:
        errs.append("quoted packet is not the original IPv4 header + 8 bytes")
    checks.check(f"{name}_icmp_frag_needed", not errs, "; ".join(errs))


# --------------------------------------------------------------------------- run 2
def run2(checks, binary, wd):
    s = sess()
    mtu = 1400
    fit = mtu - OVERHEAD_PLAIN
    up_syn = tcp4(s.ipv4, topo.REMOTE4, "S", [("MSS", 1460)], b"r2u1")
    down_syn = tcp4(topo.REMOTE4, s.ipv4, "SA", [("MSS", 1460)], b"r2d1", sport=443, dport=40001)
    big4 = pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"r2b4" + bytes(fit + 1 - 32))
    big6 = pkt.inner_v6_udp(topo.REMOTE6, s.ipv6, b"r2b6" + bytes(fit + 1 - 52))
    fits = pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"r2ft" + bytes(fit - 32))
    # overlapping outer fragments (offsets 0+400, 200+400, 600+400: 1200 bytes for 1000)
    ovl = up_frame(s, pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"r2ov" + bytes(1000)), ip_id=0x2001)
    e = Ether(ovl)
    ipl = bytes(e[IP].payload)
    ovl_frags = []
    for off, ln, mf in ((0, 400, 1), (200, 400, 1), (len(ipl) - 400, 400, 0)):
        f = IP(src=e[IP].src, dst=e[IP].dst, id=0x2001, ttl=64, proto=17, flags="MF" if mf else 0,
               frag=off // 8) / Raw(ipl[off:off + ln])
        ovl_frags.append(bytes(Ether(src=e.src, dst=e.dst) / f))
    up_in = [up_frame(s, up_syn)] + ovl_frags
    down_in = [down_frame(x) for x in (down_syn, big4, big6, fits)]
    cfg = topo.pcap_config(wd, [PLAIN], tag="mtu2", access_mtu=mtu,
                           mtu={"tcp_mss_v4": 1400, "tcp_mss_v6": 1380, "too_big": "icmp",
                                "clamp_upstream": False, "clamp_downstream": True})
    res = lnsd.run_pcap(binary, wd, cfg, up_in, down_in)
    if not lnsd.check_run(checks, "run2", res):
        return
    core_tbl = by_tag(res.down_out, core_inner)
    acc_tbl = by_tag(res.up_out, lambda fr: pkt.decap_downstream(fr)["inner"])
    checks.guard("r2_up_syn_not_clamped", expect_mss, checks, "r2_up_syn_not_clamped", core_tbl, up_syn, None)
    checks.guard("r2_down_syn_clamped", expect_mss, checks, "r2_down_syn_clamped", acc_tbl, down_syn, 1400)
    got = acc_tbl.get(tcp_or_udp_tag(fits), [])
    checks.check("r2_fit_exact_sent", len(got) == 1 and pkt.decap_downstream(got[0][0])["ip"].len == mtu,
                 f"{len(got)} frames for the packet that exactly fits MTU {mtu}")
    checks.check("r2_big4_not_sent", not acc_tbl.get(tcp_or_udp_tag(big4)) and
                 not any((struct.unpack_from('!H', f, 20)[0] & 0x3FFF) for f in res.up_out if f[12:14] == b"\x08\x00"),
                 "too-big IPv4 sent (or fragmented) towards the LAC with too_big=icmp")
    checks.guard("r2_big4_icmp", check_icmp_frag_needed, checks, "r2_big4", res, big4, fit)
    checks.guard("r2_big6_ptb", check_ptb, checks, res, big6, fit)
    checks.check("r2_overlap_not_forwarded", not core_tbl.get(b"r2ov" + bytes(1000)),
                 "overlapping fragments reassembled and forwarded")
    n = res.drops().get("frag_reassembly_failed", 0)
    checks.check("r2_frag_reassembly_failed", n >= 1,
                 f"frag_reassembly_failed={n} after 3 overlapping fragments (want >= 1)")
    lnsd.check_drops(checks, "r2_drops_exact", res, {"down_too_big": 2}, ignore=("frag_reassembly_failed",))


def check_ptb(checks, res, inner, max_mtu):
    cands = []
    for fr in res.down_out:
        e = Ether(fr)
        if IPv6 in e and ICMPv6PacketTooBig in e:
            cands.append((e, fr))
    if len(cands) != 1:
        return checks.fail("r2_big6_icmpv6_ptb", f"{len(cands)} ICMPv6 packet-too-big out of the core port (want 1)")
    e, fr = cands[0]
    errs = []
    p = e[ICMPv6PacketTooBig]
    if not (1280 <= p.mtu <= max_mtu):
        errs.append(f"MTU {p.mtu}, want 1280..{max_mtu}")
    if e[IPv6].dst != IPv6(inner).src:
        errs.append(f"sent to {e[IPv6].dst}")
    if e[IPv6].src != topo.CORE_IP6:
        errs.append(f"source {e[IPv6].src} want {topo.CORE_IP6}")
    if e.dst != topo.CORE_GW_MAC or e.src != res.core_mac:
        errs.append(f"eth {e.src} -> {e.dst}")
    if len(ip_of(fr)) > 1280:
        errs.append(f"ICMPv6 packet of {len(ip_of(fr))} bytes exceeds 1280")
    quoted = bytes(p.payload)
    if quoted[:40] != inner[:40] and quoted[:7] + quoted[8:40] != inner[:7] + inner[8:40]:
        errs.append("quoted packet does not start with the original IPv6 header")
    if not pkt.l4_checksum_ok(ip_of(fr)):
        errs.append("ICMPv6 checksum invalid")
    checks.check("r2_big6_icmpv6_ptb", not errs, "; ".join(errs))


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("mtu")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    with lnsd.WorkDir("mtu", args.keep) as wd:
        checks.guard("run1", run1, checks, binary, wd.sub("run1"))
        checks.guard("run2", run2, checks, binary, wd.sub("run2"))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
