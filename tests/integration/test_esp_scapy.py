#!/usr/bin/python3
"""Interop test: lnsd's ESP engine (crypto/esp.hpp, driven through the test helper
lns-esp-tool) against scapy's independent ESP (scapy.layers.ipsec, Debian 2.5).

For every algorithm lnsd offers (AES-GCM-128/256, AES-CBC-128/256 with
HMAC-SHA1-96 or HMAC-SHA-256-128, 3DES-CBC with HMAC-SHA1-96), in transport
mode, tunnel mode, and both over UDP 4500 (NAT-T, RFC 3948), with and without
extended sequence numbers, and for several payload sizes:
  - scapy encrypts, lnsd decrypts: lnsd gives back the original packet (in
    transport mode over NAT-T with the inner UDP checksum zeroed, RFC 3948
    §3.1.2);
  - lnsd encrypts, scapy decrypts (verifying the ICV): scapy gives back the
    original packet; the outer headers are what the RFCs say (protocol 50 or
    UDP 4500 -> the peer's port with checksum 0, tunnel endpoints, SPI, the
    sequence number).
  - tshark (Wireshark 4.0), given the SA, decrypts what lnsd sent (non-ESN) and
    finds every ICV good.
No root, no network: packets go through pipes and a temporary pcap.

scapy 2.5 leaves the high 32 sequence-number bits out of the HMAC of ESP with
ESN (it appends them for AH only), against RFC 4303 §2.2.1/§3.3.2.1.  For
CBC+HMAC with ESN this test therefore checks lnsd's ICV with Python's own hmac
over ESP header..trailer || seq_hi, and swaps ICVs between the two conventions
so that scapy still does the decryption (its GCM with ESN follows RFC 4106 §5
and needs no help).

Usage: /usr/bin/python3 test_esp_scapy.py --build-dir BUILD [--tool PATH]
Prints "N passed, N failed"; exit status 1 when anything failed.
"""
import argparse
import hashlib
import hmac
import os
import shutil
import struct
import tempfile
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))

import harness  # noqa: E402
from scapy.all import IP, UDP, Ether, Raw, raw, wrpcap  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

LNS = "198.51.100.1"
PEER = "203.0.113.2"
INNER_LNS = "10.9.0.1"
INNER_PEER = "10.9.0.2"
PEER_NATT_PORT = 31000

# (lnsd cipher, lnsd integrity, scapy crypt algo, scapy auth algo, key len, auth key len)
SUITES = [
    ("aes_gcm_128", "none", "AES-GCM", "NULL", 16, 0),
    ("aes_gcm_256", "none", "AES-GCM", "NULL", 32, 0),
    ("aes_cbc_128", "hmac_sha1_96", "AES-CBC", "HMAC-SHA1-96", 16, 20),
    ("aes_cbc_256", "hmac_sha1_96", "AES-CBC", "HMAC-SHA1-96", 32, 20),
    ("aes_cbc_128", "hmac_sha256_128", "AES-CBC", "SHA2-256-128", 16, 32),
    ("aes_cbc_256", "hmac_sha256_128", "AES-CBC", "SHA2-256-128", 32, 32),
    ("des3_cbc", "hmac_sha1_96", "3DES", "HMAC-SHA1-96", 24, 20),
]
MODES = [("transport", False), ("tunnel", False), ("transport", True), ("tunnel", True)]
SIZES = [1, 30, 200, 1400]
ESN_HIGH = 1  # with ESN, sequence numbers 2^32 + n


def keys(suite, spi):
    _, _, _, _, klen, alen = suite
    key = bytes((spi * 7 + i * 31) & 0xFF for i in range(klen))
    salt = bytes([0x5A, 0x17, spi & 0xFF, 0x99])
    auth = bytes((0x40 + i * 3) & 0xFF for i in range(alen))
    return key, salt, auth


def esn_hmac(suite):
    return suite[1] != "none" and suite[2] != "AES-GCM"


def icv_len(suite):
    return {"none": 16, "hmac_sha1_96": 12, "hmac_sha256_128": 16}[suite[1]]


def hmac_icv(suite, auth, data):
    digest = hashlib.sha1 if suite[1] == "hmac_sha1_96" else hashlib.sha256
    return hmac.new(auth, data, digest).digest()[:icv_len(suite)]


def swap_icv(suite, auth, pkt, natt, add_hi):
    """pkt (bytes) with its ICV recomputed over ESP || seq_hi (add_hi) or ESP alone."""
    off, n = 28 if natt else 20, icv_len(suite)
    data = pkt[off:-n] + (struct.pack("!L", ESN_HIGH) if add_hi else b"")
    return pkt[:-n] + hmac_icv(suite, auth, data)


def scapy_sa(suite, spi, mode, natt, esn, to_lns):
    key, salt, auth = keys(suite, spi)
    crypt_key = key + salt if suite[2] == "AES-GCM" else key
    kw = {}
    if mode == "tunnel":
        kw["tunnel_header"] = IP(src=PEER, dst=LNS) if to_lns else IP(src=LNS, dst=PEER)
    if natt:
        kw["nat_t_header"] = (UDP(sport=PEER_NATT_PORT, dport=4500) if to_lns
                              else UDP(sport=4500, dport=PEER_NATT_PORT))
    if esn:
        kw["esn_en"] = True
        kw["esn"] = ESN_HIGH
    return SecurityAssociation(ESP, spi=spi, crypt_algo=suite[2], crypt_key=crypt_key,
                               auth_algo=suite[3], auth_key=auth if auth else None, **kw)


def tool_input(suite, spi, mode, natt, esn, direction, seq, packets):
    key, salt, auth = keys(suite, spi)
    lines = [f"dir {direction}", f"cipher {suite[0]}", f"integ {suite[1]}", f"key {key.hex()}",
             f"spi {spi}", f"mode {mode}", f"esn {1 if esn else 0}", f"seq {seq}"]
    if suite[2] == "AES-GCM":
        lines.append(f"salt {salt.hex()}")
    if auth:
        lines.append(f"authkey {auth.hex()}")
    if mode == "tunnel":
        lines.append(f"tunnel {LNS} {PEER}" if direction == "out" else f"tunnel {PEER} {LNS}")
    if natt:
        lines.append(f"natt {PEER_NATT_PORT}")
    lines += [f"packet {p.hex()}" for p in packets]
    return "\n".join(lines) + "\n"


def run_tool(tool, text):
    out = subprocess.run([tool], input=text, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"lns-esp-tool exit {out.returncode}: {out.stderr.strip()}")
    return out.stdout.split("\n")[:-1]


def inner_packet(mode, size, to_lns):
    payload = Raw(bytes((0xC8 + i) & 0xFF for i in range(size)))
    if mode == "tunnel":  # a LAC's L2TP packet inside the tunnel
        src, dst = (INNER_PEER, INNER_LNS) if to_lns else (INNER_LNS, INNER_PEER)
    else:
        src, dst = (PEER, LNS) if to_lns else (LNS, PEER)
    return IP(raw(IP(src=src, dst=dst, id=0x4242, ttl=61) / UDP(sport=1701, dport=1701) / payload))


def scapy_to_lnsd(checks, tool, suite, mode, natt, esn, name):
    spi = 0x3000 + SUITES.index(suite)
    sa = scapy_sa(suite, spi, mode, natt, esn, to_lns=True)
    origs, wire = [], []
    for n, size in enumerate(SIZES, start=1):
        p = inner_packet(mode, size, to_lns=True)
        e = sa.encrypt(p, seq_num=n)
        if natt:
            e[UDP].len = None
        origs.append(p)
        w = raw(e)
        if esn and esn_hmac(suite):
            w = swap_icv(suite, keys(suite, spi)[2], w, natt, add_hi=True)
        wire.append(w)
    wire.append(wire[0])  # the first packet again: a replay
    seq = (ESN_HIGH << 32) if esn else 0
    res = run_tool(tool, tool_input(suite, spi, mode, natt, esn, "in", seq, wire))
    checks.eq(f"{name}.in.count", len(res), len(wire))
    for i, p in enumerate(origs):
        want = p
        if mode == "transport" and natt:  # RFC 3948 §3.1.2 without NAT-OA
            want = p.copy()
            want[UDP].chksum = 0
            want = IP(raw(want))
        r = res[i] if i < len(res) else ""
        same_hex(checks, f"{name}.in.{SIZES[i]}", r, "ok " + raw(want).hex())
    checks.eq(f"{name}.in.replay", res[-1] if res else "", "drop replay_duplicate")


def same_hex(checks, name, got, want):
    """got == want for long hex strings; a failure shows where they part."""
    if got == want:
        return checks.check(name, True)
    at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    return checks.fail(name, f"differ at hex offset {at}: got ...{got[max(0, at - 8):at + 24]}... "
                             f"(len {len(got)}), want ...{want[max(0, at - 8):at + 24]}... (len {len(want)})")


def check_outer(checks, name, e, spi, seq, mode, natt):
    ip = e[IP]
    checks.eq(f"{name}.outer.addr", (ip.src, ip.dst), (LNS, PEER))
    hdr = raw(ip)[:20]
    checks.eq(f"{name}.outer.chksum", sum(struct.unpack("!10H", hdr)) % 0xFFFF, 0)
    if natt:
        checks.eq(f"{name}.outer.udp", (ip.proto, e[UDP].sport, e[UDP].dport, e[UDP].chksum),
                  (17, 4500, PEER_NATT_PORT, 0))
        esp_bytes = raw(e[UDP].payload)
    else:
        checks.eq(f"{name}.outer.proto", ip.proto, 50)
        esp_bytes = raw(ip.payload)
    checks.eq(f"{name}.outer.spi_seq", (int.from_bytes(esp_bytes[0:4], "big"),
                                         int.from_bytes(esp_bytes[4:8], "big")),
              (spi, seq & 0xFFFFFFFF))
    return esp_bytes


def lnsd_to_scapy(checks, tool, suite, mode, natt, esn, name):
    spi = 0x5000 + SUITES.index(suite)
    origs = [inner_packet(mode, size, to_lns=False) for size in SIZES]
    first = (ESN_HIGH << 32) if esn else 0
    res = run_tool(tool, tool_input(suite, spi, mode, natt, esn, "out", first,
                                    [raw(p) for p in origs]))
    checks.eq(f"{name}.out.count", len(res), len(origs))
    sa = scapy_sa(suite, spi, mode, natt, esn, to_lns=False)
    for i, p in enumerate(origs):
        tag = f"{name}.out.{SIZES[i]}"
        if i >= len(res) or not res[i].startswith("ok "):
            checks.fail(tag, f"lnsd: {res[i] if i < len(res) else 'no output'}")
            continue
        b = bytes.fromhex(res[i][3:])
        if esn and esn_hmac(suite):  # RFC 4303 ICV, checked here, then scapy's convention
            auth = keys(suite, spi)[2]
            checks.check(tag + ".esn_icv", swap_icv(suite, auth, b, natt, add_hi=True) == b)
            b = swap_icv(suite, auth, b, natt, add_hi=False)
        e = IP(b)
        check_outer(checks, tag, e, spi, first + i + 1, mode, natt)
        if natt:
            e = IP(raw(e))
        d = checks.guard(tag + ".decrypt", sa.decrypt, e.copy())
        if d is not None:
            same_hex(checks, tag, raw(d).hex(), raw(p).hex())


TSHARK_CRYPT = {"aes_gcm_128": "AES-GCM with 16 octet ICV [RFC4106]",
                "aes_gcm_256": "AES-GCM with 16 octet ICV [RFC4106]",
                "aes_cbc_128": "AES-CBC [RFC3602]", "aes_cbc_256": "AES-CBC [RFC3602]",
                "des3_cbc": "TripleDES-CBC [RFC2451]"}
TSHARK_AUTH = {"none": "NULL", "hmac_sha1_96": "HMAC-SHA-1-96 [RFC2404]",
               "hmac_sha256_128": "HMAC-SHA-256-128 [RFC4868]"}


def tshark_verifies(checks, tool, suite, mode, natt, name, tmp):
    """tshark decrypts lnsd's ESP and checks every ICV (issue 5, item 9)."""
    spi = 0x7000 + SUITES.index(suite)
    origs = [inner_packet(mode, size, to_lns=False) for size in SIZES]
    res = run_tool(tool, tool_input(suite, spi, mode, natt, False, "out", 0, [raw(p) for p in origs]))
    pkts = [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(bytes.fromhex(r[3:]))
            for r in res if r.startswith("ok ")]
    checks.eq(f"{name}.tshark.sent", len(pkts), len(origs))
    pcap = os.path.join(tmp, name + ".pcap")
    wrpcap(pcap, pkts)
    key, salt, auth = keys(suite, spi)
    ckey = key + salt if suite[0].startswith("aes_gcm") else key
    sa = (f'"IPv4","{LNS}","{PEER}","0x{spi:08x}","{TSHARK_CRYPT[suite[0]]}","0x{ckey.hex()}",'
          f'"{TSHARK_AUTH[suite[1]]}","{"0x" + auth.hex() if auth else ""}"')
    out = subprocess.run(["tshark", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE",
                          "-o", "esp.enable_authentication_check:TRUE", "-o", f"uat:esp_sa:{sa}",
                          "-T", "fields", "-e", "esp.icv_good", "-e", "esp.icv_bad",
                          "-e", "udp.srcport", "-e", "udp.length"],
                         capture_output=True, text=True, timeout=60)
    lines = out.stdout.strip().split("\n")
    checks.eq(f"{name}.tshark.frames", len(lines), len(pkts), out.stderr.strip()[:200])
    good = [ln.split("\t")[0] for ln in lines]
    checks.eq(f"{name}.tshark.icv_good", good, ["1"] * len(pkts))
    # The decrypted inner UDP (1701 -> 1701) is visible: the last udp.srcport.
    inner = [ln.split("\t")[2].split(",")[-1] if len(ln.split("\t")) > 2 else "" for ln in lines]
    checks.eq(f"{name}.tshark.decrypted", inner, ["1701"] * len(pkts))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--tool", help="lns-esp-tool (default BUILD/tests/lns-esp-tool)")
    args = ap.parse_args()
    tool = args.tool or os.path.join(os.path.abspath(args.build_dir), "tests", "lns-esp-tool")
    checks = harness.Checks("esp_scapy")
    if not os.access(tool, os.X_OK):
        checks.fail("tool", f"{tool} not found")
        return checks.finish()
    for suite in SUITES:
        for mode, natt in MODES:
            for esn in (False, True):
                name = f"{suite[0]}_{suite[1]}_{mode}{'_natt' if natt else ''}{'_esn' if esn else ''}"
                checks.guard(name + ".in", scapy_to_lnsd, checks, tool, suite, mode, natt, esn, name)
                checks.guard(name + ".out", lnsd_to_scapy, checks, tool, suite, mode, natt, esn, name)
    if shutil.which("tshark"):
        tmp = tempfile.mkdtemp(prefix="lns-esp-")
        try:
            for suite in SUITES:
                for mode, natt in MODES:
                    name = f"{suite[0]}_{suite[1]}_{mode}{'_natt' if natt else ''}"
                    checks.guard(name + ".tshark", tshark_verifies, checks, tool, suite, mode, natt,
                                 name, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        checks.fail("tshark", "tshark not installed")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
