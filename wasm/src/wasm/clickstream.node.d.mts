// Types of the node/SSR artefact (dist/wasm/clickstream.node.mjs, scripts/bundle.mjs): the
// loader with the wasm inline.
import type { CsHost, CsModule } from '../abi.js';

export default function factory(options?: { csHost?: CsHost }): Promise<CsModule>;
