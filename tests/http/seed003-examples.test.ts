// Seed 003's examples for registration, verification and API keys, against a live server.
// (The MFA and SSO examples are in their own files.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, listApiKeys, registerAccount, revokeApiKey } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';
import { createSession } from '../../src/services/sessions';

let s: TestServer;
let now = Date.now();
beforeAll(async () => {
  s = await startServer({}, { clock: () => now });
});
afterAll(() => s.close());

const seedKeyExample = {
  id: 'key_001',
  name: 'Production API Key',
  key: 'krn_a1b2c3d4e5f67890abcdef1234567890abcdef1234567890abcdef12345678',
  prefix: 'krn_a1b2c3d4',
  expiresAt: null,
  createdAt: '2026-03-16T10:00:00.000Z',
  warning: 'Store this key securely. It will not be shown again.',
};

async function registeredAdminCookie(email: string) {
  await registerAccount({ client: s.client, body: { name: 'Seed Admin', email, password: 'Seed-Password-1' } });
  const user = await s.deps.repos.users.findByEmail(email);
  return `kendr_session=${(await createSession(s.deps, user!.id, 'browser')).token}`;
}

describe('seed 003: POST /api/v1/auth/register', () => {
  it('returns the documented generic message for a new and for an existing email (public)', async () => {
    const body = { name: 'Jane Doe', email: 'jane@example.com', password: 'SecurePass1' };
    const first = await registerAccount({ client: s.client, body });
    const second = await registerAccount({ client: s.client, body });
    for (const r of [first, second]) {
      expect(r.response.status).toBe(200);
      expect(r.data).toEqual({ message: 'If this email is available, a verification link has been sent.' });
    }
  });
});

describe('seed 003: GET /api/v1/auth/verify redirect outcomes (public)', () => {
  it('/login?verified=true, then /login?error=invalid-token, /login?error=expired-token, /login?error=invalid-link', async () => {
    const email = 'outcomes@example.com';
    await registerAccount({ client: s.client, body: { name: 'O', email, password: 'SecurePass1' } });
    const link = (await s.deps.repos.outbox.listFor(email))[0].body_text.match(/https?:\/\/\S+/)![0];
    const go = async (url: string) => (await fetch(url, { redirect: 'manual' })).headers.get('location');

    expect(await go(link)).toBe('/login?verified=true');
    expect(await go(link)).toBe('/login?error=invalid-token');

    await registerAccount({ client: s.client, body: { name: 'O2', email: 'expired@example.com', password: 'SecurePass1' } });
    const stale = (await s.deps.repos.outbox.listFor('expired@example.com'))[0].body_text.match(/https?:\/\/\S+/)![0];
    now += 25 * 3600 * 1000;
    expect(await go(stale)).toBe('/login?error=expired-token');
    expect(await go(`${s.baseUrl}/api/v1/auth/verify?email=${encodeURIComponent(email)}`)).toBe('/login?error=invalid-link');
  });
});

describe('seed 003: API keys (admin)', () => {
  it('POST /api/v1/api-keys answers with exactly the documented fields', async () => {
    const cookie = await registeredAdminCookie('keys-admin@example.com');
    const res = await createApiKey({ client: s.client, body: { name: 'Production API Key' }, headers: { cookie } });
    expect(res.response.status).toBe(201);
    const created = res.data!;
    expect(Object.keys(created).sort()).toEqual(Object.keys(seedKeyExample).sort());
    expect(created).toMatchObject({ name: 'Production API Key', expiresAt: null, warning: seedKeyExample.warning });
    expect(created.id).toMatch(/^key_/);
    expect(created.key).toMatch(/^krn_[0-9a-f]{64}$/);
    // The seed's sample key has 62 hex digits (illustrative); keys are krn_ + 64 hex (256 bits).
    expect(seedKeyExample.key).toMatch(/^krn_[0-9a-f]{62}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(created.prefix).toHaveLength(seedKeyExample.prefix.length);
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);

    const list = await listApiKeys({ client: s.client, headers: { cookie } });
    expect(list.data!.apiKeys.map((k) => k.prefix)).toContain(created.prefix);
    expect(JSON.stringify(list.data)).not.toContain(created.key);

    const del = await revokeApiKey({ client: s.client, query: { id: created.id }, headers: { cookie } });
    expect(del.response.status).toBe(200);
    expect((await listApiKeys({ client: s.client, headers: { cookie } })).data!.apiKeys).toEqual([]);
  });

  it('the roles table: POST/GET/DELETE /api-keys are admin only (401 without credentials)', async () => {
    expect((await listApiKeys({ client: s.client })).response.status).toBe(401);
    expect((await createApiKey({ client: s.client, body: {} })).response.status).toBe(401);
    expect((await revokeApiKey({ client: s.client, query: { id: 'key_001' } })).response.status).toBe(401);
  });
});
