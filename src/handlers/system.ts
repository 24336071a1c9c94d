import { sql } from 'kysely';
import spec from '../../generated/openapi.json';
import type { Handlers } from '../http/handler';
import { apiReferencePage, servedDocument } from '../pages/apiReference';
import { docsAsset } from '../pages/assets';

export const systemHandlers = {
  getHealth: async ({ deps }) => {
    await sql`SELECT 1`.execute(deps.db);
    return { status: 200, body: { status: 'ok' } };
  },
  getApiReference: () => ({
    status: 200,
    html: apiReferencePage(),
    headers: { 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'" },
  }),
  getApiReferenceAsset: ({ path }) => {
    const asset = docsAsset(path.asset);
    return { status: 200, html: asset.body, headers: { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=3600' } };
  },
  getOpenApiDocument: ({ deps }) => ({ status: 200, body: servedDocument(spec as Record<string, unknown>, deps.config.issuer) }),
} satisfies Partial<Handlers>;
