"""Packet builders and parsers for the lnsd system tests.

The L2TP and PPP encodings here are written by hand from RFC 2661 section 3.1
and RFC 1661/1662, independently of lnsd's codec; Ethernet/IP/UDP/TCP/ICMP
come from scapy.  Frames are handled as `bytes`; scapy objects only at the edges.
"""
import struct

from scapy.all import ICMP, IP, TCP, UDP, Ether, IPv6, Raw, conf
from scapy.utils import checksum as inet_checksum

conf.verb = 0

# L2TP header flag bits (RFC 2661 3.1)
F_T = 0x8000
F_L = 0x4000
F_S = 0x0800
F_O = 0x0200
F_P = 0x0100
# bits: T L x x S x O P x x x x Ver(4); x are reserved (must be 0)
F_RESERVED = 0x3000 | 0x0400 | 0x00F0

PPP_IPV4 = 0x0021
PPP_IPV6 = 0x0057
PPP_LCP = 0xC021


# --------------------------------------------------------------------------- L2TP
def l2tp(tid, sid, payload=b"", *, L=False, S=False, ns=0, nr=0, O=False, pad=0,
         pad_byte=0, P=False, T=False, ver=2, length=None, offset_size=None, extra_flags=0):
    """Encode an L2TP header + payload.

    L: Length field (value = total message length unless `length` overrides).
    S: Ns/Nr.  O: Offset Size (= `pad` unless `offset_size` overrides) followed by
    `pad` bytes of `pad_byte`.  P: priority bit.  T: control message bit.
    """
    flags = (ver & 0xF) | extra_flags
    if T:
        flags |= F_T
    if L:
        flags |= F_L
    if S:
        flags |= F_S
    if O:
        flags |= F_O
    if P:
        flags |= F_P
    hdr = struct.pack("!H", flags)
    if L:
        hdr += b"\0\0"
    hdr += struct.pack("!HH", tid, sid)
    if S:
        hdr += struct.pack("!HH", ns, nr)
    if O:
        hdr += struct.pack("!H", pad if offset_size is None else offset_size) + bytes([pad_byte]) * pad
    msg = bytearray(hdr + bytes(payload))
    if L:
        struct.pack_into("!H", msg, 2, len(msg) if length is None else length)
    return bytes(msg)


def parse_l2tp(b):
    """Decode an L2TPv2 header.  Returns a dict with flags, fields, header length
    and payload; raises ValueError when the header does not fit."""
    if len(b) < 6:
        raise ValueError(f"L2TP message of {len(b)} bytes")
    flags, = struct.unpack_from("!H", b, 0)
    d = {"flags": flags, "T": bool(flags & F_T), "L": bool(flags & F_L), "S": bool(flags & F_S),
         "O": bool(flags & F_O), "P": bool(flags & F_P), "ver": flags & 0xF,
         "reserved": flags & F_RESERVED, "length": None, "ns": None, "nr": None,
         "offset_size": None, "pad": b""}
    off = 2
    if d["L"]:
        d["length"], = struct.unpack_from("!H", b, off)
        off += 2
    if len(b) < off + 4:
        raise ValueError("L2TP header truncated at tunnel/session id")
    d["tid"], d["sid"] = struct.unpack_from("!HH", b, off)
    off += 4
    if d["S"]:
        if len(b) < off + 4:
            raise ValueError("L2TP header truncated at Ns/Nr")
        d["ns"], d["nr"] = struct.unpack_from("!HH", b, off)
        off += 4
    if d["O"]:
        if len(b) < off + 2:
            raise ValueError("L2TP header truncated at Offset Size")
        d["offset_size"], = struct.unpack_from("!H", b, off)
        off += 2
        if len(b) < off + d["offset_size"]:
            raise ValueError("L2TP offset padding beyond the message")
        d["pad"] = b[off:off + d["offset_size"]]
        off += d["offset_size"]
    d["hdr_len"] = off
    d["payload"] = b[off:]
    return d


# --------------------------------------------------------------------------- PPP
def ppp(proto, payload=b"", *, acf=True, pfc=False):
    """PPP frame as carried in L2TP: optional FF 03, then the protocol field,
    compressed to one byte when `pfc` and the protocol allows it (RFC 1661 6.5)."""
    out = b"\xff\x03" if acf else b""
    if pfc and proto < 0x100 and (proto & 1):
        out += bytes([proto])
    else:
        out += struct.pack("!H", proto)
    return out + bytes(payload)


def parse_ppp(b):
    """Returns (had_acf, proto, proto_len, payload)."""
    acf = len(b) >= 2 and b[0] == 0xFF and b[1] == 0x03
    off = 2 if acf else 0
    if len(b) <= off:
        raise ValueError("PPP frame without protocol")
    if b[off] & 1:
        return acf, b[off], 1, b[off + 1:]
    if len(b) < off + 2:
        raise ValueError("PPP 2-byte protocol truncated")
    proto, = struct.unpack_from("!H", b, off)
    return acf, proto, 2, b[off + 2:]


# --------------------------------------------------------------------------- frames
def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_str(b):
    return ":".join(f"{x:02x}" for x in b[:6])


def outer_l2tp(src_mac, dst_mac, src_ip, dst_ip, l2tp_msg, *, sport=1701, dport=1701,
               ttl=64, ip_id=1, ip_options=None, flags=0, udp_checksum=True):
    """Ether/IPv4/UDP around an L2TP message, as a LAC would send it (bytes)."""
    ip = IP(src=src_ip, dst=dst_ip, ttl=ttl, id=ip_id, flags=flags)
    if ip_options is not None:
        ip.options = ip_options
    u = UDP(sport=sport, dport=dport)
    if not udp_checksum:
        u.chksum = 0
    return bytes(Ether(src=src_mac, dst=dst_mac) / ip / u / Raw(l2tp_msg))


def inner_v4_udp(src, dst, payload, *, sport=40000, dport=9, ttl=64, ip_id=7, flags=0,
                 tos=0, options=None):
    ip = IP(src=src, dst=dst, ttl=ttl, id=ip_id, flags=flags, tos=tos)
    if options is not None:
        ip.options = options
    return bytes(ip / UDP(sport=sport, dport=dport) / Raw(payload))


def inner_v6_udp(src, dst, payload, *, sport=40000, dport=9, hlim=64, tc=0, fl=0):
    return bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl) / UDP(sport=sport, dport=dport) / Raw(payload))


def decrement_ttl(inner):
    """The inner packet as lnsd must forward it: TTL or hop limit minus one,
    IPv4 header checksum recomputed (scapy)."""
    v = inner[0] >> 4
    if v == 4:
        p = IP(inner)
        p.ttl -= 1
        del p.chksum
        ihl = p.ihl * 4
        hdr = bytes(p)[:ihl]
        return hdr + inner[ihl:]
    if v == 6:
        b = bytearray(inner)
        b[7] -= 1
        return bytes(b)
    raise ValueError("not IP")


def ipv4_header_ok(b):
    """IPv4 header checksum of raw header bytes is valid."""
    ihl = (b[0] & 0xF) * 4
    return inet_checksum(bytes(b[:ihl])) == 0


def l4_checksum_ok(ipb):
    """UDP/TCP/ICMP/ICMPv6 checksum of an IP packet (bytes) valid, verified by
    letting scapy recompute it.  UDP over IPv4 with checksum 0 counts as valid."""
    v = ipb[0] >> 4
    p = IP(ipb) if v == 4 else IPv6(ipb)
    for layer in (UDP, TCP, ICMP):
        if layer in p:
            l4 = p[layer]
            got = l4.chksum
            if layer is UDP and v == 4 and got == 0:
                return True
            del l4.chksum
            p2 = (IP if v == 4 else IPv6)(bytes(p))
            return p2[layer].chksum == got
    if v == 6:
        # ICMPv6: every scapy ICMPv6 class has cksum
        l4 = p.payload
        while l4 is not None and not hasattr(l4, "cksum"):
            l4 = l4.payload if l4.payload else None
        if l4 is None:
            return True
        got = l4.cksum
        del l4.cksum
        p2 = IPv6(bytes(p))
        l4b = p2.payload
        while not hasattr(l4b, "cksum"):
            l4b = l4b.payload
        return l4b.cksum == got
    if v == 4:
        # ICMP handled above; others unknown -> true
        return True
    return True


def tcp_mss(ipb):
    """MSS option value of the TCP segment in an IP packet, or None."""
    v = ipb[0] >> 4
    p = IP(ipb) if v == 4 else IPv6(ipb)
    for k, val in p[TCP].options:
        if k == "MSS":
            return val
    return None


def ip_payload_len(ipb):
    """Length of the IP packet as its header says (IPv4 total length, IPv6 40+payload)."""
    if ipb[0] >> 4 == 4:
        return struct.unpack_from("!H", ipb, 2)[0]
    return 40 + struct.unpack_from("!H", ipb, 4)[0]


def eth_split(frame):
    """(dst, src, ethertype, payload) of an Ethernet frame (no VLAN)."""
    return mac_str(frame[0:6]), mac_str(frame[6:12]), struct.unpack_from("!H", frame, 12)[0], frame[14:]


def strip_eth_padding(frame):
    """Ethernet frame trimmed to its IP packet's length (drops pad to 60 bytes)."""
    dst, src, et, pl = eth_split(frame)
    if et in (0x0800, 0x86DD) and len(pl) >= 20:
        n = ip_payload_len(pl)
        if n <= len(pl):
            return frame[:14 + n]
    return frame


def decap_downstream(frame):
    """Split a downstream (LNS->LAC) frame into its parts.
    Returns dict: eth (dst, src, type), ip (scapy IP of the outer header, raw bytes),
    udp fields, l2tp dict, ppp tuple, inner bytes.  Raises ValueError."""
    dst, src, et, pl = eth_split(frame)
    if et != 0x0800:
        raise ValueError(f"ethertype {et:#06x}, not IPv4")
    ihl = (pl[0] & 0xF) * 4
    tot = struct.unpack_from("!H", pl, 2)[0]
    ipraw = pl[:tot]
    if (ipraw[0] >> 4) != 4 or ipraw[9] != 17:
        raise ValueError("outer not IPv4/UDP")
    udp = ipraw[ihl:]
    sport, dport, ulen, ucs = struct.unpack_from("!HHHH", udp, 0)
    msg = udp[8:]
    l = parse_l2tp(msg)
    acf, proto, plen, inner = parse_ppp(l["payload"])
    return {"eth_dst": dst, "eth_src": src, "eth_type": et, "ip_raw": ipraw, "ihl": ihl,
            "ip": IP(ipraw), "sport": sport, "dport": dport, "udp_len": ulen, "udp_csum": ucs,
            "udp_payload": msg, "l2tp": l, "acf": acf, "proto": proto, "proto_len": plen,
            "inner": inner, "frame_len": len(frame)}


def l4_payload(ipb):
    """(protocol, payload bytes) of the UDP or TCP segment in an IP packet, sliced
    from the raw bytes (no dissection, so no protocol guessing by port); None when
    the packet is not a first fragment of UDP/TCP or does not parse."""
    try:
        v = ipb[0] >> 4
        if v == 4:
            ihl = (ipb[0] & 0xF) * 4
            tot = struct.unpack_from("!H", ipb, 2)[0]
            if struct.unpack_from("!H", ipb, 6)[0] & 0x1FFF:
                return None
            proto, l4, end = ipb[9], ihl, min(tot, len(ipb))
        elif v == 6:
            proto, l4, end = ipb[6], 40, min(40 + struct.unpack_from("!H", ipb, 4)[0], len(ipb))
        else:
            return None
        if proto == 17 and end >= l4 + 8:
            return 17, bytes(ipb[l4 + 8:end])
        if proto == 6 and end >= l4 + 20:
            doff = (ipb[l4 + 12] >> 4) * 4
            return 6, bytes(ipb[l4 + doff:end])
    except (IndexError, struct.error):
        pass
    return None


def payload_tag(ipb):
    """The application payload of an inner UDP/TCP packet, used to match outputs
    with inputs; None when there is none."""
    r = l4_payload(ipb)
    return r[1] if r and r[1] else None


# --------------------------------------------------------------------------- pcap files
def write_pcap(path, frames):
    """Classic pcap, microsecond timestamps, LINKTYPE_ETHERNET."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            fr = bytes(fr)
            f.write(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    """Frames (bytes) of a pcap file (micro or nanosecond, either byte order).
    A missing or empty file gives [] ; a truncated last record is dropped."""
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        return []
    if len(data) < 24:
        return []
    magic_le, = struct.unpack_from("<I", data, 0)
    if magic_le in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    else:
        e = ">"
    frames = []
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack_from(e + "IIII", data, off)
        off += 16
        if off + incl > len(data):
            break
        frames.append(data[off:off + incl])
        off += incl
    return frames
