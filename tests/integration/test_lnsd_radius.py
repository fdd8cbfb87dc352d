#!/usr/bin/python3
"""Integration test: subscriber sessions through lnsd with RADIUS -- a real
freeradius 3.2 started by the test (lib/freeradius.py) authenticates the PPP
subscribers of lns-lac-emu (and of lns-pppd carried by xl2tpd), receives lnsd's
accounting, and radclient sends RFC 5176 Disconnect-Request / CoA-Request to
lnsd's DAE listener.

  netns LAC                         lnsd (root netns)                netns core: 198.51.100.2
  lns-lac-emu --ppp (one per case,  access0 203.0.113.1 | core0      (route 100.64/16 via lnsd)
  own UDP port), xl2tpd+lns-pppd    198.51.100.1                     dumpcap (ICMP sources)
  203.0.113.2  ======== veth ======  |  ============ veth ===========
                  RADIUS: freeradius on 127.0.0.1 (free auth/acct ports); DAE 127.0.0.1:PORT <- radclient

lnsd: `aaa.backend: radius`, pool 100.64.0.0/17, `aaa.radius.interim_interval_s`
60 (the minimum), `nas_identifier` lnsd-e2e, DAE listener with radclient's
address as its client, `ppp.echo_interval_s: 0` (no LCP echo: lnsd sends
nothing into a session but the subscriber traffic and the PPP it must).
freeradius users (its `files` module): each has a Cleartext-Password; papuser,
chapuser, msuser have a Framed-IP-Address outside the pool (100.64.200.x) and
Acct-Interim-Interval 1.

Cases, in two groups whose cases run at once (own users, own emulator port):
  pap, chap, mschapv2
            one subscriber each (--auth METHOD), ICMP echo to the core host
            for a 2 s hold, CDN from the emulator.  The emulator's session is up
            (for MS-CHAPv2 it checked lnsd's authenticator response, which came
            from freeradius's MS-CHAP2-Success); every echo came back; the core
            host saw the echo requests from exactly the Framed-IP-Address (its
            capture, read by tshark); freeradius's detail file has one Start and
            one Stop with the same Acct-Session-Id, Framed-IP-Address,
            Acct-Authentic RADIUS, NAS-IP-Address / NAS-Identifier / NAS-Port-Type
            Virtual / Service-Type Framed-User / Framed-Protocol PPP; the Stop has
            Acct-Terminate-Cause Lost-Carrier (or User-Request) and
            Acct-Input-Packets/-Octets = what the emulator sent,
            Acct-Output-Packets/-Octets = what it received (lnsd counts inner IP
            bytes; exact), gigawords 0; no Interim (Acct-Interim-Interval 1 in
            the Access-Accept is raised to lnsd's 60 s floor).
  reject    a wrong password: Access-Reject -> the emulator's authentication
            fails (auth_rejected), no accounting record for the user.
  user_request
            xl2tpd (a real LAC) carrying lns-pppd: 5 pings, then the subscriber
            sends LCP Terminate-Request and xl2tpd clears the call: Stop with
            Acct-Terminate-Cause User-Request (RFC 2866 5.10: "for example with
            LCP Terminate"), Acct-Input-Packets/-Octets = the 5 pings.
  timeout   Access-Accept with Session-Timeout 3: lnsd ends the session (LCP
            Terminate, CDN) 3 s into the service: Stop ~3 s after the Start,
            Acct-Terminate-Cause Session-Timeout, Acct-Session-Time 3 (or 4 on
            a loaded host): the service time, counted from IPCP up, reaches the
            Session-Timeout.
  dae       3 subscribers (pool addresses).  radclient Disconnect-Request by
            Acct-Session-Id (taken from the Start record), by Framed-IP-Address,
            by User-Name: each Disconnect-ACK; each session really ends (the
            emulator sees 3 drops and 3 CDNs from lnsd); 3 Stops with
            Admin-Reset and the Start's Acct-Session-Id.  A Disconnect-Request
            for an unknown Acct-Session-Id: Disconnect-NAK with Error-Cause
            Session-Context-Not-Found (503).  Acct-Input-Packets summed over the
            Stops = what the emulator sent (less at most one per session, sent
            as lnsd tore it down).
  coa       Access-Accept with Session-Timeout 3600; radclient CoA-Request with
            Session-Timeout 6, Acct-Interim-Interval 2 and a
            Message-Authenticator: CoA-ACK with a Message-Authenticator;
            Interim-Update records follow (same Acct-Session-Id, counters
            non-decreasing up to the Stop's); the session ends 6 s into the
            service (Stop, Session-Timeout, Acct-Session-Time 6..7); a CoA for an
            unknown session: CoA-NAK 503.  (The CoA's interval is applied as
            given: lnsd's 60 s floor applies to the Access-Accept only.)
At the end: lnsd's subscriber counters (sessions up, accepts, rejects, Start /
Stop sent, disconnects, DAE ACK / NAK, session timeouts), every accounting
request answered, no subscriber or pool address left, lnsd exits 0.

Exit status 0 when every check passed.  Every wait is bounded; lnsd,
freeradius, dumpcap, xl2tpd and the emulators are stopped by PID and the
namespaces removed in a `finally` (and on SIGTERM).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)

import freeradius  # noqa: E402
import harness  # noqa: E402
import l2tp_lab  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import pppd_lac  # noqa: E402
import test_lac_emulator as le  # noqa: E402
import tshark  # noqa: E402
from l2tp_lab import CORE_HOST, LAC_IP, Case, read_text, sh, stop_process  # noqa: E402

POOL = "100.64.0.0/17"
ROUTE = "100.64.0.0/16"
SECRET = "lnsd-radius-s3cret"
DAE_SECRET = "lnsd-dae-s3cret"
FIXED = {"pap": ("papuser", "pw-pap", "100.64.200.1"), "chap": ("chapuser", "pw-chap", "100.64.200.2"),
         "mschapv2": ("msuser", "pw-ms", "100.64.200.3")}
USERS = "".join(f'{u} Cleartext-Password := "{pw}"\n\tFramed-IP-Address = {ip},\n\tAcct-Interim-Interval = 1\n\n'
                for u, pw, ip in FIXED.values())
USERS += 'brief Cleartext-Password := "pw"\n\tSession-Timeout = 3\n\n'
USERS += 'coauser Cleartext-Password := "pw"\n\tSession-Timeout = 3600\n\n'
USERS += "".join(f'dae{n} Cleartext-Password := "pw"\n\n' for n in range(4))
USERS += 'xlrad Cleartext-Password := "pw-xl"\n\n'
USERS += 'rejuser Cleartext-Password := "right-password"\n\n'
TRAFFIC_PPS, TRAFFIC_SIZE = 40, 100
NAS_ATTRS = {"NAS-IP-Address": l2tp_lab.LNS_A, "NAS-Identifier": "lnsd-e2e", "NAS-Port-Type": "Virtual",
             "Service-Type": "Framed-User", "Framed-Protocol": "PPP"}


class LockedChecks(harness.Checks):
    """Checks recorded from the threads of a group of cases."""

    def __init__(self, suite):
        super().__init__(suite)
        self.lock = threading.RLock()

    def check(self, name, cond, detail=""):
        with self.lock:
            return super().check(name, cond, detail)


def run_group(checks, cases):
    """Run (name, fn, args) cases at once, one thread each; bounded join."""
    threads = [threading.Thread(target=checks.guard, args=(name, fn) + args, name=name, daemon=True)
               for name, fn, args in cases]
    for t in threads:
        t.start()
        time.sleep(0.2)  # stagger the tunnel setups a little
    deadline = time.monotonic() + 90
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
        if t.is_alive():
            checks.fail(f"{t.name}.finished", "case still running after 90 s")


class RadiusLab(le.EmuLab):
    """The emulator lab with lnsd on RADIUS (freeradius on 127.0.0.1), a DAE
    listener, and the subscribers' route on the core host."""

    def __init__(self, tag, workdir, binary, fr, dae_port):
        super().__init__(tag, workdir, binary)
        self.fr = fr
        self.dae_port = dae_port

    def lnsd_config(self, prefix, l2tp=None):
        cfg = super().lnsd_config(prefix, l2tp)
        cfg["ppp"] = {"auth": ["chap", "mschapv2", "pap"], "echo_interval_s": 0, "ipv6": False}
        cfg["aaa"] = {
            "backend": "radius",
            "ipv4_pools": [{"name": "subs", "prefix": POOL}],
            "radius": {
                "servers": [{"address": "127.0.0.1", "secret": SECRET, "auth_port": self.fr.auth_port,
                             "acct_port": self.fr.acct_port}],
                "timeout_ms": 1000, "retries": 3, "source_ports": 2,
                "nas_identifier": "lnsd-e2e", "interim_interval_s": 60,
                "dae_listen": "127.0.0.1", "dae_port": self.dae_port,
                "dae_clients": [{"address": "127.0.0.1", "secret": DAE_SECRET}],
            },
        }
        return cfg

    def setup(self):
        super().setup()
        sh(["ip", "route", "add", ROUTE, "via", l2tp_lab.LNS_C], ns=self.ns_core)

    def start_core_capture(self, name, timeout=10.0):
        """dumpcap on the core host's veth (what lnsd forwards upstream)."""
        path = os.path.join(self.workdir, f"{name}.pcap")
        errpath = os.path.join(self.workdir, f"{name}.dumpcap.stderr")
        with open(errpath, "w") as err:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns_core, l2tp_lab.DUMPCAP, "-i", self.vcp, "-P",
                                  "-q", "-f", "icmp", "-w", path], stdout=subprocess.DEVNULL, stderr=err,
                                 start_new_session=True)
        self.procs.append(p)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and p.poll() is None:
            if "Capturing on" in read_text(errpath) and os.path.exists(path):
                cap = l2tp_lab.Capture(p, path, errpath)
                self.active.append(cap)
                return cap
            time.sleep(0.05)
        stop_process(p, signal.SIGKILL)
        raise RuntimeError(f"dumpcap did not start on {self.vcp}: {read_text(errpath)[-300:]}")


def subs(snap):
    return snap.get("subscribers", {}) if snap else {}


def num(rec, key):
    try:
        return int(rec.get(key, ""))
    except ValueError:
        return None


def user_records(fr, user, status=None):
    return [r for r in fr.detail_records()
            if r.get("User-Name") == user and (status is None or r.get("Acct-Status-Type") == status)]


def wait_user_records(fr, user, status, count=1, timeout=10.0):
    return fr.wait_records(lambda r: r.get("User-Name") == user and r.get("Acct-Status-Type") == status,
                           count, timeout)


# Each case has its own emulator source port: the cases of a group run at once.
# (No fixed --seed: a new tunnel with the Assigned Tunnel ID of one lnsd still
# holds after its StopCCN would be taken for a retransmitted SCCRQ.)
PORTS = {"pap": 1701, "chap": 1702, "mschapv2": 1703, "reject": 1704, "timeout": 1705, "dae": 1706, "coa": 1707,
         "user_request": 1708}


def emu_args(case, auth, user, password, hold, extra=(), sessions=1):
    return (["--local", f"{LAC_IP}:{PORTS[case]}", "-t", 1, "-s", sessions, "--ppp", "--auth", auth,
             "--user-pattern", user, "--password", password, "--hold", hold, "--teardown", "cdn",
             "--timeout", 40] + list(extra))


def traffic_args(pps=TRAFFIC_PPS):
    return ["--traffic", pps, "--traffic-size", TRAFFIC_SIZE, "--traffic-dest", CORE_HOST, "--traffic-proto", "icmp"]


def radclient(lab, code, attrs, secret=DAE_SECRET):
    return freeradius.radclient(f"127.0.0.1:{lab.dae_port}", code, secret, attrs)


def echo_sources(cap_path):
    """{source address: count} of the ICMP echo requests the core host received."""
    out = {}
    for row in tshark.fields(cap_path, ["ip.src"], display_filter=f"icmp.type==8 && ip.dst=={CORE_HOST}"):
        out[row[0]] = out.get(row[0], 0) + 1
    return out


# ----------------------------------------------------------------------------- cases

def run_method(checks, lab, emu_bin, lnsd, fr, auth, results):
    """One subscriber authenticated by freeradius with `auth`, ICMP both ways, CDN."""
    case = Case(checks, auth, lnsd)
    user, pw, ip = FIXED[auth]
    hold = 2
    emu = le.Emu(lab, emu_bin, auth, emu_args(auth, auth, user, pw, hold, traffic_args()))
    case.xl = emu
    case.eq("emulator_exit_0", emu.wait(hold + 30), 0)
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_ppp", le.subset(p, ("authenticated", "ipcp_up", "up", "failed", "dropped")),
            {"authenticated": 1, "ipcp_up": 1, "up": 1, "failed": 0, "dropped": 0})
    t = p.get("traffic", {})
    sent, received = t.get("sent", 0), t.get("received", 0)
    case.check("traffic_round_trip", sent >= 20 and received == sent and t.get("rx_other", 0) == 0,
               f"ICMP echo through lnsd and back: {le.subset(t, ('sent', 'received', 'lost', 'rx_other'))}")
    results[auth] = {"ip": ip, "sent": sent}
    stops = wait_user_records(fr, user, "Stop")
    starts = user_records(fr, user, "Start")
    if not case.check("one_start_one_stop", len(starts) == 1 and len(stops) == 1,
                      f"{len(starts)} Start, {len(stops)} Stop records for {user}: {user_records(fr, user)}"):
        return
    st, sp = starts[0], stops[0]
    case.check("acct_session_id_consistent", st.get("Acct-Session-Id") and
               st.get("Acct-Session-Id") == sp.get("Acct-Session-Id"),
               f"Start {st.get('Acct-Session-Id')!r}, Stop {sp.get('Acct-Session-Id')!r}")
    case.eq("start_framed_ip", (st.get("Framed-IP-Address"), sp.get("Framed-IP-Address")), (ip, ip))
    case.eq("acct_authentic", (st.get("Acct-Authentic"), sp.get("Acct-Authentic")), ("RADIUS", "RADIUS"))
    case.eq("start_nas_attributes", {k: st.get(k) for k in NAS_ATTRS}, NAS_ATTRS)
    case.check("stop_cause_lac_cleared", sp.get("Acct-Terminate-Cause") in ("Lost-Carrier", "User-Request"),
               f"Acct-Terminate-Cause {sp.get('Acct-Terminate-Cause')!r} for a CDN from the LAC")
    got = {k: num(sp, k) for k in ("Acct-Input-Packets", "Acct-Input-Octets", "Acct-Output-Packets",
                                   "Acct-Output-Octets", "Acct-Input-Gigawords", "Acct-Output-Gigawords")}
    want = {"Acct-Input-Packets": sent, "Acct-Input-Octets": t.get("tx_bytes"),
            "Acct-Output-Packets": received, "Acct-Output-Octets": t.get("rx_bytes"),
            "Acct-Input-Gigawords": 0, "Acct-Output-Gigawords": 0}
    case.eq("stop_counters_match_traffic", got, want, "Stop counters vs the emulator's IP traffic")
    stime = num(sp, "Acct-Session-Time")
    case.check("stop_session_time", stime is not None and hold - 1 <= stime <= hold + 5,
               f"Acct-Session-Time {stime} for a {hold} s hold")
    case.eq("no_interim_below_floor", user_records(fr, user, "Interim-Update"), [])
    print(f"  {auth}: {user} Framed-IP {ip}, Acct-Session-Id {sp.get('Acct-Session-Id')}, "
          f"cause {sp.get('Acct-Terminate-Cause')}, Stop counters {got}")


def run_reject(checks, lab, emu_bin, lnsd, fr):
    case = Case(checks, "reject", lnsd)
    emu = le.Emu(lab, emu_bin, "reject", emu_args("reject", "chap", "rejuser", "wrong-password", 1))
    case.xl = emu
    case.check("emulator_fails", emu.wait(30) not in (0, None), f"exit status {emu.rc}")
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_auth_rejected", (p.get("up"), p.get("failures", {}).get("auth_rejected")), (0, 1))
    case.eq("no_accounting_for_rejected", user_records(fr, "rejuser"), [])
    case.check("freeradius_rejected", "Sent Access-Reject" in fr.log_text(), "no Access-Reject in freeradius's log")
    # lnsd's auth_rejects (only this case is rejected) is checked at the end


def run_user_request(checks, lab, pppd_bin, lnsd, fr):
    """xl2tpd carrying lns-pppd (a second, real LAC): 5 pings, then the
    subscriber ends the link with LCP Terminate-Request; xl2tpd clears the call."""
    case = Case(checks, "user_request", lnsd)
    st = pppd_lac.PppdStatus(lab.workdir, "xlrad")
    pings, size = 5, 84
    env = st.env(ping=CORE_HOST, ping_count=pings, ping_interval_ms=200, traffic_size=size, exit_after_traffic=1)
    xl = pppd_lac.start_xl2tpd_pppd(lab, "xlrad", pppd_bin, "xlrad", "pw-xl", env, port=PORTS["user_request"])
    case.xl = xl
    up = st.wait("up", 30)
    if not case.check("pppd_up", up is not None, f"{st.events()}\n{xl.logs()}{st.log_tail()}"):
        return
    tr = st.wait("traffic", 15)
    case.check("echo_round_trip", tr is not None and tr.get("sent") == pings and tr.get("echo_replies") == pings,
               f"{tr}")
    fin = st.wait("finished", 15)
    case.eq("pppd_closed_the_link", (fin or {}).get("reason"), "local_close")
    stops = wait_user_records(fr, "xlrad", "Stop", timeout=10)
    starts = user_records(fr, "xlrad", "Start")
    xl.command("d lns")
    if not case.check("start_and_stop", len(starts) == 1 and len(stops) == 1,
                      f"records for xlrad: {user_records(fr, 'xlrad')}"):
        return
    sp = stops[0]
    case.eq("same_session_id", sp.get("Acct-Session-Id"), starts[0].get("Acct-Session-Id"))
    case.eq("framed_ip_is_the_pppd_address", sp.get("Framed-IP-Address"), up.get("address"))
    # RFC 2866 5.10: User-Request -- "User requested termination of service,
    # for example with LCP Terminate"; xl2tpd's CDN only follows it.
    case.eq("stop_cause_user_request", sp.get("Acct-Terminate-Cause"), "User-Request")
    case.eq("stop_input", (num(sp, "Acct-Input-Packets"), num(sp, "Acct-Input-Octets")), (pings, pings * size))
    print(f"  user_request: lns-pppd {up.get('address')} via xl2tpd, Stop cause {sp.get('Acct-Terminate-Cause')}, "
          f"in {sp.get('Acct-Input-Packets')}/{sp.get('Acct-Input-Octets')} "
          f"out {sp.get('Acct-Output-Packets')}/{sp.get('Acct-Output-Octets')}")


def run_timeout(checks, lab, emu_bin, lnsd, fr):
    case = Case(checks, "timeout", lnsd)
    emu = le.Emu(lab, emu_bin, "timeout", emu_args("timeout", "pap", "brief", "pw", 5, traffic_args(10)))
    case.xl = emu
    starts = wait_user_records(fr, "brief", "Start", timeout=15)
    t_start = time.monotonic()
    stops = wait_user_records(fr, "brief", "Stop", timeout=12)
    t_stop = time.monotonic()
    emu.wait(30)
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_up_then_dropped", (p.get("up"), p.get("dropped")), (1, 1))
    if not case.check("start_and_stop", len(starts) == 1 and len(stops) == 1,
                      f"records for brief: {user_records(fr, 'brief')}"):
        return
    sp = stops[0]
    case.eq("stop_cause", sp.get("Acct-Terminate-Cause"), "Session-Timeout")
    case.eq("same_session_id", sp.get("Acct-Session-Id"), starts[0].get("Acct-Session-Id"))
    stime = num(sp, "Acct-Session-Time")
    # Session-Timeout is the service time: Acct-Session-Time (counted from IPCP up)
    # reaches it (a loaded host may fire the timer up to a second late)
    case.check("session_time_3s", stime is not None and 3 <= stime <= 4,
               f"Acct-Session-Time {stime} for Session-Timeout 3")
    case.check("ended_on_time", 1.5 <= t_stop - t_start <= 5.0,
               f"Stop {t_stop - t_start:.1f} s after the Start record (Session-Timeout 3)")
    print(f"  timeout: Stop {t_stop - t_start:.1f} s after Start, Acct-Session-Time {stime}, "
          f"emulator drops {p.get('drops')}")


def run_dae(checks, lab, emu_bin, lnsd, fr, results):
    case = Case(checks, "dae", lnsd)
    hold = 6
    emu = le.Emu(lab, emu_bin, "dae", emu_args("dae", "chap", "dae{n}", "pw", hold, traffic_args(60), sessions=3))
    case.xl = emu
    starts = fr.wait_records(lambda r: r.get("User-Name", "").startswith("dae") and
                             r.get("Acct-Status-Type") == "Start", 3, 15)
    if not case.check("three_starts", len(starts) == 3, f"Start records: {starts}"):
        emu.wait(hold + 30)
        return
    time.sleep(1.0)  # some traffic through every session first
    by = [("Acct-Session-Id", f'Acct-Session-Id = "{starts[0]["Acct-Session-Id"]}"'),
          ("Framed-IP-Address", f'Framed-IP-Address = {starts[1]["Framed-IP-Address"]}'),
          ("User-Name", f'User-Name = "{starts[2]["User-Name"]}"')]
    for what, attrs in by:
        rc, text, reply = radclient(lab, "disconnect", attrs)
        case.check(f"disconnect_by_{what}_ack", reply is not None and reply["code"] == "Disconnect-ACK",
                   f"radclient rc {rc}: {text[-600:]}")
    rc, text, reply = radclient(lab, "disconnect", 'Acct-Session-Id = "00000000deadbeef"')
    case.check("disconnect_unknown_nak_503", reply is not None and reply["code"] == "Disconnect-NAK" and
               reply.get("Error-Cause") == "Session-Context-Not-Found", f"radclient rc {rc}: {text[-600:]}")
    users = [s["User-Name"] for s in starts]
    stops = fr.wait_records(lambda r: r.get("User-Name") in users and r.get("Acct-Status-Type") == "Stop", 3, 10)
    case.eq("three_stops_admin_reset", sorted((s.get("User-Name"), s.get("Acct-Terminate-Cause")) for s in stops),
            sorted((u, "Admin-Reset") for u in users))
    ids = {s["User-Name"]: s.get("Acct-Session-Id") for s in starts}
    case.check("stop_ids_match_start", all(ids.get(s.get("User-Name")) == s.get("Acct-Session-Id") for s in stops),
               f"Start ids {ids}, Stop ids {[(s.get('User-Name'), s.get('Acct-Session-Id')) for s in stops]}")
    emu.wait(hold + 30)
    r = emu.report or {}
    p = r.get("ppp", {})
    case.eq("emulator_saw_three_drops", (p.get("up"), p.get("dropped"), r.get("sessions", {}).get("dropped")),
            (3, 3, 3))
    case.eq("emulator_received_cdns", r.get("endpoint", {}).get("cdn_received"), 3)
    t = p.get("traffic", {})
    in_pkts = sum(num(s, "Acct-Input-Packets") or 0 for s in stops)
    out_pkts = sum(num(s, "Acct-Output-Packets") or 0 for s in stops)
    # a packet the emulator sent just as lnsd tore a session down is not counted
    case.check("stops_input_packets_sum", t.get("sent", 0) - 3 <= in_pkts <= t.get("sent", 0),
               f"sum of Acct-Input-Packets {in_pkts} vs {t.get('sent')} sent")
    print(f"  dae: Stops in/out packets {in_pkts}/{out_pkts}, emulator traffic "
          f"{le.subset(t, ('sent', 'received', 'lost', 'rx_other'))}, drops {p.get('drops')}")
    results["dae_out"] = (out_pkts, t.get("received"))


def run_coa(checks, lab, emu_bin, lnsd, fr):
    case = Case(checks, "coa", lnsd)
    hold = 10
    new_timeout, interim = 6, 2
    emu = le.Emu(lab, emu_bin, "coa", emu_args("coa", "mschapv2", "coauser", "pw", hold, traffic_args(20)))
    case.xl = emu
    starts = wait_user_records(fr, "coauser", "Start", timeout=15)
    t_start = time.monotonic()
    if not case.check("start", len(starts) == 1, f"records: {user_records(fr, 'coauser')}"):
        emu.wait(hold + 30)
        return
    sid = starts[0]["Acct-Session-Id"]
    # with a Message-Authenticator: lnsd's answer must carry one too (radclient checks it)
    rc, text, reply = radclient(lab, "coa", f'Acct-Session-Id = "{sid}", Session-Timeout = {new_timeout}, '
                                f'Acct-Interim-Interval = {interim}, Message-Authenticator = 0x00')
    case.check("coa_ack", reply is not None and reply["code"] == "CoA-ACK" and "Message-Authenticator" in reply,
               f"radclient rc {rc}: {text[-600:]}")
    rc, text, reply = radclient(lab, "coa", 'Acct-Session-Id = "00000000deadbeef", Session-Timeout = 5')
    case.check("coa_unknown_nak_503", reply is not None and reply["code"] == "CoA-NAK" and
               reply.get("Error-Cause") == "Session-Context-Not-Found", f"radclient rc {rc}: {text[-600:]}")
    stops = wait_user_records(fr, "coauser", "Stop", timeout=new_timeout + 6)
    t_stop = time.monotonic()
    emu.wait(hold + 30)
    p = (emu.report or {}).get("ppp", {})
    case.eq("emulator_up_then_dropped", (p.get("up"), p.get("dropped")), (1, 1))
    if not case.check("stop", len(stops) == 1, f"records: {user_records(fr, 'coauser')}"):
        return
    sp = stops[0]
    case.eq("stop_cause", sp.get("Acct-Terminate-Cause"), "Session-Timeout")
    stime = num(sp, "Acct-Session-Time")
    case.check("ended_at_new_timeout", stime is not None and new_timeout <= stime <= new_timeout + 1 and
               new_timeout - 2 <= t_stop - t_start <= new_timeout + 2,
               f"Acct-Session-Time {stime}, Stop {t_stop - t_start:.1f} s after Start (CoA Session-Timeout "
               f"{new_timeout})")
    interims = user_records(fr, "coauser", "Interim-Update")
    case.check("interim_updates", len(interims) >= 1, f"no Interim-Update after the CoA's Acct-Interim-Interval "
                                                      f"{interim}: {user_records(fr, 'coauser')}")
    seq = interims + [sp]
    keys = ("Acct-Input-Packets", "Acct-Input-Octets", "Acct-Output-Packets", "Acct-Output-Octets")
    mono = all(num(a, k) is not None and num(b, k) is not None and num(a, k) <= num(b, k)
               for a, b in zip(seq, seq[1:]) for k in keys)
    case.check("interim_counters_non_decreasing", mono, f"{[{k: r.get(k) for k in keys} for r in seq]}")
    case.check("interim_session_ids", all(r.get("Acct-Session-Id") == sid for r in seq),
               f"{[r.get('Acct-Session-Id') for r in seq]} vs {sid}")
    case.check("interim_has_traffic", any((num(r, "Acct-Input-Packets") or 0) > 0 for r in interims),
               f"{[{k: r.get(k) for k in keys} for r in interims]}")
    t = p.get("traffic", {})
    case.eq("stop_input_packets", num(sp, "Acct-Input-Packets"), t.get("sent"))
    print(f"  coa: {len(interims)} Interim-Update(s), Stop {t_stop - t_start:.1f} s after Start, "
          f"Acct-Session-Time {stime}, Stop counters {[sp.get(k) for k in keys]}, emulator traffic "
          f"{le.subset(t, ('sent', 'received', 'tx_bytes', 'rx_bytes'))}")


def check_sources(checks, cap, results):
    """The core host saw each fixed-address subscriber's echo requests from its
    Framed-IP-Address, as many as the emulator sent."""
    src = echo_sources(cap.path)
    for auth in ("pap", "chap", "mschapv2"):
        if auth not in results:
            continue
        r = results[auth]
        checks.eq(f"{auth}.core_saw_framed_ip_source", src.get(r["ip"], 0), r["sent"],
                  f"echo requests from {r['ip']} at the core host (all sources: {src})")


def parse_logfmt(line):
    """'TS LEVEL EVENT k=v k="v w"' -> (level, event, {k: v}); None if not a log line."""
    m = re.match(r"^\S+Z (error|warning|notice|info|debug) (\w+)(.*)$", line)
    if not m:
        return None
    fields = {k: (q.replace('\\"', '"') if q else v)
              for k, q, v in re.findall(r' (\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))', m.group(3))}
    return m.group(1), m.group(2), fields


def check_event_log(checks, lnsd):
    """lnsd's stderr event log tells the story the counters tell, and no secret."""
    text = l2tp_lab.read_text(lnsd.stderr)
    events = [e for e in (parse_logfmt(ln) for ln in text.splitlines()) if e]
    by = lambda name: [f for _, ev, f in events if ev == name]  # noqa: E731
    ups, downs = by("subscriber_up"), by("subscriber_down")
    checks.eq("log_subscriber_up", len(ups), 9, "subscriber_up lines")
    checks.eq("log_subscriber_down_up", len([d for d in downs if d.get("was_up") == "true"]), 9,
              "subscriber_down lines of sessions that were up")
    checks.eq("log_fixed_addresses", sorted(f["ipv4"] for f in ups if f.get("user") in
                                            {u for u, _, _ in FIXED.values()}),
              sorted(ip for _, _, ip in FIXED.values()))
    causes = [d.get("cause") for d in downs if d.get("was_up") == "true"]
    checks.eq("log_down_causes", (causes.count("session_timeout"), causes.count("admin_reset")), (2, 3),
              f"causes {causes}")
    rej = by("auth_rejected")
    checks.eq("log_auth_rejected", [(f.get("user"), f.get("reason")) for f in rej],
              [("rejuser", "credentials rejected")])
    checks.check("log_start_stop", by("lnsd_start") and by("lnsd_running") and by("lnsd_stopped"),
                 "lnsd_start / lnsd_running / lnsd_stopped missing")
    secrets = [SECRET, DAE_SECRET, "wrong-password", "right-password"] + [pw for _, pw, _ in FIXED.values()]
    leaked = [x for x in secrets if x in text]
    checks.eq("log_no_secrets", leaked, [], "secrets found in lnsd's stderr")


def main():
    args = harness.parse_args(__doc__)
    checks = LockedChecks("lnsd_radius")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    emu_bin = os.path.join(os.path.abspath(args.build_dir), "lns-lac-emu")
    pppd_bin = os.path.join(os.path.abspath(args.build_dir), "lns-pppd")
    missing = [t for t in (emu_bin, pppd_bin, l2tp_lab.XL2TPD, "unshare", "ip", "radclient", "freeradius", l2tp_lab.DUMPCAP, tshark.TSHARK)
               if not (shutil.which(t) or os.access(t, os.X_OK))]
    if missing:
        checks.fail("tools", f"missing: {missing} (tools/install_deps.sh)")
        return checks.finish()
    l2tp_lab.exit_on_sigterm()
    t0 = time.monotonic()
    with lnsrun.WorkDir("lnsd-radius", args.keep) as wd:
        os.chmod(wd.path, 0o755)
        fr = freeradius.FreeRadius(wd.sub("radius"), SECRET, USERS)
        lab = RadiusLab("lr", wd.path, binary, fr, freeradius.free_udp_port())
        try:
            fr.start()
            print(f"freeradius on 127.0.0.1 auth {fr.auth_port} acct {fr.acct_port}; lnsd DAE port {lab.dae_port}")
            lab.setup()
            cap = lab.start_core_capture("core")
            lnsd = lab.start_lnsd("main", {"accept_unknown_peers": True})
            results = {}
            # two groups of cases, the cases of a group at once (each with its own
            # emulator, users and source port)
            run_group(checks, [(auth, run_method, (checks, lab, emu_bin, lnsd, fr, auth, results))
                               for auth in ("pap", "chap", "mschapv2")] +
                      [("reject", run_reject, (checks, lab, emu_bin, lnsd, fr)),
                       ("user_request", run_user_request, (checks, lab, pppd_bin, lnsd, fr))])
            run_group(checks, [("timeout", run_timeout, (checks, lab, emu_bin, lnsd, fr)),
                               ("dae", run_dae, (checks, lab, emu_bin, lnsd, fr, results)),
                               ("coa", run_coa, (checks, lab, emu_bin, lnsd, fr))])
            snap = lnsd.wait_snapshot(lambda s: subs(s).get("subscribers", 0) == 0, 10)
            sb = subs(snap)
            checks.eq("lnsd_all_released", {k: sb.get(k, 0) for k in ("subscribers", "pool_subs_used")},
                      {"subscribers": 0, "pool_subs_used": 0})
            checks.eq("lnsd_accounting_answered", (sb.get("acct_sent", 0), sb.get("acct_failed", 0)),
                      (sb.get("acct_answered", 0), 0))
            # 3 + 1 + 1 + 1 + 3 + 1 sessions up (pap chap mschapv2, user_request, timeout, dae, coa),
            # one rejected
            checks.eq("lnsd_subscriber_counters", {k: sb.get(k, 0) for k in (
                "sessions_up", "auth_accepts", "auth_rejects", "acct_start", "acct_stop", "disconnects",
                "dae_disconnect_acks", "dae_coa_acks", "dae_not_found", "session_timeouts")},
                {"sessions_up": 9, "auth_accepts": 9, "auth_rejects": 1, "acct_start": 9, "acct_stop": 9,
                 "disconnects": 3, "dae_disconnect_acks": 3, "dae_coa_acks": 1, "dae_not_found": 2,
                 "session_timeouts": 2})
            print(f"  lnsd subscribers: {sb}")
            lnsd.stop()
            checks.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}\n{lnsd.logs()}")
            checks.guard("event_log", check_event_log, checks, lnsd)
            cap.stop()
            checks.guard("sources", check_sources, checks, cap, results)
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
            fr.stop()
            if checks.failed:
                print(f"freeradius log: {fr.log} (tail)\n{l2tp_lab.tail(fr.log, 12)}")
    print(f"(took {time.monotonic() - t0:.1f} s)")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
