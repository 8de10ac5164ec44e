#!/usr/bin/env bash
# Prints the benchmark numbers (Release build). They are measurements, not tests: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCLICKSTREAM_BUILD_BENCH=ON >/dev/null
cmake --build build/release -j"$(nproc)" --target clickstream_bench
./build/release/bench/clickstream_bench --benchmark_min_time=0.5 "$@"
