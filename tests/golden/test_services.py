#!/usr/bin/python3
"""Golden test: what the LNS answers itself.
  ARP requests for the LNS address on each port -> ARP reply; for another address -> silence.
  ICMP echo to the LNS on each port (and from behind the core gateway), ICMPv6 echo to the
  core IPv6 address -> echo reply with the same id/seq/data.
  IPv6 NS for the core address -> solicited NA with the target link-layer address;
  DAD NS (source ::) -> NA to all-nodes; NS for another address -> silence.
  TTL / hop-limit expiry upstream (ICMP back into the session, L2TP-encapsulated) and
  downstream (ICMP out of the core port), IPv4 and IPv6; counted as ttl_expired.
  A subscriber's ping of the LNS core address -> echo reply into its session.
  Into a sequenced session, data (worker) and ICMP (control core) share one Ns sequence.
  L2TP control message and PPP LCP frame -> punted (l2tp_control, ppp_control).
  Run 2 with mtu.icmp_time_exceeded false: expiry counted, nothing sent."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from scapy.all import (ARP, ICMP, IP, Ether, ICMPv6EchoReply, ICMPv6EchoRequest,  # noqa: E402
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                       ICMPv6TimeExceeded, IPv6, Raw)

import harness  # noqa: E402
import lnsd  # noqa: E402
import pkt  # noqa: E402
import topo  # noqa: E402
import tshark  # noqa: E402

PLAIN = topo.Block("plain", ltid=1, lsid=1, rtid=1001, rsid=2001, ipv4="100.64.0.1",
                   ipv6_prefix="2001:db8:1000::/64")
ACFC = topo.Block("acfc", ltid=2, lsid=1, rtid=1002, rsid=2002, ipv4="100.64.0.2",
                  ipv6_prefix="2001:db8:1001::/64", acfc=True, pfc=True, sequencing=True)
BCAST = "ff:ff:ff:ff:ff:ff"
LNS_ADDRS = (topo.ACCESS_IP, topo.CORE_IP)


def ip_of(frame):
    return pkt.strip_eth_padding(frame)[14:]


def up_l2tp(s, payload_ppp, **l2):
    return pkt.outer_l2tp(topo.LAC_MAC, topo.PCAP_MAC_ACCESS, s.lac, topo.ACCESS_IP,
                          pkt.l2tp(s.ltid, s.lsid, payload_ppp, **l2))


def inputs():
    s = PLAIN.instances()[0]
    a = ACFC.instances()[0]
    up = {
        "arp_access": bytes(Ether(src=topo.LAC_MAC, dst=BCAST) /
                            ARP(op=1, hwsrc=topo.LAC_MAC, psrc=topo.LAC_IP, pdst=topo.ACCESS_IP)),
        "arp_access_other": bytes(Ether(src=topo.LAC_MAC, dst=BCAST) /
                                  ARP(op=1, hwsrc=topo.LAC_MAC, psrc=topo.LAC_IP, pdst="203.0.113.77")),
        "echo_access": bytes(Ether(src=topo.LAC_MAC, dst=topo.PCAP_MAC_ACCESS) /
                             IP(src=topo.LAC_IP, dst=topo.ACCESS_IP, id=11) /
                             ICMP(type=8, id=0x1234, seq=1) / Raw(b"ping-access" * 5)),
        "ttl_up_v4": up_l2tp(s, pkt.ppp(pkt.PPP_IPV4, pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"ttl-up-v4", ttl=1))),
        "ttl_up_v4_acfc": up_l2tp(a, pkt.ppp(pkt.PPP_IPV4, pkt.inner_v4_udp(a.ipv4, topo.REMOTE4, b"ttl-up-v4a", ttl=1),
                                             acf=False, pfc=True), S=True, ns=3),
        "ttl_up_v6": up_l2tp(s, pkt.ppp(pkt.PPP_IPV6, pkt.inner_v6_udp(s.ipv6, topo.REMOTE6, b"ttl-up-v6", hlim=1))),
        "l2tp_control_zlb": up_l2tp(s, b"", T=True, L=True, S=True, ns=0, nr=1),
        "ppp_lcp_echo": up_l2tp(s, pkt.ppp(pkt.PPP_LCP, bytes([9, 1, 0, 8, 0x11, 0x22, 0x33, 0x44]))),
        "echo_from_subscriber": up_l2tp(a, pkt.ppp(pkt.PPP_IPV4, bytes(IP(src=a.ipv4, dst=topo.CORE_IP) /
                                                                       ICMP(type=8, id=0x7777, seq=5) / Raw(b"sub-ping")),
                                                   acf=False, pfc=True), S=True, ns=4),
    }
    down = {
        "arp_core": bytes(Ether(src=topo.CORE_GW_MAC, dst=BCAST) /
                          ARP(op=1, hwsrc=topo.CORE_GW_MAC, psrc=topo.CORE_GW, pdst=topo.CORE_IP)),
        "echo_core": bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) /
                           IP(src=topo.CORE_GW, dst=topo.CORE_IP, id=12) /
                           ICMP(type=8, id=0x4321, seq=7) / Raw(b"ping-core")),
        "echo_core_offlink": bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) /
                                   IP(src=topo.REMOTE4, dst=topo.CORE_IP, id=13) /
                                   ICMP(type=8, id=0x5555, seq=9) / Raw(b"ping-core-remote")),
        "echo6_core": bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) /
                            IPv6(src=topo.CORE_GW6, dst=topo.CORE_IP6) /
                            ICMPv6EchoRequest(id=0x6666, seq=3, data=b"ping6-core")),
        "ns_core": bytes(Ether(src=topo.CORE_GW_MAC, dst="33:33:ff:00:00:01") /
                         IPv6(src=topo.CORE_GW6, dst="ff02::1:ff00:1", hlim=255) /
                         ICMPv6ND_NS(tgt=topo.CORE_IP6) / ICMPv6NDOptSrcLLAddr(lladdr=topo.CORE_GW_MAC)),
        "ns_core_dad": bytes(Ether(src="02:00:00:00:00:aa", dst="33:33:ff:00:00:01") /
                             IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=topo.CORE_IP6)),
        "ns_core_other": bytes(Ether(src=topo.CORE_GW_MAC, dst="33:33:ff:00:00:99") /
                               IPv6(src=topo.CORE_GW6, dst="ff02::1:ff00:99", hlim=255) /
                               ICMPv6ND_NS(tgt="2001:db8:ffff::99") / ICMPv6NDOptSrcLLAddr(lladdr=topo.CORE_GW_MAC)),
        "arp_core_other": bytes(Ether(src=topo.CORE_GW_MAC, dst=BCAST) /
                                ARP(op=1, hwsrc=topo.CORE_GW_MAC, psrc=topo.CORE_GW, pdst="198.51.100.77")),
        "ttl_down_v4": bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) /
                             IP(pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"ttl-down-v4", ttl=1))),
        "data_to_seq_session_0": bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) /
                                       IP(pkt.inner_v4_udp(topo.REMOTE4, a.ipv4, b"seq-data-0"))),
        "data_to_seq_session_1": bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) /
                                       IP(pkt.inner_v4_udp(topo.REMOTE4, a.ipv4, b"seq-data-1"))),
        "ttl_down_v6": bytes(Ether(src=topo.CORE_GW_MAC, dst=topo.PCAP_MAC_CORE) /
                             IPv6(pkt.inner_v6_udp(topo.REMOTE6, s.ipv6, b"ttl-down-v6", hlim=1))),
    }
    return up, down


def check_arp_reply(checks, name, frames, port_mac, lns_ip, req_mac, req_ip):
    reps = [Ether(f) for f in frames if f[12:14] == b"\x08\x06"]
    reps = [e for e in reps if ARP in e and e[ARP].op == 2 and e[ARP].psrc == lns_ip]
    if len(reps) != 1:
        return checks.fail(name, f"{len(reps)} ARP replies for {lns_ip} (want 1)")
    e = reps[0]
    a = e[ARP]
    errs = []
    for what, got, want in (("eth dst", e.dst, req_mac), ("eth src", e.src, port_mac),
                            ("hwtype", a.hwtype, 1), ("ptype", a.ptype, 0x0800), ("hwlen", a.hwlen, 6),
                            ("plen", a.plen, 4), ("hwsrc", a.hwsrc, port_mac), ("hwdst", a.hwdst, req_mac),
                            ("pdst", a.pdst, req_ip)):
        if got != want:
            errs.append(f"{what} {got} want {want}")
    checks.check(name, not errs, "; ".join(errs))


def check_echo_reply(checks, name, frames, port_mac, nh_mac, req_frame):
    req = Ether(req_frame)
    v6 = IPv6 in req
    found = []
    for f in frames:
        e = Ether(f)
        if not v6 and IP in e and ICMP in e and e[ICMP].type == 0 and e[ICMP].id == req[ICMP].id:
            found.append((e, f))
        if v6 and ICMPv6EchoReply in e and e[ICMPv6EchoReply].id == req[ICMPv6EchoRequest].id:
            found.append((e, f))
    if len(found) != 1:
        return checks.fail(name, f"{len(found)} echo replies (want 1)")
    e, f = found[0]
    errs = []
    if e.dst != nh_mac or e.src != port_mac:
        errs.append(f"eth {e.src} -> {e.dst} want {port_mac} -> {nh_mac}")
    ipb = ip_of(f)
    if not v6:
        if e[IP].src != req[IP].dst or e[IP].dst != req[IP].src:
            errs.append(f"addresses {e[IP].src} -> {e[IP].dst}")
        if e[ICMP].code != 0 or e[ICMP].seq != req[ICMP].seq:
            errs.append("code/seq")
        if bytes(e[ICMP].payload)[:len(req[Raw].load)] != req[Raw].load:
            errs.append("echo data differs")
        if not pkt.ipv4_header_ok(ipb):
            errs.append("IPv4 header checksum")
        if e[IP].ttl < 32:
            errs.append(f"TTL {e[IP].ttl}")
    else:
        r = e[ICMPv6EchoReply]
        if e[IPv6].src != req[IPv6].dst or e[IPv6].dst != req[IPv6].src:
            errs.append(f"addresses {e[IPv6].src} -> {e[IPv6].dst}")
        if r.seq != req[ICMPv6EchoRequest].seq or r.data != req[ICMPv6EchoRequest].data:
            errs.append("seq/data differ")
    if not pkt.l4_checksum_ok(ipb):
        errs.append("ICMP checksum invalid")
    checks.check(name, not errs, "; ".join(errs))


def check_na(checks, res, frames):
    nas = []
    for f in frames:
        e = Ether(f)
        if ICMPv6ND_NA in e:
            nas.append((e, f))
    sol = [(e, f) for e, f in nas if e[IPv6].dst == topo.CORE_GW6]
    dad = [(e, f) for e, f in nas if e[IPv6].dst == "ff02::1"]
    other = [(e, f) for e, f in nas if e[ICMPv6ND_NA].tgt != topo.CORE_IP6]
    checks.eq("nd_no_na_for_other_address", len(other), 0)
    if len(sol) != 1:
        checks.fail("nd_solicited_na", f"{len(sol)} NAs to {topo.CORE_GW6} (want 1); all NAs: {len(nas)}")
    else:
        e, f = sol[0]
        na = e[ICMPv6ND_NA]
        errs = []
        if e.dst != topo.CORE_GW_MAC or e.src != res.core_mac:
            errs.append(f"eth {e.src} -> {e.dst}")
        if e[IPv6].src != topo.CORE_IP6:
            errs.append(f"src {e[IPv6].src}")
        if e[IPv6].hlim != 255:
            errs.append(f"hop limit {e[IPv6].hlim} (RFC 4861 7.1.2: 255)")
        if na.tgt != topo.CORE_IP6:
            errs.append(f"target {na.tgt}")
        if not na.S:
            errs.append("S flag clear")
        if ICMPv6NDOptDstLLAddr not in e or e[ICMPv6NDOptDstLLAddr].lladdr != res.core_mac:
            errs.append("target link-layer address option missing or wrong")
        if not pkt.l4_checksum_ok(ip_of(f)):
            errs.append("ICMPv6 checksum invalid")
        checks.check("nd_solicited_na", not errs, "; ".join(errs))
    if len(dad) != 1:
        checks.fail("nd_dad_na_all_nodes", f"{len(dad)} NAs to ff02::1 answering a DAD NS (RFC 4861 7.2.4; want 1)")
    else:
        e, f = dad[0]
        errs = []
        if e[ICMPv6ND_NA].S:
            errs.append("S flag set in an NA to all-nodes")
        if e.dst != "33:33:00:00:00:01":
            errs.append(f"eth dst {e.dst}")
        if e[IPv6].hlim != 255:
            errs.append(f"hop limit {e[IPv6].hlim}")
        checks.check("nd_dad_na_all_nodes", not errs, "; ".join(errs))


def check_time_exceeded_down(checks, name, res, inner):
    v6 = inner[0] >> 4 == 6
    found = []
    for f in res.down_out:
        e = Ether(f)
        if not v6 and ICMP in e and e[ICMP].type == 11:
            found.append((e, f))
        if v6 and ICMPv6TimeExceeded in e:
            found.append((e, f))
    if len(found) != 1:
        return checks.fail(name, f"{len(found)} ICMP time exceeded out of the core port (want 1)")
    e, f = found[0]
    errs = []
    if e.dst != topo.CORE_GW_MAC or e.src != res.core_mac:
        errs.append(f"eth {e.src} -> {e.dst}")
    ipb = ip_of(f)
    if not v6:
        if e[IP].dst != topo.REMOTE4 or e[IP].src not in LNS_ADDRS:
            errs.append(f"{e[IP].src} -> {e[IP].dst}")
        if e[ICMP].code != 0:
            errs.append(f"code {e[ICMP].code}")
        q = bytes(e[ICMP].payload)
        if q[12:20] != inner[12:20] or q[20:28] != inner[20:28]:
            errs.append("quote is not the original header + 8 bytes")
        if not pkt.ipv4_header_ok(ipb):
            errs.append("IPv4 header checksum")
    else:
        if e[IPv6].dst != topo.REMOTE6 or e[IPv6].src != topo.CORE_IP6:
            errs.append(f"{e[IPv6].src} -> {e[IPv6].dst}")
        if e[ICMPv6TimeExceeded].code != 0:
            errs.append(f"code {e[ICMPv6TimeExceeded].code}")
        q = bytes(e[ICMPv6TimeExceeded].payload)
        if q[8:40] != inner[8:40]:
            errs.append("quote does not carry the original addresses")
    if not pkt.l4_checksum_ok(ipb):
        errs.append("ICMP checksum invalid")
    checks.check(name, not errs, "; ".join(errs))


def check_time_exceeded_up(checks, name, res, sess, inner):
    """ICMP time exceeded sent back into the session, L2TP-encapsulated per its framing."""
    v6 = inner[0] >> 4 == 6
    found = []
    for f in res.up_out:
        try:
            d = pkt.decap_downstream(f)
        except Exception:  # noqa: BLE001
            continue
        if d["l2tp"]["tid"] != sess.rtid or d["l2tp"]["sid"] != sess.rsid:
            continue
        ip = d["inner"]
        if (ip[0] >> 4 == 6) != v6:
            continue
        p = IPv6(ip) if v6 else IP(ip)
        if (ICMPv6TimeExceeded in p) if v6 else (ICMP in p and p[ICMP].type == 11):
            found.append((d, p))
    if len(found) != 1:
        return checks.fail(name, f"{len(found)} ICMP time exceeded into session {sess.ltid}/{sess.lsid} (want 1)")
    d, p = found[0]
    errs = []
    f = sess.framing
    if d["eth_dst"] != topo.LAC_MAC or d["eth_src"] != res.access_mac:
        errs.append(f"eth {d['eth_src']} -> {d['eth_dst']}")
    if d["ip"].dst != sess.lac or d["ip"].src != topo.ACCESS_IP or d["dport"] != sess.lac_port:
        errs.append("outer addresses/port")
    if d["acf"] == f["acfc"] or d["proto_len"] != (1 if f["pfc"] else 2) or d["l2tp"]["S"] != f["sequencing"]:
        errs.append(f"framing acf={d['acf']} proto_len={d['proto_len']} S={d['l2tp']['S']} not per session {f}")
    ipb = d["inner"]
    if not v6:
        if p.dst != sess.ipv4 or p.src not in LNS_ADDRS:
            errs.append(f"inner {p.src} -> {p.dst}")
        if p[ICMP].code != 0:
            errs.append(f"code {p[ICMP].code}")
        q = bytes(p[ICMP].payload)
        if q[12:20] != inner[12:20] or q[20:28] != inner[20:28]:
            errs.append("quote is not the original header + 8 bytes")
        if not pkt.ipv4_header_ok(ipb):
            errs.append("inner IPv4 header checksum")
    else:
        if p.dst != sess.ipv6 or p.src != topo.CORE_IP6:
            errs.append(f"inner {p.src} -> {p.dst}")
        q = bytes(p[ICMPv6TimeExceeded].payload)
        if q[8:40] != inner[8:40]:
            errs.append("quote does not carry the original addresses")
    if not pkt.l4_checksum_ok(ipb):
        errs.append("ICMP checksum invalid")
    checks.check(name, not errs, "; ".join(errs))


def check_seq_session(checks, res, sess):
    """Into a sequenced session the worker (data) and the control core (ICMP time
    exceeded, echo reply) both send; Ns must still count 0, 1, 2, ... without
    repeats (RFC 2661 5.4: one Ns sequence per session)."""
    frames = []
    for f in res.up_out:
        try:
            d = pkt.decap_downstream(f)
        except Exception:  # noqa: BLE001
            continue
        if d["l2tp"]["tid"] == sess.rtid and d["l2tp"]["sid"] == sess.rsid:
            frames.append(d)
    ns = [d["l2tp"]["ns"] for d in frames]
    checks.check("seq_ns_shared_by_worker_and_control", sorted(ns) == list(range(len(frames))) and len(frames) == 4,
                 f"Ns of the {len(frames)} messages into the sequenced session (2 data, 1 time exceeded, "
                 f"1 echo reply): {ns}")
    rep = [d for d in frames if d["inner"][0] >> 4 == 4 and d["inner"][9] == 1 and IP(d["inner"])[ICMP].type == 0]
    ok = len(rep) == 1
    if ok:
        p = IP(rep[0]["inner"])
        ok = (p.src == topo.CORE_IP and p.dst == sess.ipv4 and p[ICMP].id == 0x7777 and p[ICMP].seq == 5
              and bytes(p[ICMP].payload) == b"sub-ping" and pkt.l4_checksum_ok(rep[0]["inner"]))
    checks.check("echo_reply_to_subscriber_in_session", ok,
                 f"{len(rep)} echo replies into the session for a subscriber's ping of {topo.CORE_IP}")


def inner_of(frame):
    return pkt.decap_downstream(frame)["inner"] if frame[12:14] == b"\x08\x00" else None


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("services")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    up, down = inputs()
    s = PLAIN.instances()[0]
    a = ACFC.instances()[0]
    with lnsd.WorkDir("services", args.keep) as wd:
        d1 = wd.sub("run1")
        cfg = topo.pcap_config(d1, [PLAIN, ACFC], tag="svc1")
        res = lnsd.run_pcap(binary, d1, cfg, list(up.values()), list(down.values()))
        if lnsd.check_run(checks, "run1", res):
            checks.guard("arp_access", check_arp_reply, checks, "arp_reply_access", res.up_out, res.access_mac,
                         topo.ACCESS_IP, topo.LAC_MAC, topo.LAC_IP)
            checks.guard("arp_core", check_arp_reply, checks, "arp_reply_core", res.down_out, res.core_mac,
                         topo.CORE_IP, topo.CORE_GW_MAC, topo.CORE_GW)
            arp_other = [f for f in res.up_out + res.down_out if f[12:14] == b"\x08\x06"
                         and Ether(f)[ARP].op == 2 and Ether(f)[ARP].psrc not in LNS_ADDRS]
            checks.eq("arp_no_reply_for_other_address", len(arp_other), 0)
            ctl = res.control()
            checks.eq("control_arp_replies_sent", ctl.get("arp_replies_sent"), 2,
                      "stats control.arp_replies_sent (contract name); control has "
                      + ", ".join(f"{k}={v}" for k, v in ctl.items() if "arp" in k))
            checks.guard("echo_access", check_echo_reply, checks, "echo_reply_access", res.up_out, res.access_mac,
                         topo.LAC_MAC, up["echo_access"])
            checks.guard("echo_core", check_echo_reply, checks, "echo_reply_core", res.down_out, res.core_mac,
                         topo.CORE_GW_MAC, down["echo_core"])
            checks.guard("echo_core_offlink", check_echo_reply, checks, "echo_reply_core_offlink_via_gateway",
                         res.down_out, res.core_mac, topo.CORE_GW_MAC, down["echo_core_offlink"])
            checks.guard("echo6_core", check_echo_reply, checks, "echo6_reply_core", res.down_out, res.core_mac,
                         topo.CORE_GW_MAC, down["echo6_core"])
            checks.guard("nd", check_na, checks, res, res.down_out)
            checks.guard("ttl_up_v4", check_time_exceeded_up, checks, "ttl_expired_up_v4", res, s,
                         pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, b"ttl-up-v4", ttl=1))
            checks.guard("ttl_up_v4_acfc", check_time_exceeded_up, checks, "ttl_expired_up_v4_acfc_pfc_seq", res, a,
                         pkt.inner_v4_udp(a.ipv4, topo.REMOTE4, b"ttl-up-v4a", ttl=1))
            checks.guard("ttl_up_v6", check_time_exceeded_up, checks, "ttl_expired_up_v6", res, s,
                         pkt.inner_v6_udp(s.ipv6, topo.REMOTE6, b"ttl-up-v6", hlim=1))
            checks.guard("ttl_down_v4", check_time_exceeded_down, checks, "ttl_expired_down_v4", res,
                         pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"ttl-down-v4", ttl=1))
            checks.guard("ttl_down_v6", check_time_exceeded_down, checks, "ttl_expired_down_v6", res,
                         pkt.inner_v6_udp(topo.REMOTE6, s.ipv6, b"ttl-down-v6", hlim=1))
            checks.eq("drop_ttl_expired", res.drops().get("ttl_expired"), 5)
            checks.eq("no_expired_packet_forwarded",
                      [t for t in (b"ttl-up-v4", b"ttl-up-v4a", b"ttl-up-v6") if any(
                          pkt.payload_tag(f[14:]) == t for f in res.down_out)], [])
            checks.eq("punt_l2tp_control", res.punts().get("l2tp_control"), 1)
            checks.eq("punt_ppp_control", res.punts().get("ppp_control"), 1)
            checks.eq("punt_icmp_local", res.punts().get("icmp_local"), 5,
                      "echo requests to the LNS (3 IPv4 on the ports, 1 from a subscriber, 1 IPv6)")
            checks.guard("seq_shared", check_seq_session, checks, res, a)
            checks.eq("upstream_forwarded_none", res.stats.get("upstream", {}).get("packets"), 0)
            if tshark.available():
                for side in ("up_out", "down_out"):
                    probs = tshark.expert_problems(os.path.join(d1, f"{side}.pcap"))
                    checks.check(f"tshark_{side}_no_expert_problems", not probs, "; ".join(probs[:5]))
        # run 2: icmp_time_exceeded off
        d2 = wd.sub("run2")
        keys = ("ttl_up_v4", "ttl_up_v4_acfc", "ttl_up_v6")
        cfg = topo.pcap_config(d2, [PLAIN, ACFC], tag="svc2", mtu={"icmp_time_exceeded": False})
        res = lnsd.run_pcap(binary, d2, cfg, [up[k] for k in keys], [down["ttl_down_v4"], down["ttl_down_v6"]])
        if lnsd.check_run(checks, "run2", res):
            lnsd.check_drops(checks, "no_icmp_ttl_expired_counted", res, {"ttl_expired": 5})
            checks.eq("no_icmp_nothing_sent", (len(res.up_out), len(res.down_out)), (0, 0),
                      "frames out of (access, core)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
