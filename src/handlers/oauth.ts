import type { Handlers } from '../http/handler';
import { authenticateClient } from '../services/oauth/clients';
import { exchangeToken } from '../services/oauth/token';
import { introspect } from '../services/oauth/introspection';
import { revokeToken } from '../services/oauth/tokens';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const basicPresented = (h: Record<string, string | undefined>) => /^basic /i.test(h.authorization ?? '');

type TokenCtx = Pick<Parameters<Handlers['postOAuthToken']>[0], 'deps' | 'body' | 'principal' | 'headers' | 'ip'>;

/** Both token paths, one handler. */
const token = async ({ deps, body, principal, headers, ip }: TokenCtx) => ({
  status: 200 as const,
  body: await exchangeToken(deps, { body, principal, basicPresented: basicPresented(headers), ip }),
  headers: NO_STORE,
});

export const oauthHandlers = {
  postOAuthToken: token,
  postOAuth2Token: token,
  introspectOAuth2Token: async ({ deps, body, principal, headers, ip }) => {
    const caller = await authenticateClient(deps, { principal, basicPresented: basicPresented(headers), body, ip });
    return { status: 200, body: await introspect(deps, caller, body.token), headers: NO_STORE };
  },
  revokeOAuth2Token: async ({ deps, body, principal, headers, ip }) => {
    const caller = await authenticateClient(deps, { principal, basicPresented: basicPresented(headers), body, ip });
    await revokeToken(deps, caller.clientId, body.token);
    // RFC 7009 §2.2: 200 with an empty body, whether or not the token was known.
    return { status: 200, body: undefined };
  },
} satisfies Partial<Handlers>;
