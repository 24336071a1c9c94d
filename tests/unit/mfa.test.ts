import { generate } from 'otplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps';
import { HttpError } from '../../src/http/errors';
import {
  completeChallenge,
  createChallenge,
  disableMfa,
  enableMfa,
  isMfaEnabled,
  setupMfa,
  stepUp,
  verifySecondFactor,
} from '../../src/services/mfa';
import { createSession } from '../../src/services/sessions';
import { hashToken } from '../../src/services/crypto';
import type { Store } from '../../src/store/db';
import { openUnitDeps } from '../helpers/unitDeps';

let store: Store;
let deps: Deps;
let close: () => Promise<void>;
// Start on a step boundary so that "+N seconds" stays in a known step.
let now = Date.parse('2026-03-16T10:00:00.000Z');
let userId: number;
let seq = 0;

const secretOf = (otpauthUrl: string) => new URL(otpauthUrl).searchParams.get('secret')!;
const codeAt = (secret: string, ms = now) => generate({ secret, epoch: Math.floor(ms / 1000) });
const nextStep = () => (now += 30_000);
/** Moves past the rate-limit window so that a test is not throttled by the previous one. */
const nextMinute = () => (now += 60_000);

async function rejects(p: Promise<unknown>, status: number) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  expect((err as HttpError).status).toBe(status);
  return err as HttpError;
}

async function enrolled() {
  const user = await deps.repos.users.create({ email: `mfa${++seq}@example.com`, fullName: 'M' }, null, now);
  const { otpauthUrl } = await setupMfa(deps, user.id);
  const secret = secretOf(otpauthUrl);
  const { backupCodes } = await enableMfa(deps, user.id, await codeAt(secret));
  // enable used this step; move two steps on so that the previous step is usable (drift tests).
  nextStep();
  nextStep();
  return { userId: user.id, secret, backupCodes };
}

beforeAll(() => {
  ({ store, deps, close } = openUnitDeps({ KEYHAVEN_MFA_ISSUER: 'KaireonAI' }, () => now));
});
afterAll(() => close());
beforeEach(() => void nextMinute());

describe('setup and enable', () => {
  beforeAll(async () => {
    userId = (await deps.repos.users.create({ email: 'user@example.com', fullName: 'U' }, null, now)).id;
  });

  it('setup returns the otpauth URL with the configured issuer and 8 codes, not yet active', async () => {
    const res = await setupMfa(deps, userId);
    expect(res.otpauthUrl).toMatch(/^otpauth:\/\/totp\/KaireonAI:user@example\.com\?secret=[A-Z2-7]{32}&issuer=KaireonAI$/);
    expect(res.backupCodes).toHaveLength(8);
    for (const c of res.backupCodes) expect(c).toMatch(/^[A-Z0-9]{8}$/);
    expect(await isMfaEnabled(deps, userId)).toBe(false);
    await rejects(verifySecondFactor(deps, userId, await codeAt(secretOf(res.otpauthUrl))), 409);
  });

  it('stores the secret sealed, never in clear', async () => {
    const { otpauthUrl } = await setupMfa(deps, userId);
    const secret = secretOf(otpauthUrl);
    const dump = JSON.stringify(store.sqlite.prepare('SELECT * FROM mfa_totp').all());
    expect(dump).not.toContain(secret);
    const row = (await deps.repos.mfa.find(userId))!;
    expect(deps.secretBox.open(row.pending_secret_sealed!, `mfa-totp:${userId}`)).toBe(secret);
    // The seal is bound to the user: it cannot be moved to another account.
    expect(() => deps.secretBox.open(row.pending_secret_sealed!, `mfa-totp:${userId + 1}`)).toThrow();
  });

  it('enable refuses a wrong code (400) and accepts a valid one; fresh codes, stored only as keyed hashes', async () => {
    const setup = await setupMfa(deps, userId);
    const secret = secretOf(setup.otpauthUrl);
    await rejects(enableMfa(deps, userId, '000000'), 400);
    expect(await isMfaEnabled(deps, userId)).toBe(false);
    const res = await enableMfa(deps, userId, await codeAt(secret));
    expect(res.enabled).toBe(true);
    expect(res.backupCodes).toHaveLength(8);
    expect(res.backupCodes.some((c) => setup.backupCodes.includes(c))).toBe(false);
    expect(await isMfaEnabled(deps, userId)).toBe(true);
    const rows = store.sqlite.prepare('SELECT code_hash FROM mfa_backup_codes WHERE user_id = ?').all(userId) as { code_hash: string }[];
    expect(rows).toHaveLength(8);
    const dump = JSON.stringify(rows);
    for (const c of res.backupCodes) {
      expect(dump).not.toContain(c);
      expect(dump).not.toContain(hashToken(c)); // keyed, so not an unsalted hash either
    }
    // Setup's codes were superseded.
    nextStep();
    await rejects(verifySecondFactor(deps, userId, setup.backupCodes[0]), 400);
  });

  it('setup and enable are refused while MFA is on (409)', async () => {
    const { userId: u, secret } = await enrolled();
    await rejects(setupMfa(deps, u), 409);
    await rejects(enableMfa(deps, u, await codeAt(secret)), 409);
  });

  it('enable without setup is 409', async () => {
    const u = (await deps.repos.users.create({ email: 'nosetup@example.com' }, null, now)).id;
    await rejects(enableMfa(deps, u, '123456'), 409);
  });
});

describe('verify', () => {
  it('accepts a TOTP once per step; a replay in the same step is refused', async () => {
    const { userId: u, secret } = await enrolled();
    const code = await codeAt(secret);
    expect(await verifySecondFactor(deps, u, code)).toBe('totp');
    await rejects(verifySecondFactor(deps, u, code), 400);
    nextStep();
    expect(await verifySecondFactor(deps, u, await codeAt(secret))).toBe('totp');
  });

  it('allows one step of drift either way, not two', async () => {
    const { userId: u, secret } = await enrolled();
    expect(await verifySecondFactor(deps, u, await codeAt(secret, now - 30_000))).toBe('totp');
    nextMinute();
    nextStep();
    nextStep();
    expect(await verifySecondFactor(deps, u, await codeAt(secret, now + 30_000))).toBe('totp');
    nextMinute();
    nextStep();
    nextStep();
    nextStep();
    await rejects(verifySecondFactor(deps, u, await codeAt(secret, now - 60_000)), 400);
    await rejects(verifySecondFactor(deps, u, await codeAt(secret, now + 60_000)), 400);
  });

  it('refuses a code of a step earlier than the last accepted one', async () => {
    const { userId: u, secret } = await enrolled();
    const previous = await codeAt(secret, now - 30_000);
    expect(await verifySecondFactor(deps, u, await codeAt(secret))).toBe('totp');
    await rejects(verifySecondFactor(deps, u, previous), 400);
  });

  it('backup codes work once each, case-insensitively', async () => {
    const { userId: u, backupCodes } = await enrolled();
    expect(await verifySecondFactor(deps, u, backupCodes[0].toLowerCase())).toBe('backup_code');
    await rejects(verifySecondFactor(deps, u, backupCodes[0]), 400);
    expect(await verifySecondFactor(deps, u, backupCodes[1])).toBe('backup_code');
  });

  it('is limited to 3 attempts per 60 s (429 with Retry-After), even for a right code', async () => {
    const { userId: u, secret } = await enrolled();
    for (let i = 0; i < 3; i++) await rejects(verifySecondFactor(deps, u, '000000'), 400);
    const err = await rejects(verifySecondFactor(deps, u, await codeAt(secret)), 429);
    expect(Number(err.extra.headers?.['Retry-After'])).toBeGreaterThan(0);
    nextMinute();
    expect(await verifySecondFactor(deps, u, await codeAt(secret))).toBe('totp');
  });

  it('step-up adds otp to the session amr', async () => {
    const { userId: u, secret } = await enrolled();
    const { session } = await createSession(deps, u, 'browser');
    await stepUp(deps, u, session.id, await codeAt(secret));
    const row = store.sqlite.prepare('SELECT amr FROM sessions WHERE id = ?').get(session.id) as { amr: string };
    expect(JSON.parse(row.amr)).toEqual(['pwd', 'otp']);
  });
});

describe('disable', () => {
  it('needs a valid TOTP (not a backup code) and removes the enrolment', async () => {
    const { userId: u, secret, backupCodes } = await enrolled();
    await rejects(disableMfa(deps, u, backupCodes[0]), 400);
    await rejects(disableMfa(deps, u, '000000'), 400);
    expect(await disableMfa(deps, u, await codeAt(secret))).toEqual({ disabled: true });
    expect(await isMfaEnabled(deps, u)).toBe(false);
    expect(store.sqlite.prepare('SELECT count(*) AS n FROM mfa_backup_codes WHERE user_id = ?').get(u)).toEqual({ n: 0 });
    await rejects(disableMfa(deps, u, await codeAt(secret)), 409);
  });
});

describe('sign-in challenges', () => {
  it('are stored hashed, single use, and carry the flow and amr', async () => {
    const { userId: u, secret } = await enrolled();
    const ch = await createChallenge(deps, u, 'app', { ip: '192.0.2.1' });
    expect(ch.mfa_token).toMatch(/^mfa_/);
    expect(Date.parse(ch.expires_at) - now).toBe(5 * 60_000);
    const dump = JSON.stringify(store.sqlite.prepare('SELECT * FROM mfa_challenges').all());
    expect(dump).not.toContain(ch.mfa_token);
    expect(dump).toContain(hashToken(ch.mfa_token));

    await rejects(completeChallenge(deps, ch.mfa_token, '000000'), 400);
    const done = await completeChallenge(deps, ch.mfa_token, await codeAt(secret));
    expect(done).toEqual({ userId: u, flow: 'app', method: 'totp', amr: ['pwd', 'otp'] });
    nextStep();
    await rejects(completeChallenge(deps, ch.mfa_token, await codeAt(secret)), 401);
  });

  it('expire after 5 minutes and are bound to their flow', async () => {
    const { userId: u, secret } = await enrolled();
    const ch = await createChallenge(deps, u, 'browser');
    await rejects(completeChallenge(deps, ch.mfa_token, await codeAt(secret), 'app'), 401);
    now += 5 * 60_000 + 1;
    await rejects(completeChallenge(deps, ch.mfa_token, await codeAt(secret)), 401);
    await rejects(completeChallenge(deps, 'mfa_unknown', await codeAt(secret)), 401);
  });

  it('die after 5 wrong codes', async () => {
    const { userId: u, secret } = await enrolled();
    const ch = await createChallenge(deps, u, 'browser');
    for (let i = 0; i < 5; i++) {
      if (i === 3) nextMinute();
      await rejects(completeChallenge(deps, ch.mfa_token, '000000'), 400);
    }
    nextMinute();
    await rejects(completeChallenge(deps, ch.mfa_token, await codeAt(secret)), 401);
  });
});
