// Types of the split browser build's glue (dist/wasm/clickstream.mjs, scripts/build-wasm.sh).
import type { CsHost, CsModule } from '../abi.js';

export default function factory(options: {
  csHost: CsHost;
  locateFile?: (path: string) => string;
}): Promise<CsModule>;
