// Types of the single-file node/SSR build's glue (dist/wasm/clickstream.node.mjs).
import type { CsHost, CsModule } from '../abi.js';

export default function factory(options: { csHost: CsHost }): Promise<CsModule>;
