#!/usr/bin/env bash
# Prints the benchmark numbers. They are measurements, not tests: the machine is shared and noisy.
#   native core (Google Benchmark), track() in node and headless Chromium, the ingest handler.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCLICKSTREAM_BUILD_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target clickstream_bench
echo "== native core"
./build/release/bench/clickstream_bench --benchmark_min_time=0.5 "$@"
echo "== track() in node and Chromium"
node bench/track.mjs
echo "== ingest handler"
node examples/ingest/bench/handler.mjs
