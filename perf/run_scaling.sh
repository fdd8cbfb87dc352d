#!/bin/sh
# Wrapper: see perf/run_scaling.py for what it measures and its options.
exec /usr/bin/python3 "$(dirname "$0")/run_scaling.py" "$@"
