import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPermission, deletePermission, getPermissions, updatePermissions } from '../../../generated/client';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

let s: ManagementServer;

beforeAll(async () => {
  s = await startManagementServer();
});
afterAll(() => s.close());

const create = async (key: string, name = key) => {
  const r = await createPermission({ client: s.api, body: { key, name, description: `Lets the user ${key}.` } });
  expect(r.response.status).toBe(201);
  return r.data!.permission.id;
};

describe('permissions', () => {
  it('creates, lists, updates and deletes a permission', async () => {
    const id = await create('read:reports', 'Read reports');
    expect(id).toMatch(/^perm_[0-9a-f]{32}$/);
    const listed = await getPermissions({ client: s.api });
    expect(listed.data).toMatchObject({ code: 'OK', permissions: [{ id, key: 'read:reports', name: 'Read reports', description: 'Lets the user read:reports.' }] });

    const updated = await updatePermissions({ client: s.api, path: { permission_id: id }, body: { name: 'Read all reports' } });
    expect(updated.response.status).toBe(201);
    expect(updated.data).toEqual({ code: 'PERMISSION_UPDATED', message: 'Permission successfully updated' });
    expect((await getPermissions({ client: s.api })).data!.permissions.find((p) => p.id === id)).toMatchObject({ name: 'Read all reports', key: 'read:reports' });

    expect((await deletePermission({ client: s.api, path: { permission_id: id } })).response.status).toBe(200);
    expect((await getPermissions({ client: s.api })).data!.permissions.find((p) => p.id === id)).toBeUndefined();
  });

  it('pages to the end with next_token in both sort orders, each permission once', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `page:${String(i).padStart(2, '0')}`);
    for (const k of keys) await create(k, `Page ${k}`);
    for (const sort of ['name_asc', 'name_desc', 'id_asc', 'id_desc'] as const) {
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const r = await getPermissions({ client: s.api, query: { sort, page_size: 5, next_token: next } });
        expect(r.response.status).toBe(200);
        expect(r.data!.permissions.length).toBeLessThanOrEqual(5);
        seen.push(...r.data!.permissions.map((p) => (sort.startsWith('name') ? p.name : p.id)));
        next = r.data!.next_token;
        pages++;
      } while (next);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(12);
      const sorted = [...seen].sort();
      expect(seen).toEqual(sort.endsWith('desc') ? sorted.reverse() : sorted);
    }
  });

  it('refuses a duplicate key with 409, and bad input with 400 naming the field', async () => {
    await create('dup:key');
    const dup = await createPermission({ client: s.api, body: { key: 'dup:key', name: 'Again' } });
    expect(dup.response.status).toBe(409);
    expect(dup.error).toMatchObject({ errors: [{ code: 'CONFLICT' }] });
    const bad = await fetch(`${s.baseUrl}/api/v1/permissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: (s.api.getConfig().headers as Headers).get('authorization')! },
      body: JSON.stringify({ name: 'No key' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('key') });
    const token = await getPermissions({ client: s.api, query: { next_token: 'bm90LWEtY3Vyc29y' } });
    expect(token.response.status).toBe(400);
  });

  it('answers 404 for an unknown id on update and delete', async () => {
    const u = await updatePermissions({ client: s.api, path: { permission_id: 'perm_missing' }, body: { name: 'x' } });
    expect(u.response.status).toBe(404);
    expect(u.error).toMatchObject({ errors: [{ code: 'PERMISSION_NOT_FOUND' }] });
    expect((await deletePermission({ client: s.api, path: { permission_id: 'perm_missing' } })).response.status).toBe(404);
  });

  it('needs the operation\'s scope: read:permissions lists but cannot create', async () => {
    const reader = await s.clientWithScopes(['read:permissions']);
    expect((await getPermissions({ client: reader })).response.status).toBe(200);
    const denied = await createPermission({ client: reader, body: { key: 'nope', name: 'Nope' } });
    expect(denied.response.status).toBe(403);
  });
});
