// After tsc: the two entries that ship as bundles.
//   dist/index.js               the browser entry, bundled with the host modules it reaches and
//                               minified (its size is issue 3's budget; docs/size.md)
//   dist/wasm/clickstream.node.mjs  the node artefact: the loader and the wasm inline, one file,
//                               so no fs read breaks when Next.js bundles it for the server and
//                               examples/ingest/lambda/ can carry it alone
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

// The browser artefact's cs_* exports get one-letter names, and the bundle calls them by those:
// spelled out, each name would ship twice, in the wasm and in the JS (0.4 KB gz). The source and
// docs/wasm-abi.md keep the ABI's names; build/wasm keeps the artefact as linked.
function shortenExports(wasm) {
  const leb = (at) => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = wasm[at++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return [value, at];
  };
  const toLeb = (value) => {
    const out = [];
    do {
      out.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
      value >>>= 7;
    } while (value);
    return out;
  };
  const names = new Map();
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const parts = [wasm.subarray(0, 8)];
  for (let at = 8; at < wasm.length;) {
    const id = wasm[at];
    const [size, start] = leb(at + 1);
    const end = start + size;
    if (id !== 7) {
      parts.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = leb(start);
    const body = [...toLeb(count)];
    while (count--) {
      const [length, from] = leb(p);
      let name = wasm.subarray(from, from + length).toString();
      p = from + length;
      if (name.startsWith('cs_')) {
        names.set(name, letters[names.size]);
        name = names.get(name);
      }
      const kind = wasm[p++];
      const [index, next] = leb(p);
      p = next;
      body.push(...toLeb(name.length), ...Buffer.from(name), kind, ...toLeb(index));
    }
    parts.push(Buffer.from([7, ...toLeb(body.length), ...body]));
    at = end;
  }
  if (names.size > letters.length) throw new Error('more cs_* exports than letters');
  return { wasm: Buffer.concat(parts), names };
}

const linked = shortenExports(fs.readFileSync(path.join(root, 'build/wasm/wasm/clickstream.wasm')));
fs.writeFileSync(path.join(dist, 'wasm/clickstream.wasm'), linked.wasm);
const common = { bundle: true, format: 'esm', target: 'es2020', logLevel: 'warning' };

await build({
  ...common,
  entryPoints: [path.join(dist, 'index.js')],
  outfile: path.join(dist, 'index.js'),
  allowOverwrite: true,
  minify: true,
  // Members named `_x` are the host's own (docs/js.md's API has none): minified like locals. The
  // loader's object keeps the ABI's names (docs/wasm-abi.md).
  mangleProps: /^_/,
  reserveProps: /^_(cs_|malloc$|free$|initialize$)/,
  legalComments: 'none',
  write: false,
}).then(({ outputFiles: [bundle] }) => {
  // The loader's `_cs_x` (or `cs_x`, the raw export) names, as shortenExports renamed them.
  const text = bundle.text.replace(/(?<![\w$])(_?)cs_([a-z_]+)/g, (_, prefix, name) => {
    const short = linked.names.get(`cs_${name}`);
    if (!short) throw new Error(`the bundle calls cs_${name}, which the wasm does not export`);
    return prefix + short;
  });
  fs.writeFileSync(bundle.path, text);
});

await build({
  ...common,
  stdin: {
    contents: [
      "import { instantiate } from './module.js';",
      "import wasm from './wasm/clickstream.node.wasm';",
      // The ingest's validator needs no host: it never touches storage.
      'const none = { append: () => true, remove: () => {}, saveState: () => {} };',
      'let compiled;',
      'export default (options = {}) => (compiled ??= WebAssembly.compile(wasm))',
      '  .then((module) => instantiate(module, options.csHost ?? none));',
    ].join('\n'),
    resolveDir: dist,
    sourcefile: 'clickstream.node.mjs',
  },
  outfile: path.join(dist, 'wasm/clickstream.node.mjs'),
  loader: { '.wasm': 'binary' },
  platform: 'node',
});
