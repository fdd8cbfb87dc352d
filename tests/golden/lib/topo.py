"""Addresses, static sessions and the config dict of the golden-test topology.

    LAC 203.0.113.2 ---- access0 [203.0.113.1]  lnsd  [198.51.100.1, 2001:db8:ffff::1] core0 ---- gateway .254 / ::fe
                                (net_pcap0)               (net_pcap1)

Static neighbours give the LAC, the access gateway, the core gateway and one
on-link core host their MACs, so golden runs never need ARP.
"""
import ipaddress
import os

# net_pcap reports 02:70:63:61:70:<probe index>; access0 is probed first.  The
# stats JSON carries the real value ("mac" per port) and overrides these.
PCAP_MAC_ACCESS = "02:70:63:61:70:00"
PCAP_MAC_CORE = "02:70:63:61:70:01"

ACCESS_IP = "203.0.113.1"
ACCESS_PREFIX = 24
ACCESS_GW = "203.0.113.254"
ACCESS_GW_MAC = "02:00:00:00:00:fd"
LAC_IP = "203.0.113.2"
LAC_MAC = "02:00:00:00:00:02"
LAC2_IP = "203.0.113.3"
LAC2_MAC = "02:00:00:00:00:03"
ROGUE_IP = "203.0.113.9"          # not a LAC of any session
ROGUE_MAC = "02:00:00:00:00:09"
OFFLINK_LAC = "192.0.2.50"        # LAC reached through the access gateway

CORE_IP = "198.51.100.1"
CORE_PREFIX = 24
CORE_GW = "198.51.100.254"
CORE_GW_MAC = "02:00:00:00:00:fe"
CORE_IP6 = "2001:db8:ffff::1"
CORE_PREFIX6 = 64
CORE_GW6 = "2001:db8:ffff::fe"
ONLINK_HOST = "198.51.100.2"
ONLINK_HOST_MAC = "02:00:00:00:00:22"
REMOTE4 = "192.0.2.10"            # an Internet host behind the core gateway
REMOTE6 = "2001:db8:beef::10"


class Session:
    """One static session instance (after block expansion)."""

    def __init__(self, name, ltid, lsid, rtid, rsid, lac, lac_port, ipv4, ipv6_prefix, framing):
        self.name, self.ltid, self.lsid, self.rtid, self.rsid = name, ltid, lsid, rtid, rsid
        self.lac, self.lac_port = lac, lac_port
        self.ipv4 = ipv4
        self.ipv6_prefix = ipv6_prefix   # ipaddress.IPv6Network or None
        self.framing = framing

    @property
    def ipv6(self):
        """An address inside the session's prefix (the ::1 of it)."""
        return str(self.ipv6_prefix.network_address + 1) if self.ipv6_prefix else None

    def __repr__(self):
        return f"<Session {self.name} {self.ltid}/{self.lsid}>"


class Block:
    """A `sessions:` entry of the config, and its expansion as the contract states:
    session i has tunnel index t = i // spt; ids local_tunnel_id + t, remote_tunnel_id + t,
    local_session_id + i % spt, remote_session_id + i % spt; ipv4 + i; prefix + i."""

    def __init__(self, name, *, ltid, lsid, rtid, rsid, ipv4, ipv6_prefix=None, count=1, spt=1,
                 lac=LAC_IP, lac_port=1701, mru=1500, sequencing=False, length=False, offset=0,
                 acfc=False, pfc=False, port="access0"):
        self.name, self.count, self.spt = name, count, spt
        self.ltid, self.lsid, self.rtid, self.rsid = ltid, lsid, rtid, rsid
        self.ipv4, self.ipv6_prefix = ipv4, ipv6_prefix
        self.lac, self.lac_port, self.mru, self.port = lac, lac_port, mru, port
        self.framing = {"sequencing": sequencing, "length": length, "offset": offset,
                        "acfc": acfc, "pfc": pfc}

    def to_config(self):
        d = {"name": self.name, "port": self.port, "count": self.count,
             "sessions_per_tunnel": self.spt,
             "local_tunnel_id": self.ltid, "local_session_id": self.lsid,
             "remote_tunnel_id": self.rtid, "remote_session_id": self.rsid,
             "lac_address": self.lac, "lac_port": self.lac_port}
        if self.ipv4:
            d["ipv4"] = self.ipv4
        if self.ipv6_prefix:
            d["ipv6_prefix"] = self.ipv6_prefix
        d["mru"] = self.mru
        d["framing"] = dict(self.framing)
        return d

    def instances(self):
        out = []
        for i in range(self.count):
            t = i // self.spt
            k = i % self.spt
            v4 = str(ipaddress.IPv4Address(self.ipv4) + i) if self.ipv4 else None
            v6 = None
            if self.ipv6_prefix:
                net = ipaddress.IPv6Network(self.ipv6_prefix)
                v6 = ipaddress.IPv6Network((int(net.network_address) + i * net.num_addresses,
                                            net.prefixlen))
            out.append(Session(f"{self.name}[{i}]", self.ltid + t, self.lsid + k, self.rtid + t,
                               self.rsid + k, self.lac, self.lac_port, v4, v6, dict(self.framing)))
        return out


def neighbors_static(extra=()):
    n = [
        {"port": "access0", "ipv4": LAC_IP, "mac": LAC_MAC},
        {"port": "access0", "ipv4": LAC2_IP, "mac": LAC2_MAC},
        {"port": "access0", "ipv4": ACCESS_GW, "mac": ACCESS_GW_MAC},
        {"port": "core0", "ipv4": CORE_GW, "mac": CORE_GW_MAC},
        {"port": "core0", "ipv4": ONLINK_HOST, "mac": ONLINK_HOST_MAC},
        {"port": "core0", "ipv6": CORE_GW6, "mac": CORE_GW_MAC},
    ]
    n.extend(extra)
    return n


_run_counter = [0]


def unique_prefix(tag):
    _run_counter[0] += 1
    return f"lnsgt-{tag}-{os.getpid()}-{_run_counter[0]}"


def pcap_config(workdir, blocks, *, tag="t", access_mtu=1500, core_mtu=1500, mtu=None,
                core_ipv6=True, neighbors=None, tables=None, arp=None, extra=None):
    """Config dict for a golden run: access0 = net_pcap0 (up_in/up_out), core0 =
    net_pcap1 (down_in/down_out), one worker on lcore 1 polling both."""
    p = lambda n: os.path.join(workdir, n)  # noqa: E731
    core = {"name": "core0",
            "device": f"net_pcap1,rx_pcap={p('down_in.pcap')},tx_pcap={p('down_out.pcap')}",
            "role": "core", "rx_queues": 1, "mtu": core_mtu,
            "ipv4": f"{CORE_IP}/{CORE_PREFIX}", "gateway4": CORE_GW}
    if core_ipv6:
        core["ipv6"] = f"{CORE_IP6}/{CORE_PREFIX6}"
        core["gateway6"] = CORE_GW6
    cfg = {
        "eal": {"no_huge": True, "memory_mb": 512, "file_prefix": unique_prefix(tag), "no_pci": True},
        "control_lcore": 0,
        "mbufs": 8191,
        "ports": [
            {"name": "access0",
             "device": f"net_pcap0,rx_pcap={p('up_in.pcap')},tx_pcap={p('up_out.pcap')}",
             "role": "access", "rx_queues": 1, "mtu": access_mtu,
             "ipv4": f"{ACCESS_IP}/{ACCESS_PREFIX}", "gateway4": ACCESS_GW},
            core,
        ],
        "workers": [{"lcore": 1, "rx": [{"port": "access0", "queue": 0},
                                        {"port": "core0", "queue": 0}]}],
        "neighbors": neighbors_static() if neighbors is None else neighbors,
        "mtu": {"tcp_mss_v4": 0, "tcp_mss_v6": 0, "clamp_upstream": True, "clamp_downstream": True,
                "too_big": "fragment", "icmp_time_exceeded": True},
        "sessions": [b.to_config() for b in blocks],
    }
    if mtu:
        cfg["mtu"].update(mtu)
    if tables:
        cfg["tables"] = tables
    if arp:
        cfg["arp"] = arp
    if extra:
        cfg.update(extra)
    return cfg
