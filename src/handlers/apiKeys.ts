import type { Deps } from '../deps';
import { principalOf, type Handlers } from '../http/handler';
import type { SecurityHandler } from '../http/security';
import { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from '../services/apiKeys';
import { requireAdmin } from '../services/tenants';

export const apiKeyHandlers = {
  createApiKey: async (ctx) => {
    const admin = await requireAdmin(ctx.deps, principalOf(ctx));
    return { status: 201, body: await createApiKey(ctx.deps, admin, ctx.body) };
  },
  listApiKeys: async (ctx) => {
    const admin = await requireAdmin(ctx.deps, principalOf(ctx));
    return { status: 200, body: { apiKeys: await listApiKeys(ctx.deps, admin) } };
  },
  revokeApiKey: async (ctx) => {
    const admin = await requireAdmin(ctx.deps, principalOf(ctx));
    return { status: 200, body: await revokeApiKey(ctx.deps, admin, ctx.query.id) };
  },
} satisfies Partial<Handlers>;

/**
 * API-key credentials (seed 000's auth matrix): `Authorization: Bearer krn_…` or `X-API-Key: krn_…`.
 * The bearer handler accepts only krn_ tokens, leaving other bearer tokens to the oauthBearer scheme.
 */
export function apiKeySecurityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    apiKeyBearer: async (c) => {
      const m = /^Bearer\s+(krn_\S+)$/i.exec(String(c.request.headers.authorization ?? ''));
      return m ? authenticateApiKey(deps, m[1]) : undefined;
    },
    apiKeyHeader: async (c) => {
      const value = c.request.headers['x-api-key'];
      return typeof value === 'string' && value.startsWith('krn_') ? authenticateApiKey(deps, value) : undefined;
    },
  };
}
