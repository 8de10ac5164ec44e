// Instantiates a clickstream wasm built with -sSTANDALONE_WASM: no Emscripten glue, just the
// module's imports (the storage calls of docs/wasm-abi.md and two runtime hooks) and the UTF-8
// helpers the engine (engine.ts) needs. Both artefacts load through here.
import type { CsHost, CsModule } from './abi.js';

/** The wasm's own exports, as the linker names them. */
type Exports = Record<string, (...args: number[]) => number> & {
  memory: WebAssembly.Memory;
  _initialize(): void;
};

const decoder = /* @__PURE__ */ new TextDecoder();
const encoder = /* @__PURE__ */ new TextEncoder();

/** A fresh instance of `module` (one tracker each), wrapped with Emscripten's names. */
export async function instantiate(module: WebAssembly.Module, host: CsHost): Promise<CsModule> {
  let e: Exports;
  let bytes = new Uint8Array(0);
  let doubles = new Float64Array(0);
  // Growth replaces the memory's buffer; the wasm says so (emscripten_notify_memory_growth), so
  // the views are rebuilt then, not checked on every access.
  const views = (): void => {
    bytes = new Uint8Array(e.memory.buffer);
    doubles = new Float64Array(e.memory.buffer);
  };
  const text = (ptr: number, length = bytes.indexOf(0, ptr) - ptr): string =>
    decoder.decode(bytes.subarray(ptr, ptr + length));
  const imports = {
    cs: {
      // The core's outbox of appended events, taken whole after the calls that filled it.
      pending: () => queueMicrotask(() => e.cs_write_outbox()),
      write: (records: number, length: number) => {
        const parts = text(records, length).split('\0'); // seq, body, seq, body, ..., ''
        for (let i = 0; i + 1 < parts.length; i += 2) host.append(Number(parts[i]), parts[i + 1]);
      },
      remove: (seqs: number, count: number) => host.remove(Array.from(doubles.subarray(seqs >> 3,
        (seqs >> 3) + count))),
      save_state: (key: number, value: number, length: number) => host.saveState(text(key),
        text(value, length)),
    },
    env: { emscripten_notify_memory_growth: views },
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new WebAssembly.RuntimeError(`clickstream wasm aborted (${code})`);
      },
    },
  };
  const instance = await WebAssembly.instantiate(module, imports);
  e = instance.exports as Exports;
  views();
  e._initialize();
  const wrapped: Record<string, unknown> = {
    get HEAPU8() {
      return bytes;
    },
    get HEAPF64() {
      return doubles;
    },
    UTF8ToString: (ptr: number) => text(ptr),
    stringToUTF8: (value: string, ptr: number, maxBytes: number) => {
      // ASCII (event names, most JSON) is stored as it is read: for short strings that beats the
      // call into encodeInto and its subarray.
      const n = value.length;
      let i = 0;
      if (n < maxBytes) {
        for (let c; i < n && (c = value.charCodeAt(i)) < 0x80; i++) bytes[ptr + i] = c;
      }
      const end = i === n ? ptr + n
        : ptr + encoder.encodeInto(value, bytes.subarray(ptr, ptr + maxBytes - 1)).written;
      bytes[end] = 0;
    },
  };
  // Every export as `_name`, Emscripten's way: _cs_track, _malloc, _free (the browser bundle's
  // cs_* names are shortened with the wasm's, scripts/bundle.mjs).
  for (const name of Object.keys(e)) wrapped[`_${name}`] = e[name];
  return wrapped as unknown as CsModule;
}
