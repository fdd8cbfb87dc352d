"""A small lab for the L2TP interop tests: lnsd on net_af_packet in the root
namespace, xl2tpd as the LAC in a network namespace, and a packet capture of
the access link.

  netns lnsTAG-lac-PID                       root netns                      netns lnsTAG-core-PID
  203.0.113.2/24 [lnsTAGAPIDp]==veth==[lnsTAGAPID] lnsd [lnsTAGCPID]==veth==[lnsTAGCPIDp] 198.51.100.2/24
  xl2tpd (LAC, UDP 1701), dumpcap            net_af_packet0  net_af_packet1

(TAG: two letters per test file, PID: the test's process id.)

`Lab.setup()` creates the namespaces and veth pairs, `Lab.teardown()` removes
them (always call it, in a `finally`).  Every process is started by this module
with its PID recorded and is stopped by that PID; every wait is bounded in time.
xl2tpd's pppd cannot work here (no /dev/ppp): after ICCN it exits at once and
xl2tpd sends a CDN, which is what the tests use to end the session.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "golden", "lib"))

import lnsd as lnsrun  # noqa: E402

AGENT = os.path.join(HERE, "netns_agent.py")
PY = "/usr/bin/python3"
XL2TPD = "/usr/sbin/xl2tpd"
DUMPCAP = shutil.which("dumpcap") or "/usr/bin/dumpcap"

LNS_A, LAC_IP = "203.0.113.1", "203.0.113.2"
LNS_C, CORE_HOST = "198.51.100.1", "198.51.100.2"


def sh(cmd, check=True, timeout=20, ns=None):
    if ns:
        cmd = ["ip", "netns", "exec", ns] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def stop_process(p, sig=signal.SIGINT, wait=15):
    """Stop one process we started (by PID): `sig`, then SIGKILL after `wait` s.
    Returns its exit status, or "killed"."""
    if p is None or p.poll() is not None:
        return p.returncode if p else None
    try:
        os.kill(p.pid, sig)
        return p.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        return "killed"
    except ProcessLookupError:
        return p.poll()


def exit_on_sigterm():
    """SIGTERM (e.g. ctest's timeout) raises SystemExit, so `finally` blocks run
    and the namespaces, veths and processes are removed."""
    def handler(sig, frame):
        raise SystemExit(f"terminated by signal {sig}")
    signal.signal(signal.SIGTERM, handler)


def tail(path, lines=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"({path}: {e})"


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


COUNTERS_HEADER = "lnsd counters ("


def parse_counters(block):
    """lnsd's counter text (SIGUSR1) as {"sessions": N, "control": {..},
    "l2tp": {..}, "subscribers": {..}, "tunnels": [{id, peer_id, state, lac, host, sessions, ...}]}.
    The text lists non-zero counters only: a missing counter is 0."""
    snap = {"sessions": None, "control": {}, "l2tp": {}, "subscribers": {}, "tunnels": []}
    m = re.search(r"lnsd counters \(rates over [^,]*, (\d+)/\d+ sessions\)", block)
    if m:
        snap["sessions"] = int(m.group(1))
    section = None
    for line in block.splitlines()[1:]:
        if line.startswith("lnsd counters ("):
            break
        if line.startswith("  ") and not line.startswith("    "):
            head = line.strip()
            section = {"control core:": "control", "l2tp:": "l2tp", "subscribers:": "subscribers"}.get(head)
            if head.startswith("tunnels:"):
                section = "tunnels"
            continue
        f = line.split()
        if section in ("control", "l2tp", "subscribers") and len(f) == 2 and f[1].isdigit():
            snap[section][f[0]] = int(f[1])
        elif section == "tunnels" and len(f) >= 10 and f[0].isdigit():
            # id peer state lac host sessions msgs_in msgs_out rexmit dup ooo (host may be empty)
            nums = f[-6:]
            snap["tunnels"].append({"id": int(f[0]), "peer_id": int(f[1]), "state": f[2], "lac": f[3],
                                    "host": " ".join(f[4:-6]), "sessions": int(nums[0]),
                                    "msgs_in": int(nums[1]), "msgs_out": int(nums[2]),
                                    "retransmits": int(nums[3])})
    return snap


class Case:
    """Failure details (logs) attached to the checks of one case."""

    def __init__(self, checks, name, lnsd=None, xl=None):
        self.checks = checks
        self.name = name
        self.lnsd = lnsd
        self.xl = xl
        self.dumped = False

    def check(self, what, cond, detail=""):
        ok = self.checks.check(f"{self.name}.{what}", cond, detail)
        if not ok and not self.dumped:
            self.dumped = True
            if self.xl is not None:
                print(self.xl.logs(), end="")
            if self.lnsd is not None:
                print(self.lnsd.logs(), end="")
        return ok

    def eq(self, what, got, want, label=""):
        pre = f"{label}: " if label else ""
        return self.check(what, got == want, f"{pre}got {got!r}, want {want!r}")

    def counters(self, what, dct, want):
        """Every counter in `want` has that value in `dct` (missing = 0)."""
        bad = {k: (dct.get(k, 0), v) for k, v in want.items() if dct.get(k, 0) != v}
        return self.check(what, not bad, "(got, want): " + ", ".join(f"{k}={g} (want {w})"
                                                                       for k, (g, w) in bad.items()))


class Lnsd:
    """One lnsd run (Popen, its files)."""

    def __init__(self, proc, name, workdir, prefix):
        self.proc = proc
        self.name = name
        self.stdout = os.path.join(workdir, f"{name}.lnsd.stdout")
        self.stderr = os.path.join(workdir, f"{name}.lnsd.stderr")
        self.stats_path = os.path.join(workdir, f"{name}.stats.json")
        self.prefix = prefix
        self.rc = None
        self.stats = None
        self.stats_error = None

    def stop(self, sig=signal.SIGINT, wait=15):
        """Stop lnsd (it sends StopCCN to every tunnel and waits up to 2 s for
        acks) and load its stats JSON."""
        if self.proc is not None:
            self.rc = stop_process(self.proc, sig, wait)
            self.proc = None
            for base in ("/var/run/dpdk", "/run/dpdk"):
                shutil.rmtree(os.path.join(base, self.prefix), ignore_errors=True)
            try:
                with open(self.stats_path) as f:
                    self.stats = json.load(f)
            except (OSError, ValueError) as e:
                self.stats_error = f"{type(e).__name__}: {e}"
        return self.rc

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def l2tp(self):
        return (self.stats or {}).get("l2tp", {})

    def control(self):
        return (self.stats or {}).get("control", {})

    def tunnels(self):
        return (self.stats or {}).get("tunnels", [])

    def snapshot(self, timeout=5.0):
        """lnsd's counters now: send SIGUSR1 (lnsd prints its counter text to
        stdout) and parse the new block.  None if lnsd printed nothing in time."""
        if not self.running():
            return None
        before = read_text(self.stdout).count(COUNTERS_HEADER)
        os.kill(self.proc.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.running():
            text = read_text(self.stdout)
            if text.count(COUNTERS_HEADER) > before and text.endswith("\n"):
                time.sleep(0.05)  # one fputs, but let a split write finish
                text = read_text(self.stdout)
                return parse_counters(text[text.rindex(COUNTERS_HEADER):])
            time.sleep(0.05)
        return None

    def wait_snapshot(self, cond, timeout=5.0):
        """Take snapshots (bounded) until cond(snapshot) holds; the last snapshot."""
        deadline = time.monotonic() + timeout
        snap = None
        while True:
            snap = self.snapshot() or snap
            if snap is not None and cond(snap):
                return snap
            if time.monotonic() >= deadline or not self.running():
                return snap
            time.sleep(0.1)

    def logs(self):
        return (f"--- lnsd {self.name} stderr (tail) ---\n{tail(self.stderr)}"
                f"--- lnsd {self.name} stdout (tail) ---\n{tail(self.stdout, 15)}")


class Xl2tpd:
    """One xl2tpd run in the LAC namespace: its config, log, pid and control files."""

    def __init__(self, proc, name, workdir, ns):
        self.proc = proc
        self.name = name
        self.ns = ns
        self.log = os.path.join(workdir, f"{name}.xl2tpd.log")
        self.ctrl = os.path.join(workdir, f"{name}.xl2tpd.ctrl")
        self.pidfile = os.path.join(workdir, f"{name}.xl2tpd.pid")
        self.rc = None

    def text(self):
        return read_text(self.log)

    def wait_log(self, pattern, timeout=15.0):
        """Wait (bounded) until xl2tpd's log matches `pattern`; the match or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text())
            if m:
                return m
            if time.monotonic() >= deadline or (self.proc is not None and self.proc.poll() is not None):
                return rx.search(self.text())
            time.sleep(0.1)

    def command(self, line, timeout=5.0):
        """Write one command to xl2tpd's control FIFO (e.g. "d lns": disconnect the
        tunnel of [lac lns]).  Opened non-blocking so a dead xl2tpd cannot hang us."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fd = os.open(self.ctrl, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as e:  # ENXIO: no reader yet; ENOENT: not created yet
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"xl2tpd control file {self.ctrl}: {e}") from e
                time.sleep(0.1)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def stop(self, sig=signal.SIGTERM, wait=10):
        if self.proc is not None:
            self.rc = stop_process(self.proc, sig, wait)
            self.proc = None
        return self.rc

    def logs(self):
        return f"--- xl2tpd {self.name} log (tail) ---\n{tail(self.log, 40)}"


class Capture:
    """dumpcap on the LAC's veth end inside its namespace (pcap format)."""

    def __init__(self, proc, path, errpath):
        self.proc = proc
        self.path = path
        self.errpath = errpath
        self.rc = None

    def stop(self):
        if self.proc is not None:
            # give the last frames (acks of StopCCN) time to be written
            time.sleep(0.3)
            self.rc = stop_process(self.proc, signal.SIGINT, 10)
            self.proc = None
        return self.rc


class Lab:
    def __init__(self, tag, workdir, binary):
        pid = os.getpid()
        self.tag = tag
        self.workdir = workdir
        self.binary = binary
        self.ns_lac = f"lns{tag}-lac-{pid}"
        self.ns_core = f"lns{tag}-core-{pid}"
        self.va, self.vap = f"lns{tag}A{pid}", f"lns{tag}A{pid}p"
        self.vc, self.vcp = f"lns{tag}C{pid}", f"lns{tag}C{pid}p"
        if len(tag) != 2 or len(self.vap) > 15:
            raise ValueError(f"interface name {self.vap} too long (tag {tag!r})")
        self.runs = 0
        self.procs = []    # every process started, killed in teardown() if still running
        self.active = []   # Lnsd / Xl2tpd / Capture objects not yet stopped

    # ---------------------------------------------------------------- topology
    def setup(self):
        sh(["ip", "netns", "add", self.ns_lac])
        sh(["ip", "netns", "add", self.ns_core])
        for root, peer, ns, addr in ((self.va, self.vap, self.ns_lac, f"{LAC_IP}/24"),
                                     (self.vc, self.vcp, self.ns_core, f"{CORE_HOST}/24")):
            sh(["ip", "link", "add", root, "type", "veth", "peer", "name", peer, "netns", ns])
            # the root end belongs to lnsd: no IPv6 noise from the root kernel
            sh(["sysctl", "-qw", f"net.ipv6.conf.{root}.disable_ipv6=1"], check=False)
            sh(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], ns=ns, check=False)
            sh(["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"], ns=ns, check=False)
            sh(["ip", "link", "set", "lo", "up"], ns=ns)
            sh(["ip", "addr", "add", addr, "dev", peer], ns=ns)
            if shutil.which("ethtool"):
                # veth checksum offload would leave partial UDP checksums in what
                # af_packet (lnsd) and dumpcap read
                sh(["ethtool", "-K", peer, "tx", "off", "tso", "off", "gso", "off", "gro", "off"], ns=ns,
                   check=False)
                sh(["ethtool", "-K", root, "tx", "off", "tso", "off", "gso", "off", "gro", "off"], check=False)
            sh(["ip", "link", "set", root, "up"])
            sh(["ip", "link", "set", peer, "up"], ns=ns)

    def stop_all(self):
        """Stop what is still running (xl2tpd, lnsd, then the capture)."""
        order = {Xl2tpd: 0, Lnsd: 1, Capture: 2}
        for obj in sorted(self.active, key=lambda o: order.get(type(o), 3)):
            try:
                obj.stop()
            except Exception:  # noqa: BLE001 - teardown must go on
                pass
        self.active = []

    def teardown(self):
        self.stop_all()
        for p in self.procs:
            stop_process(p, signal.SIGKILL, 5)
        for ns in (self.ns_lac, self.ns_core):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
        for dev in (self.va, self.vc):
            subprocess.run(["ip", "link", "del", dev], capture_output=True, timeout=20)

    def lns_mac(self):
        """MAC of lnsd's access port (the root end of the access veth)."""
        with open(f"/sys/class/net/{self.va}/address") as f:
            return f.read().strip().lower()

    # ---------------------------------------------------------------- capture
    def start_capture(self, name, timeout=10.0):
        path = os.path.join(self.workdir, f"{name}.pcap")
        errpath = os.path.join(self.workdir, f"{name}.dumpcap.stderr")
        err = open(errpath, "w")
        p = subprocess.Popen(["ip", "netns", "exec", self.ns_lac, DUMPCAP, "-i", self.vap, "-P", "-q",
                              "-w", path], stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        err.close()
        self.procs.append(p)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and p.poll() is None:
            if "Capturing on" in read_text(errpath) and os.path.exists(path):
                cap = Capture(p, path, errpath)
                self.active.append(cap)
                return cap
            time.sleep(0.05)
        stop_process(p, signal.SIGKILL)
        raise RuntimeError(f"dumpcap did not start on {self.vap}: {read_text(errpath)[-300:]}")

    # ---------------------------------------------------------------- lnsd
    def lnsd_config(self, prefix, l2tp=None):
        # framecnt: af_packet's receive ring (default 512 frames) overflows under
        # the emulator's bursts, losing frames silently (retransmissions, slow setup).
        cfg = {
            "eal": {"no_huge": True, "memory_mb": 512, "file_prefix": prefix, "no_pci": True},
            "control_lcore": 0,
            "mbufs": 8191,
            "ports": [
                {"name": "access0", "device": f"net_af_packet0,iface={self.va},framecnt=4096", "role": "access",
                 "rx_queues": 1, "mtu": 1500, "ipv4": f"{LNS_A}/24"},
                {"name": "core0", "device": f"net_af_packet1,iface={self.vc},framecnt=4096", "role": "core", "rx_queues": 1,
                 "mtu": 1500, "ipv4": f"{LNS_C}/24", "gateway4": CORE_HOST},
            ],
            "workers": [{"lcore": 1, "rx": [{"port": "access0", "queue": 0}, {"port": "core0", "queue": 0}]}],
            "arp": {"reachable_ms": 300000, "retry_ms": 500, "retries": 5, "pending_packets": 16},
        }
        if l2tp is not None:
            cfg["l2tp"] = l2tp
        return cfg

    def start_lnsd(self, name, l2tp=None, ready_timeout=30.0):
        """Start lnsd (with an `l2tp:` section when given) and wait until it
        answers a ping from the LAC namespace."""
        self.runs += 1
        prefix = f"lnsl2-{self.tag}-{os.getpid()}-{self.runs}"
        cfg_path = lnsrun.write_config(self.workdir, self.lnsd_config(prefix, l2tp), f"{name}.lnsd.yaml")
        run = Lnsd(None, name, self.workdir, prefix)
        if os.path.exists(run.stats_path):
            os.unlink(run.stats_path)
        out, err = open(run.stdout, "w"), open(run.stderr, "w")
        run.proc = subprocess.Popen([self.binary, "-c", cfg_path, "--stats-json", run.stats_path, "--quiet",
                                     "--duration", "120"], stdout=out, stderr=err, start_new_session=True)
        out.close()
        err.close()
        self.procs.append(run.proc)
        self.active.append(run)
        deadline = time.monotonic() + ready_timeout
        tries = 0
        while time.monotonic() < deadline and run.proc.poll() is None:
            tries += 1
            r = sh([PY, AGENT, "ping", "--target", LNS_A, "--recv-time", "1"], ns=self.ns_lac, check=False,
                   timeout=10)
            if r.returncode == 0:
                return run
        state = f"exited {run.proc.returncode}" if run.proc.poll() is not None else "running"
        raise RuntimeError(f"lnsd not ready (no echo reply from {LNS_A} after {tries} pings, lnsd {state})\n"
                           + run.logs())

    # ---------------------------------------------------------------- xl2tpd
    def start_xl2tpd(self, name, *, challenge=False, secret=None, hostname="lac1", extra_lac=()):
        """Start xl2tpd as the LAC of [lac lns] (autodial, no redial) in the LAC
        namespace.  `secret`: the tunnel secret in its own secrets file (`auth
        file` in [global]); `challenge`: xl2tpd challenges lnsd too."""
        run = Xl2tpd(None, name, self.workdir, self.ns_lac)
        conf = os.path.join(self.workdir, f"{name}.xl2tpd.conf")
        secrets = os.path.join(self.workdir, f"{name}.l2tp-secrets")
        opts = os.path.join(self.workdir, f"{name}.options.l2tpd")
        with open(secrets, "w") as f:
            # LOCALHOST REMOTEHOST SECRET; * matches any name
            if secret is not None:
                f.write(f"* * {secret}\n")
        os.chmod(secrets, 0o600)
        with open(opts, "w") as f:
            f.write("noauth\nnodetach\nnoipdefault\n")
        lac = [f"lns = {LNS_A}", "autodial = yes", "redial = no", f"hostname = {hostname}",
               f"challenge = {'yes' if challenge else 'no'}", "name = testuser", f"pppoptfile = {opts}",
               "tunnel rws = 8", "length bit = yes"] + list(extra_lac)
        with open(conf, "w") as f:
            f.write("[global]\n"
                    f"listen-addr = {LAC_IP}\n"
                    "port = 1701\n"
                    f"auth file = {secrets}\n"
                    "access control = no\n"
                    "debug tunnel = yes\n"
                    "debug state = yes\n"
                    "debug avp = yes\n"  # logs each AVP it decodes (assigned tunnel/call ids)
                    "\n[lac lns]\n" + "".join(f"{x}\n" for x in lac))
        for path in (run.ctrl, run.pidfile):
            if os.path.exists(path):
                os.unlink(path)
        log = open(run.log, "w")
        run.proc = subprocess.Popen(["ip", "netns", "exec", self.ns_lac, XL2TPD, "-D", "-c", conf,
                                     "-p", run.pidfile, "-C", run.ctrl],
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(run.proc)
        self.active.append(run)
        return run
