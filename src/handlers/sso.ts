import { principalOf, type Handlers } from '../http/handler';
import { configureSso, getSsoConfig } from '../services/sso/config';
import { completeSso, createAuthUrl, startSso } from '../services/sso/flow';
import { requireAdmin } from '../services/tenants';

export const ssoHandlers = {
  getSsoConfig: async (ctx) => {
    const admin = await requireAdmin(ctx.deps, principalOf(ctx));
    return { status: 200, body: await getSsoConfig(ctx.deps, admin) };
  },
  postSsoAction: async (ctx) => {
    const admin = await requireAdmin(ctx.deps, principalOf(ctx));
    if (ctx.body.action === 'configure') return { status: 200, body: await configureSso(ctx.deps, admin, ctx.body.config) };
    return { status: 200, body: await createAuthUrl(ctx.deps, admin.tenantId, ctx.body) };
  },
  startSso: async (ctx) => {
    const { url } = await startSso(ctx.deps, ctx.query, ctx.ip);
    return { status: 302, redirect: url };
  },
  ssoCallback: async (ctx) => {
    const { token, redirectUri } = await completeSso(ctx.deps, ctx.query, { ip: ctx.ip, userAgent: ctx.userAgent });
    const maxAge = ctx.deps.config.browserSessionAbsoluteSeconds;
    return { status: 302, redirect: redirectUri, cookies: [{ name: 'kendr_session', value: token, maxAge }] };
  },
} satisfies Partial<Handlers>;
