// After tsc: the two entries that ship as bundles.
//   dist/index.js               the browser entry, bundled with the host modules it reaches and
//                               minified (its size is issue 3's budget; docs/size.md)
//   dist/wasm/clickstream.node.mjs  the node artefact: the loader and the wasm inline, one file,
//                               so no fs read breaks when Next.js bundles it for the server and
//                               examples/ingest/lambda/ can carry it alone
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
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
