#!/bin/bash
# One command from a fresh Debian 12 checkout to a running lab:
#
#   sudo tools/lab.sh [--sessions-only | --forwarding-only] [run_lab.sh options]
#
# 1. installs the Debian packages that are missing (tools/install_deps.sh),
# 2. configures and builds lnsd, lns-lac-emu and lns-pktgen into build/
#    (RelWithDebInfo, -O3),
# 3. subscriber sessions (tools/lab/run_sessions.py): lnsd on veth pairs
#    (net_af_packet) with local users and address pools; lns-lac-emu opens 10
#    tunnels x 500 calls, brings PPP up on each (LCP, CHAP, IPCP, IPv6CP), pushes
#    ICMP echo from every subscriber to a core host and back through lnsd, clears
#    everything; prints the session setup rates, per-phase latencies, traffic
#    each way and lnsd's counters,
# 4. forwarding (tools/lab/run_lab.sh): 10,000 static sessions, generated traffic
#    replayed from memory on net_pcap both ways for ~10 s; prints packets/s,
#    bits/s each way and drops by reason.
# Set LNS_BUILD_DIR to build elsewhere.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${LNS_BUILD_DIR:-$ROOT/build}
SESSIONS=1
FORWARDING=1
case "${1:-}" in
    --sessions-only) FORWARDING=0; shift ;;
    --forwarding-only) SESSIONS=0; shift ;;
esac

"$ROOT/tools/install_deps.sh"

echo "lab: building into $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target lnsd lns-pktgen lns-lac-emu

rc=0
if [[ $SESSIONS -eq 1 ]]; then
    echo "== lab part 1: signalled subscriber sessions through lnsd"
    /usr/bin/python3 "$ROOT/tools/lab/run_sessions.py" --build-dir "$BUILD" || rc=1
fi
if [[ $FORWARDING -eq 1 ]]; then
    echo "== lab part 2: forwarding rate, static sessions"
    "$ROOT/tools/lab/run_lab.sh" --build-dir "$BUILD" "$@" || rc=1
fi
exit $rc
