import type { Handlers } from '../http/handler';
import { sessionOf } from '../http/principal';
import {
  SESSION_HEADER_NAME,
  authenticatePassword,
  completeLogin,
  completeRegistration,
  describeSession,
  logout,
  registerWithPassword,
  sessionExpiresAt,
  type SignedIn,
} from '../services/accounts';

const appBody = (s: SignedIn) => ({
  ok: true as const,
  authenticated: true as const,
  user: s.user,
  session: { token: s.token, header_name: SESSION_HEADER_NAME, expires_at: sessionExpiresAt(s.session) },
});

export const appSessionHandlers = {
  appRegister: async ({ deps, body, ip, userAgent }) => {
    const user = await registerWithPassword(deps, { email: body.email, password: body.password, fullName: body.full_name, ip });
    return { status: 201, body: appBody(await completeRegistration(deps, user, 'app', { ip, userAgent })) };
  },
  appLogin: async ({ deps, body, ip, userAgent }) => {
    const user = await authenticatePassword(deps, { email: body.email, password: body.password, ip });
    const outcome = await completeLogin(deps, user, 'app', { ip, userAgent });
    return { status: 200, body: outcome.authenticated ? appBody(outcome) : outcome };
  },
  getAppSession: async (ctx) => {
    const p = sessionOf(ctx.principal);
    const s = await describeSession(ctx.deps, p.userId, p.sessionId);
    return { status: 200, body: { ...s, session: { header_name: SESSION_HEADER_NAME, expires_at: sessionExpiresAt(s.session) } } };
  },
  appLogout: async (ctx) => {
    await logout(ctx.deps, sessionOf(ctx.principal).sessionId);
    return { status: 200, body: { ok: true } };
  },
} satisfies Partial<Handlers>;
