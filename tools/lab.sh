#!/bin/bash
# One command from a fresh Debian 12 checkout to a running lab:
#
#   sudo tools/lab.sh [run_lab.sh options]     e.g. --sessions 10000 --duration 10
#
# 1. installs the Debian packages that are missing (tools/install_deps.sh),
# 2. configures and builds lnsd and lns-pktgen into build/ (RelWithDebInfo, -O3),
# 3. runs tools/lab/run_lab.sh: generated config, pcap traffic both ways, lnsd for
#    ~10 s, then packets/s, bits/s and drops by reason.
# Set LNS_BUILD_DIR to build elsewhere.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${LNS_BUILD_DIR:-$ROOT/build}

"$ROOT/tools/install_deps.sh"

echo "lab: building into $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target lnsd lns-pktgen

exec "$ROOT/tools/lab/run_lab.sh" --build-dir "$BUILD" "$@"
