import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environments, FeatureFlags, Organizations, Users, init } from '@kinde/management-api-js';
import {
  createFeatureFlag,
  deleteEnvironementFeatureFlagOverride,
  deleteEnvironementFeatureFlagOverrides,
  deleteFeatureFlag,
  deleteOrganizationFeatureFlagOverride,
  deleteOrganizationFeatureFlagOverrides,
  getEnvironementFeatureFlags,
  getOrganizationFeatureFlags,
  updateEnvironementFeatureFlagOverride,
  updateFeatureFlag,
  updateOrganizationFeatureFlagOverride,
  updateUserFeatureFlagOverride,
} from '../../../generated/client';
import { hashToken } from '../../../src/services/crypto';
import { resolveFeatureFlags } from '../../../src/services/management/flagResolution';
import { managementAudience } from '../../../src/services/oauth/clients';
import type { Organization } from '../../../src/store/repositories/tenants';
import type { User } from '../../../src/store/repositories/users';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

let s: ManagementServer;
let org: Organization;
let otherOrg: Organization;
let user: User;
let otherUser: User;
let seq = 0;

beforeAll(async () => {
  s = await startManagementServer();
  const now = Date.now();
  org = await s.deps.repos.tenants.create({ code: 'org_flags', name: 'Flags', kind: 'standard' }, now);
  otherOrg = await s.deps.repos.tenants.create({ code: 'org_other', name: 'Other', kind: 'standard' }, now);
  user = await s.deps.repos.users.create({ email: 'flags@example.com' }, null, now);
  otherUser = await s.deps.repos.users.create({ email: 'other-flags@example.com' }, null, now);
});
afterAll(() => s.close());

type Type = 'str' | 'int' | 'bool';
type Level = 'env' | 'org' | 'usr';
const newKey = (prefix = 'flag') => `${prefix}_${++seq}_${randomBytes(3).toString('hex')}`;

const create = async (type: Type, default_value: string, allow_override_level?: Level, key = newKey()) => {
  const r = await createFeatureFlag({ client: s.api, body: { key, name: `Flag ${key}`, description: 'For tests.', type, default_value, ...(allow_override_level ? { allow_override_level } : {}) } });
  expect(r.response.status, JSON.stringify(r.error)).toBe(201);
  return key;
};

/** The environment's values of every flag (all pages). */
const environmentValues = async () => {
  const all: Record<string, { type: string; value: string }> = {};
  let next: string | undefined;
  do {
    const r = await getEnvironementFeatureFlags({ client: s.api, query: { next_token: next } });
    expect(r.response.status).toBe(200);
    Object.assign(all, r.data!.feature_flags);
    next = r.data!.next_token;
  } while (next);
  return all;
};
const organizationValues = async (code = org.code) => {
  const r = await getOrganizationFeatureFlags({ client: s.api, path: { org_code: code } });
  expect(r.response.status).toBe(200);
  return r.data!.feature_flags;
};
const claims = (u: User | null, o: Organization | null) => resolveFeatureFlags(s.deps, u?.id ?? null, o?.id ?? null);
const replace = (key: string, q: { type: Type; allow_override_level: Level; default_value: string; name?: string; description?: string }) =>
  updateFeatureFlag({ client: s.api, path: { feature_flag_key: key }, query: { name: q.name ?? `Flag ${key}`, description: q.description ?? 'Replaced.', ...q } });
const setOrg = (key: string, value: string, code = org.code) => updateOrganizationFeatureFlagOverride({ client: s.api, path: { org_code: code, feature_flag_key: key }, query: { value } });
const setUser = (key: string, value: string, u: User = user) => updateUserFeatureFlagOverride({ client: s.api, path: { user_id: u.public_id, feature_flag_key: key }, query: { value } });
const setEnv = (key: string, value: string) => updateEnvironementFeatureFlagOverride({ client: s.api, path: { feature_flag_key: key }, body: { value } });

describe('feature flags', () => {
  it('creates a flag, shows it in the environment with its default, and deletes it', async () => {
    const key = newKey('beta');
    const r = await createFeatureFlag({ client: s.api, body: { key, name: 'Beta', type: 'bool', allow_override_level: 'usr', default_value: 'false' } });
    expect(r.response.status).toBe(201);
    expect(r.data).toMatchObject({ code: 'FEATURE_FLAG_CREATED', message: 'Feature flag successfully created', feature_flag: { key, id: expect.stringMatching(/^flag_[0-9a-f]{32}$/) } });
    expect((await environmentValues())[key]).toEqual({ type: 'bool', value: 'false' });
    expect((await claims(user, org))[key]).toEqual({ t: 'b', v: false });

    const d = await deleteFeatureFlag({ client: s.api, path: { feature_flag_key: key } });
    expect(d.response.status).toBe(200);
    expect(d.data).toEqual({ code: 'FEATURE_FLAG_DELETED', message: 'Feature flag successfully deleted' });
    expect((await environmentValues())[key]).toBeUndefined();
    const again = await deleteFeatureFlag({ client: s.api, path: { feature_flag_key: key } });
    expect(again.response.status).toBe(404);
    expect(again.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_NOT_FOUND' }] });
  });

  it('refuses a default value that is not one of the type, naming default_value', async () => {
    const cases: [Type, string][] = [['bool', 'yes'], ['bool', 'True'], ['int', '2147483648'], ['int', '-2147483649'], ['int', '1.5'], ['int', '07'], ['int', '']];
    for (const [type, default_value] of cases) {
      const r = await createFeatureFlag({ client: s.api, body: { key: newKey(), name: 'Bad', type, default_value } });
      expect(r.response.status, `${type} ${default_value}`).toBe(400);
      expect(r.error).toMatchObject({ errors: [{ code: 'BAD_REQUEST', message: expect.stringContaining('default_value') }] });
    }
    for (const [type, default_value] of [['int', '2147483647'], ['int', '-2147483648'], ['int', '0'], ['str', ''], ['str', 'x'.repeat(1024)]] as [Type, string][]) {
      await create(type, default_value);
    }
    const long = await createFeatureFlag({ client: s.api, body: { key: newKey(), name: 'Long', type: 'str', default_value: 'x'.repeat(1025) } });
    expect(long.response.status).toBe(400);
  });

  it('refuses bad input with 400 naming the field, and a duplicate key with 409', async () => {
    const auth = (s.api.getConfig().headers as Headers).get('authorization')!;
    const post = (body: unknown) => fetch(`${s.baseUrl}/api/v1/feature_flags`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
    for (const [body, field] of [
      [{ name: 'No key', type: 'str', default_value: 'x' }, 'key'],
      [{ key: newKey(), name: 'Bad type', type: 'json', default_value: 'x' }, 'type'],
      [{ key: newKey(), name: 'Bad level', type: 'str', default_value: 'x', allow_override_level: 'business' }, 'allow_override_level'],
      [{ key: 'has space', name: 'Bad key', type: 'str', default_value: 'x' }, 'key'],
      [{ key: newKey(), name: 'Extra', type: 'str', default_value: 'x', value: 'x' }, 'value'],
      [{ key: newKey(), name: 'Ctl\u0007', type: 'str', default_value: 'x' }, 'name'],
    ] as const) {
      const res = await post(body);
      expect(res.status, field).toBe(400);
      expect((await res.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field) });
    }
    const key = await create('str', 'a');
    const dup = await createFeatureFlag({ client: s.api, body: { key, name: 'Again', type: 'int', default_value: '1' } });
    expect(dup.response.status).toBe(409);
    expect(dup.error).toMatchObject({ errors: [{ code: 'CONFLICT' }] });
  });

  it('replaces a flag from query parameters, checking default_value against the new type', async () => {
    const key = await create('str', 'light', 'org');
    const r = await replace(key, { name: 'Theme', description: 'The theme.', type: 'str', allow_override_level: 'org', default_value: 'dark' });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'FEATURE_FLAG_UPDATED', message: 'Feature flag successfully updated' });
    expect((await environmentValues())[key]).toEqual({ type: 'str', value: 'dark' });
    const row = (await s.deps.repos.featureFlags.findByKey(key))!;
    expect(row).toMatchObject({ name: 'Theme', description: 'The theme.', type: 'str', allow_override_level: 'org', default_value: 'dark' });

    const bad = await replace(key, { type: 'int', allow_override_level: 'org', default_value: 'dark' });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_VALUE_INVALID', message: expect.stringContaining('default_value') }] });
    expect((await s.deps.repos.featureFlags.findByKey(key))!.type).toBe('str');

    const missing = await replace('no_such_flag', { type: 'str', allow_override_level: 'env', default_value: 'x' });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_NOT_FOUND' }] });
  });

  it('clears every override when the type changes, and the overrides a narrower level no longer reaches', async () => {
    const key = await create('str', 'd', 'usr');
    expect((await setEnv(key, 'e')).response.status).toBe(200);
    expect((await setOrg(key, 'o')).response.status).toBe(200);
    expect((await setUser(key, 'u')).response.status).toBe(200);
    expect((await claims(user, org))[key]).toEqual({ t: 's', v: 'u' });

    // Same type and level: the overrides stay.
    expect((await replace(key, { type: 'str', allow_override_level: 'usr', default_value: 'd2' })).response.status).toBe(200);
    expect((await claims(user, org))[key]).toEqual({ t: 's', v: 'u' });

    // Narrower (org): user overrides go, and stay gone if the level widens again.
    expect((await replace(key, { type: 'str', allow_override_level: 'org', default_value: 'd2' })).response.status).toBe(200);
    expect((await claims(user, org))[key]).toEqual({ t: 's', v: 'o' });
    expect((await replace(key, { type: 'str', allow_override_level: 'usr', default_value: 'd2' })).response.status).toBe(200);
    expect((await claims(user, org))[key]).toEqual({ t: 's', v: 'o' });

    // Narrower (env): organization overrides go.
    expect((await replace(key, { type: 'str', allow_override_level: 'env', default_value: 'd2' })).response.status).toBe(200);
    expect((await claims(user, org))[key]).toEqual({ t: 's', v: 'e' });
    expect((await organizationValues())[key]).toEqual({ type: 'str', value: 'e' });

    // New type: every override goes; the default is the new type's.
    expect((await replace(key, { type: 'str', allow_override_level: 'usr', default_value: 'd2' })).response.status).toBe(200);
    expect((await setOrg(key, 'o')).response.status).toBe(200);
    expect((await setUser(key, 'u')).response.status).toBe(200);
    expect((await replace(key, { type: 'int', allow_override_level: 'usr', default_value: '3' })).response.status).toBe(200);
    expect((await claims(user, org))[key]).toEqual({ t: 'i', v: 3 });
    expect((await environmentValues())[key]).toEqual({ type: 'int', value: '3' });
  });

  it('deletes a flag with its overrides at every level (a new flag of that key starts clean)', async () => {
    const key = await create('int', '1', 'usr');
    await setEnv(key, '2');
    await setOrg(key, '3');
    await setUser(key, '4');
    expect((await deleteFeatureFlag({ client: s.api, path: { feature_flag_key: key } })).response.status).toBe(200);
    await create('int', '1', 'usr', key);
    expect((await claims(user, org))[key]).toEqual({ t: 'i', v: 1 });
  });
});

describe('environment overrides', () => {
  it('sets, shows, deletes one and deletes all', async () => {
    const a = await create('bool', 'false', 'env');
    const b = await create('int', '10', 'usr');
    const r = await setEnv(a, 'true');
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'FEATURE_FLAG_OVERRIDE_UPDATED', message: 'Feature flag override successfully updated' });
    expect((await setEnv(b, '-5')).response.status).toBe(200);
    expect((await setEnv(b, '20')).response.status).toBe(200); // a second override replaces the first
    let values = await environmentValues();
    expect(values[a]).toEqual({ type: 'bool', value: 'true' });
    expect(values[b]).toEqual({ type: 'int', value: '20' });
    expect((await claims(null, null))[a]).toEqual({ t: 'b', v: true });

    const one = await deleteEnvironementFeatureFlagOverride({ client: s.api, path: { feature_flag_key: a } });
    expect(one.response.status).toBe(200);
    expect(one.data).toEqual({ code: 'FEATURE_FLAG_OVERRIDE_DELETED', message: 'Feature flag override successfully deleted' });
    // Deleting an override that is not set is no error: the flag already shows its default.
    expect((await deleteEnvironementFeatureFlagOverride({ client: s.api, path: { feature_flag_key: a } })).response.status).toBe(200);
    values = await environmentValues();
    expect(values[a]).toEqual({ type: 'bool', value: 'false' });
    expect(values[b]).toEqual({ type: 'int', value: '20' });

    await setEnv(a, 'true');
    const all = await deleteEnvironementFeatureFlagOverrides({ client: s.api });
    expect(all.response.status).toBe(200);
    expect(all.data).toEqual({ code: 'FEATURE_FLAG_OVERRIDES_DELETED', message: 'Feature flag overrides deleted successfully' });
    values = await environmentValues();
    expect(values[a]).toEqual({ type: 'bool', value: 'false' });
    expect(values[b]).toEqual({ type: 'int', value: '10' });
  });

  it('refuses a value of another type, a flag without overrides, and an unknown flag', async () => {
    const key = await create('int', '1', 'env');
    const bad = await setEnv(key, 'ten');
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_VALUE_INVALID', message: expect.stringContaining('value') }] });
    const fixed = await create('str', 'x');
    const denied = await setEnv(fixed, 'y');
    expect(denied.response.status).toBe(400);
    expect(denied.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_OVERRIDE_NOT_ALLOWED' }] });
    expect((await environmentValues())[fixed]).toEqual({ type: 'str', value: 'x' });
    for (const r of [await setEnv('no_such_flag', '1'), await deleteEnvironementFeatureFlagOverride({ client: s.api, path: { feature_flag_key: 'no_such_flag' } })]) {
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_NOT_FOUND' }] });
    }
    const auth = (s.api.getConfig().headers as Headers).get('authorization')!;
    const noValue = await fetch(`${s.baseUrl}/api/v1/environment/feature_flags/${key}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: auth }, body: '{}' });
    expect(noValue.status).toBe(400);
    expect((await noValue.json()).errors[0].message).toContain('value');
  });

  it('pages through the flags by key to the end', async () => {
    const keys = Array.from({ length: 7 }, () => `page_${newKey()}`);
    for (const k of keys) await create('str', 'x', undefined, k);
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await getEnvironementFeatureFlags({ client: s.api, query: { page_size: 3, next_token: next } });
      expect(r.response.status).toBe(200);
      expect(Object.keys(r.data!.feature_flags).length).toBeLessThanOrEqual(3);
      seen.push(...Object.keys(r.data!.feature_flags));
      next = r.data!.next_token;
      pages++;
    } while (next);
    expect(pages).toBe(Math.ceil(seen.length / 3));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    for (const k of keys) expect(seen).toContain(k);
    const bad = await getEnvironementFeatureFlags({ client: s.api, query: { next_token: 'bm90LWEtY3Vyc29y' } });
    expect(bad.response.status).toBe(400);
  });
});

describe('organization overrides', () => {
  it('resolves the organization\'s values: its override, else the environment\'s, else the default, where allowed', async () => {
    const usr = await create('bool', 'false', 'usr');
    const orgLevel = await create('int', '5', 'org');
    const envLevel = await create('str', 'light', 'env');
    const none = await create('str', 'fixed');
    await setEnv(usr, 'true');
    await setEnv(envLevel, 'dark');
    const r = await setOrg(orgLevel, '25');
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'FEATURE_FLAG_OVERRIDE_UPDATED', message: 'Feature flag override successfully updated' });
    expect((await setOrg(usr, 'false')).response.status).toBe(200);

    const values = await organizationValues();
    expect(values[usr]).toEqual({ type: 'bool', value: 'false' });
    expect(values[orgLevel]).toEqual({ type: 'int', value: '25' });
    expect(values[envLevel]).toEqual({ type: 'str', value: 'dark' });
    expect(values[none]).toEqual({ type: 'str', value: 'fixed' });
    const others = await organizationValues(otherOrg.code);
    expect(others[usr]).toEqual({ type: 'bool', value: 'true' });
    expect(others[orgLevel]).toEqual({ type: 'int', value: '5' });
    expect((await claims(user, org))[orgLevel]).toEqual({ t: 'i', v: 25 });
    expect((await claims(user, otherOrg))[orgLevel]).toEqual({ t: 'i', v: 5 });

    const one = await deleteOrganizationFeatureFlagOverride({ client: s.api, path: { org_code: org.code, feature_flag_key: orgLevel } });
    expect(one.response.status).toBe(200);
    expect(one.data).toEqual({ code: 'FEATURE_FLAG_OVERRIDE_DELETED', message: 'Feature flag override successfully deleted' });
    expect((await organizationValues())[orgLevel]).toEqual({ type: 'int', value: '5' });
    expect((await organizationValues())[usr]).toEqual({ type: 'bool', value: 'false' });

    await setOrg(usr, 'false', otherOrg.code);
    const all = await deleteOrganizationFeatureFlagOverrides({ client: s.api, path: { org_code: org.code } });
    expect(all.response.status).toBe(200);
    expect(all.data).toEqual({ code: 'FEATURE_FLAG_OVERRIDES_DELETED', message: 'Feature flag overrides successfully deleted' });
    expect((await organizationValues())[usr]).toEqual({ type: 'bool', value: 'true' });
    expect((await organizationValues(otherOrg.code))[usr]).toEqual({ type: 'bool', value: 'false' });
  });

  it('refuses an override the flag does not allow at organization level, or of another type', async () => {
    for (const level of ['env', undefined] as const) {
      const key = await create('str', 'x', level);
      const r = await setOrg(key, 'y');
      expect(r.response.status).toBe(400);
      expect(r.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_OVERRIDE_NOT_ALLOWED', message: expect.stringContaining(key) }] });
    }
    const key = await create('bool', 'true', 'org');
    const bad = await setOrg(key, '1');
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_VALUE_INVALID', message: expect.stringContaining('value') }] });
  });

  it('answers 404 for an unknown organization or flag', async () => {
    const key = await create('str', 'x', 'org');
    for (const r of [
      await setOrg(key, 'y', 'org_missing'),
      await getOrganizationFeatureFlags({ client: s.api, path: { org_code: 'org_missing' } }),
      await deleteOrganizationFeatureFlagOverrides({ client: s.api, path: { org_code: 'org_missing' } }),
      await deleteOrganizationFeatureFlagOverride({ client: s.api, path: { org_code: 'org_missing', feature_flag_key: key } }),
    ]) {
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
    }
    for (const r of [await setOrg('no_such_flag', 'y'), await deleteOrganizationFeatureFlagOverride({ client: s.api, path: { org_code: org.code, feature_flag_key: 'no_such_flag' } })]) {
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_NOT_FOUND' }] });
    }
    const noValue = await fetch(`${s.baseUrl}/api/v1/organizations/${org.code}/feature_flags/${key}`, { method: 'PATCH', headers: { authorization: (s.api.getConfig().headers as Headers).get('authorization')! } });
    expect(noValue.status).toBe(400);
    expect((await noValue.json()).errors[0].message).toContain('value');
  });

  it('pages through the organization\'s flags to the end', async () => {
    for (let i = 0; i < 4; i++) await create('int', String(i), 'org');
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const r = await getOrganizationFeatureFlags({ client: s.api, path: { org_code: org.code }, query: { page_size: 2, next_token: next } });
      expect(r.response.status).toBe(200);
      expect(Object.keys(r.data!.feature_flags).length).toBeLessThanOrEqual(2);
      seen.push(...Object.keys(r.data!.feature_flags));
      next = r.data!.next_token;
    } while (next);
    expect(seen).toEqual(Object.keys(await environmentValues()));
  });
});

describe('user overrides', () => {
  it('sets a user\'s value, which wins over the organization and the environment for that user only', async () => {
    const key = await create('int', '1', 'usr');
    await setEnv(key, '2');
    await setOrg(key, '3');
    const r = await setUser(key, '4');
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'FEATURE_FLAG_OVERRIDE_UPDATED', message: 'Feature flag override successfully updated' });
    expect((await claims(user, org))[key]).toEqual({ t: 'i', v: 4 });
    expect((await claims(user, null))[key]).toEqual({ t: 'i', v: 4 });
    expect((await claims(otherUser, org))[key]).toEqual({ t: 'i', v: 3 });
    expect((await claims(otherUser, otherOrg))[key]).toEqual({ t: 'i', v: 2 });
    expect((await setUser(key, '-4')).response.status).toBe(200);
    expect((await claims(user, org))[key]).toEqual({ t: 'i', v: -4 });
  });

  it('refuses a flag that does not allow user overrides, a value of another type, an unknown user or flag', async () => {
    const orgOnly = await create('bool', 'false', 'org');
    const denied = await setUser(orgOnly, 'true');
    expect(denied.response.status).toBe(400);
    expect(denied.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_OVERRIDE_NOT_ALLOWED' }] });
    const key = await create('bool', 'false', 'usr');
    const bad = await setUser(key, 'yes');
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_VALUE_INVALID' }] });
    const noUser = await updateUserFeatureFlagOverride({ client: s.api, path: { user_id: 'kp_missing', feature_flag_key: key }, query: { value: 'true' } });
    expect(noUser.response.status).toBe(404);
    expect(noUser.error).toMatchObject({ errors: [{ code: 'USER_NOT_FOUND' }] });
    const noFlag = await setUser('no_such_flag', 'true');
    expect(noFlag.response.status).toBe(404);
    expect(noFlag.error).toMatchObject({ errors: [{ code: 'FEATURE_FLAG_NOT_FOUND' }] });
  });
});

describe('scopes', () => {
  it('needs each operation\'s scope', async () => {
    const key = await create('str', 'x', 'usr');
    const reader = await s.clientWithScopes(['read:environment_feature_flags', 'read:organization_feature_flags']);
    expect((await getEnvironementFeatureFlags({ client: reader })).response.status).toBe(200);
    expect((await getOrganizationFeatureFlags({ client: reader, path: { org_code: org.code } })).response.status).toBe(200);
    for (const r of [
      await createFeatureFlag({ client: reader, body: { key: newKey(), name: 'No', type: 'str', default_value: 'x' } }),
      await updateFeatureFlag({ client: reader, path: { feature_flag_key: key }, query: { name: 'n', description: '', type: 'str', allow_override_level: 'env', default_value: 'x' } }),
      await deleteFeatureFlag({ client: reader, path: { feature_flag_key: key } }),
      await updateEnvironementFeatureFlagOverride({ client: reader, path: { feature_flag_key: key }, body: { value: 'y' } }),
      await updateOrganizationFeatureFlagOverride({ client: reader, path: { org_code: org.code, feature_flag_key: key }, query: { value: 'y' } }),
      await updateUserFeatureFlagOverride({ client: reader, path: { user_id: user.public_id, feature_flag_key: key }, query: { value: 'y' } }),
    ]) {
      expect(r.response.status).toBe(403);
      expect(r.error).toMatchObject({ errors: [{ code: 'FORBIDDEN' }] });
    }
    const envWriter = await s.clientWithScopes(['update:environment_feature_flags']);
    expect((await updateEnvironementFeatureFlagOverride({ client: envWriter, path: { feature_flag_key: key }, body: { value: 'y' } })).response.status).toBe(200);
    expect((await getEnvironementFeatureFlags({ client: envWriter })).response.status).toBe(403);
  });
});

describe('@kinde/management-api-js against Keyhaven', () => {
  it('manages flags and overrides through the library, unmodified', async () => {
    const clientId = `flags-${randomBytes(6).toString('hex')}`;
    const clientSecret = randomBytes(24).toString('hex');
    await s.deps.repos.oauthClients.insert({
      clientId, name: clientId, type: 'confidential', redirectUris: [], logoutUris: [], grantTypes: ['client_credentials'],
      defaultScopes: [
        'create:feature_flags', 'update:feature_flags', 'delete:feature_flags', 'read:environment_feature_flags', 'update:environment_feature_flags',
        'delete:environment_feature_flags', 'read:organization_feature_flags', 'update:organization_feature_flags', 'delete:organization_feature_flags', 'update:user_feature_flags',
      ],
      tokenFormat: 'jwt', firstParty: true, audiences: [managementAudience(s.deps)], secretHash: hashToken(clientSecret), createdAt: Date.now(),
    });
    init({ kindeDomain: s.baseUrl, clientId, clientSecret });

    const key = newKey('lib');
    expect(await FeatureFlags.createFeatureFlag({ requestBody: { key, name: 'Library', type: 'int', allow_override_level: 'usr', default_value: '1' } })).toMatchObject({ code: 'FEATURE_FLAG_CREATED' });
    expect(await FeatureFlags.updateFeatureFlag({ featureFlagKey: key, name: 'Library flag', description: 'Through the library.', type: 'int', allowOverrideLevel: 'org', defaultValue: '2' })).toMatchObject({ code: 'FEATURE_FLAG_UPDATED' });
    await Environments.updateEnvironementFeatureFlagOverride({ featureFlagKey: key, requestBody: { value: '3' } });
    expect((await Environments.getEnvironementFeatureFlags()).feature_flags?.[key]).toEqual({ type: 'int', value: '3' });
    await Organizations.updateOrganizationFeatureFlagOverride({ orgCode: org.code, featureFlagKey: key, value: '4' });
    expect((await Organizations.getOrganizationFeatureFlags({ orgCode: org.code })).feature_flags?.[key]).toEqual({ type: 'int', value: '4' });
    await expect(Users.updateUserFeatureFlagOverride({ userId: user.public_id, featureFlagKey: key, value: '5' })).rejects.toThrow();
    await FeatureFlags.updateFeatureFlag({ featureFlagKey: key, name: 'Library flag', description: '', type: 'int', allowOverrideLevel: 'usr' as 'org', defaultValue: '2' });
    await Users.updateUserFeatureFlagOverride({ userId: user.public_id, featureFlagKey: key, value: '5' });
    expect((await claims(user, org))[key]).toEqual({ t: 'i', v: 5 });
    await Organizations.deleteOrganizationFeatureFlagOverride({ orgCode: org.code, featureFlagKey: key });
    await Organizations.deleteOrganizationFeatureFlagOverrides({ orgCode: org.code });
    await Environments.deleteEnvironementFeatureFlagOverride({ featureFlagKey: key });
    await Environments.deleteEnvironementFeatureFlagOverrides();
    expect((await claims(otherUser, org))[key]).toEqual({ t: 'i', v: 2 });
    expect(await FeatureFlags.deleteFeatureFlag({ featureFlagKey: key })).toMatchObject({ code: 'FEATURE_FLAG_DELETED' });
  });
});
