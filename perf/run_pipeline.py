#!/usr/bin/python3
"""Forwarding benchmark of lnsd against dpdk-testpmd io forwarding, same devices.

For each case (direction up/down x inner size 64/1400 x 1k/64k sessions):
  1. lns-pktgen writes a pcap for the case's lnsd config (random session per packet);
  2. dpdk-testpmd io-forwards it from net_pcap(infinite_rx) to net_null on lcore 1
     (the ceiling of what the virtual devices deliver on this machine);
  3. lnsd (control lcore 0, one worker on lcore 1) gets the same pcap on the access
     port (up) or the core port (down), the other port being net_null,no-rx=1;
     --duration 12 --warmup 2 --stats-json.
Prints a table (case, testpmd Mpps, lnsd Mpps, ratio, Gbit/s) and writes it with the
exact commands to perf/out/pipeline.md.  Gbit/s = lnsd's forwarded packets/s x mean
input frame size (Ethernet header to end, without FCS/preamble) x 8.

Usage: perf/run_pipeline.py [--build-dir DIR] [--sessions 1000,65536] [--inner 64,1400]
                            [--directions up,down] [--packets 65536] [--order random]
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perflib  # noqa: E402
from perflib import lnsd_config  # noqa: E402


def ints(s):
    return [int(x) for x in s.split(",") if x]


def case_config(work, sessions, direction, pcap, prefix, npk, huge_dir=None):
    pdev = f"net_pcap0,rx_pcap={pcap},infinite_rx=1"
    ndev = "net_null0,no-rx=1"
    mbufs = lnsd_config.mbufs_for(npk)
    text = lnsd_config.make_config(
        sessions=sessions, per_tunnel=100 if sessions <= 10000 else 1000, framing="plain",
        access_dev=pdev if direction == "up" else ndev,
        core_dev=pdev if direction == "down" else ndev,
        file_prefix=prefix, mbufs=mbufs, memory_mb=lnsd_config.memory_for(mbufs, sessions),
        huge_dir=huge_dir)
    path = os.path.join(work, f"{prefix}.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir")
    ap.add_argument("--sessions", default="1000,65536")
    ap.add_argument("--inner", default="64,1400")
    ap.add_argument("--directions", default="up,down")
    ap.add_argument("--packets", type=int, default=65536)
    ap.add_argument("--order", choices=["seq", "random"], default="random")
    ap.add_argument("--duration", type=float, default=12)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--testpmd-warmup", type=int, default=3)
    ap.add_argument("--testpmd-measure", type=int, default=10)
    ap.add_argument("--no-testpmd", action="store_true", help="skip the testpmd baseline")
    ap.add_argument("--quiet-wait", type=float, default=120,
                    help="before each measurement, wait up to this many seconds for an idle machine")
    ap.add_argument("--huge-dir", help="use hugepages from this hugetlbfs mount (default: --no-huge); "
                    "reserve them first, see perf/README.md")
    ap.add_argument("--work-dir", help="keep pcaps, configs and logs here (default: temp dir)")
    a = ap.parse_args()

    build = perflib.find_build_dir(a.build_dir)
    work = a.work_dir or tempfile.mkdtemp(prefix="lnsd-perf-")
    os.makedirs(work, exist_ok=True)
    print(f"build {build}, work dir {work}")
    load_start = perflib.loadavg()
    rows, notes = [], []
    pid = os.getpid()
    for sessions in ints(a.sessions):
        for direction in a.directions.split(","):
            for inner in ints(a.inner):
                name = f"{direction} {inner}B {perflib.label(sessions)}"
                prefix = f"perf-{pid}-{direction}-{inner}-{sessions}"
                pcap = os.path.join(work, f"{prefix}.pcap")
                cfg = case_config(work, sessions, direction, pcap, prefix, a.packets, a.huge_dir)
                perflib.pktgen(build, cfg, pcap, direction, inner, a.packets, a.order)
                npk, mean_len = perflib.pcap_stats(pcap)
                tp = None
                busy = []
                if not a.no_testpmd:
                    busy.append(perflib.wait_quiet(a.quiet_wait))
                    try:
                        tp, _ = perflib.testpmd(pcap, prefix + "-tp", work, a.testpmd_warmup,
                                                a.testpmd_measure, huge_dir=a.huge_dir)
                    except RuntimeError as e:
                        notes.append(f"{name}: testpmd: {e}")
                res, mpps, gbps, drops = None, None, None, {}
                busy.append(perflib.wait_quiet(a.quiet_wait))
                if max(busy) > 0.10:
                    notes.append(f"{name}: machine was {max(busy):.0%} busy before a measurement")
                try:
                    res = perflib.lnsd(build, cfg, prefix, work, a.duration, a.warmup)
                    d = res.get("upstream" if direction == "up" else "downstream", {})
                    mpps = d.get("pps", 0.0) / 1e6
                    gbps = d.get("pps", 0.0) * mean_len * 8 / 1e9
                    drops = {k: v for k, v in res.get("drops", {}).items() if v}
                except (RuntimeError, OSError, ValueError) as e:
                    notes.append(f"{name}: lnsd: {e}")
                ratio = mpps / tp if (mpps is not None and tp) else None
                rows.append((name, sessions, tp, mpps, ratio, gbps, mean_len, drops))
                print(f"== {name}: testpmd {perflib.fmt(tp)} Mpps, lnsd {perflib.fmt(mpps)} Mpps, "
                      f"ratio {perflib.fmt(ratio)}, {perflib.fmt(gbps)} Gbit/s, drops {drops}",
                      flush=True)

    md = ["## Pipeline: lnsd vs dpdk-testpmd io forwarding", "",
          f"Machine: {perflib.machine_info()}", "",
          f"Memory: {'2 MB hugepages (' + a.huge_dir + ')' if a.huge_dir else '--no-huge (4 KB pages)'}", "",
          f"Load average at start: {load_start}; at end: {perflib.loadavg()}", "",
          f"Traffic: lns-pktgen, {a.packets}-packet pcap per case, {a.order} session per packet, "
          "replayed by net_pcap infinite_rx; output to net_null. lnsd: control lcore 0, one worker "
          f"on lcore 1, --duration {a.duration:g} --warmup {a.warmup:g}; testpmd: io forwarding on "
          f"lcore 1, TX-packets growth of the null port over {a.testpmd_measure} s after {a.testpmd_warmup} s of warm-up.",
          "Gbit/s: lnsd forwarded packets/s x mean input frame size x 8 (no FCS/preamble).", "",
          "| case | sessions | frame B | testpmd Mpps | lnsd Mpps | ratio | lnsd Gbit/s | drops |",
          "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, sessions, tp, mpps, ratio, gbps, mean_len, drops in rows:
        dr = ", ".join(f"{k} {v}" for k, v in drops.items()) or "-"
        md.append(f"| {name} | {sessions} | {mean_len:.0f} | {perflib.fmt(tp)} | {perflib.fmt(mpps)} | "
                  f"{perflib.fmt(ratio)} | {perflib.fmt(gbps)} | {dr} |")
    if notes:
        md += ["", "Problems:", ""] + [f"- {n}" for n in notes]
    md += ["", "Commands:", "", "```"] + perflib.COMMANDS + ["```", ""]
    text = "\n".join(md)
    print()
    print(text)
    perflib.write_fragment("pipeline-huge.md" if a.huge_dir else "pipeline.md", text)
    ok = all(r[3] for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
