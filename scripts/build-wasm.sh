#!/usr/bin/env bash
# Builds the wasm artefacts (and the wasm core suite) in build/wasm and copies the artefacts to
# dist/wasm/. Needs scripts/setup.sh to have run (emscripten, node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."

emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/wasm -j"$(nproc)"

artefacts=(clickstream.wasm clickstream.node.wasm)
mkdir -p dist/wasm
for f in "${artefacts[@]}"; do cp "build/wasm/wasm/$f" dist/wasm/; done

echo "wasm artefacts in dist/wasm (bytes, gzip -9):"
for f in "${artefacts[@]}"; do
  printf '  %-22s %8d %8d\n' "$f" "$(wc -c <"dist/wasm/$f")" "$(gzip -9c "dist/wasm/$f" | wc -c)"
done
