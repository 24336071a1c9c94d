import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../src/services/sessions';
import { startServer, type TestServer } from '../helpers/server';

// Seed 003, POST /api/v1/auth/mfa: each documented example response, key for key.
let s: TestServer;
let now = Date.parse('2026-03-16T10:00:00.000Z');
let cookie: string;
let secret: string;

const post = async (body: unknown, headers: Record<string, string> = { cookie }) => {
  const res = await fetch(`${s.baseUrl}/api/v1/auth/mfa`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const code = () => generate({ secret, epoch: Math.floor(now / 1000) });
const keys = (o: object) => Object.keys(o).sort();

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_MFA_ISSUER: 'KaireonAI' }, { clock: () => now });
  const user = await s.deps.repos.users.create({ email: 'user@example.com', fullName: 'Example User' }, null, now);
  cookie = `kendr_session=${(await createSession(s.deps, user.id, 'browser')).token}`;
});
afterAll(() => s.close());

describe('seed 003: POST /api/v1/auth/mfa examples', () => {
  it('setup → {otpauthUrl, backupCodes[8]} in the seed\'s URL form', async () => {
    const res = await post({ action: 'setup' });
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual(['backupCodes', 'otpauthUrl']);
    // "otpauth://totp/KaireonAI:user@example.com?secret=JBSWY3DPEHPK3PXP&issuer=KaireonAI"
    expect(res.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/KaireonAI:user@example\.com\?secret=[A-Z2-7]+&issuer=KaireonAI$/);
    expect(res.body.backupCodes).toHaveLength(8);
    for (const c of res.body.backupCodes as string[]) expect(c).toMatch(/^[A-Z0-9]{8}$/);
    secret = new URL(res.body.otpauthUrl as string).searchParams.get('secret')!;
  });

  it('enable → {enabled: true, backupCodes}', async () => {
    const res = await post({ action: 'enable', token: await code() });
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual(['backupCodes', 'enabled']);
    expect(res.body.enabled).toBe(true);
    expect(res.body.backupCodes).toHaveLength(8);
  });

  it('verify → {verified: true, method: "totp"}', async () => {
    now += 30_000;
    const res = await post({ action: 'verify', token: await code() });
    expect(res).toEqual({ status: 200, body: { verified: true, method: 'totp' } });
  });

  it('disable → {disabled: true}', async () => {
    now += 30_000;
    const res = await post({ action: 'disable', token: await code() });
    expect(res).toEqual({ status: 200, body: { disabled: true } });
  });

  it('roles table: POST /auth/mfa is for an authenticated user (401 anonymous)', async () => {
    expect((await post({ action: 'setup' }, {})).status).toBe(401);
  });
});
