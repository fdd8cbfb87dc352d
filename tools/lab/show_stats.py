#!/usr/bin/python3
"""Pretty-prints lnsd's stats JSON (--stats-json) for the lab job.

Usage: show_stats.py [--require-both] STATS.json [UPSTREAM.pcap DOWNSTREAM.pcap]

Prints packets/s and bits/s each way (inner IP bytes as lnsd counts them, and the
input frame rate when the pcaps are given), per-port counters, and every non-zero
drop reason, punt kind and control counter (with descriptions from
dataplane/drop_reasons.def and punt_reasons.def).  Exit status 1 when nothing was
forwarded, or with --require-both when either direction forwarded nothing.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcap_stats import pcap_stats  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def descriptions(def_file, macro):
    out = {}
    try:
        with open(os.path.join(ROOT, "dataplane", def_file)) as f:
            for m in re.finditer(macro + r'\((\w+),\s*"((?:[^"\\]|\\.)*)"\)', f.read()):
                out[m.group(1)] = m.group(2)
    except OSError:
        pass
    return out


def mean_frame(path):
    return pcap_stats(path)[1]


def rate(v, unit):
    for div, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:.2f} {prefix}{unit}"
    return f"{v:.0f} {unit}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--require-both", action="store_true")
    ap.add_argument("json")
    ap.add_argument("pcaps", nargs="*")
    a = ap.parse_args()
    with open(a.json) as f:
        s = json.load(f)

    frames = [mean_frame(p) for p in a.pcaps[:2]] if len(a.pcaps) >= 2 else None
    print()
    print(f"== lab result: {s.get('sessions', '?')} sessions, measured over {s.get('elapsed_s', 0):.2f} s")
    print(f"{'direction':<28} {'packets (all)':>14} {'packets/s':>14} {'bits/s (inner)':>16}"
          + (f" {'bits/s (input frames)':>22}" if frames else ""))
    ok_dirs = []
    for i, (key, label) in enumerate((("upstream", "upstream   access -> core"),
                                      ("downstream", "downstream core -> access"))):
        d = s.get(key, {})
        pps, bps = d.get("pps", 0.0), d.get("bps", 0.0)
        line = f"{label:<28} {d.get('packets', 0):>14} {rate(pps, 'pps'):>14} {rate(bps, 'bit/s'):>16}"
        if frames:
            line += f" {rate(pps * frames[i] * 8, 'bit/s'):>22}"
        print(line)
        ok_dirs.append(d.get("packets", 0) > 0)
    tot = sum(s.get(k, {}).get("pps", 0.0) for k in ("upstream", "downstream"))
    print(f"{'total':<28} {'':>14} {rate(tot, 'pps'):>14}")

    print("\nports:")
    for p in s.get("ports", []):
        print(f"  {p.get('name', '?'):<10} {p.get('mac', ''):<18} rx {p.get('rx_packets', 0):>12} "
              f"tx {p.get('tx_packets', 0):>12} rx_missed {p.get('rx_missed', 0)} "
              f"tx_errors {p.get('tx_errors', 0)}")

    for title, key, desc in (("drops by reason", "drops", descriptions("drop_reasons.def", "LNS_DROP")),
                             ("punts to the control core", "punts",
                              descriptions("punt_reasons.def", "LNS_PUNT")),
                             ("control core", "control", {})):
        items = [(k, v) for k, v in s.get(key, {}).items() if v]
        print(f"\n{title}: {'none' if not items else ''}")
        for k, v in sorted(items, key=lambda kv: -kv[1] if isinstance(kv[1], (int, float)) else 0):
            print(f"  {k:<28} {v:>14}  {desc.get(k, '')}")
    mem = s.get("memory")
    if isinstance(mem, dict):
        print("\nmemory: " + ", ".join(f"{k} {v}" for k, v in mem.items()))

    if not any(ok_dirs):
        print("\nlab: FAILED: nothing was forwarded", file=sys.stderr)
        return 1
    if a.require_both and not all(ok_dirs):
        which = "upstream" if not ok_dirs[0] else "downstream"
        print(f"\nlab: FAILED: nothing was forwarded {which}", file=sys.stderr)
        return 1
    print("\nlab: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
