import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { startSmtpServer, type SmtpServer } from '../helpers/smtp';

/**
 * Issue #4's "done when", in order, through the public API only: register, receive the mail over SMTP,
 * verify, turn on MFA, sign in with the second factor (browser and app), create and use an API key.
 * (OIDC SSO from another provider is tests/http/sso-two-process.test.ts; the hosted page with MFA is
 * tests/e2e/mfa-signin.test.ts.)
 */
let smtp: SmtpServer;
let s: TestServer;
let now = Date.parse('2026-05-04T09:00:00.000Z');
const EMAIL = 'journey@example.com';
const PASSWORD = 'Journey-Pass-42';
let secret = '';

const code = (at = now) => generate({ secret, epoch: Math.floor(at / 1000) });

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.baseUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Record<string, any> };
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  s = await startServer({ KEYHAVEN_SMTP_URL: smtp.url, KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' }, { clock: () => now });
});
afterAll(async () => {
  await s?.close();
  await smtp?.close();
});

describe('a new user, end to end', () => {
  let cookie = '';

  it('registers, receives the verification mail over SMTP and follows its link', async () => {
    const reg = await call('POST', '/api/v1/auth/register', { name: 'Jo Urney', email: EMAIL, password: PASSWORD });
    expect(reg.status).toBe(200);
    const mail = await smtp.waitFor(EMAIL);
    const link = /http:\/\/127\.0\.0\.1:\d+\/api\/v1\/auth\/verify\?\S+/.exec(mail.text)![0];
    const verified = await fetch(link, { redirect: 'manual' });
    expect(verified.headers.get('location')).toBe('/login?verified=true');
  });

  it('signs in and turns on TOTP MFA with a code from an authenticator', async () => {
    const login = await call('POST', '/api/auth/login', { email: EMAIL, password: PASSWORD });
    expect(login.body).toMatchObject({ ok: true, authenticated: true });
    cookie = login.headers.get('set-cookie')!.split(';')[0];
    const setup = await call('POST', '/api/v1/auth/mfa', { action: 'setup' }, { cookie });
    expect(setup.status).toBe(200);
    secret = new URL(setup.body.otpauthUrl).searchParams.get('secret')!;
    const enable = await call('POST', '/api/v1/auth/mfa', { action: 'enable', token: await code() }, { cookie });
    expect(enable.body).toMatchObject({ enabled: true, backupCodes: expect.any(Array) });
    now += 30_000;
  });

  it('signs in again in the browser and in the app only with the second factor', async () => {
    for (const [path, kind] of [['/api/auth/login', 'browser'], ['/api/app/auth/login', 'app']] as const) {
      const login = await call('POST', path, { email: EMAIL, password: PASSWORD });
      expect(login.body).toMatchObject({ authenticated: false, mfa_required: true });
      expect(login.headers.get('set-cookie')).toBeNull();
      const done = await call('POST', '/api/v1/auth/mfa', { action: 'verify', token: await code(), mfa_token: login.body.mfa_token });
      expect(done.body).toMatchObject({ verified: true, method: 'totp' });
      if (kind === 'browser') cookie = done.headers.get('set-cookie')!.split(';')[0];
      else expect(done.body.session.header_name).toBe('X-Kendr-Session');
      now += 30_000; // the next code is in a new time step (a code is accepted once)
    }
  });

  it('creates an API key in its own tenant and uses it in both transports', async () => {
    const created = await call('POST', '/api/v1/api-keys', { name: 'journey' }, { cookie });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^krn_/);
    for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }] as Record<string, string>[]) {
      const list = await call('GET', '/api/v1/api-keys', undefined, headers);
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).not.toContain(key);
    }
  });
});
