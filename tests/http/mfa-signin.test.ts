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

/** GET /login gives the page's CSRF cookie; its token is in the form. */
async function loginPageCsrf() {
  const res = await fetch(`${s.baseUrl}/login`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const html = await res.text();
  return { cookie, html };
}

describe('password sign-in through the session APIs honours MFA', () => {
  it('browser /api/auth/login: mfa_required and no cookie; verify sets the cookie of a pwd+otp session', async () => {
    const u = await mfaUser();
    const login = await post('/api/auth/login', { email: u.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ ok: true, authenticated: false, mfa_required: true, mfa_token: expect.stringMatching(/^mfa_/), expires_at: expect.any(String) });
    expect(login.headers.get('set-cookie')).toBeNull();
    expect(sessionRows(u.id)).toEqual([]);

    const done = await post('/api/v1/auth/mfa', { action: 'verify', token: await codeAt(u.secret), mfa_token: login.body.mfa_token });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ verified: true, method: 'totp' });
    const cookie = done.headers.get('set-cookie')!.split(';')[0];
    expect(cookie).toMatch(/^kendr_session=.+/);
    const session = await fetch(`${s.baseUrl}/api/auth/session`, { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ ok: true, authenticated: true, user: { email: u.email } });
    expect(sessionRows(u.id)).toEqual([{ kind: 'browser', amr: '["pwd","otp"]' }]);
  });

  it('app /api/app/auth/login: mfa_required and no token; verify returns an X-Kendr-Session token', async () => {
    const u = await mfaUser();
    const login = await post('/api/app/auth/login', { email: u.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ ok: true, authenticated: false, mfa_required: true, mfa_token: expect.stringMatching(/^mfa_/), expires_at: expect.any(String) });
    expect(JSON.stringify(login.body)).not.toContain('"session"');
    expect(sessionRows(u.id)).toEqual([]);

    const done = await post('/api/v1/auth/mfa', { action: 'verify', token: u.backupCodes[0], mfa_token: login.body.mfa_token });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ verified: true, method: 'backup_code', session: { header_name: 'X-Kendr-Session', token: expect.any(String) } });
    expect(done.headers.get('set-cookie')).toBeNull();
    const token = (done.body.session as { token: string }).token;
    const session = await fetch(`${s.baseUrl}/api/app/auth/session`, { headers: { 'x-kendr-session': token } });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ ok: true, authenticated: true, user: { email: u.email } });
    expect(sessionRows(u.id)).toEqual([{ kind: 'app', amr: '["pwd","otp"]' }]);
  });

  it('a wrong password gives the same 401 whether or not MFA is on (no challenge, no hint)', async () => {
    const u = await mfaUser();
    const plain = await s.deps.repos.users.create({ email: `plain${++seq}@example.com`, fullName: 'P' }, await s.deps.passwords.hash(PASSWORD), now);
    for (const path of ['/api/auth/login', '/api/app/auth/login']) {
      const withMfa = await post(path, { email: u.email, password: 'Wrong-Horse-42' });
      const without = await post(path, { email: plain.email, password: 'Wrong-Horse-42' });
      expect(withMfa.status).toBe(401);
      expect(withMfa.body).toEqual(without.body);
      expect(withMfa.body).not.toHaveProperty('mfa_token');
    }
    expect(sessionRows(u.id)).toEqual([]);
  });

  it('a user without MFA still signs in at once (amr pwd)', async () => {
    const plain = await s.deps.repos.users.create({ email: `plain${++seq}@example.com`, fullName: 'P' }, await s.deps.passwords.hash(PASSWORD), now);
    const login = await post('/api/app/auth/login', { email: plain.email, password: PASSWORD });
    expect(login.body).toMatchObject({ ok: true, authenticated: true, session: { header_name: 'X-Kendr-Session' } });
    expect(sessionRows(plain.id)).toEqual([{ kind: 'app', amr: '["pwd"]' }]);
  });

  it('guessing the code is limited: the 4th attempt within 60 s is 429, even with the right code', async () => {
    const u = await mfaUser();
    const login = await post('/api/app/auth/login', { email: u.email, password: PASSWORD });
    const mfa_token = login.body.mfa_token;
    const valid = await Promise.all([-30_000, 0, 30_000].map((d) => codeAt(u.secret, now + d)));
    const guesses = ['111111', '222222', '333333', '444444', '555555', '666666'].filter((g) => !valid.includes(g)).slice(0, 3);
    for (const guess of guesses) {
      expect((await post('/api/v1/auth/mfa', { action: 'verify', token: guess, mfa_token })).status).toBe(400);
    }
    const limited = await post('/api/v1/auth/mfa', { action: 'verify', token: await codeAt(u.secret), mfa_token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(sessionRows(u.id)).toEqual([]);
  });

  it('an app challenge cannot finish a sign-in on the hosted page (flows are bound)', async () => {
    const u = await mfaUser();
    const login = await post('/api/app/auth/login', { email: u.email, password: PASSWORD });
    const { cookie, html } = await loginPageCsrf();
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)![1];
    // The MFA form's CSRF token differs from the sign-in form's; fetch it from a real MFA page first.
    const browserLogin = await fetch(`${s.baseUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: s.baseUrl },
      body: new URLSearchParams({ csrf_token: csrf, email: u.email, password: PASSWORD }),
    });
    expect(browserLogin.status).toBe(200);
    const mfaHtml = await browserLogin.text();
    const mfaCsrf = /name="csrf_token" value="([^"]+)"/.exec(mfaHtml)![1];
    const submit = (mfaToken: string) =>
      fetch(`${s.baseUrl}/login/mfa`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: s.baseUrl },
        body: new URLSearchParams({ csrf_token: mfaCsrf, mfa_token: mfaToken, code: u.backupCodes[2] }),
      });
    const res = await submit(login.body.mfa_token as string);
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('kendr_session='))).toBe(false);
    expect(sessionRows(u.id)).toEqual([]);
    // Control: the page's own (browser) challenge with the same form and code signs in.
    const own = await submit(/name="mfa_token" value="([^"]+)"/.exec(mfaHtml)![1]);
    expect(own.status).toBe(303);
    expect(own.headers.getSetCookie().some((c) => c.startsWith('kendr_session='))).toBe(true);
    expect(sessionRows(u.id)).toEqual([{ kind: 'browser', amr: '["pwd","otp"]' }]);
  });
});
