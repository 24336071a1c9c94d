import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The app is its own project inside Keyhaven's tree: pin the roots to this directory, so Next does not
 * take Keyhaven's package-lock.json for a workspace root.
 */
export default {
  outputFileTracingRoot: here,
  turbopack: { root: here },
};
