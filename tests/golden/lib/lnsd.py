"""Run lnsd on pcap files (golden tests) or on live ports (integration), with a hard
timeout and cleanup, and read back its stats JSON and output pcaps."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pkt
import topo
import yamlw

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def _def_names(fname, macro):
    path = os.path.join(SRC_ROOT, "dataplane", fname)
    names = []
    with open(path) as f:
        for m in re.finditer(r"^\s*" + macro + r"\(\s*(\w+)\s*,", f.read(), re.M):
            names.append(m.group(1))
    return names


DROP_REASONS = _def_names("drop_reasons.def", "LNS_DROP")
PUNT_REASONS = _def_names("punt_reasons.def", "LNS_PUNT")


class WorkDir:
    """Temporary directory removed at exit unless `keep`."""

    def __init__(self, tag, keep=False):
        self.path = tempfile.mkdtemp(prefix=f"lnsgt-{tag}-")
        self.keep = keep

    def sub(self, name):
        d = os.path.join(self.path, name)
        os.makedirs(d, exist_ok=True)
        return d

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.keep:
            print(f"(kept {self.path})")
        else:
            shutil.rmtree(self.path, ignore_errors=True)


class Result:
    def __init__(self):
        self.rc = None
        self.timed_out = False
        self.stdout = ""
        self.stderr = ""
        self.stats = None
        self.stats_error = None
        self.up_out = []
        self.down_out = []
        self.workdir = None
        self.access_mac = topo.PCAP_MAC_ACCESS
        self.core_mac = topo.PCAP_MAC_CORE
        self.port_macs = {}

    def drops(self):
        return (self.stats or {}).get("drops", {})

    def punts(self):
        return (self.stats or {}).get("punts", {})

    def control(self):
        return (self.stats or {}).get("control", {})

    def why(self):
        """Short description of how the run ended, for failure messages."""
        tail = " | ".join(self.stderr.strip().splitlines()[-4:])
        return f"rc={self.rc} timed_out={self.timed_out} stats_error={self.stats_error} stderr: {tail}"


def _dpdk_cleanup(prefix):
    for base in ("/var/run/dpdk", "/run/dpdk"):
        shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)


def write_config(workdir, cfg, name="lnsd.yaml"):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(yamlw.dump(cfg))
    return path


def run_process(binary, cfg_path, stats_path, args, timeout, prefix):
    """Run lnsd to completion (or kill its process group after `timeout` s).
    Returns (rc, stdout, stderr, timed_out)."""
    cmd = [binary, "-c", cfg_path, "--stats-json", stats_path, "--quiet"] + list(args)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, text=True, errors="replace")
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        _dpdk_cleanup(prefix)
    return proc.returncode, out, err, timed_out


def load_stats(res, stats_path):
    try:
        with open(stats_path) as f:
            res.stats = json.load(f)
    except FileNotFoundError:
        res.stats_error = "stats JSON not written"
        return
    except json.JSONDecodeError as e:
        res.stats_error = f"stats JSON invalid: {e}"
        return
    for p in res.stats.get("ports", []):
        if "mac" in p and "name" in p:
            res.port_macs[p["name"]] = p["mac"].lower()
    res.access_mac = res.port_macs.get("access0", res.access_mac)
    res.core_mac = res.port_macs.get("core0", res.core_mac)


def run_pcap(binary, workdir, cfg, up_in, down_in, *, exit_idle_ms=300, timeout=60, extra_args=()):
    """Golden run: write up_in/down_in pcaps and the config into `workdir`, run
    lnsd until it has been idle `exit_idle_ms`, and return a Result with the
    stats and the frames of up_out/down_out."""
    res = Result()
    res.workdir = workdir
    pkt.write_pcap(os.path.join(workdir, "up_in.pcap"), up_in)
    pkt.write_pcap(os.path.join(workdir, "down_in.pcap"), down_in)
    for n in ("up_out.pcap", "down_out.pcap", "stats.json"):
        try:
            os.unlink(os.path.join(workdir, n))
        except FileNotFoundError:
            pass
    cfg_path = write_config(workdir, cfg)
    stats_path = os.path.join(workdir, "stats.json")
    res.rc, res.stdout, res.stderr, res.timed_out = run_process(
        binary, cfg_path, stats_path, ["--exit-idle", str(exit_idle_ms)] + list(extra_args),
        timeout, cfg["eal"]["file_prefix"])
    with open(os.path.join(workdir, "lnsd.stderr"), "w") as f:
        f.write(res.stderr)
    with open(os.path.join(workdir, "lnsd.stdout"), "w") as f:
        f.write(res.stdout)
    load_stats(res, stats_path)
    res.up_out = pkt.read_pcap(os.path.join(workdir, "up_out.pcap"))
    res.down_out = pkt.read_pcap(os.path.join(workdir, "down_out.pcap"))
    return res


# --------------------------------------------------------------------------- common checks
def check_run(checks, name, res):
    """The run ended by itself with exit 0 and wrote a stats JSON listing every
    drop reason and punt kind; returns False if the rest cannot be checked."""
    ok = checks.check(f"{name}.exit_clean", res.rc == 0 and not res.timed_out, res.why())
    if not checks.check(f"{name}.stats_json", res.stats is not None, res.why()):
        return False
    missing = [r for r in DROP_REASONS if r not in res.drops()]
    checks.check(f"{name}.stats_all_drop_reasons", not missing, f"missing drop reasons {missing}")
    missing = [r for r in PUNT_REASONS if r not in res.punts()]
    checks.check(f"{name}.stats_all_punt_kinds", not missing, f"missing punt kinds {missing}")
    checks.check(f"{name}.stats_port_macs", "access0" in res.port_macs and "core0" in res.port_macs,
                 f"ports[].mac missing in stats JSON (using net_pcap defaults): {res.stats.get('ports')}")
    return ok or res.stats is not None


def check_drops(checks, name, res, expected, ignore=()):
    """Every drop counter equals expected.get(reason, 0): exact per-reason accounting."""
    d = res.drops()
    bad = []
    for r in sorted(set(DROP_REASONS) | set(expected)):
        if r in ignore:
            continue
        got = d.get(r, 0)
        want = expected.get(r, 0)
        if got != want:
            bad.append(f"{r}={got} (want {want})")
    return checks.check(name, not bad, ", ".join(bad))


def nonzero(dct):
    return {k: v for k, v in (dct or {}).items() if v}
