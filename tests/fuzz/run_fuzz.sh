#!/bin/bash
# Runs one libFuzzer target for a bounded time over its seed corpus.
# New inputs go to a scratch directory, never into the repository; a crash
# leaves its reproducer in the scratch directory, whose path is printed.
# usage: run_fuzz.sh BINARY SEED_CORPUS_DIR SECONDS
set -u
bin=$1 seeds=$2 secs=$3
[ -x "$bin" ] || { echo "fuzz target $bin was not built"; exit 1; }
work=$(mktemp -d /tmp/lnsfuzz.XXXXXX)
mkdir -p "$work/corpus"
args=("$work/corpus")
[ -d "$seeds" ] && args+=("$seeds")
"$bin" -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$work/" "${args[@]}" 2>&1 | tail -25
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
    echo "FUZZ FAILURE in $(basename "$bin"): reproducer(s) in $work:"; ls "$work"
    exit 1
fi
rm -rf "$work"
exit 0
