#!/usr/bin/python3
"""Golden test: ESP in lnsd's data path (RFC 4303, RFC 3948), lnsd on net_pcap.

Run "interop": one static session per (algorithm, mode) -- AES-GCM-128,
AES-GCM-256, AES-CBC-128 + HMAC-SHA1-96, AES-CBC-256 + HMAC-SHA-256-128, 3DES-CBC
+ HMAC-SHA1-96, each in transport mode, tunnel mode (the LAC behind the peer,
selected by `lac:`), transport over UDP 4500 and tunnel over UDP 4500 -- with an
inbound SA and its reply_sa from the YAML.
  upstream: scapy's SecurityAssociation encrypts L2TP data messages; each comes
    out of the core port as the subscriber's inner packet, TTL - 1;
  downstream: packets to each subscriber leave the access port as ESP toward the
    SA's peer (protocol 50, or UDP 4500 -> the peer's port with checksum 0, the
    peer's MAC, sequence numbers 1, 2, 3) that scapy decrypts (checking the ICV)
    into the L2TP data message lnsd would send in clear; tshark, given the SAs,
    decrypts the non-UDP ones too and reports their ICVs correct.
  Per-SA counters in --stats-json: packets per SA, no drops.
Run "signalled": an SCCRQ under ESP (transport, NAT-T) is answered by an SCCRP
protected with the inbound SA's reply_sa, nothing in clear.
Run "frag": a downstream packet too big for the path once encrypted leaves as
outer fragments of the ESP packet, which reassemble and decrypt; with DF it is
refused (down_too_big).
Run "drops": replayed, tampered, badly padded, truncated and unknown-SPI ESP, a
hard-expired SA, a peer other than the SA's, an SA whose peer is not the
session's, cleartext L2TP to a protected session, NAT keepalives and malformed
UDP 4500 each counted under their named drop (globally and on the SA), IKE on
4500 punted, nothing else dropped."""
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from scapy.all import IP, UDP, Ether, Raw, defragment, raw  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

import harness  # noqa: E402
import lnsd  # noqa: E402
import pkt  # noqa: E402
import topo  # noqa: E402

# name, cipher, integrity, scapy crypt, scapy auth, key bytes (without GCM salt), auth key bytes
SUITES = [
    ("gcm128", "aes-gcm-128", "none", "AES-GCM", "NULL", 16, 0),
    ("gcm256", "aes-gcm-256", "none", "AES-GCM", "NULL", 32, 0),
    ("cbc128sha1", "aes-cbc-128", "hmac-sha1-96", "AES-CBC", "HMAC-SHA1-96", 16, 20),
    ("cbc256sha256", "aes-cbc-256", "hmac-sha256-128", "AES-CBC", "SHA2-256-128", 32, 32),
    ("3dessha1", "3des-cbc", "hmac-sha1-96", "3DES", "HMAC-SHA1-96", 24, 20),
]
MODES = [("transport", False), ("tunnel", False), ("transport", True), ("tunnel", True)]
SIZES = [20, 400, 1300]
TSHARK_ENC = {"aes-gcm-128": "AES-GCM with 16 octet ICV [RFC4106]",
              "aes-gcm-256": "AES-GCM with 16 octet ICV [RFC4106]",
              "aes-cbc-128": "AES-CBC [RFC3602]", "aes-cbc-256": "AES-CBC [RFC3602]",
              "3des-cbc": "TripleDES-CBC [RFC2451]"}
TSHARK_AUTH = {"none": "NULL", "hmac-sha1-96": "HMAC-SHA-1-96 [RFC2404]",
               "hmac-sha256-128": "HMAC-SHA-256-128 [RFC4868]"}


class Combo:
    """One (algorithm, mode) pair: a session, its peer and its two SAs."""

    def __init__(self, i, suite, mode, natt):
        self.i, self.suite, self.mode, self.natt = i, suite, mode, natt
        self.name = f"{suite[0]}-{mode}{'-natt' if natt else ''}"
        self.peer = f"203.0.113.{20 + i}"
        self.peer_mac = f"02:00:00:00:01:{20 + i:02x}"
        # Tunnel mode protects a LAC behind the peer; transport mode the peer itself.
        self.lac = f"192.0.2.{20 + i}" if mode == "tunnel" else self.peer
        self.port = 41000 + i
        self.spi_in, self.spi_out = 0x10000 + i, 0x20000 + i
        klen, alen = suite[5], suite[6]
        self.key = bytes((i * 13 + k * 7 + 1) & 0xFF for k in range(klen))
        self.salt = bytes([0xA0, i, 0x5C, 0x3D]) if suite[3] == "AES-GCM" else b""
        self.auth = bytes((i * 5 + k * 11 + 3) & 0xFF for k in range(alen))
        self.block = topo.Block(f"s{i}", ltid=100 + i, lsid=1, rtid=200 + i, rsid=300 + i,
                                ipv4=f"100.64.1.{i + 1}", lac=self.lac)

    def sa_config(self, inbound):
        d = {"name": f"{self.name}-{'in' if inbound else 'out'}",
             "direction": "inbound" if inbound else "outbound",
             "spi": self.spi_in if inbound else self.spi_out, "mode": self.mode,
             "local": topo.ACCESS_IP, "peer": self.peer, "cipher": self.suite[1],
             "integrity": self.suite[2], "key": (self.key + self.salt).hex()}
        if self.auth:
            d["auth_key"] = self.auth.hex()
        if self.natt:
            d["natt"] = {"local_port": 4500, "peer_port": self.port}
        if inbound:
            d["reply_sa"] = f"{self.name}-out"
        elif self.mode == "tunnel":
            d["lac"] = f"{self.lac}/32"
        return d

    def scapy_sa(self, to_lns):
        kw = {}
        if self.mode == "tunnel":
            kw["tunnel_header"] = (IP(src=self.peer, dst=topo.ACCESS_IP) if to_lns
                                   else IP(src=topo.ACCESS_IP, dst=self.peer))
        if self.natt:
            kw["nat_t_header"] = (UDP(sport=self.port, dport=4500) if to_lns
                                  else UDP(sport=4500, dport=self.port))
        return SecurityAssociation(ESP, spi=self.spi_in if to_lns else self.spi_out,
                                   crypt_algo=self.suite[3], crypt_key=self.key + self.salt,
                                   auth_algo=self.suite[4], auth_key=self.auth or None, **kw)

    def session(self):
        return self.block.instances()[0]


def combos():
    out = []
    for suite in SUITES:
        for mode, natt in MODES:
            out.append(Combo(len(out), suite, mode, natt))
    return out


def l2tp_ip(c, inner, ip_id=1):
    """The LAC's IPv4/UDP/L2TP packet (as scapy IP) carrying `inner`."""
    s = c.session()
    msg = pkt.l2tp(s.ltid, s.lsid, pkt.ppp(pkt.PPP_IPV4, inner))
    return IP(raw(IP(src=c.lac, dst=topo.ACCESS_IP, id=ip_id) / UDP(sport=1701, dport=1701) / Raw(msg)))


def esp_frame(c, inner, seq, *, src_mac=None, sa=None):
    e = (sa or c.scapy_sa(True)).encrypt(l2tp_ip(c, inner, seq), seq_num=seq)
    if c.natt:
        e[UDP].len = None
        e[UDP].chksum = 0
    return bytes(Ether(src=src_mac or c.peer_mac, dst=topo.PCAP_MAC_ACCESS) / e)


def config(wd, tag, cs, extra_sas=(), extra_neighbors=()):
    neigh = topo.neighbors_static([{"port": "access0", "ipv4": c.peer, "mac": c.peer_mac} for c in cs]
                                  + list(extra_neighbors))
    sas = []
    for c in cs:
        sas += [c.sa_config(False), c.sa_config(True)]
    sas += list(extra_sas)
    return topo.pcap_config(wd, [c.block for c in cs], tag=tag, neighbors=neigh,
                            extra={"ipsec": {"replay_window": 128, "sas": sas}})


def sa_rows(res):
    return {r["name"]: r for r in (res.stats or {}).get("sas", [])}


# --------------------------------------------------------------------------- interop
def check_upstream(checks, res, cs, sent):
    got = {}
    for f in res.down_out:
        _, _, et, ipb = pkt.eth_split(pkt.strip_eth_padding(f))
        tag = pkt.payload_tag(ipb) if et == 0x0800 else None
        if tag:
            got[tag] = ipb
    for c in cs:
        ok = all(got.get(tag) == pkt.decrement_ttl(inner) for tag, inner in sent[c.name])
        missing = [t for t, _ in sent[c.name] if t not in got]
        checks.check(f"interop.up.{c.name}", ok, f"missing or different: {missing[:3]}")


def decrypt_down(c, frame):
    """Checks the outer headers of one ESP frame from lnsd and decrypts it with
    scapy (which verifies the ICV).  Returns (seq, scapy IP of the L2TP packet)."""
    dst, src, et, ipb = pkt.eth_split(pkt.strip_eth_padding(frame))
    if (dst, et) != (c.peer_mac, 0x0800):
        raise ValueError(f"Ethernet dst {dst} type {et:#x}, want {c.peer_mac}")
    ip = IP(ipb)
    if (ip.src, ip.dst) != (topo.ACCESS_IP, c.peer):
        raise ValueError(f"outer {ip.src} -> {ip.dst}")
    if not pkt.ipv4_header_ok(ipb):
        raise ValueError("outer IPv4 header checksum")
    if c.natt:
        u = struct.unpack_from("!HHHH", ipb, 20)
        if ip.proto != 17 or (u[0], u[1], u[3]) != (4500, c.port, 0):
            raise ValueError(f"NAT-T header {ip.proto} {u}")
        esp = ipb[28:]
    else:
        if ip.proto != 50:
            raise ValueError(f"protocol {ip.proto}")
        esp = ipb[20:]
    spi, seq = struct.unpack_from("!II", esp, 0)
    if spi != c.spi_out:
        raise ValueError(f"SPI {spi:#x}")
    if c.natt:  # scapy decrypts ESP-in-UDP given the same nat_t_header it encrypts with
        ip = IP(raw(ip))
    return seq, c.scapy_sa(False).decrypt(ip)


def check_downstream(checks, res, cs, sent):
    by_peer = {}
    for f in res.up_out:
        by_peer.setdefault(pkt.eth_split(f)[0], []).append(f)
    for c in cs:
        frames = by_peer.get(c.peer_mac, [])
        if not checks.eq(f"interop.down.{c.name}.count", len(frames), len(sent[c.name])):
            continue
        s = c.session()
        ok, why = True, ""
        for n, (frame, (tag, inner)) in enumerate(zip(frames, sent[c.name]), start=1):
            try:
                seq, dec = decrypt_down(c, frame)
                d = pkt.decap_downstream(bytes(Ether(dst=c.peer_mac, src=res.access_mac) / dec))
                want = (n, topo.ACCESS_IP, c.lac, 1701, (s.rtid, s.rsid), pkt.decrement_ttl(inner))
                got = (seq, d["ip"].src, d["ip"].dst, d["dport"], (d["l2tp"]["tid"], d["l2tp"]["sid"]),
                       d["inner"])
                if got != want:
                    ok, why = False, f"packet {n}: got {got[:5]}, want {want[:5]}"
            except Exception as e:  # noqa: BLE001 - report what failed to decrypt
                ok, why = False, f"packet {n}: {type(e).__name__}: {e}"
        checks.check(f"interop.down.{c.name}", ok, why)


def check_tshark(checks, res, cs):
    """tshark decrypts lnsd's protocol-50 ESP with each SA (one per run: the esp_sa
    table takes one entry on the command line) and finds every ICV good and the
    L2TP tunnel inside."""
    for c in cs:
        if c.natt:
            continue
        sa = (f'"IPv4","{topo.ACCESS_IP}","{c.peer}","{c.spi_out:#010x}","{TSHARK_ENC[c.suite[1]]}",'
              f'"0x{(c.key + c.salt).hex()}","{TSHARK_AUTH[c.suite[2]]}","{"0x" + c.auth.hex() if c.auth else ""}"')
        out = subprocess.run(["tshark", "-r", os.path.join(res.workdir, "up_out.pcap"),
                              "-o", "esp.enable_encryption_decode:TRUE", "-o", "esp.enable_authentication_check:TRUE",
                              "-o", f"uat:esp_sa:{sa}", "-Y", f"esp.spi == {c.spi_out:#x}",
                              "-T", "fields", "-e", "esp.icv_good", "-e", "l2tp.tunnel"],
                             capture_output=True, text=True, timeout=60)
        rows = [ln.split("\t") for ln in out.stdout.splitlines() if ln.strip()]
        good = [r for r in rows if len(r) >= 2 and r[0] in ("1", "True") and r[1] == str(c.session().rtid)]
        checks.eq(f"interop.tshark.{c.name}", len(good), len(SIZES),
                  f"tshark rows (icv_good, l2tp.tunnel): {rows[:3]} {out.stderr.strip()[:200]}")


def run_interop(checks, binary, wd):
    cs = combos()
    up, sent_up = [], {}
    down, sent_down = [], {}
    for c in cs:
        s = c.session()
        sent_up[c.name], sent_down[c.name] = [], []
        for n, size in enumerate(SIZES, start=1):
            tag = f"up:{c.name}:{n}:".encode() + bytes(size)
            inner = pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, tag)
            up.append(esp_frame(c, inner, n))
            sent_up[c.name].append((tag, inner))
            tag = f"down:{c.name}:{n}:".encode() + bytes(size)
            inner = pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, tag)
            down.append(pkt.mac_bytes(topo.PCAP_MAC_CORE) + pkt.mac_bytes(topo.CORE_GW_MAC) + b"\x08\x00" + inner)
            sent_down[c.name].append((tag, inner))
    res = lnsd.run_pcap(binary, wd, config(wd, "espio", cs), up, down)
    if not lnsd.check_run(checks, "interop", res):
        return
    lnsd.check_drops(checks, "interop.no_drops", res, {})
    check_upstream(checks, res, cs, sent_up)
    check_downstream(checks, res, cs, sent_down)
    rows = sa_rows(res)
    for c in cs:
        for d in ("in", "out"):
            r = rows.get(f"{c.name}-{d}", {})
            checks.eq(f"interop.sa.{c.name}-{d}", (r.get("packets"), sum(r.get("drops", {}).values())),
                      (len(SIZES), 0), "SA (packets, drops)")
    checks.eq("interop.esp_totals", res.stats.get("esp"), {"decrypted": len(up), "encrypted": len(down)})
    check_tshark(checks, res, cs)


# --------------------------------------------------------------------------- drops
def gcm_seal(c, seq, plaintext):
    """ESP (bytes, from the SPI) sealed by hand with AES-GCM: any trailer, valid ICV."""
    iv = struct.pack("!Q", seq)
    aad = struct.pack("!II", c.spi_in, seq)
    ct = AESGCM(c.key).encrypt(c.salt + iv, plaintext, aad)
    return aad + iv + ct


def run_drops(checks, binary, wd):
    c = Combo(0, SUITES[0], "transport", False)        # GCM-128 transport, peer = LAC .20
    c.lac = c.peer
    c.block = topo.Block("p", ltid=100, lsid=1, rtid=200, rsid=300, ipv4="100.64.1.1", lac=c.peer)
    s = c.session()
    short = dict(c.sa_config(True), name="short-in", spi=0x30000, reply_sa=c.sa_config(True)["reply_sa"],
                 lifetime={"hard_packets": 2})
    natt_in = dict(c.sa_config(True), name="natt-in", spi=0x30001, natt={"local_port": 4500, "peer_port": 4600})
    extra = [short, natt_in]
    inner = lambda n: pkt.inner_v4_udp(s.ipv4, topo.REMOTE4, f"drop-test {n}".encode())  # noqa: E731
    frames, want, fwd = [], {}, []

    def add(reason, frame):
        frames.append(bytes(frame))
        if reason == "forwarded":
            fwd.append(frame)
        else:
            want[reason] = want.get(reason, 0) + 1

    good1 = esp_frame(c, inner(1), 1)
    add("forwarded", good1)
    add("esp_replayed", good1)
    tampered = bytearray(esp_frame(c, inner(2), 2))
    tampered[14 + 20 + 16 + 30] ^= 0x01
    add("esp_icv_mismatch", tampered)
    body = bytes(l2tp_ip(c, inner(3))[UDP])            # UDP/L2TP: transport-mode payload
    pad = bytes([1, 2, 9])                             # must be 1, 2, 3
    esp = gcm_seal(c, 3, body + pad + bytes([len(pad), 17]))
    add("esp_bad_padding", Ether(src=c.peer_mac, dst=topo.PCAP_MAC_ACCESS) /
        IP(src=c.peer, dst=topo.ACCESS_IP, proto=50) / Raw(esp))
    add("esp_truncated", Ether(src=c.peer_mac, dst=topo.PCAP_MAC_ACCESS) /
        IP(src=c.peer, dst=topo.ACCESS_IP, proto=50) / Raw(struct.pack("!II", c.spi_in, 4) + bytes(12)))
    add("esp_unknown_spi", Ether(src=c.peer_mac, dst=topo.PCAP_MAC_ACCESS) /
        IP(src=c.peer, dst=topo.ACCESS_IP, proto=50) / Raw(struct.pack("!II", 0x99999, 1) + bytes(40)))
    rogue = IP(esp_frame(c, inner(5), 5)[14:])        # authentic ESP, sent from another address
    rogue.src = topo.ROGUE_IP
    del rogue.chksum
    add("esp_peer_mismatch", Ether(src=topo.ROGUE_MAC, dst=topo.PCAP_MAC_ACCESS) / rogue)
    # The short-lived SA: two packets pass, the third meets the hard limit.
    short_sa = SecurityAssociation(ESP, spi=0x30000, crypt_algo="AES-GCM", crypt_key=c.key + c.salt,
                                   auth_algo="NULL")
    for n in (1, 2):
        add("forwarded", esp_frame(c, inner(10 + n), n, sa=short_sa))
    add("sa_hard_expired", esp_frame(c, inner(13), 3, sa=short_sa))
    # Decrypts fine but comes from the peer's NAT-T port 4600, not the session's SA peer.
    natt_sa = SecurityAssociation(ESP, spi=0x30001, crypt_algo="AES-GCM", crypt_key=c.key + c.salt,
                                  auth_algo="NULL", nat_t_header=UDP(sport=4600, dport=4500))
    e = natt_sa.encrypt(l2tp_ip(c, inner(20)), seq_num=1)
    e[UDP].len = None
    add("esp_wrong_sa", Ether(src=c.peer_mac, dst=topo.PCAP_MAC_ACCESS) / e)
    add("esp_required", pkt.outer_l2tp(c.peer_mac, topo.PCAP_MAC_ACCESS, c.peer, topo.ACCESS_IP,
                                       pkt.l2tp(s.ltid, s.lsid, pkt.ppp(pkt.PPP_IPV4, inner(30)))))
    udp4500 = lambda payload: (Ether(src=c.peer_mac, dst=topo.PCAP_MAC_ACCESS) /  # noqa: E731
                               IP(src=c.peer, dst=topo.ACCESS_IP) / UDP(sport=4600, dport=4500) / Raw(payload))
    add("natt_keepalive", udp4500(b"\xff"))
    add("natt_keepalive", udp4500(b"\xff"))
    add("natt_malformed", udp4500(b"\x01\x02\x03"))
    frames.append(bytes(udp4500(bytes(4) + bytes(28))))   # non-ESP marker: IKE, punted
    res = lnsd.run_pcap(binary, wd, config(wd, "espdrop", [c], extra), frames, [])
    if not lnsd.check_run(checks, "drops", res):
        return
    for reason in sorted(want):
        checks.eq(f"drops.{reason}", res.drops().get(reason), want[reason], f"drops.{reason}")
    lnsd.check_drops(checks, "drops.no_other_drops", res, want, ignore=tuple(want))
    checks.eq("drops.ike_punted", res.punts().get("ike"), 1)
    checks.eq("drops.forwarded", res.stats.get("upstream", {}).get("packets"), len(fwd))
    rows = sa_rows(res)
    sd = rows.get(f"{c.name}-in", {}).get("drops", {})
    checks.eq("drops.sa_counters", {k: v for k, v in sd.items() if v},
              {"replay_duplicate": 1, "icv_mismatch": 1, "bad_padding": 1, "truncated": 1, "peer_mismatch": 1})
    checks.eq("drops.sa_replay_integrity", (rows.get(f"{c.name}-in", {}).get("replay_drops"),
                                            rows.get(f"{c.name}-in", {}).get("integrity_failures")), (1, 1))
    r = rows.get("short-in", {})
    checks.eq("drops.short_sa", (r.get("packets"), r.get("hard_expired"), r.get("drops", {}).get("hard_expired")),
              (2, True, 1))
    checks.eq("drops.natt_sa_wrong_sa", rows.get("natt-in", {}).get("drops", {}).get("wrong_sa"), 1)


# --------------------------------------------------------------------------- fragments
def run_frag(checks, binary, wd):
    """A protected session's path MTU leaves room for ESP; a downstream packet
    that still does not fit leaves as outer IPv4 fragments of the ESP packet
    (fragmented after encryption) that reassemble and decrypt to the L2TP
    message; with DF it is refused (down_too_big, ICMP punted)."""
    c = Combo(2, SUITES[2], "tunnel", False)          # AES-CBC + HMAC-SHA1, tunnel mode
    s = c.session()
    big = pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"frag:" + bytes(1420))      # 1453 bytes, no DF
    df = pkt.inner_v4_udp(topo.REMOTE4, s.ipv4, b"df:" + bytes(1420), flags=2)
    eth = pkt.mac_bytes(topo.PCAP_MAC_CORE) + pkt.mac_bytes(topo.CORE_GW_MAC) + b"\x08\x00"
    res = lnsd.run_pcap(binary, wd, config(wd, "espfrag", [c]), [], [eth + big, eth + df])
    if not lnsd.check_run(checks, "frag", res):
        return
    frags = [IP(pkt.eth_split(pkt.strip_eth_padding(f))[3]) for f in res.up_out]
    checks.eq("frag.fragments", [(f.dst, f.flags.MF, f.frag > 0, len(f) <= 1500) for f in frags],
              [(c.peer, 1, False, True), (c.peer, 0, True, True)])
    whole = defragment(frags)
    ok, why = False, f"{len(whole)} packets after reassembly"
    if len(whole) == 1:
        dec = c.scapy_sa(False).decrypt(IP(raw(whole[0])))
        d = pkt.decap_downstream(bytes(Ether(dst=c.peer_mac, src=res.access_mac) / dec))
        ok, why = d["inner"] == pkt.decrement_ttl(big), "decrypted inner packet differs"
    checks.check("frag.reassembled_decrypted", ok, why)
    checks.eq("frag.df_refused", (res.drops().get("down_too_big"), res.punts().get("too_big")), (1, 1))
    checks.eq("frag.fragmented", res.stats.get("other", {}).get("fragmented"), 1)


# --------------------------------------------------------------------------- signalled
def avp(attr, value, mandatory=True):
    return struct.pack("!HHH", (0x8000 if mandatory else 0) | (6 + len(value)), 0, attr) + value


def sccrq(lac_tunnel):
    """An SCCRQ (RFC 2661 §6.1) with the required AVPs."""
    body = (avp(0, struct.pack("!H", 1)) + avp(2, struct.pack("!BB", 1, 0)) +
            avp(3, struct.pack("!I", 3)) + avp(7, b"lac-esp") + avp(9, struct.pack("!H", lac_tunnel)))
    return struct.pack("!HHHHHH", 0xC802, 12 + len(body), 0, 0, 0, 0) + body


def run_signalled(checks, binary, wd):
    """An SCCRQ under ESP: the punt carries the SA, and the SCCRP leaves under the
    SA's reply_sa, to the peer, never in clear."""
    c = Combo(0, SUITES[1], "transport", True)   # GCM-256, transport over UDP 4500
    cfg = config(wd, "espsig", [c])
    cfg["sessions"] = []                          # signalled only
    clear = IP(raw(IP(src=c.lac, dst=topo.ACCESS_IP) / UDP(sport=1701, dport=1701) / Raw(sccrq(4242))))
    e = c.scapy_sa(True).encrypt(clear, seq_num=1)
    e[UDP].len = None
    e[UDP].chksum = 0
    res = lnsd.run_pcap(binary, wd, cfg, [bytes(Ether(src=c.peer_mac, dst=topo.PCAP_MAC_ACCESS) / e)], [])
    if not lnsd.check_run(checks, "signalled", res):
        return
    checks.eq("signalled.punted", res.punts().get("l2tp_control"), 1)
    replies, clear_out = [], []
    for f in res.up_out:
        try:
            seq, dec = decrypt_down(c, f)
            replies.append((seq, dec))
        except ValueError as ex:
            clear_out.append(str(ex))
    checks.eq("signalled.nothing_in_clear", clear_out, [])
    ok = False
    for seq, dec in replies:
        msg = bytes(dec[UDP].payload)
        # control header with L and S: tunnel id at 4; first AVP Message Type = 2 (SCCRP)
        if len(msg) >= 20 and msg[0] & 0x80 and struct.unpack_from("!H", msg, 4)[0] == 4242 \
                and struct.unpack_from("!HHHH", msg, 12)[2:] == (0, 2):
            ok = True
    checks.check("signalled.sccrp_under_reply_sa", ok, f"{len(replies)} ESP frames, none an SCCRP to tunnel 4242")
    checks.eq("signalled.control", {k: res.control().get(k) for k in ("l2tp_esp_replies", "l2tp_esp_no_reply_sa")},
              {"l2tp_esp_replies": len(replies), "l2tp_esp_no_reply_sa": 0})


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("esp")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    with lnsd.WorkDir("esp", args.keep) as wd:
        checks.guard("interop", run_interop, checks, binary, wd.sub("interop"))
        checks.guard("drops", run_drops, checks, binary, wd.sub("drops"))
        checks.guard("signalled", run_signalled, checks, binary, wd.sub("signalled"))
        checks.guard("frag", run_frag, checks, binary, wd.sub("frag"))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
