import type { Deps } from '../deps';
import type { CookieSpec, Handlers } from '../http/handler';
import { sessionOf } from '../http/principal';
import { SESSION_COOKIE } from '../http/security/sessions';
import {
  authenticatePassword,
  completeLogin,
  completeRegistration,
  describeSession,
  logout,
  registerWithPassword,
  sessionExpiresAt,
  type SignedIn,
} from '../services/accounts';

/** The cookie outlives idle periods; the server enforces idle and absolute expiry. */
const sessionCookie = (deps: Deps, token: string): CookieSpec => ({ name: SESSION_COOKIE, value: token, maxAge: deps.config.browserSessionAbsoluteSeconds });
const clearedCookie: CookieSpec = { name: SESSION_COOKIE, value: '', maxAge: 0 };

const browserBody = (s: Omit<SignedIn, 'token'>) => ({
  ok: true as const,
  authenticated: true as const,
  user: s.user,
  session: { expires_at: sessionExpiresAt(s.session) },
});

export const sessionHandlers = {
  browserRegister: async ({ deps, body, ip, userAgent }) => {
    const user = await registerWithPassword(deps, { email: body.email, password: body.password, fullName: body.full_name, ip });
    const signedIn = await completeRegistration(deps, user, 'browser', { ip, userAgent });
    return { status: 201, body: browserBody(signedIn), cookies: [sessionCookie(deps, signedIn.token)] };
  },
  browserLogin: async ({ deps, body, ip, userAgent }) => {
    const user = await authenticatePassword(deps, { email: body.email, password: body.password, ip });
    const outcome = await completeLogin(deps, user, 'browser', { ip, userAgent });
    if (!outcome.authenticated) return { status: 200, body: outcome };
    return { status: 200, body: browserBody(outcome), cookies: [sessionCookie(deps, outcome.token)] };
  },
  getBrowserSession: async (ctx) => {
    const p = sessionOf(ctx.principal);
    return { status: 200, body: browserBody(await describeSession(ctx.deps, p.userId, p.sessionId)) };
  },
  browserLogout: async (ctx) => {
    await logout(ctx.deps, sessionOf(ctx.principal).sessionId);
    return { status: 200, body: { ok: true }, cookies: [clearedCookie] };
  },
} satisfies Partial<Handlers>;
