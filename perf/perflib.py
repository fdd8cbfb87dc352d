"""Shared helpers of the lnsd benchmarks (perf/run_pipeline.py, perf/run_scaling.py).

Every child process is started in its own session, recorded, and killed by PID on
exit (normal, exception or signal).  Every wait is bounded.  Each command run is
printed exactly (shell-quoted) and kept for the markdown report.
"""
import atexit
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "lab"))
import lnsd_config  # noqa: E402  (tools/lab/lnsd_config.py)
from pcap_stats import pcap_stats  # noqa: E402,F401  (tools/lab/pcap_stats.py)

_children = []
COMMANDS = []  # every command line run, for the report


def _kill_children():
    for p in _children:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)  # our child leads its own process group
            except (ProcessLookupError, PermissionError):
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _on_signal(signum, _frame):
    _kill_children()
    sys.exit(128 + signum)


atexit.register(_kill_children)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def log_cmd(cmd):
    line = shlex.join(str(c) for c in cmd)
    COMMANDS.append(line)
    print(f"$ {line}", flush=True)


def start(cmd, stdout, stderr=subprocess.STDOUT):
    log_cmd(cmd)
    p = subprocess.Popen([str(c) for c in cmd], stdout=stdout, stderr=stderr,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    _children.append(p)
    return p


def stop(p, sig=signal.SIGINT, timeout=20):
    """Sends `sig` to child `p`, waits up to `timeout` s, then SIGKILLs it."""
    if p.poll() is None:
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
    return p.returncode


def run(cmd, timeout):
    log_cmd(cmd)
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    return r


def cleanup_prefix(prefix):
    """Removes the DPDK runtime directory our own process created."""
    shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)


def find_build_dir(arg):
    for d in ([arg] if arg else [os.path.join(ROOT, "build-perf"), os.path.join(ROOT, "build")]):
        if d and os.access(os.path.join(d, "lnsd"), os.X_OK):
            return os.path.abspath(d)
    raise SystemExit(f"no lnsd build found (tried {arg or 'build-perf, build'}); pass --build-dir")


def pktgen(build, config, out, direction, inner, count, order, seed=1):
    run([os.path.join(build, "lns-pktgen"), "-c", config, "--direction", direction,
         "--inner-size", inner, "--count", count, "--order", order, "--seed", seed,
         "--out", out], timeout=600)
    return out


_STATS = re.compile(r"NIC statistics for port (\d+)|RX-packets:\s+(\d+)\s+RX-missed:\s+\d+\s+RX-bytes:\s+(\d+)|"
                    r"TX-packets:\s+(\d+)\s+TX-errors:\s+\d+\s+TX-bytes:\s+(\d+)")


def parse_port_stats(text):
    """Successive `show port stats all` snapshots: list of {port: (rx_pkts, rx_bytes, tx_pkts)}."""
    snaps, cur, port = [], None, None
    for m in _STATS.finditer(text):
        if m.group(1) is not None:
            port = int(m.group(1))
            if cur is None or port in cur:
                cur = {}
                snaps.append(cur)
            cur[port] = [0, 0, 0]
        elif m.group(2) is not None and port is not None:
            cur[port][0], cur[port][1] = int(m.group(2)), int(m.group(3))
        elif m.group(4) is not None and port is not None:
            cur[port][2] = int(m.group(4))
    return snaps


# The comm of the EAL thread of lcore 1: "rte-worker-1" in Debian's DPDK 22.11.11,
# "lcore-worker-1" in other 22.11 builds.
LCORE1_THREAD = ("rte-worker-1", "lcore-worker-1")


def find_thread(pid, names, timeout=60):
    """TID of the thread of process `pid` whose comm is one of `names`; waits up
    to `timeout` s for it to appear.  None if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    with open(f"/proc/{pid}/task/{tid}/comm") as f:
                        if f.read().strip() in names:
                            return int(tid)
                except OSError:
                    pass
        except OSError:
            return None  # the process is gone
        time.sleep(0.05)
    return None


def thread_cpu_ns(pid, tid):
    """Nanoseconds thread `tid` of `pid` has spent on a CPU (first field of
    /proc/PID/task/TID/schedstat: time actually run, not time runnable), or
    None once the thread is gone."""
    try:
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class CpuSampler:
    """Samples a thread's CPU time and the monotonic clock every `period` s in a
    background thread, so the CPU share of the thread over any window of the run
    can be read afterwards (share(t0, t1)).  The DPDK worker polls without
    sleeping: its CPU share is 1 on an idle machine and drops to what the
    scheduler gave it when something else runs on its core."""

    def __init__(self, pid, tid, period=0.1):
        import threading
        self.pid, self.tid, self.period = pid, tid, period
        self.samples = []  # (monotonic s, cpu ns)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            c = thread_cpu_ns(self.pid, self.tid)
            if c is None:
                break
            self.samples.append((time.monotonic(), c))
            self._stop.wait(self.period)

    def stop(self):
        self._stop.set()
        self._t.join(timeout=5)

    def share(self, t0=None, t1=None):
        """CPU share (0..1) and CPU seconds of the thread between the first
        sample at or after t0 and the last at or before t1; (None, None) with
        fewer than two samples there."""
        s = [x for x in self.samples if (t0 is None or x[0] >= t0) and (t1 is None or x[0] <= t1)]
        if len(s) < 2 or s[-1][0] <= s[0][0]:
            return None, None
        cpu = (s[-1][1] - s[0][1]) / 1e9
        return cpu / (s[-1][0] - s[0][0]), cpu


def testpmd(pcap, prefix, logdir, warmup=3, measure=10, mbufs=None, memory_mb=None, huge_dir=None,
            cpu_out=None):
    """io forwarding net_pcap(infinite_rx) -> net_null, forwarding core lcore 1.

    testpmd runs interactively (commands on stdin): `start`, then after `warmup` s and
    again `measure` s later (timed here with a monotonic clock) `show port stats all`;
    the rate is the growth of the null port's TX-packets between the two snapshots
    over the time between them.  If `cpu_out` (a dict) is given, the forwarding
    thread's (lcore 1's EAL thread) CPU time is read at the same two moments and
    cpu_out gets "cpu_s" (CPU seconds of that thread in the window), "wall_s",
    "tx_packets" (null port, same window).  (With --stats-period testpmd prints every ~2 s on
    this VM, not every second, and its stdout is block-buffered, so timing from its
    periodic output is unreliable.)  Returns (mpps, gbps of input frames)."""
    npk, _ = pcap_stats(pcap)
    mbufs = mbufs or lnsd_config.mbufs_for(npk)
    memory_mb = memory_mb or max(2048, lnsd_config.memory_for(mbufs, 0))
    mem_args = ["--huge-dir", huge_dir] if huge_dir else ["--no-huge"]
    cmd = ["dpdk-testpmd", *mem_args, "-m", memory_mb, "--no-pci", "--file-prefix", prefix,
           "-l", "0,1", "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
           "--vdev", "net_null0,no-rx=1", "--", "-i", "--forward-mode=io", "--nb-cores=1",
           "--no-mlockall", f"--total-num-mbufs={mbufs}"]
    log = os.path.join(logdir, f"{prefix}.log")

    def send(p, line):
        p.stdin.write(line + "\n")
        p.stdin.flush()

    with open(log, "w") as f:
        log_cmd(cmd)
        p = subprocess.Popen([str(c) for c in cmd], stdout=f, stderr=subprocess.STDOUT,
                             stdin=subprocess.PIPE, text=True, start_new_session=True)
        _children.append(p)
        tid, cpu0, cpu1 = None, None, None
        try:
            if cpu_out is not None:
                tid = find_thread(p.pid, LCORE1_THREAD, timeout=120)
            # Ports are up once testpmd prints its first prompt; loading the pcap into
            # mbufs happens at port start.  Bounded wait.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and p.poll() is None:
                with open(log, errors="replace") as r:
                    if "testpmd>" in r.read():
                        break
                time.sleep(0.2)
            send(p, "start")
            time.sleep(warmup)
            send(p, "show port stats all")
            t0 = time.monotonic()
            cpu0 = thread_cpu_ns(p.pid, tid) if tid else None
            time.sleep(measure)
            send(p, "show port stats all")
            t1 = time.monotonic()
            cpu1 = thread_cpu_ns(p.pid, tid) if tid else None
            time.sleep(0.5)
            send(p, "stop")
            send(p, "quit")
            p.stdin.close()
            p.wait(timeout=30)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            stop(p, signal.SIGINT)
    cleanup_prefix(prefix)
    with open(log, errors="replace") as r:
        snaps = [s for s in parse_port_stats(r.read()) if 0 in s and 1 in s]
    if len(snaps) < 2:
        raise RuntimeError(f"testpmd printed {len(snaps)} port stats snapshots; see {log}")
    a, b = snaps[0], snaps[1]
    dt = t1 - t0
    pps = (b[1][2] - a[1][2]) / dt
    if cpu_out is not None:
        cpu_out.update(wall_s=dt, tx_packets=b[1][2] - a[1][2],
                       cpu_s=(cpu1 - cpu0) / 1e9 if cpu0 is not None and cpu1 is not None else None)
    gbps = (b[0][1] - a[0][1]) * 8 / dt / 1e9
    return pps / 1e6, gbps


def lnsd(build, config, prefix, logdir, duration=12, warmup=2, extra_timeout=180, cpu_out=None):
    """Runs lnsd to completion; returns its stats JSON (dict).  If `cpu_out` (a
    dict) is given, the worker thread (lcore 1's EAL thread) is sampled through the
    run and cpu_out gets "cpu_share": its CPU share over lnsd's measurement
    window (from `warmup` s after the control loop starts, i.e. after lnsd
    logs `lnsd_running`, to the end of `duration`)."""
    js = os.path.join(logdir, f"{prefix}.json")
    if os.path.exists(js):
        os.unlink(js)
    cmd = [os.path.join(build, "lnsd"), "-c", config, "--duration", duration, "--warmup", warmup,
           "--stats-json", js]
    log = os.path.join(logdir, f"{prefix}.log")
    with open(log, "w") as f:
        p = start(cmd, stdout=f)
        sampler = None
        if cpu_out is not None:
            tid = find_thread(p.pid, LCORE1_THREAD, timeout=120)
            sampler = CpuSampler(p.pid, tid) if tid else None
        t_run = None
        try:
            if sampler is None:
                p.wait(timeout=duration + extra_timeout)
            else:
                # lnsd prints "...; running" (flushed) just before its control loop
                # starts the clock of --duration/--warmup.
                deadline = time.monotonic() + duration + extra_timeout
                while p.poll() is None:
                    if time.monotonic() > deadline:
                        raise subprocess.TimeoutExpired(cmd, duration + extra_timeout)
                    if t_run is None:
                        with open(log, errors="replace") as r:
                            if "; running" in r.read():
                                t_run = time.monotonic()
                    time.sleep(0.05)
        except subprocess.TimeoutExpired:
            stop(p, signal.SIGINT, timeout=20)
            raise RuntimeError(f"lnsd did not stop in time; see {log}")
        finally:
            if sampler is not None:
                sampler.stop()
    if sampler is not None and t_run is not None:
        share, cpu = sampler.share(t_run + warmup, t_run + duration)
        cpu_out.update(cpu_share=share, cpu_s=cpu)
    cleanup_prefix(prefix)
    if p.returncode != 0:
        raise RuntimeError(f"lnsd exited {p.returncode}; see {log}")
    with open(js) as f:
        return json.load(f)


def label(n):
    """1000 -> 1k, 65536 -> 64k, 1048576 -> 1M."""
    for unit, div in (("M", 1 << 20), ("k", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def fmt(v, spec=".2f"):
    return "n/a" if v is None else format(v, spec)


def machine_info():
    info = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    dpdk = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libdpdk-dev"],
                          capture_output=True, text=True, timeout=10).stdout.strip()
    return (f"{info.get('Model name', '?')}, {info.get('CPU(s)', '?')} CPUs "
            f"({info.get('Hypervisor vendor', 'bare metal')} guest), kernel {os.uname().release}, "
            f"DPDK {dpdk or '?'}")


def loadavg():
    """1/5/15-min load averages and the busiest other processes: the machine has two
    cores, so a compile running beside a benchmark halves its figures."""
    try:
        with open("/proc/loadavg") as f:
            la = " ".join(f.read().split()[:3])
    except OSError:
        la = "?"
    try:
        ps = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
                            capture_output=True, text=True, timeout=10).stdout.splitlines()
        busy = [line.strip() for line in ps if float(line.split()[0]) >= 10.0][:4]
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        busy = []
    return la + (f" (busy: {'; '.join(busy)})" if busy else "")


def cpu_busy(interval=1.0):
    """Fraction of all CPUs busy (non-idle, non-iowait) over `interval` seconds."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = snap()
    time.sleep(interval)
    t1, i1 = snap()
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_quiet(max_wait, threshold=0.10):
    """Waits (at most `max_wait` s) until the machine is idle before a measurement:
    with two cores, anything else running steals from the worker or the control core.
    Returns the last busy fraction seen."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        print(f"  machine busy ({busy:.0%} CPU): waiting for it to go idle", flush=True)
        time.sleep(4)
        busy = cpu_busy()
    return busy


def write_fragment(name, text):
    outdir = os.path.join(ROOT, "perf", "out")
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name)
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")
    return path
