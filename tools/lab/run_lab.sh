#!/bin/bash
# The lab job: lnsd forwarding generated traffic both ways at once, on virtual devices.
#
#   tools/lab/run_lab.sh [--build-dir DIR] [--sessions 10000] [--per-tunnel 100]
#                        [--duration 12] [--warmup 2] [--inner-size 64] [--packets 65536]
#                        [--ipv6-share 0] [--order random|seq] [--work-dir DIR] [--keep]
#
# 1. tools/lab/lnsd_config.py writes a config with N static sessions (100 per tunnel,
#    four blocks with mixed framing: plain; sequencing+length; offset+ACFC+PFC from
#    UDP port 40000; length+ACFC), static neighbours for the LACs and the core gateway;
# 2. lns-pktgen writes an upstream pcap (L2TP from the LACs) and a downstream pcap
#    (IP to the subscribers) for that config;
# 3. lnsd runs (--duration 12 --warmup 2: a 10 s measured window) with both ports on
#    net_pcap, rx_pcap=FILE,infinite_rx=1 and no tx_pcap: the PMD then drops what is
#    transmitted (counting it), so each port replays its pcap from memory and the
#    worker (lcore 1) forwards both directions at once;
# 4. prints lnsd's own summary, then packets/s and bits/s each way and the drops by
#    reason from its stats JSON.
# Exits non-zero if a direction forwarded nothing.  Needs root (DPDK).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$ROOT/build
SESSIONS=10000
PER_TUNNEL=100
DURATION=12
WARMUP=2
INNER=64
PACKETS=65536
V6SHARE=0
ORDER=random
WORK=
KEEP=0

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build-dir) BUILD=$2; shift 2 ;;
        --sessions) SESSIONS=$2; shift 2 ;;
        --per-tunnel) PER_TUNNEL=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --inner-size) INNER=$2; shift 2 ;;
        --packets) PACKETS=$2; shift 2 ;;
        --ipv6-share) V6SHARE=$2; shift 2 ;;
        --order) ORDER=$2; shift 2 ;;
        --work-dir) WORK=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run_lab: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

LNSD=$BUILD/lnsd
PKTGEN=$BUILD/lns-pktgen
for b in "$LNSD" "$PKTGEN"; do
    [[ -x $b ]] || { echo "run_lab: $b not built (run tools/lab.sh, or pass --build-dir)" >&2; exit 1; }
done
PY=/usr/bin/python3

if [[ -z $WORK ]]; then
    WORK=$(mktemp -d /tmp/lnsd-lab.XXXXXX)
else
    mkdir -p "$WORK"
fi
PREFIX=lnsd-lab-$$
LNSD_PID=
cleanup() {
    local rc=$?
    if [[ -n $LNSD_PID ]] && kill -0 "$LNSD_PID" 2>/dev/null; then
        kill -INT "$LNSD_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$LNSD_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$LNSD_PID" 2>/dev/null || true
    fi
    rm -rf "/var/run/dpdk/$PREFIX"
    if [[ $KEEP -eq 0 ]]; then rm -rf "$WORK"; else echo "run_lab: kept $WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

run() { echo "\$ $*"; "$@"; }

UP=$WORK/upstream.pcap
DOWN=$WORK/downstream.pcap
CFG=$WORK/lab.yaml
JSON=$WORK/stats.json

echo "== lab: $SESSIONS sessions ($PER_TUNNEL per tunnel, mixed framing), inner $INNER B, $ORDER order; lnsd runs ${DURATION} s, rates exclude the first ${WARMUP} s"
run $PY "$ROOT/tools/lab/lnsd_config.py" --sessions "$SESSIONS" --per-tunnel "$PER_TUNNEL" \
    --framing mixed --file-prefix "$PREFIX" --pcap-packets $((2 * PACKETS)) \
    --access-dev "net_pcap0,rx_pcap=$UP,infinite_rx=1" \
    --core-dev "net_pcap1,rx_pcap=$DOWN,infinite_rx=1" --out "$CFG"
run "$LNSD" --check-config "$CFG"
run "$PKTGEN" -c "$CFG" --direction up --inner-size "$INNER" --count "$PACKETS" \
    --order "$ORDER" --ipv6-share "$V6SHARE" --out "$UP"
run "$PKTGEN" -c "$CFG" --direction down --inner-size "$INNER" --count "$PACKETS" \
    --order "$ORDER" --ipv6-share "$V6SHARE" --seed 2 --out "$DOWN"

# Bounded: lnsd stops itself after warm-up + duration; the watchdog below is the backstop
# (SIGINT after warm-up + duration + 120 s, SIGKILL 10 s later).
LIMIT=$(awk -v d="$DURATION" -v w="$WARMUP" 'BEGIN { printf "%d", (d + w + 120) * 5 }')
run_bg() { echo "\$ $*"; "$@" & LNSD_PID=$!; }
run_bg "$LNSD" -c "$CFG" --duration "$DURATION" --warmup "$WARMUP" --stats-json "$JSON"
for ((i = 0; i < LIMIT; i++)); do
    kill -0 "$LNSD_PID" 2>/dev/null || break
    sleep 0.2
done
if kill -0 "$LNSD_PID" 2>/dev/null; then
    echo "run_lab: lnsd still running after $((LIMIT / 5)) s: stopping it" >&2
    kill -INT "$LNSD_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$LNSD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$LNSD_PID" 2>/dev/null || true
fi
set +e
wait "$LNSD_PID"
RC=$?
set -e
LNSD_PID=
if [[ $RC -ne 0 ]]; then
    echo "run_lab: lnsd exited with status $RC" >&2
    exit 1
fi
[[ -s $JSON ]] || { echo "run_lab: lnsd wrote no stats JSON" >&2; exit 1; }

$PY "$ROOT/tools/lab/show_stats.py" --require-both "$JSON" "$UP" "$DOWN"
