#!/usr/bin/env bash
# The demo: builds everything, then sends events from the native example and from the Next.js shop
# (headless Chromium, the seed's scenario) to the local collector, and prints the inspect summary
# of what it stored. `npm run shop` runs the collector and the shop for clicking around by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$(nproc)" --target clickstream_example
NEXT_TELEMETRY_DISABLED=1 node scripts/demo.mjs
