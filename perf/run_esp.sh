#!/bin/sh
# Wrapper: see perf/run_esp.py for what it measures and its options.
exec /usr/bin/python3 "$(dirname "$0")/run_esp.py" "$@"
