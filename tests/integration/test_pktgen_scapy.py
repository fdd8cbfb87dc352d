#!/usr/bin/python3
"""Checks lns-pktgen's output byte by byte against scapy and an independent model.

For configs covering every L2TP data framing variant (plain, L, S, O, ACFC, PFC,
all at once), IPv6 shares, downstream traffic and random order, it runs
lns-pktgen, reads the pcap with scapy and verifies every field: pcap headers,
Ethernet, outer IPv4 (checksum), UDP, L2TP header (flags, length, ids, Ns/Nr,
offset padding), PPP header, inner IPv4/IPv6 + UDP (checksums, sizes, payload).

Usage: /usr/bin/python3 test_pktgen_scapy.py --build-dir BUILD [--pktgen PATH] [--keep]
Prints "N passed, N failed"; exit status 1 when anything failed.
"""
import argparse
import ipaddress
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback

from scapy.all import Ether, IP, IPv6, UDP, raw, rdpcap  # noqa: E402
from scapy.layers.l2tp import L2TP  # noqa: E402

PCAP_MAC0 = "02:70:63:61:70:00"
PCAP_MAC1 = "02:70:63:61:70:01"
LNS_ACCESS = "203.0.113.1"
REMOTE4 = "198.51.100.9"
REMOTE6 = "2001:db8:ff00::9"
GW_MAC = "02:00:00:00:00:fe"

BASE_CONFIG = """\
eal: {{no_huge: true, memory_mb: 1024, file_prefix: pktgen-test, no_pci: true}}
control_lcore: 0
ports:
  - {{name: access0, device: "net_pcap0,rx_pcap=/dev/null", role: access, ipv4: 203.0.113.1/24}}
  - {{name: core0, device: "{core_dev}", role: core, ipv4: 198.51.100.1/24, gateway4: 198.51.100.254}}
{extra_ports}workers:
  - lcore: 1
    rx: [{{port: access0, queue: 0}}, {{port: core0, queue: 0}}{extra_rx}]
neighbors:
  - {{port: core0, ipv4: 198.51.100.254, mac: "{gw_mac}"}}
{extra_neigh}sessions:
{sessions}"""

SESSION = """\
  - name: {name}
    port: {port}
    count: {count}
    sessions_per_tunnel: {spt}
    local_tunnel_id: {ltid}
    local_session_id: {lsid}
    remote_tunnel_id: {rtid}
    remote_session_id: {rsid}
    lac_address: {lac}
    lac_port: {lac_port}
{addr}    framing: {{sequencing: {seq}, length: {length}, offset: {offset}, acfc: {acfc}, pfc: {pfc}}}
"""


class Block:
    def __init__(self, name, count=7, spt=3, ltid=10, lsid=20, rtid=1000, rsid=2000,
                 lac="203.0.113.2", lac_port=1701, ipv4="100.64.0.1",
                 ipv6="2001:db8:1000::/64", seq=False, length=False, offset=0,
                 acfc=False, pfc=False, port="access0"):
        self.__dict__.update(locals())
        del self.__dict__["self"]

    def yaml(self):
        addr = ""
        if self.ipv4:
            addr += f"    ipv4: {self.ipv4}\n"
        if self.ipv6:
            addr += f"    ipv6_prefix: {self.ipv6}\n"
        b = lambda v: "true" if v else "false"  # noqa: E731
        return SESSION.format(name=self.name, port=self.port, count=self.count, spt=self.spt,
                              ltid=self.ltid, lsid=self.lsid, rtid=self.rtid, rsid=self.rsid,
                              lac=self.lac, lac_port=self.lac_port, addr=addr, seq=b(self.seq),
                              length=b(self.length), offset=self.offset, acfc=b(self.acfc),
                              pfc=b(self.pfc))

    def instances(self):
        """Independent model of the CONTRACT's block expansion."""
        out = []
        for i in range(self.count):
            t, k = divmod(i, self.spt)
            v4 = str(ipaddress.IPv4Address(self.ipv4) + i) if self.ipv4 else None
            v6 = None
            if self.ipv6:
                net = ipaddress.IPv6Network(self.ipv6)
                step = 1 << (128 - net.prefixlen)
                v6 = str(ipaddress.IPv6Address(int(net.network_address) + i * step + 1))
            out.append(dict(block=self, ltid=self.ltid + t, lsid=self.lsid + k, v4=v4, v6=v6))
        return out


def lac_mac(lac):
    b = ipaddress.IPv4Address(lac).packed
    return "02:1a:" + ":".join(f"{x:02x}" for x in b)


class Ctx:
    def __init__(self, pktgen, tmp):
        self.pktgen = pktgen
        self.tmp = tmp
        self.passed = 0
        self.failed = 0

    def write_config(self, name, blocks, core_dev="net_null0,no-rx=1", extra_ports="",
                     extra_neigh="", extra_rx=""):
        path = os.path.join(self.tmp, name + ".yaml")
        with open(path, "w") as f:
            f.write(BASE_CONFIG.format(core_dev=core_dev, extra_ports=extra_ports,
                                       extra_neigh=extra_neigh, extra_rx=extra_rx, gw_mac=GW_MAC,
                                       sessions="".join(b.yaml() for b in blocks)))
        return path

    def gen(self, cfg, out, *args):
        cmd = [self.pktgen, "-c", cfg, "--out", out, "--quiet", *map(str, args)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}: {r.stderr}")
        return out

    def case(self, name, fn):
        try:
            fn()
            self.passed += 1
            print(f"PASS {name}")
        except Exception:  # noqa: BLE001 - report and continue
            self.failed += 1
            print(f"FAIL {name}")
            traceback.print_exc(limit=4, file=sys.stdout)


def eq(what, got, want):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def check_pcap_headers(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, vmaj, vmin, zone, sigfigs, snap, link = struct.unpack("<IHHiIII", data[:24])
    eq("pcap magic", magic, 0xA1B2C3D4)
    eq("pcap version", (vmaj, vmin), (2, 4))
    eq("pcap zone/sigfigs", (zone, sigfigs), (0, 0))
    eq("pcap snaplen", snap, 65535)
    eq("pcap linktype", link, 1)
    off, n, last_ts = 24, 0, None
    while off < len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        eq("record incl==orig", incl, orig)
        if usec >= 1000000:
            raise AssertionError("usec out of range")
        ts = sec * 1000000 + usec
        if last_ts is not None and ts < last_ts:
            raise AssertionError("timestamps go backwards")
        last_ts = ts
        off += 16 + incl
        n += 1
    eq("pcap ends on a record boundary", off, len(data))
    return n


def check_inner(inner_bytes, want_v6, src, dst, size):
    if want_v6:
        eq("inner version", inner_bytes[0] >> 4, 6)
        ip = IPv6(inner_bytes)
        eq("inner size", len(inner_bytes), max(size, 48))
        eq("ipv6 plen", ip.plen, len(inner_bytes) - 40)
        eq("ipv6 nh", ip.nh, 17)
        eq("ipv6 hlim", ip.hlim, 64)
        eq("ipv6 tc", ip.tc, 0)
        eq("ipv6 src", ip.src, src)
        eq("ipv6 dst", ip.dst, dst)
    else:
        eq("inner version", inner_bytes[0] >> 4, 4)
        ip = IP(inner_bytes)
        eq("inner size", len(inner_bytes), size)
        eq("ipv4 len", ip.len, size)
        eq("ipv4 ihl", ip.ihl, 5)
        eq("ipv4 tos", ip.tos, 0)
        eq("ipv4 flags/frag", (int(ip.flags), ip.frag), (0, 0))
        eq("ipv4 ttl", ip.ttl, 64)
        eq("ipv4 proto", ip.proto, 17)
        eq("ipv4 src", ip.src, src)
        eq("ipv4 dst", ip.dst, dst)
        c = ip.copy()
        c.chksum = None
        eq("inner ipv4 checksum", ip.chksum, IP(raw(c)).chksum)
    udp = ip[UDP]
    eq("inner udp len", udp.len, len(raw(udp)))
    c = ip.copy()
    c[UDP].chksum = None
    want = (IPv6 if want_v6 else IP)(raw(c))[UDP].chksum
    eq("inner udp checksum", udp.chksum, want)
    payload = bytes(udp.payload)
    eq("payload pattern", payload, bytes(j & 0xFF for j in range(len(payload))))


def check_upstream(path, blocks, size, count, order_seq=True, v6_share=0, dst_mac=PCAP_MAC0,
                   src_macs=None, lns_addrs=None):
    """Verifies every upstream packet; returns the list of session indices seen."""
    sessions = [s for b in blocks for s in b.instances()]
    eq("record count", check_pcap_headers(path), count)
    pkts = rdpcap(path)
    ns_next = {}
    seen = []
    for k, p in enumerate(pkts):
        e = p[Ether]
        # Identify the session from the L2TP ids (the only thing random order changes).
        frame = raw(p)
        ip = p[IP]
        l2 = frame[14 + 20 + 8:]
        flags = struct.unpack("!H", l2[:2])[0]
        o = 2 + (2 if flags & 0x4000 else 0)
        tid, sid = struct.unpack("!HH", l2[o:o + 4])
        cand = [i for i, s in enumerate(sessions)
                if s["ltid"] == tid and s["lsid"] == sid and s["block"].lac == ip.src]
        eq(f"pkt {k}: matching sessions", len(cand), 1)
        idx = cand[0]
        if order_seq:
            eq(f"pkt {k}: session (seq order)", idx, k % len(sessions))
        seen.append(idx)
        s = sessions[idx]
        b = s["block"]
        # Ethernet
        eq("eth dst", e.dst, dst_mac)
        eq("eth src", e.src, (src_macs or {}).get(b.lac, lac_mac(b.lac)))
        eq("ethertype", e.type, 0x0800)
        # outer IPv4
        eq("outer ihl", ip.ihl, 5)
        eq("outer version", ip.version, 4)
        eq("outer tos", ip.tos, 0)
        eq("outer len", ip.len, len(frame) - 14)
        eq("outer id", ip.id, k & 0xFFFF)
        eq("outer flags/frag", (int(ip.flags), ip.frag), (0, 0))
        eq("outer ttl", ip.ttl, 64)
        eq("outer proto", ip.proto, 17)
        eq("outer src", ip.src, b.lac)
        eq("outer dst", ip.dst, (lns_addrs or {}).get(b.port, LNS_ACCESS))
        c = ip.copy()
        c.chksum = None
        eq("outer checksum", ip.chksum, IP(raw(c)).chksum)
        # UDP
        u = p[UDP]
        eq("udp sport", u.sport, b.lac_port)
        eq("udp dport", u.dport, 1701)
        eq("udp len", u.len, len(frame) - 14 - 20)
        eq("udp checksum", u.chksum, 0)
        # L2TP header, decoded by hand (RFC 2661 3.1)
        eq("T bit", flags & 0x8000, 0)
        eq("L bit", bool(flags & 0x4000), b.length)
        eq("S bit", bool(flags & 0x0800), b.seq)
        eq("O bit", bool(flags & 0x0200), b.offset > 0)
        eq("reserved bits + P", flags & 0x35F0, 0)
        eq("version", flags & 0x000F, 2)
        off = 2
        if b.length:
            eq("L2TP Length", struct.unpack("!H", l2[2:4])[0], len(l2))
            off += 2
        off += 4
        if b.seq:
            ns, nr = struct.unpack("!HH", l2[off:off + 4])
            eq("Ns", ns, ns_next.get(idx, 0))
            ns_next[idx] = (ns + 1) & 0xFFFF
            eq("Nr", nr, 0)
            off += 4
        if b.offset:
            osz = struct.unpack("!H", l2[off:off + 2])[0]
            eq("Offset Size", osz, b.offset)
            eq("offset padding", l2[off + 2:off + 2 + osz], bytes(osz))
            off += 2 + osz
        # Cross-check with scapy's L2TP layer where it decodes the header fully.
        if not b.offset:
            sl = p[L2TP]
            eq("scapy tunnel_id", sl.tunnel_id, s["ltid"])
            eq("scapy session_id", sl.session_id, s["lsid"])
            eq("scapy version", sl.version, 2)
        # PPP
        if not b.acfc:
            eq("PPP address/control", l2[off:off + 2], b"\xff\x03")
            off += 2
        else:
            if l2[off] == 0xFF:
                raise AssertionError("FF 03 present despite ACFC")
        is_v6 = (l2[off + (1 if b.pfc else 2)] >> 4) == 6
        proto = 0x57 if is_v6 else 0x21
        if b.pfc:
            eq("PPP protocol (PFC)", l2[off], proto)
            off += 1
        else:
            eq("PPP protocol", struct.unpack("!H", l2[off:off + 2])[0], proto)
            off += 2
        want_v6 = s["v6"] is not None and (s["v4"] is None or
                                            ((k + 1) * v6_share) // 100 > (k * v6_share) // 100)
        eq("inner family", is_v6, want_v6)
        src = s["v6"] if want_v6 else s["v4"]
        dst = REMOTE6 if want_v6 else REMOTE4
        check_inner(l2[off:], want_v6, src, dst, size)
    return seen


def check_downstream(path, blocks, size, count, v6_share=0, dst_mac=PCAP_MAC1, src_mac=GW_MAC):
    sessions = [s for b in blocks for s in b.instances()]
    eq("record count", check_pcap_headers(path), count)
    for k, p in enumerate(rdpcap(path)):
        s = sessions[k % len(sessions)]
        want_v6 = s["v6"] is not None and (s["v4"] is None or
                                            ((k + 1) * v6_share) // 100 > (k * v6_share) // 100)
        e = p[Ether]
        eq("eth dst", e.dst, dst_mac)
        eq("eth src", e.src, src_mac)
        eq("ethertype", e.type, 0x86DD if want_v6 else 0x0800)
        frame = raw(p)
        dst = s["v6"] if want_v6 else s["v4"]
        check_inner(frame[14:], want_v6, REMOTE6 if want_v6 else REMOTE4, dst, size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--pktgen")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    pktgen = a.pktgen or os.path.join(a.build_dir, "lns-pktgen")
    if not os.access(pktgen, os.X_OK):
        print(f"lns-pktgen not found at {pktgen}")
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="pktgen-test-")
    ctx = Ctx(pktgen, tmp)
    try:
        variants = {
            "plain": {},
            "length": dict(length=True),
            "sequencing": dict(seq=True),
            "offset4": dict(offset=4),
            "offset1": dict(offset=1),
            "acfc": dict(acfc=True),
            "pfc": dict(pfc=True),
            "all": dict(seq=True, length=True, offset=3, acfc=True, pfc=True),
        }
        for vname, fr in variants.items():
            for size in (28, 64, 1400):
                def run(vname=vname, fr=fr, size=size):
                    blocks = [Block("b", **fr)]
                    cfg = ctx.write_config(f"up-{vname}", blocks)
                    out = ctx.gen(cfg, os.path.join(tmp, f"up-{vname}-{size}.pcap"),
                                  "--direction", "up", "--inner-size", size, "--count", 20)
                    check_upstream(out, blocks, size, 20)
                ctx.case(f"upstream framing={vname} inner={size}", run)

        def ipv6_mix():
            blocks = [Block("b", seq=True, length=True),
                      Block("v6only", ipv4=None, ipv6="2001:db8:2000::/56", ltid=50, lsid=1,
                            pfc=True, acfc=True, lac="203.0.113.3", lac_port=40000),
                      Block("v4only", ipv6=None, ipv4="100.65.0.10", ltid=60, lsid=1,
                            offset=2, lac="203.0.113.7")]
            cfg = ctx.write_config("mix", blocks, extra_neigh=(
                '  - {port: access0, ipv4: 203.0.113.7, mac: "02:aa:bb:cc:dd:ee"}\n'))
            for share in (0, 30, 50, 100):
                out = ctx.gen(cfg, os.path.join(tmp, f"mix-{share}.pcap"), "--inner-size", 64,
                              "--count", 200, "--ipv6-share", share)
                check_upstream(out, blocks, 64, 200, v6_share=share,
                               src_macs={"203.0.113.7": "02:aa:bb:cc:dd:ee"})
        ctx.case("upstream three blocks, ipv6 share 0/30/50/100, static LAC neighbour MAC", ipv6_mix)

        def second_access_port():
            blocks = [Block("b"), Block("c", port="access1", ltid=70, lsid=1, lac="192.0.2.66",
                                    ipv4="100.66.0.1", ipv6="2001:db8:3000::/64")]
            cfg = ctx.write_config("twoports", blocks, extra_ports=(
                '  - {name: access1, device: "net_pcap1,rx_pcap=/dev/null", role: access, '
                'ipv4: 192.0.2.1/24}\n'), extra_rx=", {port: access1, queue: 0}")
            out = ctx.gen(cfg, os.path.join(tmp, "twoports.pcap"), "--count", 30)
            # Ethernet dst differs per port; check block by block via --dst-mac override too.
            pk = rdpcap(out)
            for k, p in enumerate(pk):
                want = PCAP_MAC0 if p[IP].src == "203.0.113.2" else PCAP_MAC1
                eq("per-port pcap MAC", p[Ether].dst, want)
            out2 = ctx.gen(cfg, os.path.join(tmp, "twoports-mac.pcap"), "--count", 30,
                           "--dst-mac", "02:11:22:33:44:55", "--src-mac", "02:66:77:88:99:aa")
            check_upstream(out2, blocks, 64, 30, dst_mac="02:11:22:33:44:55",
                           src_macs={"203.0.113.2": "02:66:77:88:99:aa",
                                     "192.0.2.66": "02:66:77:88:99:aa"},
                           lns_addrs={"access1": "192.0.2.1"})
        ctx.case("two access ports: per-port MAC and address; --dst-mac/--src-mac", second_access_port)

        for size in (28, 64, 1400):
            def down(size=size):
                blocks = [Block("b", count=9, spt=4)]
                cfg = ctx.write_config("down", blocks, core_dev="net_pcap1,rx_pcap=/dev/null")
                for share in (0, 50):
                    out = ctx.gen(cfg, os.path.join(tmp, f"down-{size}-{share}.pcap"),
                                  "--direction", "down", "--inner-size", size, "--count", 40,
                                  "--ipv6-share", share)
                    check_downstream(out, blocks, size, 40, v6_share=share)
            ctx.case(f"downstream inner={size} ipv6 share 0/50", down)

        def random_order():
            blocks = [Block("b", count=50, spt=10, seq=True)]
            cfg = ctx.write_config("rnd", blocks)
            o1 = ctx.gen(cfg, os.path.join(tmp, "r1.pcap"), "--order", "random", "--seed", 7,
                         "--count", 2000)
            o2 = ctx.gen(cfg, os.path.join(tmp, "r2.pcap"), "--order", "random", "--seed", 7,
                         "--count", 2000)
            o3 = ctx.gen(cfg, os.path.join(tmp, "r3.pcap"), "--order", "random", "--seed", 8,
                         "--count", 2000)
            with open(o1, "rb") as f1, open(o2, "rb") as f2, open(o3, "rb") as f3:
                d1, d2, d3 = f1.read(), f2.read(), f3.read()
            eq("same seed, same file", d1 == d2, True)
            eq("other seed, other file", d1 == d3, False)
            seen = check_upstream(o1, blocks, 64, 2000, order_seq=False)
            counts = [seen.count(i) for i in range(50)]
            # 40 expected per session; a uniform draw stays well within 10..80.
            if min(counts) < 10 or max(counts) > 80:
                raise AssertionError(f"not uniform: min {min(counts)} max {max(counts)}")
        ctx.case("random order: deterministic per seed, uniform, Ns per session", random_order)

        def errors():
            blocks = [Block("b")]
            cfg = ctx.write_config("err", blocks)
            for bad in (["--inner-size", "27"], ["--direction", "sideways"],
                        ["--order", "shuffled"], ["--ipv6-share", "101"], ["--dst-mac", "zz"]):
                r = subprocess.run([pktgen, "-c", cfg, "--out", os.path.join(tmp, "x.pcap"), *bad],
                                   capture_output=True, text=True, timeout=30)
                if r.returncode == 0:
                    raise AssertionError(f"{bad} accepted")
            cfg2 = ctx.write_config("nonpcap", blocks, core_dev="net_null0,no-rx=1")
            r = subprocess.run([pktgen, "-c", cfg2, "--out", os.path.join(tmp, "x.pcap"),
                                "--direction", "down"], capture_output=True, text=True, timeout=30)
            if r.returncode == 0:
                raise AssertionError("downstream to a non-pcap core port without --dst-mac accepted")
        ctx.case("bad options are refused", errors)

        def speed():
            blocks = [Block("b", count=65536, spt=1000, ltid=1, lsid=1, ipv4="100.64.0.1")]
            cfg = ctx.write_config("speed", blocks)
            t = time.monotonic()
            out = ctx.gen(cfg, os.path.join(tmp, "speed.pcap"), "--count", 1000000,
                          "--order", "random", "--inner-size", 64)
            dt = time.monotonic() - t
            print(f"  1M upstream packets in {dt:.2f} s")
            eq("1M records", os.path.getsize(out), 24 + 1000000 * (16 + 14 + 20 + 8 + 6 + 4 + 64))
            if dt > 10:
                raise AssertionError(f"too slow: {dt:.1f} s for 1M packets")
            os.unlink(out)
        ctx.case("1M packets in a few seconds", speed)
    finally:
        if a.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{ctx.passed} passed, {ctx.failed} failed")
    return 0 if ctx.failed == 0 and ctx.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
