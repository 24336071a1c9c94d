import type { Context } from 'openapi-backend';
import type { Request } from 'express';
import type { Deps } from '../../deps';
import { HttpError } from '../errors';
import { clientIp } from '../clientIp';
import { checkClientSecret } from '../../services/oauth/clients';
import { verifyAccessToken } from '../../services/oauth/tokens';
import { bearerToken, requiredScopes, type SecurityHandler } from './types';

// RFC 6749 §2.3.1: id and secret are form-urlencoded before the Basic encoding.
const formDecode = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

/** 403 for a valid token that has none of the requirements' scope sets (RFC 6750 §3.1). */
export function insufficientScope(needed: string[][], granted: string[]): HttpError | undefined {
  if (!needed.length || needed.some((scopes) => scopes.every((s) => granted.includes(s)))) return undefined;
  const scope = needed[0].join(' ');
  return new HttpError(403, 'insufficient_scope', `the token lacks the required scope ${scope}`, {
    headers: { 'WWW-Authenticate': `Bearer realm="keyhaven", error="insufficient_scope", scope="${scope}"` },
  });
}

/** Security handlers of the OAuth surface: clientSecretBasic and oauthBearer (a user's access token). */
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
      return client && { kind: 'oauth_client', clientId: client.clientId };
    },
    oauthBearer: async (c: Context) => {
      const presented = bearerToken(c);
      const token = presented === undefined ? undefined : await verifyAccessToken(deps, presented);
      if (!token || token.userId === null) return undefined;
      const denied = insufficientScope(requiredScopes(c, 'oauthBearer'), token.scopes);
      if (denied) throw denied;
      return { kind: 'oauth', userId: token.userId, clientId: token.clientId, scopes: token.scopes };
    },
  };
}
