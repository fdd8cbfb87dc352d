#!/bin/sh
# Wrapper: see perf/run_pipeline.py for what it measures and its options.
exec /usr/bin/python3 "$(dirname "$0")/run_pipeline.py" "$@"
