import { generate } from 'otplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manageMfa } from '../../generated/client';
import { createSession } from '../../src/services/sessions';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
let now = Date.parse('2026-03-16T10:00:00.000Z');
let seq = 0;

const codeAt = (secret: string, ms = now) => generate({ secret, epoch: Math.floor(ms / 1000) });
const secretOf = (otpauthUrl: string) => new URL(otpauthUrl).searchParams.get('secret')!;
const steps = (n: number) => (now += n * 30_000);

async function newUser() {
  const user = await s.deps.repos.users.create({ email: `http-mfa${++seq}@example.com`, fullName: 'H' }, null, now);
  const { token } = await createSession(s.deps, user.id, 'browser');
  return { id: user.id, cookie: `kendr_session=${token}` };
}

async function mfa(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.baseUrl}/api/v1/auth/mfa`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

async function enrolled() {
  const u = await newUser();
  const setup = await mfa({ action: 'setup' }, { cookie: u.cookie });
  const secret = secretOf(setup.body.otpauthUrl as string);
  const enable = await mfa({ action: 'enable', token: await codeAt(secret) }, { cookie: u.cookie });
  expect(enable.status).toBe(200);
  steps(1);
  return { ...u, secret, backupCodes: enable.body.backupCodes as string[] };
}

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_MFA_ISSUER: 'KaireonAI' }, { clock: () => now });
});
afterAll(() => s.close());
beforeEach(() => void (now += 60_000));

describe('POST /api/v1/auth/mfa', () => {
  it('runs the life cycle setup → enable → verify → disable with otplib codes (generated client)', async () => {
    const u = await newUser();
    const setup = await manageMfa({ client: s.client, body: { action: 'setup' }, headers: { cookie: u.cookie } });
    expect(setup.response.status).toBe(200);
    const { otpauthUrl, backupCodes } = setup.data as { otpauthUrl: string; backupCodes: string[] };
    expect(otpauthUrl).toBe(`otpauth://totp/KaireonAI:http-mfa${seq}@example.com?secret=${secretOf(otpauthUrl)}&issuer=KaireonAI`);
    expect(backupCodes).toHaveLength(8);
    const secret = secretOf(otpauthUrl);

    const enable = await manageMfa({ client: s.client, body: { action: 'enable', token: await codeAt(secret) }, headers: { cookie: u.cookie } });
    expect(enable.response.status).toBe(200);
    expect(enable.data).toMatchObject({ enabled: true });
    expect((enable.data as { backupCodes: string[] }).backupCodes).toHaveLength(8);

    steps(1);
    const verify = await manageMfa({ client: s.client, body: { action: 'verify', token: await codeAt(secret) }, headers: { cookie: u.cookie } });
    expect(verify.response.status).toBe(200);
    expect(verify.data).toEqual({ verified: true, method: 'totp' });

    steps(1);
    const disable = await manageMfa({ client: s.client, body: { action: 'disable', token: await codeAt(secret) }, headers: { cookie: u.cookie } });
    expect(disable.response.status).toBe(200);
    expect(disable.data).toEqual({ disabled: true });
    expect(await s.deps.repos.mfa.isEnabled(u.id)).toBe(false);
  });

  it('requires a signed-in user (401 without a session or with an invalid one)', async () => {
    for (const headers of [{}, { cookie: 'kendr_session=nope' }, { 'x-kendr-session': 'nope' }] as Record<string, string>[]) {
      const res = await mfa({ action: 'setup' }, headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: expect.any(String) }] });
    }
  });

  it('works with an app session too', async () => {
    const user = await s.deps.repos.users.create({ email: 'app-mfa@example.com' }, null, now);
    const { token } = await createSession(s.deps, user.id, 'app');
    const res = await mfa({ action: 'setup' }, { 'x-kendr-session': token });
    expect(res.status).toBe(200);
    expect(res.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/KaireonAI:app-mfa@example\.com\?/);
  });

  it('validates the body: token required for enable, verify, disable; format; unknown action; mfa_token only with verify', async () => {
    const u = await newUser();
    for (const action of ['enable', 'verify', 'disable']) {
      const res = await mfa({ action }, { cookie: u.cookie });
      expect(res.status).toBe(400);
      expect((res.body.errors as { message: string }[])[0].message).toContain('token');
    }
    for (const body of [{ action: 'verify', token: '12345' }, { action: 'verify', token: 'ABCDEFG!' }, { action: 'nope' }, { action: 'setup', mfa_token: 'mfa_x' }, { token: '123456' }]) {
      const res = await mfa(body, { cookie: u.cookie });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ errors: [{ code: 'BAD_REQUEST', message: expect.any(String) }] });
    }
  });

  it('answers a wrong code with 400 (session intact) and a state conflict with 409', async () => {
    const u = await enrolled();
    const wrong = await mfa({ action: 'verify', token: '000000' }, { cookie: u.cookie });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ errors: [{ code: 'BAD_REQUEST', message: 'invalid code' }] });
    expect((await mfa({ action: 'setup' }, { cookie: u.cookie })).status).toBe(409);
    const fresh = await newUser();
    const res = await mfa({ action: 'disable', token: '123456' }, { cookie: fresh.cookie });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ errors: [{ code: 'CONFLICT', message: 'MFA is not enabled' }] });
  });

  it('refuses a TOTP replayed in its time step', async () => {
    const u = await enrolled();
    const code = await codeAt(u.secret);
    expect((await mfa({ action: 'verify', token: code }, { cookie: u.cookie })).body).toEqual({ verified: true, method: 'totp' });
    expect((await mfa({ action: 'verify', token: code }, { cookie: u.cookie })).status).toBe(400);
  });

  it('accepts each backup code once', async () => {
    const u = await enrolled();
    const first = await mfa({ action: 'verify', token: u.backupCodes[0] }, { cookie: u.cookie });
    expect(first.body).toEqual({ verified: true, method: 'backup_code' });
    expect((await mfa({ action: 'verify', token: u.backupCodes[0] }, { cookie: u.cookie })).status).toBe(400);
  });

  it('limits verify to 3 attempts per 60 s with 429 and Retry-After', async () => {
    const u = await enrolled();
    for (let i = 0; i < 3; i++) expect((await mfa({ action: 'verify', token: '000000' }, { cookie: u.cookie })).status).toBe(400);
    const limited = await mfa({ action: 'verify', token: await codeAt(u.secret) }, { cookie: u.cookie });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body).toEqual({ errors: [{ code: 'TOO_MANY_REQUESTS', message: expect.any(String) }] });
    now += 60_000;
    expect((await mfa({ action: 'verify', token: await codeAt(u.secret) }, { cookie: u.cookie })).status).toBe(200);
  });

  it('keeps the TOTP secret sealed and backup codes hashed in the database', async () => {
    const u = await enrolled();
    const dump = JSON.stringify([
      s.deps.store.sqlite.prepare('SELECT * FROM mfa_totp WHERE user_id = ?').all(u.id),
      s.deps.store.sqlite.prepare('SELECT * FROM mfa_backup_codes WHERE user_id = ?').all(u.id),
    ]);
    expect(dump).not.toContain(u.secret);
    for (const c of u.backupCodes) expect(dump).not.toContain(c);
  });

  it('step-up verify adds otp to the session amr', async () => {
    const u = await enrolled();
    await mfa({ action: 'verify', token: await codeAt(u.secret) }, { cookie: u.cookie });
    const row = s.deps.store.sqlite.prepare("SELECT amr FROM sessions WHERE user_id = ? AND kind = 'browser'").get(u.id) as { amr: string };
    expect(JSON.parse(row.amr)).toEqual(['pwd', 'otp']);
  });

  it('verify without a session needs a valid mfa_token (401 otherwise)', async () => {
    const u = await enrolled();
    const noSession = await mfa({ action: 'verify', token: await codeAt(u.secret) });
    expect(noSession.status).toBe(401);
    const badChallenge = await mfa({ action: 'verify', token: await codeAt(u.secret), mfa_token: 'mfa_forged' });
    expect(badChallenge.status).toBe(401);
    expect(badChallenge.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'the sign-in challenge is invalid, expired or used' }] });
  });
});
