#!/usr/bin/python3
"""Traffic agents run inside the test's network namespaces (ip netns exec NS ...).

  lac  : a LAC on a kernel UDP socket (LAC_IP:1701).  Sends one warm-up L2TP data
         message, waits, then N more (static sessions, PPP/IPv4/UDP built with the
         hand-written encoder of tests/golden/lib/pkt.py), then receives the
         downstream L2TP messages and decodes them.  Prints one JSON object.
  core : a host on the core link on a kernel UDP socket (CORE_HOST:5000).  Receives
         the subscribers' datagrams (with their TTL), then sends one warm-up and N
         datagrams to the subscriber addresses.  Prints one JSON object.
  ping : one ICMP echo over a raw socket (there is no ping binary); exit 0 on reply.
Every loop is bounded by a count and a deadline.  Progress lines go to stderr.
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "golden", "lib"))

import pkt  # noqa: E402

UP_DPORT = 5000
DOWN_DPORT = 6000


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class ArpSniffer:
    """Records the ARP requests seen on `iface` (an AF_PACKET socket in the agent's
    namespace) while the agent runs: who asked for which address."""

    def __init__(self, iface):
        self.requests = []
        self.stop = False
        self.sock = None
        if iface:
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
            self.sock.bind((iface, 0))
            self.sock.settimeout(0.1)
            self.t = threading.Thread(target=self.run, daemon=True)
            self.t.start()

    def run(self):
        deadline = time.monotonic() + 120
        while not self.stop and time.monotonic() < deadline:
            try:
                f, addr = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING or len(f) < 42:
                continue
            op = struct.unpack_from("!H", f, 20)[0]
            if op == 1:
                self.requests.append({"sha": ":".join(f"{b:02x}" for b in f[22:28]),
                                      "spa": socket.inet_ntoa(f[28:32]), "tpa": socket.inet_ntoa(f[38:42])})

    def result(self):
        self.stop = True
        if self.sock:
            self.t.join(timeout=2)
        return self.requests


def session_of(k, sessions):
    return sessions[k % len(sessions)]


def lac(args):
    sessions = json.loads(args.sessions)   # [{ltid, lsid, rtid, rsid, ipv4}]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.lac_ip, 1701))
    s.settimeout(0.2)
    sniff = ArpSniffer(args.iface)
    print("ready", flush=True)
    sent = []

    def send(k, tag):
        se = session_of(k, sessions)
        inner = pkt.inner_v4_udp(se["ipv4"], args.core_host, tag.encode(), sport=10000 + (k % 1000),
                                 dport=UP_DPORT, ttl=64, ip_id=k & 0xFFFF)
        msg = pkt.l2tp(se["ltid"], se["lsid"], pkt.ppp(pkt.PPP_IPV4, inner))
        s.sendto(msg, (args.lns_ip, 1701))
        sent.append(tag)

    send(0, "up-warm")
    time.sleep(args.warm_wait)
    for k in range(args.count):
        send(k, f"up-{k}")
        time.sleep(args.gap)
    log(f"lac: sent {len(sent)}")
    got = []
    deadline = time.monotonic() + args.recv_time
    while time.monotonic() < deadline and len(got) < args.count + 1:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        got.append(decode_down(data, addr))
    log(f"lac: received {len(got)}")
    s.close()
    print(json.dumps({"sent": sent, "received": got, "arp_requests": sniff.result()}), flush=True)


def decode_down(data, addr):
    r = {"from": list(addr), "len": len(data)}
    try:
        l2 = pkt.parse_l2tp(data)
        r.update(T=l2["T"], ver=l2["ver"], tid=l2["tid"], sid=l2["sid"], L=l2["L"], S=l2["S"], O=l2["O"])
        acf, proto, plen, inner = pkt.parse_ppp(l2["payload"])
        r.update(acf=acf, proto=proto)
        r["ip_ok"] = pkt.ipv4_header_ok(inner)
        r["l4_ok"] = pkt.l4_checksum_ok(inner)
        tot = struct.unpack_from("!H", inner, 2)[0]
        ihl = (inner[0] & 0xF) * 4
        r.update(ip_len_ok=tot == len(inner), src=socket.inet_ntoa(inner[12:16]), dst=socket.inet_ntoa(inner[16:20]),
                 ttl=inner[8], proto_l4=inner[9])
        sport, dport = struct.unpack_from("!HH", inner, ihl)
        r.update(sport=sport, dport=dport, payload=inner[ihl + 8:tot].decode(errors="replace"))
    except Exception as e:  # noqa: BLE001
        r["error"] = f"{type(e).__name__}: {e}"
        r["hex"] = data[:64].hex()
    return r


def core(args):
    sessions = json.loads(args.sessions)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)  # Linux value
    s.bind((args.core_host, UP_DPORT))
    s.settimeout(0.2)
    sniff = ArpSniffer(args.iface)
    print("ready", flush=True)
    got = []
    deadline = time.monotonic() + args.recv_time
    while time.monotonic() < deadline and len(got) < args.count + 1:
        try:
            data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(4))
        except socket.timeout:
            continue
        ttl = None
        for lvl, typ, val in anc:
            if lvl == socket.IPPROTO_IP and typ == socket.IP_TTL:
                ttl = struct.unpack("i", val[:4])[0]
        got.append({"from": list(addr), "payload": data.decode(errors="replace"), "ttl": ttl})
    log(f"core: received {len(got)}")
    sent = []

    def send(k, tag):
        se = session_of(k, sessions)
        s.sendto(tag.encode(), (se["ipv4"], DOWN_DPORT))
        sent.append(tag)

    send(0, "down-warm")
    time.sleep(args.warm_wait)
    for k in range(args.count):
        send(k, f"down-{k}")
        time.sleep(args.gap)
    log(f"core: sent {len(sent)}")
    s.close()
    time.sleep(0.5)
    print(json.dumps({"received": got, "sent": sent, "arp_requests": sniff.result()}), flush=True)


def ping(args):
    """ICMP echo to args.target over a raw socket (no ping binary here).  Exit 0
    on a matching echo reply within args.recv_time seconds."""
    ident = os.getpid() & 0xFFFF
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if args.source:
        s.bind((args.source, 0))
    s.settimeout(0.2)
    body = b"lnsit-ping-" + bytes(20)
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    csum = pkt.inet_checksum(hdr + body)
    s.sendto(struct.pack("!BBHHH", 8, 0, csum, ident, 1) + body, (args.target, 0))
    deadline = time.monotonic() + args.recv_time
    while time.monotonic() < deadline:
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            continue
        ihl = (data[0] & 0xF) * 4
        t, _, _, rid, _ = struct.unpack_from("!BBHHH", data, ihl)
        if addr[0] == args.target and t == 0 and rid == ident and data[ihl + 8:] == body:
            print("reply", flush=True)
            sys.exit(0)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["lac", "core", "ping"])
    ap.add_argument("--target", default="")
    ap.add_argument("--source", default="", help="ping: source address")
    ap.add_argument("--iface", default="", help="lac/core: record ARP requests seen on this interface")
    ap.add_argument("--sessions", default="[]")
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--gap", type=float, default=0.002)
    ap.add_argument("--warm-wait", type=float, default=1.0)
    ap.add_argument("--recv-time", type=float, default=15.0)
    ap.add_argument("--lac-ip", default="203.0.113.2")
    ap.add_argument("--lns-ip", default="203.0.113.1")
    ap.add_argument("--core-host", default="198.51.100.2")
    args = ap.parse_args()
    {"lac": lac, "core": core, "ping": ping}[args.role](args)


if __name__ == "__main__":
    main()
