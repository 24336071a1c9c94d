import type { Context } from 'openapi-backend';
import type { Request } from 'express';
import type { Deps } from '../deps';
import type { Principal } from './principal';
import { authenticateSession } from '../services/sessions';

export const SESSION_COOKIE = 'kendr_session';
export const APP_SESSION_HEADER = 'x-kendr-session';

export type SecurityHandler = (c: Context, req: Request) => Promise<Principal | undefined>;

/**
 * One handler per security scheme in openapi/openapi.yaml. A handler returns the principal
 * or undefined; openapi-backend answers 401 when no requirement of the operation is met.
 * Features register their schemes here (see registerSecurity in src/http/backend.ts).
 */
export function coreSecurityHandlers(deps: Deps): Record<string, SecurityHandler> {
  return {
    cookieSession: async (c) => {
      const token = c.request.cookies?.[SESSION_COOKIE];
      if (typeof token !== 'string') return undefined;
      const s = await authenticateSession(deps, token, 'browser');
      return s && { kind: 'browser_session', userId: s.user_id, sessionId: s.id };
    },
    appSession: async (c) => {
      const token = c.request.headers[APP_SESSION_HEADER];
      if (typeof token !== 'string') return undefined;
      const s = await authenticateSession(deps, token, 'app');
      return s && { kind: 'app_session', userId: s.user_id, sessionId: s.id };
    },
  };
}

/** The first principal that satisfied one of the operation's security requirements. */
export function principalFrom(c: Context): Principal | null {
  const results = (c.security ?? {}) as Record<string, unknown>;
  for (const requirement of c.operation?.security ?? []) {
    const names = Object.keys(requirement);
    if (names.length === 0) continue;
    const values = names.map((n) => results[n]);
    if (values.every((v) => v && typeof v === 'object' && !('error' in v))) return values[0] as Principal;
  }
  return null;
}
