#!/usr/bin/python3
"""Integration test: lns-lac-emu (tools/lac-emu, kernel UDP link) as the LAC
against lnsd on net_af_packet: scale, source port, rejections with their result
codes, dead-peer detection.

  netns lnsle-lac-PID                        root netns                    netns lnsle-core-PID
  203.0.113.2/24 [lnsleAPIDp]==veth==[lnsleAPID] lnsd [lnsleCPID]==veth==[lnsleCPIDp] 198.51.100.2/24
  203.0.113.3/24 (a source no lnsd peer allows)  net_af_packet0  net_af_packet1
  lns-lac-emu --link udp

Topology and lnsd runs from lib/l2tp_lab.py (as the xl2tpd tests), with
`worker_idle_sleep_us` so lnsd's worker does not starve the emulator of a core.
lnsd's state is read while it runs with SIGUSR1 (counter text, tunnel table,
installed-session count) and at exit from --stats-json; the emulator's from its
--json report (format described in tools/lac-emu/lac_emu_main.cpp) and exit
status.  Three lnsd runs:

  main     accept_unknown_peers false; peers "dead" (host_name lac-dead, short
           timers: retransmit_initial_ms 100, retransmit_cap_ms 8000 (the
           minimum), max_retransmits 2, hello_interval_s 1) and "lac1" (sources
           203.0.113.2, secret, require_authentication).
    scale     20 tunnels x 100 sessions, --secret --require-auth (both sides
              challenge), --sequencing, --hold, --teardown cdn.  During the
              hold: lnsd sessions_installed == 2000, 2000 sessions in the
              data-plane table, 20 established tunnels of 100 sessions.  After
              the emulator exits 0 (JSON: 2000 established, no failures,
              teardown complete and acknowledged): sessions_removed == 2000,
              cdn_received == 2000, table empty, stopccn_received == 20,
              tunnels_closed == 20.
    nat       the emulator bound to 203.0.113.2:40000: succeeds (so lnsd
              replied to the source port), lnsd's tunnel rows show peer
              203.0.113.2:40000.
    dead_peer the emulator (host name lac-dead) brings 2 tunnels x 10 sessions
              up and is killed with SIGKILL (no teardown).  lnsd sends HELLO
              after 1 s of silence and retransmits it after 100 and 200 ms;
              400 ms later it declares the peer dead: within 1.7 s of the last
              message (+ a margin) both tunnels are gone, tunnels_peer_dead ==
              2, sessions_removed == sessions_installed, table empty.
  policy   accept_unknown_peers false; peer "lac1" (sources 203.0.113.2, secret,
           require_authentication, max_sessions 10).
    wrong_secret_lns_detects  emulator with another secret, no --require-auth:
              its SCCCN's Challenge Response is wrong; lnsd sends StopCCN
              result 4, auth_failures counted.
    wrong_secret_lac_detects  emulator with another secret and --require-auth:
              it finds lnsd's SCCRP Challenge Response wrong and sends StopCCN
              result 4 itself; lnsd establishes nothing.
    unknown_source  emulator from 203.0.113.3 (no peer's sources): StopCCN
              result 4, tunnels_rejected, no auth_failures counted.
    peer_max_sessions  1 tunnel x 15 sessions: 10 up, 5 fail with CDN
              result 4; lnsd sessions_rejected == 5.
  limits   l2tp.max_tunnels 2, l2tp.max_sessions_per_tunnel 10, any LAC.
    max_tunnels  3 tunnels x 15 sessions: 2 tunnels up, 1 refused with StopCCN
              result 2 error 4 (no resources); in the 2 tunnels 20 sessions up
              and 10 refused with CDN result 4 (the global per-tunnel limit).

On a failed check the tails of the emulator's output and lnsd's output are
printed.  Every wait is bounded; namespaces, veths and processes are removed in
a `finally` (and on SIGTERM).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden", "lib"))
sys.path.insert(0, os.path.join(HERE, "lib"))

import harness  # noqa: E402
import l2tp_lab  # noqa: E402
import lnsd as lnsrun  # noqa: E402
from l2tp_lab import LAC_IP, LNS_A, Case, sh, stop_process, tail  # noqa: E402

LAC_IP2 = "203.0.113.3"  # a second LAC address, outside every peer's sources
SECRET = "emu-s3cret"
WRONG = "not-the-secret"
NAT_PORT = 40000

# the dead peer's timers (docs/configuration.md: retransmit_initial_ms 100..10000,
# retransmit_cap_ms 8000..60000, max_retransmits 1..20, hello_interval_s 0..3600)
# retransmit_initial_ms must exceed ack_delay_ms (default 100): the peer lowers it
DEAD_HELLO_S, DEAD_RTX_INITIAL_MS, DEAD_RTX_CAP_MS, DEAD_MAX_RTX, DEAD_ACK_DELAY_MS = 1, 100, 8000, 2, 50


def dead_bound_s():
    """Silence -> peer declared dead: HELLO after hello_interval_s, then one timeout
    per transmission (the HELLO and its max_retransmits retransmissions), doubling
    from retransmit_initial_ms up to retransmit_cap_ms (RFC 2661 5.8)."""
    total, rto = 0, DEAD_RTX_INITIAL_MS
    for _ in range(DEAD_MAX_RTX + 1):
        total += rto
        rto = min(rto * 2, DEAD_RTX_CAP_MS)
    return DEAD_HELLO_S + total / 1000.0


DEAD_MARGIN_S = 1.0  # control-loop and snapshot granularity, a loaded host

MAIN_L2TP = {
    "accept_unknown_peers": False,
    "peers": [
        {"name": "dead", "sources": [LAC_IP], "host_name": "lac-dead", "hello_interval_s": DEAD_HELLO_S,
         "retransmit_initial_ms": DEAD_RTX_INITIAL_MS, "retransmit_cap_ms": DEAD_RTX_CAP_MS,
         "max_retransmits": DEAD_MAX_RTX, "ack_delay_ms": DEAD_ACK_DELAY_MS},
        {"name": "lac1", "sources": [LAC_IP], "secret": SECRET, "require_authentication": True},
    ],
}
POLICY_L2TP = {
    "accept_unknown_peers": False,
    "peers": [{"name": "lac1", "sources": [LAC_IP], "secret": SECRET, "require_authentication": True,
               "max_sessions": 10}],
}
LIMITS_L2TP = {"max_tunnels": 2, "max_sessions_per_tunnel": 10}


class EmuLab(l2tp_lab.Lab):
    """The xl2tpd lab, with lnsd's worker sleeping when idle (the emulator needs
    a core on a small host) and a second LAC address."""

    def lnsd_config(self, prefix, l2tp=None):
        cfg = super().lnsd_config(prefix, l2tp)
        cfg["worker_idle_sleep_us"] = 100
        return cfg

    def setup(self):
        super().setup()
        sh(["ip", "addr", "add", f"{LAC_IP2}/24", "dev", self.vap], ns=self.ns_lac)


class Emu:
    """One lns-lac-emu run in the LAC namespace (PID recorded in the lab)."""

    def __init__(self, lab, binary, name, args):
        self.name = name
        self.out = os.path.join(lab.workdir, f"{name}.emu.out")
        self.json_path = os.path.join(lab.workdir, f"{name}.emu.json")
        if os.path.exists(self.json_path):
            os.unlink(self.json_path)
        self.cmd = [binary, "--lns", LNS_A, "--json", self.json_path] + [str(a) for a in args]
        with open(self.out, "w") as out:
            out.write("$ " + " ".join(self.cmd) + "\n")
            out.flush()
            # `ip netns exec` execs the emulator: the PID is the emulator's
            self.proc = subprocess.Popen(["ip", "netns", "exec", lab.ns_lac] + self.cmd, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        lab.procs.append(self.proc)
        self.t0 = time.monotonic()
        self.rc = None
        self.report = None

    def running(self):
        return self.proc.poll() is None

    def wait(self, timeout):
        """Wait (bounded) for the emulator to exit; its exit status ("killed" if it
        had to be killed) and its JSON report (None if unreadable)."""
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.rc = "timeout: " + str(stop_process(self.proc, signal.SIGINT, 5))
        self.load()
        return self.rc

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.rc = self.proc.wait(timeout=10)

    def load(self):
        try:
            with open(self.json_path) as f:
                self.report = json.load(f)
        except (OSError, ValueError):
            self.report = None
        return self.report

    def failures(self):
        return (self.report or {}).get("failures", [])

    def failure_count(self, kind, result=None, error=None, reason=None):
        n = 0
        for f in self.failures():
            if f.get("kind") != kind:
                continue
            if result is not None and f.get("result") != result:
                continue
            if error is not None and f.get("error") != error:
                continue
            if reason is not None and f.get("reason") != reason:
                continue
            n += f.get("count", 0)
        return n

    def logs(self):
        return f"--- lns-lac-emu {self.name} output (tail) ---\n{tail(self.out, 30)}"


def emu_section(emu, section):
    return (emu.report or {}).get(section, {})


def subset(dct, keys):
    return {k: dct.get(k) for k in keys}


def delta(after, before, section, key):
    return after[section].get(key, 0) - before[section].get(key, 0)


# ---------------------------------------------------------------- main lnsd

def run_scale(checks, lab, emu_bin, lnsd):
    case = Case(checks, "scale", lnsd)
    hold = 4
    emu = Emu(lab, emu_bin, "scale", ["--local", LAC_IP, "-t", 20, "-s", 100, "--secret", SECRET,
                                      "--require-auth", "--sequencing", "--hold", hold, "--teardown", "cdn",
                                      "--teardown-rate", 1000, "--timeout", 40])
    case.xl = emu
    # 1. during the hold: everything installed in lnsd's data plane
    snap = lnsd.wait_snapshot(lambda s: s["sessions"] == 2000 and s["control"].get("sessions_installed", 0) == 2000
                              or not emu.running(), 15)
    held = emu.running()
    case.check("snapshot_during_hold", snap is not None and held,
               f"snapshot {'taken' if snap else 'missing'}, emulator {'running' if held else 'exited'}"
               " (want a snapshot while the emulator holds its sessions)")
    if snap is not None:
        case.eq("held_sessions_installed", snap["control"].get("sessions_installed", 0), 2000)
        case.eq("held_dataplane_sessions", snap["sessions"], 2000)
        case.counters("held_l2tp_counters", snap["l2tp"], {
            "tunnels_established": 20, "sessions_established": 2000, "tunnels_active": 20,
            "sessions_active": 2000, "auth_failures": 0, "tunnels_rejected": 0, "sessions_rejected": 0,
            "in_SCCRQ": 20, "out_SCCRP": 20, "in_SCCCN": 20, "in_ICRQ": 2000, "out_ICRP": 2000,
            "in_ICCN": 2000, "cdn_received": 0, "stopccn_received": 0})
        case.counters("held_no_install_failures", snap["control"], {"l2tp_session_install_failed": 0,
                                                                     "session_install_failed": 0})
        # --sequencing: every ICCN carried Sequencing Required, so every data-plane
        # entry was installed with data sequence numbers (§5.4).
        case.eq("held_sessions_sequenced", snap["control"].get("l2tp_sessions_sequenced", 0), 2000)
        rows = snap["tunnels"]
        case.check("held_tunnel_rows", len(rows) == 20 and all(
            r["state"] == "established" and r["sessions"] == 100 and r["lac"] == f"{LAC_IP}:1701" for r in rows),
            f"{len(rows)} rows, want 20 established with 100 sessions from {LAC_IP}:1701: "
            f"{[(r['state'], r['sessions'], r['lac']) for r in rows][:5]}")
    # 2. the emulator's teardown: a CDN per session (1000/s: 2 s), all acked, then a
    # StopCCN per tunnel.  Midway, sessions go while every tunnel is still up.
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("cdn_received", 0) >= 200 or not emu.running(), hold + 10)
    if case.check("snapshot_during_cdn", snap is not None, "lnsd printed no counters on SIGUSR1"):
        l2, ctl = snap["l2tp"], snap["control"]
        cdn = l2.get("cdn_received", 0)
        case.check("during_cdn_tunnels_still_up",
                   0 < cdn < 2000 and l2.get("tunnels_closed", 0) == 0 and l2.get("tunnels_active", 0) == 20
                   and l2.get("stopccn_received", 0) == 0,
                   f"cdn_received {cdn} (want 0 < n < 2000), tunnels_closed {l2.get('tunnels_closed', 0)} "
                   f"(want 0), tunnels_active {l2.get('tunnels_active', 0)} (want 20), "
                   f"stopccn_received {l2.get('stopccn_received', 0)} (want 0)")
        case.check("during_cdn_sessions_removed_as_cdns_arrive",
                   ctl.get("sessions_removed", 0) == cdn and snap["sessions"] == 2000 - cdn,
                   f"cdn_received {cdn}, sessions_removed {ctl.get('sessions_removed', 0)}, "
                   f"sessions in table {snap['sessions']} (want 2000 - cdn_received)")
    rc = emu.wait(hold + 30)
    case.eq("emulator_exit_0", rc, 0)
    r = emu.report
    if not case.check("emulator_json", r is not None and r.get("finished"), f"no final JSON in {emu.json_path}"):
        return
    case.eq("emulator_success", r.get("success"), True)
    case.eq("emulator_tunnels", subset(r["tunnels"], ("planned", "established", "failed", "dropped")),
            {"planned": 20, "established": 20, "failed": 0, "dropped": 0})
    case.eq("emulator_sessions", subset(r["sessions"], ("planned", "established", "failed", "not_requested",
                                                        "dropped")),
            {"planned": 2000, "established": 2000, "failed": 0, "not_requested": 0, "dropped": 0})
    case.eq("emulator_no_failures", r.get("failures"), [])
    td = r.get("teardown", {})
    case.eq("emulator_teardown", subset(td, ("mode", "complete", "cdn_sent", "cdn_acked", "stopccn_sent",
                                             "stopccn_acked", "unacked")),
            {"mode": "cdn", "complete": True, "cdn_sent": 2000, "cdn_acked": 2000, "stopccn_sent": 20,
             "stopccn_acked": 20, "unacked": 0})
    case.eq("emulator_auth_failures", r.get("endpoint", {}).get("auth_failures"), 0)
    # 3. lnsd after the CDNs and StopCCNs
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("tunnels_closed", 0) >= 20, 5)
    if not case.check("snapshot_after_teardown", snap is not None, "lnsd printed no counters on SIGUSR1"):
        return
    ctl = snap["control"]
    case.eq("after_cdn_sessions_removed", (ctl.get("sessions_removed", 0), ctl.get("l2tp_sessions_removed", 0)),
            (2000, 2000), "sessions_removed, l2tp_sessions_removed")
    case.eq("after_cdn_table_empty", snap["sessions"], 0)
    case.counters("after_teardown_l2tp_counters", snap["l2tp"], {
        "cdn_received": 2000, "in_CDN": 2000, "sessions_closed": 2000, "sessions_active": 0, "out_CDN": 0,
        "stopccn_received": 20, "in_StopCCN": 20, "tunnels_closed": 20, "tunnels_active": 0,
        "stopccn_sent": 0, "tunnels_peer_dead": 0, "unexpected_messages": 0, "decode_errors": 0})
    rows = snap["tunnels"]
    case.check("after_stopccn_tunnels_closing_or_gone",
               all(r["state"] == "closing" and r["sessions"] == 0 for r in rows),
               f"tunnel rows {[(r['state'], r['sessions']) for r in rows][:5]}: want none or closing with 0 sessions")
    print(f"  scale: sessions set up at {r['sessions'].get('setup_rate_per_s', 0):.0f}/s, "
          f"session setup p99 {r['sessions'].get('setup_ms', {}).get('p99')} ms, "
          f"teardown {td.get('duration_s')} s, emulator {r.get('elapsed_s')} s")


def run_nat(checks, lab, emu_bin, lnsd):
    case = Case(checks, "nat", lnsd)
    before = lnsd.snapshot()
    if not case.check("snapshot_before", before is not None, "lnsd printed no counters on SIGUSR1"):
        return
    emu = Emu(lab, emu_bin, "nat", ["--local", LAC_IP, "--local-port", NAT_PORT, "-t", 2, "-s", 5,
                                    "--secret", SECRET, "--require-auth", "--hold", 2, "--teardown", "cdn",
                                    "--timeout", 20])
    case.xl = emu
    peer = f"{LAC_IP}:{NAT_PORT}"
    snap = lnsd.wait_snapshot(lambda s: sum(1 for r in s["tunnels"] if r["lac"] == peer and r["sessions"] == 5) == 2
                              or not emu.running(), 10)
    rows = [r for r in (snap or {}).get("tunnels", []) if r["lac"] == peer]
    case.check("lnsd_tunnel_peer_is_source_port",
               len(rows) == 2 and all(r["state"] == "established" and r["sessions"] == 5 for r in rows),
               f"rows with lac {peer}: {rows} (want 2 established with 5 sessions; all rows: "
               f"{[(r['lac'], r['state']) for r in (snap or {}).get('tunnels', [])][:25]})")
    rc = emu.wait(25)
    case.eq("emulator_exit_0", rc, 0)
    r = emu.report or {}
    case.eq("emulator_local", r.get("config", {}).get("local"), peer)
    case.eq("emulator_established", (r.get("tunnels", {}).get("established"), r.get("sessions", {}).get("established")),
            (2, 10), "tunnels, sessions")
    case.eq("emulator_no_failures", r.get("failures"), [])
    after = lnsd.wait_snapshot(lambda s: delta(s, before, "l2tp", "tunnels_closed") >= 2, 5)
    if after is not None:
        case.eq("lnsd_deltas", {k: delta(after, before, sec, k) for sec, k in (
            ("control", "sessions_installed"), ("control", "sessions_removed"), ("l2tp", "tunnels_established"),
            ("l2tp", "cdn_received"), ("l2tp", "tunnels_closed"), ("l2tp", "auth_failures"))},
            {"sessions_installed": 10, "sessions_removed": 10, "tunnels_established": 2, "cdn_received": 10,
             "tunnels_closed": 2, "auth_failures": 0})
        case.eq("lnsd_table_empty", after["sessions"], 0)


def run_dead_peer(checks, lab, emu_bin, lnsd):
    case = Case(checks, "dead_peer", lnsd)
    before = lnsd.snapshot()
    if not case.check("snapshot_before", before is not None, "lnsd printed no counters on SIGUSR1"):
        return
    emu = Emu(lab, emu_bin, "dead", ["--local", LAC_IP, "--host-name", "lac-dead", "-t", 2, "-s", 10,
                                     "--hold", 60, "--teardown", "none", "--timeout", 90])
    case.xl = emu

    def up(s):
        return sum(1 for r in s["tunnels"] if r["host"] == "lac-dead" and r["state"] == "established"
                   and r["sessions"] == 10) == 2

    snap = lnsd.wait_snapshot(lambda s: up(s) or not emu.running(), 10)
    if not case.check("sessions_up", snap is not None and up(snap) and emu.running(),
                      f"want 2 established lac-dead tunnels of 10 sessions, emulator running; rows "
                      f"{[(r['host'], r['state'], r['sessions']) for r in (snap or {}).get('tunnels', [])][:25]}"):
        stop_process(emu.proc, signal.SIGKILL, 5)
        return
    installed = snap["control"].get("sessions_installed", 0)
    case.eq("sessions_installed_delta", installed - before["control"].get("sessions_installed", 0), 20)
    case.eq("sessions_in_table", snap["sessions"], 20)
    # lnsd HELLOs every second of silence; let one be answered, then kill the LAC
    time.sleep(1.2)
    emu.kill()
    t_kill = time.monotonic()
    bound = dead_bound_s()

    def gone(s):
        return (s["l2tp"].get("tunnels_peer_dead", 0) - before["l2tp"].get("tunnels_peer_dead", 0) >= 2
                and s["sessions"] == 0)

    deadline = t_kill + bound + DEAD_MARGIN_S + 3.0  # keep watching past the bound to report how late
    snap = None
    t_gone = None
    while time.monotonic() < deadline and lnsd.running():
        snap = lnsd.snapshot() or snap
        if snap is not None and gone(snap):
            t_gone = time.monotonic()
            break
        time.sleep(0.05)
    took = (t_gone - t_kill) if t_gone else None
    seen = subset((snap or {}).get("l2tp", {}), ("tunnels_peer_dead", "hellos_sent", "out_HELLO", "tunnels_active",
                                                 "sessions_active"))
    if not case.check("peer_declared_dead", snap is not None and t_gone is not None,
                      f"after {deadline - t_kill:.1f} s: l2tp {seen}, sessions {(snap or {}).get('sessions')}"):
        return
    print(f"  dead_peer: both tunnels removed {took:.2f} s after SIGKILL (bound {bound:.1f} s + {DEAD_MARGIN_S} s)")
    case.check("within_rfc_bound", took <= bound + DEAD_MARGIN_S,
               f"took {took:.2f} s, bound hello {DEAD_HELLO_S} s + retransmissions = {bound:.2f} s "
               f"(+ {DEAD_MARGIN_S} s margin)")
    l2 = snap["l2tp"]
    case.check("tunnels_peer_dead", l2.get("tunnels_peer_dead", 0) - before["l2tp"].get("tunnels_peer_dead", 0) == 2,
               f"tunnels_peer_dead {before['l2tp'].get('tunnels_peer_dead', 0)} -> {l2.get('tunnels_peer_dead', 0)}"
               " (want +2)")
    case.check("hellos_sent", l2.get("hellos_sent", 0) > before["l2tp"].get("hellos_sent", 0),
               f"hellos_sent {l2.get('hellos_sent', 0)}")
    ctl = snap["control"]
    case.eq("sessions_removed_eq_installed", ctl.get("sessions_removed", 0), ctl.get("sessions_installed", 0),
            "sessions_removed vs sessions_installed")
    case.eq("table_empty", snap["sessions"], 0)
    case.counters("l2tp_active_zero", l2, {"tunnels_active": 0, "sessions_active": 0})
    rows = [r for r in snap["tunnels"] if r["host"] == "lac-dead"]
    case.eq("dead_tunnels_gone", rows, [])


def main_lnsd(checks, lab, binary, emu_bin):
    lnsd = lab.start_lnsd("main", MAIN_L2TP)
    checks.guard("scale", run_scale, checks, lab, emu_bin, lnsd)
    checks.guard("nat", run_nat, checks, lab, emu_bin, lnsd)
    checks.guard("dead_peer", run_dead_peer, checks, lab, emu_bin, lnsd)
    case = Case(checks, "main_final", lnsd)
    lnsd.stop()
    case.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}")
    if case.check("stats_json", lnsd.stats is not None, f"{lnsd.stats_error}"):
        ctl = lnsd.control()
        case.check("sessions_installed_eq_removed",
                   ctl.get("sessions_installed") == ctl.get("sessions_removed") == 2030,
                   f"sessions_installed={ctl.get('sessions_installed')} sessions_removed={ctl.get('sessions_removed')}"
                   " (want 2030 = 2000 + 10 + 20)")
        case.counters("no_errors", ctl, {"l2tp_session_install_failed": 0, "l2tp_bad_frame": 0,
                                         "l2tp_tx_no_mac": 0, "unhandled_l2tp_control": 0})
        case.eq("sessions_in_table", lnsd.stats.get("sessions"), 0)
        # the tunnels of scale and nat, closing (lnsd keeps them one retransmission
        # cycle, 31 s with the default timers, to acknowledge retransmitted
        # StopCCNs), with their policy and their peer's source port; on a slow
        # host some may have expired already, so a row count below 20/2 passes
        counts = {}
        for r in lnsd.tunnels():
            key = (r.get("peer"), r.get("policy"), r.get("state"))
            counts[key] = counts.get(key, 0) + 1
        want = {(f"{LAC_IP}:1701", "lac1", "closing"): 20, (f"{LAC_IP}:{NAT_PORT}", "lac1", "closing"): 2}
        case.check("final_tunnel_rows", all(k in want and n <= want[k] for k, n in counts.items()),
                   f"tunnel rows (peer, policy, state): count {counts}, want at most {want}")
        print(f"  main: tunnel rows at exit {counts}")


# ---------------------------------------------------------------- policy lnsd

def expect_tunnel_refused(case, emu, result, error=None, sessions=1):
    """The emulator's one tunnel failed with `result` (and `error`); exit 1."""
    rc = emu.wait(20)
    case.eq("emulator_exit_1", rc, 1)
    r = emu.report
    if not case.check("emulator_json", r is not None, f"no JSON in {emu.json_path}"):
        return
    case.eq("emulator_tunnels", subset(r["tunnels"], ("established", "failed")), {"established": 0, "failed": 1})
    case.eq("emulator_sessions", subset(r["sessions"], ("established", "not_requested")),
            {"established": 0, "not_requested": sessions})
    n = emu.failure_count("tunnel", result=result, error=error)
    want = f"result {result}" + (f" error {error}" if error is not None else "")
    case.check(f"tunnel_failure_result_{result}", n == 1, f"failures {emu.failures()}: want 1 tunnel failure {want}")


def run_wrong_secret_lns_detects(checks, lab, emu_bin, lnsd):
    case = Case(checks, "wrong_secret_lns_detects", lnsd)
    before = lnsd.snapshot()
    emu = Emu(lab, emu_bin, "wrong_secret_lns", ["--local", LAC_IP, "-t", 1, "-s", 1, "--secret", WRONG,
                                                 "--timeout", 20])
    case.xl = emu
    # the LAC's side of the tunnel is established once it sent its SCCCN (RFC 2661
    # 7.2.1): lnsd's StopCCN then reads as a drop of an established tunnel, and the
    # session requested meanwhile fails with it
    rc = emu.wait(20)
    case.eq("emulator_exit_1", rc, 1)
    r = emu.report
    if not case.check("emulator_json", r is not None, f"no JSON in {emu.json_path}"):
        return
    case.eq("emulator_sessions", subset(r["sessions"], ("established", "failed")), {"established": 0, "failed": 1})
    n = emu.failure_count("tunnel", result=4) + emu.failure_count("tunnel_drop", result=4)
    case.check("tunnel_failure_result_4", n == 1,
               f"failures {emu.failures()}: want 1 tunnel (or tunnel_drop) failure with StopCCN result 4")
    case.eq("emulator_stopccn_received", emu_section(emu, "endpoint").get("stopccn_received"), 1)
    after = lnsd.wait_snapshot(lambda s: s["l2tp"].get("stopccn_sent", 0) > before["l2tp"].get("stopccn_sent", 0), 3)
    if case.check("snapshots", before is not None and after is not None, "lnsd printed no counters on SIGUSR1"):
        case.check("lnsd_auth_failures", delta(after, before, "l2tp", "auth_failures") >= 1,
                   f"auth_failures {after['l2tp'].get('auth_failures', 0)}")
        case.eq("lnsd_deltas", {k: delta(after, before, "l2tp", k) for k in (
            "tunnels_established", "stopccn_sent", "in_SCCCN", "sessions_established")},
            {"tunnels_established": 0, "stopccn_sent": 1, "in_SCCCN": 1, "sessions_established": 0})


def run_wrong_secret_lac_detects(checks, lab, emu_bin, lnsd):
    case = Case(checks, "wrong_secret_lac_detects", lnsd)
    before = lnsd.snapshot()
    emu = Emu(lab, emu_bin, "wrong_secret_lac", ["--local", LAC_IP, "-t", 1, "-s", 1, "--secret", WRONG,
                                                 "--require-auth", "--timeout", 20])
    case.xl = emu
    expect_tunnel_refused(case, emu, 4)
    ep = emu_section(emu, "endpoint")
    case.eq("emulator_detected", (ep.get("auth_failures"), ep.get("stopccn_sent")), (1, 1),
            "emulator auth_failures, stopccn_sent")
    after = lnsd.wait_snapshot(
        lambda s: s["l2tp"].get("stopccn_received", 0) > before["l2tp"].get("stopccn_received", 0), 3)
    if case.check("snapshots", before is not None and after is not None, "lnsd printed no counters on SIGUSR1"):
        case.eq("lnsd_deltas", {k: delta(after, before, "l2tp", k) for k in (
            "tunnels_established", "stopccn_received", "in_SCCCN", "auth_failures")},
            {"tunnels_established": 0, "stopccn_received": 1, "in_SCCCN": 0, "auth_failures": 0})


def run_unknown_source(checks, lab, emu_bin, lnsd):
    case = Case(checks, "unknown_source", lnsd)
    before = lnsd.snapshot()
    emu = Emu(lab, emu_bin, "unknown_source", ["--local", LAC_IP2, "-t", 1, "-s", 1, "--secret", SECRET,
                                               "--require-auth", "--timeout", 20])
    case.xl = emu
    expect_tunnel_refused(case, emu, 4)
    after = lnsd.wait_snapshot(lambda s: s["l2tp"].get("stopccn_sent", 0) > before["l2tp"].get("stopccn_sent", 0), 3)
    if case.check("snapshots", before is not None and after is not None, "lnsd printed no counters on SIGUSR1"):
        case.eq("lnsd_deltas", {k: delta(after, before, "l2tp", k) for k in (
            "tunnels_rejected", "tunnels_established", "stopccn_sent", "out_SCCRP", "auth_failures")},
            {"tunnels_rejected": 1, "tunnels_established": 0, "stopccn_sent": 1, "out_SCCRP": 0,
             "auth_failures": 0})


def run_peer_max_sessions(checks, lab, emu_bin, lnsd):
    case = Case(checks, "peer_max_sessions", lnsd)
    before = lnsd.snapshot()
    emu = Emu(lab, emu_bin, "peer_max_sessions", ["--local", LAC_IP, "-t", 1, "-s", 15, "--secret", SECRET,
                                                  "--require-auth", "--teardown", "cdn", "--timeout", 20])
    case.xl = emu
    rc = emu.wait(25)
    case.eq("emulator_exit_1", rc, 1)
    r = emu.report
    if not case.check("emulator_json", r is not None, f"no JSON in {emu.json_path}"):
        return
    case.eq("emulator_sessions", subset(r["sessions"], ("planned", "established", "failed")),
            {"planned": 15, "established": 10, "failed": 5})
    case.check("session_failures_cdn_result_4", emu.failure_count("session", result=4) == 5
               and sum(f.get("count", 0) for f in emu.failures()) == 5,
               f"failures {emu.failures()}: want 5 session failures with result 4, nothing else")
    case.eq("emulator_teardown_complete", r.get("teardown", {}).get("complete"), True)
    after = lnsd.wait_snapshot(
        lambda s: s["l2tp"].get("stopccn_received", 0) > before["l2tp"].get("stopccn_received", 0), 3)
    if case.check("snapshots", before is not None and after is not None, "lnsd printed no counters on SIGUSR1"):
        case.eq("lnsd_sessions_rejected", after["l2tp"].get("sessions_rejected", 0), 5)
        case.eq("lnsd_deltas", {k: delta(after, before, sec, k) for sec, k in (
            ("l2tp", "sessions_established"), ("l2tp", "cdn_sent"), ("control", "sessions_installed"),
            ("control", "sessions_removed"))},
            {"sessions_established": 10, "cdn_sent": 5, "sessions_installed": 10, "sessions_removed": 10})
        case.eq("lnsd_table_empty", after["sessions"], 0)


def policy_lnsd(checks, lab, binary, emu_bin):
    lnsd = lab.start_lnsd("policy", POLICY_L2TP)
    checks.guard("wrong_secret_lns_detects", run_wrong_secret_lns_detects, checks, lab, emu_bin, lnsd)
    checks.guard("wrong_secret_lac_detects", run_wrong_secret_lac_detects, checks, lab, emu_bin, lnsd)
    checks.guard("unknown_source", run_unknown_source, checks, lab, emu_bin, lnsd)
    checks.guard("peer_max_sessions", run_peer_max_sessions, checks, lab, emu_bin, lnsd)
    case = Case(checks, "policy_final", lnsd)
    lnsd.stop()
    case.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}")
    if case.check("stats_json", lnsd.stats is not None, f"{lnsd.stats_error}"):
        case.counters("l2tp", lnsd.l2tp(), {"tunnels_established": 1, "tunnels_rejected": 1,
                                            "sessions_rejected": 5, "sessions_active": 0, "tunnels_active": 0})
        case.eq("sessions_in_table", lnsd.stats.get("sessions"), 0)


# ---------------------------------------------------------------- limits lnsd

def run_max_tunnels(checks, lab, emu_bin, lnsd):
    case = Case(checks, "max_tunnels", lnsd)
    emu = Emu(lab, emu_bin, "max_tunnels", ["--local", LAC_IP, "-t", 3, "-s", 15, "--teardown", "cdn",
                                            "--timeout", 20])
    case.xl = emu
    rc = emu.wait(25)
    case.eq("emulator_exit_1", rc, 1)
    r = emu.report
    if not case.check("emulator_json", r is not None, f"no JSON in {emu.json_path}"):
        return
    case.eq("emulator_tunnels", subset(r["tunnels"], ("planned", "established", "failed")),
            {"planned": 3, "established": 2, "failed": 1})
    case.eq("emulator_sessions", subset(r["sessions"], ("planned", "established", "failed", "not_requested")),
            {"planned": 45, "established": 20, "failed": 10, "not_requested": 15})
    n = emu.failure_count("tunnel", result=2, error=4)
    case.check("tunnel_refused_result_2_error_4", n == 1,
               f"failures {emu.failures()}: want 1 tunnel failure with result 2 error 4")
    n = emu.failure_count("session", result=4)
    case.check("sessions_refused_cdn_result_4", n == 10,
               f"failures {emu.failures()}: want 10 session failures with result 4 (max_sessions_per_tunnel)")
    case.eq("emulator_teardown_complete", r.get("teardown", {}).get("complete"), True)
    snap = lnsd.wait_snapshot(lambda s: s["l2tp"].get("stopccn_received", 0) >= 2, 3)
    if case.check("snapshot", snap is not None, "lnsd printed no counters on SIGUSR1"):
        case.counters("lnsd_l2tp", snap["l2tp"], {
            "tunnels_established": 2, "tunnels_rejected": 1, "stopccn_sent": 1, "sessions_established": 20,
            "sessions_rejected": 10, "stopccn_received": 2, "tunnels_active": 0, "sessions_active": 0})
        case.eq("lnsd_sessions_installed_removed",
                (snap["control"].get("sessions_installed", 0), snap["control"].get("sessions_removed", 0)),
                (20, 20))
        case.eq("lnsd_table_empty", snap["sessions"], 0)


def limits_lnsd(checks, lab, binary, emu_bin):
    lnsd = lab.start_lnsd("limits", LIMITS_L2TP)
    checks.guard("max_tunnels", run_max_tunnels, checks, lab, emu_bin, lnsd)
    case = Case(checks, "limits_final", lnsd)
    lnsd.stop()
    case.check("lnsd_exit_clean", lnsd.rc == 0, f"exit status {lnsd.rc}")


def main():
    args = harness.parse_args(__doc__)
    checks = harness.Checks("lac_emu")
    harness.require_root(checks)
    binary = harness.lnsd_binary(args.build_dir, checks)
    emu_bin = os.path.join(os.path.abspath(args.build_dir), "lns-lac-emu")
    if not (os.path.isfile(emu_bin) and os.access(emu_bin, os.X_OK)):
        checks.fail("lac_emu_binary", f"{emu_bin} not found or not executable")
        return checks.finish()
    if not shutil.which("ip"):
        checks.fail("tools", "ip (iproute2) missing")
        return checks.finish()
    l2tp_lab.exit_on_sigterm()  # ctest's timeout: still remove namespaces and processes
    t0 = time.monotonic()
    with lnsrun.WorkDir("lacemu", args.keep) as wd:
        lab = EmuLab("le", wd.path, binary)
        try:
            lab.setup()
            for name, fn in (("main", main_lnsd), ("policy", policy_lnsd), ("limits", limits_lnsd)):
                t1 = time.monotonic()
                checks.guard(name, fn, checks, lab, binary, emu_bin)
                lab.stop_all()
                print(f"  ({name}: {time.monotonic() - t1:.1f} s)")
        except Exception as e:  # noqa: BLE001
            checks.fail("exception", f"{type(e).__name__}: {e}")
        finally:
            lab.teardown()
    took = time.monotonic() - t0
    print(f"(took {took:.1f} s)")
    checks.check("wall_time_under_60s", took < 60.0, f"took {took:.1f} s")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
