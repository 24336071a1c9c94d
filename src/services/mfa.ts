import { createHmac } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { MfaBackupCodes } from '../../generated/client';
import type { Deps } from '../deps';
import { HttpError, conflict, unauthorized } from '../http/errors';
import type { MfaFlow } from '../store/repositories/mfa';
import { hashToken, randomString, randomToken } from './crypto';
import type { Limit } from './rateLimit';

export type MfaMethod = 'totp' | 'backup_code';
export type { MfaFlow };

const STEP_SECONDS = 30;
const BACKUP_CODE_COUNT = 8;
const BACKUP_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CHALLENGE_TTL_MS = 5 * 60_000;
const CHALLENGE_MAX_ATTEMPTS = 5;
/** Authentication methods (RFC 8176) of a password sign-in completed with a second factor. */
export const MFA_AMR = ['pwd', 'otp'];

/** Seed 003: verify is limited to 3 attempts per 60 s; enable/disable get their own, looser bucket. */
export const verifyLimit = (userId: number): Limit => ({ bucket: `mfa-verify:${userId}`, max: 3, windowSeconds: 60 });
const manageLimit = (userId: number): Limit => ({ bucket: `mfa-manage:${userId}`, max: 5, windowSeconds: 60 });

/** A wrong, replayed or used code: 400, so that clients do not take it for an invalid session. */
const invalidCode = () => new HttpError(400, 'invalid_code', 'invalid code');
const isTotpFormat = (code: string) => /^[0-9]{6}$/.test(code);
const sealContext = (userId: number) => `mfa-totp:${userId}`;

/** Backup codes are hashed with a key only the server can open (the sealed TOTP secret), so a leaked table cannot be brute-forced. */
const backupHash = (secret: string, code: string) => createHmac('sha256', secret).update(code.toUpperCase()).digest('base64url');

function newBackupCodes(): MfaBackupCodes {
  const codes = new Set<string>();
  while (codes.size < BACKUP_CODE_COUNT) codes.add(randomString(8, BACKUP_ALPHABET));
  return [...codes] as MfaBackupCodes;
}

/** `otpauth://totp/Issuer:email?secret=…&issuer=Issuer`; `@` is left as is in the label, as in the seed. */
function otpauthUrl(issuer: string, label: string, secret: string): string {
  return generateURI({ issuer, label, secret }).replace(/^[^?]*/, (path) => path.replace(/%40/g, '@'));
}

/** The time step a code matches, within one step of drift and after `afterStep`; null otherwise. */
async function matchTotp(secret: string, code: string, nowMs: number, afterStep: number | null): Promise<number | null> {
  if (!isTotpFormat(code)) return null;
  try {
    const r = await verify({
      secret,
      token: code,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: STEP_SECONDS,
      ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
    });
    return r.valid && 'timeStep' in r ? r.timeStep : null;
  } catch {
    return null;
  }
}

async function activeSecret(deps: Deps, userId: number) {
  const row = await deps.repos.mfa.find(userId);
  if (!row?.enabled_at || !row.secret_sealed) throw conflict('MFA is not enabled', 'mfa_not_enabled');
  return { secret: deps.secretBox.open(row.secret_sealed, sealContext(userId)), lastStep: row.last_step };
}

/** Accepts a TOTP code once: the step is claimed atomically, so a replay in the same step fails. */
async function acceptTotp(deps: Deps, userId: number, secret: string, lastStep: number | null, code: string): Promise<boolean> {
  const now = deps.clock();
  const step = await matchTotp(secret, code, now, lastStep);
  return step !== null && (await deps.repos.mfa.claimStep(userId, step, now));
}

export async function isMfaEnabled(deps: Deps, userId: number): Promise<boolean> {
  return deps.repos.mfa.isEnabled(userId);
}

/** What the account page shows: whether TOTP is on and how many unused backup codes remain. */
export async function mfaStatus(deps: Deps, userId: number): Promise<{ enabled: boolean; backupCodesLeft: number }> {
  if (!(await deps.repos.mfa.isEnabled(userId))) return { enabled: false, backupCodesLeft: 0 };
  return { enabled: true, backupCodesLeft: await deps.repos.mfa.countUnusedBackupCodes(userId) };
}

/** setup: a new pending secret; MFA is not active until `enable`. Refused while MFA is on. */
export async function setupMfa(deps: Deps, userId: number): Promise<{ otpauthUrl: string; backupCodes: MfaBackupCodes }> {
  const user = await deps.repos.users.findById(userId);
  if (!user) throw unauthorized();
  if (await deps.repos.mfa.isEnabled(userId)) throw conflict('MFA is already enabled; disable it first', 'mfa_enabled');
  const secret = generateSecret();
  await deps.repos.mfa.setPending(userId, deps.secretBox.seal(secret, sealContext(userId)), deps.clock());
  // Setup's codes are superseded by the fresh set `enable` returns; only that set is stored and valid.
  return { otpauthUrl: otpauthUrl(deps.config.mfaIssuer, user.email ?? user.public_id, secret), backupCodes: newBackupCodes() };
}

/** enable: a valid TOTP for the pending secret activates MFA and returns fresh backup codes. */
export async function enableMfa(deps: Deps, userId: number, code: string): Promise<{ enabled: true; backupCodes: MfaBackupCodes }> {
  await deps.rateLimiter.consume(manageLimit(userId));
  const row = await deps.repos.mfa.find(userId);
  if (row?.enabled_at) throw conflict('MFA is already enabled', 'mfa_enabled');
  if (!row?.pending_secret_sealed) throw conflict('no MFA setup in progress; call setup first', 'mfa_not_set_up');
  const secret = deps.secretBox.open(row.pending_secret_sealed, sealContext(userId));
  const now = deps.clock();
  const step = await matchTotp(secret, code, now, null);
  if (step === null) throw invalidCode();
  const codes = newBackupCodes();
  const activated = await deps.repos.mfa.activate(userId, row.pending_secret_sealed, step, codes.map((c) => backupHash(secret, c)), now);
  if (!activated) throw conflict('the MFA setup changed meanwhile; call setup again', 'mfa_not_set_up');
  return { enabled: true, backupCodes: codes };
}

/** Authenticator apps show "123 456"; people type backup codes in groups: spaces and dashes are not part of a code. */
const normalizeCode = (code: string) => code.replace(/[\s-]/g, '');

/** verify: a TOTP code (once per step) or an unused backup code. 3 attempts per 60 s per user. */
export async function verifySecondFactor(deps: Deps, userId: number, entered: string): Promise<MfaMethod> {
  await deps.rateLimiter.consume(verifyLimit(userId));
  const code = normalizeCode(entered);
  const { secret, lastStep } = await activeSecret(deps, userId);
  if (isTotpFormat(code)) {
    if (await acceptTotp(deps, userId, secret, lastStep, code)) return 'totp';
  } else if (await deps.repos.mfa.useBackupCode(userId, backupHash(secret, code), deps.clock())) {
    return 'backup_code';
  }
  throw invalidCode();
}

/** disable: needs a valid TOTP (not a backup code); removes the secret, the codes and open challenges. */
export async function disableMfa(deps: Deps, userId: number, code: string): Promise<{ disabled: true }> {
  await deps.rateLimiter.consume(manageLimit(userId));
  const { secret, lastStep } = await activeSecret(deps, userId);
  if (!(await acceptTotp(deps, userId, secret, lastStep, code))) throw invalidCode();
  await deps.repos.mfa.remove(userId);
  return { disabled: true };
}

/** Step-up with a signed-in session: the session's amr gains "otp". */
export async function stepUp(deps: Deps, userId: number, sessionId: string | undefined, code: string): Promise<MfaMethod> {
  const method = await verifySecondFactor(deps, userId, code);
  if (sessionId) await deps.repos.mfa.addSessionAmr(sessionId, 'otp');
  return method;
}

export interface MfaChallengeIssued {
  mfa_token: string;
  /** ISO 8601. */
  expires_at: string;
}

/** Issued by a password sign-in of a user with MFA on, instead of a session. */
export async function createChallenge(
  deps: Deps,
  userId: number,
  flow: MfaFlow,
  meta: { ip?: string; userAgent?: string } = {},
): Promise<MfaChallengeIssued> {
  const now = deps.clock();
  const token = randomToken('mfa_');
  const expiresAt = now + CHALLENGE_TTL_MS;
  await deps.repos.mfa.insertChallenge({
    id: randomToken('mfc_', 12),
    token_hash: hashToken(token),
    user_id: userId,
    flow,
    ip: meta.ip ?? null,
    user_agent: meta.userAgent?.slice(0, 512) ?? null,
    created_at: now,
    expires_at: expiresAt,
  });
  return { mfa_token: token, expires_at: new Date(expiresAt).toISOString() };
}

export interface MfaRequiredAnswer extends MfaChallengeIssued {
  ok: true;
  authenticated: false;
  mfa_required: true;
}

/**
 * The MFA step of every password sign-in: call it after the password is verified and before a
 * session is issued. Null when the user has no MFA; otherwise the `mfa_required` answer (schema MfaChallenge).
 */
export async function mfaGate(deps: Deps, userId: number, flow: MfaFlow, meta: { ip?: string; userAgent?: string } = {}): Promise<MfaRequiredAnswer | null> {
  if (!(await isMfaEnabled(deps, userId))) return null;
  return { ok: true, authenticated: false, mfa_required: true, ...(await createChallenge(deps, userId, flow, meta)) };
}

export interface CompletedChallenge {
  userId: number;
  flow: MfaFlow;
  method: MfaMethod;
  amr: string[];
}

/**
 * Completes a sign-in challenge with the second factor. An unknown, expired, used or exhausted
 * challenge is 401; a wrong code is 400 and leaves the challenge open (up to 5 attempts).
 * The caller issues the session of `flow` with `amr`.
 */
export async function completeChallenge(deps: Deps, mfaToken: string, code: string, flow?: MfaFlow): Promise<CompletedChallenge> {
  const challenge = await deps.repos.mfa.findLiveChallenge(hashToken(mfaToken), deps.clock(), CHALLENGE_MAX_ATTEMPTS);
  if (!challenge || (flow && challenge.flow !== flow)) {
    throw unauthorized('the sign-in challenge is invalid, expired or used', 'invalid_token');
  }
  await deps.repos.mfa.countChallengeAttempt(challenge.id);
  const method = await verifySecondFactor(deps, challenge.user_id, code);
  if (!(await deps.repos.mfa.consumeChallenge(challenge.id, deps.clock()))) {
    throw unauthorized('the sign-in challenge is invalid, expired or used', 'invalid_token');
  }
  return { userId: challenge.user_id, flow: challenge.flow, method, amr: MFA_AMR };
}
