import type { Deps } from '../deps';
import type { Handlers, Result } from '../http/handler';
import { principalOf } from '../http/handler';
import { SESSION_COOKIE } from '../http/security';
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

export const mfaHandlers = {
  manageMfa: async (ctx) => {
    const { deps, body } = ctx;
    const token = body.token ?? '';
    switch (body.action) {
      case 'setup':
        return { status: 200, body: await setupMfa(deps, principalOf(ctx).userId) };
      case 'enable':
        return { status: 200, body: await enableMfa(deps, principalOf(ctx).userId, token) };
      case 'disable':
        return { status: 200, body: await disableMfa(deps, principalOf(ctx).userId, token) };
      case 'verify': {
        if (body.mfa_token) {
          const done = await completeChallenge(deps, body.mfa_token, token);
          return signInWithSecondFactor(deps, done, { ip: ctx.ip, userAgent: ctx.userAgent });
        }
        const p = principalOf(ctx);
        return { status: 200, body: { verified: true, method: await stepUp(deps, p.userId, p.sessionId, token) } };
      }
    }
  },
} satisfies Partial<Handlers>;
