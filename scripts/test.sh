#!/usr/bin/env bash
# Every test: formatting, the native suites in Release and under ASan+UBSan, the wasm artefacts
# and the core suite in wasm, the JS host, the browser end to end, and the ingest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

echo "== clang-format"
git ls-files '*.hpp' '*.cpp' | xargs clang-format --dry-run --Werror

echo "== native, Release"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCLICKSTREAM_BUILD_BENCH=ON >/dev/null
cmake --build build/release -j"$jobs"
ctest --test-dir build/release --output-on-failure

echo "== native, AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCLICKSTREAM_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure

echo "== wasm"
bash scripts/build-wasm.sh
ctest --test-dir build/wasm --output-on-failure

echo "== JS host"
npm run build:js
node --test tests/js/

echo "== browser end to end (headless Chromium)"
node --test tests/browser/

echo "== ingest"
# The Lambda's copy of the validator, from the wasm just built (scripts/build.sh makes the same copy).
cp dist/wasm/clickstream.node.mjs examples/ingest/lambda/
node --test examples/ingest/test/

echo "== Next.js shop end to end (next build + start, next dev, headless Chromium)"
NEXT_TELEMETRY_DISABLED=1 node --test examples/nextjs/test/
