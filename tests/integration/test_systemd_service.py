#!/usr/bin/python3
"""Integration test: lnsd as a systemd service.

1. The unit the build configures (BUILD/lnsd.service from
   tools/systemd/lnsd.service.in) passes `systemd-analyze verify` with no
   warning about it, once its paths point at this build's lnsd and a config.
2. The sd_notify protocol, spoken to a socket this test binds as
   NOTIFY_SOCKET (a path socket and an abstract one): lnsd sends READY=1 once
   it runs, WATCHDOG=1 at half of WATCHDOG_USEC while its control loop polls,
   STOPPING=1 on SIGTERM, then exits 0 with its counters written.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))

import harness  # noqa: E402
import lnsd as lnsrun  # noqa: E402
import pkt  # noqa: E402
import topo  # noqa: E402


def verify_unit(checks, build_dir, lnsd, cfg_path, tmp):
    unit_in = os.path.join(build_dir, "lnsd.service")
    if not checks.check("unit.configured", os.path.isfile(unit_in), f"{unit_in} missing"):
        return
    text = open(unit_in).read()
    checks.check("unit.no_placeholders", "@" not in re.sub(r"\$MAINPID|@\w+\.service", "", text),
                 "unsubstituted @VAR@ left in the unit")
    checks.check("unit.type_notify", re.search(r"^Type=notify$", text, re.M) is not None)
    checks.check("unit.watchdog", re.search(r"^WatchdogSec=\d+", text, re.M) is not None)
    checks.check("unit.reload_hup", "ExecReload=/bin/kill -HUP $MAINPID" in text)
    m = re.search(r"^ExecStart=(\S+)", text, re.M)
    if not checks.check("unit.execstart", m is not None, "no ExecStart"):
        return
    # Point the unit at this build and at a real config, then let systemd check it.
    local = text.replace(m.group(1), lnsd)
    local = re.sub(r"^Environment=LNSD_CONFIG=.*$", f"Environment=LNSD_CONFIG={cfg_path}", local, flags=re.M)
    path = os.path.join(tmp, "lnsd.service")
    with open(path, "w") as f:
        f.write(local)
    r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True, timeout=60)
    about_us = [ln for ln in (r.stdout + r.stderr).splitlines() if "lnsd.service" in ln]
    checks.check("unit.systemd_analyze_verify", r.returncode == 0 and not about_us,
                 f"rc={r.returncode}: {about_us or r.stderr.strip()[-300:]}")
    # The ExecStartPre check is the real command: it accepts the config.
    pre = re.search(r"^ExecStartPre=(.*)$", local, re.M)
    if checks.check("unit.execstartpre", pre is not None):
        cmd = pre.group(1).replace("${LNSD_CONFIG}", cfg_path).split()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        checks.check("unit.execstartpre_accepts_config", r.returncode == 0, r.stderr.strip()[-300:])


def recv_all(sock, until, want=None):
    """Datagrams received until `until` (monotonic) or until one contains `want`."""
    got = []
    while time.monotonic() < until:
        sock.settimeout(max(0.01, until - time.monotonic()))
        try:
            msg = sock.recv(4096).decode(errors="replace")
        except socket.timeout:
            break
        got.append(msg)
        if want and want in msg:
            break
    return got


def notify_run(checks, name, lnsd, cfg_path, stats_path, prefix, abstract):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        addr = f"lnsd-test-notify-{os.getpid()}-{name}"
        sock.bind("\0" + addr)
        env_addr = "@" + addr
    else:
        addr = os.path.join(os.path.dirname(cfg_path), f"notify-{name}.sock")
        sock.bind(addr)
        env_addr = addr
    env = dict(os.environ, NOTIFY_SOCKET=env_addr, WATCHDOG_USEC="200000")
    proc = subprocess.Popen([lnsd, "-c", cfg_path, "--stats-json", stats_path, "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        msgs = recv_all(sock, time.monotonic() + 60, want="READY=1")
        ready = [m for m in msgs if "READY=1" in m]
        if not checks.check(f"{name}.ready", ready, f"no READY=1 in 60 s; got {msgs}"):
            return
        checks.check(f"{name}.status", "STATUS=running:" in ready[0], ready[0])
        # Watchdog every 100 ms: at least 5 in one second, while lnsd keeps running.
        msgs = recv_all(sock, time.monotonic() + 1.0)
        n = sum(1 for m in msgs if m == "WATCHDOG=1")
        checks.check(f"{name}.watchdog_pings", 5 <= n <= 15, f"{n} WATCHDOG=1 in 1 s (want about 10)")
        checks.check(f"{name}.still_running", proc.poll() is None, f"exited rc={proc.poll()}")
        proc.send_signal(signal.SIGTERM)
        msgs = recv_all(sock, time.monotonic() + 10, want="STOPPING=1")
        checks.check(f"{name}.stopping", any("STOPPING=1" in m for m in msgs), f"got {msgs}")
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        checks.check(f"{name}.exit_0", rc == 0, f"rc={rc} stderr={proc.stderr.read()[-300:] if rc is not None else ''}")
        checks.check(f"{name}.stats_written", os.path.isfile(stats_path))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        sock.close()
        if not abstract:
            try:
                os.unlink(addr)
            except FileNotFoundError:
                pass
        lnsrun._dpdk_cleanup(prefix)


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("systemd")
    harness.require_root(checks)
    lnsd = harness.lnsd_binary(args.build_dir, checks)
    build_dir = os.path.abspath(args.build_dir)
    with lnsrun.WorkDir("systemd", keep=args.keep) as wd:
        d = wd.path
        block = topo.Block("sd", ltid=1, lsid=1, rtid=11, rsid=21, ipv4="100.64.0.1", count=4, spt=2)
        pkt.write_pcap(os.path.join(d, "up_in.pcap"), [])
        pkt.write_pcap(os.path.join(d, "down_in.pcap"), [])
        cfg = topo.pcap_config(d, [block], tag="sd")
        cfg_path = lnsrun.write_config(d, cfg)
        checks.guard("unit", verify_unit, checks, build_dir, lnsd, cfg_path, d)
        for abstract in (False, True):
            name = "notify_abstract" if abstract else "notify_path"
            cfg["eal"]["file_prefix"] = topo.unique_prefix("sd")
            cfg_path = lnsrun.write_config(d, cfg)
            checks.guard(name, notify_run, checks, name, lnsd, cfg_path, os.path.join(d, f"{name}.json"),
                         cfg["eal"]["file_prefix"], abstract)
    sys.exit(checks.finish())


if __name__ == "__main__":
    main()
