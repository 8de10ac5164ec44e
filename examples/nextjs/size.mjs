// The SDK's share of the shop's client download, gzip -9, from the last `next build`:
//   node examples/nextjs/size.mjs
// Turbopack hoists the SDK's modules into one module of a chunk that also carries the shop's
// components, so chunks are split into their modules (`,<id>,a=>{`) and only modules holding an
// SDK string count: the loader's error message or the React bindings'.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { shopDir } from './servers.mjs';

const MARKERS = ['clickstream wasm', 'clickstream-sdk/react'];
const gz = (b) => gzipSync(b, { level: 9 }).length;

function modules(text) {
  const starts = [...text.matchAll(/[[,](\d+),\w=>\{/g)].map((m) => m.index + 1);
  return starts.length ? starts.map((s, i) => text.slice(s, starts[i + 1] ?? text.length)) : [text];
}

async function files(dir, ext) {
  const out = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile() && e.name.endsWith(ext)) out.push(path.join(e.parentPath, e.name));
  return out;
}

export async function measure(nextDir = path.join(shopDir, '.next')) {
  const sdk = [];
  let jsGz = 0;
  for (const file of await files(path.join(nextDir, 'static/chunks'), '.js')) {
    const text = await readFile(file, 'utf8');
    jsGz += gz(text);
    const own = modules(text).filter((m) => MARKERS.some((k) => m.includes(k)));
    if (own.length) sdk.push({ file: path.basename(file), bytes: own.join('').length, gz: gz(own.join('')) });
  }
  const wasm = [];
  for (const file of await files(path.join(nextDir, 'static/media'), '.wasm')) {
    const data = await readFile(file);
    wasm.push({ file: path.basename(file), bytes: data.length, gz: gz(data) });
  }
  const sum = (list) => list.reduce((s, x) => s + x.gz, 0);
  return { sdk, wasm, sdkJsGz: sum(sdk), wasmGz: sum(wasm), jsGz, totalGz: jsGz + sum(wasm) };
}

export function format(m) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const pct = (n) => `${((100 * n) / m.totalGz).toFixed(1)} %`;
  return [
    ...m.sdk.map((x) => `  SDK JS in ${x.file}: ${x.bytes} B raw, ${kb(x.gz)} gz`),
    ...m.wasm.map((x) => `  wasm ${x.file}: ${x.bytes} B raw, ${kb(x.gz)} gz`),
    `SDK: ${kb(m.sdkJsGz)} JS + ${kb(m.wasmGz)} wasm = ${kb(m.sdkJsGz + m.wasmGz)} gz ` +
      `(${pct(m.sdkJsGz + m.wasmGz)} of the ${kb(m.totalGz)} the shop ships: ${kb(m.jsGz)} JS, all chunks, + the wasm)`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(path.resolve(process.argv[1] ?? '')).href) console.log(format(await measure()));
