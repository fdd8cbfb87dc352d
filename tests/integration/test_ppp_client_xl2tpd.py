#!/usr/bin/python3
"""Integration test: the project's PPP client (controlplane/ppp/client.hpp) brings up
full subscriber sessions against a real LNS, l2tpns, and passes traffic through
them -- carried by the LAC emulator (lns-lac-emu --ppp) and by a real LAC, xl2tpd,
with lns-pppd standing in for /usr/sbin/pppd.

  netns LAC (TAGl)                                  netns REF (TAGr)
  203.0.113.2/24 [TAGb] ======== veth ======== [TAGa] 203.0.113.1/24
  lns-lac-emu --ppp                                 l2tpns (bind 203.0.113.1, tun, pool 10.128.0.0/16)
  xl2tpd (private mount ns: lns-pppd               freeradius on 127.0.0.1 (users: DEFAULT
          bind-mounted over /usr/sbin/pppd)         Cleartext-Password "secretpw")
                                                    cluster_interface: veth pair TAGc/TAGd

l2tpns authenticates PPP through RADIUS only (freeradius here, in REF's loopback),
hands out addresses from its ip_pool and routes them to its tun device; the
subscribers' ICMP echo requests to 203.0.113.1 (REF's own address) are answered
by REF's kernel and routed back through l2tpns into the tunnel.

Cases:
  emu_chap   lns-lac-emu --ppp, 2 tunnels x 5 sessions, CHAP-MD5 (l2tpns asks for it
             first), ICMP traffic 200 pps for the 2 s hold, teardown cdn: exit 0;
             JSON ppp.up == 10, no failures, every address in 10.128.0.0/16 (l2tpns's
             "show sessions" on its CLI is not used: its log lists the addresses),
             traffic received == sent > 0.
  emu_pap    --auth pap, 1 x 3: our LCP Naks l2tpns's CHAP with PAP; 3 up.
  emu_reject wrong password, 1 x 2: JSON ppp.failed == 2, failures lower_down_in_auth
             (l2tpns clears the call with CDN instead of sending CHAP Failure) or
             auth_rejected == 2, exit 1.
  xl2tpd     xl2tpd dials l2tpns; its "pppd" is lns-pppd (name from xl2tpd's `name`,
             password from the pppoptfile), which writes JSON status lines: "up"
             with an address in 10.128.0.0/16 and DNS 10.0.0.1 from l2tpns; then 5
             ICMP echo requests to 203.0.113.1, all answered; then it terminates the
             link (LNS_PPPD_EXIT_AFTER_TRAFFIC) and reports "finished".

Every wait is bounded; processes are stopped by their own pids and the namespaces,
veths and /etc/netns/TAGr are removed in a `finally` (and on SIGTERM).
Needs root, l2tpns, xl2tpd, freeradius.  Usage:
  test_ppp_client_xl2tpd.py --build-dir build [--keep]
"""
import argparse
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from freeradius import FreeRadius  # noqa: E402

TAG = f"lpc{os.getpid() % 100000}"
NS_LAC, NS_REF = f"{TAG}l", f"{TAG}r"
VETH_A, VETH_B, VETH_C, VETH_D = f"{TAG}a", f"{TAG}b", f"{TAG}c", f"{TAG}d"
LNS_IP, LAC_IP = "203.0.113.1", "203.0.113.2"
POOL = ipaddress.ip_network("10.128.0.0/16")
PASSWORD = "secretpw"
RADIUS_SECRET = "radsecret"

procs = []      # (name, Popen) we started, stopped in cleanup
failures = []


def sh(cmd, check=True, timeout=30):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def check(what, cond, detail=""):
    print(f"  {'ok  ' if cond else 'FAIL'} {what}" + (f": {detail}" if detail and not cond else ""))
    if not cond:
        failures.append(what)
    return cond


def tail(path, n=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return f"({e})"


def wait_for(pred, timeout, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def stop(p, sig=signal.SIGTERM, wait=10):
    if p.poll() is not None:
        return p.returncode
    try:
        os.killpg(p.pid, sig)
    except ProcessLookupError:
        return p.poll()
    try:
        return p.wait(wait)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        return p.wait(10)


def start(name, cmd, out, env=None):
    f = open(out, "w")
    p = subprocess.Popen([str(c) for c in cmd], stdout=f, stderr=subprocess.STDOUT, env=env,
                         start_new_session=True)
    f.close()
    procs.append((name, p))
    return p


# ---- rig -------------------------------------------------------------------------------

def setup_net():
    sh(["ip", "netns", "add", NS_LAC])
    sh(["ip", "netns", "add", NS_REF])
    sh(["ip", "link", "add", VETH_A, "type", "veth", "peer", "name", VETH_B])
    sh(["ip", "link", "set", VETH_A, "netns", NS_REF])
    sh(["ip", "link", "set", VETH_B, "netns", NS_LAC])
    for ns, dev, ip in ((NS_REF, VETH_A, LNS_IP), (NS_LAC, VETH_B, LAC_IP)):
        sh(["ip", "-n", ns, "link", "set", "lo", "up"])
        sh(["ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev])
        sh(["ip", "-n", ns, "link", "set", dev, "up"])
    # l2tpns wants a cluster interface that exists in its namespace.
    sh(["ip", "-n", NS_REF, "link", "add", VETH_C, "type", "veth", "peer", "name", VETH_D])
    sh(["ip", "-n", NS_REF, "addr", "add", "192.0.2.1/30", "dev", VETH_C])
    sh(["ip", "-n", NS_REF, "link", "set", VETH_C, "up"])
    sh(["ip", "-n", NS_REF, "link", "set", VETH_D, "up"])


def teardown_net():
    for ns in (NS_LAC, NS_REF):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
    shutil.rmtree(f"/etc/netns/{NS_REF}", ignore_errors=True)


class NsRadius(FreeRadius):
    """freeradius in REF's namespace (l2tpns talks to 127.0.0.1 there)."""

    def start(self, timeout=30):
        binary = shutil.which("freeradius") or "/usr/sbin/freeradius"
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS_REF, binary, "-X", "-d", self.dir],
                                     stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        procs.append(("freeradius", self.proc))
        if not wait_for(lambda: self.proc.poll() is not None or
                        "Ready to process requests" in open(self.log, errors="replace").read(),
                        timeout, 0.2) or self.proc.poll() is not None:
            raise RuntimeError(f"freeradius not ready; log {self.log}")


def start_l2tpns(work, radius):
    etc = f"/etc/netns/{NS_REF}/l2tpns"
    os.makedirs(etc, exist_ok=True)
    log = os.path.join(work, "l2tpns.log")
    with open(os.path.join(etc, "startup-config"), "w") as f:
        f.write(f"""# written by {os.path.basename(__file__)}
set debug 3
set log_file "{log}"
set pid_file "{os.path.join(work, 'l2tpns.pid')}"
set bind_address {LNS_IP}
set cli_bind_address 127.0.0.1
set cluster_interface {VETH_C}
set cluster_hb_timeout 10
set send_garp no
set primary_radius 127.0.0.1
set primary_radius_port {radius.auth_port}
set radius_secret "{RADIUS_SECRET}"
set radius_accounting no
set radius_authtypes "chap,pap"
set primary_dns 10.0.0.1
""")
    with open(os.path.join(etc, "ip_pool"), "w") as f:
        f.write(f"{POOL}\n")
    p = start("l2tpns", ["ip", "netns", "exec", NS_REF, "l2tpns", "-c", "/etc/l2tpns/startup-config"],
              os.path.join(work, "l2tpns.out"))
    # Alone in its cluster it declares itself master after the heartbeat timeout.
    ok = wait_for(lambda: p.poll() is not None or
                  "I am declaring myself the master" in open(log, errors="replace").read()
                  if os.path.exists(log) else False, 60, 0.2)
    if not ok or p.poll() is not None:
        raise RuntimeError(f"l2tpns did not become master:\n{tail(log)}")
    return p, log


# ---- cases -----------------------------------------------------------------------------

def run_emu(build, work, name, args, timeout=90):
    js = os.path.join(work, f"{name}.json")
    out = os.path.join(work, f"{name}.out")
    cmd = ["ip", "netns", "exec", NS_LAC, os.path.join(build, "lns-lac-emu"), "--lns", LNS_IP,
           "--local", LAC_IP, "--ppp", "--timeout", "60", "--json", js, "--seed", "7"] + args
    with open(out, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout)
    try:
        with open(js) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        print(tail(out))
        raise RuntimeError(f"{name}: no JSON report ({e})")
    return r.returncode, rep, out


def case_emu_chap(build, work, l2tpns_log):
    print("emu_chap: 2 x 5 sessions, CHAP, ICMP traffic")
    rc, rep, out = run_emu(build, work, "emu_chap",
                           ["-t", "2", "-s", "5", "--user-pattern", "emu{n}", "--password", PASSWORD,
                            "--traffic", "200", "--traffic-dest", LNS_IP, "--traffic-proto", "icmp",
                            "--hold", "2", "--teardown", "cdn"])
    p = rep["ppp"]
    ok = check("exit status 0", rc == 0, f"rc {rc}")
    ok &= check("10 full sessions", p["up"] == 10, json.dumps(p)[:400])
    ok &= check("no PPP failures", p["failed"] == 0 and not p["failures"], json.dumps(p["failures"]))
    ok &= check("authenticated with CHAP (10)", p["authenticated"] == 10)
    ok &= check("per-phase times", p["lcp_up_ms"]["count"] == 10 and p["ipcp_up_ms"]["count"] == 10
                and p["full_setup_ms"]["p50"] > 0)
    ok &= check("full setup rate reported", p["full_setup_rate_per_s"] > 0)
    t = p["traffic"]
    ok &= check("traffic sent", t["sent"] > 100, json.dumps(t))
    ok &= check("traffic all received", t["received"] == t["sent"] and t["lost"] == 0, json.dumps(t))
    log = open(l2tpns_log, errors="replace").read()
    ok &= check("l2tpns logged CHAP authentications", log.count("emu") >= 10)
    if not ok:
        print(tail(out))


def case_emu_pap(build, work):
    print("emu_pap: 1 x 3 sessions, --auth pap (Nak of CHAP)")
    rc, rep, out = run_emu(build, work, "emu_pap",
                           ["-t", "1", "-s", "3", "--auth", "pap", "--user-pattern", "pap{n}",
                            "--password", PASSWORD, "--teardown", "stopccn"])
    p = rep["ppp"]
    ok = check("exit status 0", rc == 0, f"rc {rc}")
    ok &= check("3 full sessions over PAP", p["up"] == 3 and p["auth"] == "pap", json.dumps(p)[:400])
    if not ok:
        print(tail(out))


def case_emu_reject(build, work):
    print("emu_reject: wrong password")
    rc, rep, out = run_emu(build, work, "emu_reject",
                           ["-t", "1", "-s", "2", "--user-pattern", "bad{n}", "--password", "wrong",
                            "--teardown", "stopccn"])
    p = rep["ppp"]
    ok = check("exit status 1", rc == 1, f"rc {rc}")
    # l2tpns answers bad credentials by clearing the call (CDN), without a CHAP Failure.
    f = p["failures"]
    ok &= check("2 failed during authentication", p["failed"] == 2 and
                f.get("auth_rejected", 0) + f.get("lower_down_in_auth", 0) == 2,
                json.dumps(p)[:600])
    ok &= check("none up", p["up"] == 0)
    if not ok:
        print(tail(out))


def case_xl2tpd(build, work):
    print("xl2tpd: lns-pppd as pppd")
    pppd = os.path.abspath(os.path.join(build, "lns-pppd"))
    status = os.path.join(work, "pppd.status")
    pppd_log = os.path.join(work, "pppd.log")
    opts = os.path.join(work, "options.pppd")
    conf = os.path.join(work, "xl2tpd.conf")
    with open(opts, "w") as f:
        f.write(f"noauth\nnodetach\nnoipdefault\ndebug\npassword {PASSWORD}\nlcp-echo-interval 5\n")
    with open(conf, "w") as f:
        f.write(f"[global]\nlisten-addr = {LAC_IP}\nport = 1701\naccess control = no\n"
                f"\n[lac l2tpns]\nlns = {LNS_IP}\nautodial = yes\nredial = no\nname = xluser\n"
                f"pppoptfile = {opts}\nlength bit = yes\n")
    env = dict(os.environ, LNS_PPPD_STATUS=status, LNS_PPPD_LOG=pppd_log, LNS_PPPD_PING=LNS_IP,
               LNS_PPPD_PING_COUNT="5", LNS_PPPD_EXIT_AFTER_TRAFFIC="1")
    inner = (f"mount --bind {pppd} /usr/sbin/pppd && exec xl2tpd -D -c {conf} "
             f"-p {work}/xl2tpd.pid -C {work}/xl2tpd.ctrl")
    xl = start("xl2tpd", ["ip", "netns", "exec", NS_LAC, "unshare", "-m", "sh", "-c", inner],
               os.path.join(work, "xl2tpd.out"), env=env)

    def events():
        try:
            with open(status) as f:
                return [json.loads(line) for line in f if line.strip()]
        except (OSError, ValueError):
            return []

    def has(kind):
        return any(e.get("event") == kind for e in events())

    try:
        ok = check("lns-pppd reports up", wait_for(lambda: has("up") or has("finished"), 45) and
                   has("up"), f"{events()}\n{tail(pppd_log)}\n{tail(os.path.join(work, 'xl2tpd.out'))}")
        if ok:
            up = next(e for e in events() if e["event"] == "up")
            check("address from l2tpns's pool", ipaddress.ip_address(up["address"]) in POOL, up)
            check("DNS from l2tpns", up["dns"][0] == "10.0.0.1", up)
            check("authenticated with CHAP", up["auth"] == "chap-md5", up)
            check("traffic reported", wait_for(lambda: has("traffic"), 15), tail(pppd_log))
            tr = [e for e in events() if e["event"] == "traffic"]
            if tr:
                check("5 echo replies", tr[0]["sent"] == 5 and tr[0]["echo_replies"] == 5, tr[0])
            check("link finished after traffic", wait_for(lambda: has("finished"), 15), tail(pppd_log))
            fin = [e for e in events() if e["event"] == "finished"]
            if fin:
                check("finished by our close, after up", fin[0]["reason"] == "local_close"
                      and fin[0]["was_up"], fin[0])
        if failures:
            print(tail(pppd_log, 60))
    finally:
        stop(xl, signal.SIGTERM)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    build = os.path.abspath(a.build_dir)
    for tool in ("l2tpns", "xl2tpd", "freeradius"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            print(f"SKIP: {tool} not installed")
            return 77
    for b in ("lns-lac-emu", "lns-pppd"):
        if not os.path.exists(os.path.join(build, b)):
            print(f"missing {b} in {build}")
            return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = tempfile.mkdtemp(prefix="ppp-client-")
    os.chmod(work, 0o755)
    radius = None
    try:
        setup_net()
        users = ("bad0 Auth-Type := Reject\nbad1 Auth-Type := Reject\n"
                 f"DEFAULT Cleartext-Password := \"{PASSWORD}\"\n")
        radius = NsRadius(work, RADIUS_SECRET, users)
        radius.start()
        _, l2tpns_log = start_l2tpns(work, radius)
        case_emu_chap(build, work, l2tpns_log)
        case_emu_pap(build, work)
        case_emu_reject(build, work)
        case_xl2tpd(build, work)
    finally:
        for name, p in reversed(procs):
            # l2tpns stops cleanly on SIGQUIT (SIGTERM may wait for acks forever).
            stop(p, signal.SIGQUIT if name == "l2tpns" else signal.SIGTERM, 5)
        teardown_net()
        if a.keep or failures:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("FAILED: " + ", ".join(failures) if failures else "PASSED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
