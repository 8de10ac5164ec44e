// What the end-to-end test and `npm run shop` share: the SDK build when dist/ is missing or older
// than its sources, `next build` with the collector's endpoint, and `next start`/`next dev` on
// 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const shopDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(shopDir, '../..');
const next = path.join(shopDir, 'node_modules/next/dist/bin/next');

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}`);
}

/** The wasm needs emscripten (scripts/build.sh); the TypeScript alone is a quick tsc. */
export function ensureSdkBuilt() {
  const dist = path.join(repoRoot, 'dist');
  if (!existsSync(path.join(dist, 'wasm/clickstream.wasm'))) {
    run('bash', ['scripts/build.sh'], { cwd: repoRoot });
    return;
  }
  const src = path.join(repoRoot, 'wasm/src');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(path.join(src, f)).mtimeMs));
  const built = existsSync(path.join(dist, 'next.js')) ? statSync(path.join(dist, 'next.js')).mtimeMs : 0;
  if (newest > built) run('npx', ['tsc', '-p', 'wasm/tsconfig.json'], { cwd: repoRoot });
}

/** A port free on 127.0.0.1 right now (next start takes a port number, not 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const env = (endpoint) => ({ ...process.env, NEXT_TELEMETRY_DISABLED: '1',
  NEXT_PUBLIC_CLICKSTREAM_ENDPOINT: endpoint });

/** `next build`: NEXT_PUBLIC_ values are inlined, so the endpoint is fixed here. */
export function buildShop(endpoint, { quiet = false } = {}) {
  run(process.execPath, [next, 'build'], { cwd: shopDir, env: env(endpoint),
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
}

/**
 * Starts `next start` (or `next dev`) and resolves once it answers; `stop()` ends it and its
 * children (it runs in its own process group).
 */
export async function startShop({ endpoint, port, dev = false, log = false }) {
  const child = spawn(process.execPath, [next, dev ? 'dev' : 'start', '-H', '127.0.0.1', '-p', String(port)],
    { cwd: shopDir, env: env(endpoint), detached: true, stdio: ['ignore', log ? 'inherit' : 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next exited with ${child.exitCode}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(30_000) }); // next dev compiles on the first hit
      return { url, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${url} did not answer within 60 s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
