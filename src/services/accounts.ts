import type { Deps } from '../deps';
import { HttpError, conflict, forbidden, unauthorized } from '../http/errors';
import type { Limit } from './rateLimit';
import { createSession, revokeSession } from './sessions';
import { createPersonalTenant } from './tenants';
import { mfaGate, type MfaRequiredAnswer } from './mfa';
import { assertPasswordLoginAllowed } from './sso/config';
import { normalizeEmail, type User } from '../store/repositories/users';
import type { Session } from '../store/repositories/sessions';
import { translateDbError } from '../store/errors';
import { checkPassword } from './management/passwordImport';
import { recordFailedSignIn, recordSignIn } from './management/users';

export type { User };
export type SessionKind = Session['kind'];
export const SESSION_HEADER_NAME = 'X-Kendr-Session' as const;

/** Seed 000's user object, the same on every session response. */
export interface SessionUser {
  id: number;
  email: string;
  full_name: string | null;
  credit_balance: number;
}

export const sessionUser = (u: User): SessionUser => ({
  id: u.id,
  email: u.email ?? '',
  full_name: u.full_name,
  credit_balance: u.credit_balance,
});

/** When the session ends if it is not used again: the idle expiry, never past the absolute one. */
export const sessionExpiresAt = (s: Pick<Session, 'idle_expires_at' | 'expires_at'>): string =>
  new Date(Math.min(s.idle_expires_at, s.expires_at)).toISOString();

/** Generous per-IP limit on account creation (KEYHAVEN_REGISTER_ATTEMPTS_IP per hour, default 20). */
export const registrationLimit = (deps: Deps, ip: string): Limit => ({
  bucket: `api-register:ip:${ip}`,
  max: deps.config.registerAttemptsPerIp,
  windowSeconds: 3600,
});

export const loginLimits = (deps: Deps, email: string, ip: string): { account: Limit; ip: Limit } => ({
  account: { bucket: `login:acct:${normalizeEmail(email)}`, max: deps.config.loginAttemptsPerAccount, windowSeconds: deps.config.loginWindowSeconds },
  ip: { bucket: `login:ip:${ip}`, max: deps.config.loginAttemptsPerIp, windowSeconds: deps.config.loginWindowSeconds },
});

const invalidCredentials = () => unauthorized('email or password is incorrect', 'invalid_credentials');

/**
 * Creates a user with a password, its email identity and a personal playground tenant (as seed 003's
 * registration does, so that both entry points give the same model). 409 when the email is taken.
 */
export async function registerWithPassword(
  deps: Deps,
  input: { email: string; password: string; fullName?: string | null; ip: string },
): Promise<User> {
  await deps.rateLimiter.consume(registrationLimit(deps, input.ip));
  if (await deps.repos.users.findByEmail(input.email)) throw conflict('an account with this email already exists', 'email_taken');
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock();
  const fullName = input.fullName?.trim() || null;
  try {
    return await deps.tx(async (repos) => {
      const user = await repos.users.create({ email: input.email, fullName }, passwordHash, now);
      await createPersonalTenant(repos.tenants, user.id, fullName ?? normalizeEmail(input.email), now);
      return user;
    });
  } catch (err) {
    const e = translateDbError(err);
    // A concurrent registration of the same email won the race.
    if (e instanceof HttpError && e.status === 409) throw conflict('an account with this email already exists', 'email_taken');
    throw err;
  }
}

/**
 * Checks an email and password. Every attempt counts against the account's and the IP's window
 * (429 with Retry-After once exceeded, for unknown emails too); a success clears the account's count.
 * Unknown email and wrong password give the same 401 after the same argon2 work.
 */
export async function authenticatePassword(deps: Deps, input: { email: string; password: string; ip: string }): Promise<User> {
  const limits = loginLimits(deps, input.email, input.ip);
  await deps.rateLimiter.consume(limits.ip, limits.account);
  const user = await deps.repos.users.findByEmail(input.email);
  const credential = user && (await deps.repos.managedUsers.passwordCredential(user.id));
  if (!user || !credential) {
    await deps.passwords.verifyDummy(input.password);
    throw invalidCredentials();
  }
  // Keyhaven's argon2id hash, or one imported through the management API (checked by its own method).
  const check = await checkPassword(deps, credential, input.password);
  if (!check.ok) {
    await recordFailedSignIn(deps, user.id);
    throw invalidCredentials();
  }
  // A hash stored before passwords were normalised, or an imported one, is replaced by argon2id on its first success.
  if (check.rehash) await deps.repos.users.setPasswordHash(user.id, check.rehash, deps.clock());
  // Only the holder of the password learns that the account is suspended.
  if (user.suspended) throw forbidden('this account is suspended', 'account_suspended');
  // A tenant that enforces SSO refuses password sign-in (told only to the holder of the password).
  await assertPasswordLoginAllowed(deps, user.id);
  await deps.rateLimiter.reset(limits.account);
  await recordSignIn(deps, user.id, { type: 'email', value: input.email });
  return user;
}

export interface SignedIn {
  ok: true;
  authenticated: true;
  user: SessionUser;
  token: string;
  session: Session;
}

/**
 * The one step after a correct password, for both flows: the MFA gate (a challenge instead of a
 * session when the user has MFA on), otherwise a new session of `kind`.
 */
export async function completeLogin(
  deps: Deps,
  user: User,
  kind: SessionKind,
  meta: { ip?: string; userAgent?: string } = {},
): Promise<SignedIn | MfaRequiredAnswer> {
  const challenge = await mfaGate(deps, user.id, kind, meta);
  if (challenge) return challenge;
  const { token, session } = await createSession(deps, user.id, kind, { ...meta, amr: ['pwd'] });
  return { ok: true, authenticated: true, user: sessionUser(user), token, session };
}

/** A fresh registration signs in at once (no MFA can be on yet). */
export async function completeRegistration(deps: Deps, user: User, kind: SessionKind, meta: { ip?: string; userAgent?: string } = {}): Promise<SignedIn> {
  const { token, session } = await createSession(deps, user.id, kind, { ...meta, amr: ['pwd'] });
  return { ok: true, authenticated: true, user: sessionUser(user), token, session };
}

/** The state of an authenticated session (the security handler has checked it is live). */
export async function describeSession(deps: Deps, userId: number, sessionId: string | undefined) {
  const user = await deps.repos.users.findById(userId);
  const session = sessionId ? await deps.repos.sessions.findById(sessionId) : undefined;
  if (!user || !session) throw unauthorized();
  return { ok: true as const, authenticated: true as const, user: sessionUser(user), session };
}

export async function logout(deps: Deps, sessionId: string | undefined): Promise<void> {
  if (sessionId) await revokeSession(deps, sessionId);
}
