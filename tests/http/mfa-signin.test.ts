import { generate } from 'otplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createChallenge, enableMfa, setupMfa } from '../../src/services/mfa';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
let now = Date.parse('2026-03-16T10:00:00.000Z');
let seq = 0;
const PASSWORD = 'Correct-Horse-42';

const codeAt = (secret: string, ms = now) => generate({ secret, epoch: Math.floor(ms / 1000) });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** A user with a password and MFA enabled; the clock is moved past the step `enable` used. */
async function mfaUser() {
  const email = `signin${++seq}@example.com`;
  const user = await s.deps.repos.users.create({ email, fullName: 'Sign In', emailVerified: true }, await s.deps.passwords.hash(PASSWORD), now);
  const secret = new URL((await setupMfa(s.deps, user.id)).otpauthUrl).searchParams.get('secret')!;
  const { backupCodes } = await enableMfa(s.deps, user.id, await codeAt(secret));
  now += 30_000;
  return { id: user.id, email, secret, backupCodes };
}

const sessionRows = (userId: number) =>
  s.deps.store.sqlite.prepare('SELECT kind, amr FROM sessions WHERE user_id = ? AND revoked_at IS NULL').all(userId) as { kind: string; amr: string }[];

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' }, { clock: () => now });
});
afterAll(() => s.close());
beforeEach(() => void (now += 60_000));

describe('completing a sign-in challenge with POST /api/v1/auth/mfa', () => {
  it('an app challenge answers with an app session (amr pwd+otp) that authenticates X-Kendr-Session', async () => {
    const u = await mfaUser();
    const { mfa_token } = await createChallenge(s.deps, u.id, 'app');
    const res = await post('/api/v1/auth/mfa', { action: 'verify', token: await codeAt(u.secret), mfa_token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ verified: true, method: 'totp', session: { header_name: 'X-Kendr-Session' } });
    expect(res.headers.get('set-cookie')).toBeNull();
    const token = (res.body.session as { token: string }).token;
    expect(sessionRows(u.id)).toEqual([{ kind: 'app', amr: '["pwd","otp"]' }]);
    // The session works: setup answers 409 (MFA already on) instead of 401.
    expect((await post('/api/v1/auth/mfa', { action: 'setup' }, { 'x-kendr-session': token })).status).toBe(409);
  });

  it('a browser challenge sets the kendr_session cookie and returns no token in the body', async () => {
    const u = await mfaUser();
    const { mfa_token } = await createChallenge(s.deps, u.id, 'browser');
    const res = await post('/api/v1/auth/mfa', { action: 'verify', token: u.backupCodes[0], mfa_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ verified: true, method: 'backup_code' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^kendr_session=[^;]+;.*HttpOnly/);
    expect(sessionRows(u.id)).toEqual([{ kind: 'browser', amr: '["pwd","otp"]' }]);
    const session = cookie.split(';')[0];
    expect((await post('/api/v1/auth/mfa', { action: 'setup' }, { cookie: session })).status).toBe(409);
  });

  it('a challenge is single use, and a wrong code leaves it open without a session', async () => {
    const u = await mfaUser();
    const { mfa_token } = await createChallenge(s.deps, u.id, 'app');
    const wrong = await post('/api/v1/auth/mfa', { action: 'verify', token: '000000', mfa_token });
    expect(wrong.status).toBe(400);
    expect(sessionRows(u.id)).toEqual([]);
    expect((await post('/api/v1/auth/mfa', { action: 'verify', token: await codeAt(u.secret), mfa_token })).status).toBe(200);
    now += 30_000;
    const again = await post('/api/v1/auth/mfa', { action: 'verify', token: await codeAt(u.secret), mfa_token });
    expect(again.status).toBe(401);
    expect(sessionRows(u.id)).toHaveLength(1);
  });

  it('an expired challenge is refused (401)', async () => {
    const u = await mfaUser();
    const { mfa_token } = await createChallenge(s.deps, u.id, 'app');
    now += 5 * 60_000 + 1;
    expect((await post('/api/v1/auth/mfa', { action: 'verify', token: await codeAt(u.secret), mfa_token })).status).toBe(401);
  });
});
