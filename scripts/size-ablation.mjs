// What each capability of the browser core costs in the wasm, gzip -9: the browser artefact is
// built again with that capability's exports made internal, so the linker drops whatever only
// they reach, and the difference is printed. The last variant keeps only what creating a
// tracker (restoring its stored state), tracking an event and sending it need. A measurement for
// docs/size.md, not a test: `npm run size:ablation` after `npm run build` (a wasm link each).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { measure } from './size.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const abi = fs.readFileSync(path.join(root, 'wasm/abi.cpp'), 'utf8');
const exported = [...abi.matchAll(/EMSCRIPTEN_KEEPALIVE [^(]*?(cs_\w+)\(/g)].map((m) => m[1]);
const sending = ['cs_create', 'cs_track', 'cs_next_request', 'cs_request_batch_id',
  'cs_request_url', 'cs_request_body', 'cs_request_beacon'];

const variants = [
  ['page views (attribution, referrer classification)', ['cs_page_view']],
  ['responses (retries, Retry-After, rejections, 413 split)', ['cs_on_response']],
  ['tab reconciliation', ['cs_reload_state']],
  ['identify, reset, consent', ['cs_identify', 'cs_reset', 'cs_set_consent']],
  ['notifications, stats, identity', ['cs_take_notifications', 'cs_stats', 'cs_identity']],
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-ablation-'));
const build = path.join(root, 'build/ablation');
const gz = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

// Quiet unless it fails: then what the tool printed, and the error.
function run(cmd, args) {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'pipe' });
  } catch (e) {
    process.stderr.write(e.stderr ?? '');
    throw e;
  }
}

function variant(internal) {
  const source = path.join(dir, 'abi.cpp');
  let text = abi;
  for (const name of internal) {
    const before = text;
    text = text.replace(new RegExp(`EMSCRIPTEN_KEEPALIVE ([^(]*?)\\b${name}\\(`),
      `[[maybe_unused]] static $1${name}(`);
    if (text === before) throw new Error(`wasm/abi.cpp exports no ${name}`);
  }
  fs.writeFileSync(source, text);
  run('emcmake', ['cmake', '-S', '.', '-B', build, '-DCMAKE_BUILD_TYPE=Release',
    '-DCLICKSTREAM_BUILD_TESTS=OFF', `-DCLICKSTREAM_WASM_ABI=${source}`]);
  run('cmake', ['--build', build, '--target', 'clickstream_wasm']);
  return gz(path.join(build, 'wasm/clickstream.wasm'));
}

const row = (label, bytes) => console.log(`${label.padEnd(68)} ${String(bytes).padStart(6)} B gz`);
try {
  const whole = variant([]);
  row('browser wasm as linked (exports by their long names)', whole);
  for (const [label, internal] of variants) row(`  of which ${label}`, whole - variant(internal));
  const floor = variant(exported.filter((n) => !sending.includes(n)));
  row('wasm that can only create, track and send', floor);
  const host = measure().host.gz;
  row('  plus the host JS as it is (dist/index.js)', floor + host);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
