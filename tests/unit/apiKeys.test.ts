import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps';
import { API_KEY_WARNING, authenticateApiKey, createApiKey, isApiKeyFormat, listApiKeys, revokeApiKey } from '../../src/services/apiKeys';
import { hashToken } from '../../src/services/crypto';
import { createPersonalTenant, type TenantAdmin } from '../../src/services/tenants';
import { openUnitDeps } from '../helpers/unitDeps';

let deps: Deps;
let close: () => Promise<void>;
let now = Date.parse('2026-03-16T10:00:00.000Z');
let admin: TenantAdmin;

beforeAll(async () => {
  ({ deps, close } = openUnitDeps({}, () => now));
  const user = await deps.repos.users.create({ email: 'owner@example.com' }, null, now);
  const org = await createPersonalTenant(deps.repos.tenants, user.id, 'Owner', now);
  admin = { userId: user.id, tenantId: org.id };
});
afterAll(() => close());

describe('API keys service', () => {
  it('creates krn_ + 64 hex keys with a 12-character prefix, the seed warning and ISO dates', async () => {
    const k = await createApiKey(deps, admin, { name: 'Production API Key' });
    expect(k).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{24}$/),
      name: 'Production API Key',
      key: expect.stringMatching(/^krn_[0-9a-f]{64}$/),
      prefix: k.key.slice(0, 12),
      expiresAt: null,
      createdAt: '2026-03-16T10:00:00.000Z',
      warning: API_KEY_WARNING,
    });
    expect(API_KEY_WARNING).toBe('Store this key securely. It will not be shown again.');
    const other = await createApiKey(deps, admin, {});
    expect(other.key).not.toBe(k.key);
    expect(other.name).toBe(`API key ${other.prefix}`);
  });

  it('stores only the hash', async () => {
    const k = await createApiKey(deps, admin, {});
    const rows = await deps.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(k.key);
    expect(rows.find((r) => r.id === k.id)!.key_hash).toBe(hashToken(k.key));
  });

  it('authenticates as the owner within the tenant; refuses revoked, expired and malformed keys', async () => {
    const k = await createApiKey(deps, admin, { expiresAt: new Date(now + 1000).toISOString() });
    expect(await authenticateApiKey(deps, k.key)).toEqual({ kind: 'api_key', userId: admin.userId, tenantId: admin.tenantId });
    expect(await authenticateApiKey(deps, k.key.toUpperCase())).toBeUndefined();
    expect(await authenticateApiKey(deps, k.key + '0')).toBeUndefined();
    expect(isApiKeyFormat('krn_' + 'a'.repeat(64))).toBe(true);
    expect(isApiKeyFormat('kndr_live_' + 'a'.repeat(64))).toBe(false);
    now += 1000;
    expect(await authenticateApiKey(deps, k.key)).toBeUndefined();
    now -= 1000;
    await revokeApiKey(deps, admin, k.id);
    expect(await authenticateApiKey(deps, k.key)).toBeUndefined();
    expect((await listApiKeys(deps, admin)).map((x) => x.id)).not.toContain(k.id);
  });

  it('refuses an expiry that is not in the future', async () => {
    await expect(createApiKey(deps, admin, { expiresAt: new Date(now).toISOString() })).rejects.toMatchObject({ status: 400 });
  });

  it('writes last_used_at at most once a minute', async () => {
    const k = await createApiKey(deps, admin, {});
    const lastUsed = async () => (await deps.db.selectFrom('api_keys').select('last_used_at').where('id', '=', k.id).executeTakeFirstOrThrow()).last_used_at;
    await authenticateApiKey(deps, k.key);
    expect(await lastUsed()).toBe(now);
    const first = now;
    now += 30_000;
    await authenticateApiKey(deps, k.key);
    expect(await lastUsed()).toBe(first);
    now += 30_000;
    await authenticateApiKey(deps, k.key);
    expect(await lastUsed()).toBe(now);
  });
});
