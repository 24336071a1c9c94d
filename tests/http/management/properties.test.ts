import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCategory,
  createProperty,
  deleteProperty,
  getCategories,
  getProperties,
  getUserPropertyValues,
  updateCategory,
  updateProperty,
  updateUserProperties,
} from '../../../generated/client';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

let s: ManagementServer;

// A clock that never repeats a millisecond, so creation order is the listing order (ties go by id).
let last = 0;
const clock = () => (last = Math.max(Date.now(), last + 1));

beforeAll(async () => {
  s = await startManagementServer({}, { clock });
});
afterAll(() => s.close());

const newCategory = async (name: string, context: 'usr' | 'org' | 'app') => {
  const r = await createCategory({ client: s.api, body: { name, context } });
  expect(r.response.status).toBe(201);
  return r.data!.category.id;
};

const newProperty = async (key: string, context: 'usr' | 'org' | 'app', categoryId: string, extra: { is_private?: boolean; type?: 'single_line_text' | 'multi_line_text' } = {}) => {
  const r = await createProperty({
    client: s.api,
    body: { key, name: `Name ${key}`, description: `About ${key}.`, type: extra.type ?? 'single_line_text', context, is_private: extra.is_private ?? false, category_id: categoryId },
  });
  expect(r.response.status, JSON.stringify(r.error)).toBe(201);
  return r.data!.property.id;
};

const raw = (method: string, path: string, body?: unknown) =>
  fetch(`${s.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: (s.api.getConfig().headers as Headers).get('authorization')! },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Every page of a `has_more` list, forward with starting_after. */
async function pageForward<T extends { id: string }>(fetchPage: (startingAfter?: string) => Promise<{ items: T[]; has_more: boolean }>) {
  const seen: T[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await fetchPage(after);
    seen.push(...page.items);
    pages++;
    if (!page.has_more) break;
    after = page.items[page.items.length - 1].id;
  }
  return { seen, pages };
}

describe('properties', () => {
  it('lists the built-in properties, which cannot be deleted', async () => {
    const r = await getProperties({ client: s.api, query: { page_size: 500 } });
    expect(r.response.status).toBe(200);
    const builtIn = r.data!.properties.filter((p) => p.is_kinde_property);
    expect(builtIn.map((p) => p.key)).toEqual(expect.arrayContaining(['kp_usr_city', 'kp_org_city', 'kp_usr_street_address_2', 'kp_org_industry']));
    expect(builtIn).toHaveLength(16);
    const city = builtIn.find((p) => p.key === 'kp_usr_city')!;
    expect(city).toEqual({ id: 'prop_kp_usr_city', key: 'kp_usr_city', name: 'City', is_private: false, description: null, is_kinde_property: true });

    const del = await deleteProperty({ client: s.api, path: { property_id: city.id } });
    expect(del.response.status).toBe(400);
    expect(del.error).toMatchObject({ errors: [{ code: 'KINDE_PROPERTY_NOT_DELETABLE', message: expect.stringContaining('kp_usr_city') }] });
  });

  it('creates, lists, updates and deletes a property', async () => {
    const cat = await newCategory('Company', 'org');
    const other = await newCategory('Company 2', 'org');
    const id = await newProperty('company_size', 'org', cat);
    expect(id).toMatch(/^prop_[0-9a-f]{32}$/);
    const listed = await getProperties({ client: s.api, query: { context: 'org', page_size: 500 } });
    expect(listed.data!.properties.find((p) => p.id === id)).toEqual({
      id, key: 'company_size', name: 'Name company_size', is_private: false, description: 'About company_size.', is_kinde_property: false,
    });
    expect(listed.data!.properties.every((p) => p.key.startsWith('kp_org_') || !p.key.startsWith('kp_'))).toBe(true);

    const updated = await updateProperty({ client: s.api, path: { property_id: id }, body: { name: 'Head count', is_private: true, category_id: other } });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toEqual({ code: 'PROPERTY_UPDATED', message: 'Property successfully updated' });
    const after = (await getProperties({ client: s.api, query: { context: 'org', page_size: 500 } })).data!.properties.find((p) => p.id === id);
    // description was not given, so it stays.
    expect(after).toMatchObject({ name: 'Head count', is_private: true, description: 'About company_size.', key: 'company_size' });

    const del = await deleteProperty({ client: s.api, path: { property_id: id } });
    expect(del.response.status).toBe(200);
    expect(del.data).toEqual({ code: 'PROPERTY_DELETED', message: 'Property successfully deleted' });
    expect((await getProperties({ client: s.api, query: { page_size: 500 } })).data!.properties.find((p) => p.id === id)).toBeUndefined();
    expect((await deleteProperty({ client: s.api, path: { property_id: id } })).response.status).toBe(404);
  });

  it('deleting a property deletes the values held for it', async () => {
    const cat = await newCategory('Profile', 'usr');
    const id = await newProperty('nickname', 'usr', cat);
    const user = await s.deps.repos.users.create({ email: 'cascade@example.com' }, null, Date.now());
    expect((await updateUserProperties({ client: s.api, path: { user_id: user.public_id }, body: { properties: { nickname: 'Nick' } } })).response.status).toBe(200);
    const held = () => s.deps.db.selectFrom('user_property_values').select('value').where('property_id', '=', id).execute();
    expect(await held()).toEqual([{ value: 'Nick' }]);
    expect((await deleteProperty({ client: s.api, path: { property_id: id } })).response.status).toBe(200);
    expect(await held()).toEqual([]);
    const values = await getUserPropertyValues({ client: s.api, path: { user_id: user.public_id } });
    expect(values.data!.properties.find((p) => p.key === 'nickname')).toBeUndefined();
  });

  it('pages forward to the end with starting_after and back with ending_before, in creation order', async () => {
    const cat = await newCategory('Paging', 'app');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await newProperty(`page_${String(i).padStart(2, '0')}`, 'app', cat));

    const { seen, pages } = await pageForward(async (starting_after) => {
      const r = await getProperties({ client: s.api, query: { context: 'app', page_size: 5, starting_after } });
      expect(r.response.status).toBe(200);
      expect(r.data!.properties.length).toBeLessThanOrEqual(5);
      return { items: r.data!.properties, has_more: r.data!.has_more };
    });
    expect(pages).toBe(3);
    expect(seen.map((p) => p.id)).toEqual(ids);

    const back = await getProperties({ client: s.api, query: { context: 'app', page_size: 5, ending_before: ids[7] } });
    expect(back.data!.properties.map((p) => p.id)).toEqual(ids.slice(2, 7));
    expect(back.data!.has_more).toBe(true);
    const first = await getProperties({ client: s.api, query: { context: 'app', page_size: 5, ending_before: ids[2] } });
    expect(first.data!.properties.map((p) => p.id)).toEqual(ids.slice(0, 2));
    expect(first.data!.has_more).toBe(false);

    // Without a context filter, the whole list: built-in properties first, each property once.
    const all = await pageForward(async (starting_after) => {
      const r = await getProperties({ client: s.api, query: { page_size: 7, starting_after } });
      return { items: r.data!.properties, has_more: r.data!.has_more };
    });
    expect(new Set(all.seen.map((p) => p.id)).size).toBe(all.seen.length);
    expect(all.seen.slice(0, 16).every((p) => p.is_kinde_property)).toBe(true);
    expect(all.seen.map((p) => p.id).filter((id) => ids.includes(id))).toEqual(ids);
    // The default page holds 10.
    expect((await getProperties({ client: s.api })).data!.properties).toHaveLength(10);
  });

  it('refuses a duplicate key (409), an unknown category (404), a category of another context (400) and bad input (400)', async () => {
    const usr = await newCategory('People', 'usr');
    const org = await newCategory('Orgs', 'org');
    await newProperty('dup_key', 'usr', usr);
    const dup = await createProperty({ client: s.api, body: { key: 'dup_key', name: 'Again', type: 'single_line_text', context: 'usr', is_private: false, category_id: usr } });
    expect(dup.response.status).toBe(409);
    expect(dup.error).toMatchObject({ errors: [{ code: 'CONFLICT' }] });
    const dupBuiltIn = await createProperty({ client: s.api, body: { key: 'kp_usr_city', name: 'City', type: 'single_line_text', context: 'usr', is_private: false, category_id: usr } });
    expect(dupBuiltIn.response.status).toBe(409);

    const noCat = await createProperty({ client: s.api, body: { key: 'no_cat', name: 'x', type: 'single_line_text', context: 'usr', is_private: false, category_id: 'cat_missing' } });
    expect(noCat.response.status).toBe(404);
    expect(noCat.error).toMatchObject({ errors: [{ code: 'CATEGORY_NOT_FOUND' }] });

    const mismatch = await createProperty({ client: s.api, body: { key: 'mismatch', name: 'x', type: 'single_line_text', context: 'usr', is_private: false, category_id: org } });
    expect(mismatch.response.status).toBe(400);
    expect(mismatch.error).toMatchObject({ errors: [{ code: 'CATEGORY_CONTEXT_MISMATCH', message: expect.stringContaining('category_id') }] });

    const id = await newProperty('to_update', 'usr', usr);
    const upMismatch = await updateProperty({ client: s.api, path: { property_id: id }, body: { name: 'x', is_private: false, category_id: org } });
    expect(upMismatch.response.status).toBe(400);
    const upNoCat = await updateProperty({ client: s.api, path: { property_id: id }, body: { name: 'x', is_private: false, category_id: 'cat_missing' } });
    expect(upNoCat.response.status).toBe(404);

    for (const [body, field] of [
      [{ name: 'No key', type: 'single_line_text', context: 'usr', is_private: false, category_id: usr }, 'key'],
      [{ key: 'k1', name: 'x', type: 'rich_text', context: 'usr', is_private: false, category_id: usr }, 'type'],
      [{ key: 'k2', name: 'x', type: 'single_line_text', context: 'env', is_private: false, category_id: usr }, 'context'],
      [{ key: '.hidden', name: 'x', type: 'single_line_text', context: 'usr', is_private: false, category_id: usr }, 'key'],
      [{ key: 'k3', name: 'bad\u0007name', type: 'single_line_text', context: 'usr', is_private: false, category_id: usr }, 'name'],
      [{ key: 'k4', name: 'x', type: 'single_line_text', context: 'usr', category_id: usr }, 'is_private'],
    ] as const) {
      const r = await raw('POST', '/api/v1/properties', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await r.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field) });
    }
    // Key, type and context cannot be changed.
    const r = await raw('PUT', `/api/v1/properties/${id}`, { name: 'x', is_private: false, category_id: usr, key: 'other' });
    expect(r.status).toBe(400);
  });

  it('refuses a page position that names no property, or both directions at once (400)', async () => {
    const unknown = await getProperties({ client: s.api, query: { starting_after: 'prop_missing' } });
    expect(unknown.response.status).toBe(400);
    expect(unknown.error).toMatchObject({ errors: [{ code: 'INVALID_PAGE_POSITION', message: expect.stringContaining('starting_after') }] });
    const both = await getProperties({ client: s.api, query: { starting_after: 'prop_kp_usr_city', ending_before: 'prop_kp_org_city' } });
    expect(both.response.status).toBe(400);
    const size = await raw('GET', '/api/v1/properties?page_size=0');
    expect(size.status).toBe(400);
    expect((await size.json()).errors[0].message).toContain('page_size');
  });

  it('answers 404 for an unknown property id on update and delete', async () => {
    const cat = await newCategory('Any', 'usr');
    const u = await updateProperty({ client: s.api, path: { property_id: 'prop_missing' }, body: { name: 'x', is_private: false, category_id: cat } });
    expect(u.response.status).toBe(404);
    expect(u.error).toMatchObject({ errors: [{ code: 'PROPERTY_NOT_FOUND' }] });
    const d = await deleteProperty({ client: s.api, path: { property_id: 'prop_missing' } });
    expect(d.response.status).toBe(404);
  });

  it('needs the operation\'s scope: read:properties lists but cannot create, update or delete', async () => {
    const reader = await s.clientWithScopes(['read:properties']);
    expect((await getProperties({ client: reader })).response.status).toBe(200);
    const cat = await newCategory('Scoped', 'usr');
    const denied = await createProperty({ client: reader, body: { key: 'nope', name: 'Nope', type: 'single_line_text', context: 'usr', is_private: false, category_id: cat } });
    expect(denied.response.status).toBe(403);
    expect((await updateProperty({ client: reader, path: { property_id: 'prop_kp_usr_city' }, body: { name: 'x', is_private: false, category_id: cat } })).response.status).toBe(403);
    expect((await deleteProperty({ client: reader, path: { property_id: 'prop_kp_usr_city' } })).response.status).toBe(403);
    expect((await getCategories({ client: reader })).response.status).toBe(403);
  });
});

describe('property categories', () => {
  it('creates, lists and renames a category', async () => {
    const id = await newCategory('Billing', 'org');
    expect(id).toMatch(/^cat_[0-9a-f]{32}$/);
    const listed = await getCategories({ client: s.api, query: { context: 'org', page_size: 500 } });
    expect(listed.data).toMatchObject({ code: 'OK', message: 'Success', has_more: false });
    expect(listed.data!.categories.find((c) => c.id === id)).toEqual({ id, name: 'Billing' });
    expect((await getCategories({ client: s.api, query: { context: 'usr', page_size: 500 } })).data!.categories.find((c) => c.id === id)).toBeUndefined();

    const renamed = await updateCategory({ client: s.api, path: { category_id: id }, body: { name: 'Invoicing' } });
    expect(renamed.response.status).toBe(200);
    expect(renamed.data).toEqual({ code: 'CATEGORY_UPDATED', message: 'Category successfully updated' });
    expect((await updateCategory({ client: s.api, path: { category_id: id }, body: {} })).response.status).toBe(200);
    expect((await getCategories({ client: s.api, query: { page_size: 500 } })).data!.categories.find((c) => c.id === id)).toEqual({ id, name: 'Invoicing' });
  });

  it('pages to the end with starting_after and back with ending_before', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 11; i++) ids.push(await newCategory(`Page ${i}`, 'app'));
    const { seen, pages } = await pageForward(async (starting_after) => {
      const r = await getCategories({ client: s.api, query: { context: 'app', page_size: 4, starting_after } });
      expect(r.response.status).toBe(200);
      return { items: r.data!.categories, has_more: r.data!.has_more };
    });
    // The earlier test's `app` category comes first.
    expect(seen).toHaveLength(12);
    expect(pages).toBe(3);
    expect(seen.map((c) => c.id).slice(1)).toEqual(ids);
    const back = await getCategories({ client: s.api, query: { context: 'app', page_size: 4, ending_before: ids[10] } });
    expect(back.data!.categories.map((c) => c.id)).toEqual(ids.slice(6, 10));
    expect(back.data!.has_more).toBe(true);
    expect((await getCategories({ client: s.api, query: { ending_before: 'cat_missing' } })).response.status).toBe(400);
  });

  it('refuses bad input (400) and an unknown id (404), and needs its scopes', async () => {
    const noContext = await raw('POST', '/api/v1/property_categories', { name: 'x' });
    expect(noContext.status).toBe(400);
    expect((await noContext.json()).errors[0].message).toContain('context');
    const badName = await raw('POST', '/api/v1/property_categories', { name: '', context: 'usr' });
    expect(badName.status).toBe(400);
    const u = await updateCategory({ client: s.api, path: { category_id: 'cat_missing' }, body: { name: 'x' } });
    expect(u.response.status).toBe(404);
    expect(u.error).toMatchObject({ errors: [{ code: 'CATEGORY_NOT_FOUND' }] });

    const reader = await s.clientWithScopes(['read:property_categories']);
    expect((await getCategories({ client: reader })).response.status).toBe(200);
    expect((await createCategory({ client: reader, body: { name: 'x', context: 'usr' } })).response.status).toBe(403);
    expect((await updateCategory({ client: reader, path: { category_id: 'cat_x' }, body: { name: 'x' } })).response.status).toBe(403);
  });
});
