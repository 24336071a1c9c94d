import { principalOf, type Handlers } from '../http/handler';
import { createApiKey, listApiKeys, revokeApiKey } from '../services/apiKeys';
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
