#!/usr/bin/python3
"""Full subscriber session setup rate (L2TP call, LCP, CHAP-MD5, IPCP): lnsd with
local users against l2tpns with freeradius, driven by the same emulator
(lns-lac-emu --ppp) in the same run; then 100,000 sessions held with LCP echo on.

Rig: the one of perf/run_setup_rate.py (imported from there): the emulator in netns
LAC pinned to --emu-cpu on one end of a veth pair; lnsd on the other end through
DPDK net_af_packet (control lcore 0 = CPU 0, worker lcore 1 = CPU 1, sharing it with
the emulator); or that veth end moved into netns REF for l2tpns (pinned to
--lns-cpu) with freeradius (`freeradius -f`, not debug mode, not pinned: it takes
whichever CPU is free) on REF's loopback.  Setups "plain" and "tuned" as there, and
"memif" (lnsd only): lnsd's access port and the emulator's DPDK port joined by
net_memif (shared-memory rings) instead of the veth pair, so that no kernel work is
on the packet path (on this 2-CPU VM the kernel's veth/af_packet work costs more
CPU than lnsd's control core does per session).

lnsd: ppp {auth: [chap], echo_interval_s: --echo, ipv6: false}, aaa {backend: local,
users_file with --users users sub0, sub1, ..., password pw; ipv4 pool
100.64.0.0/14}; punt_ring_size 32768 (the control core can be descheduled for
milliseconds by other tenants of the VM).
l2tpns: defaults, plus radius_authtypes chap, radius_accounting no, ip_pool
10.128.0.0/16; freeradius users file `DEFAULT Cleartext-Password := "pw"`.

Emulator, the same for both: `--ppp --auth chap --user-pattern sub{n} --password pw
-t T -s S --teardown none --interval 0.2 --seed N` + --emu-args: a user per session;
with its DPDK link (tuned, memif) `--poll-spin-us` --emu-spin-us (0: it sleeps as soon
as nothing arrives instead of spinning 200 us, which on a CPU shared with lnsd's worker
held the worker off that CPU).

CPU layout (--emu-cpu, --lns-cpu): by default the emulator on CPU 1 beside lnsd's
worker, l2tpns on CPU 0.  `--emu-cpu 0 --lns-cpu 1` puts the emulator beside lnsd's
control core instead (and l2tpns alone on CPU 1): at small sizes, where the run is a
chain of round trips, lnsd's worker then has CPU 1 to itself.  lnsd's worker spins
--worker-idle-polls empty polls (worker_idle_polls) before its 200 us idle sleep.

Per run: the emulator's ppp.full_setup_rate_per_s (full sessions up / first ICRQ ->
last PPP up), the rate over windows of the number of sessions up (from its progress
lines: 0-1k, 1k-10k, 10k-50k, 50k-100k, and the second half), per-phase times
(from ICRQ: LCP up, auth OK, IPCP up), failures, retransmissions; CPU seconds of the
emulator, of lnsd's control thread and worker (or l2tpns, freeradius); lnsd's own
control-core busy time (stats counter busy_us: polls that handled packets or timers).

Hold (--hold S, lnsd only, --hold-case): the sessions set up, then held S seconds
with LCP echo every --echo s; over the hold (from --hold-skip s after it starts to
5 s before it ends), lnsd's control thread CPU % (/proc) and busy_us %, the worker's
CPU %; at the end, echo counters on both sides and sessions dropped (none expected).

Writes perf/out/NAME.md (tables, every command) and perf/out/NAME.json.

Usage: perf/run_ppp_setup_rate.sh [--runs 3] [--cases 10x100,20x500,50x1000,100x1000]
       [--setups tuned] [--hold 60] [--no-l2tpns] [--build-dir DIR] ...
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perflib  # noqa: E402
import run_setup_rate as sr  # noqa: E402

sys.path.insert(0, os.path.join(perflib.ROOT, "tests", "integration", "lib"))
from freeradius import FreeRadius  # noqa: E402

LNS_IP, LAC_IP, PREFIX_LEN = sr.LNS_IP, sr.LAC_IP, sr.PREFIX_LEN
USER, PASSWORD, RADIUS_SECRET = "sub{n}", "pw", "radsecret"   # a user per session: sub0, sub1, ...
LNSD_POOL, L2TPNS_POOL = "100.64.0.0/14", "10.128.0.0/16"
# A rig setup of our own (not in run_setup_rate.py): lnsd's access port and the
# emulator's DPDK port joined by net_memif (shared memory rings, a Unix socket to
# pair them): no kernel on the packet path, so the figure is what lnsd's cores do.
# lnsd only (l2tpns has kernel sockets).
SETUPS = dict(sr.SETUPS)
SETUPS["memif"] = {"link": "memif", "drop": False, "rps": "0", "idle_us": 200}
WINDOWS = [(0, 1000), (1000, 10000), (10000, 50000), (50000, 100000)]


def sh(cmd, check=True, timeout=60, quiet=False):
    return sr.sh(cmd, check=check, timeout=timeout, quiet=quiet)


# ---- configs -----------------------------------------------------------------------

def lnsd_yaml(prefix, a, setup, work):
    users = os.path.join(work, "users.yaml")
    if not os.path.exists(users):
        with open(users, "w") as f:
            f.write("users:\n" + "".join(f"  - {{name: {USER.format(n=n)}, password: {PASSWORD}}}\n"
                                         for n in range(a.users)))
    worker_cpu = "" if a.lnsd_worker_cpu is None else f" cpu: {a.lnsd_worker_cpu},"
    return f"""# written by perf/run_ppp_setup_rate.py
eal: {{no_huge: true, memory_mb: 2048, file_prefix: {prefix}, no_pci: true}}
control_lcore: 0
mbufs: 131071
punt_ring_size: 32768   # the control core may be descheduled for a while on this shared VM
stats_interval_s: 0
tables: {{max_sessions: 131072}}
worker_idle_sleep_us: {setup['idle_us']}   # the worker shares CPU 1 with the emulator
worker_idle_polls: {a.worker_idle_polls}   # ... so it spins only briefly before that sleep
ports:
  - {{name: access0, device: "{access_device(setup, work)}", role: access, rx_queues: 1, mtu: 1500, ipv4: {LNS_IP}/{PREFIX_LEN}}}
  - {{name: core0, device: "net_null0,no-rx=1", role: core, rx_queues: 1, mtu: 1500, ipv4: 198.51.100.1/24, gateway4: 198.51.100.2}}
workers: [{{lcore: 1,{worker_cpu} rx: [{{port: access0, queue: 0}}, {{port: core0, queue: 0}}]}}]
l2tp: {{max_tunnels: 4096, max_sessions: 131072}}
ppp: {{auth: [chap], echo_interval_s: {a.echo}, ipv6: false, dns_primary: 198.51.100.53}}
aaa: {{backend: local, users_file: {users}, ipv4_pools: [{{name: subs, prefix: {LNSD_POOL}}}]}}
"""


def access_device(setup, work):
    if setup["link"] == "memif":
        return f"net_memif0,role=server,socket={work}/memif.sock,socket-abstract=no,rsize=14"
    return f"net_af_packet0,iface={sr._net['a']},framecnt=8192"


def l2tpns_config(logfile, pidfile, radius_port, debug=0):
    return f"""# written by perf/run_ppp_setup_rate.py
set debug {debug}
set log_file "{logfile}"
set pid_file "{pidfile}"
set bind_address {LNS_IP}
set cli_bind_address 127.0.0.1
set cluster_interface {sr._net['c']}
set cluster_hb_timeout 10
set send_garp no
set primary_radius 127.0.0.1
set primary_radius_port {radius_port}
set radius_secret "{RADIUS_SECRET}"
set radius_accounting no
set radius_authtypes "chap"
set primary_dns 10.0.0.1
"""


class NsRadius(FreeRadius):
    """freeradius in REF's namespace, not in debug mode (-X is single-threaded and
    logs every attribute): `freeradius -f` (foreground, its thread pool)."""

    def start(self, timeout=30):
        binary = shutil.which("freeradius") or "/usr/sbin/freeradius"
        self.logf = open(self.log, "w")
        self.proc = perflib.start(["ip", "netns", "exec", sr._net["ref"], binary, "-f", "-l", self.log + ".radiusd",
                                   "-d", self.dir], stdout=self.logf)
        port = self.auth_port

        def ready():
            r = subprocess.run(["ip", "netns", "exec", sr._net["ref"], "ss", "-Hlun", f"sport = :{port}"],
                               capture_output=True, text=True, timeout=10)
            return self.proc.poll() is not None or bool(r.stdout.strip())
        if not sr.wait_for(ready, timeout, 0.2) or self.proc.poll() is not None:
            raise RuntimeError(f"freeradius not ready; log {self.log}")

    def stop(self):
        if self.proc is not None:
            perflib.stop(self.proc, signal.SIGTERM, timeout=10)
            self.logf.close()


# ---- measurements ------------------------------------------------------------------

_PROG1 = re.compile(r"^\[\s*([\d.]+)s\]\s+(\S+)\s+tunnels")
_PROG2 = re.compile(r"^\s+ppp (\d+) up, (\d+) negotiating, (\d+) failed")


def progress_points(text):
    """[(t, phase, ppp up)] from the emulator's --interval lines."""
    pts, cur = [], None
    for line in text.splitlines():
        m = _PROG1.match(line)
        if m:
            cur = (float(m.group(1)), m.group(2))
            continue
        m = _PROG2.match(line)
        if m and cur:
            pts.append((cur[0], cur[1], int(m.group(1))))
            cur = None
    return pts


def window_rates(pts, planned, end=None, window_s=None):
    """Rate while the number of full sessions up went through each window of WINDOWS
    (within `planned`) and over the second half: (count at end - count at start) /
    time, with the end points interpolated linearly between progress samples."""
    setup = [(t, n) for t, ph, n in pts if ph == "setup"]
    # the last sample of the setup phase may be missing: first sample after it
    after = [(t, n) for t, ph, n in pts if ph != "setup"]
    if after:
        setup.append(after[0])
    elif end and (not setup or end[1] > setup[-1][1]):
        setup.append(end)  # the emulator exits at the end of the setup without a progress line
    if len(setup) < 2:
        return {}

    def when(count):
        for (t0, n0), (t1, n1) in zip(setup, setup[1:]):
            if n0 <= count <= n1 and n1 > n0:
                return t0 + (t1 - t0) * (count - n0) / (n1 - n0)
        return None
    out = {}
    spans = [w for w in WINDOWS if w[1] <= planned] + [(planned // 2, planned)]
    for lo, hi in spans:
        ta, tb = when(max(lo, setup[0][1])), when(hi)
        if ta is None or tb is None or tb <= ta:
            continue
        key = "second_half" if (lo, hi) == (planned // 2, planned) else f"{lo // 1000}k-{hi // 1000}k"
        out[key] = (hi - max(lo, setup[0][1])) / (tb - ta)
    # To 99 % of the sessions: from the first ICRQ (the end of the emulator's setup
    # window minus its length) to the time 99 % were up; leaves out a slow tail (a
    # tunnel whose control channel stalls costs ~1 s per remaining call).
    t_end, t99 = when(setup[-1][1]), when(int(0.99 * planned))
    if window_s and t_end is not None and t99 is not None and t99 > t_end - window_s:
        out["to_99pct"] = int(0.99 * planned) / (t99 - (t_end - window_s))
    return out


def lnsd_counters(log):
    """The last `busy_us` and a few subscriber counters printed by lnsd (SIGUSR1 or exit)."""
    try:
        with open(log, errors="replace") as f:
            text = f.read()
    except OSError:
        return {}
    out = {}
    for k in ("busy_us", "sessions_up", "subscribers", "lcp_echo_req_sent", "lcp_echo_reply_rcvd",
              "lcp_peer_dead", "lcp_retransmits", "auth_retransmits", "ipcp_retransmits", "ended"):
        ms = re.findall(rf"^\s+{k}\s+(\d+)\s*$", text, re.M)
        out[k] = int(ms[-1]) if ms else 0
    out["dumps"] = text.count("  control core:")
    return out


def dump_lnsd(p, log, timeout=5.0):
    """SIGUSR1 to lnsd; waits for the counters it prints; returns them."""
    n = lnsd_counters(log).get("dumps", 0)
    os.kill(p.pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        c = lnsd_counters(log)
        if c.get("dumps", 0) > n:
            time.sleep(0.2)  # the whole block
            return lnsd_counters(log)
    return lnsd_counters(log)


def emulator_cmd(a, build, setup, case, seed, json_path, hold):
    if setup["link"] == "memif":
        t, s = case
        cmd = ["taskset", "-c", a.emu_cpu, os.path.join(build, "lns-lac-emu"), "--lns", LNS_IP, "-t", t, "-s", s,
               "--teardown", "none", "--timeout", a.timeout + hold, "--interval", a.interval, "--seed", seed,
               "--link", "dpdk", "--local", LAC_IP,
               "--eal", f"-l {a.emu_cpu} --no-huge -m 512 --no-pci --vdev net_memif0,role=client,"
                        f"socket={os.path.dirname(json_path)}/memif.sock,socket-abstract=no,rsize=14"]
    else:
        cmd = sr.emulator_cmd(argparse.Namespace(emu_cpu=a.emu_cpu, teardown="none", timeout=a.timeout + hold,
                                                 interval=a.interval, emu_args=""),
                              build, setup, case, seed, json_path)
        cmd = cmd[:-2]  # --json, appended below after our arguments
    cmd += ["--ppp", "--auth", "chap", "--user-pattern", USER, "--password", PASSWORD]
    if setup["link"] != "udp":
        cmd += ["--poll-spin-us", a.emu_spin_us]
    if hold:
        cmd += ["--hold", hold]
    cmd += shlex.split(a.emu_args) + ["--json", json_path]
    return cmd


def run_emulator(a, build, setup, case, seed, work, tag, lns_pid, hold=0, lnsd=None):
    """Runs the emulator; with `hold`, samples the LNS over the hold (lnsd = (proc,
    log) for its busy counter).  Returns (report, progress text, rc, hold samples)."""
    js = os.path.join(work, f"{tag}.emu.json")
    log = os.path.join(work, f"{tag}.emu.log")
    cmd = emulator_cmd(a, build, setup, case, seed, js, hold)
    samples = {}
    with open(log, "w") as f:
        p = perflib.start(cmd, stdout=f)
        try:
            if hold:
                samples = sample_hold(a, p, log, lns_pid, hold, lnsd)
            p.wait(timeout=a.timeout + hold + 60)
        except subprocess.TimeoutExpired:
            perflib.stop(p, signal.SIGINT, timeout=10)
    with open(log, errors="replace") as f:
        text = f.read()
    try:
        with open(js) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        raise RuntimeError(f"no emulator report ({e}); see {log}")
    return rep, text, p.returncode, samples


def sample_hold(a, emu, emu_log, pid, hold, lnsd):
    """Waits for the emulator's hold phase; samples at hold start + --hold-skip and 5 s
    before its end: lnsd's threads' CPU and its busy counter."""
    def in_hold():
        with open(emu_log, errors="replace") as f:
            return " hold " in f.read()
    if not sr.wait_for(lambda: emu.poll() is not None or in_hold(), a.timeout + 30, 0.2) or emu.poll() is not None:
        return {}
    t_hold = time.monotonic()
    time.sleep(min(a.hold_skip, hold / 2))
    t0, c0 = time.monotonic(), sr.thread_cpu(pid)
    k0 = dump_lnsd(*lnsd) if lnsd else {}
    time.sleep(max(1.0, hold - (time.monotonic() - t_hold) - 5))
    t1, c1 = time.monotonic(), sr.thread_cpu(pid)
    k1 = dump_lnsd(*lnsd) if lnsd else {}
    dt = t1 - t0
    cpu = sr.cpu_delta(c0, c1)
    out = {"window_s": round(dt, 2), "cpu_pct": {k: round(100 * v / dt, 1) for k, v in cpu.items()}}
    if lnsd:
        out["busy_pct"] = round((k1.get("busy_us", 0) - k0.get("busy_us", 0)) / 1e4 / dt, 2)
        out["echo_req_sent"] = k1.get("lcp_echo_req_sent", 0) - k0.get("lcp_echo_req_sent", 0)
        out["echo_reply_rcvd"] = k1.get("lcp_echo_reply_rcvd", 0) - k0.get("lcp_echo_reply_rcvd", 0)
        out["lnsd_start"], out["lnsd_end"] = k0, k1
    return out


def measure(a, build, setup, case, seed, work, tag, pid, hold=0, lnsd=None, extra_pids=()):
    time.sleep(0.5)
    before = sr.thread_cpu(pid)
    before_x = {x: sr.thread_cpu(x) for x in extra_pids}
    k0 = lnsd_counters(lnsd[1]) if lnsd else {}
    if lnsd:
        k0 = dump_lnsd(*lnsd)
    perf = start_perf(a, pid, work, tag)
    try:
        rep, text, rc, samples = run_emulator(a, build, setup, case, seed, work, tag, pid, hold, lnsd)
    finally:
        sr.stop_perf(perf)
    cpu = sr.cpu_delta(before, sr.thread_cpu(pid))
    for x in extra_pids:
        for k, v in sr.cpu_delta(before_x[x], sr.thread_cpu(x)).items():
            cpu["radius:" + k] = round(cpu.get("radius:" + k, 0) + v, 3)
    k1 = dump_lnsd(*lnsd) if lnsd else {}
    busy = (k1.get("busy_us", 0) - k0.get("busy_us", 0)) / 1e6 if lnsd else None
    return rep, text, rc, cpu, busy, samples


def start_perf(a, pid, work, tag):
    if not (a.perf_lns or a.perf):
        return None
    data = os.path.join(work, f"{tag}.perf.data")
    if a.perf:
        cmd = ["perf", "record", "-a", "-g", "-F", "1999", "-o", data]
    else:
        cmd = ["perf", "record", "--call-graph", "dwarf,16384", "-F", "499", "-o", data, "-p", pid]
    p = perflib.start(cmd, stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    return p


def run_lnsd(a, build, setup, case, seed, work, tag, hold=0):
    prefix = f"{tag}-lnsd"
    cfg = os.path.join(work, f"{tag}.lnsd.yaml")
    with open(cfg, "w") as f:
        f.write(lnsd_yaml(prefix, a, setup, work))
    log = os.path.join(work, f"{tag}.lnsd.log")
    with open(log, "w") as f:
        p = perflib.start([os.path.join(build, "lnsd"), "-c", cfg], stdout=f)
    try:
        if not sr.wait_for(lambda: sr.file_has(log, "; running") or p.poll() is not None, 60):
            raise RuntimeError(f"lnsd did not start; see {log}")
        if p.poll() is not None:
            raise RuntimeError(f"lnsd exited {p.returncode}; see {log}")
        return measure(a, build, setup, case, seed, work, tag, p.pid, hold, (p, log))
    finally:
        perflib.stop(p, signal.SIGINT, timeout=30)
        perflib.cleanup_prefix(prefix)


def run_l2tpns(a, build, setup, case, seed, work, tag):
    n = sr._net
    etc = f"/etc/netns/{n['ref']}/l2tpns"
    os.makedirs(etc, exist_ok=True)
    rad = NsRadius(os.path.join(work, f"{tag}.radius"), RADIUS_SECRET, f'DEFAULT Cleartext-Password := "{PASSWORD}"\n')
    logfile = os.path.join(work, f"{tag}.l2tpns.log")
    pidfile = os.path.join(work, f"{tag}.l2tpns.pid")
    with open(os.path.join(etc, "startup-config"), "w") as f:
        f.write(l2tpns_config(logfile, pidfile, rad.auth_port, a.l2tpns_debug))
    with open(os.path.join(etc, "ip_pool"), "w") as f:
        f.write(L2TPNS_POOL + "\n")
    rad.start()
    p = None
    try:
        out = os.path.join(work, f"{tag}.l2tpns.out")
        with open(out, "w") as f:
            p = perflib.start(["ip", "netns", "exec", n["ref"], "taskset", "-c", a.lns_cpu,
                               "l2tpns", "-c", "/etc/l2tpns/startup-config"], stdout=f)
        if not sr.wait_for(lambda: sr.file_has(logfile, "I am declaring myself the master")
                           or p.poll() is not None, 60):
            raise RuntimeError(f"l2tpns did not become master; see {logfile}")
        if p.poll() is not None:
            raise RuntimeError(f"l2tpns exited {p.returncode}; see {out}")
        rad_pid = radius_pid(rad)
        return measure(a, build, setup, case, seed, work, tag, p.pid, extra_pids=[rad_pid] if rad_pid else [])
    finally:
        if p is not None:
            perflib.stop(p, signal.SIGQUIT, timeout=3)
        rad.stop()


def radius_pid(rad):
    """The freeradius process (a child of `ip netns exec`, which execs it: same PID)."""
    return rad.proc.pid if rad.proc and rad.proc.poll() is None else None


def summarize(rep, text, rc, cpu, busy, samples, case):
    ppp = rep.get("ppp", {})
    s = rep.get("sessions", {})
    planned = case[0] * case[1]
    pts = progress_points(text)
    ecpu = rep.get("cpu", {})
    window = ppp.get("setup_window_s")
    return {
        "tunnels": case[0], "sessions_per_tunnel": case[1], "planned": planned,
        "success": rep.get("success"), "exit": rc,
        "up": ppp.get("up"), "failed": ppp.get("failed"), "ppp_failures": ppp.get("failures"),
        "dropped": ppp.get("dropped"), "l2tp_failures": rep.get("failures"),
        "rate": ppp.get("full_setup_rate_per_s"), "setup_window_s": window,
        "l2tp_rate": s.get("setup_rate_per_s"),
        "windows": window_rates(pts, planned, (rep.get("elapsed_s"), ppp.get("up") or 0), window),
        "lcp_up_ms": ppp.get("lcp_up_ms"), "auth_ok_ms": ppp.get("auth_ok_ms"),
        "ipcp_up_ms": ppp.get("ipcp_up_ms"), "full_setup_ms": ppp.get("full_setup_ms"),
        "retransmits": rep.get("control", {}).get("retransmits"),
        "ppp_counters": ppp.get("counters"),
        "emu_cpu_s": round((ecpu.get("user_s") or 0) + (ecpu.get("sys_s") or 0), 3),
        "lns_cpu": cpu, "lnsd_busy_s": busy, "hold": samples,
    }


# ---- report ------------------------------------------------------------------------

def fr(v):
    return "n/a" if v is None else f"{v:,.0f}"


def fms(d, k="p50"):
    v = (d or {}).get(k)
    return "n/a" if v is None else f"{v:.0f}"


def lns_cpu_str(r):
    c = r["lns_cpu"] or {}
    if r["lns"] == "lnsd":
        busy = r.get("lnsd_busy_s")
        return (f"{c.get('lnsd', 0):.2f} (busy {busy:.2f}) + {c.get('rte-worker-1', 0):.2f}"
                if busy is not None else f"{c.get('lnsd', 0):.2f} + {c.get('rte-worker-1', 0):.2f}")
    rad = sum(v for k, v in c.items() if k.startswith("radius:"))
    own = sum(v for k, v in c.items() if not k.startswith("radius:"))
    return f"{own:.2f} + radius {rad:.2f}"


def fails(r):
    f = dict(r.get("ppp_failures") or {})
    for x in r.get("l2tp_failures") or []:
        key = f"{x.get('kind')}:{x.get('reason')}"
        f[key] = f.get(key, 0) + x.get("count", 0)
    return ", ".join(f"{k} {v}" for k, v in f.items()) or "none"


def write_report(a, setups, cases, rows, holds, notes, ctx):
    md = ["## Full session setup rate (PPP): lnsd vs l2tpns + freeradius, same emulator", "",
          f"Machine: {ctx['machine']}", "",
          f"lnsd: {ctx['tree']}; l2tpns {ctx['l2tpns'] or '?'}, freeradius {ctx['freeradius'] or '?'} (Debian packages)", "",
          f"Load average at start: {ctx['load_start']}; at end: {ctx['load_end']}; "
          f"{ctx['elapsed_s']} s", "",
          f"Emulator pinned to CPU {a.emu_cpu}: `--ppp --auth chap --user-pattern {USER} --password {PASSWORD} "
          f"--teardown none --interval {a.interval:g} {a.emu_args}`; lnsd control lcore 0 (CPU 0), worker lcore 1 (CPU "
          f"{1 if a.lnsd_worker_cpu is None else a.lnsd_worker_cpu}), ppp.echo_interval_s {a.echo}; l2tpns pinned to CPU {a.lns_cpu}, freeradius -f unpinned.", "",
          "Setups: " + "; ".join(f"{k}: emulator --link {v['link']}" + (
              "" if v["link"] == "memif" else f", ingress drop {'on' if v['drop'] else 'off'}, rps_cpus {v['rps']}")
              + f", lnsd worker_idle_sleep_us {v['idle_us']}" for k, v in SETUPS.items() if k in setups), "",
          "full/s: the emulator's ppp.full_setup_rate_per_s (full sessions up / first ICRQ -> last PPP up); "
          "window rates from its progress lines (sessions up crossing the window's bounds); phase times "
          "p50 / p99 ms from the call's ICRQ.  CPU s over the run; lnsd: control thread (its busy_us: polls "
          "with packets or timers) + worker; l2tpns: l2tpns + freeradius.", "",
          "| round | setup | case | LNS | full up | full/s | to 99 % /s | 1k-10k /s | 10k-50k /s | 50k-100k /s | 2nd half /s | "
          "LCP up ms | auth ok ms | IPCP up ms p50 / p99 / max | failures | emulator CPU s | LNS CPU s |",
          "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---:|---|"]
    for r in rows + holds:
        w = r["windows"]
        md.append(f"| {r['round']} | {r['setup']} | {r['tunnels']}x{r['sessions_per_tunnel']} | {r['lns']} | "
                  f"{r['up']}/{r['planned']} | {fr(r['rate'])} | {fr(w.get('to_99pct'))} | {fr(w.get('1k-10k'))} | {fr(w.get('10k-50k'))} | "
                  f"{fr(w.get('50k-100k'))} | {fr(w.get('second_half'))} | "
                  f"{fms(r['lcp_up_ms'])} / {fms(r['lcp_up_ms'], 'p99')} | "
                  f"{fms(r['auth_ok_ms'])} / {fms(r['auth_ok_ms'], 'p99')} | "
                  f"{fms(r['ipcp_up_ms'])} / {fms(r['ipcp_up_ms'], 'p99')} / {fms(r['ipcp_up_ms'], 'max')} | "
                  f"{fails(r)} | {r['emu_cpu_s']:.2f} | {lns_cpu_str(r)} |")
    summary = {}
    md += ["", "| setup | case | LNS | median full/s | min | max | median to 99 % /s | median 2nd half /s | runs | all up |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for sname in setups:
        for case in cases:
            for lns in ("lnsd", "l2tpns"):
                rs = [r for r in rows if r["setup"] == sname and r["lns"] == lns and
                      (r["tunnels"], r["sessions_per_tunnel"]) == case]
                if not rs:
                    continue
                rates = [r["rate"] or 0.0 for r in rs]
                half = [r["windows"].get("second_half") for r in rs if r["windows"].get("second_half")]
                r99 = [r["windows"].get("to_99pct") for r in rs if r["windows"].get("to_99pct")]
                key = f"{sname}/{case[0]}x{case[1]}/{lns}"
                summary[key] = {"median": statistics.median(rates), "min": min(rates), "max": max(rates),
                                "median_second_half": statistics.median(half) if half else None,
                                "median_to_99pct": statistics.median(r99) if r99 else None,
                                "runs": len(rs), "all_up": all(r["up"] == r["planned"] for r in rs)}
                v = summary[key]
                md.append(f"| {sname} | {case[0]}x{case[1]} | {lns} | {fr(v['median'])} | {fr(v['min'])} | "
                          f"{fr(v['max'])} | {fr(v['median_to_99pct'])} | {fr(v['median_second_half'])} | {v['runs']} | "
                          f"{'yes' if v['all_up'] else 'NO'} |")
    md.append("")
    for sname in setups:
        for case in cases:
            k = f"{case[0]}x{case[1]}"
            l, m = summary.get(f"{sname}/{k}/lnsd"), summary.get(f"{sname}/{k}/l2tpns")
            if l and m and m["median"]:
                per = []
                for rnd in range(1, a.runs + 1):
                    x = {r["lns"]: r for r in rows if r["round"] == rnd and r["setup"] == sname and
                         (r["tunnels"], r["sessions_per_tunnel"]) == case}
                    if "lnsd" in x and "l2tpns" in x and x["l2tpns"]["rate"]:
                        per.append(round((x["lnsd"]["rate"] or 0) / x["l2tpns"]["rate"], 2))
                md.append(f"- ratio lnsd / l2tpns, {sname}, {k}: **{l['median'] / m['median']:.2f}** "
                          f"(medians; per round {', '.join(str(x) for x in per)})")
    for h in holds:
        s = h.get("hold") or {}
        le, ls = s.get("lnsd_end", {}), s.get("lnsd_start", {})
        c = h.get("ppp_counters") or {}
        md += ["", f"Hold: {h['up']}/{h['planned']} full sessions up at {fr(h['rate'])}/s, then held "
               f"{a.hold:g} s with ppp.echo_interval_s {a.echo}; measured over {s.get('window_s')} s of the hold: "
               f"lnsd control thread **{s.get('cpu_pct', {}).get('lnsd', 'n/a')} % CPU** (/proc; includes its "
               f"idle polling), **busy {s.get('busy_pct', 'n/a')} %** (busy_us: polls with packets or timers), "
               f"worker {s.get('cpu_pct', {}).get('rte-worker-1', 'n/a')} % CPU; LCP Echo-Requests sent "
               f"{s.get('echo_req_sent')}, replies received {s.get('echo_reply_rcvd')} in that window; "
               f"lnsd subscribers at the end {le.get('subscribers')}, sessions_up {le.get('sessions_up')}, "
               f"lcp_peer_dead {le.get('lcp_peer_dead')} (at the start {ls.get('lcp_peer_dead')}); emulator: "
               f"dropped {h['dropped']}, echo requests received {c.get('echo_req_received')}, replies sent "
               f"{c.get('echo_reply_sent')}."]
    if notes:
        md += ["", "Problems:", ""] + [f"- {x}" for x in notes]
    md += ["", "Commands (each distinct line once, in order):", "", "```"] + \
        list(dict.fromkeys(perflib.COMMANDS)) + ["```", ""]
    text = "\n".join(md)
    print()
    print(text)
    perflib.write_fragment(f"{a.out}.md", text)
    perflib.write_fragment(f"{a.out}.json", json.dumps(
        dict(ctx, args=vars(a), rows=rows, holds=holds, summary=summary, notes=notes,
             commands=perflib.COMMANDS), indent=1))


def rescan(a):
    """--rescan: the report again from perf/out/NAME.json and the logs in its work
    directory (window rates recomputed with the current code)."""
    with open(os.path.join(perflib.ROOT, "perf", "out", f"{a.out}.json")) as f:
        d = json.load(f)
    work = d["work_dir"]
    for r in d["rows"] + d["holds"]:
        case = (r["tunnels"], r["sessions_per_tunnel"])
        rnd = r["round"] if r["round"] == "hold" else f"r{r['round']}"
        pat = f"-{rnd}-{r['setup']}-{case[0]}x{case[1]}-{r['lns']}.emu"
        logs = [x for x in os.listdir(work) if x.endswith(pat + ".log")]
        if not logs:
            continue
        with open(os.path.join(work, logs[0]), errors="replace") as f:
            text = f.read()
        with open(os.path.join(work, logs[0][:-4] + ".json")) as f:
            rep = json.load(f)
        ppp = rep.get("ppp", {})
        r["windows"] = window_rates(progress_points(text), case[0] * case[1],
                                    (rep.get("elapsed_s"), ppp.get("up") or 0), ppp.get("setup_window_s"))
    perflib.COMMANDS[:] = d["commands"]
    saved = d["args"]
    cases = [tuple(int(x) for x in c.split("x")) for c in saved["cases"].split(",") if c]
    setups = [x for x in saved["setups"].split(",") if x]
    ctx = {k: d.get(k) for k in ("tree", "l2tpns", "freeradius", "load_start", "load_end", "elapsed_s",
                                 "work_dir", "machine")}
    write_report(argparse.Namespace(**saved), setups, cases, d["rows"], d["holds"], d["notes"], ctx)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", help="use this build instead of building HEAD (git archive) in "
                    "/tmp/lnsd-setup-rate/COMMIT")
    ap.add_argument("--no-build", action="store_true", help="with --build-dir: do not run cmake --build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", default="10x100,20x500,50x1000,100x1000",
                    help="TUNNELSxSESSIONS,... [%(default)s]; l2tpns runs those within its limits "
                         f"({sr.L2TPNS_MAX_SESSIONS} sessions, {sr.L2TPNS_MAX_TUNNELS} tunnels)")
    ap.add_argument("--setups", default="tuned", help="rig setups of run_setup_rate.py [%(default)s]")
    ap.add_argument("--no-l2tpns", action="store_true")
    ap.add_argument("--no-lnsd", action="store_true")
    ap.add_argument("--emu-args", default="--tunnel-rate 200",
                    help="more emulator arguments, the same for both LNSes [%(default)s]")
    ap.add_argument("--users", type=int, default=131072, help="users in lnsd's users file [%(default)s]")
    ap.add_argument("--echo", type=int, default=10, help="lnsd ppp.echo_interval_s [%(default)s]")
    ap.add_argument("--hold", type=float, default=60, help="hold phase length, s (0: none) [%(default)s]")
    ap.add_argument("--hold-case", default="100x1000", help="sessions held [%(default)s]")
    ap.add_argument("--hold-skip", type=float, default=5, help="hold seconds not measured at its start")
    ap.add_argument("--l2tpns-debug", type=int, default=0, help="l2tpns `set debug` (slows it down)")
    ap.add_argument("--worker-idle-polls", type=int, default=4,
                    help="lnsd worker_idle_polls: empty polls before the idle sleep [%(default)s]")
    ap.add_argument("--emu-spin-us", type=int, default=0,
                    help="emulator --poll-spin-us (its DPDK link), both LNSes [%(default)s]")
    ap.add_argument("--emu-cpu", default="1")
    ap.add_argument("--lnsd-worker-cpu", type=int, default=None,
                    help="CPU of lnsd's worker lcore 1 (workers[].cpu; 0: lnsd all on CPU 0 beside its "
                         "control core, the emulator alone on --emu-cpu) [default: CPU 1]")
    ap.add_argument("--lns-cpu", default="0", help="CPU of l2tpns [%(default)s]")
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--timeout", type=float, default=180, help="emulator --timeout of a setup run")
    ap.add_argument("--perf-lns", action="store_true", help="perf record --call-graph dwarf of the LNS per run")
    ap.add_argument("--perf", action="store_true", help="perf record -a -g (whole machine) per run")
    ap.add_argument("--quiet-wait", type=float, default=300)
    ap.add_argument("--work-dir")
    ap.add_argument("--out", default="ppp_setup_rate", help="perf/out/NAME.md and .json [%(default)s]")
    ap.add_argument("--rescan", action="store_true", help="rewrite the report of perf/out/NAME.json from its logs")
    a = ap.parse_args()
    if a.rescan:
        return rescan(a)
    if os.geteuid() != 0:
        raise SystemExit("run as root (network namespaces, veth, tc, DPDK af_packet)")
    cases = [tuple(int(x) for x in c.split("x")) for c in a.cases.split(",") if c]
    setups = [x for x in a.setups.split(",") if x]
    for x in setups:
        if x not in SETUPS:
            raise SystemExit(f"unknown setup {x}")
    hold_case = tuple(int(x) for x in a.hold_case.split("x"))

    if a.build_dir:
        build = os.path.abspath(a.build_dir)
        if not a.no_build:
            perflib.run(["cmake", "--build", build, "--target", "lnsd", "lns-lac-emu", "-j2"], timeout=1800)
        tree = subprocess.run(["git", "-C", perflib.ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip() + " (the working tree as built in " + build + ")"
    else:
        build, commit = sr.build_snapshot()
        tree = f"{commit} (committed tree, git archive)"
    l2tpns_ver = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "l2tpns"], capture_output=True,
                                text=True).stdout.strip()
    radius_ver = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "freeradius"], capture_output=True,
                                text=True).stdout.strip()
    work = a.work_dir or tempfile.mkdtemp(prefix="lnsd-ppp-rate-")
    os.makedirs(work, exist_ok=True)
    print(f"build {build}, work dir {work}", flush=True)

    tag = f"pr{os.getpid() % 1000000}"
    notes, rows, holds = [], [], []
    load_start = perflib.loadavg()
    t_start = time.monotonic()
    try:
        sr.setup_net(tag, work)
        for rnd in range(1, a.runs + 1):
            sr.wait_idle(a, notes, f"round {rnd}")
            for sname in setups:
                setup = SETUPS[sname]
                for case in cases:
                    seed = 1000 * rnd + case[0]
                    lnses = [] if a.no_lnsd else ["lnsd"]
                    if (not a.no_l2tpns and setup["link"] != "memif" and case[0] * case[1] <= sr.L2TPNS_MAX_SESSIONS
                            and case[0] <= sr.L2TPNS_MAX_TUNNELS):
                        lnses.append("l2tpns")
                    for lns in lnses:
                        rtag = f"{tag}-r{rnd}-{sname}-{case[0]}x{case[1]}-{lns}"
                        print(f"== round {rnd}, {sname}, {case[0]} x {case[1]}, {lns}", flush=True)
                        try:
                            if setup["link"] != "memif":
                                sr.configure(setup, lns)
                            if lns == "lnsd":
                                res = run_lnsd(a, build, setup, case, seed, work, rtag)
                            else:
                                res = run_l2tpns(a, build, setup, case, seed, work, rtag)
                            row = summarize(*res, case)
                        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                            notes.append(f"round {rnd} {sname} {case[0]}x{case[1]} {lns}: {e}")
                            print(f"   FAILED: {e}", flush=True)
                            continue
                        row.update({"round": rnd, "setup": sname, "lns": lns})
                        rows.append(row)
                        print(f"   {row['up']}/{row['planned']} full, {fr(row['rate'])}/s, windows "
                              f"{ {k: round(v) for k, v in row['windows'].items()} }, failures {fails(row)}, "
                              f"emulator CPU {row['emu_cpu_s']} s, LNS CPU {lns_cpu_str(row)}", flush=True)
        if a.hold > 0 and not a.no_lnsd:
            sr.wait_idle(a, notes, "hold")
            sname = setups[0]
            rtag = f"{tag}-hold-{sname}-{hold_case[0]}x{hold_case[1]}-lnsd"
            print(f"== hold {a.hold:g} s, {sname}, {hold_case[0]} x {hold_case[1]}, lnsd", flush=True)
            try:
                if SETUPS[sname]["link"] != "memif":
                    sr.configure(SETUPS[sname], "lnsd")
                res = run_lnsd(a, build, SETUPS[sname], hold_case, 7, work, rtag, hold=a.hold)
                row = summarize(*res, hold_case)
                row.update({"round": "hold", "setup": sname, "lns": "lnsd"})
                holds.append(row)
                print(f"   {row['up']}/{row['planned']} full, dropped {row['dropped']}, hold {row['hold']}",
                      flush=True)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                notes.append(f"hold: {e}")
                print(f"   FAILED: {e}", flush=True)
    finally:
        sr.teardown_net()

    ctx = {"tree": tree, "l2tpns": l2tpns_ver, "freeradius": radius_ver, "load_start": load_start,
           "load_end": perflib.loadavg(), "elapsed_s": round(time.monotonic() - t_start), "work_dir": work,
           "machine": perflib.machine_info()}
    write_report(a, setups, cases, rows, holds, notes, ctx)
    return 0 if rows and all(r["up"] == r["planned"] for r in rows + holds) and not notes else 1


if __name__ == "__main__":
    sys.exit(main())
