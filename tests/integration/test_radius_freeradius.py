#!/usr/bin/python3
"""System test: lnsd's RADIUS engines (controlplane/aaa, driven over kernel UDP
sockets by tools/radius-probe, `lns-radius-probe`) against a real freeradius 3.2
(lib/freeradius.py: a private copy of /etc/freeradius/3.0 in a temp dir, auth and
acct on free ports of 127.0.0.1, run in the foreground with -X), and Debian's
`radclient` against the probe's DAE listener.

  auth        PAP, CHAP and MS-CHAPv2 for user alice (Cleartext-Password; the
              mschap module computes the NT hash): Access-Accept whose parsed
              reply carries Framed-IP-Address 100.64.0.10, Framed-IPv6-Prefix
              2001:db8:10::/64, Delegated-IPv6-Prefix 2001:db8:1000::/56,
              Session-Timeout 3600, Idle-Timeout 600, Acct-Interim-Interval 300,
              Class; for MS-CHAPv2 the MS-CHAP2-Success authenticator response is
              checked (RFC 2759 8.7) by the probe.  A wrong password gets
              Access-Reject with each method (MS-CHAP-Error for MS-CHAPv2).
  in_flight   600 PAP requests at once over 3 source sockets (more than the 256
              ids of one socket): 600 accepts.  A burst this size overflows
              freeradius's socket receive buffer (net.core.rmem_max, not changed
              here: RcvbufErrors in /proc/net/snmp), so a few hundred of them
              are answered after a retransmission: that is the engine's
              retransmission at work, printed, not checked.
  failover    a first server that never answers (a free port), then freeradius:
              accept from server 1 after 2 transmissions to server 0.
  accounting  Start, Interim-Update and Stop for one session: freeradius's detail
              file records them with Acct-Input-Octets 705032704 +
              Acct-Input-Gigawords 1 (5,000,000,000 octets), Acct-Output-Octets
              1705032704 + Gigawords 3 (14,589,934,592), packet counts, session
              time, Class, Acct-Terminate-Cause Idle-Timeout on the Stop.
  dae         the probe listens for RFC 5176 with its own client list; radclient
              sends a Disconnect-Request (ACK), a CoA-Request with
              Session-Timeout/Idle-Timeout and a Message-Authenticator (CoA-ACK,
              MA checked by radclient), a Disconnect-Request for an unknown
              session (NAK, Error-Cause Session-Context-Not-Found) and one with a
              wrong secret (no answer; counted bad_authenticator by the probe).

Every wait is bounded; freeradius and the probe are stopped by PID in a finally.
Exits 1 if any check fails (freeradius missing is a failure, not a skip).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))

import freeradius  # noqa: E402

SECRET = "fr-s3cret"
DAE_SECRET = "dae-s3cret"
USERS = """alice Cleartext-Password := "alice-pw"
\tFramed-IP-Address = 100.64.0.10,
\tFramed-IPv6-Prefix = 2001:db8:10::/64,
\tDelegated-IPv6-Prefix = 2001:db8:1000::/56,
\tSession-Timeout = 3600,
\tIdle-Timeout = 600,
\tAcct-Interim-Interval = 300,
\tClass = "alice-class"
"""


class Checks:
    def __init__(self):
        self.failed = []
        self.passed = 0

    def check(self, name, ok, detail=""):
        print(f"  {'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": {detail}"))
        if ok:
            self.passed += 1
        else:
            self.failed.append(name)
        return ok

    def eq(self, name, got, want):
        return self.check(name, got == want, f"got {got!r}, want {want!r}")


def probe(binary, args, timeout=60):
    """Runs the probe; returns (exit status, result objects, summary counters)."""
    p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout)
    results, summary = [], {}
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") == "result":
            results.append(o)
        elif o.get("type") == "summary":
            summary = o["counters"]
    if p.returncode != 0 or not results:
        print(f"    probe {' '.join(args)} -> {p.returncode}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p.returncode, results, summary


def check_accept(c, name, r):
    c.eq(f"{name}_status", r.get("status"), "accept")
    c.eq(f"{name}_framed_ip", r.get("framed_ip"), "100.64.0.10")
    c.eq(f"{name}_framed_ipv6_prefix", r.get("framed_ipv6_prefix"), "2001:db8:10::/64")
    c.eq(f"{name}_delegated_ipv6_prefix", r.get("delegated_ipv6_prefix"), "2001:db8:1000::/56")
    c.eq(f"{name}_session_timeout", r.get("session_timeout"), 3600)
    c.eq(f"{name}_idle_timeout", r.get("idle_timeout"), 600)
    c.eq(f"{name}_acct_interim_interval", r.get("acct_interim_interval"), 300)
    c.eq(f"{name}_class", r.get("classes"), ["alice-class"])


def run_auth(c, binary, fr):
    base = ["--server", fr.server_arg(), "--timeout-ms", "3000", "--retries", "2", "--nas-id", "lns-test"]
    for method in ("pap", "chap", "mschapv2"):
        rc, res, summary = probe(binary, base + ["auth", f"--{method}", "alice", "alice-pw"])
        c.eq(f"auth_{method}_exit", rc, 0)
        if c.eq(f"auth_{method}_results", len(res), 1):
            check_accept(c, f"auth_{method}", res[0])
            if method == "mschapv2":
                c.eq("auth_mschapv2_authenticator_response", res[0].get("mschapv2_authenticator_ok"), True)
        c.eq(f"auth_{method}_bad_replies", sum(v for k, v in summary.items() if k.startswith("bad_reply")), 0)
        rc, res, _ = probe(binary, base + ["auth", f"--{method}", "alice", "wrong-pw"])
        if c.eq(f"reject_{method}_results", len(res), 1):
            c.eq(f"reject_{method}_status", res[0].get("status"), "reject")
            if method == "mschapv2":
                c.check("reject_mschapv2_ms_chap_error", "E=691" in res[0].get("ms_chap_error", ""),
                        f"MS-CHAP-Error {res[0].get('ms_chap_error')!r}")


def run_in_flight(c, binary, fr):
    args = ["--server", fr.server_arg(), "--timeout-ms", "5000", "--retries", "3", "--sockets", "3",
            "auth", "--pap", "alice", "alice-pw", "--count", "600"]
    rc, res, summary = probe(binary, args, timeout=120)
    c.eq("in_flight_exit", rc, 0)
    c.eq("in_flight_accepts", sum(1 for r in res if r.get("status") == "accept"), 600)
    c.eq("in_flight_distinct_tags", len({r.get("tag") for r in res}), 600)
    c.eq("in_flight_queued", summary.get("queued"), 0)
    print(f"    600 in flight: transmissions {summary.get('transmissions')}, "
          f"retransmits {summary.get('retransmits')}")


def run_failover(c, binary, fr):
    dead = freeradius.free_udp_port()
    args = ["--server", f"127.0.0.1:{dead}:{dead}:{SECRET}", "--server", fr.server_arg(),
            "--timeout-ms", "300", "--retries", "1", "auth", "--pap", "alice", "alice-pw"]
    rc, res, summary = probe(binary, args)
    c.eq("failover_exit", rc, 0)
    if c.eq("failover_results", len(res), 1):
        c.eq("failover_status", res[0].get("status"), "accept")
        c.eq("failover_server", res[0].get("server"), 1)
        c.eq("failover_transmissions", res[0].get("transmissions"), 3)
    c.eq("failover_counted", summary.get("failovers"), 1)


ACCT_SESSION = "lns-0001-42"
IN_OCTETS, OUT_OCTETS = 5_000_000_000, 14_589_934_592  # 1 GW + 705032704, 3 GW + 1705032704


def run_accounting(c, binary, fr):
    base = ["--server", fr.server_arg(), "--timeout-ms", "3000", "--retries", "2", "--nas-ip", "192.0.2.1",
            "acct"]
    common = ["--session-id", ACCT_SESSION, "--user", "alice", "--framed-ip", "100.64.0.10",
              "--framed-ipv6-prefix", "2001:db8:10::/64", "--class", "alice-class"]
    steps = [("start", []),
             ("interim", ["--in-octets", "1000", "--out-octets", "2000", "--in-packets", "10",
                          "--out-packets", "20", "--session-time", "300"]),
             ("stop", ["--in-octets", str(IN_OCTETS), "--out-octets", str(OUT_OCTETS), "--in-packets",
                       "4000000", "--out-packets", "9000000", "--session-time", "3599", "--cause",
                       "idle_timeout"])]
    for step, extra in steps:
        rc, res, _ = probe(binary, base + [step] + common + extra)
        c.eq(f"acct_{step}_exit", rc, 0)
        c.check(f"acct_{step}_response", len(res) == 1 and res[0].get("status") == "accounting_response",
                f"results {res}")
    recs = [r for r in fr.detail_records() if r.get("Acct-Session-Id") == ACCT_SESSION]
    if not c.eq("acct_detail_records", [r.get("Acct-Status-Type") for r in recs],
                ["Start", "Interim-Update", "Stop"]):
        return
    start, interim, stop = recs
    c.eq("acct_start_no_counters", "Acct-Input-Octets" in start, False)
    c.eq("acct_start_framed_ip", start.get("Framed-IP-Address"), "100.64.0.10")
    c.eq("acct_start_class", start.get("Class"), "0x" + b"alice-class".hex())
    c.eq("acct_start_nas_ip", start.get("NAS-IP-Address"), "192.0.2.1")
    c.eq("acct_interim_octets", (interim.get("Acct-Input-Octets"), interim.get("Acct-Output-Octets")),
         ("1000", "2000"))
    c.eq("acct_interim_session_time", interim.get("Acct-Session-Time"), "300")
    want = {"Acct-Input-Octets": str(IN_OCTETS % 2**32), "Acct-Input-Gigawords": str(IN_OCTETS >> 32),
            "Acct-Output-Octets": str(OUT_OCTETS % 2**32), "Acct-Output-Gigawords": str(OUT_OCTETS >> 32),
            "Acct-Input-Packets": "4000000", "Acct-Output-Packets": "9000000",
            "Acct-Session-Time": "3599", "Acct-Terminate-Cause": "Idle-Timeout",
            "Framed-IPv6-Prefix": "2001:db8:10::/64", "User-Name": "alice"}
    c.eq("acct_stop_attributes", {k: stop.get(k) for k in want}, want)
    print(f"    stop recorded: Input-Octets {stop.get('Acct-Input-Octets')} + Gigawords "
          f"{stop.get('Acct-Input-Gigawords')}, Output-Octets {stop.get('Acct-Output-Octets')} + Gigawords "
          f"{stop.get('Acct-Output-Gigawords')}")


def radclient(port, code, secret, attrs):
    p = subprocess.run(["radclient", "-x", "-r", "1", "-t", "2", f"127.0.0.1:{port}", code, secret],
                       input=attrs + "\n", capture_output=True, text=True, timeout=20)
    return p.returncode, p.stdout + p.stderr


def run_dae(c, binary, tmp):
    port = freeradius.free_udp_port()
    out_path = os.path.join(tmp, "dae.out")
    with open(out_path, "w") as out:
        p = subprocess.Popen([binary, "dae", "--listen", f"127.0.0.1:{port}", "--client",
                              f"127.0.0.1:{DAE_SECRET}", "--unknown-session", "ghost", "--duration-ms",
                              "60000"], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while "listening" not in open(out_path).read() and time.time() < deadline and p.poll() is None:
            time.sleep(0.1)
        rc, text = radclient(port, "disconnect", DAE_SECRET,
                             f'Acct-Session-Id = "{ACCT_SESSION}", User-Name = "alice", '
                             'Framed-IP-Address = 100.64.0.10')
        c.check("dae_disconnect_ack", rc == 0 and "Received Disconnect-ACK" in text, text)
        rc, text = radclient(port, "coa", DAE_SECRET,
                             f'Acct-Session-Id = "{ACCT_SESSION}", Session-Timeout = 120, '
                             'Idle-Timeout = 30, Message-Authenticator = 0x00')
        c.check("dae_coa_ack", rc == 0 and "Received CoA-ACK" in text and "Message-Authenticator" in text, text)
        rc, text = radclient(port, "disconnect", DAE_SECRET, 'Acct-Session-Id = "ghost"')
        c.check("dae_unknown_session_nak_503",
                "Received Disconnect-NAK" in text and "Session-Context-Not-Found" in text, text)
        rc, text = radclient(port, "disconnect", "wrong-secret", f'Acct-Session-Id = "{ACCT_SESSION}"')
        c.check("dae_wrong_secret_no_answer", rc != 0 and "Received" not in text, text)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
    lines = [json.loads(ln) for ln in open(out_path) if ln.startswith("{")]
    reqs = [o for o in lines if o.get("type") == "dae_request"]
    summary = next((o["counters"] for o in lines if o.get("type") == "summary"), {})
    c.eq("dae_requests_seen", [(r["kind"], r["acct_session_id"], r["answer"]) for r in reqs],
         [("disconnect", ACCT_SESSION, "ack"), ("coa", ACCT_SESSION, "ack"), ("disconnect", "ghost", "nak")])
    if len(reqs) >= 2:
        c.eq("dae_disconnect_identity", (reqs[0].get("user_name"), reqs[0].get("framed_ip")),
             ("alice", "100.64.0.10"))
        c.eq("dae_coa_changes", (reqs[1].get("session_timeout"), reqs[1].get("idle_timeout")), (120, 30))
    c.eq("dae_counters", {k: summary.get(k) for k in ("disconnect_requests", "coa_requests", "acks", "naks")},
         {"disconnect_requests": 2, "coa_requests": 1, "acks": 2, "naks": 1})
    c.check("dae_wrong_secret_counted", (summary.get("bad_bad_authenticator") or 0) >= 1, f"summary {summary}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    a = ap.parse_args()
    binary = os.path.join(os.path.abspath(a.build_dir), "lns-radius-probe")
    c = Checks()
    if not c.check("probe_built", os.path.exists(binary), f"{binary} missing"):
        return 1
    if not c.check("freeradius_installed", shutil.which("freeradius") and shutil.which("radclient"),
                   "freeradius / radclient missing: run tools/install_deps.sh"):
        return 1
    tmp = tempfile.mkdtemp(prefix="lns-radius-")
    fr = freeradius.FreeRadius(tmp, SECRET, USERS)
    ok = False
    try:
        fr.start()
        print(f"freeradius on 127.0.0.1 auth {fr.auth_port} acct {fr.acct_port} (log {fr.log})")
        for name, fn, args in (("auth", run_auth, (c, binary, fr)), ("in_flight", run_in_flight, (c, binary, fr)),
                               ("failover", run_failover, (c, binary, fr)),
                               ("accounting", run_accounting, (c, binary, fr)), ("dae", run_dae, (c, binary, tmp))):
            print(f"== {name}")
            try:
                fn(*args)
            except Exception as e:  # a crash in one part fails it, the others still run
                c.check(f"{name}_ran", False, repr(e))
        ok = not c.failed
    finally:
        fr.stop()
        if not ok:
            print(f"freeradius log tail ({fr.log}):")
            print("".join(open(fr.log, errors="replace").readlines()[-30:]))
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{c.passed} checks passed, {len(c.failed)} failed" + (f": {c.failed}" if c.failed else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
