#!/bin/sh
# Wrapper: see perf/run_ppp_setup_rate.py for what it measures and its options.
exec /usr/bin/python3 "$(dirname "$0")/run_ppp_setup_rate.py" "$@"
