#!/usr/bin/env bash
# The demo: builds everything, then sends events from the native example and from a headless
# Chromium page to the local collector, and prints the inspect summary of what it stored.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$(nproc)" --target clickstream_example
node scripts/demo.mjs
