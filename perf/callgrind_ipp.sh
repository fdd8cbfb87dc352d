#!/bin/bash
# Instructions per packet of one worker stage, counted by callgrind: repeatable on
# a busy machine where wall-clock rates drift.
#   perf/callgrind_ipp.sh BUILD_DIR [upstream|downstream] [SESSIONS] [INNER_BYTES]
set -euo pipefail
build=${1:-build} dir=${2:-upstream} sessions=${3:-65536} inner=${4:-64}
fn=process_${dir}_burst
bm=BM_${dir^}/$sessions/$inner
out=$(mktemp /tmp/cg.XXXXXX)
valgrind --tool=callgrind --collect-atstart=no --toggle-collect="lns::dp::$fn*" \
    --callgrind-out-file="$out" "$build/perf/bench_stages" --benchmark_filter="^$bm\$" \
    --benchmark_min_time=0.2 >/dev/null 2>&1
/usr/bin/python3 - "$out" "$fn" "$bm" <<'PY'
import re, sys
path, fn, bm = sys.argv[1:4]
names, calls, cur, cfn = {}, 0, "", ""
for line in open(path):
    m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
    if m:
        if m.group(3):
            names[m.group(2)] = m.group(3).strip()
        name = names.get(m.group(2), "")
        if m.group(1) == "cfn":
            cfn = name
        else:
            cur = name
    elif line.startswith("calls=") and fn in cfn and fn not in cur:
        calls += int(line.split("=")[1].split()[0])
    elif line.startswith("totals:"):
        total = int(line.split()[1])
print(f"{bm}: {total / (calls * 32):.0f} instructions per packet in {fn} ({calls} bursts of 32)")
PY
rm -f "$out"
