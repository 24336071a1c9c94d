import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import {
  createCategory,
  createProperty,
  getOrganizationPropertyValues,
  getUserPropertyValues,
  updateOrganizationProperties,
  updateOrganizationProperty,
  updateUserProperties,
  updateUserProperty,
} from '../../../generated/client';
import { createRepositories } from '../../../src/store/repositories';
import { tokenProperties } from '../../../src/services/management/propertyValues';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

let s: ManagementServer;
let last = 0;
const clock = () => (last = Math.max(Date.now(), last + 1));
const categories: Record<string, string> = {};

beforeAll(async () => {
  s = await startManagementServer({}, { clock });
  for (const context of ['usr', 'org'] as const) {
    categories[context] = (await createCategory({ client: s.api, body: { name: `Custom ${context}`, context } })).data!.category.id;
  }
});
afterAll(() => s.close());

const newProperty = async (key: string, context: 'usr' | 'org', extra: { is_private?: boolean; type?: 'single_line_text' | 'multi_line_text' } = {}) => {
  const r = await createProperty({
    client: s.api,
    body: { key, name: `Name ${key}`, type: extra.type ?? 'single_line_text', context, is_private: extra.is_private ?? false, category_id: categories[context] },
  });
  expect(r.response.status, JSON.stringify(r.error)).toBe(201);
  return r.data!.property.id;
};

let n = 0;
const newUser = () => s.deps.repos.users.create({ email: `values-${++n}@example.com` }, null, Date.now());
const newOrg = () => s.deps.repos.tenants.create({ code: `org_values${++n}`, name: `Org ${n}`, kind: 'standard' }, Date.now());

const auth = () => (s.api.getConfig().headers as Headers).get('authorization')!;
const patchRaw = (path: string, body: unknown) =>
  fetch(`${s.baseUrl}${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: auth() }, body: JSON.stringify(body) });

const valuesOf = async (userId: string) => {
  const r = await getUserPropertyValues({ client: s.api, path: { user_id: userId } });
  expect(r.response.status).toBe(200);
  return Object.fromEntries(r.data!.properties.map((p) => [p.key, p.value]));
};

describe('user property values', () => {
  it('lists every user property with the user\'s value, null while unset', async () => {
    await newProperty('favourite_colour', 'usr');
    const user = await newUser();
    const r = await getUserPropertyValues({ client: s.api, path: { user_id: user.public_id } });
    expect(r.response.status).toBe(200);
    expect(r.data).toMatchObject({ code: 'OK', message: 'Success' });
    expect(r.data!.next_token).toBeUndefined();
    const keys = r.data!.properties.map((p) => p.key);
    // Only `usr` properties, built-in ones first.
    expect(keys.slice(0, 10).every((k) => k.startsWith('kp_usr_'))).toBe(true);
    expect(keys).toContain('favourite_colour');
    expect(keys.some((k) => k.startsWith('kp_org_'))).toBe(false);
    expect(r.data!.properties.find((p) => p.key === 'kp_usr_city')).toEqual({ id: 'prop_kp_usr_city', name: 'City', description: null, key: 'kp_usr_city', value: null });
    expect(r.data!.properties.every((p) => p.value === null)).toBe(true);
  });

  it('sets several values at once, one with PUT, and removes one with null', async () => {
    await newProperty('bio', 'usr', { type: 'multi_line_text' });
    const user = await newUser();
    const patched = await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: { kp_usr_city: 'Sydney', bio: 'Line one\nLine two' } } });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toEqual({ code: 'PROPERTIES_UPDATED', message: 'Properties successfully updated' });
    expect(await valuesOf(user.public_id)).toMatchObject({ kp_usr_city: 'Sydney', bio: 'Line one\nLine two', kp_usr_job_title: null });

    const put = await updateUserProperty({ client: s.api, path: { user_id: user.public_id, property_key: 'kp_usr_job_title' }, query: { value: 'Engineer' } });
    expect(put.response.status).toBe(200);
    expect(put.data).toEqual({ code: 'PROPERTY_UPDATED', message: 'Property successfully updated' });
    // A second PUT replaces the value.
    await updateUserProperty({ client: s.api, path: { user_id: user.public_id, property_key: 'kp_usr_city' }, query: { value: 'Melbourne' } });
    expect(await valuesOf(user.public_id)).toMatchObject({ kp_usr_city: 'Melbourne', kp_usr_job_title: 'Engineer' });

    await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: { kp_usr_city: null } } });
    expect(await valuesOf(user.public_id)).toMatchObject({ kp_usr_city: null, kp_usr_job_title: 'Engineer', bio: 'Line one\nLine two' });
    // Another user's values are their own.
    expect(Object.values(await valuesOf((await newUser()).public_id)).every((v) => v === null)).toBe(true);
  });

  it('refuses an unknown key or a key of another context with 400 naming it, and writes nothing', async () => {
    const user = await newUser();
    const unknown = await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: { kp_usr_city: 'Perth', no_such_key: 'x' } } });
    expect(unknown.response.status).toBe(400);
    expect(unknown.error).toMatchObject({ errors: [{ code: 'UNKNOWN_PROPERTY', message: expect.stringContaining('no_such_key') }] });
    const foreign = await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: { kp_usr_city: 'Perth', kp_org_city: 'Perth' } } });
    expect(foreign.response.status).toBe(400);
    expect(foreign.error).toMatchObject({ errors: [{ code: 'PROPERTY_CONTEXT_MISMATCH', message: expect.stringContaining('kp_org_city') }] });
    const tooLong = await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: { kp_usr_job_title: 'Chief', kp_usr_city: 'x'.repeat(256) } } });
    expect(tooLong.response.status).toBe(400);
    expect(tooLong.error).toMatchObject({ errors: [{ code: 'INVALID_PROPERTY_VALUE', message: expect.stringContaining('kp_usr_city') }] });
    expect((await valuesOf(user.public_id)).kp_usr_city).toBeNull();
    expect((await valuesOf(user.public_id)).kp_usr_job_title).toBeNull();

    const putForeign = await updateUserProperty({ client: s.api, path: { user_id: user.public_id, property_key: 'kp_org_city' }, query: { value: 'x' } });
    expect(putForeign.response.status).toBe(400);
    expect(putForeign.error).toMatchObject({ errors: [{ code: 'PROPERTY_CONTEXT_MISMATCH' }] });
    const putUnknown = await updateUserProperty({ client: s.api, path: { user_id: user.public_id, property_key: 'no_such_key' }, query: { value: 'x' } });
    expect(putUnknown.response.status).toBe(404);
    expect(putUnknown.error).toMatchObject({ errors: [{ code: 'PROPERTY_NOT_FOUND' }] });
  });

  it('bounds values: single-line ≤ 255 characters without line breaks, multi-line ≤ 4096', async () => {
    await newProperty('notes', 'usr', { type: 'multi_line_text' });
    const user = await newUser();
    const id = user.public_id;
    const put = (key: string, value: string) => updateUserProperty({ client: s.api, path: { user_id: id, property_key: key }, query: { value } });
    expect((await put('kp_usr_city', 'é'.repeat(255))).response.status).toBe(200);
    expect((await put('kp_usr_city', 'x'.repeat(256))).response.status).toBe(400);
    const newline = await put('kp_usr_city', 'two\nlines');
    expect(newline.response.status).toBe(400);
    expect(newline.error).toMatchObject({ errors: [{ code: 'INVALID_PROPERTY_VALUE', message: expect.stringContaining('line') }] });
    expect((await put('notes', `${'y'.repeat(4000)}\r\nend`)).response.status).toBe(200);
    expect((await put('notes', 'z'.repeat(4097))).response.status).toBe(400);
    expect((await put('notes', 'bell\u0007')).response.status).toBe(400);
    const schema = await patchRaw(`/api/v1/users/${id}/properties`, { properties: { notes: 'z'.repeat(4097) } });
    expect(schema.status).toBe(400);
    expect((await schema.json()).errors[0].message).toContain('properties');
    for (const body of [{}, { properties: { notes: 5 } }, { properties: {}, extra: 1 }, { properties: { '.bad': 'x' } }]) {
      expect((await patchRaw(`/api/v1/users/${id}/properties`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await valuesOf(id)).toMatchObject({ kp_usr_city: 'é'.repeat(255), notes: `${'y'.repeat(4000)}\r\nend` });
  });

  it('pages to the end with page_size and next_token', async () => {
    for (let i = 0; i < 5; i++) await newProperty(`paged_${i}`, 'usr');
    const user = await newUser();
    const all = (await getUserPropertyValues({ client: s.api, path: { user_id: user.public_id } })).data!.properties.map((p) => p.id);
    expect(all.length).toBeGreaterThan(15);
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await getUserPropertyValues({ client: s.api, path: { user_id: user.public_id }, query: { page_size: 4, next_token: next } });
      expect(r.response.status).toBe(200);
      expect(r.data!.properties.length).toBeLessThanOrEqual(4);
      seen.push(...r.data!.properties.map((p) => p.id));
      next = r.data!.next_token;
      pages++;
    } while (next);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 4));
    const bad = await getUserPropertyValues({ client: s.api, path: { user_id: user.public_id }, query: { next_token: 'bm90LWEtY3Vyc29y' } });
    expect(bad.response.status).toBe(400);
  });

  it('answers 404 for an unknown user', async () => {
    const get = await getUserPropertyValues({ client: s.api, path: { user_id: 'kp_missing' } });
    expect(get.response.status).toBe(404);
    expect(get.error).toMatchObject({ errors: [{ code: 'USER_NOT_FOUND' }] });
    expect((await updateUserProperties({ client: s.api, path: { user_id: 'kp_missing' }, body: { properties: { kp_usr_city: 'x' } } })).response.status).toBe(404);
    expect((await updateUserProperty({ client: s.api, path: { user_id: 'kp_missing', property_key: 'kp_usr_city' }, query: { value: 'x' } })).response.status).toBe(404);
  });

  it('needs read:user_properties to read and update:user_properties to write', async () => {
    const user = await newUser();
    const reader = await s.clientWithScopes(['read:user_properties']);
    expect((await getUserPropertyValues({ client: reader, path: { user_id: user.public_id } })).response.status).toBe(200);
    expect((await updateUserProperties({ client: reader, path: { user_id: user.public_id }, body: { properties: {} } })).response.status).toBe(403);
    expect((await updateUserProperty({ client: reader, path: { user_id: user.public_id, property_key: 'kp_usr_city' }, query: { value: 'x' } })).response.status).toBe(403);
    const writer = await s.clientWithScopes(['update:user_properties']);
    expect((await getUserPropertyValues({ client: writer, path: { user_id: user.public_id } })).response.status).toBe(403);
    expect((await updateUserProperties({ client: writer, path: { user_id: user.public_id }, body: { properties: { kp_usr_city: 'Hobart' } } })).response.status).toBe(200);
  });
});

describe('organization property values', () => {
  it('lists, sets, replaces and removes an organization\'s values', async () => {
    await newProperty('company_size', 'org', { type: 'single_line_text' });
    const org = await newOrg();
    const list = async () => {
      const r = await getOrganizationPropertyValues({ client: s.api, path: { org_code: org.code } });
      expect(r.response.status).toBe(200);
      return r.data!.properties;
    };
    const before = await list();
    expect(before.every((p) => p.key.startsWith('kp_org_') || p.key === 'company_size')).toBe(true);
    expect(before.filter((p) => p.key.startsWith('kp_org_'))).toHaveLength(6);

    const patched = await updateOrganizationProperties({ client: s.api, path: { org_code: org.code }, body: { properties: { kp_org_city: 'Sydney', company_size: '50' } } });
    expect(patched.response.status).toBe(200);
    const put = await updateOrganizationProperty({ client: s.api, path: { org_code: org.code, property_key: 'company_size' }, query: { value: '60' } });
    expect(put.response.status).toBe(200);
    expect(Object.fromEntries((await list()).map((p) => [p.key, p.value]))).toMatchObject({ kp_org_city: 'Sydney', company_size: '60', kp_org_industry: null });
    await updateOrganizationProperties({ client: s.api, path: { org_code: org.code }, body: { properties: { company_size: null } } });
    expect((await list()).find((p) => p.key === 'company_size')!.value).toBeNull();
  });

  it('refuses user properties and unknown keys (400), unknown organizations (404), and needs its scopes', async () => {
    const org = await newOrg();
    const foreign = await updateOrganizationProperties({ client: s.api, path: { org_code: org.code }, body: { properties: { kp_usr_city: 'x' } } });
    expect(foreign.response.status).toBe(400);
    expect(foreign.error).toMatchObject({ errors: [{ code: 'PROPERTY_CONTEXT_MISMATCH', message: expect.stringContaining('kp_usr_city') }] });
    const unknown = await updateOrganizationProperties({ client: s.api, path: { org_code: org.code }, body: { properties: { nope_a: 'x', nope_b: 'y' } } });
    expect(unknown.error).toMatchObject({ errors: [{ code: 'UNKNOWN_PROPERTY', message: expect.stringContaining('nope_a, nope_b') }] });
    const putForeign = await updateOrganizationProperty({ client: s.api, path: { org_code: org.code, property_key: 'kp_usr_city' }, query: { value: 'x' } });
    expect(putForeign.response.status).toBe(400);
    const newline = await updateOrganizationProperty({ client: s.api, path: { org_code: org.code, property_key: 'kp_org_city' }, query: { value: 'a\nb' } });
    expect(newline.response.status).toBe(400);

    const missing = await getOrganizationPropertyValues({ client: s.api, path: { org_code: 'org_missing' } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
    expect((await updateOrganizationProperties({ client: s.api, path: { org_code: 'org_missing' }, body: { properties: {} } })).response.status).toBe(404);
    expect((await updateOrganizationProperty({ client: s.api, path: { org_code: 'org_missing', property_key: 'kp_org_city' }, query: { value: 'x' } })).response.status).toBe(404);

    const reader = await s.clientWithScopes(['read:organization_properties']);
    expect((await getOrganizationPropertyValues({ client: reader, path: { org_code: org.code } })).response.status).toBe(200);
    expect((await updateOrganizationProperties({ client: reader, path: { org_code: org.code }, body: { properties: {} } })).response.status).toBe(403);
    expect((await updateOrganizationProperty({ client: reader, path: { org_code: org.code, property_key: 'kp_org_city' }, query: { value: 'x' } })).response.status).toBe(403);
    const userReader = await s.clientWithScopes(['read:user_properties']);
    expect((await getOrganizationPropertyValues({ client: userReader, path: { org_code: org.code } })).response.status).toBe(403);
  });

  it('pages to the end with page_size and next_token', async () => {
    const org = await newOrg();
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const r = await getOrganizationPropertyValues({ client: s.api, path: { org_code: org.code }, query: { page_size: 2, next_token: next } });
      seen.push(...r.data!.properties.map((p) => p.key));
      next = r.data!.next_token;
    } while (next);
    const all = (await getOrganizationPropertyValues({ client: s.api, path: { org_code: org.code } })).data!.properties.map((p) => p.key);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('tokenProperties (the user_properties / organization_properties claims)', () => {
  /** Repositories over the server's database that count the SQL statements they send. */
  const counted = () => {
    const counter = { queries: 0 };
    const plugin: KyselyPlugin = {
      transformQuery: (args) => {
        counter.queries++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    return { counter, deps: { repos: createRepositories(s.deps.db.withPlugin(plugin)) } };
  };

  it('holds every non-private property of each context: {v} when set, {} when not', async () => {
    await newProperty('token_public', 'usr');
    await newProperty('token_secret', 'usr', { is_private: true });
    await newProperty('org_public', 'org');
    await newProperty('org_secret', 'org', { is_private: true });
    const user = await newUser();
    const org = await newOrg();
    await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: { kp_usr_city: 'Sydney', token_public: 'shown', token_secret: 'hidden' } } });
    await updateOrganizationProperties({ client: s.api, path: { org_code: org.code }, body: { properties: { kp_org_city: 'Perth', org_secret: 'hidden' } } });

    const claims = await tokenProperties(s.deps, user.id, org.id);
    expect(claims.user_properties).toMatchObject({ kp_usr_city: { v: 'Sydney' }, token_public: { v: 'shown' }, kp_usr_industry: {} });
    expect(claims.user_properties).not.toHaveProperty('token_secret');
    expect(Object.keys(claims.user_properties).every((k) => !k.startsWith('kp_org_'))).toBe(true);
    expect(claims.organization_properties).toMatchObject({ kp_org_city: { v: 'Perth' }, org_public: {}, kp_org_postcode: {} });
    expect(claims.organization_properties).not.toHaveProperty('org_secret');
    expect(Object.keys(claims.organization_properties).every((k) => !k.startsWith('kp_usr_'))).toBe(true);
    // Seed 002's shape: `"kp_usr_city": {}` while unset, `{"v": "…"}` once set.
    expect(JSON.parse(JSON.stringify(claims.user_properties.kp_usr_industry))).toEqual({});

    const noOrg = await tokenProperties(s.deps, user.id, null);
    expect(noOrg.organization_properties).toEqual({});
    expect(noOrg.user_properties).toEqual(claims.user_properties);
  });

  it('takes a constant number of queries however many properties there are', async () => {
    const user = await newUser();
    const org = await newOrg();
    const first = counted();
    await tokenProperties(first.deps, user.id, org.id);
    for (let i = 0; i < 20; i++) await newProperty(`many_${i}`, i % 2 ? 'usr' : 'org');
    await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`many_${2 * i + 1}`, `v${i}`])) } });
    const second = counted();
    const claims = await tokenProperties(second.deps, user.id, org.id);
    expect(claims.user_properties.many_19).toEqual({ v: 'v9' });
    expect(first.counter.queries).toBe(2);
    expect(second.counter.queries).toBe(2);
    const noOrg = counted();
    await tokenProperties(noOrg.deps, user.id, null);
    expect(noOrg.counter.queries).toBe(1);
  });
});
