#!/usr/bin/python3
"""ESP made by a real implementation (issue 5, item 10): strongSwan's charon
negotiates tunnel-mode, NAT-T child SAs with a strongSwan responder and
carries L2TP traffic; the ESP it sent is then decrypted by tshark, by lnsd's
ESP library (lns-esp-tool) and by lnsd itself (pcap replay).

  netns lnsSW-lac-PID                                   netns lnsSW-lns-PID
  198.51.100.10 [lnsSWPIDa] ======== veth ======== [lnsSWPIDb] 203.0.113.1
  lo: 192.0.2.10, .11, .12 (L2TP LAC addresses)     lo: 192.0.2.1 (L2TP LNS address)
  charon (initiator, kernel-libipsec: ESP on TUN)   charon (responder), dumpcap,
  swan_agent send (UDP 1701)                        swan_agent echo (UDP 1701)

1. Two charons (own strongswan.conf, vici socket, private /run; filelog with
   chd = 4) run IKEv2 with PSK and `encap = yes`; three CHILD_SAs, one per
   ESP proposal, each for one LAC address:
     gcm128  aes128gcm16   192.0.2.10/32 === 192.0.2.1/32
     gcm256  aes256gcm16   192.0.2.11/32 === 192.0.2.1/32
     cbc128  aes128-sha1   192.0.2.12/32 === 192.0.2.1/32
   Both logs must agree on the SPIs, proposals and keys.
2. From each LAC address, L2TPv2 data messages (UDP 1701 -> 1701) carrying
   PPP (FF 03) IPv4/UDP and IPv4/ICMP of several sizes, some with the S bit
   (Ns/Nr) or L bit, and one LCP Echo-Request, go through the SA; the
   responder echoes each one back (both directions then carry ESP).  The
   responder's socket must receive exactly what was sent (strongSwan decrypted it).
3. The SPIs and keys come from the charon logs (lib/strongswan.py).
4. tshark (Wireshark 4.0), given the six SAs, decrypts every ESP-in-UDP
   packet of the capture, finds every ICV good, dissects L2TP and PPP inside
   with no expert info, and its plaintext is the inner IPv4/UDP/L2TP packet
   that was sent.
5. lns-esp-tool (lnsd's crypto/ engine) decrypts every captured ESP packet
   with the same keys; its plaintext equals tshark's, byte for byte.  It
   also decrypts the frames stage 6b will feed lnsd (outer destination
   rewritten, checksums recomputed and checked) to the same plaintext.
6. lnsd replays, one static session per LAC, on net_pcap:
   a. control: the L2TP packets tshark decrypted, sent in clear: lnsd must
      forward on the core port exactly the PPP IPv4 payloads, TTL minus one
      and IPv4 checksum recomputed, punt the LCP echoes (ppp_control), and
      count no drop.  This checks the replay set-up apart from ESP.
   b. ESP: the LAC -> LNS ESP (outer destination rewritten to lnsd's access
      address 192.0.2.1, which is also the inner L2TP destination) with the
      inbound SAs as static `ipsec.sas`: the same expectations, plus each
      SA's stats object (found by its name) counting every packet and no
      drop.  Until lnsd's data path does ESP (`ipsec:` rejected by
      --check-config) this stage fails, unless --skip-lnsd is given, which
      skips 6b only (ctest passes it until the ESP data path is merged).

Usage: /usr/bin/python3 test_esp_strongswan.py --build-dir BUILD [--skip-lnsd] [--keep] [-v]
Prints "N passed, N failed"; exit status 1 when anything failed.
"""
import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))

import harness  # noqa: E402
import yamlw  # noqa: E402
import l2tp_lab  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import pkt  # noqa: E402
import strongswan  # noqa: E402
import topo  # noqa: E402
from scapy.all import ICMP, IP, UDP, Ether, Raw, raw  # noqa: E402

PY = "/usr/bin/python3"
AGENT = os.path.join(HERE, "lib", "swan_agent.py")
TAG = "SW"

LAC_OUTER, LNS_OUTER = "198.51.100.10", "203.0.113.1"
LNS_INNER = "192.0.2.1"
PSK = "0sDGJqgwYRBdIXYr9yM1kHUj9kFBQ3DxNr"   # base64, test-only
NATT_PORT = 4500

# lnsd's view in the replay (stage 6): the outer destination is rewritten to
# the access address, which is the inner L2TP destination too.
ACCESS_GW, ACCESS_GW_MAC = "192.0.2.254", "02:00:00:00:00:fd"
CORE_IP, CORE_PREFIX = "198.51.100.129", 25
CORE_GW, CORE_GW_MAC = "198.51.100.254", "02:00:00:00:00:fe"
REMOTE = "203.0.113.200"   # a host behind the core gateway


class Suite:
    def __init__(self, child, esp, lac_inner, proposal, key_len, integ_len, lnsd_cipher, lnsd_integ,
                 tool_cipher, tool_integ, ts_crypt, ts_auth, ltid, lsid, subscriber):
        self.child, self.esp, self.lac_inner, self.proposal = child, esp, lac_inner, proposal
        self.key_len, self.integ_len = key_len, integ_len
        self.lnsd_cipher, self.lnsd_integ = lnsd_cipher, lnsd_integ
        self.tool_cipher, self.tool_integ = tool_cipher, tool_integ
        self.ts_crypt, self.ts_auth = ts_crypt, ts_auth
        self.ltid, self.lsid, self.subscriber = ltid, lsid, subscriber

    @property
    def gcm(self):
        return self.lnsd_cipher.startswith("aes-gcm")


GCM_TS = "AES-GCM with 16 octet ICV [RFC4106]"
SUITES = [
    # key_len as charon logs it: for GCM the key plus the 4-byte salt (RFC 4106 §8.1)
    Suite("gcm128", "aes128gcm16", "192.0.2.10", "AES_GCM_16_128/NO_EXT_SEQ", 20, 0, "aes-gcm-128", "none",
          "aes_gcm_128", "none", GCM_TS, "NULL", 10, 20, "100.64.0.1"),
    Suite("gcm256", "aes256gcm16", "192.0.2.11", "AES_GCM_16_256/NO_EXT_SEQ", 36, 0, "aes-gcm-256", "none",
          "aes_gcm_256", "none", GCM_TS, "NULL", 11, 21, "100.64.0.2"),
    Suite("cbc128", "aes128-sha1", "192.0.2.12", "AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ", 16, 20,
          "aes-cbc-128", "hmac-sha1-96", "aes_cbc_128", "hmac_sha1_96", "AES-CBC [RFC3602]",
          "HMAC-SHA-1-96 [RFC2404]", 12, 22, "100.64.0.3"),
]


# ---------------------------------------------------------------------------- configs
def swanctl_conf(me, peer, my_id, peer_id, initiator):
    children = []
    for s in SUITES:
        lts, rts = (s.lac_inner, LNS_INNER) if initiator else (LNS_INNER, s.lac_inner)
        children.append(f"""      {s.child} {{
        mode = tunnel
        local_ts = {lts}/32
        remote_ts = {rts}/32
        esp_proposals = {s.esp}
        start_action = none
        close_action = none
        dpd_action = none
      }}""")
    return f"""connections {{
  l2tp-site {{
    version = 2
    local_addrs = {me}
    remote_addrs = {peer}
    encap = yes
    mobike = no
    proposals = aes128-sha256-modp2048
    local {{
      auth = psk
      id = {my_id}
    }}
    remote {{
      auth = psk
      id = {peer_id}
    }}
    children {{
{chr(10).join(children)}
    }}
  }}
}}
secrets {{
  ike-site {{
    id-lac = lac.example.net
    id-lns = lns.example.net
    secret = {PSK}
  }}
}}
"""


# ---------------------------------------------------------------------------- traffic
def messages(s):
    """(L2TP message, PPP protocol, PPP payload) sent from suite s's LAC address."""
    out = []

    def add(payload_ppp_proto, payload, **l2):
        msg = pkt.l2tp(s.ltid, s.lsid, pkt.ppp(payload_ppp_proto, payload), **l2)
        out.append((msg, payload_ppp_proto, payload))

    def udp(tag, size, **kw):
        body = f"swan:{s.child}:{tag}:".encode()
        body += bytes((0x30 + i) & 0xFF for i in range(max(0, size - len(body))))
        return pkt.inner_v4_udp(s.subscriber, REMOTE, body, sport=40000 + len(out), dport=9, ip_id=0x100 + len(out),
                                **kw)

    add(pkt.PPP_IPV4, udp("tiny", 1))
    add(pkt.PPP_IPV4, raw(IP(src=s.subscriber, dst=REMOTE, id=0x200, ttl=64) /
                          ICMP(type=8, id=0x5300 + s.ltid, seq=1) / Raw(bytes(range(56)))))
    add(pkt.PPP_IPV4, udp("seq", 300), S=True, ns=0, nr=0)
    add(pkt.PPP_IPV4, udp("len_seq", 700, ttl=17), L=True, S=True, ns=1, nr=0)
    add(pkt.PPP_LCP, bytes([9, 1, 0, 8]) + struct.pack("!I", 0x11223344 + s.ltid))
    add(pkt.PPP_IPV4, raw(IP(src=s.subscriber, dst=REMOTE, id=0x201, ttl=255, flags="DF") /
                          ICMP(type=8, id=0x5300 + s.ltid, seq=2) / Raw(bytes(i & 0xFF for i in range(1172)))))
    return out


def traffic_plan():
    """The messages in sending order: round robin over the suites, so the three
    SAs interleave in the capture."""
    per = [messages(s) for s in SUITES]
    plan = []
    for i in range(max(len(p) for p in per)):
        for s, p in zip(SUITES, per):
            if i < len(p):
                plan.append((s, p[i]))
    return plan


# ---------------------------------------------------------------------------- lab
class Lab:
    def __init__(self, workdir):
        pid = os.getpid()
        self.workdir = workdir
        self.ns_lac = f"lns{TAG}-lac-{pid}"
        self.ns_lns = f"lns{TAG}-lns-{pid}"
        self.va, self.vb = f"lns{TAG}{pid}a", f"lns{TAG}{pid}b"
        self.procs = []
        self.charons = []

    def sh(self, cmd, ns=None, check=True):
        return l2tp_lab.sh(cmd, ns=ns, check=check)

    def setup(self):
        self.sh(["ip", "netns", "add", self.ns_lac])
        self.sh(["ip", "netns", "add", self.ns_lns])
        self.sh(["ip", "link", "add", self.va, "netns", self.ns_lac, "type", "veth", "peer", "name", self.vb,
                 "netns", self.ns_lns])
        for ns, dev, me, peer, inner in ((self.ns_lac, self.va, LAC_OUTER, LNS_OUTER, [s.lac_inner for s in SUITES]),
                                         (self.ns_lns, self.vb, LNS_OUTER, LAC_OUTER, [LNS_INNER])):
            self.sh(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], ns=ns, check=False)
            self.sh(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"], ns=ns, check=False)
            self.sh(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0"], ns=ns, check=False)
            self.sh(["sysctl", "-qw", "net.ipv4.conf.default.rp_filter=0"], ns=ns, check=False)
            self.sh(["ip", "link", "set", "lo", "up"], ns=ns)
            self.sh(["ip", "addr", "add", f"{me}/32", "peer", f"{peer}/32", "dev", dev], ns=ns)
            for a in inner:
                self.sh(["ip", "addr", "add", f"{a}/32", "dev", "lo"], ns=ns)
            # no checksum offload: the capture must hold real UDP checksums
            self.sh(["ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off"], ns=ns,
                    check=False)
            self.sh(["ip", "link", "set", dev, "up"], ns=ns)

    def start_charons(self):
        lac = strongswan.Charon("lac", self.ns_lac, self.workdir,
                                swanctl_conf(LAC_OUTER, LNS_OUTER, "lac.example.net", "lns.example.net", True))
        lns = strongswan.Charon("lns", self.ns_lns, self.workdir,
                                swanctl_conf(LNS_OUTER, LAC_OUTER, "lns.example.net", "lac.example.net", False))
        for c in (lns, lac):
            self.charons.append(c)
            c.start()
            c.load()
        return lac, lns

    def start_capture(self, path, timeout=10.0):
        errpath = path + ".stderr"
        with open(errpath, "w") as err:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns_lns, l2tp_lab.DUMPCAP, "-i", self.vb, "-P", "-q",
                                  "-w", path], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        self.procs.append(p)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and p.poll() is None:
            if "Capturing on" in l2tp_lab.read_text(errpath) and os.path.exists(path):
                return p
            time.sleep(0.05)
        raise RuntimeError(f"dumpcap did not start: {l2tp_lab.read_text(errpath)[-300:]}")

    def agent(self, ns, args):
        p = subprocess.Popen(["ip", "netns", "exec", ns, PY, AGENT] + args, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.procs.append(p)
        return p

    def teardown(self):
        for c in self.charons:
            try:
                c.stop()
            except Exception:  # noqa: BLE001 - teardown goes on
                pass
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        for ns in (self.ns_lac, self.ns_lns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


# ---------------------------------------------------------------------------- stages
def short(x, n=160):
    r = repr(x)
    return r if len(r) <= n else r[:n] + f"... ({len(r)} chars)"


def eq_seq(checks, name, got, want, what=""):
    """got == want for two lists; a failure names the first differing item."""
    if got == want:
        return checks.check(name, True)
    at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    g = short(got[at]) if at < len(got) else "(none)"
    w = short(want[at]) if at < len(want) else "(none)"
    pre = f"{what}: " if what else ""
    return checks.fail(name, f"{pre}{len(got)} items, want {len(want)}; first difference at item {at}: "
                             f"got {g}, want {w}")


def negotiate(checks, lab):
    """Stage 1 + 3: child SAs up, and what both logs say about them."""
    lac, lns = lab.start_charons()
    for s in SUITES:
        t0 = time.monotonic()
        r = lac.initiate(s.child, timeout_s=15)
        checks.check(f"ike.initiate_{s.child}", "completed successfully" in r.stdout,
                     f"after {time.monotonic() - t0:.1f} s: {r.stdout[-300:]}")
    sas_lac = strongswan.parse_child_sas(lac.log_text())
    sas_lns = strongswan.parse_child_sas(lns.log_text())
    checks.eq("ike.child_sas_lac", [c.name for c in sas_lac], [s.child for s in SUITES])
    checks.eq("ike.child_sas_lns", [c.name for c in sas_lns], [s.child for s in SUITES])
    by_lns = {c.name: c for c in sas_lns}
    by_lac = {c.name: c for c in sas_lac}
    out = {}
    for s in SUITES:
        a, b = by_lac.get(s.child), by_lns.get(s.child)
        if a is None or b is None:
            checks.fail(f"ike.{s.child}", "CHILD_SA missing in a charon log")
            continue
        n = s.child
        checks.eq(f"ike.{n}.proposal", (a.proposal, b.proposal), (s.proposal, s.proposal))
        checks.eq(f"ike.{n}.spis_agree", (a.spi_out, a.spi_in), (b.spi_in, b.spi_out))
        checks.eq(f"ike.{n}.ts", (b.ts_local, b.ts_remote), (f"{LNS_INNER}/32", f"{s.lac_inner}/32"))
        checks.eq(f"ike.{n}.outer_in", b.outer.get("inbound"), (b.spi_in, LAC_OUTER, LNS_OUTER))
        checks.eq(f"ike.{n}.outer_out", b.outer.get("outbound"), (b.spi_out, LNS_OUTER, LAC_OUTER))
        checks.eq(f"ike.{n}.key_lens", (len(b.encr_i), len(b.encr_r), len(b.integ_i), len(b.integ_r)),
                  (s.key_len, s.key_len, s.integ_len, s.integ_len))
        checks.check(f"ike.{n}.keys_agree", (a.encr_i, a.encr_r, a.integ_i, a.integ_r) ==
                     (b.encr_i, b.encr_r, b.integ_i, b.integ_r), "the two charons logged different keys")
        checks.check(f"ike.{n}.keys_differ", b.encr_i != b.encr_r and len(set(c.spi_in for c in sas_lns)) == 3)
        out[s.child] = b
    return out


def carry_traffic(checks, lab, plan):
    """Stage 2: the L2TP messages through the SAs, echoed back by the responder."""
    echo = lab.agent(lab.ns_lns, ["echo", LNS_INNER, "1701", str(len(plan))])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and echo.poll() is None:
        time.sleep(0.05)
        # the echo agent prints "ready" once bound; its stderr is read at the end,
        # so poll the socket table instead
        r = lab.sh(["ss", "-Hlun", f"src {LNS_INNER}:1701"], ns=lab.ns_lns, check=False)
        if r.stdout.strip():
            break
    msgs = [{"src": s.lac_inner, "dst": LNS_INNER, "port": 1701, "data": m[0].hex()} for s, m in plan]
    path = os.path.join(lab.workdir, "send.json")
    with open(path, "w") as f:
        json.dump(msgs, f)
    sender = lab.agent(lab.ns_lac, ["send", path])
    try:
        s_out, s_err = sender.communicate(timeout=40)
        e_out, e_err = echo.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        checks.fail("traffic.agents", "agents did not finish in time")
        return False
    try:
        echoes, received = json.loads(s_out), json.loads(e_out)
    except json.JSONDecodeError:
        checks.fail("traffic.agents", f"agent output: {s_err[-300:]} {e_err[-300:]}")
        return False
    want = [(m["src"], 1701, m["data"]) for m in msgs]
    eq_seq(checks, "traffic.responder_received", [(r["src"], r["sport"], r["data"]) for r in received], want,
           "what strongSwan's responder decrypted and delivered")
    eq_seq(checks, "traffic.echoes", [(e["i"], e["data"], e["tries"]) for e in echoes],
           [(i, m["data"], 1) for i, m in enumerate(msgs)], "each message echoed back on the first try")
    return True


class EspFrame:
    def __init__(self, index, frame):
        self.index = index
        self.frame = frame
        e = Ether(frame)
        self.ip = raw(e[IP])[:e[IP].len]
        self.src, self.dst = e[IP].src, e[IP].dst
        self.sport, self.dport = e[UDP].sport, e[UDP].dport
        esp = raw(e[UDP].payload)
        self.spi, self.seq = struct.unpack("!II", esp[:8])


def esp_frames(capture):
    """Frames of the capture that are ESP in UDP (RFC 3948: not IKE with the
    non-ESP marker, not a NAT keepalive)."""
    out = []
    for i, fr in enumerate(pkt.read_pcap(capture), start=1):
        e = Ether(fr)
        if IP not in e or UDP not in e or NATT_PORT not in (e[UDP].sport, e[UDP].dport):
            continue
        pl = raw(e[UDP].payload)
        if len(pl) < 8 or pl[:4] == b"\0\0\0\0":
            continue
        out.append(EspFrame(i, fr))
    return out


def sa_table(sas):
    """(suite, direction, spi, src, dst, cipher key+salt, auth key) for all six SAs."""
    rows = []
    for s in SUITES:
        b = sas[s.child]
        rows.append((s, "in", b.spi_in, LAC_OUTER, LNS_OUTER, b.encr_i, b.integ_i))
        rows.append((s, "out", b.spi_out, LNS_OUTER, LAC_OUTER, b.encr_r, b.integ_r))
    return rows


def tshark_decrypt(checks, capture, frames, rows):
    """Stage 4: tshark's plaintext (the inner IPv4 packet) per ESP frame."""
    cmd = ["tshark", "-r", capture, "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE"]
    for s, _, spi, src, dst, ekey, akey in rows:
        cmd += ["-o", f'uat:esp_sa:"IPv4","{src}","{dst}","0x{spi:08x}","{s.ts_crypt}","0x{ekey.hex()}",'
                      f'"{s.ts_auth}","{"0x" + akey.hex() if akey else ""}"']
    cmd += ["-Y", "esp", "-T", "fields", "-E", "separator=|", "-e", "frame.number", "-e", "esp.spi",
            "-e", "esp.sequence", "-e", "esp.icv_good", "-e", "esp.icv_bad", "-e", "esp.protocol",
            "-e", "esp.contained_data", "-e", "_ws.expert.severity", "-e", "frame.protocols"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    rows_out = [ln.split("|") for ln in r.stdout.splitlines() if ln]
    eq_seq(checks, "tshark.esp_frames", [int(x[0]) for x in rows_out], [f.index for f in frames], r.stderr[-300:])
    plain = {}
    bad, expert, stacks = [], [], []
    for x in rows_out:
        n, spi, seq, good, badicv, proto, data, sev, stack = (x + [""] * 9)[:9]
        if sev:
            expert.append(f"frame {n}: {sev}")
        if ":udpencap:esp:ip:udp:l2tp:ppp:" not in stack:
            stacks.append(f"frame {n}: {stack}")
        if good != "1" or badicv == "1" or not proto or int(proto, 0) != 4 or not data:
            bad.append(f"frame {n} spi {spi} seq {seq}: icv_good={good!r} icv_bad={badicv!r} next={proto!r} "
                       f"data={len(data) // 2}B")
            continue
        plain[int(n)] = bytes.fromhex(data.replace(":", ""))
    checks.check("tshark.every_icv_good_and_decrypted", not bad, "; ".join(bad[:5]))
    checks.check("tshark.decodes_l2tp_ppp_inside", not stacks, "; ".join(stacks[:5]))
    checks.check("tshark.no_expert_info", not expert, "; ".join(expert[:5]))
    return plain


def run_tool(tool, s, spi, src, dst, ekey, akey, peer_port, ips):
    """lns-esp-tool decrypting IPv4 packets `ips` with one inbound SA; returns
    its output lines ("ok HEX" / "drop REASON") and stderr."""
    key, salt = (ekey[:-4], ekey[-4:]) if s.gcm else (ekey, b"")
    lines = ["dir in", f"cipher {s.tool_cipher}", f"integ {s.tool_integ}", f"key {key.hex()}",
             f"spi {spi}", "mode tunnel", f"tunnel {src} {dst}", f"natt {peer_port}", "seq 0"]
    if salt:
        lines.append(f"salt {salt.hex()}")
    if akey:
        lines.append(f"authkey {akey.hex()}")
    lines += [f"packet {ip.hex()}" for ip in ips]
    r = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=30)
    return r.stdout.splitlines(), r.stderr.strip()


def tool_decrypt(checks, tool, frames, rows):
    """Stage 5: lns-esp-tool's plaintext per ESP frame (one tool run per SA)."""
    plain = {}
    for s, direction, spi, src, dst, ekey, akey in rows:
        mine = [f for f in frames if f.spi == spi]
        peer_port = next((f.sport for f in mine), NATT_PORT)
        res, err = run_tool(tool, s, spi, src, dst, ekey, akey, peer_port, [f.ip for f in mine])
        name = f"tool.{s.child}_{direction}"
        if not checks.eq(name + ".count", len(res), len(mine), err[-200:]):
            continue
        drops = [(f.index, x) for f, x in zip(mine, res) if not x.startswith("ok ")]
        checks.eq(name + ".all_ok", drops, [])
        for f, x in zip(mine, res):
            if x.startswith("ok "):
                plain[f.index] = bytes.fromhex(x[3:])
    return plain


def check_replay_input(checks, tool, frames, rows, ts_plain):
    """The frames stage 6b feeds lnsd (outer destination rewritten): valid IPv4
    and UDP checksums, and lns-esp-tool, given lnsd's address as the tunnel
    end, still decrypts each to tshark's plaintext."""
    inbound = {row[2]: row for row in rows if row[1] == "in"}
    ins = [f for f in frames if f.spi in inbound]
    up_in = rewrite_for_lnsd(ins, topo.PCAP_MAC_ACCESS)
    bad = [f.index for f, fr in zip(ins, up_in) if not (pkt.ipv4_header_ok(fr[14:]) and pkt.l4_checksum_ok(fr[14:]))]
    checks.eq("replay_input.checksums", bad, [])
    got, want = [], []
    for spi, (s, _, _, src, _, ekey, akey) in inbound.items():
        mine = [(f, fr) for f, fr in zip(ins, up_in) if f.spi == spi]
        res, err = run_tool(tool, s, spi, src, LNS_INNER, ekey, akey, mine[0][0].sport if mine else NATT_PORT,
                            [fr[14:] for _, fr in mine])
        got += [(f.index, x) for (f, _), x in zip(mine, res)]
        want += [(f.index, "ok " + ts_plain.get(f.index, b"").hex()) for f, _ in mine]
    eq_seq(checks, "replay_input.decrypts_to_tshark_plaintext", sorted(got), sorted(want))


def check_plaintexts(checks, frames, rows, plan, ts_plain, tool_plain):
    """tshark's and lns-esp-tool's plaintexts agree, and are the IPv4/UDP/L2TP
    packets that were sent (inbound) or echoed (outbound), in order."""
    spis = {spi: (s, d) for s, d, spi, *_ in rows}
    if tool_plain is not None:
        diff = [f.index for f in frames if ts_plain.get(f.index) != tool_plain.get(f.index)]
        checks.eq("tool_equals_tshark", diff, [], "frames whose plaintexts differ")
    for direction in ("in", "out"):
        got, want = [], []
        for f in frames:
            s, d = spis.get(f.spi, (None, None))
            if d != direction:
                continue
            p = ts_plain.get(f.index, b"")
            ip = IP(p) if p else None
            if ip is None or UDP not in ip:
                got.append((f.index, "not IPv4/UDP"))
                continue
            got.append((s.child, ip.src, ip.dst, ip[UDP].sport, ip[UDP].dport, raw(ip[UDP].payload).hex()))
        for s, m in plan:
            src, dst = (s.lac_inner, LNS_INNER) if direction == "in" else (LNS_INNER, s.lac_inner)
            want.append((s.child, src, dst, 1701, 1701, m[0].hex()))
        eq_seq(checks, f"plaintext_{direction}_is_the_l2tp_sent", got, want)
    unknown = [f.index for f in frames if f.spi not in spis]
    checks.eq("capture.no_unknown_spi", unknown, [])


def check_outer(checks, frames, rows):
    per = {}
    for s, d, spi, src, dst, *_ in rows:
        per[(s.child, d)] = [(f.src, f.dst, f.sport, f.dport, f.seq) for f in frames if f.spi == spi]
    n = len(messages(SUITES[0]))
    for s in SUITES:
        for d, (src, dst) in (("in", (LAC_OUTER, LNS_OUTER)), ("out", (LNS_OUTER, LAC_OUTER))):
            eq_seq(checks, f"capture.{s.child}_{d}", per[(s.child, d)],
                   [(src, dst, NATT_PORT, NATT_PORT, i) for i in range(1, len(messages(s)) + 1)],
                   f"{n} ESP-in-UDP 4500 packets, sequence numbers from 1")


# ---------------------------------------------------------------------------- lnsd replay
def rewrite_for_lnsd(frames, access_mac):
    """Inbound ESP frames as lnsd's access port gets them: dst MAC = the port,
    src MAC = the access gateway, outer dst IP = lnsd's address (the inner
    L2TP destination); IPv4 and UDP checksums recomputed."""
    out = []
    for f in frames:
        e = Ether(f.frame)
        e.dst, e.src = access_mac, ACCESS_GW_MAC
        e[IP].dst = LNS_INNER
        del e[IP].chksum
        del e[UDP].chksum
        out.append(raw(e))
    return out


def lnsd_config(workdir, sas, peer_port, tag):
    """lnsd on net_pcap: access0 192.0.2.1/24 (the L2TP address, and in the ESP
    run the outer one too), core0 198.51.100.129/25; one static session per LAC;
    with `sas`, the inbound SAs as static `ipsec.sas`."""
    blocks = [topo.Block(s.child, ltid=s.ltid, lsid=s.lsid, rtid=100 + s.ltid, rsid=100 + s.lsid,
                         ipv4=s.subscriber, lac=s.lac_inner) for s in SUITES]
    neighbors = [{"port": "access0", "ipv4": ACCESS_GW, "mac": ACCESS_GW_MAC},
                 {"port": "core0", "ipv4": CORE_GW, "mac": CORE_GW_MAC}]
    cfg = topo.pcap_config(workdir, blocks, tag=tag, core_ipv6=False, neighbors=neighbors)
    cfg["ports"][0]["ipv4"] = f"{LNS_INNER}/24"
    cfg["ports"][0]["gateway4"] = ACCESS_GW
    cfg["ports"][1]["ipv4"] = f"{CORE_IP}/{CORE_PREFIX}"
    cfg["ports"][1]["gateway4"] = CORE_GW
    if not sas:
        return cfg
    ipsec = []
    for s in SUITES:
        b = sas[s.child]
        sa = {"name": f"swan-in-{s.child}", "direction": "inbound", "spi": f"0x{b.spi_in:08x}", "mode": "tunnel",
              "local": LNS_INNER, "peer": LAC_OUTER, "cipher": s.lnsd_cipher, "integrity": s.lnsd_integ,
              "key": b.encr_i.hex()}
        if b.integ_i:
            sa["auth_key"] = b.integ_i.hex()
        sa["natt"] = {"local_port": NATT_PORT, "peer_port": peer_port}
        ipsec.append(sa)
    cfg["ipsec"] = {"sas": ipsec}
    return cfg


def yaml_with_hex_spi(cfg):
    """yamlw quotes every string; the SPI is written as a bare 0x... integer."""
    text = yamlw.dump(cfg)
    for sa in cfg.get("ipsec", {}).get("sas", []):
        text = text.replace(f'spi: "{sa["spi"]}"', f'spi: {sa["spi"]}')
    return text


def find_sa_stats(stats, name):
    """The stats JSON object describing SA `name`, wherever lnsd puts it."""
    stack = [stats]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if x.get("name") == name:
                return x
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return None


def expected_core(ins, ts_plain, core_mac):
    """Every PPP IPv4 payload tshark decrypted, TTL - 1 and checksum updated,
    to the core gateway; and the number of other PPP frames (LCP: punted)."""
    want, other = [], 0
    for f in ins:
        ip = IP(ts_plain.get(f.index, b""))
        l2 = pkt.parse_l2tp(raw(ip[UDP].payload))
        _, proto, _, payload = pkt.parse_ppp(l2["payload"])
        if proto == pkt.PPP_IPV4:
            want.append(pkt.mac_bytes(CORE_GW_MAC) + pkt.mac_bytes(core_mac) + b"\x08\x00" +
                        pkt.decrement_ttl(payload))
        else:
            other += 1
    return want, other


def replay(checks, name, binary, workdir, cfg, up_in, ins, ts_plain):
    """One lnsd run over `up_in`; checks the run, the core port's output
    against tshark's plaintext, drops and punts.  Returns the Result or None."""
    os.makedirs(workdir, exist_ok=True)
    cfg_path = os.path.join(workdir, "lnsd.yaml")
    with open(cfg_path, "w") as f:
        f.write(yaml_with_hex_spi(cfg))
    r = subprocess.run([binary, "--check-config", cfg_path], capture_output=True, text=True, timeout=30)
    if not checks.check(f"{name}.config_accepted", r.returncode == 0,
                        ("lnsd rejects the static SAs (is the esp-dp data path merged?): " if "ipsec" in cfg else "")
                        + (r.stdout + r.stderr).strip()[-600:]):
        return None
    pkt.write_pcap(os.path.join(workdir, "up_in.pcap"), up_in)
    pkt.write_pcap(os.path.join(workdir, "down_in.pcap"), [])
    stats_path = os.path.join(workdir, "stats.json")
    res = lnsrun.Result()
    res.rc, res.stdout, res.stderr, res.timed_out = lnsrun.run_process(
        binary, cfg_path, stats_path, ["--exit-idle", "300"], 30, cfg["eal"]["file_prefix"])
    with open(os.path.join(workdir, "lnsd.stderr"), "w") as f:
        f.write(res.stderr)
    lnsrun.load_stats(res, stats_path)
    res.down_out = pkt.read_pcap(os.path.join(workdir, "down_out.pcap"))
    if not lnsrun.check_run(checks, f"{name}.run", res):
        return None
    checks.eq(f"{name}.access_mac", res.access_mac, topo.PCAP_MAC_ACCESS, "MAC the replay was addressed to")
    want, other = expected_core(ins, ts_plain, res.core_mac)
    got = [pkt.strip_eth_padding(fr) for fr in res.down_out]
    eq_seq(checks, f"{name}.core_frames_equal_tshark_plaintext", [g.hex() for g in got], [w.hex() for w in want],
           "core port output vs the decrypted PPP payloads (TTL - 1)")
    lnsrun.check_drops(checks, f"{name}.no_drops", res, {})
    checks.eq(f"{name}.punts", lnsrun.nonzero(res.punts()), {"ppp_control": other} if other else {})
    checks.eq(f"{name}.upstream_packets", res.stats.get("upstream", {}).get("packets"), len(want))
    return res


def lnsd_cleartext_control(checks, binary, workdir, frames, rows, ts_plain):
    """Stage 6a: the L2TP tshark decrypted, sent to lnsd in clear (no ipsec
    section): lnsd must forward exactly the expected core frames.  It checks the
    replay set-up (sessions, addresses, expectations) apart from ESP, so that a
    failure of stage 6b is ESP's."""
    inbound = {spi for s, d, spi, *_ in rows if d == "in"}
    ins = [f for f in frames if f.spi in inbound]
    up_in = [pkt.mac_bytes(topo.PCAP_MAC_ACCESS) + pkt.mac_bytes(ACCESS_GW_MAC) + b"\x08\x00" +
             ts_plain.get(f.index, b"") for f in ins]
    d = os.path.join(workdir, "lnsd-clear")
    replay(checks, "lnsd_clear", binary, d, lnsd_config(d, None, NATT_PORT, "swc"), up_in, ins, ts_plain)


def lnsd_esp_replay(checks, binary, workdir, frames, rows, sas, ts_plain):
    """Stage 6b (see the module docstring)."""
    inbound = {spi: s for s, d, spi, *_ in rows if d == "in"}
    ins = [f for f in frames if f.spi in inbound]
    peer_port = ins[0].sport if ins else NATT_PORT
    d = os.path.join(workdir, "lnsd-esp")
    os.makedirs(d, exist_ok=True)
    res = replay(checks, "lnsd_esp", binary, d, lnsd_config(d, sas, peer_port, "swe"),
                 rewrite_for_lnsd(ins, topo.PCAP_MAC_ACCESS), ins, ts_plain)
    if res is None:
        return
    for s in SUITES:
        name = f"swan-in-{s.child}"
        st = find_sa_stats(res.stats, name)
        if not checks.check(f"lnsd_esp.sa_stats.{s.child}", st is not None, f"no object named {name!r} in the stats"):
            continue
        n = sum(1 for f in ins if inbound[f.spi] is s)
        pk = next((st[k] for k in ("packets", "in_packets", "rx_packets", "decrypted") if k in st), None)
        checks.eq(f"lnsd_esp.sa_stats.{s.child}.packets", pk, n, json.dumps(st)[:300])
        moved = {k: v for k, v in st.items() if isinstance(v, int) and v and
                 any(w in k for w in ("drop", "fail", "replay", "integrity", "error"))}
        checks.eq(f"lnsd_esp.sa_stats.{s.child}.no_drops", moved, {})


# ---------------------------------------------------------------------------- main
def run(checks, args, workdir):
    tool = args.tool or os.path.join(os.path.abspath(args.build_dir), "tests", "lns-esp-tool")
    binary = os.path.join(os.path.abspath(args.build_dir), "lnsd")
    lab = Lab(workdir)
    capture = os.path.join(workdir, "esp.pcap")
    plan = traffic_plan()
    try:
        lab.setup()
        cap = lab.start_capture(capture)
        sas = negotiate(checks, lab)
        if len(sas) != len(SUITES):
            return
        carry_traffic(checks, lab, plan)
        time.sleep(0.3)   # the last echo's ESP reaches the file
        l2tp_lab.stop_process(cap, signal.SIGINT, 10)
    finally:
        lab.teardown()
    rows = sa_table(sas)
    frames = esp_frames(capture)
    check_outer(checks, frames, rows)
    ts_plain = tshark_decrypt(checks, capture, frames, rows)
    if os.access(tool, os.X_OK):
        tool_plain = tool_decrypt(checks, tool, frames, rows)
    else:
        checks.fail("tool", f"{tool} not found (build target lns-esp-tool)")
        tool_plain = None
    check_plaintexts(checks, frames, rows, plan, ts_plain, tool_plain)
    if not os.access(binary, os.X_OK):
        checks.fail("lnsd_binary", f"{binary} not found")
        return
    missing = [f.index for f in frames if f.index not in ts_plain]
    if missing or not frames:
        checks.fail("lnsd", f"replay not run: no tshark plaintext for frames {missing[:8]}")
        return
    if tool_plain is not None:
        check_replay_input(checks, tool, frames, rows, ts_plain)
    lnsd_cleartext_control(checks, binary, workdir, frames, rows, ts_plain)
    if args.skip_lnsd:
        print("SKIP lnsd ESP replay (--skip-lnsd)", flush=True)
        return
    lnsd_esp_replay(checks, binary, workdir, frames, rows, sas, ts_plain)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--tool", help="lns-esp-tool (default BUILD/tests/lns-esp-tool)")
    ap.add_argument("--skip-lnsd", action="store_true",
                    help="stop after the tshark / lns-esp-tool checks (until lnsd's data path does ESP)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, capture, config)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.verbose:
        os.environ["LNS_TEST_VERBOSE"] = "1"
    checks = harness.Checks("esp_strongswan")
    harness.require_root(checks)
    for exe in (strongswan.CHARON, strongswan.SWANCTL, l2tp_lab.DUMPCAP, shutil.which("tshark") or "/usr/bin/tshark"):
        if not os.access(exe, os.X_OK):
            checks.fail("deps", f"{exe} missing (tools/install_deps.sh)")
            return checks.finish()
    l2tp_lab.exit_on_sigterm()
    t0 = time.monotonic()
    with lnsrun.WorkDir("swan", args.keep or bool(os.environ.get("LNS_TEST_KEEP"))) as wd:
        checks.guard("run", run, checks, args, wd.path)
        if checks.failed and not wd.keep:
            for c in ("charon-lac", "charon-lns"):
                print(f"--- {c}/charon.log (tail) ---\n" +
                      strongswan.Charon.tail(os.path.join(wd.path, c, "charon.log"), 12))
    checks.check("duration_under_60s", time.monotonic() - t0 < 60, f"{time.monotonic() - t0:.1f} s")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
