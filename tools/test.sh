#!/bin/bash
# Builds lnsd and runs the whole test suite on a Debian 12 machine, as root:
#   unit tests (GoogleTest), the same unit tests under ASan+UBSan, golden pcap
#   tests (lnsd on net_pcap, checked with scapy and tshark), integration tests in
#   network namespaces (lnsd on net_af_packet over veth pairs), and every libFuzzer
#   target for a short run.  Installs what it needs first (tools/install_deps.sh).
# The last line printed is "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)
fail() { echo "FAILED: $*"; echo "0 passed, 1 failed"; exit 1; }
step() { echo; echo "=== $* ==="; }

step "dependencies"
bash tools/install_deps.sh || fail "dependency installation"

step "build: release, warnings as errors"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLNS_WERROR=ON >/dev/null || fail "cmake (release)"
cmake --build build -j"$jobs" 2>&1 | grep -Ev '^\[ *[0-9]+%\] (Building|Linking)' ; [ "${PIPESTATUS[0]}" -eq 0 ] || fail "build (release)"

step "build: unit tests with ASan+UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLNS_SANITIZE=ON -DLNS_BUILD_PERF=OFF -DLNS_WERROR=ON >/dev/null || fail "cmake (asan)"
cmake --build build-asan --target lns_unit_tests -j"$jobs" 2>&1 | grep -Ev '^\[ *[0-9]+%\] (Building|Linking)' ; [ "${PIPESTATUS[0]}" -eq 0 ] || fail "build (asan)"

step "build: fuzz targets (clang + libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLNS_FUZZ=ON -DLNS_BUILD_TESTS=OFF -DLNS_BUILD_PERF=OFF >/dev/null || fail "cmake (fuzz)"
cmake --build build-fuzz -j"$jobs" 2>&1 | grep -Ev '^\[ *[0-9]+%\] (Building|Linking)' ; [ "${PIPESTATUS[0]}" -eq 0 ] || fail "build (fuzz)"

cmake -S . -B build -DLNS_ASAN_UNIT_TESTS="$root/build-asan/tests/lns_unit_tests" -DLNS_FUZZ_DIR="$root/build-fuzz/tests/fuzz" >/dev/null || fail "cmake (test registration)"

step "tests"
log=$(mktemp)
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 900 2>&1 | tee "$log"
summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
rm -f "$log"
[ -n "$summary" ] || fail "ctest printed no summary"
failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
echo "$((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
