import type { Context } from 'openapi-backend';
import type { Request } from 'express';
import type { Deps } from '../deps';
import type { Handlers } from '../http/handler';
import { HttpError } from '../http/errors';
import type { SecurityHandler } from '../http/security';
import { clientIp } from '../http/backend';
import { authenticateClient, checkClientSecret } from '../services/oauth/clients';
import { exchangeToken } from '../services/oauth/token';
import { introspect } from '../services/oauth/introspection';
import { revokeToken, verifyAccessToken } from '../services/oauth/tokens';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
const basicPresented = (h: Record<string, string | undefined>) => /^basic /i.test(h.authorization ?? '');

// RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding.
const formDecode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

/** Security handlers of the OAuth surface: clientSecretBasic and oauthBearer. */
export function oauthSecurityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    clientSecretBasic: async (c: Context, req: Request) => {
      const m = /^basic ([A-Za-z0-9+/=]+)$/i.exec(String(c.request.headers.authorization ?? ''));
      if (!m) return undefined;
      const decoded = Buffer.from(m[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 1) return undefined;
      const clientId = formDecode(decoded.slice(0, colon));
      const secret = formDecode(decoded.slice(colon + 1));
      if (!clientId || secret === undefined) return undefined;
      const client = await checkClientSecret(deps, clientId, secret, clientIp(deps, req));
      return client && { kind: 'oauth_client', userId: 0, clientId: client.clientId };
    },
    oauthBearer: async (c: Context) => {
      const m = /^bearer ([\x21-\x7e]+)$/i.exec(String(c.request.headers.authorization ?? ''));
      if (!m) return undefined;
      const token = await verifyAccessToken(deps, m[1]);
      if (!token || token.userId === null) return undefined;
      // Any requirement naming oauthBearer whose scopes the token has all of will do.
      const needed = (c.operation.security ?? []).filter((r) => 'oauthBearer' in r).map((r) => r.oauthBearer ?? []);
      if (needed.length && !needed.some((scopes) => scopes.every((s) => token.scopes.includes(s)))) {
        const scope = needed[0].join(' ');
        throw new HttpError(403, 'insufficient_scope', `the token lacks the required scope ${scope}`, {
          headers: { 'WWW-Authenticate': `Bearer realm="keyhaven", error="insufficient_scope", scope="${scope}"` },
        });
      }
      return { kind: 'oauth', userId: token.userId, clientId: token.clientId, scopes: token.scopes };
    },
  };
}

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
