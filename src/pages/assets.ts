import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const swaggerDir = dirname(require.resolve('swagger-ui-dist/package.json'));

const INIT_JS = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const cache = new Map<string, { type: string; body: string }>();

/** The reference page's assets, from swagger-ui-dist in node_modules (read once). */
export function docsAsset(name: 'swagger-ui.css' | 'swagger-ui-bundle.js' | 'init.js') {
  let hit = cache.get(name);
  if (!hit) {
    const body = name === 'init.js' ? INIT_JS : readFileSync(join(swaggerDir, name), 'utf8');
    hit = { type: name.endsWith('.css') ? 'text/css' : 'text/javascript', body };
    cache.set(name, hit);
  }
  return hit;
}
