import type { Deps } from '../../deps';
import { authenticateSession } from '../../services/sessions';
import type { SecurityHandler } from './types';

export const SESSION_COOKIE = 'kendr_session';
export const APP_SESSION_HEADER = 'x-kendr-session';

/** Seed 000's session credentials: the `kendr_session` cookie and the `X-Kendr-Session` header. */
export function sessionSecurityHandlers(deps: Deps): Record<string, SecurityHandler> {
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
