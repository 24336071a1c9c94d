import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, listApiKeys, revokeApiKey } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';
import { createSession } from '../../src/services/sessions';
import { createPersonalTenant } from '../../src/services/tenants';
import { hashToken } from '../../src/services/crypto';

let s: TestServer;
let now = Date.now();
let adminCookie: string;
let memberCookie: string;
let otherAdminCookie: string;
let adminId: number;
let tenantId: number;

async function makeUser(email: string) {
  return s.deps.repos.users.create({ email, fullName: email }, null, now);
}
async function cookieFor(userId: number) {
  return `kendr_session=${(await createSession(s.deps, userId, 'browser')).token}`;
}
const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${s.baseUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });

async function newKey(name?: string, extra: Record<string, unknown> = {}) {
  const res = await api('/api/v1/api-keys', { method: 'POST', headers: { cookie: adminCookie }, body: JSON.stringify({ ...(name ? { name } : {}), ...extra }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string; prefix: string; name: string; expiresAt: string | null };
}

beforeAll(async () => {
  s = await startServer({}, { clock: () => now });
  const admin = await makeUser('admin@example.com');
  adminId = admin.id;
  tenantId = (await createPersonalTenant(s.deps.repos.tenants, admin.id, 'Admin', now)).id;
  const member = await makeUser('member@example.com');
  await s.deps.repos.tenants.addMember(member.id, tenantId, 'member', now);
  const other = await makeUser('other@example.com');
  await createPersonalTenant(s.deps.repos.tenants, other.id, 'Other', now);
  adminCookie = await cookieFor(admin.id);
  memberCookie = await cookieFor(member.id);
  otherAdminCookie = await cookieFor(other.id);
});
afterAll(() => s.close());

describe('API keys: create, list, revoke', () => {
  it('creates a key shown once, stored only as a hash', async () => {
    const created = await newKey('Production API Key');
    expect(created.key).toMatch(/^krn_[0-9a-f]{64}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    const row = await s.deps.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashToken(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(row).toMatchObject({ organization_id: tenantId, user_id: adminId });
  });

  it('generates a name when omitted, and accepts no body at all', async () => {
    const a = await newKey();
    expect(a.name).toBe(`API key ${a.prefix}`);
    const res = await api('/api/v1/api-keys', { method: 'POST', headers: { cookie: adminCookie, 'content-type': '' } });
    expect(res.status).toBe(201);
  });

  it('lists keys with their prefix, never the key', async () => {
    const created = await newKey('listed');
    const res = await listApiKeys({ client: s.client, headers: { cookie: adminCookie } });
    expect(res.response.status).toBe(200);
    const text = JSON.stringify(res.data);
    expect(text).not.toContain(created.key);
    expect(text).not.toMatch(/krn_[0-9a-f]{64}/);
    const listed = res.data!.apiKeys.find((k) => k.id === created.id)!;
    expect(listed).toEqual({ id: created.id, name: 'listed', prefix: created.prefix, expiresAt: null, createdAt: expect.any(String), lastUsedAt: null });
    expect(Object.keys(listed)).not.toContain('key');
  });

  it('refuses expiresAt in the past or not a date-time with 400', async () => {
    for (const expiresAt of [new Date(now - 1000).toISOString(), 'tomorrow']) {
      const res = await api('/api/v1/api-keys', { method: 'POST', headers: { cookie: adminCookie }, body: JSON.stringify({ expiresAt }) });
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].code).toBe('BAD_REQUEST');
    }
  });

  it('revokes a key (soft delete): it leaves the list and stops authenticating', async () => {
    const k = await newKey('to revoke');
    expect((await api('/api/v1/api-keys', { headers: { 'x-api-key': k.key } })).status).toBe(200);
    const res = await revokeApiKey({ client: s.client, query: { id: k.id }, headers: { cookie: adminCookie } });
    expect(res.response.status).toBe(200);
    expect(res.data).toEqual({ id: k.id, revoked: true });
    const row = await s.deps.db.selectFrom('api_keys').select('revoked_at').where('id', '=', k.id).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    const list = await listApiKeys({ client: s.client, headers: { cookie: adminCookie } });
    expect(list.data!.apiKeys.map((x) => x.id)).not.toContain(k.id);
    for (const headers of [{ 'x-api-key': k.key }, { authorization: `Bearer ${k.key}` }] as Record<string, string>[]) {
      const r = await api('/api/v1/api-keys', { headers });
      expect(r.status).toBe(401);
      expect(await r.json()).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: expect.any(String) }] });
    }
  });

  it("answers 404 for an unknown key and for another tenant's key", async () => {
    const k = await newKey('mine');
    const other = await api(`/api/v1/api-keys?id=${k.id}`, { method: 'DELETE', headers: { cookie: otherAdminCookie } });
    expect(other.status).toBe(404);
    expect((await other.json()).errors[0].code).toBe('NOT_FOUND');
    expect((await api('/api/v1/api-keys?id=key_nope', { method: 'DELETE', headers: { cookie: adminCookie } })).status).toBe(404);
    // The other tenant's admin does not see it either.
    const list = await listApiKeys({ client: s.client, headers: { cookie: otherAdminCookie } });
    expect(list.data!.apiKeys).toEqual([]);
    // And it still works for its own tenant.
    expect((await api('/api/v1/api-keys', { headers: { 'x-api-key': k.key } })).status).toBe(200);
  });
});

describe('API-key authentication', () => {
  it('authenticates with Authorization: Bearer and with X-API-Key, as the owner within the tenant', async () => {
    const k = await newKey('transport');
    for (const headers of [{ authorization: `Bearer ${k.key}` }, { 'x-api-key': k.key }] as Record<string, string>[]) {
      const res = await createApiKey({ client: s.client, body: { name: 'made by key' }, headers });
      expect(res.response.status).toBe(201);
      const row = await s.deps.db.selectFrom('api_keys').selectAll().where('id', '=', res.data!.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ organization_id: tenantId, user_id: adminId });
    }
  });

  it('records last_used_at on use', async () => {
    const k = await newKey('used');
    const before = await s.deps.db.selectFrom('api_keys').select('last_used_at').where('id', '=', k.id).executeTakeFirstOrThrow();
    expect(before.last_used_at).toBeNull();
    now += 5000;
    expect((await api('/api/v1/api-keys', { headers: { 'x-api-key': k.key } })).status).toBe(200);
    const after = await s.deps.db.selectFrom('api_keys').select('last_used_at').where('id', '=', k.id).executeTakeFirstOrThrow();
    expect(after.last_used_at).toBe(now);
    const list = await listApiKeys({ client: s.client, headers: { cookie: adminCookie } });
    expect(list.data!.apiKeys.find((x) => x.id === k.id)!.lastUsedAt).toBe(new Date(now).toISOString());
  });

  it('refuses an expired key with 401 (injected clock)', async () => {
    const k = await newKey('short-lived', { expiresAt: new Date(now + 60_000).toISOString() });
    expect(k.expiresAt).toBe(new Date(now + 60_000).toISOString());
    expect((await api('/api/v1/api-keys', { headers: { authorization: `Bearer ${k.key}` } })).status).toBe(200);
    now += 60_001;
    for (const headers of [{ authorization: `Bearer ${k.key}` }, { 'x-api-key': k.key }] as Record<string, string>[]) {
      const res = await api('/api/v1/api-keys', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    const list = await listApiKeys({ client: s.client, headers: { cookie: adminCookie } });
    expect(list.data!.apiKeys.map((x) => x.id)).not.toContain(k.id);
  });

  it.each([
    ['no credentials', {}],
    ['a wrong key', { 'x-api-key': 'krn_' + '0'.repeat(64) }],
    ['a malformed key', { 'x-api-key': 'krn_short' }],
    ['a non-krn bearer token', { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig' }],
    ['a bad session cookie', { cookie: 'kendr_session=nope' }],
  ])('answers 401 for %s', async (_what, headers) => {
    for (const [method, path] of [['GET', '/api/v1/api-keys'], ['POST', '/api/v1/api-keys'], ['DELETE', '/api/v1/api-keys?id=key_x']]) {
      const res = await api(path, { method, headers, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status).toBe(401);
      expect((await res.json()).errors[0].code).toBe('UNAUTHORIZED');
    }
  });

  it('answers 403 to a signed-in member (not admin), for every operation', async () => {
    for (const [method, path] of [['GET', '/api/v1/api-keys'], ['POST', '/api/v1/api-keys'], ['DELETE', '/api/v1/api-keys?id=key_x']]) {
      const res = await api(path, { method, headers: { cookie: memberCookie }, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ errors: [{ code: 'FORBIDDEN', message: 'admin role required' }] });
    }
  });

  it('answers 403 to the key of an admin who has since become a member (role read at use)', async () => {
    const k = await newKey('demoted');
    const demoted = await makeUser('demoted@example.com');
    await s.deps.repos.tenants.addMember(demoted.id, tenantId, 'admin', now);
    const c = await cookieFor(demoted.id);
    // demoted's primary tenant is the shared one (its only membership): it can create a key there.
    const res = await api('/api/v1/api-keys', { method: 'POST', headers: { cookie: c }, body: '{}' });
    expect(res.status).toBe(201);
    const key = ((await res.json()) as { key: string }).key;
    await s.deps.repos.tenants.setRole(demoted.id, tenantId, 'member');
    expect((await api('/api/v1/api-keys', { headers: { 'x-api-key': key } })).status).toBe(403);
    expect((await api('/api/v1/api-keys', { headers: { 'x-api-key': k.key } })).status).toBe(200);
  });

  it('works over the app session header too', async () => {
    const token = (await createSession(s.deps, adminId, 'app')).token;
    expect((await api('/api/v1/api-keys', { headers: { 'x-kendr-session': token } })).status).toBe(200);
  });
});
