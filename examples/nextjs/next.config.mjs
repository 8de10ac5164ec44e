// The SDK is installed from ../.. as a symlink: Turbopack only follows it inside its root.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default {
  turbopack: { root },
};
