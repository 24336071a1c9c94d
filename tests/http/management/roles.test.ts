import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPermission,
  createRole,
  deletePermission,
  deleteRole,
  getRole,
  getRolePermissions,
  getRoles,
  removeRolePermission,
  updateRolePermissions,
  updateRoles,
} from '../../../generated/client';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

let s: ManagementServer;

beforeAll(async () => {
  s = await startManagementServer();
});
afterAll(() => s.close());

const role = async (key: string, name = key, extra: { description?: string; is_default_role?: boolean } = {}) => {
  const r = await createRole({ client: s.api, body: { key, name, ...extra } });
  expect(r.response.status).toBe(201);
  return r.data!.role.id;
};

const permission = async (key: string, name = key) => {
  const r = await createPermission({ client: s.api, body: { key, name } });
  expect(r.response.status).toBe(201);
  return r.data!.permission.id;
};

const raw = (method: string, path: string, body?: unknown) =>
  fetch(`${s.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: (s.api.getConfig().headers as Headers).get('authorization')! },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('roles', () => {
  it('creates, reads, lists, updates and deletes a role', async () => {
    const created = await createRole({ client: s.api, body: { key: 'editor', name: 'Editor', description: 'Edits things.', is_default_role: true } });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ code: 'ROLE_CREATED', message: 'Role successfully created' });
    const id = created.data!.role.id;
    expect(id).toMatch(/^rol_[0-9a-f]{32}$/);

    const got = await getRole({ client: s.api, path: { role_id: id } });
    expect(got.response.status).toBe(200);
    expect(got.data).toEqual({ code: 'OK', message: 'Success', role: { id, key: 'editor', name: 'Editor', description: 'Edits things.', is_default_role: true } });
    const listed = await getRoles({ client: s.api });
    expect(listed.data!.roles).toContainEqual({ id, key: 'editor', name: 'Editor', description: 'Edits things.', is_default_role: true });

    const updated = await updateRoles({ client: s.api, path: { role_id: id }, body: { key: 'writer', name: 'Writer', is_default_role: false } });
    expect(updated.response.status).toBe(201);
    expect(updated.data).toEqual({ code: 'ROLE_UPDATED', message: 'Role successfully updated' });
    // The description is kept when absent.
    expect((await getRole({ client: s.api, path: { role_id: id } })).data!.role).toEqual({ id, key: 'writer', name: 'Writer', description: 'Edits things.', is_default_role: false });

    const deleted = await deleteRole({ client: s.api, path: { role_id: id } });
    expect(deleted.response.status).toBe(200);
    expect(deleted.data).toEqual({ code: 'ROLE_DELETED', message: 'Role successfully deleted' });
    expect((await getRole({ client: s.api, path: { role_id: id } })).response.status).toBe(404);
  });

  it('creates a role without description as null and not default', async () => {
    const id = await role('plain', 'Plain');
    expect((await getRole({ client: s.api, path: { role_id: id } })).data!.role).toEqual({ id, key: 'plain', name: 'Plain', description: null, is_default_role: false });
  });

  it('pages to the end with next_token in every sort order, each role once', async () => {
    for (let i = 0; i < 12; i++) await role(`page-${String(i).padStart(2, '0')}`, `Page ${String(11 - i).padStart(2, '0')}`);
    const field = { name: 'name', id: 'id', key: 'key' } as const;
    for (const sort of ['name_asc', 'name_desc', 'id_asc', 'id_desc', 'key_asc', 'key_desc'] as const) {
      const seen: string[] = [];
      let next: string | undefined;
      do {
        const r = await getRoles({ client: s.api, query: { sort, page_size: 5, next_token: next } });
        expect(r.response.status).toBe(200);
        expect(r.data!.roles.length).toBeLessThanOrEqual(5);
        seen.push(...r.data!.roles.map((x) => x[field[sort.split('_')[0] as keyof typeof field]]));
        next = r.data!.next_token;
      } while (next);
      const all = (await getRoles({ client: s.api, query: { page_size: 500 } })).data!.roles;
      expect(seen).toHaveLength(all.length);
      expect(new Set(seen).size).toBe(all.length);
      const sorted = [...seen].sort();
      expect(seen, sort).toEqual(sort.endsWith('desc') ? sorted.reverse() : sorted);
    }
  });

  it('refuses a duplicate key with 409 on create and update', async () => {
    await role('dup');
    const other = await role('other');
    const dup = await createRole({ client: s.api, body: { key: 'dup', name: 'Again' } });
    expect(dup.response.status).toBe(409);
    expect(dup.error).toMatchObject({ errors: [{ code: 'CONFLICT' }] });
    const upd = await updateRoles({ client: s.api, path: { role_id: other }, body: { key: 'dup', name: 'Other' } });
    expect(upd.response.status).toBe(409);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const noKey = await raw('POST', '/api/v1/roles', { name: 'No key' });
    expect(noKey.status).toBe(400);
    expect((await noKey.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('key') });
    const extra = await raw('POST', '/api/v1/roles', { name: 'X', key: 'x', colour: 'red' });
    expect(extra.status).toBe(400);
    const ctrl = await raw('POST', '/api/v1/roles', { name: 'bad\u0007name', key: 'ctrl' });
    expect(ctrl.status).toBe(400);
    expect((await ctrl.json()).errors[0].message).toContain('name');
    const id = await role('needs-both');
    const noName = await raw('PATCH', `/api/v1/roles/${id}`, { key: 'needs-both' });
    expect(noName.status).toBe(400);
    expect((await noName.json()).errors[0].message).toContain('name');
    expect((await getRoles({ client: s.api, query: { next_token: 'bm90LWEtY3Vyc29y' } })).response.status).toBe(400);
    const badSort = await raw('GET', '/api/v1/roles?sort=created_asc');
    expect(badSort.status).toBe(400);
    expect((await badSort.json()).errors[0].message).toContain('sort');
  });

  it('answers 404 ROLE_NOT_FOUND for an unknown role', async () => {
    for (const r of [
      await getRole({ client: s.api, path: { role_id: 'rol_missing' } }),
      await updateRoles({ client: s.api, path: { role_id: 'rol_missing' }, body: { key: 'k', name: 'n' } }),
      await deleteRole({ client: s.api, path: { role_id: 'rol_missing' } }),
      await getRolePermissions({ client: s.api, path: { role_id: 'rol_missing' } }),
      await updateRolePermissions({ client: s.api, path: { role_id: 'rol_missing' }, body: { permissions: [] } }),
    ]) {
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject({ errors: [{ code: 'ROLE_NOT_FOUND' }] });
    }
  });

  it('needs each operation\'s scope', async () => {
    const reader = await s.clientWithScopes(['read:roles']);
    expect((await getRoles({ client: reader })).response.status).toBe(200);
    expect((await createRole({ client: reader, body: { key: 'nope', name: 'Nope' } })).response.status).toBe(403);
    const id = await role('scoped');
    expect((await getRolePermissions({ client: reader, path: { role_id: id } })).response.status).toBe(403);
    const rp = await s.clientWithScopes(['read:role_permissions']);
    expect((await getRolePermissions({ client: rp, path: { role_id: id } })).response.status).toBe(200);
    expect((await updateRolePermissions({ client: rp, path: { role_id: id }, body: { permissions: [] } })).response.status).toBe(403);
    expect((await deleteRole({ client: rp, path: { role_id: id } })).response.status).toBe(403);
  });
});

describe('role permissions', () => {
  it('adds and removes permissions in one request, answering what changed', async () => {
    const id = await role('perm-holder');
    const [a, b, c] = [await permission('rp:a'), await permission('rp:b'), await permission('rp:c')];
    const first = await updateRolePermissions({ client: s.api, path: { role_id: id }, body: { permissions: [{ id: a }, { id: b }] } });
    expect(first.response.status).toBe(200);
    expect(first.data).toEqual({ code: 'PERMISSIONS_UPDATED', message: 'Permissions successfully updated', permissions_added: [a, b], permissions_removed: [] });

    // Adding one held and removing one not held change nothing.
    const second = await updateRolePermissions({
      client: s.api,
      path: { role_id: id },
      body: { permissions: [{ id: a }, { id: c }, { id: b, operation: 'delete' }, { id: b, operation: 'delete' }] },
    });
    expect(second.data).toMatchObject({ permissions_added: [c], permissions_removed: [b] });
    const listed = await getRolePermissions({ client: s.api, path: { role_id: id } });
    expect(listed.response.status).toBe(200);
    expect(listed.data).toEqual({
      code: 'OK',
      message: 'Success',
      permissions: [
        { id: a, key: 'rp:a', name: 'rp:a', description: null },
        { id: c, key: 'rp:c', name: 'rp:c', description: null },
      ],
    });

    const removed = await removeRolePermission({ client: s.api, path: { role_id: id, permission_id: a } });
    expect(removed.response.status).toBe(200);
    expect(removed.data).toEqual({ code: 'PERMISSION_REMOVED', message: 'Permission successfully removed from role' });
    expect((await getRolePermissions({ client: s.api, path: { role_id: id } })).data!.permissions.map((p) => p.id)).toEqual([c]);

    // An empty or absent list changes nothing.
    expect((await updateRolePermissions({ client: s.api, path: { role_id: id }, body: {} })).data).toMatchObject({ permissions_added: [], permissions_removed: [] });
  });

  it('changes nothing when one permission of the request is unknown (one transaction)', async () => {
    const id = await role('atomic');
    const a = await permission('atomic:a');
    const r = await updateRolePermissions({ client: s.api, path: { role_id: id }, body: { permissions: [{ id: a }, { id: 'perm_missing' }] } });
    expect(r.response.status).toBe(400);
    expect(r.error).toMatchObject({ errors: [{ code: 'PERMISSION_ID_UNKNOWN', message: '/body/permissions/1/id names no permission (perm_missing).' }] });
    expect((await getRolePermissions({ client: s.api, path: { role_id: id } })).data!.permissions).toEqual([]);
  });

  it('refuses a bad operation or item with 400', async () => {
    const id = await role('bad-op');
    const a = await permission('badop:a');
    const op = await raw('PATCH', `/api/v1/roles/${id}/permissions`, { permissions: [{ id: a, operation: 'remove' }] });
    expect(op.status).toBe(400);
    expect((await op.json()).errors[0].message).toContain('operation');
    const noId = await raw('PATCH', `/api/v1/roles/${id}/permissions`, { permissions: [{ operation: 'delete' }] });
    expect(noId.status).toBe(400);
    expect((await noId.json()).errors[0].message).toContain('id');
  });

  it('answers 404 removing a permission the role does not carry, or an unknown one', async () => {
    const id = await role('remove-404');
    const a = await permission('remove404:a');
    const notCarried = await removeRolePermission({ client: s.api, path: { role_id: id, permission_id: a } });
    expect(notCarried.response.status).toBe(404);
    expect(notCarried.error).toMatchObject({ errors: [{ code: 'ROLE_PERMISSION_NOT_FOUND' }] });
    const unknown = await removeRolePermission({ client: s.api, path: { role_id: id, permission_id: 'perm_missing' } });
    expect(unknown.error).toMatchObject({ errors: [{ code: 'PERMISSION_NOT_FOUND' }] });
    const noRole = await removeRolePermission({ client: s.api, path: { role_id: 'rol_missing', permission_id: a } });
    expect(noRole.error).toMatchObject({ errors: [{ code: 'ROLE_NOT_FOUND' }] });
    const scoped = await s.clientWithScopes(['read:role_permissions']);
    expect((await removeRolePermission({ client: scoped, path: { role_id: id, permission_id: a } })).response.status).toBe(403);
  });

  it('pages a role\'s permissions to the end by name and id', async () => {
    const id = await role('many-perms');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await permission(`many:${i}`, `Many ${6 - i}`));
    await permission('many:not-in-role');
    await updateRolePermissions({ client: s.api, path: { role_id: id }, body: { permissions: ids.map((p) => ({ id: p })) } });
    for (const sort of ['name_asc', 'name_desc', 'id_asc', 'id_desc'] as const) {
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const r = await getRolePermissions({ client: s.api, path: { role_id: id }, query: { sort, page_size: 3, next_token: next } });
        expect(r.response.status).toBe(200);
        seen.push(...r.data!.permissions.map((p) => (sort.startsWith('name') ? p.name : p.id)));
        next = r.data!.next_token;
        pages++;
      } while (next);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(7);
      const sorted = [...seen].sort();
      expect(seen, sort).toEqual(sort.endsWith('desc') ? sorted.reverse() : sorted);
    }
  });

  it('loses a deleted permission, and a deleted role leaves no permission links', async () => {
    const id = await role('cascade-role');
    const a = await permission('cascade:a');
    const b = await permission('cascade:b');
    await updateRolePermissions({ client: s.api, path: { role_id: id }, body: { permissions: [{ id: a }, { id: b }] } });
    await deletePermission({ client: s.api, path: { permission_id: a } });
    expect((await getRolePermissions({ client: s.api, path: { role_id: id } })).data!.permissions.map((p) => p.id)).toEqual([b]);
    await deleteRole({ client: s.api, path: { role_id: id } });
    const links = await s.deps.store.db.selectFrom('role_permissions').selectAll().where('role_id', '=', id).execute();
    expect(links).toEqual([]);
  });
});
