#!/usr/bin/python3
"""Session-count scaling of lnsd's upstream path.

Upstream, 64-byte inner packets, uniformly random session per packet, at 1k, 64k and
1M static sessions (same pcap size for every case, default 1M packets, so only the
table size changes).  lnsd: control lcore 0, one worker on lcore 1, the pcap on the
access port (net_pcap infinite_rx), net_null,no-rx=1 as core port, --duration 12
--warmup 2.  Reports Mpps, the ratio of each case to the smallest one (target at 1M
vs 1k: >= 0.8) and data-plane table bytes per session from lnsd's stats JSON
("memory": {"bytes_per_session": X}; "n/a" when lnsd does not report it).
Writes perf/out/scaling.md with the exact commands.

Usage: perf/run_scaling.py [--build-dir DIR] [--sessions 1000,65536,1048576]
                           [--packets 1048576] [--testpmd]
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perflib  # noqa: E402
from perflib import lnsd_config  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir")
    ap.add_argument("--sessions", default="1000,65536,1048576")
    ap.add_argument("--packets", type=int, default=1 << 20)
    ap.add_argument("--inner", type=int, default=64)
    ap.add_argument("--duration", type=float, default=12)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--testpmd", action="store_true",
                    help="also run the testpmd io-forwarding baseline on the largest pcap")
    ap.add_argument("--quiet-wait", type=float, default=120,
                    help="before each measurement, wait up to this many seconds for an idle machine")
    ap.add_argument("--huge-dir", help="use hugepages from this hugetlbfs mount (default: --no-huge); "
                    "reserve them first, see perf/README.md")
    ap.add_argument("--work-dir")
    a = ap.parse_args()

    build = perflib.find_build_dir(a.build_dir)
    work = a.work_dir or tempfile.mkdtemp(prefix="lnsd-scaling-")
    os.makedirs(work, exist_ok=True)
    print(f"build {build}, work dir {work}")
    load_start = perflib.loadavg()
    pid = os.getpid()
    rows, notes = [], []
    tp = None
    sessions_list = [int(x) for x in a.sessions.split(",") if x]
    for sessions in sessions_list:
        prefix = f"scale-{pid}-{sessions}"
        pcap = os.path.join(work, f"{prefix}.pcap")
        mbufs = lnsd_config.mbufs_for(a.packets)
        text = lnsd_config.make_config(
            sessions=sessions, per_tunnel=100 if sessions <= 10000 else 1000, framing="plain",
            access_dev=f"net_pcap0,rx_pcap={pcap},infinite_rx=1", core_dev="net_null0,no-rx=1",
            file_prefix=prefix, mbufs=mbufs, memory_mb=lnsd_config.memory_for(mbufs, sessions),
            huge_dir=a.huge_dir)
        cfg = os.path.join(work, f"{prefix}.yaml")
        with open(cfg, "w") as f:
            f.write(text)
        perflib.pktgen(build, cfg, pcap, "up", a.inner, a.packets, "random")
        _, mean_len = perflib.pcap_stats(pcap)
        if a.testpmd and sessions == sessions_list[-1]:
            busy = perflib.wait_quiet(a.quiet_wait)
            if busy > 0.10:
                notes.append(f"testpmd: machine was {busy:.0%} busy before the measurement")
            try:
                tp, _ = perflib.testpmd(pcap, prefix + "-tp", work, huge_dir=a.huge_dir)
            except RuntimeError as e:
                notes.append(f"testpmd: {e}")
        mpps, bps_sess, drops, mem = None, None, {}, None
        busy = perflib.wait_quiet(a.quiet_wait)
        if busy > 0.10:
            notes.append(f"{sessions} sessions: machine was {busy:.0%} busy before the measurement")
        try:
            res = perflib.lnsd(build, cfg, prefix, work, a.duration, a.warmup)
            mpps = res.get("upstream", {}).get("pps", 0.0) / 1e6
            mem = res.get("memory")
            if isinstance(mem, dict):
                bps_sess = mem.get("bytes_per_session")
            drops = {k: v for k, v in res.get("drops", {}).items() if v}
            if res.get("sessions") not in (None, sessions):
                notes.append(f"{sessions}: lnsd reports {res.get('sessions')} sessions")
        except (RuntimeError, OSError, ValueError) as e:
            notes.append(f"{sessions} sessions: lnsd: {e}")
        rows.append((sessions, mpps, mean_len, bps_sess, mem, drops))
        print(f"== {perflib.label(sessions)} sessions: lnsd {perflib.fmt(mpps)} Mpps, "
              f"bytes/session {bps_sess if bps_sess is not None else 'n/a'}, drops {drops}", flush=True)
        try:
            os.unlink(pcap)  # 1M-packet pcaps are ~120 MB each
        except OSError:
            pass

    base = rows[0][1] if rows and rows[0][1] else None
    md = ["## Scaling: upstream, 64-byte inner, random session per packet", "",
          f"Machine: {perflib.machine_info()}", "",
          f"Memory: {'2 MB hugepages (' + a.huge_dir + ')' if a.huge_dir else '--no-huge (4 KB pages)'}", "",
          f"Load average at start: {load_start}; at end: {perflib.loadavg()}", "",
          f"Traffic: lns-pktgen, {a.packets}-packet pcap per case (uniformly random session ids), "
          "net_pcap infinite_rx on the access port, net_null core port; lnsd control lcore 0, one "
          f"worker on lcore 1, --duration {a.duration:g} --warmup {a.warmup:g}.", ""]
    if tp is not None:
        md += [f"testpmd io forwarding of the largest pcap: {tp:.2f} Mpps.", ""]
    md += [f"| sessions | lnsd Mpps | vs {perflib.label(sessions_list[0])} | Gbit/s | "
           "data-plane bytes/session | drops |", "|---:|---:|---:|---:|---:|---|"]
    for sessions, mpps, mean_len, bps_sess, _mem, drops in rows:
        ratio = mpps / base if (mpps is not None and base) else None
        gbps = mpps * 1e6 * mean_len * 8 / 1e9 if mpps is not None else None
        dr = ", ".join(f"{k} {v}" for k, v in drops.items()) or "-"
        md.append(f"| {sessions} | {perflib.fmt(mpps)} | {perflib.fmt(ratio)} | {perflib.fmt(gbps)} | "
                  f"{bps_sess if bps_sess is not None else 'n/a'} | {dr} |")
    mems = [(s, m) for s, _, _, _, m, _ in rows if isinstance(m, dict)]
    if mems:
        md += ["", "lnsd memory report (stats JSON \"memory\"):", ""]
        md += [f"- {s} sessions: {m}" for s, m in mems]
    else:
        md += ["", "lnsd's stats JSON has no \"memory\" object: bytes per session n/a."]
    if notes:
        md += ["", "Problems:", ""] + [f"- {n}" for n in notes]
    md += ["", "Commands:", "", "```"] + perflib.COMMANDS + ["```", ""]
    text = "\n".join(md)
    print()
    print(text)
    perflib.write_fragment("scaling-huge.md" if a.huge_dir else "scaling.md", text)
    return 0 if all(r[1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
