import type { Deps } from '../deps';
import type { Mail } from './mail';
import { hashToken, randomToken, safeEqual } from './crypto';
import { normalizeEmail } from '../store/repositories/users';
import type { VerificationRepository } from '../store/repositories/verification';

export const VERIFICATION_TTL_MS = 24 * 3600 * 1000;

export type VerifyOutcome = 'verified' | 'invalid-token' | 'expired-token' | 'invalid-link';

/** Creates a single-use token (256 bits) for the address; only its hash is stored. */
export async function issueVerificationToken(repo: VerificationRepository, userId: number, email: string, now: number): Promise<string> {
  const token = randomToken();
  await repo.insert({ userId, email: normalizeEmail(email), tokenHash: hashToken(token), expiresAt: now + VERIFICATION_TTL_MS }, now);
  return token;
}

export function verificationLink(issuer: string, token: string, email: string): string {
  const q = new URLSearchParams({ token, email });
  return `${issuer}/api/v1/auth/verify?${q}`;
}

export function verificationMail(issuer: string, to: string, token: string): Mail {
  return {
    to,
    subject: 'Verify your email address',
    text: [
      'Welcome to Keyhaven.',
      '',
      'Open this link within 24 hours to verify your email address:',
      verificationLink(issuer, token, to),
      '',
      'If you did not create an account, ignore this message.',
    ].join('\n'),
  };
}

/** Checks and consumes a verification token; the outcome names the /login redirect (seed 003). */
export async function verifyEmail(deps: Deps, token: string | undefined, email: string | undefined): Promise<VerifyOutcome> {
  if (!token || !email) return 'invalid-link';
  const row = await deps.repos.verifications.findByHash(hashToken(token));
  if (!row || row.used_at !== null || !safeEqual(row.email, normalizeEmail(email))) return 'invalid-token';
  const now = deps.clock();
  if (row.expires_at <= now) return 'expired-token';
  return deps.tx(async (repos) => {
    if (!(await repos.verifications.consume(row.id, now))) return 'invalid-token';
    await repos.users.markEmailVerified(row.user_id, now);
    return 'verified';
  });
}

export function loginRedirect(outcome: VerifyOutcome): string {
  return outcome === 'verified' ? '/login?verified=true' : `/login?error=${outcome}`;
}
