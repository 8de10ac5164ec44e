#!/usr/bin/env bash
# The demo: builds the native example and sends the seed's sample events to a sink on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$(nproc)" --target clickstream_example

# A stand-in for the ingest: answers 200 and prints each batch it stores.
sink_log=$(mktemp)
node --input-type=module -e '
import http from "node:http";
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const events = JSON.parse(body);
    const url = new URL(req.url, "http://x");
    console.log(`stored batch ${url.searchParams.get("batch_id")}: ` +
                events.map((e) => e.event_name).join(", "));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ accepted: events.length, rejected: [] }));
  });
});
server.listen(0, "127.0.0.1", () => console.log(`port ${server.address().port}`));
' >"$sink_log" &
sink=$!
trap 'kill $sink 2>/dev/null; rm -f "$sink_log"' EXIT
for _ in $(seq 50); do grep -q '^port ' "$sink_log" && break; sleep 0.1; done
port=$(sed -n 's/^port //p' "$sink_log")

echo "== native example → http://127.0.0.1:$port/clickstream"
./build/release/examples/native/clickstream_example --endpoint "http://127.0.0.1:$port/clickstream" \
  --queue "$(mktemp -d)"
echo "== what the sink stored"
grep '^stored' "$sink_log"
