#!/usr/bin/python3
"""Integration test: tshark (Wireshark 4.0) decodes everything lnsd sends on the
access link, with no malformed packets or expert warnings/errors, and the
decoded fields agree with what xl2tpd (the LAC) logged and with lnsd's counters.

Topology and peers as in test_xl2tpd_interop.py (lib/l2tp_lab.py): lnsd on
net_af_packet in the root namespace, xl2tpd in a namespace at 203.0.113.2.
dumpcap captures on the LAC's end of the access veth (inside the LAC
namespace, what the LAC receives), started before lnsd and stopped after it.
Three runs, one capture each:

  auth     lnsd peer "lac1" with a secret and require_authentication; xl2tpd with
           the same secret and `challenge = yes` (Challenge and Challenge Response
           AVPs both ways).  xl2tpd's pppd fails, it sends CDN; then lnsd is
           stopped with SIGINT while the tunnel is up, so lnsd sends its StopCCN
           (result 6) and xl2tpd acknowledges it.
  noauth   no `l2tp:` section; xl2tpd without secret; CDN, then xl2tpd's StopCCN
           ("d lns" on its control file), acknowledged by lnsd with a ZLB.
  reject   lnsd as in auth, xl2tpd with a wrong secret and `challenge = no`:
           lnsd rejects its SCCCN with StopCCN result 4.

Checks on each capture, for the frames lnsd sent (Ethernet source = lnsd's MAC):
  - every UDP 1701 frame from lnsd dissects as L2TP; `_ws.malformed ||
    _ws.expert.severity >= "Warning"` matches none of lnsd's frames (tshark 4.0
    accepts the severity by name); a canary -- a copy of lnsd's SCCRP with one
    AVP length overrunning the message -- IS flagged by the same filter, so the
    filter has teeth; tshark finds lnsd's IPv4 and UDP checksums good;
  - the message types lnsd sent are exactly the expected ones (SCCRP, ICRP,
    StopCCN, ZLB acks), and their counts equal lnsd's out_* counters and its
    tunnel's zlb_out;
  - header: T, L, S set, version 2, Length = UDP payload length, UDP 1701 ->
    1701, the LAC's tunnel/session ids; Ns of lnsd's messages 0, 1, 2, ...
    (ZLBs carry the next Ns), Nr never ahead of what the LAC sent and finally
    acknowledging all of it; the mandatory AVPs of RFC 2661 §6 present;
  - fields against xl2tpd's own log: the SCCRP's Assigned Tunnel ID is the
    tunnel xl2tpd logged "using peer's tunnel N" (and lnsd's tunnel id in its
    stats), the ICRP's Assigned Session ID the call it logged "using peer's
    call N"; Host Name "lnsd", Protocol Version 1.0, Receive Window 16;
  - auth: lnsd's Challenge Response = MD5(2 | secret | xl2tpd's challenge) and
    xl2tpd's response to lnsd's Challenge = MD5(3 | secret | challenge), computed
    here with hashlib (RFC 2661 §4.2, §5.1.1); noauth: no challenge AVPs at all;
  - StopCCN result code 6 (auth, lnsd exit; xl2tpd logs "peer closing for reason
    6") or 4 (reject).
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))

import harness  # noqa: E402
import l2tp_lab  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import pkt  # noqa: E402
import tshark  # noqa: E402
from l2tp_lab import LAC_IP, LNS_A, Case  # noqa: E402

SECRET = "capture-s3cret"
WRONG = "not-the-secret"
AUTH_L2TP = {
    "accept_unknown_peers": False,
    "peers": [{"name": "lac1", "sources": [LAC_IP], "host_name": "lac1", "secret": SECRET,
               "require_authentication": True}],
}
DECODE = ["udp.port==1701,l2tp"]
BAD_FILTER = '_ws.malformed || _ws.expert.severity >= "Warning"'
MSG_NAMES = {1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ", 8: "OCRP", 9: "OCCN",
             10: "ICRQ", 11: "ICRP", 12: "ICCN", 14: "CDN", 15: "WEN", 16: "SLI"}
# RFC 2661 section 6: AVPs that must be present (Message Type is AVP 0)
MANDATORY_AVPS = {"SCCRP": {0, 2, 3, 7, 9}, "StopCCN": {0, 1, 9}, "ICRP": {0, 14}, "CDN": {0, 1, 14},
                  "HELLO": {0}}

FIELDS = ["frame.number", "eth.src", "ip.src", "ip.dst", "udp.srcport", "udp.dstport", "udp.length",
          "l2tp.type", "l2tp.length_bit", "l2tp.seq_bit", "l2tp.version", "l2tp.length", "l2tp.tunnel",
          "l2tp.session", "l2tp.Ns", "l2tp.Nr", "l2tp.avp.type", "l2tp.avp.message_type",
          "l2tp.avp.assigned_tunnel_id", "l2tp.avp.assigned_session_id", "l2tp.avp.host_name",
          "l2tp.avp.vendor_name", "l2tp.avp.protocol_version", "l2tp.avp.protocol_revision",
          "l2tp.avp.receive_window_size", "l2tp.avp.chap_challenge", "l2tp.avp.chap_challenge_response",
          "l2tp.result_code", "l2tp.avp.hidden"]


def truthy(v):
    return v.lower() in ("1", "true")


class Msg:
    """One L2TP message of the capture, as tshark decoded it."""

    def __init__(self, row):
        self.f = dict(zip(FIELDS, row))
        g = self.f.get
        self.frame = int(g("frame.number") or 0)
        self.eth_src = g("eth.src", "").lower()
        self.control = g("l2tp.type") == "1"
        self.avp_types = {int(x) for x in g("l2tp.avp.type", "").split(",") if x}
        mt = g("l2tp.avp.message_type", "")
        self.mtype = int(mt.split(",")[0]) if mt else None
        self.name = "ZLB" if self.control and self.mtype is None else MSG_NAMES.get(self.mtype, f"type{self.mtype}")
        self.ns = int(g("l2tp.Ns")) if g("l2tp.Ns") else None
        self.nr = int(g("l2tp.Nr")) if g("l2tp.Nr") else None

    def get(self, name):
        return self.f.get(name, "")

    def num(self, name):
        v = self.get(name).split(",")[0]
        return int(v) if v else None


def tshark_run(args, timeout=30):
    r = subprocess.run([tshark.TSHARK, "-n"] + args, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)}: rc {r.returncode}: {r.stderr.strip()[-300:]}")
    return r.stdout


def frames_matching(pcap, dfilter):
    out = tshark_run(["-r", pcap, "-d", DECODE[0], "-Y", dfilter, "-T", "fields", "-e", "frame.number"])
    return [int(x) for x in out.split()]


def expert_lines(pcap, dfilter):
    out = tshark_run(["-r", pcap, "-d", DECODE[0], "-Y", dfilter, "-T", "fields", "-E", "occurrence=a",
                      "-E", "aggregator=;", "-e", "frame.number", "-e", "_ws.expert.severity",
                      "-e", "_ws.expert.message", "-e", "_ws.malformed"])
    return [ln for ln in out.splitlines() if ln.strip()]


def make_canary(pcap, lns_mac, out_path):
    """A copy of lnsd's first SCCRP with its last AVP's length overrunning the
    message by 40 bytes, next to the untouched original.  Returns True if built."""
    for fr in pkt.read_pcap(pcap):
        if len(fr) < 14 + 20 + 8 + 12 + 8 or pkt.mac_str(fr[6:12]) != lns_mac:
            continue
        ihl = (fr[14] & 0xF) * 4
        udp = 14 + ihl
        l2 = udp + 8
        if fr[14 + 9] != 17 or struct.unpack_from("!H", fr, udp)[0] != 1701:
            continue
        flags, length = struct.unpack_from("!HH", fr, l2)
        if not flags & 0x8000 or not flags & 0x4000 or not flags & 0x0800:
            continue
        off, end = l2 + 12, l2 + length
        avps = []
        while off + 6 <= end:
            alen = struct.unpack_from("!H", fr, off)[0] & 0x3FF
            if alen < 6:
                break
            avps.append(off)
            off += alen
        if not avps or struct.unpack_from("!HHHH", fr, avps[0])[2:] != (0, 2):
            continue  # not an SCCRP
        bad = bytearray(fr)
        last = avps[-1]
        word = struct.unpack_from("!H", bad, last)[0]
        struct.pack_into("!H", bad, last, (word & 0xFC00) | ((word & 0x3FF) + 40))
        pkt.write_pcap(out_path, [fr, bytes(bad)])
        return True
    return False


def check_capture(case, cap_path, lns_mac, lnsd, xl, expect):
    """All capture checks of one run.  `expect`: dict with 'types' (set of
    non-ZLB names lnsd must send), 'result' (StopCCN result code or None),
    'auth' (bool)."""
    rows = tshark.fields(cap_path, FIELDS, display_filter="l2tp", decode_as=DECODE)
    msgs = [Msg(r) for r in rows]
    mine_all = [m for m in msgs if m.eth_src == lns_mac]
    # Control checks are about control messages; lnsd's data messages (the PPP it
    # starts once a call is up) are checked in section 6.
    mine = [m for m in mine_all if m.control]
    mine_data = [m for m in mine_all if not m.control]
    theirs = [m for m in msgs if m.eth_src != lns_mac and m.control]
    if not case.check("capture_has_lnsd_l2tp", mine and theirs,
                      f"{len(mine)} L2TP frames from lnsd ({lns_mac}), {len(theirs)} from the LAC in {cap_path}"):
        return
    # -- 1. tshark decodes all of it
    udp_from_lns = frames_matching(cap_path, f"eth.src=={lns_mac} && udp.port==1701")
    case.eq("all_udp1701_from_lnsd_dissected_as_l2tp", sorted(udp_from_lns), sorted(m.frame for m in mine_all))
    l2tp_from_ip = frames_matching(cap_path, f"ip.src=={LNS_A} && l2tp")
    case.eq("ip_src_filter_matches_lnsd_frames", sorted(l2tp_from_ip), sorted(m.frame for m in mine_all))
    bad = expert_lines(cap_path, f"eth.src=={lns_mac} && ({BAD_FILTER})")
    case.check("no_malformed_or_expert_warning_from_lnsd", not bad, f"tshark flagged lnsd's frames: {bad[:5]}")
    notes = expert_lines(cap_path, f"eth.src=={lns_mac} && _ws.expert")
    case.check("no_expert_info_at_all_from_lnsd", not notes, f"expert items (notes/chats) on lnsd's frames: {notes[:5]}")
    others = expert_lines(cap_path, f"eth.src!={lns_mac} && ({BAD_FILTER})")
    if others:
        print(f"note: tshark flags frames NOT sent by lnsd (not checked): {others[:3]}")
    canary = cap_path + ".canary.pcap"
    if case.check("canary_built", make_canary(cap_path, lns_mac, canary), "no SCCRP from lnsd to corrupt"):
        flagged = frames_matching(canary, BAD_FILTER)
        case.eq("canary_only_corrupted_copy_flagged", flagged, [2])
    cs = tshark_run(["-r", cap_path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                     "-Y", f"eth.src=={lns_mac} && udp", "-T", "fields", "-e", "frame.number",
                     "-e", "ip.checksum.status", "-e", "udp.checksum.status"])
    # Control messages carry a UDP checksum; data messages may leave it out
    # (RFC 2661 §8.1; status 3 = not present).
    data_frames = {str(m.frame) for m in mine_data}
    badcs = [ln for ln in cs.splitlines()
             if ln.split("\t")[1:] != ["1", "1"]
             and not (ln.split("\t")[0] in data_frames and ln.split("\t")[1:] in (["1", "3"], ["1", "1"]))]
    case.check("lnsd_ip_udp_checksums_good", cs.strip() and not badcs,
               f"frames with checksum status other than good (frame, ip, udp): {badcs[:5]}")
    # -- 2. message types vs lnsd's counters
    counts = {}
    for m in mine:
        counts[m.name] = counts.get(m.name, 0) + 1
    sent_types = {n for n in counts if n != "ZLB"}
    case.eq("lnsd_message_types", sorted(sent_types), sorted(expect["types"]))
    case.check("lnsd_sent_zlb_acks", counts.get("ZLB", 0) >= expect.get("min_zlb", 1),
               f"ZLBs from lnsd: {counts.get('ZLB', 0)} (want >= {expect.get('min_zlb', 1)}); all: {counts}")
    l2 = lnsd.l2tp()
    want_out = {n: counts.get(n, 0) for n in MSG_NAMES.values()}
    got_out = {n: l2.get(f"out_{n}", 0) for n in MSG_NAMES.values()}
    case.eq("captured_counts_equal_lnsd_out_counters", {k: v for k, v in got_out.items() if v or want_out[k]},
            {k: v for k, v in want_out.items() if v or got_out[k]}, "lnsd's out_* counters vs the capture")
    rows_t = lnsd.tunnels()
    if rows_t:
        case.eq("captured_zlbs_equal_lnsd_zlb_out", counts.get("ZLB", 0), sum(r.get("zlb_out", 0) for r in rows_t))
        case.eq("no_retransmissions", [r.get("retransmits", 0) for r in rows_t], [0] * len(rows_t))
    # -- 3. headers, Ns/Nr, mandatory AVPs
    hdr_bad = []
    for m in mine:
        g = m.get
        want = {"l2tp.type": "1", "l2tp.version": "2", "udp.srcport": "1701", "udp.dstport": "1701",
                "ip.dst": LAC_IP}
        diff = {k: g(k) for k, v in want.items() if g(k) != v}
        if not truthy(g("l2tp.length_bit")) or not truthy(g("l2tp.seq_bit")):
            diff["L/S bits"] = (g("l2tp.length_bit"), g("l2tp.seq_bit"))
        if g("l2tp.length") and int(g("l2tp.length")) != int(g("udp.length")) - 8:
            diff["length"] = (g("l2tp.length"), g("udp.length"))
        if "1" in g("l2tp.avp.hidden").split(",") or "True" in g("l2tp.avp.hidden").split(","):
            diff["hidden"] = g("l2tp.avp.hidden")
        missing = MANDATORY_AVPS.get(m.name, set()) - m.avp_types
        if missing:
            diff["missing_avps"] = sorted(missing)
        if diff:
            hdr_bad.append((m.frame, m.name, diff))
    case.check("lnsd_headers_and_mandatory_avps", not hdr_bad, f"(frame, type, wrong): {hdr_bad[:4]}")
    # Ns: 0, 1, 2 ... over lnsd's messages, ZLBs carry the next one
    next_ns, ns_bad = 0, []
    for m in mine:
        if m.ns != next_ns:
            ns_bad.append((m.frame, m.name, m.ns, next_ns))
        if m.name != "ZLB":
            next_ns = (m.ns if m.ns is not None else next_ns) + 1
    case.check("lnsd_ns_sequence", not ns_bad, f"(frame, type, Ns, want): {ns_bad[:4]}")
    # Nr: never ahead of the LAC's messages captured before it, never backwards,
    # and at the end acknowledging every message of the LAC
    nr_bad, last_nr, lac_seen = [], 0, 0
    for m in (m for m in msgs if m.control):
        if m.eth_src != lns_mac:
            if m.name != "ZLB" and m.ns is not None:
                lac_seen = max(lac_seen, m.ns + 1)
            continue
        if m.nr is None or m.nr > lac_seen or m.nr < last_nr:
            nr_bad.append((m.frame, m.name, m.nr, lac_seen, last_nr))
        last_nr = m.nr if m.nr is not None else last_nr
    case.check("lnsd_nr_sequence", not nr_bad, f"(frame, type, Nr, LAC msgs so far, previous Nr): {nr_bad[:4]}")
    case.eq("lnsd_acknowledged_every_lac_message", last_nr, lac_seen)
    lac_acked = max((m.nr or 0) for m in theirs)
    case.eq("lac_acknowledged_every_lnsd_message", lac_acked, next_ns)
    # -- 4. fields against xl2tpd's log
    xtext = xl.text()
    by = {}
    for m in mine:
        by.setdefault(m.name, m)
    sccrq = next((m for m in theirs if m.name == "SCCRQ"), None)
    sccrp = by.get("SCCRP")
    lnsd_tid = rows_t[0]["id"] if len(rows_t) == 1 else None
    if sccrp and sccrq:
        used = re.findall(r"assigned_tunnel_avp: using peer's tunnel (\d+)", xtext)
        case.check("sccrp_assigned_tunnel_id_is_what_xl2tpd_used",
                   used and int(used[0]) == sccrp.num("l2tp.avp.assigned_tunnel_id"),
                   f"SCCRP Assigned Tunnel ID {sccrp.get('l2tp.avp.assigned_tunnel_id')!r}, xl2tpd logged {used}")
        if lnsd_tid is not None:
            case.eq("sccrp_assigned_tunnel_id_is_lnsd_tunnel", sccrp.num("l2tp.avp.assigned_tunnel_id"), lnsd_tid)
        case.eq("sccrp_header_tunnel_is_lac_tunnel", sccrp.num("l2tp.tunnel"),
                sccrq.num("l2tp.avp.assigned_tunnel_id"))
        case.eq("sccrp_fields", (sccrp.get("l2tp.avp.host_name"), sccrp.get("l2tp.avp.vendor_name"),
                                 sccrp.get("l2tp.avp.protocol_version"), sccrp.get("l2tp.avp.protocol_revision"),
                                 sccrp.get("l2tp.avp.receive_window_size")),
                ("lnsd", "lnsd", "1", "0", "16"))
        # every lnsd message goes to the LAC's tunnel
        other_tid = [(m.frame, m.num("l2tp.tunnel")) for m in mine
                     if m.num("l2tp.tunnel") != sccrq.num("l2tp.avp.assigned_tunnel_id")]
        case.check("lnsd_messages_carry_lac_tunnel_id", not other_tid, f"(frame, tunnel): {other_tid[:4]}")
    icrp = by.get("ICRP")
    if "ICRP" in expect["types"] and icrp:
        icrq = next((m for m in theirs if m.name == "ICRQ"), None)
        used = re.findall(r"assigned_call_avp: using peer's call (\d+)", xtext)
        call = re.search(r"Call established with \S+, Local: (\d+), Remote: (\d+)", xtext)
        case.check("icrp_assigned_session_id_is_what_xl2tpd_used",
                   used and call and int(used[0]) == icrp.num("l2tp.avp.assigned_session_id") == int(call.group(2)),
                   f"ICRP Assigned Session ID {icrp.get('l2tp.avp.assigned_session_id')!r}, xl2tpd logged "
                   f"'using peer's call' {used}, call {call.groups() if call else None}")
        case.check("icrp_header_session_is_lac_session",
                   icrq is not None and icrp.num("l2tp.session") == icrq.num("l2tp.avp.assigned_session_id"),
                   f"ICRP session {icrp.get('l2tp.session')}, ICRQ Assigned Session ID "
                   f"{icrq.get('l2tp.avp.assigned_session_id') if icrq else None}")
    stop = by.get("StopCCN")
    if expect.get("result") is not None and stop:
        case.eq("stopccn_result_code", stop.num("l2tp.result_code"), expect["result"])
        if lnsd_tid is not None:
            case.eq("stopccn_assigned_tunnel_id_is_lnsd_tunnel", stop.num("l2tp.avp.assigned_tunnel_id"), lnsd_tid)
    # -- 5. tunnel authentication values
    chal_avps = [(m.frame, m.name) for m in msgs if m.get("l2tp.avp.chap_challenge")
                 or m.get("l2tp.avp.chap_challenge_response")]
    if expect["auth"] and sccrq and sccrp:
        secret = SECRET.encode()
        lac_chal = bytes.fromhex(sccrq.get("l2tp.avp.chap_challenge").replace(":", ""))
        lns_resp = bytes.fromhex(sccrp.get("l2tp.avp.chap_challenge_response").replace(":", ""))
        case.check("xl2tpd_challenged", len(lac_chal) > 0, "no Challenge AVP in xl2tpd's SCCRQ")
        case.eq("lnsd_challenge_response_md5", lns_resp.hex(), hashlib.md5(bytes([2]) + secret + lac_chal).hexdigest())
        lns_chal = bytes.fromhex(sccrp.get("l2tp.avp.chap_challenge").replace(":", ""))
        case.check("lnsd_challenged", len(lns_chal) >= 16, f"lnsd's Challenge AVP: {lns_chal.hex()!r}")
        scccn = next((m for m in theirs if m.name == "SCCCN"), None)
        lac_resp = bytes.fromhex(scccn.get("l2tp.avp.chap_challenge_response").replace(":", "")) if scccn else b""
        case.eq("xl2tpd_response_to_lnsd_challenge_md5", lac_resp.hex(),
                hashlib.md5(bytes([3]) + secret + lns_chal).hexdigest())
    elif expect.get("wrong_secret") and sccrp:
        # lnsd challenged; xl2tpd answered with its (wrong) secret: lnsd was right to refuse
        lns_chal = bytes.fromhex(sccrp.get("l2tp.avp.chap_challenge").replace(":", ""))
        scccn = next((m for m in theirs if m.name == "SCCCN"), None)
        lac_resp = bytes.fromhex(scccn.get("l2tp.avp.chap_challenge_response").replace(":", "")) if scccn else b""
        case.check("xl2tpd_response_uses_wrong_secret",
                   lac_resp and lac_resp == hashlib.md5(bytes([3]) + expect["wrong_secret"].encode() + lns_chal).digest()
                   and lac_resp != hashlib.md5(bytes([3]) + SECRET.encode() + lns_chal).digest(),
                   f"xl2tpd's SCCCN Challenge Response {lac_resp.hex()!r} for lnsd's challenge {lns_chal.hex()!r}")
        case.check("sccrp_has_no_challenge_response", not sccrp.get("l2tp.avp.chap_challenge_response"),
                   "lnsd answered a challenge xl2tpd did not send")
    elif not expect["auth"]:
        case.eq("no_challenge_avps", chal_avps, [])
    # -- 6. PPP: once a call is up lnsd starts LCP in data messages; tshark must
    # decode every one as PPP LCP (malformed / expert checks above cover them too).
    if "ICRP" in expect["types"]:
        lcp = frames_matching(cap_path, f"eth.src=={lns_mac} && l2tp.type==0 && lcp")
        case.check("lnsd_sent_lcp_in_data_messages", len(lcp) > 0 and len(lcp) == len(mine_data),
                   f"{len(lcp)} LCP frames of {len(mine_data)} data messages from lnsd")
        confreq = frames_matching(cap_path, f"eth.src=={lns_mac} && ppp.code==1 && lcp.opt.mru && lcp.opt.magic_number")
        case.check("lnsd_lcp_confreq_has_mru_and_magic", len(confreq) > 0, f"LCP Configure-Requests: {confreq}")


def run_auth(checks, lab):
    name = "auth"
    cap = lab.start_capture(name)
    lnsd = lab.start_lnsd(name, AUTH_L2TP)
    xl = lab.start_xl2tpd(name, challenge=True, secret=SECRET)
    case = Case(checks, name, lnsd, xl)
    case.check("xl2tpd_call_established", xl.wait_log(r"Call established with", 10), "no call")
    case.check("xl2tpd_sent_cdn", xl.wait_log(r"call_close: Call \d+ to \S+ disconnected", 10), "no CDN")
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("cdn_received", 0) >= 1, 5)
    case.check("lnsd_got_cdn_tunnel_up", snap and snap["l2tp"].get("tunnels_active", 0) == 1,
               f"l2tp counters {snap['l2tp'] if snap else None}")
    time.sleep(0.3)  # let the ZLB ack of the CDN go out first (ack_delay_ms 100), not piggybacked
    lnsd.stop()  # StopCCN result 6 to xl2tpd, acknowledged before lnsd exits
    m = xl.wait_log(r"result_code_avp: peer closing for reason (\d+)", 5)
    case.check("xl2tpd_got_lnsd_stopccn_6", m and m.group(1) == "6",
               f"xl2tpd log: {m.group(0) if m else 'no StopCCN logged'}")
    case.check("lnsd_exit_clean", lnsd.rc == 0 and lnsd.stats is not None, f"rc {lnsd.rc} {lnsd.stats_error}")
    xl.stop()
    cap.stop()
    if lnsd.stats is not None:
        case.eq("lnsd_stopccn_sent", lnsd.l2tp().get("stopccn_sent"), 1)
        check_capture(case, cap.path, lab.lns_mac(), lnsd, xl,
                      {"types": {"SCCRP", "ICRP", "StopCCN"}, "result": 6, "auth": True})


def run_noauth(checks, lab):
    name = "noauth"
    cap = lab.start_capture(name)
    lnsd = lab.start_lnsd(name, None)
    xl = lab.start_xl2tpd(name)
    case = Case(checks, name, lnsd, xl)
    case.check("xl2tpd_sent_cdn", xl.wait_log(r"call_close: Call \d+ to \S+ disconnected", 10), "no CDN")
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("cdn_received", 0) >= 1, 5)
    case.check("lnsd_got_cdn", snap is not None and snap["l2tp"].get("cdn_received", 0) == 1, f"{snap}")
    xl.command("d lns")
    case.check("xl2tpd_sent_stopccn", xl.wait_log(r"Connection \d+ closed to \S+, port 1701 \(Goodbye!\)", 10),
               "no StopCCN from xl2tpd")
    lnsd.wait_snapshot(lambda s: s["l2tp"].get("stopccn_received", 0) >= 1, 5)
    time.sleep(0.3)  # the ZLB ack of the StopCCN goes out after ack_delay_ms (100)
    lnsd.stop()
    case.check("lnsd_exit_clean", lnsd.rc == 0 and lnsd.stats is not None, f"rc {lnsd.rc} {lnsd.stats_error}")
    xl.stop()
    cap.stop()
    if lnsd.stats is not None:
        check_capture(case, cap.path, lab.lns_mac(), lnsd, xl,
                      {"types": {"SCCRP", "ICRP"}, "result": None, "auth": False, "min_zlb": 2})


def run_reject(checks, lab):
    name = "reject"
    cap = lab.start_capture(name)
    lnsd = lab.start_lnsd(name, AUTH_L2TP)
    xl = lab.start_xl2tpd(name, challenge=False, secret=WRONG)
    case = Case(checks, name, lnsd, xl)
    m = xl.wait_log(r"result_code_avp: peer closing for reason (\d+)", 10)
    case.check("xl2tpd_got_stopccn_4", m and m.group(1) == "4", f"xl2tpd: {m.group(0) if m else None}")
    time.sleep(0.3)  # lnsd's delayed ZLB ack
    lnsd.stop()
    case.check("lnsd_exit_clean", lnsd.rc == 0 and lnsd.stats is not None, f"rc {lnsd.rc} {lnsd.stats_error}")
    xl.stop()
    cap.stop()
    if lnsd.stats is not None:
        case.check("lnsd_auth_failure", lnsd.l2tp().get("auth_failures", 0) >= 1, f"{lnsd.l2tp()}")
        check_capture(case, cap.path, lab.lns_mac(), lnsd, xl,
                      {"types": {"SCCRP", "StopCCN"}, "result": 4, "auth": False, "wrong_secret": WRONG})


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("l2tp_tshark")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    for tool in ("ip", l2tp_lab.XL2TPD, l2tp_lab.DUMPCAP, tshark.TSHARK):
        if not shutil.which(tool):
            checks.fail("tools", f"{tool} missing (tools/install_deps.sh installs xl2tpd and tshark)")
            return checks.finish()
    l2tp_lab.exit_on_sigterm()  # ctest's timeout: still remove namespaces and processes
    t0 = time.monotonic()
    with lnsrun.WorkDir("l2tp-tshark", args.keep) as wd:
        lab = l2tp_lab.Lab("xt", wd.path, binary)
        try:
            lab.setup()
            for name, fn in (("auth", run_auth), ("noauth", run_noauth), ("reject", run_reject)):
                checks.guard(name, fn, checks, lab)
                lab.stop_all()
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
