#!/usr/bin/env bash
# `make bench`: every benchmark in one run, its output kept under benchmarks/results/ so a
# figure in the README can be traced to the run that printed it. Stops at the first benchmark
# that fails (any error it saw), after saving what was printed so far.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
mkdir -p benchmarks/results
out="benchmarks/results/$(date -u +%Y-%m-%d_%H%M).txt"
echo "recording to $out"
{
  for bench in startup news_samples knowledge dense_scale html_pages mcp nuget tracing chat load_chat metrics insights_grouping conversations sources; do
    echo
    "$PY" -m "benchmarks.$bench"
  done
} 2>&1 | tee "$out"
