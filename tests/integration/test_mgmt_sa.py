#!/usr/bin/python3
"""Integration test: ESP SAs over the management REST API (POST/DELETE
/api/v1/sas, POST /api/v1/sas/{name}/rekey, GET /api/v1/sas), SA rows in
/api/v1/stats and /metrics, lnsctl show sas / sa add|delete|rekey, against a
running lnsd (net_af_packet on veths, the topology of test_mgmt_api.py):

  netns LAC: lns-lac-emu --ipsec (203.0.113.2)      lnsd         netns core: 198.51.100.2
             scapy ESP stream    (203.0.113.4) ==veth== access0 | core0 ==veth== (routes via lnsd)

lnsd starts with one static SA pair (r0-in / r0-out, AES-GCM-128, plain ESP)
protecting one static L2TP session (LAC 203.0.113.4, subscriber 100.65.0.1),
ipsec.max_sas 8, and an API.

Cases:
  add       an SA pair for one L2TP/IPsec client (NAT-T) added over the API
            (201, outbound first, the inbound naming it as reply_sa; keys never
            in the answer); lns-lac-emu --ipsec with those keys brings up 1
            tunnel x 2 PPP sessions over it and passes ICMP echo with no loss;
            while they are up DELETE of the outbound SA is refused (409 naming
            the 2 sessions and the inbound SA); GET /api/v1/sas counts what the
            emulator sent and received (in.packets == emulator tx, out.packets
            >= emulator rx), no SA drops; then DELETE inbound, then outbound:
            204, gone from the list.
  rejects   each reason, nothing added (the list unchanged after all of them):
            not JSON (400), not an object (400), unknown key, key too short,
            SPI reserved, local not an access port's address, integrity with
            GCM (each 422 with "request:LINE:COL: path: message"), reply_sa
            unknown and reply_sa naming an inbound SA (422), duplicate name and
            duplicate inbound (SPI, local) (409 naming the live SA), a full
            table (507, after filling it with outbound SAs, which are deleted
            again); DELETE unknown (404); rekey: unknown name (404), an inbound
            "outbound" (422), the new inbound SPI already live (409), body
            without "outbound" (422).
  rekey     make-before-break under traffic: a scapy stream (ICMP echo inside
            L2TP inside ESP from 203.0.113.4, 100 packets/s) through the static
            session and r0-in / r0-out; POST /api/v1/sas/r0-in/rekey with r1-in
            / r1-out while it flows (200; r0-out deleted, the session now on
            r1-out); the sender switches to r1-in after the answer; DELETE
            r0-in.  Every echo answered (none lost), replies arrived under both
            outbound SPIs, r0-in's counter stopped (equal over a second after
            the switch) while r1-in's and r1-out's grew, r0-in and r1-in each
            counted exactly the packets sent with them; no SA drops.
  views     /api/v1/stats "sas" rows and /metrics lnsd_sa_* families (labels
            sa, direction, reason; soft/hard expired gauges) agree with GET
            /api/v1/sas; lnsctl show sas (table and --json), lnsctl sa add /
            delete / rekey (by the outbound SA's name) with JSON files; r1-in,
            given soft_packets 100, is soft_expired (also in /metrics and
            control.sa_soft_expired), the others not.
  secrets   no key (hex, as given) in any API answer, nor in lnsd's stdout or
            stderr; every status answered is declared in docs/api/openapi.yaml
            for its route and every JSON body matches its schema.
Exit status 0 when every check passed.
"""
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

STREAM_LAC = "203.0.113.4"    # the scapy LAC (another address in the LAC namespace)
STREAM_SUB = "100.65.0.1"     # the static session's subscriber address
STATIC_TUNNEL, STATIC_SESSION, REMOTE_TUNNEL, REMOTE_SESSION = 60000, 1, 7, 7
MAX_SAS = 8
INTERVAL = 0.01               # the stream's packet interval (s)


def gcm_key(seed):
    """20 bytes: an AES-128 key and the 4-byte salt (RFC 4106 §8.1)."""
    return bytes((seed * 37 + i * 11 + 5) & 0xFF for i in range(20))


# SPIs and keys: the static pair and the pair it is rekeyed to (lnsd's view:
# "in" is what the LAC sends).
PAIRS = {"r0": {"in_spi": 0x4000, "out_spi": 0x5000, "in_key": gcm_key(1), "out_key": gcm_key(2)},
         "r1": {"in_spi": 0x4001, "out_spi": 0x5001, "in_key": gcm_key(3), "out_key": gcm_key(4)},
         "r2": {"in_spi": 0x4002, "out_spi": 0x5002, "in_key": gcm_key(5), "out_key": gcm_key(6)}}
SOFT_PACKETS = 100  # r1-in's soft lifetime: the stream crosses it


def sa_obj(name, direction, spi, key, peer, **kw):
    from l2tp_lab import LNS_A
    return dict({"name": name, "direction": direction, "spi": spi, "mode": "transport", "local": LNS_A,
                 "peer": peer, "cipher": "aes-gcm-128", "integrity": "none", "key": key.hex()}, **kw)


def pair_objs(tag):
    p = PAIRS[tag]
    return (sa_obj(f"{tag}-in", "inbound", p["in_spi"], p["in_key"], STREAM_LAC),
            sa_obj(f"{tag}-out", "outbound", p["out_spi"], p["out_key"], STREAM_LAC))


def all_key_hex():
    import test_l2tp_ipsec_emulator as tie
    keys = [k.hex() for p in PAIRS.values() for k in (p["in_key"], p["out_key"])]
    for c in tie.GOOD[:1]:
        keys += [tie.key_bytes(c[3], c[1]).hex(), tie.key_bytes(c[4], c[1]).hex()]
    return keys


# ---- The scapy stream (runs in the LAC namespace as a child process) ---------------------

def l2tp_ppp_ip(payload):
    """The IP packet inside an L2TP data message (RFC 2661 §3.1) carrying PPP, or None."""
    if len(payload) < 6:
        return None
    flags = struct.unpack("!H", payload[:2])[0]
    if flags & 0x8000:
        return None  # control
    off = 2 + (2 if flags & 0x4000 else 0) + 4 + (4 if flags & 0x0800 else 0)
    if flags & 0x0200:
        off += 2 + struct.unpack("!H", payload[off:off + 2])[0]
    ppp = payload[off:]
    if ppp[:2] == b"\xff\x03":
        ppp = ppp[2:]
    if ppp[:1] == b"\x21":
        return ppp[1:]
    return ppp[2:] if ppp[:2] == b"\x00\x21" else None


def stream_peer(cfg_path, out_path):
    """Sends ICMP echo to the core host through the static session, encrypted
    with the current inbound SA (the old one until `switch_file` exists), and
    decrypts the replies with whichever outbound SA their SPI names."""
    from scapy.all import ICMP, IP, UDP, Raw, raw
    from scapy.layers.ipsec import ESP, SecurityAssociation
    with open(cfg_path) as f:
        cfg = json.load(f)

    def sa(spi, key_hex):
        return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=bytes.fromhex(key_hex),
                                   auth_algo="NULL")
    send_sas = [sa(s, k) for s, k in cfg["send"]]
    recv_sas = {s: sa(s, k) for s, k in cfg["recv"]}
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
    rx.setblocking(False)
    res = {"sent": [0, 0], "first_new_seq": None, "received": 0, "replies_by_spi": {}, "unknown_spi": 0,
           "decrypt_failures": 0, "not_echo": 0, "duplicates": 0, "lost": []}
    got = set()
    esp_seq = [0, 0]
    which = 0
    seq = 0
    stop_at = None
    next_send = time.monotonic()

    def receive():
        while True:
            try:
                data = rx.recv(4096)
            except BlockingIOError:
                return
            pkt = IP(data)
            if pkt.dst != cfg["lac"] or ESP not in pkt:
                continue
            spi = pkt[ESP].spi
            s = recv_sas.get(spi)
            if s is None:
                res["unknown_spi"] += 1
                continue
            try:
                inner = s.decrypt(pkt)
            except Exception:  # noqa: BLE001 - an ICV failure is counted
                res["decrypt_failures"] += 1
                continue
            ip = l2tp_ppp_ip(raw(inner[UDP].payload)) if UDP in inner else None
            echo = IP(ip) if ip else None
            if echo is None or ICMP not in echo or echo[ICMP].type != 0 or echo[ICMP].id != 0x5a5a:
                res["not_echo"] += 1
                continue
            n = echo[ICMP].seq
            if n in got:
                res["duplicates"] += 1
                continue
            got.add(n)
            res["received"] += 1
            res["replies_by_spi"][str(spi)] = res["replies_by_spi"].get(str(spi), 0) + 1

    deadline = time.monotonic() + cfg["max_seconds"]
    while time.monotonic() < deadline:
        now = time.monotonic()
        if stop_at is None and os.path.exists(cfg["stop_file"]):
            stop_at = now
        if stop_at is not None and now - stop_at > 1.5:
            break
        if which == 0 and os.path.exists(cfg["switch_file"]):
            which = 1
            res["first_new_seq"] = seq
        if stop_at is None and now >= next_send and seq < 65535:
            inner = (IP(src=cfg["sub"], dst=cfg["core"]) / ICMP(type=8, id=0x5a5a, seq=seq)
                     / Raw(b"lnsd-rekey-" + b"x" * 40))
            l2tp = struct.pack("!HHH", 0x0002, cfg["tunnel"], cfg["session"]) + b"\xff\x03\x00\x21" + raw(inner)
            esp_seq[which] += 1
            pkt = IP(src=cfg["lac"], dst=cfg["lns"]) / UDP(sport=1701, dport=1701) / Raw(l2tp)
            enc = send_sas[which].encrypt(IP(raw(pkt)), seq_num=esp_seq[which])
            tx.sendto(raw(enc), (cfg["lns"], 0))
            res["sent"][which] += 1
            seq += 1
            next_send += cfg["interval"]
            with open(cfg["progress_file"] + ".tmp", "w") as f:
                json.dump({"sent": seq, "received": res["received"], "which": which}, f)
            os.replace(cfg["progress_file"] + ".tmp", cfg["progress_file"])
        r, _, _ = select.select([rx], [], [], max(0.0, min(0.005, next_send - time.monotonic())))
        if r:
            receive()
    receive()
    res["lost"] = sorted(set(range(seq)) - got)[:50]
    res["lost_count"] = seq - len(got)
    with open(out_path, "w") as f:
        json.dump(res, f)


# ---- lnsd and the API ---------------------------------------------------------------------

def lab_class():
    import test_mgmt_api as tma
    from l2tp_lab import LNS_A

    class SaLab(tma.ApiLab):
        def lnsd_config(self, prefix, l2tp=None):
            cfg = super().lnsd_config(prefix, l2tp)
            r0_in, r0_out = pair_objs("r0")
            r0_in["reply_sa"] = "r0-out"
            cfg["ipsec"] = {"max_sas": MAX_SAS, "sas": [r0_out, r0_in]}
            cfg["sessions"] = [{"name": "rk", "port": "access0", "local_tunnel_id": STATIC_TUNNEL,
                                "local_session_id": STATIC_SESSION, "remote_tunnel_id": REMOTE_TUNNEL,
                                "remote_session_id": REMOTE_SESSION, "lac_address": STREAM_LAC,
                                "ipv4": STREAM_SUB}]
            return cfg

        def setup(self):
            from l2tp_lab import sh
            super().setup()
            sh(["ip", "addr", "add", f"{STREAM_LAC}/24", "dev", self.vap], ns=self.ns_lac)
            sh(["ip", "route", "add", f"{STREAM_SUB}/32", "via", "198.51.100.1"], ns=self.ns_core)
            assert LNS_A
    return SaLab


def sas(api):
    st, j, _, _ = api.get("/api/v1/sas")
    if st != 200:
        raise RuntimeError(f"GET /api/v1/sas: {st} {j}")
    return {r["name"]: r for r in j["sas"]}


def post_sa(api, obj):
    return api.call("POST", "/api/v1/sas", body=json.dumps(obj), route="/api/v1/sas",
                    headers={"Content-Type": "application/json"})


def wait_for(fn, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


def run_add(checks, lab, emu_bin, lnsd, api):
    import test_l2tp_ipsec_emulator as tie
    import test_lac_emulator as le
    from l2tp_lab import CORE_HOST, LAC_IP, LNS_A, Case
    case = Case(checks, "add", lnsd)
    client = tie.GOOD[:1]
    out_obj, in_obj = tie.lnsd_sas(client, "e", LNS_A, LAC_IP)  # e0-out, e0-in (reply_sa e0-out)
    st, j, raw, _ = post_sa(api, out_obj)
    case.check("add_outbound_201", st == 201 and j["name"] == "e0-out" and j["sa"]["direction"] == "outbound"
               and j["sa"]["natt"] == {"local_port": 4500, "peer_port": client[0][0]}, f"{st} {raw}")
    st, j, raw, _ = post_sa(api, in_obj)
    case.check("add_inbound_201", st == 201 and j["sa"]["reply_sa"] == "e0-out" and j["sa"]["spi"] == client[0][3]
               and "key" not in j["sa"] and "auth_key" not in j["sa"], f"{st} {raw}")
    rows = sas(api)
    case.check("listed", {"e0-in", "e0-out", "r0-in", "r0-out"} <= set(rows) and
               rows["e0-in"]["packets"] == 0, f"{sorted(rows)}")
    ipsec = os.path.join(lab.workdir, "api.ipsec")
    tie.ipsec_file(ipsec, client)
    emu = le.Emu(lab, emu_bin, "api", tie.emu_args(ipsec, 1, 2, 5, ["--traffic", 300, "--traffic-dest", CORE_HOST,
                                                                    "--traffic-proto", "icmp"]))
    case.xl = emu
    up = wait_for(lambda: sas(api)["e0-out"].get("sessions") == 2 or not emu.running(), 30)
    st, j, raw, _ = api.call("DELETE", "/api/v1/sas/e0-out", route="/api/v1/sas/{name}")
    case.check("delete_in_use_409", up and st == 409 and j.get("session_count") == 2 and len(j["sessions"]) == 2
               and j.get("inbound_sas") == ["e0-in"], f"{st} {raw}")
    case.check("delete_in_use_names_them", st == 409 and "2 session(s)" in j.get("error", "")
               and "1 inbound SA(s)" in j.get("error", ""), f"{raw}")
    case.eq("emulator_exit_0", emu.wait(90), 0)
    rep = emu.report or {}
    t = rep.get("ppp", {}).get("traffic", {})
    case.check("traffic_no_loss", t.get("sent", 0) >= 300 and t.get("received") == t.get("sent") and
               t.get("lost") == 0, f"ICMP echo over the API's SAs: {le.subset(t, ('sent', 'received', 'lost'))}")
    case.eq("ppp_up", rep.get("ppp", {}).get("up"), 2)
    pc = (rep.get("ipsec", {}).get("per_client") or [{}])[0]
    rows = sas(api)
    rin, rout = rows.get("e0-in", {}), rows.get("e0-out", {})
    case.eq("in_packets_eq_emulator_tx", rin.get("packets"), pc.get("tx_packets"))
    case.check("out_packets_ge_emulator_rx", pc.get("rx_packets", -1) <= rout.get("packets", 0)
               <= pc.get("rx_packets", -1) + 2, f"lnsd {rout.get('packets')} emulator {pc.get('rx_packets')}")
    case.check("no_sa_drops", not any(v for r in (rin, rout) for v in r.get("drops", {}).values()),
               f"{rin.get('drops')} {rout.get('drops')}")
    wait_for(lambda: sas(api)["e0-out"].get("sessions") == 0, 10)
    st, j, raw, _ = api.call("DELETE", "/api/v1/sas/e0-out", route="/api/v1/sas/{name}")
    case.check("delete_outbound_still_answering_409", st == 409 and j.get("inbound_sas") == ["e0-in"]
               and j.get("session_count") == 0, f"{st} {raw}")
    st, _, raw, _ = api.call("DELETE", "/api/v1/sas/e0-in", route="/api/v1/sas/{name}")
    case.check("delete_inbound_204", st == 204 and raw == "", f"{st} {raw!r}")
    st, _, raw, _ = api.call("DELETE", "/api/v1/sas/e0-out", route="/api/v1/sas/{name}")
    case.check("delete_outbound_204", st == 204, f"{st} {raw!r}")
    rows = sas(api)
    case.check("gone", "e0-in" not in rows and "e0-out" not in rows and {"r0-in", "r0-out"} <= set(rows),
               f"{sorted(rows)}")


def run_rejects(checks, lab, lnsd, api):
    from l2tp_lab import LAC_IP, LNS_C, Case
    case = Case(checks, "rejects", lnsd)
    before = sas(api)
    good = sa_obj("x-in", "inbound", 0x7000, gcm_key(9), LAC_IP)

    def post(label, obj_or_text, status, *needles):
        body = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text, indent=1)
        st, j, raw, _ = api.call("POST", "/api/v1/sas", body=body, route="/api/v1/sas")
        text = "\n".join([str((j or {}).get("error", ""))] + list((j or {}).get("errors", [])))
        case.check(label, st == status and all(n in text for n in needles), f"{st} {raw}")

    post("not_json_400", "{\"name\": ", 400, "JSON object")
    post("not_object_400", "[1, 2]", 400, "JSON object")
    post("unknown_key_422", dict(good, colour="red"), 422, "request:", ": colour: unknown key 'colour'")
    post("short_key_422", dict(good, key=gcm_key(9)[:18].hex()), 422,
         ": key: aes-gcm-128 needs 20 key bytes (key and 4-byte salt), got 18")
    post("reserved_spi_422", dict(good, spi=255), 422, ": spi: SPI 255 is reserved")
    post("local_not_access_422", dict(good, local=LNS_C), 422,
         f": local: {LNS_C} is not the address of an access port")
    post("gcm_with_hmac_422", dict(good, integrity="hmac-sha1-96"), 422, ": integrity: aes-gcm-128 is a combined mode")
    post("reply_sa_unknown_422", dict(good, reply_sa="nosuch"), 422, ": reply_sa: 'nosuch' is not a live outbound SA")
    post("reply_sa_inbound_422", dict(good, reply_sa="r0-in"), 422, ": reply_sa: 'r0-in' is not a live outbound SA")
    post("duplicate_name_409", dict(good, name="r0-in"), 409, ": name: an SA named 'r0-in' exists")
    post("duplicate_spi_local_409", dict(good, spi=PAIRS["r0"]["in_spi"], peer=STREAM_LAC), 409,
         f"inbound SPI {PAIRS['r0']['in_spi']} on 203.0.113.1 is already used by SA 'r0-in'")
    # line numbers: json.dumps(indent=1) puts each key on its own line
    st, j, _, _ = api.call("POST", "/api/v1/sas", body=json.dumps(dict(good, spi=12), indent=1), route="/api/v1/sas")
    case.check("line_of_the_key", st == 422 and any(e.startswith("request:4:") for e in j.get("errors", [])),
               f"{st} {j}")
    st, j, _, _ = api.call("DELETE", "/api/v1/sas/nosuch", route="/api/v1/sas/{name}")
    case.eq("delete_unknown_404", st, 404)
    # a full table
    free = MAX_SAS - len(before)
    fill = [sa_obj(f"fill{i}", "outbound", 0x6000 + i, gcm_key(20 + i), LAC_IP) for i in range(free)]
    added = [post_sa(api, o)[0] for o in fill]
    case.eq("fill_201", added, [201] * free)
    post("table_full_507", sa_obj("one-more", "outbound", 0x6100, gcm_key(40), LAC_IP), 507,
         f"SA table full: {MAX_SAS} of {MAX_SAS}")
    deleted = [api.call("DELETE", f"/api/v1/sas/fill{i}", route="/api/v1/sas/{name}")[0] for i in range(free)]
    case.eq("unfill_204", deleted, [204] * free)
    # rekey rejections
    r1_in, r1_out = pair_objs("r1")

    def rekey(label, name, body, status, *needles):
        st, j, raw, _ = api.call("POST", f"/api/v1/sas/{name}/rekey", body=json.dumps(body, indent=1),
                                 route="/api/v1/sas/{name}/rekey")
        text = "\n".join([str((j or {}).get("error", ""))] + list((j or {}).get("errors", [])))
        case.check(label, st == status and all(n in text for n in needles), f"{st} {raw}")

    rekey("rekey_unknown_404", "nosuch", {"inbound": r1_in, "outbound": r1_out}, 404, "no SA named 'nosuch'")
    rekey("rekey_inbound_as_outbound_422", "r0-in", {"inbound": r1_in, "outbound": dict(r1_out, direction="inbound")},
          422, "outbound.direction: must be outbound")
    rekey("rekey_spi_live_409", "r0-in", {"inbound": dict(r1_in, spi=PAIRS["r0"]["in_spi"]), "outbound": r1_out},
          409, "is already used by SA 'r0-in'")
    rekey("rekey_no_outbound_422", "r0-in", {"inbound": r1_in}, 422, "(root): missing key 'outbound'")
    after = sas(api)
    case.eq("nothing_added", sorted(after), sorted(before))
    # the records of the deleted SAs are reused after an RCU grace period
    case.check("room_again", wait_for(lambda: post_sa(api, fill[0])[0] == 201, 5) and
               api.call("DELETE", "/api/v1/sas/fill0", route="/api/v1/sas/{name}")[0] == 204, "")


def run_rekey(checks, lab, lnsd, api):
    from l2tp_lab import CORE_HOST, LNS_A, Case
    case = Case(checks, "rekey", lnsd)
    rows = sas(api)
    case.check("static_pair_bound", rows.get("r0-out", {}).get("sessions") == 1 and
               rows.get("r0-in", {}).get("reply_sa") == "r0-out", f"{rows.get('r0-out')} {rows.get('r0-in')}")
    wd = lab.workdir
    cfg = {"lac": STREAM_LAC, "lns": LNS_A, "sub": STREAM_SUB, "core": CORE_HOST, "tunnel": STATIC_TUNNEL,
           "session": STATIC_SESSION, "interval": INTERVAL, "max_seconds": 60,
           "send": [[PAIRS[t]["in_spi"], PAIRS[t]["in_key"].hex()] for t in ("r0", "r1")],
           "recv": [[PAIRS[t]["out_spi"], PAIRS[t]["out_key"].hex()] for t in ("r0", "r1")],
           "switch_file": os.path.join(wd, "stream.switch"), "stop_file": os.path.join(wd, "stream.stop"),
           "progress_file": os.path.join(wd, "stream.progress")}
    cfg_path, out_path = os.path.join(wd, "stream.json"), os.path.join(wd, "stream.result.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    err = open(os.path.join(wd, "stream.stderr"), "w")
    p = subprocess.Popen(["ip", "netns", "exec", lab.ns_lac, "/usr/bin/python3", os.path.abspath(__file__),
                          "--stream-peer", cfg_path, out_path], stdout=err, stderr=err, start_new_session=True)
    err.close()
    lab.procs.append(p)

    def progress():
        try:
            with open(cfg["progress_file"]) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    flowing = wait_for(lambda: (progress() or {}).get("received", 0) >= 150, 20)
    case.check("old_pair_flowing", flowing, f"stream progress {progress()}")
    r0_before = sas(api)
    r1_in, r1_out = pair_objs("r1")
    r1_in["lifetime"] = {"soft_packets": SOFT_PACKETS, "hard_packets": 1000000}
    st, j, raw, _ = api.call("POST", "/api/v1/sas/r0-in/rekey", body=json.dumps({"inbound": r1_in, "outbound": r1_out}),
                             route="/api/v1/sas/{name}/rekey")
    ok = st == 200
    case.check("rekey_200", ok and j["deleted"] == ["r0-out"] and j["old_inbound"] == "r0-in" and
               j["outbound"]["name"] == "r1-out" and j["outbound"]["sessions"] == 1 and
               j["inbound"]["reply_sa"] == "r1-out", f"{st} {raw}")
    # The overlap: the sender keeps using r0-in for half a second (as a peer
    # whose CREATE_CHILD_SA answer is still on its way); lnsd accepts it and
    # already answers under r1-out.
    time.sleep(0.5)
    mid = sas(api)
    case.check("old_inbound_still_accepted", mid.get("r0-in", {}).get("packets", 0) >=
               r0_before["r0-in"]["packets"] + 20, f"r0-in {r0_before['r0-in']['packets']} -> "
               f"{mid.get('r0-in', {}).get('packets')}")
    case.check("replies_on_new_outbound", mid.get("r1-out", {}).get("packets", 0) >= 20,
               f"r1-out {mid.get('r1-out')}")
    with open(cfg["switch_file"], "w") as f:
        f.write("switch\n")
    time.sleep(0.5)  # packets sent with r0-in before the switch are through
    a = sas(api)
    time.sleep(1.0)
    b = sas(api)
    case.check("old_inbound_stopped", "r0-in" in a and a["r0-in"]["packets"] == b["r0-in"]["packets"],
               f"r0-in packets {r0_before.get('r0-in', {}).get('packets')} -> {a.get('r0-in', {}).get('packets')}"
               f" -> {b.get('r0-in', {}).get('packets')}")
    old_in_packets = a.get("r0-in", {}).get("packets")
    case.check("new_pair_grows", b.get("r1-in", {}).get("packets", 0) > a.get("r1-in", {}).get("packets", 0) > 0 and
               b.get("r1-out", {}).get("packets", 0) > a.get("r1-out", {}).get("packets", 0) > 0,
               f"r1-in {a.get('r1-in', {}).get('packets')} -> {b.get('r1-in', {}).get('packets')}, "
               f"r1-out {a.get('r1-out', {}).get('packets')} -> {b.get('r1-out', {}).get('packets')}")
    case.check("old_outbound_gone", "r0-out" not in b, f"{sorted(b)}")
    st, _, raw, _ = api.call("DELETE", "/api/v1/sas/r0-in", route="/api/v1/sas/{name}")
    case.check("delete_old_inbound_204", st == 204, f"{st} {raw}")
    time.sleep(1.0)
    with open(cfg["stop_file"], "w") as f:
        f.write("stop\n")
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
    try:
        with open(out_path) as f:
            res = json.load(f)
    except (OSError, ValueError) as e:
        case.fail("stream_result", f"{e}: {open(os.path.join(wd, 'stream.stderr')).read()[-2000:]}")
        return
    sent = sum(res["sent"])
    case.check("stream_sent_both", res["sent"][0] >= 170 and res["sent"][1] >= 150, f"{res['sent']}")
    case.eq("r0_in_counted_every_old_packet", old_in_packets, res["sent"][0])
    case.check("no_packet_lost", sent > 0 and res["lost_count"] == 0 and res["received"] == sent,
               f"sent {res['sent']} received {res['received']} lost {res['lost_count']} (first: {res['lost']})")
    by_spi = {int(k): v for k, v in res["replies_by_spi"].items()}
    case.check("replies_under_both_spis", by_spi.get(PAIRS["r0"]["out_spi"], 0) > 0 and
               by_spi.get(PAIRS["r1"]["out_spi"], 0) > 0 and sum(by_spi.values()) == res["received"], f"{by_spi}")
    case.eq("stream_clean", (res["unknown_spi"], res["decrypt_failures"], res["duplicates"]), (0, 0, 0))
    rows = sas(api)
    r1in, r1out = rows.get("r1-in", {}), rows.get("r1-out", {})
    case.eq("r1_in_counted_every_new_packet", r1in.get("packets"), res["sent"][1])
    case.check("r1_out_counted", r1out.get("packets", 0) >= by_spi.get(PAIRS["r1"]["out_spi"], 0), f"{r1out}")
    case.check("no_sa_drops", not any(v for r in (r1in, r1out) for v in r.get("drops", {}).values()),
               f"{r1in.get('drops')} {r1out.get('drops')}")
    case.check("old_gone", "r0-in" not in rows and "r0-out" not in rows, f"{sorted(rows)}")
    case.check("session_on_new_sa", r1out.get("sessions") == 1, f"{r1out}")


def run_views(checks, lab, lnsd, api):
    import test_mgmt_api as tma
    from l2tp_lab import LAC_IP, Case
    case = Case(checks, "views", lnsd)
    rows = sas(api)
    st, j, _, _ = api.get("/api/v1/stats")
    srows = {r["name"]: r for r in (j or {}).get("sas", [])}
    case.check("stats_rows", st == 200 and set(srows) == set(rows) and
               all(srows[n]["spi"] == rows[n]["spi"] and srows[n]["direction"] == rows[n]["direction"]
                   for n in rows), f"{sorted(srows)} vs {sorted(rows)}")
    st, _, text, _ = api.get("/metrics")
    want = ['lnsd_sa_packets_total{sa="r1-in",direction="inbound"} ',
            'lnsd_sa_bytes_total{sa="r1-out",direction="outbound"} ',
            'lnsd_sa_drops_total{sa="r1-in",direction="inbound",reason="icv_mismatch"} 0',
            'lnsd_sa_drops_total{sa="r1-in",direction="inbound",reason="replay_duplicate"} 0',
            'lnsd_sa_soft_expired{sa="r1-in",direction="inbound"} 1',
            'lnsd_sa_soft_expired{sa="r1-out",direction="outbound"} 0',
            'lnsd_sa_hard_expired{sa="r1-in",direction="inbound"} 0',
            'lnsd_sa_hard_expired{sa="r1-out",direction="outbound"} 0',
            f"lnsd_sas {len(rows)}", "# TYPE lnsd_sa_packets_total counter", "# TYPE lnsd_sa_soft_expired gauge"]
    case.check("metrics_sa_families", st == 200 and all(w in text for w in want),
               f"missing {[w for w in want if w not in text]}")
    case.check("soft_expired_state", rows["r1-in"]["soft_expired"] and not rows["r1-in"]["hard_expired"] and
               rows["r1-in"]["lifetime"]["soft_packets"] == SOFT_PACKETS and rows["r1-in"]["packets"] > SOFT_PACKETS
               and not rows["r1-out"]["soft_expired"], f"{rows['r1-in']}")
    ctl = wait_for(lambda: api.get("/api/v1/stats")[1]["control"].get("sa_soft_expired", 0) >= 1, 3)
    case.check("soft_expiry_counted", ctl, "control.sa_soft_expired stays 0")
    m = [ln for ln in text.splitlines() if ln.startswith('lnsd_sa_packets_total{sa="r1-in"')]
    now = sas(api)["r1-in"]["packets"]
    case.check("metrics_value", len(m) == 1 and rows["r1-in"]["packets"] <= int(m[0].split()[-1]) <= now,
               f"{m} api {rows['r1-in']['packets']}..{now}")
    rc, out, err = tma.lnsctl(lab, "show", "sas")
    case.check("lnsctl_show_sas", rc == 0 and "r1-in" in out and "r1-out" in out and "0x00004001" in out and
               f"{len(rows)} SA(s) of {MAX_SAS}" in out, f"{rc} {out} {err}")
    rc, out, err = tma.lnsctl(lab, "--json", "show", "sas")
    case.check("lnsctl_show_sas_json", rc == 0 and {r["name"] for r in json.loads(out)["sas"]} == set(rows),
               f"{rc} {out[:300]} {err}")
    path = os.path.join(lab.workdir, "ctl-sa.json")
    with open(path, "w") as f:
        json.dump(sa_obj("ctl-out", "outbound", 0x6200, gcm_key(50), LAC_IP), f)
    rc, out, err = tma.lnsctl(lab, "sa", "add", path)
    case.check("lnsctl_sa_add", rc == 0 and "SA ctl-out added" in out, f"{rc} {out} {err}")
    rc, out, err = tma.lnsctl(lab, "sa", "add", path)
    case.check("lnsctl_sa_add_duplicate", rc == 1 and "409" in err and "an SA named 'ctl-out' exists" in err,
               f"{rc} {out} {err}")
    rc, out, err = tma.lnsctl(lab, "sa", "delete", "ctl-out")
    case.check("lnsctl_sa_delete", rc == 0 and "SA ctl-out deleted" in out and "ctl-out" not in sas(api),
               f"{rc} {out} {err}")
    r2_in, r2_out = pair_objs("r2")
    with open(path, "w") as f:
        json.dump({"inbound": r2_in, "outbound": r2_out}, f)
    rc, out, err = tma.lnsctl(lab, "sa", "rekey", "r1-out", path)
    now = sas(api)
    case.check("lnsctl_sa_rekey", rc == 0 and "rekeyed: new r2-in / r2-out; deleted r1-out" in out and
               now.get("r2-out", {}).get("sessions") == 1 and "r1-out" not in now and
               now.get("r1-in", {}).get("reply_sa") == "r2-out", f"{rc} {out} {err} {sorted(now)}")


def run_secrets(checks, lab, lnsd, api, emu_key_hex):
    import test_mgmt_api as tma
    from l2tp_lab import Case
    case = Case(checks, "secrets", lnsd)
    keys = all_key_hex() + [gcm_key(50).hex()] + emu_key_hex
    leaked = []
    for m, r, s, body in api.seen:
        text = json.dumps(body) if body is not None else ""
        leaked += [(m, r, s, k[:8]) for k in keys if k in text or k[:32] in text]
    case.check("no_key_in_answers", not leaked and len(api.seen) > 20, f"{leaked[:5]} of {len(api.seen)} answers")
    logs = ""
    for path in (os.path.join(lab.workdir, "main.lnsd.stdout"), os.path.join(lab.workdir, "main.lnsd.stderr")):
        try:
            with open(path) as f:
                logs += f.read()
        except OSError:
            pass
    case.check("no_key_in_logs", logs and not [k for k in keys if k in logs or k[:32] in logs],
               f"{len(logs)} bytes of logs")
    case.check("api_requests_logged", '"api_request"' in logs or "api_request" in logs, logs[-500:])
    tma.check_statuses(checks, api)


def main():
    import harness
    import l2tp_lab
    import lnsd as lnsrun
    import test_l2tp_ipsec_emulator as tie
    import test_mgmt_api as tma
    args = harness.parse_args(__doc__)
    checks = harness.Checks("mgmt_sa")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    emu_bin = harness.emulator_binary(args.build_dir, checks)
    l2tp_lab.exit_on_sigterm()
    t0 = time.monotonic()
    port = 20000 + (os.getpid() + 7) % 20000
    with lnsrun.WorkDir("mgmtsa", args.keep) as wd:
        lab = lab_class()("ms", wd.path, binary, port)
        api = tma.Api(port)
        try:
            lab.setup()
            lnsd = lab.start_lnsd("main", {"accept_unknown_peers": True})
            wait_for(lambda: api.call("GET", "/healthz", token=None)[0] == 200, 10)
            checks.guard("add", run_add, checks, lab, emu_bin, lnsd, api)
            checks.guard("rejects", run_rejects, checks, lab, lnsd, api)
            checks.guard("rekey", run_rekey, checks, lab, lnsd, api)
            checks.guard("views", run_views, checks, lab, lnsd, api)
            c = tie.GOOD[0]
            emu_keys = [tie.key_bytes(c[3], c[1]).hex(), tie.key_bytes(c[4], c[1]).hex()]
            lnsd.stop()
            checks.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}\n{lnsd.logs()}")
            checks.guard("secrets", run_secrets, checks, lab, lnsd, api, emu_keys)
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--stream-peer":
        stream_peer(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
