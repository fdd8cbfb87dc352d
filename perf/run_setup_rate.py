#!/usr/bin/python3
"""L2TP tunnel + session setup rate: lnsd against l2tpns, driven by the same emulator.

Topology (built at start, torn down at exit, normal or not):

  netns LAC: lns-lac-emu pinned to CPU --emu-cpu, on one end of a veth pair
      (203.0.113.2/24; tx checksum offload off on both ends)
  root netns: lnsd on the other end through DPDK net_af_packet (access port
      203.0.113.1/24; core port net_null); control lcore 0, one worker on lcore 1,
      worker_idle_sleep_us set: the worker shares CPU 1 with the emulator
  -- or, for l2tpns, that same veth end moved into --
  netns REF: l2tpns 2.4.1 (Debian) bound to 203.0.113.1, pinned to CPU --lns-cpu,
      debug 0; its cluster_interface a veth pair kept inside REF; startup-config and
      ip_pool in /etc/netns/REF/l2tpns/ (bind-mounted over /etc/l2tpns by `ip netns exec`)

Rig setups (--setups; each runs every case on every LNS):
  plain  the emulator on a kernel UDP socket; nothing else changed.
  tuned  what helps the af_packet rig, not lnsd itself: the emulator on DPDK
         (--link dpdk, af_packet on its veth end, no kernel address there); a tc
         ingress filter dropping every frame on the veth ends owned by af_packet
         (af_packet still sees them; the kernel no longer routes them too); RPS on
         both veth ends to CPU 0 (frames are delivered to their receiver by a
         softirq there instead of inside the sender's sendto(), which on CPU 1 is
         the emulator's or lnsd's worker's time); lnsd's worker_idle_sleep_us 200.
         (For l2tpns only the emulator side and RPS apply.)

Each round runs, for every setup and case, lnsd then l2tpns with the same emulator
arguments and seed (l2tpns only where its compiled limits allow: 60,000 sessions,
500 tunnels).  A fresh LNS process per run, stopped right after the emulator exits
(--teardown none by default: the figure is the setup; a teardown of 50k sessions
against l2tpns takes tens of seconds of retransmissions).  Figures: the emulator's
sessions.setup_rate_per_s (sessions established / first ICRQ -> last session up);
the rate over the second half of the sessions (from its --interval progress lines:
is the rate sustained while sessions accumulate?); the rate over the whole run
including the tunnels; setup-time percentiles; CPU seconds of the emulator and of
the LNS (lnsd: control thread + worker thread) over the run.

Writes perf/out/NAME.md (tables, every command) and perf/out/NAME.json (all rows).

Usage: perf/run_setup_rate.sh [--runs 5] [--cases 50x1000,100x1000] [--setups plain,tuned]
       [--no-l2tpns] [--emu-args '--tunnel-rate 200'] [--perf|--perf-lns] ...
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

ROOT = perflib.ROOT
LNS_IP, LAC_IP, PREFIX_LEN = "203.0.113.1", "203.0.113.2", 24
L2TPNS_MAX_SESSIONS, L2TPNS_MAX_TUNNELS = 60000, 500

SETUPS = {
    "plain": {"link": "udp", "drop": False, "rps": "0", "idle_us": 50},
    "tuned": {"link": "dpdk", "drop": True, "rps": "1", "idle_us": 200},
    # variants for exploring the rig (not run by default)
    "tuned-rps-lns": {"link": "dpdk", "drop": True, "rps": "1", "rps_lac": "0", "idle_us": 200},
    "tuned-no-rps": {"link": "dpdk", "drop": True, "rps": "0", "idle_us": 200},
    "tuned-idle50": {"link": "dpdk", "drop": True, "rps": "1", "idle_us": 50},
}

_net = {}  # what setup_net created, for teardown_net


def sh(cmd, check=True, timeout=60, quiet=False):
    if not quiet:
        perflib.log_cmd(cmd)
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{shlex.join(str(c) for c in cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


# ---- network rig -------------------------------------------------------------------

def setup_net(tag, work):
    n = {"lac": f"{tag}l", "ref": f"{tag}r", "a": f"{tag}a", "b": f"{tag}b",
         "c": f"{tag}c", "d": f"{tag}d", "work": work}
    _net.update(n)
    sh(["ip", "netns", "add", n["lac"]])
    sh(["ip", "netns", "add", n["ref"]])
    sh(["ip", "link", "add", n["a"], "type", "veth", "peer", "name", n["b"]])
    sh(["ip", "link", "set", n["b"], "netns", n["lac"]])
    sh(["ip", "-n", n["lac"], "link", "set", "lo", "up"])
    sh(["ip", "-n", n["lac"], "link", "set", n["b"], "up"])
    sh(["ip", "netns", "exec", n["lac"], "ethtool", "-K", n["b"], "tx", "off"])
    sh(["ip", "link", "set", n["a"], "up"])
    sh(["ethtool", "-K", n["a"], "tx", "off"])
    # l2tpns's namespace: loopback and a veth pair for its cluster_interface.
    sh(["ip", "-n", n["ref"], "link", "set", "lo", "up"])
    sh(["ip", "-n", n["ref"], "link", "add", n["c"], "type", "veth", "peer", "name", n["d"]])
    sh(["ip", "-n", n["ref"], "addr", "add", "192.0.2.1/30", "dev", n["c"]])
    sh(["ip", "-n", n["ref"], "link", "set", n["c"], "up"])
    sh(["ip", "-n", n["ref"], "link", "set", n["d"], "up"])
    _net["lns_end"] = "root"
    return n


def teardown_net():
    n = dict(_net)
    _net.clear()
    if not n:
        return
    for ns in (n["lac"], n["ref"]):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
    subprocess.run(["ip", "link", "del", n["a"]], capture_output=True, timeout=30)
    shutil.rmtree(f"/etc/netns/{n['ref']}", ignore_errors=True)


_DROP_C = """__attribute__((section("tc"), used)) int drop(void *skb) { return 2; /* TC_ACT_SHOT */ }
char _license[] __attribute__((section("license"), used)) = "GPL";
"""


def ingress_drop(dev, on, ns=None):
    """A tc ingress filter dropping every frame on `dev` (eBPF in direct-action mode:
    this kernel has neither the matchall classifier nor the gact action).  af_packet
    sockets are ptype_all taps, which run before tc ingress, so they still get every
    frame; the kernel's IP stack no longer does.  Without it each frame the DPDK
    program receives is also routed (and dropped) by the kernel of its namespace, at
    the sender's expense: a cost of the af_packet rig that a NIC owned by a PMD does
    not have."""
    pre = ["ip", "netns", "exec", ns] if ns else []
    sh(pre + ["tc", "qdisc", "del", "dev", dev, "clsact"], check=False, quiet=True)
    if not on:
        return
    obj = _net.get("drop_obj")
    if not obj:
        src = os.path.join(_net["work"], "ingress_drop.c")
        obj = os.path.join(_net["work"], "ingress_drop.o")
        with open(src, "w") as f:
            f.write(_DROP_C)
        sh(["clang", "-O2", "-target", "bpf", "-c", src, "-o", obj])
        _net["drop_obj"] = obj
    sh(pre + ["tc", "qdisc", "add", "dev", dev, "clsact"])
    sh(pre + ["tc", "filter", "add", "dev", dev, "ingress", "bpf", "da", "obj", obj, "sec", "tc"])


def set_rps(dev, mask, ns=None):
    """Receive packet steering on a veth end: frames it receives are delivered (to
    af_packet rings, to the IP stack) by a softirq on the CPUs of `mask` (hex) instead
    of inside the sender's sendto(); "0": off."""
    pre = ["ip", "netns", "exec", ns] if ns else []
    sh(pre + ["sh", "-c", f"echo {mask} > /sys/class/net/{dev}/queues/rx-0/rps_cpus"])


def configure(setup, lns):
    """Puts the rig in the state `setup` wants for a run against `lns`."""
    n = _net
    a, b, lac, ref = n["a"], n["b"], n["lac"], n["ref"]
    # The LNS end of the veth: root namespace for lnsd (af_packet, no address), REF for
    # l2tpns (kernel UDP on 203.0.113.1).
    want = "ref" if lns == "l2tpns" else "root"
    if n["lns_end"] != want:
        if want == "ref":
            ingress_drop(a, False)
            sh(["ip", "link", "set", a, "netns", ref])
            sh(["ip", "-n", ref, "addr", "add", f"{LNS_IP}/{PREFIX_LEN}", "dev", a])
            sh(["ip", "-n", ref, "link", "set", a, "up"])
        else:
            sh(["ip", "-n", ref, "link", "set", a, "netns", "1"])
            sh(["ip", "link", "set", a, "up"])
            sh(["ethtool", "-K", a, "tx", "off"])
        n["lns_end"] = want
    a_ns = ref if want == "ref" else None
    if want == "root":
        ingress_drop(a, setup["drop"])
    set_rps(a, setup["rps"], ns=a_ns)
    # The LAC end: a kernel address for the UDP emulator; none (the emulator is the
    # only IPv4 host there, answering ARP itself) and the drop filter for --link dpdk.
    have = sh(["ip", "-n", lac, "-4", "-o", "addr", "show", "dev", b], quiet=True).stdout.strip()
    if setup["link"] == "udp" and not have:
        sh(["ip", "-n", lac, "addr", "add", f"{LAC_IP}/{PREFIX_LEN}", "dev", b])
    elif setup["link"] == "dpdk" and have:
        sh(["ip", "-n", lac, "addr", "flush", "dev", b])
    ingress_drop(b, setup["drop"] and setup["link"] == "dpdk", ns=lac)
    set_rps(b, setup.get("rps_lac", setup["rps"]), ns=lac)
    sh(["ip", "-n", lac, "neigh", "flush", "dev", b], check=False, quiet=True)


# ---- configs -----------------------------------------------------------------------

def lnsd_yaml(prefix, a, setup):
    l2tp = "{max_tunnels: 4096, max_sessions: 131072"
    if a.lnsd_window:
        l2tp += f", defaults: {{receive_window: {a.lnsd_window}}}"
    l2tp += "}"
    return f"""# written by perf/run_setup_rate.py
eal: {{no_huge: true, memory_mb: 1024, file_prefix: {prefix}, no_pci: true}}
control_lcore: 0
mbufs: 32767
tables: {{max_sessions: 131072}}
worker_idle_sleep_us: {setup['idle_us']}   # the worker shares CPU 1 with the emulator
ports:
  - {{name: access0, device: "net_af_packet0,iface={_net['a']},framecnt=8192", role: access, rx_queues: 1, mtu: 1500, ipv4: {LNS_IP}/{PREFIX_LEN}}}
  - {{name: core0, device: "net_null0,no-rx=1", role: core, rx_queues: 1, mtu: 1500, ipv4: 198.51.100.1/24, gateway4: 198.51.100.2}}
workers: [{{lcore: 1, rx: [{{port: access0, queue: 0}}, {{port: core0, queue: 0}}]}}]
l2tp: {l2tp}
"""


def l2tpns_config(logfile, pidfile, debug=0):
    return f"""# written by perf/run_setup_rate.py
set debug {debug}
set log_file "{logfile}"
set pid_file "{pidfile}"
set bind_address {LNS_IP}
set cli_bind_address 127.0.0.1
set cluster_interface {_net['c']}
set cluster_hb_timeout 10
set send_garp no
set primary_radius 127.0.0.1
set radius_secret "secret"
set primary_dns 10.0.0.1
"""


# ---- measurements ------------------------------------------------------------------

def udp_errors(ns):
    """UDP RcvbufErrors + InErrors in namespace `ns` (/proc/net/snmp)."""
    r = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"], capture_output=True,
                       text=True, timeout=10)
    lines = [x.split() for x in r.stdout.splitlines() if x.startswith("Udp:")]
    if len(lines) < 2:
        return {}
    d = dict(zip(lines[0][1:], (int(v) for v in lines[1][1:])))
    return {"rcvbuf_errors": d.get("RcvbufErrors", 0), "in_errors": d.get("InErrors", 0)}


def thread_cpu(pid):
    """{tid: (comm, cpu seconds)} of every thread of `pid`."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                s = f.read()
            comm = s[s.index("(") + 1:s.rindex(")")]
            fields = s[s.rindex(")") + 2:].split()
            out[int(tid)] = (comm, (int(fields[11]) + int(fields[12])) / hz)
        except (OSError, ValueError):
            pass
    return out


def cpu_delta(before, after):
    d = {}
    for tid, (comm, t) in after.items():
        v = round(t - before.get(tid, (comm, 0.0))[1], 3)
        if v > 0:
            d[comm] = round(d.get(comm, 0.0) + v, 3)
    return d


_PROGRESS = re.compile(r"^\[\s*([\d.]+)s\]\s+(\S+)\s+tunnels (\d+)/(\d+) up.*sessions (\d+) up, (\d+) pending,"
                       r" (\d+) failed of (\d+)")


def sustained(progress_text, planned, end_s, established):
    """From the emulator's --interval lines (plus the end of the setup): the rate while
    the established count went from its first sample at or above half of `planned` to
    the end, and the lowest rate of any interval in that stretch (sessions/s)."""
    pts = []
    for line in progress_text.splitlines():
        m = _PROGRESS.match(line)
        if m and m.group(2) == "setup":
            pts.append((float(m.group(1)), int(m.group(5))))
    if end_s is not None and established is not None and (not pts or end_s > pts[-1][0]):
        pts.append((end_s, established))
    half = [p for p in pts if p[1] >= planned / 2]
    if len(half) < 2 or planned <= 0:
        return None, None, pts
    (t0, n0), (t1, n1) = half[0], half[-1]
    rate = (n1 - n0) / (t1 - t0) if t1 > t0 else None
    steps = [(q[1] - p[1]) / (q[0] - p[0]) for p, q in zip(half, half[1:]) if q[0] - p[0] > 0.05]
    return rate, (min(steps) if steps else None), pts


def emulator_cmd(a, build, setup, case, seed, json_path):
    t, s = case
    cmd = ["ip", "netns", "exec", _net["lac"], "taskset", "-c", a.emu_cpu,
           os.path.join(build, "lns-lac-emu"), "--lns", LNS_IP, "-t", t, "-s", s,
           "--teardown", a.teardown, "--timeout", a.timeout, "--interval", a.interval,
           "--seed", seed]
    if setup["link"] == "dpdk":
        cmd += ["--link", "dpdk", "--local", LAC_IP,
                "--eal", f"-l {a.emu_cpu} --no-huge -m 512 --no-pci "
                         f"--vdev net_af_packet0,iface={_net['b']},framecnt=8192"]
    cmd += shlex.split(a.emu_args) + ["--json", json_path]
    return cmd


def run_emulator(a, build, setup, case, seed, work, tag):
    js = os.path.join(work, f"{tag}.emu.json")
    log = os.path.join(work, f"{tag}.emu.log")
    cmd = emulator_cmd(a, build, setup, case, seed, js)
    before = {ns: udp_errors(_net[ns]) for ns in ("lac", "ref")}
    with open(log, "w") as f:
        p = perflib.start(cmd, stdout=f)
        try:
            p.wait(timeout=a.timeout + 60)
        except subprocess.TimeoutExpired:
            perflib.stop(p, signal.SIGINT, timeout=10)
    after = {ns: udp_errors(_net[ns]) for ns in ("lac", "ref")}
    with open(log, errors="replace") as f:
        text = f.read()
    try:
        with open(js) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        raise RuntimeError(f"no emulator report ({e}); see {log}")
    rep["udp_errors"] = {ns: {k: after[ns].get(k, 0) - before[ns].get(k, 0) for k in after[ns]}
                         for ns in after}
    return rep, text, p.returncode


def wait_for(pred, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


def file_has(path, needle):
    try:
        with open(path, errors="replace") as f:
            return needle in f.read()
    except OSError:
        return False


def measure(a, build, setup, case, seed, work, tag, pid):
    """Runs the emulator against the LNS process `pid`; returns (report, progress text,
    exit code, LNS CPU seconds per thread name)."""
    time.sleep(0.5)
    before = thread_cpu(pid)
    perf = start_perf(a, pid, work, tag)
    try:
        rep, text, rc = run_emulator(a, build, setup, case, seed, work, tag)
    finally:
        stop_perf(perf)
    return rep, text, rc, cpu_delta(before, thread_cpu(pid))


def run_lnsd(a, build, setup, case, seed, work, tag):
    prefix = f"{tag}-lnsd"
    cfg = os.path.join(work, f"{tag}.lnsd.yaml")
    with open(cfg, "w") as f:
        f.write(lnsd_yaml(prefix, a, setup))
    stats = os.path.join(work, f"{tag}.lnsd.stats.json")
    log = os.path.join(work, f"{tag}.lnsd.log")
    with open(log, "w") as f:
        p = perflib.start([os.path.join(build, "lnsd"), "-c", cfg, "--stats-json", stats], stdout=f)
    try:
        if not wait_for(lambda: file_has(log, "; running") or p.poll() is not None, 60):
            raise RuntimeError(f"lnsd did not start; see {log}")
        if p.poll() is not None:
            raise RuntimeError(f"lnsd exited {p.returncode}; see {log}")
        return measure(a, build, setup, case, seed, work, tag, p.pid)
    finally:
        perflib.stop(p, signal.SIGINT, timeout=20)
        perflib.cleanup_prefix(prefix)


def run_l2tpns(a, build, setup, case, seed, work, tag):
    n = _net
    etc = f"/etc/netns/{n['ref']}/l2tpns"
    os.makedirs(etc, exist_ok=True)
    logfile = os.path.join(work, f"{tag}.l2tpns.log")
    pidfile = os.path.join(work, f"{tag}.l2tpns.pid")
    with open(os.path.join(etc, "startup-config"), "w") as f:
        f.write(l2tpns_config(logfile, pidfile, a.l2tpns_debug))
    with open(os.path.join(etc, "ip_pool"), "w") as f:
        f.write("10.128.0.0/16\n")   # handed out only after PPP authentication: unused here
    out = os.path.join(work, f"{tag}.l2tpns.out")
    with open(out, "w") as f:
        p = perflib.start(["ip", "netns", "exec", n["ref"], "taskset", "-c", a.lns_cpu,
                           "l2tpns", "-c", "/etc/l2tpns/startup-config"], stdout=f)
    try:
        # Alone in its cluster it waits for the heartbeat timeout (3.1 s at least), then
        # declares itself master; until then it does not take tunnels.
        if not wait_for(lambda: file_has(logfile, "I am declaring myself the master")
                        or p.poll() is not None, 60):
            raise RuntimeError(f"l2tpns did not become master; see {logfile}")
        if p.poll() is not None:
            raise RuntimeError(f"l2tpns exited {p.returncode}; see {out}")
        return measure(a, build, setup, case, seed, work, tag, p.pid)
    finally:
        # SIGQUIT: StopCCN to every tunnel, exit once acknowledged; the emulator is gone,
        # so do not wait for acks that will not come.
        perflib.stop(p, signal.SIGQUIT, timeout=3)


def start_perf(a, pid, work, tag):
    """--perf: perf record -g of the whole machine (both CPUs: the LNS, the emulator and
    the kernel's softirq work for the veth) while the emulator runs.  --perf-lns: the
    LNS process alone with DWARF call graphs (lnsd is built without frame pointers)."""
    if not (a.perf or a.perf_lns):
        return None
    data = os.path.join(work, f"{tag}.perf.data")
    if a.perf_lns:
        cmd = ["perf", "record", "--call-graph", "dwarf,16384", "-F", "999", "-o", data, "-p", pid]
    else:
        cmd = ["perf", "record", "-a", "-g", "-F", "1999", "-o", data]
    p = perflib.start(cmd, stdout=subprocess.DEVNULL)
    time.sleep(1.0)  # perf needs a moment to attach
    return p


def stop_perf(p):
    if p is not None:
        perflib.stop(p, signal.SIGINT, timeout=30)


def summarize(rep, text, rc, cpu, case):
    s = rep.get("sessions", {})
    t = rep.get("tunnels", {})
    planned = case[0] * case[1]
    td = rep.get("teardown", {}) or {}
    setup_total = None
    if rep.get("elapsed_s") is not None:
        setup_total = rep["elapsed_s"] - (td.get("duration_s") or 0.0)
    rate2, worst, _ = sustained(text, planned, setup_total, s.get("established"))
    ecpu = rep.get("cpu", {})
    return {
        "tunnels": case[0], "sessions_per_tunnel": case[1],
        "success": rep.get("success"), "exit": rc,
        "rate": s.get("setup_rate_per_s"),
        "rate_second_half": rate2, "worst_interval_rate_second_half": worst,
        "established": s.get("established"), "planned": s.get("planned"),
        "failed": s.get("failed"), "tunnels_established": t.get("established"),
        "setup_window_s": s.get("setup_window_s"), "setup_total_s": setup_total,
        "rate_incl_tunnels": (s.get("established") / setup_total) if setup_total else None,
        "session_setup_ms": s.get("setup_ms"), "tunnel_setup_ms": t.get("setup_ms"),
        "retransmits": rep.get("control", {}).get("retransmits"),
        "emu_cpu_s": round((ecpu.get("user_s") or 0) + (ecpu.get("sys_s") or 0), 3),
        "lns_cpu": cpu, "failures": rep.get("failures"), "udp_errors": rep.get("udp_errors"),
    }


# ---- report ------------------------------------------------------------------------

def fmt_rate(v):
    return "n/a" if v is None else f"{v:,.0f}"


def fmt_ms(d, k):
    v = (d or {}).get(k)
    return "n/a" if v is None else f"{v:.1f}"


def lns_cpu_str(r):
    c = r["lns_cpu"] or {}
    if r["lns"] == "lnsd":
        return f"{c.get('lnsd', 0):.2f} + {c.get('rte-worker-1', 0):.2f}"
    return f"{sum(c.values()):.2f}"


def wait_idle(a, notes, what):
    deadline = time.monotonic() + a.quiet_wait
    while time.monotonic() < deadline:
        r = subprocess.run(["pgrep", "-f", "tools/test.sh"], capture_output=True, text=True)
        if not r.stdout.strip():
            break
        print("  the test suite (tools/test.sh) is running: waiting", flush=True)
        time.sleep(10)
    busy = perflib.wait_quiet(max(5.0, deadline - time.monotonic()))
    if busy > 0.10:
        notes.append(f"{what}: machine was {busy:.0%} busy before the measurement")


def build_snapshot():
    """Builds lnsd and lns-lac-emu from `git archive HEAD` (RelWithDebInfo: -O3 -g) in
    /tmp/lnsd-setup-rate/COMMIT/{src,build}, away from edits in progress in the tree;
    a second run at the same commit reuses it."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    base = os.path.join("/tmp/lnsd-setup-rate", commit)
    src, build = os.path.join(base, "src"), os.path.join(base, "build")
    if not os.path.exists(os.path.join(src, "CMakeLists.txt")):
        os.makedirs(src, exist_ok=True)
        line = f"git -C {ROOT} archive {commit} | tar -x -C {src}"
        print(f"$ {line}", flush=True)
        perflib.COMMANDS.append(line)
        arch = subprocess.Popen(["git", "-C", ROOT, "archive", commit], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", src], stdin=arch.stdout, check=True, timeout=300)
        arch.wait(timeout=60)
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        perflib.run(["cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                     "-DLNS_BUILD_TESTS=OFF", "-DLNS_BUILD_PERF=OFF"], timeout=600)
    perflib.run(["cmake", "--build", build, "--target", "lnsd", "lns-lac-emu", "-j2"], timeout=1800)
    return build, commit[:10]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", help="use this existing build (cmake --build DIR --target lnsd "
                    "lns-lac-emu first, unless --no-build); default: build the committed tree (git "
                    "archive HEAD) in /tmp/lnsd-setup-rate/COMMIT")
    ap.add_argument("--no-build", action="store_true", help="with --build-dir: do not run cmake --build")
    ap.add_argument("--runs", type=int, default=5, help="rounds [%(default)s]")
    ap.add_argument("--cases", default="50x1000,100x1000",
                    help="TUNNELSxSESSIONS_PER_TUNNEL,... [%(default)s]; l2tpns runs those within its limits")
    ap.add_argument("--setups", default="plain,tuned", help=f"rig setups, of {', '.join(SETUPS)} [%(default)s]")
    ap.add_argument("--no-l2tpns", action="store_true")
    ap.add_argument("--no-lnsd", action="store_true", help="run l2tpns only")
    ap.add_argument("--emu-args", default="--tunnel-rate 200",
                    help="more emulator arguments, the same for every LNS and setup [%(default)s]: "
                         "l2tpns takes one opening tunnel per LAC address and port at a time, so "
                         "SCCRQs sent together collide (the later ones wait 1 s for a retransmission)")
    ap.add_argument("--teardown", default="none", help="emulator --teardown [%(default)s]")
    ap.add_argument("--emu-cpu", default="1", help="CPU of the emulator [%(default)s]")
    ap.add_argument("--lns-cpu", default="0", help="CPU of l2tpns [%(default)s] (lnsd: control lcore 0)")
    ap.add_argument("--lnsd-window", type=int, default=0, help="lnsd l2tp.defaults.receive_window (0: default 16)")
    ap.add_argument("--l2tpns-debug", type=int, default=0, help="l2tpns `set debug` (0..5; slows it down)")
    ap.add_argument("--interval", type=float, default=0.2, help="emulator progress interval, s [%(default)s]")
    ap.add_argument("--timeout", type=float, default=120, help="emulator --timeout per run [%(default)s]")
    ap.add_argument("--perf", action="store_true", help="perf record -a -g during each emulator run (WORK/*.perf.data)")
    ap.add_argument("--perf-lns", action="store_true",
                    help="perf record --call-graph dwarf of the LNS process during each run")
    ap.add_argument("--quiet-wait", type=float, default=600,
                    help="before each round, wait up to this long for tools/test.sh to end and the machine to idle")
    ap.add_argument("--work-dir")
    ap.add_argument("--out", default="setup_rate", help="perf/out/NAME.md and .json [%(default)s]")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root (network namespaces, veth, tc, DPDK af_packet)")
    cases = []
    for c in a.cases.split(","):
        t, _, s = c.partition("x")
        cases.append((int(t), int(s)))
    setups = [x for x in a.setups.split(",") if x]
    for x in setups:
        if x not in SETUPS:
            raise SystemExit(f"unknown setup {x}")

    if a.build_dir:
        build = os.path.abspath(a.build_dir)
        if not a.no_build:
            perflib.run(["cmake", "--build", build, "--target", "lnsd", "lns-lac-emu", "-j2"], timeout=1800)
        tree = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip() + " (the working tree as built in " + build + ")"
    else:
        build, commit = build_snapshot()
        tree = f"{commit} (committed tree, git archive)"
    for exe in ("lnsd", "lns-lac-emu"):
        if not os.access(os.path.join(build, exe), os.X_OK):
            raise SystemExit(f"{build}/{exe} missing")
    if not a.no_l2tpns and not shutil.which("l2tpns"):
        perflib.run(["bash", os.path.join(ROOT, "tools", "install_deps.sh"), "l2tpns"], timeout=900)
    l2tpns_ver = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "l2tpns"], capture_output=True,
                                text=True).stdout.strip()
    work = a.work_dir or tempfile.mkdtemp(prefix="lnsd-setup-rate-")
    os.makedirs(work, exist_ok=True)
    print(f"build {build}, work dir {work}", flush=True)

    tag = f"sr{os.getpid() % 1000000}"
    notes, rows = [], []
    load_start = perflib.loadavg()
    t_start = time.monotonic()
    try:
        setup_net(tag, work)
        for rnd in range(1, a.runs + 1):
            wait_idle(a, notes, f"round {rnd}")
            for sname in setups:
                setup = SETUPS[sname]
                for case in cases:
                    seed = 1000 * rnd + case[0]
                    lnses = [] if a.no_lnsd else ["lnsd"]
                    if (not a.no_l2tpns and case[0] * case[1] <= L2TPNS_MAX_SESSIONS
                            and case[0] <= L2TPNS_MAX_TUNNELS):
                        lnses.append("l2tpns")
                    for lns in lnses:
                        rtag = f"{tag}-r{rnd}-{sname}-{case[0]}x{case[1]}-{lns}"
                        print(f"== round {rnd}, {sname}, {case[0]} x {case[1]}, {lns}", flush=True)
                        try:
                            configure(setup, lns)
                            fn = run_lnsd if lns == "lnsd" else run_l2tpns
                            row = summarize(*fn(a, build, setup, case, seed, work, rtag), case)
                        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                            notes.append(f"round {rnd} {sname} {case[0]}x{case[1]} {lns}: {e}")
                            print(f"   FAILED: {e}", flush=True)
                            continue
                        row.update({"round": rnd, "setup": sname, "lns": lns})
                        rows.append(row)
                        print(f"   {row['established']}/{row['planned']} up, {fmt_rate(row['rate'])} sessions/s "
                              f"(second half {fmt_rate(row['rate_second_half'])}), retransmits "
                              f"{row['retransmits']}, emulator CPU {row['emu_cpu_s']} s, LNS CPU "
                              f"{row['lns_cpu']}, UDP errors {row['udp_errors']}", flush=True)
    finally:
        teardown_net()

    # ---- report ----
    md = ["## L2TP tunnel + session setup rate: lnsd vs l2tpns, same emulator", "",
          f"Machine: {perflib.machine_info()}", "",
          f"lnsd: {tree}, build {build}; l2tpns {l2tpns_ver or '?'} (Debian package)", "",
          f"Load average at start: {load_start}; at end: {perflib.loadavg()}; "
          f"{time.monotonic() - t_start:.0f} s", "",
          f"Emulator: lns-lac-emu pinned to CPU {a.emu_cpu}, `--teardown {a.teardown} --interval "
          f"{a.interval:g} {a.emu_args}`; lnsd: control lcore 0, worker lcore 1, receive_window "
          f"{a.lnsd_window or 'default (16)'}; l2tpns pinned to CPU {a.lns_cpu}, debug {a.l2tpns_debug}.", "",
          "Setups: " + "; ".join(f"{k}: emulator --link {v['link']}, ingress drop "
                                  f"{'on' if v['drop'] else 'off'}, rps_cpus {v['rps']}, lnsd "
                                  f"worker_idle_sleep_us {v['idle_us']}" for k, v in SETUPS.items()
                                  if k in setups), "",
          "sessions/s: established / (first ICRQ -> last session up), the emulator's figure; "
          "2nd half: from the first progress sample at half the sessions to the end; "
          "incl. tunnels: established / (emulator start -> setup done).  CPU seconds over the "
          "emulator's run; lnsd: control thread + worker thread.", "",
          "| round | setup | case | LNS | up | sessions/s | 2nd half /s | incl. tunnels /s | "
          "session setup ms p50 / p90 / p99 / max | tunnel setup ms p50 / max | rexmit | "
          "emulator CPU s | LNS CPU s |",
          "|---:|---|---|---|---:|---:|---:|---:|---|---|---:|---:|---:|"]
    for r in rows:
        sm, tm = r["session_setup_ms"], r["tunnel_setup_ms"]
        md.append(f"| {r['round']} | {r['setup']} | {r['tunnels']}x{r['sessions_per_tunnel']} | {r['lns']} | "
                  f"{r['established']}/{r['planned']} | {fmt_rate(r['rate'])} | "
                  f"{fmt_rate(r['rate_second_half'])} | {fmt_rate(r['rate_incl_tunnels'])} | "
                  f"{fmt_ms(sm, 'p50')} / {fmt_ms(sm, 'p90')} / {fmt_ms(sm, 'p99')} / {fmt_ms(sm, 'max')} | "
                  f"{fmt_ms(tm, 'p50')} / {fmt_ms(tm, 'max')} | {r['retransmits']} | {r['emu_cpu_s']:.2f} | "
                  f"{lns_cpu_str(r)} |")
    summary, ratios = {}, []
    md += ["", "| setup | case | LNS | median sessions/s | min | max | median 2nd half /s | runs | all up |",
           "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for sname in setups:
        for case in cases:
            for lns in ("lnsd", "l2tpns"):
                rs = [r for r in rows if r["setup"] == sname and r["lns"] == lns and
                      (r["tunnels"], r["sessions_per_tunnel"]) == case]
                if not rs:
                    continue
                rates = [r["rate"] or 0.0 for r in rs]
                half = [r["rate_second_half"] for r in rs if r["rate_second_half"]]
                key = f"{sname}/{case[0]}x{case[1]}/{lns}"
                summary[key] = {"median": statistics.median(rates), "min": min(rates), "max": max(rates),
                                "median_second_half": statistics.median(half) if half else None,
                                "runs": len(rs), "all_up": all(r["established"] == r["planned"] for r in rs),
                                "rates": rates}
                v = summary[key]
                md.append(f"| {sname} | {case[0]}x{case[1]} | {lns} | {fmt_rate(v['median'])} | "
                          f"{fmt_rate(v['min'])} | {fmt_rate(v['max'])} | {fmt_rate(v['median_second_half'])} | "
                          f"{v['runs']} | {'yes' if v['all_up'] else 'NO'} |")
    md.append("")
    for sname in setups:
        for case in cases:
            k = f"{case[0]}x{case[1]}"
            l, m = summary.get(f"{sname}/{k}/lnsd"), summary.get(f"{sname}/{k}/l2tpns")
            if not (l and m and m["median"]):
                continue
            per_round = []
            for rnd in range(1, a.runs + 1):
                x = [r for r in rows if r["round"] == rnd and r["setup"] == sname and
                     (r["tunnels"], r["sessions_per_tunnel"]) == case]
                xl = [r for r in x if r["lns"] == "lnsd"]
                xm = [r for r in x if r["lns"] == "l2tpns"]
                if xl and xm and xm[0]["rate"]:
                    per_round.append(round(xl[0]["rate"] / xm[0]["rate"], 2))
            ratio = l["median"] / m["median"]
            ratios.append({"setup": sname, "case": k, "ratio_of_medians": ratio, "per_round": per_round})
            md.append(f"- ratio lnsd / l2tpns, {sname}, {k}: **{ratio:.2f}** (medians; per round "
                      f"{', '.join(str(x) for x in per_round)})")
    best = {}
    for key, v in summary.items():
        sname, k, lns = key.split("/")
        if (k, lns) not in best or v["median"] > best[(k, lns)][1]:
            best[(k, lns)] = (sname, v["median"])
    for (k, lns), (sname, med) in sorted(best.items()):
        if lns == "lnsd" and (k, "l2tpns") in best:
            s2, m2 = best[(k, "l2tpns")]
            ratios.append({"setup": f"best: lnsd {sname}, l2tpns {s2}", "case": k, "ratio_of_medians": med / m2})
            md.append(f"- ratio of the best setups, {k}: lnsd {sname} {fmt_rate(med)} / l2tpns {s2} "
                      f"{fmt_rate(m2)} = **{med / m2:.2f}**")
    if notes:
        md += ["", "Problems:", ""] + [f"- {x}" for x in notes]
    md += ["", "Commands (each distinct line once, in order):", "", "```"] + \
        list(dict.fromkeys(perflib.COMMANDS)) + ["```", ""]
    text = "\n".join(md)
    print()
    print(text)
    perflib.write_fragment(f"{a.out}.md", text)
    perflib.write_fragment(f"{a.out}.json", json.dumps(
        {"machine": perflib.machine_info(), "tree": tree, "l2tpns": l2tpns_ver, "args": vars(a),
         "setups": {k: SETUPS[k] for k in setups}, "rows": rows, "summary": summary, "ratios": ratios,
         "notes": notes, "commands": perflib.COMMANDS, "work_dir": work}, indent=1))
    return 0 if rows and all(r["established"] == r["planned"] for r in rows) and not notes else 1


if __name__ == "__main__":
    sys.exit(main())
