#!/usr/bin/python3
"""Integration test: L2TP/IPsec remote access (RFC 3193: ESP transport mode,
NAT-T per RFC 3948) with lns-lac-emu --ipsec emulating several clients behind
one NAT: every client has its own SA pair and its own UDP source port on the
emulator's one address (the "NAT's public address"), toward port 4500.

  netns LAC: lns-lac-emu --ipsec       lnsd               netns core: 198.51.100.2
  203.0.113.2 ports 40001.. ==veth== access0 203.0.113.1 | core0 198.51.100.1 ==veth==

Cases:
  scapy    the emulator's ESP against an independent implementation (no lnsd):
           a scapy peer on 192.0.2.1:4500 in the LAC namespace decrypts each
           client's SCCRQ with that client's SA (SPI, ICV, inner UDP 1701 ->
           1701 with a valid checksum) and sees its NAT keepalives; it answers
           each tunnel with a StopCCN encrypted by scapy, which the emulator's
           L2TP engine must take (tunnel closed with result 1) and acknowledge
           with an encrypted ZLB.  Before that, client 0 also gets IKE, a
           keepalive, a wrong-SPI packet, a tampered copy and a replayed copy:
           each counted under its own name (spi_mismatch, icv_mismatch,
           replay_duplicate), and the tampered copy does not advance the window.
  lnsd     lnsd with static SAs for 4 clients (3 AES-GCM-128, 1 AES-CBC-128 +
           HMAC-SHA1-96), reply_sa per client, the clients' inner L2TP ports
           1701..1704: 4 tunnels x 2 PPP sessions (CHAP, IPCP) come up over ESP,
           ICMP echo both ways with no loss; lnsd's per-SA counters match the
           emulator's per-client ESP counters, every tunnel's messages come back
           on its own client's SA, no ESP drops anywhere, NAT keepalives counted.
  shared1701  4 more clients whose inner L2TP endpoints are all
           203.0.113.2:1701 (real clients behind one NAT): lnsd must still
           answer each tunnel on the SA its SCCRQ arrived on (the emulator
           counts, and drops, messages for another client's tunnel).
  wrongkey the same with a wrong key for one client (its own SA pair in lnsd's
           configuration): exactly that client's tunnel fails, lnsd counts
           integrity failures on exactly its inbound SA, the others come up.
Exit status 0 when every check passed.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

SCAPY_LNS = "192.0.2.1"  # the scapy peer's address (on lo in the LAC namespace)
NATT = 4500

# (UDP source port, cipher, integrity, out SPI (client -> LNS), in SPI)
GOOD = [(40001, "aes-gcm-128", "none", 0xC0000101, 0xC0000201),
        (40002, "aes-gcm-128", "none", 0xC0000102, 0xC0000202),
        (40003, "aes-gcm-128", "none", 0xC0000103, 0xC0000203),
        (40004, "aes-cbc-128", "hmac-sha1-96", 0xC0000104, 0xC0000204)]
WRONG = [(40011, "aes-gcm-128", "none", 0xC0000111, 0xC0000211),
         (40012, "aes-cbc-128", "hmac-sha1-96", 0xC0000112, 0xC0000212),
         (40013, "aes-gcm-128", "none", 0xC0000113, 0xC0000213),
         (40014, "aes-gcm-128", "none", 0xC0000114, 0xC0000214)]
SHARED = [(40021, "aes-gcm-128", "none", 0xC0000121, 0xC0000221),
          (40022, "aes-gcm-128", "none", 0xC0000122, 0xC0000222),
          (40023, "aes-cbc-128", "hmac-sha1-96", 0xC0000123, 0xC0000223),
          (40024, "aes-gcm-128", "none", 0xC0000124, 0xC0000224)]
WRONG_INDEX = 2  # the client of WRONG whose outbound key the emulator gets wrong

SCAPY_ALGO = {"aes-gcm-128": "AES-GCM", "aes-cbc-128": "AES-CBC"}
SCAPY_AUTH = {"none": "NULL", "hmac-sha1-96": "HMAC-SHA1-96"}


def key_bytes(spi, cipher):
    n = 16 + (4 if cipher.startswith("aes-gcm") else 0)  # GCM: key then salt
    return bytes((spi * 13 + i * 29 + 7) & 0xFF for i in range(n))


def auth_bytes(spi, integrity):
    return b"" if integrity == "none" else bytes((spi * 3 + i * 17 + 1) & 0xFF for i in range(20))


def client_line(c, wrong_key=False, l2tp_port=None):
    port, cipher, integ, out_spi, in_spi = c
    out_key = key_bytes(out_spi, cipher)
    if wrong_key:
        out_key = bytes([out_key[0] ^ 0x01]) + out_key[1:]
    s = (f"client port={port} cipher={cipher} integrity={integ} out_spi={out_spi:#x} "
         f"out_key={out_key.hex()} in_spi={in_spi:#x} in_key={key_bytes(in_spi, cipher).hex()}")
    if integ != "none":
        s += f" out_auth_key={auth_bytes(out_spi, integ).hex()} in_auth_key={auth_bytes(in_spi, integ).hex()}"
    if l2tp_port:
        s += f" l2tp_port={l2tp_port}"
    return s


def ipsec_file(path, clients, wrong=None, own_l2tp_ports=False):
    """own_l2tp_ports: client i's inner L2TP port is 1701 + i (else all 1701)."""
    with open(path, "w") as f:
        f.write("# lns-lac-emu --ipsec: one L2TP/IPsec client per line\n")
        for i, c in enumerate(clients):
            f.write(client_line(c, wrong_key=(i == wrong), l2tp_port=1701 + i if own_l2tp_ports else None) + "\n")


def lnsd_sas(clients, tag, lns, peer):
    """lnsd's ipsec: sas for the clients: the client's outbound SA is lnsd's inbound."""
    sas = []
    for i, (port, cipher, integ, out_spi, in_spi) in enumerate(clients):
        common = {"mode": "transport", "local": lns, "peer": peer, "cipher": cipher, "integrity": integ,
                  "natt": {"local_port": NATT, "peer_port": port}}
        o = dict(common, name=f"{tag}{i}-out", direction="outbound", spi=in_spi,
                 key=key_bytes(in_spi, cipher).hex())
        n = dict(common, name=f"{tag}{i}-in", direction="inbound", spi=out_spi,
                 key=key_bytes(out_spi, cipher).hex(), reply_sa=f"{tag}{i}-out")
        if integ != "none":
            o["auth_key"] = auth_bytes(in_spi, integ).hex()
            n["auth_key"] = auth_bytes(out_spi, integ).hex()
        sas += [o, n]
    return sas


# ---- The scapy peer (runs in the LAC namespace as a child process) ---------------------

def udp_checksum_ok(ip):
    """The inner UDP checksum of IPv4 packet bytes `ip` (0: none sent) verifies."""
    hl = (ip[0] & 0x0F) * 4
    udp = ip[hl:]
    if udp[6:8] == b"\0\0":
        return True
    s = sum(int.from_bytes(ip[12 + i:14 + i], "big") for i in (0, 2, 4, 6)) + 17 + len(udp)
    data = udp + (b"\0" if len(udp) % 2 else b"")
    s += sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def l2tp_avps(msg):
    """(flags, tunnel, session, ns, nr, {avp type: value bytes}) of an L2TP control message."""
    flags, length, tid, sid, ns, nr = (int.from_bytes(msg[i:i + 2], "big") for i in range(0, 12, 2))
    avps, off = {}, 12
    while off + 6 <= min(length, len(msg)):
        alen = int.from_bytes(msg[off:off + 2], "big") & 0x3FF
        if alen < 6:
            break
        avps[int.from_bytes(msg[off + 4:off + 6], "big")] = msg[off + 6:off + alen]
        off += alen
    return flags, tid, sid, ns, nr, avps


def stopccn(tunnel):
    avp = lambda t, v: (0x8000 | (6 + len(v))).to_bytes(2, "big") + b"\0\0" + t.to_bytes(2, "big") + v  # noqa: E731
    body = avp(0, (4).to_bytes(2, "big")) + avp(1, (1).to_bytes(2, "big")) + avp(9, (777).to_bytes(2, "big"))
    hdr = (0xC802).to_bytes(2, "big") + (12 + len(body)).to_bytes(2, "big") + tunnel.to_bytes(2, "big") + \
        b"\0\0" + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
    return hdr + body


def scapy_peer(cfg_path, out_path):
    import socket
    from scapy.all import IP, UDP, Raw, raw
    from scapy.layers.ipsec import ESP, SecurityAssociation
    cfg = json.load(open(cfg_path))
    lac = cfg["lac"]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((SCAPY_LNS, NATT))
    sock.settimeout(0.1)
    print("ready", flush=True)

    def sa(spi, cipher, integ, key, auth, udp):
        return SecurityAssociation(ESP, spi=spi, crypt_algo=SCAPY_ALGO[cipher], crypt_key=key,
                                   auth_algo=SCAPY_AUTH[integ], auth_key=auth or None, nat_t_header=udp)

    cl = {}
    for port, cipher, integ, out_spi, in_spi in cfg["clients"]:
        cl[port] = {"rx": sa(out_spi, cipher, integ, key_bytes(out_spi, cipher), auth_bytes(out_spi, integ),
                             UDP(sport=port, dport=NATT)),
                    "tx": sa(in_spi, cipher, integ, key_bytes(in_spi, cipher), auth_bytes(in_spi, integ),
                             UDP(sport=NATT, dport=port)),
                    "bad_spi": sa(in_spi + 0x1000, cipher, integ, key_bytes(in_spi, cipher),
                                  auth_bytes(in_spi, integ), UDP(sport=NATT, dport=port)),
                    "out_spi": out_spi, "res": {"sccrq": 0, "zlb": 0, "keepalives": 0, "errors": [],
                                                "tunnel": None, "spi_seen": None}}

    def receive(port, data):
        c = cl[port]
        r = c["res"]
        if data == b"\xff":
            r["keepalives"] += 1
            return
        wire = IP(raw(IP(src=lac, dst=SCAPY_LNS) / UDP(sport=port, dport=NATT) / Raw(data)))
        r["spi_seen"] = int.from_bytes(data[:4], "big")
        try:
            inner = c["rx"].decrypt(wire)
        except Exception as e:  # noqa: BLE001
            r["errors"].append(f"decrypt: {type(e).__name__}: {e}")
            return
        b = raw(inner)
        if b[9] != 17 or b[20:22] != (1701).to_bytes(2, "big") or b[22:24] != (1701).to_bytes(2, "big"):
            r["errors"].append(f"inner not UDP 1701->1701: {b[:28].hex()}")
            return
        if not udp_checksum_ok(b):
            r["errors"].append("inner UDP checksum wrong")
            return
        flags, tid, sid, ns, nr, avps = l2tp_avps(b[28:])
        if not flags & 0x8000:
            r["errors"].append("not an L2TP control message")
        elif 0 in avps and avps[0] == (1).to_bytes(2, "big"):  # SCCRQ
            r["sccrq"] += 1
            r["tunnel"] = int.from_bytes(avps.get(9, b"\0\0"), "big")
        elif not avps and nr == 1:  # the ZLB acknowledging our StopCCN
            r["zlb"] += 1

    def pump(until, deadline):
        while time.monotonic() < deadline and not until():
            try:
                data, (_, port) = sock.recvfrom(4096)
            except socket.timeout:
                continue
            if port in cl:
                receive(port, data)

    def esp_to(port, which, msg, seq):
        c = cl[port]
        p = IP(src=SCAPY_LNS, dst=lac) / UDP(sport=1701, dport=1701) / Raw(msg)
        e = c[which].encrypt(p, seq_num=seq)
        return raw(e[UDP].payload)

    want_ka = cfg["keepalives"]
    pump(lambda: all(c["res"]["sccrq"] and c["res"]["keepalives"] >= want_ka for c in cl.values()),
         time.monotonic() + 15)
    first = cfg["clients"][0][0]
    for port, c in cl.items():
        if c["res"]["tunnel"] is None:
            continue
        msg = stopccn(c["res"]["tunnel"])
        good = esp_to(port, "tx", msg, 1)
        to = (lac, port)
        if port == first:
            tampered = bytearray(good)
            tampered[len(good) // 2] ^= 0x40
            for junk in (b"\0\0\0\0" + b"ike", b"\xff", esp_to(port, "bad_spi", msg, 1), bytes(tampered)):
                sock.sendto(junk, to)
        sock.sendto(good, to)
        if port == first:
            sock.sendto(good, to)  # replayed
    pump(lambda: all(c["res"]["zlb"] for c in cl.values()), time.monotonic() + 8)
    with open(out_path, "w") as f:
        json.dump({str(p): c["res"] for p, c in cl.items()}, f)


# ---- Cases -----------------------------------------------------------------------------

def run_scapy(checks, lab, emu_bin):
    import l2tp_lab
    import test_lac_emulator as le
    from l2tp_lab import LAC_IP, Case, sh
    case = Case(checks, "scapy")
    sh(["ip", "addr", "add", f"{SCAPY_LNS}/32", "dev", "lo"], ns=lab.ns_lac)
    sh(["ip", "link", "set", "lo", "up"], ns=lab.ns_lac)
    cfg = os.path.join(lab.workdir, "scapy.peer.json")
    out = os.path.join(lab.workdir, "scapy.result.json")
    with open(cfg, "w") as f:
        json.dump({"lac": LAC_IP, "clients": GOOD, "keepalives": 1}, f)
    peer_log = open(os.path.join(lab.workdir, "scapy.peer.log"), "w")
    peer = subprocess.Popen(["ip", "netns", "exec", lab.ns_lac, "/usr/bin/python3", os.path.abspath(__file__),
                             "--scapy-peer", cfg, out], stdout=subprocess.PIPE, stderr=peer_log, text=True,
                            start_new_session=True)
    lab.procs.append(peer)
    ready = peer.stdout.readline().strip()
    if not case.eq("peer_ready", ready, "ready"):
        l2tp_lab.stop_process(peer)
        return
    ipsec = os.path.join(lab.workdir, "scapy.ipsec")
    ipsec_file(ipsec, GOOD)
    emu = le.Emu(lab, emu_bin, "scapy", ["--lns", SCAPY_LNS, "--local", LAC_IP, "-t", len(GOOD), "-s", 1,
                                         "--ipsec", ipsec, "--natt-keepalive", 0.5, "--hold", 1, "--timeout", 30])
    case.xl = emu
    emu.wait(40)
    rc = peer.wait(timeout=40)
    case.eq("peer_exit", rc, 0, l2tp_lab.tail(peer_log.name))
    try:
        res = json.load(open(out))
    except (OSError, ValueError) as e:
        case.check("peer_result", False, str(e))
        return
    for i, (port, cipher, integ, out_spi, in_spi) in enumerate(GOOD):
        r = res.get(str(port), {})
        case.eq(f"client{i}.peer", {k: r.get(k) for k in ("errors", "spi_seen")},
                {"errors": [], "spi_seen": out_spi}, f"{cipher}/{integ} from port {port}")
        case.check(f"client{i}.sccrq_decrypted", r.get("sccrq", 0) >= 1, f"{r}")
        case.check(f"client{i}.keepalives", r.get("keepalives", 0) >= 1, f"{r}")
        case.check(f"client{i}.zlb_for_stopccn", r.get("zlb", 0) >= 1, f"{r}")
    rep = emu.report or {}
    case.eq("tunnels_closed_by_peer", emu.failure_count("tunnel", result=1), len(GOOD), f"{emu.failures()}")
    ip = rep.get("ipsec", {})
    pcs = ip.get("per_client", [])
    case.eq("clients", len(pcs), len(GOOD))
    for i, pc in enumerate(pcs):
        want_fail = {"spi_mismatch": 1, "icv_mismatch": 1, "replay_duplicate": 1} if i == 0 else {}
        case.eq(f"client{i}.emu_decrypt_failures", pc.get("decrypt_failures"), want_fail)
        case.eq(f"client{i}.emu_rx_packets", pc.get("rx_packets"), 1, "the StopCCN, once")
        case.check(f"client{i}.emu_tx_packets", pc.get("tx_packets", 0) >= 2, f"{pc}")
    link = ip.get("link", {})
    case.eq("emu_link_counters", le.subset(link, ("rx_ike", "rx_keepalives", "rx_bad_checksum", "rx_not_udp",
                                                   "rx_wrong_port", "rx_wrong_source", "tx_no_client")),
            {"rx_ike": 1, "rx_keepalives": 1, "rx_bad_checksum": 0, "rx_not_udp": 0, "rx_wrong_port": 0,
             "rx_wrong_source": 0, "tx_no_client": 0})
    case.check("emu_keepalives_sent", link.get("keepalives_sent", 0) >= len(GOOD), f"{link}")


def emu_args(ipsec, tunnels, sessions, hold, extra=()):
    from l2tp_lab import LAC_IP
    return ["--local", LAC_IP, "-t", tunnels, "-s", sessions, "--ppp", "--auth", "chap", "--user-pattern",
            "user{n}", "--password", "pw", "--hold", hold, "--teardown", "cdn", "--ipsec", ipsec,
            "--natt-keepalive", 1, "--timeout", 60] + list(extra)


def sa_rows(lnsd):
    return {r["name"]: r for r in (lnsd.stats or {}).get("sas", [])}


def run_lnsd(checks, lab, emu_bin, lnsd):
    import test_lac_emulator as le
    from l2tp_lab import CORE_HOST, Case
    case = Case(checks, "lnsd", lnsd)
    ipsec = os.path.join(lab.workdir, "good.ipsec")
    ipsec_file(ipsec, GOOD, own_l2tp_ports=True)
    emu = le.Emu(lab, emu_bin, "good", emu_args(ipsec, len(GOOD), 2, 4, ["--traffic", 400, "--traffic-dest",
                                                                        CORE_HOST, "--traffic-proto", "icmp"]))
    case.xl = emu
    case.eq("emulator_exit_0", emu.wait(90), 0)
    rep = emu.report or {}
    p = rep.get("ppp", {})
    n = 2 * len(GOOD)
    case.eq("emulator_ppp", le.subset(p, ("authenticated", "ipcp_up", "up", "failed", "dropped")),
            {"authenticated": n, "ipcp_up": n, "up": n, "failed": 0, "dropped": 0})
    t = p.get("traffic", {})
    case.check("traffic_no_loss", t.get("sent", 0) >= 400 and t.get("received") == t.get("sent")
               and t.get("lost") == 0,
               f"ICMP echo over ESP through lnsd and back: {le.subset(t, ('sent', 'received', 'lost'))}")
    ip = rep.get("ipsec", {})
    case.eq("emu_no_decrypt_failures", (ip.get("decrypt_failures"), ip.get("encrypt_failures")), ({}, {}))
    case.eq("each_tunnel_on_its_own_sa", ip.get("wrong_client"), 0,
            "L2TP messages lnsd sent to one client for another client's tunnel")
    case.eq("no_retransmits", rep.get("control", {}).get("retransmits"), 0)
    link = ip.get("link", {})
    case.eq("emu_link_clean", {k: v for k, v in link.items() if v and k != "keepalives_sent"}, {})
    return emu


def check_lnsd_sas(case, lnsd, emu, clients, tag):
    """lnsd's per-SA counters (stats JSON after stop) against the emulator's per client."""
    rows = sa_rows(lnsd)
    pcs = {pc["port"]: pc for pc in ((emu.report or {}).get("ipsec", {}).get("per_client", []))}
    for i, (port, cipher, integ, out_spi, in_spi) in enumerate(clients):
        rin, rout, pc = rows.get(f"{tag}{i}-in", {}), rows.get(f"{tag}{i}-out", {}), pcs.get(port, {})
        case.eq(f"{tag}{i}.in_packets", rin.get("packets"), pc.get("tx_packets"),
                f"{cipher}: lnsd decrypted vs the emulator sent")
        case.check(f"{tag}{i}.out_packets",
                   pc.get("rx_packets", -1) <= rout.get("packets", 0) <= pc.get("rx_packets", -1) + 2,
                   f"lnsd encrypted {rout.get('packets')}, the emulator decrypted {pc.get('rx_packets')}")
        for d, r in (("in", rin), ("out", rout)):
            nonzero = {k: v for k, v in r.get("drops", {}).items() if v}
            case.eq(f"{tag}{i}.{d}_sa_drops", (r.get("replay_drops"), r.get("integrity_failures"), nonzero),
                    (0, 0, {}), f"{tag}{i}-{d}: replay drops, integrity failures, drops by reason")


def lnsd_checks_good(checks, lnsd, emu, wrong_emu):
    """After both runs: the only ESP drops lnsd has are the wrong key's ICV failures."""
    from l2tp_lab import Case
    case = Case(checks, "lnsd_sas", lnsd)
    check_lnsd_sas(case, lnsd, emu, GOOD, "g")
    st = lnsd.stats or {}
    drops = st.get("drops", {})
    esp = {k: v for k, v in drops.items() if v and (k.startswith("esp_") or k.startswith("sa_")
                                                    or k == "natt_malformed")}
    want = {}
    if wrong_emu is not None:
        wrong_port = WRONG[WRONG_INDEX][0]
        pcs = (wrong_emu.report or {}).get("ipsec", {}).get("per_client", [])
        want = {"esp_icv_mismatch": sum(pc.get("tx_packets", 0) for pc in pcs if pc.get("port") == wrong_port)}
    case.eq("esp_drops_only_the_wrong_key", esp, want)
    ctl = st.get("control", {})
    case.check("control_replies_encrypted", ctl.get("l2tp_esp_replies", 0) > 0 and
               ctl.get("l2tp_esp_no_reply_sa", 0) == 0, f"control: {ctl}")
    ka = (emu.report or {}).get("ipsec", {}).get("link", {}).get("keepalives_sent", 0)
    case.check("keepalives_counted", ka >= len(GOOD) and drops.get("natt_keepalive", 0) >= ka,
               f"emulator sent {ka}, lnsd natt_keepalive {drops.get('natt_keepalive', 0)}")


def run_shared(checks, lab, emu_bin, lnsd):
    """All clients' inner L2TP endpoints are (203.0.113.2, 1701), as real clients
    behind one NAT: lnsd must answer each tunnel on the SA its SCCRQ came in on."""
    import test_lac_emulator as le
    from l2tp_lab import Case
    case = Case(checks, "shared1701", lnsd)
    ipsec = os.path.join(lab.workdir, "shared.ipsec")
    ipsec_file(ipsec, SHARED)
    emu = le.Emu(lab, emu_bin, "shared", emu_args(ipsec, len(SHARED), 1, 1))
    case.xl = emu
    case.eq("emulator_exit_0", emu.wait(60), 0)
    rep = emu.report or {}
    case.eq("ppp_up", rep.get("ppp", {}).get("up"), len(SHARED))
    case.eq("each_tunnel_on_its_own_sa", rep.get("ipsec", {}).get("wrong_client"), 0,
            "L2TP messages lnsd sent to one client for another client's tunnel")
    case.eq("no_retransmits", rep.get("control", {}).get("retransmits"), 0)
    return emu


def run_wrongkey(checks, lab, emu_bin, lnsd):
    import test_lac_emulator as le
    from l2tp_lab import Case
    case = Case(checks, "wrongkey", lnsd)
    ipsec = os.path.join(lab.workdir, "wrong.ipsec")
    ipsec_file(ipsec, WRONG, wrong=WRONG_INDEX)
    emu = le.Emu(lab, emu_bin, "wrong", emu_args(ipsec, len(WRONG), 1, 1, ["--setup-timeout", 5]))
    case.xl = emu
    case.eq("emulator_exit_1", emu.wait(60), 1)
    rep = emu.report or {}
    case.eq("tunnels", le.subset(rep.get("tunnels", {}), ("established", "failed")),
            {"established": len(WRONG) - 1, "failed": 1})
    case.eq("ppp_up", rep.get("ppp", {}).get("up"), len(WRONG) - 1)
    for pc in rep.get("ipsec", {}).get("per_client", []):
        i = [c[0] for c in WRONG].index(pc["port"])
        case.check(f"w{i}.emu_rx", (pc.get("rx_packets", 0) == 0) == (i == WRONG_INDEX),
                   f"client {i} decrypted {pc.get('rx_packets')} packets from lnsd")
    return emu


def lnsd_checks_wrong(checks, lnsd, emu):
    from l2tp_lab import Case
    case = Case(checks, "wrongkey_sas", lnsd)
    rows = sa_rows(lnsd)
    pcs = {pc["port"]: pc for pc in ((emu.report or {}).get("ipsec", {}).get("per_client", []))}
    for i, c in enumerate(WRONG):
        rin = rows.get(f"w{i}-in", {})
        sent = pcs.get(c[0], {}).get("tx_packets")
        if i == WRONG_INDEX:
            case.eq(f"w{i}.integrity_failures", (rin.get("integrity_failures"), rin.get("packets")), (sent, 0),
                    "every packet of the client with the wrong key fails the ICV, none passes")
        else:
            case.eq(f"w{i}.clean", (rin.get("integrity_failures"), rin.get("packets")), (0, sent))


def main():
    import harness
    import l2tp_lab
    import lnsd as lnsrun
    import test_ppp_sessions as ps
    from l2tp_lab import LAC_IP, LNS_A, Case
    args = harness.parse_args(__doc__)
    checks = harness.Checks("l2tp_ipsec_emulator")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    emu_bin = harness.emulator_binary(args.build_dir, checks)
    l2tp_lab.exit_on_sigterm()
    t0 = time.monotonic()
    with lnsrun.WorkDir("l2tpipsec", args.keep) as wd:
        lab = ps.PppLab("ie", wd.path, binary)
        try:
            lab.setup()
            checks.guard("scapy", run_scapy, checks, lab, emu_bin)
            lab.ipsec = {"replay_window": 64,
                         "sas": lnsd_sas(GOOD, "g", LNS_A, LAC_IP) + lnsd_sas(WRONG, "w", LNS_A, LAC_IP)
                         + lnsd_sas(SHARED, "s", LNS_A, LAC_IP)}
            lnsd = lab.start_lnsd("esp", {"accept_unknown_peers": True})
            good = checks.guard("lnsd", run_lnsd, checks, lab, emu_bin, lnsd)
            wrong = checks.guard("wrongkey", run_wrongkey, checks, lab, emu_bin, lnsd)
            shared = checks.guard("shared1701", run_shared, checks, lab, emu_bin, lnsd)
            lnsd.stop()
            checks.check("lnsd_exit_clean", lnsd.rc == 0 and lnsd.stats is not None,
                         f"exit status {lnsd.rc} {lnsd.stats_error}\n{lnsd.logs()}")
            if good is not None:
                checks.guard("lnsd_sas", lnsd_checks_good, checks, lnsd, good, wrong)
            if wrong is not None:
                checks.guard("wrongkey_sas", lnsd_checks_wrong, checks, lnsd, wrong)
            if shared is not None:
                checks.guard("shared1701_sas", lambda: check_lnsd_sas(Case(checks, "shared1701_sas", lnsd), lnsd,
                                                                      shared, SHARED, "s"))
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--scapy-peer":
        scapy_peer(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
