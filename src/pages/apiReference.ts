import { FAVICON_LINK } from './favicon';

/** The API reference page: Swagger UI, served from /docs/assets by this server (no CDN). */
export function apiReferencePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyhaven API reference</title>
${FAVICON_LINK}
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>`;
}

const served = new Map<string, Record<string, unknown>>();

/**
 * The bundled document as this server serves it: `servers` names this server's issuer instead of the
 * development address in openapi.yaml, so that "Try it out" on /docs calls the server that serves it.
 */
export function servedDocument(spec: Record<string, unknown>, issuer: string): Record<string, unknown> {
  let doc = served.get(issuer);
  if (!doc) {
    doc = { ...spec, servers: [{ url: issuer, description: 'This server' }] };
    served.set(issuer, doc);
  }
  return doc;
}
