import type { Deps } from '../deps';
import type { Handlers, Result } from '../http/handler';
import { HttpError } from '../http/errors';
import { isUserPrincipal, type Principal, type UserPrincipal } from '../http/principal';
import { SESSION_COOKIE } from '../http/security/sessions';
import { completeChallenge, disableMfa, enableMfa, setupMfa, stepUp, type CompletedChallenge } from '../services/mfa';
import { createSession } from '../services/sessions';

/** A completed sign-in challenge gets the session of its flow, carrying amr ["pwd","otp"]. */
async function signInWithSecondFactor(deps: Deps, done: CompletedChallenge, meta: { ip: string; userAgent?: string }): Promise<Result<'manageMfa'>> {
  const verified = { verified: true as const, method: done.method };
  const { token, session } = await createSession(deps, done.userId, done.flow, { ...meta, amr: done.amr });
  if (done.flow === 'app') {
    return { status: 200, body: { ...verified, session: { token, header_name: 'X-Kendr-Session', expires_at: new Date(session.expires_at).toISOString() } } };
  }
  return { status: 200, body: verified, cookies: [{ name: SESSION_COOKIE, value: token, maxAge: deps.config.browserSessionAbsoluteSeconds }] };
}

/**
 * The signed-in caller (session or `app`-scoped access token). The operation also admits anonymous
 * callers for `mfa_token`, so the 401 and its challenge (RFC 7235 §4.1) are given here.
 */
function signedIn(ctx: { principal: Principal | null; headers: Record<string, string | undefined>; cookies: Record<string, string | undefined> }): UserPrincipal {
  if (isUserPrincipal(ctx.principal)) return ctx.principal;
  const presented = Boolean(ctx.headers.authorization || ctx.headers['x-kendr-session'] || ctx.cookies[SESSION_COOKIE]);
  throw new HttpError(401, presented ? 'invalid_token' : 'unauthorized', presented ? 'credentials are invalid, expired or revoked' : 'authentication required', {
    headers: { 'WWW-Authenticate': `Bearer realm="keyhaven"${presented ? ', error="invalid_token"' : ''}` },
  });
}

export const mfaHandlers = {
  manageMfa: async (ctx) => {
    const { deps, body } = ctx;
    const token = body.token ?? '';
    switch (body.action) {
      case 'setup':
        return { status: 200, body: await setupMfa(deps, signedIn(ctx).userId) };
      case 'enable':
        return { status: 200, body: await enableMfa(deps, signedIn(ctx).userId, token) };
      case 'disable':
        return { status: 200, body: await disableMfa(deps, signedIn(ctx).userId, token) };
      case 'verify': {
        if (body.mfa_token) {
          const done = await completeChallenge(deps, body.mfa_token, token);
          return signInWithSecondFactor(deps, done, { ip: ctx.ip, userAgent: ctx.userAgent });
        }
        const p = signedIn(ctx);
        return { status: 200, body: { verified: true, method: await stepUp(deps, p.userId, 'sessionId' in p ? p.sessionId : undefined, token) } };
      }
    }
  },
} satisfies Partial<Handlers>;
