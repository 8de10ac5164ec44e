#!/usr/bin/env bash
# Builds the npm package into dist/: the wasm artefacts (emcmake) and the TypeScript host.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-wasm.sh
npm run build:js
# The ingest Lambda loads the validator from its own folder, so that folder alone is the asset.
cp dist/wasm/clickstream.node.mjs examples/ingest/lambda/
