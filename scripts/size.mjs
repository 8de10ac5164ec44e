// The browser entry's size as a page downloads it: the JS reachable from dist/index.js (one
// bundle, scripts/bundle.mjs) and the .wasm it fetches, each gzip -9. `node scripts/size.mjs`
// prints the table.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

function gz(bytes) {
  return zlib.gzipSync(bytes, { level: 9 }).length;
}

// Static and dynamic imports of relative modules, followed from the entry.
function moduleGraph(entry) {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
      walk(path.resolve(path.dirname(file), m[1]));
    }
  };
  walk(entry);
  return [...seen];
}

export function measure() {
  const host = moduleGraph(path.join(dist, 'index.js'));
  const rows = {
    host: { files: host.length, gz: gz(Buffer.concat(host.map((f) => fs.readFileSync(f)))) },
    wasm: { files: 1, gz: gz(fs.readFileSync(path.join(dist, 'wasm/clickstream.wasm'))) },
  };
  return { ...rows, total: rows.host.gz + rows.wasm.gz };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const m = measure();
  for (const [name, row] of Object.entries(m)) {
    if (name !== 'total') console.log(`${name.padEnd(5)} ${String(row.files).padStart(2)} file(s) ${(row.gz / 1024).toFixed(1).padStart(6)} KB gz`);
  }
  console.log(`total            ${(m.total / 1024).toFixed(1).padStart(6)} KB gz (target 20 KB)`);
}
