import { randomBytes } from 'node:crypto';
import { Organizations, Roles, init } from '@kinde/management-api-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrganizationUserPermission,
  createOrganizationUserRole,
  createPermission,
  createRole,
  deleteOrganizationUserPermission,
  deleteOrganizationUserRole,
  deletePermission,
  deleteRole,
  getOrganizationUserPermissions,
  getOrganizationUserRoles,
  removeRolePermission,
  updateRolePermissions,
} from '../../../generated/client';
import { hashToken } from '../../../src/services/crypto';
import { memberAccess } from '../../../src/services/management/memberAccess';
import { managementAudience } from '../../../src/services/oauth/clients';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

let s: ManagementServer;

beforeAll(async () => {
  s = await startManagementServer();
});
afterAll(() => s.close());

const tag = () => randomBytes(4).toString('hex');

/** An organization, a user who is a member of it, and the ids the API and the store use for them. */
async function member() {
  const now = Date.now();
  const org = await s.deps.repos.tenants.create({ code: `org_${tag()}`, name: 'Acme', kind: 'standard' }, now);
  const user = await s.deps.repos.users.create({ email: `m-${tag()}@example.com` }, null, now);
  await s.deps.repos.tenants.addMember(user.id, org.id, 'member', now);
  return { org, user, path: { org_code: org.code, user_id: user.public_id } };
}

const role = async (key: string, name = key) => {
  const r = await createRole({ client: s.api, body: { key, name } });
  expect(r.response.status).toBe(201);
  return r.data!.role.id;
};

const permission = async (key: string, name = key) => {
  const r = await createPermission({ client: s.api, body: { key, name, description: `Lets the member ${key}.` } });
  expect(r.response.status).toBe(201);
  return r.data!.permission.id;
};

const grantPermissions = (roleId: string, ids: string[]) =>
  updateRolePermissions({ client: s.api, path: { role_id: roleId }, body: { permissions: ids.map((id) => ({ id })) } });

describe('organization user roles', () => {
  it('adds, lists and removes a member\'s roles', async () => {
    const m = await member();
    const admin = await role(`admin-${tag()}`, 'Administrator');
    const viewer = await role(`viewer-${tag()}`, 'Viewer');
    expect((await getOrganizationUserRoles({ client: s.api, path: m.path })).data).toEqual({ code: 'OK', message: 'Success', roles: [] });

    const added = await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: admin } });
    expect(added.response.status).toBe(200);
    expect(added.data).toEqual({ code: 'ROLE_ADDED', message: 'Role successfully added' });
    await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: viewer } });
    // Granting a held role again is idempotent.
    expect((await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: admin } })).response.status).toBe(200);

    const listed = await getOrganizationUserRoles({ client: s.api, path: m.path });
    expect(listed.response.status).toBe(200);
    const keys = (await Promise.all([admin, viewer].map(async (id) => (await s.deps.repos.roles.findById(id))!.key))).sort();
    expect(listed.data!.roles.map((r) => r.key)).toEqual(keys);
    expect(listed.data!.roles).toContainEqual({ id: admin, key: expect.stringMatching(/^admin-/), name: 'Administrator' });
    expect(listed.data!.next_token).toBeUndefined();

    const removed = await deleteOrganizationUserRole({ client: s.api, path: { ...m.path, role_id: admin } });
    expect(removed.response.status).toBe(200);
    expect(removed.data).toEqual({ code: 'ROLE_REMOVED', message: 'Role successfully removed' });
    expect((await getOrganizationUserRoles({ client: s.api, path: m.path })).data!.roles.map((r) => r.id)).toEqual([viewer]);

    const again = await deleteOrganizationUserRole({ client: s.api, path: { ...m.path, role_id: admin } });
    expect(again.response.status).toBe(404);
    expect(again.error).toMatchObject({ errors: [{ code: 'MEMBER_ROLE_NOT_FOUND' }] });
  });

  it('keeps roles per organization', async () => {
    const m = await member();
    const other = await s.deps.repos.tenants.create({ code: `org_${tag()}`, name: 'Other', kind: 'standard' }, Date.now());
    await s.deps.repos.tenants.addMember(m.user.id, other.id, 'member', Date.now());
    const r = await role(`per-org-${tag()}`);
    await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: r } });
    expect((await getOrganizationUserRoles({ client: s.api, path: { org_code: other.code, user_id: m.user.public_id } })).data!.roles).toEqual([]);
  });

  it('pages a member\'s roles to the end with page_size and next_token', async () => {
    const m = await member();
    const prefix = `pg-${tag()}`;
    for (let i = 0; i < 7; i++) await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: await role(`${prefix}-${i}`) } });
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const r = await getOrganizationUserRoles({ client: s.api, path: m.path, query: { page_size: 3, next_token: next } });
      expect(r.response.status).toBe(200);
      seen.push(...r.data!.roles.map((x) => x.key));
      next = r.data!.next_token;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `${prefix}-${i}`));
  });

  it('answers 404 with the catalogue code for an unknown organization, user, membership or role', async () => {
    const m = await member();
    const outsider = await s.deps.repos.users.create({ email: `out-${tag()}@example.com` }, null, Date.now());
    const r = await role(`r404-${tag()}`);
    const cases: [Parameters<typeof getOrganizationUserRoles>[0]['path'], string][] = [
      [{ org_code: 'org_missing', user_id: m.user.public_id }, 'ORGANIZATION_NOT_FOUND'],
      [{ org_code: m.org.code, user_id: 'kp_missing' }, 'USER_NOT_FOUND'],
      [{ org_code: m.org.code, user_id: outsider.public_id }, 'NOT_A_MEMBER'],
    ];
    for (const [path, code] of cases) {
      for (const res of [
        await getOrganizationUserRoles({ client: s.api, path }),
        await createOrganizationUserRole({ client: s.api, path, body: { role_id: r } }),
        await deleteOrganizationUserRole({ client: s.api, path: { ...path, role_id: r } }),
        await getOrganizationUserPermissions({ client: s.api, path }),
        await createOrganizationUserPermission({ client: s.api, path, body: { permission_id: 'perm_x' } }),
        await deleteOrganizationUserPermission({ client: s.api, path: { ...path, permission_id: 'perm_x' } }),
      ]) {
        expect(res.response.status, code).toBe(404);
        expect(res.error, code).toMatchObject({ errors: [{ code }] });
      }
    }
    // An id in the body that names nothing is bad input, not a missing resource.
    const unknownRole = await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: 'rol_missing' } });
    expect(unknownRole.response.status).toBe(400);
    expect(unknownRole.error).toMatchObject({ errors: [{ code: 'ROLE_ID_UNKNOWN', message: expect.stringContaining('role_id') }] });
    const unknownRoleDelete = await deleteOrganizationUserRole({ client: s.api, path: { ...m.path, role_id: 'rol_missing' } });
    expect(unknownRoleDelete.error).toMatchObject({ errors: [{ code: 'ROLE_NOT_FOUND' }] });
  });

  it('refuses bad input with 400 naming the field', async () => {
    const m = await member();
    const auth = (s.api.getConfig().headers as Headers).get('authorization')!;
    const post = (body: unknown) =>
      fetch(`${s.baseUrl}/api/v1/organizations/${m.org.code}/users/${m.user.public_id}/roles`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify(body),
      });
    const missing = await post({});
    expect(missing.status).toBe(400);
    expect((await missing.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('role_id') });
    expect((await post({ role_id: 'has space' })).status).toBe(400);
    const page = await getOrganizationUserRoles({ client: s.api, path: m.path, query: { next_token: 'bm90LWEtY3Vyc29y' } });
    expect(page.response.status).toBe(400);
    const expand = await fetch(`${s.baseUrl}/api/v1/organizations/${m.org.code}/users/${m.user.public_id}/permissions?expand=users`, { headers: { authorization: auth } });
    expect(expand.status).toBe(400);
    expect((await expand.json()).errors[0].message).toContain('expand');
  });

  it('needs each operation\'s scope', async () => {
    const m = await member();
    const r = await role(`scope-${tag()}`);
    const reader = await s.clientWithScopes(['read:organization_user_roles']);
    expect((await getOrganizationUserRoles({ client: reader, path: m.path })).response.status).toBe(200);
    expect((await createOrganizationUserRole({ client: reader, path: m.path, body: { role_id: r } })).response.status).toBe(403);
    expect((await deleteOrganizationUserRole({ client: reader, path: { ...m.path, role_id: r } })).response.status).toBe(403);
    expect((await getOrganizationUserPermissions({ client: reader, path: m.path })).response.status).toBe(403);
    const granter = await s.clientWithScopes(['create:organization_user_permissions']);
    expect((await createOrganizationUserPermission({ client: granter, path: m.path, body: { permission_id: 'perm_x' } })).response.status).toBe(400);
    expect((await deleteOrganizationUserPermission({ client: granter, path: { ...m.path, permission_id: 'perm_x' } })).response.status).toBe(403);
  });
});

describe('organization user permissions', () => {
  it('lists direct and role permissions once each, with their roles on expand=roles', async () => {
    const m = await member();
    const t = tag();
    const [read, write, audit] = [await permission(`${t}:read`, 'Read'), await permission(`${t}:write`, 'Write'), await permission(`${t}:audit`, 'Audit')];
    const editor = await role(`${t}-editor`);
    const viewer = await role(`${t}-viewer`);
    await grantPermissions(editor, [read, write]);
    await grantPermissions(viewer, [read]);
    await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: editor } });
    await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: viewer } });
    const direct = await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: audit } });
    expect(direct.response.status).toBe(200);
    expect(direct.data).toEqual({ code: 'PERMISSION_ADDED', message: 'User permission successfully updated' });
    // Idempotent, also for one the member already has through a role.
    expect((await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: audit } })).response.status).toBe(200);
    expect((await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: read } })).response.status).toBe(200);

    const plain = await getOrganizationUserPermissions({ client: s.api, path: m.path });
    expect(plain.response.status).toBe(200);
    expect(plain.data).toEqual({
      code: 'OK',
      message: 'Success',
      permissions: [
        { id: audit, key: `${t}:audit`, name: 'Audit', description: `Lets the member ${t}:audit.` },
        { id: read, key: `${t}:read`, name: 'Read', description: `Lets the member ${t}:read.` },
        { id: write, key: `${t}:write`, name: 'Write', description: `Lets the member ${t}:write.` },
      ],
    });

    const expanded = await getOrganizationUserPermissions({ client: s.api, path: m.path, query: { expand: 'roles' } });
    expect(expanded.data!.permissions.map((p) => [p.id, p.roles])).toEqual([
      [audit, []],
      [read, [{ id: editor, key: `${t}-editor` }, { id: viewer, key: `${t}-viewer` }]],
      [write, [{ id: editor, key: `${t}-editor` }]],
    ]);

    // memberAccess (the token claims' source) agrees.
    expect(await memberAccess(s.deps, m.user.id, m.org.id)).toEqual({
      roles: [
        { id: editor, key: `${t}-editor`, name: `${t}-editor` },
        { id: viewer, key: `${t}-viewer`, name: `${t}-viewer` },
      ],
      permissions: [`${t}:audit`, `${t}:read`, `${t}:write`],
    });
  });

  it('follows role, permission and grant changes', async () => {
    const m = await member();
    const t = tag();
    const [p1, p2, p3] = [await permission(`${t}:1`), await permission(`${t}:2`), await permission(`${t}:3`)];
    const r = await role(`${t}-role`);
    await grantPermissions(r, [p1, p2]);
    await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: r } });
    await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: p3 } });
    const keys = async () => (await getOrganizationUserPermissions({ client: s.api, path: m.path })).data!.permissions.map((p) => p.key);
    expect(await keys()).toEqual([`${t}:1`, `${t}:2`, `${t}:3`]);

    await removeRolePermission({ client: s.api, path: { role_id: r, permission_id: p1 } });
    expect(await keys()).toEqual([`${t}:2`, `${t}:3`]);

    const removed = await deleteOrganizationUserPermission({ client: s.api, path: { ...m.path, permission_id: p3 } });
    expect(removed.response.status).toBe(200);
    expect(removed.data).toEqual({ code: 'PERMISSION_REMOVED', message: 'User permission successfully removed' });
    expect(await keys()).toEqual([`${t}:2`]);
    // A permission that comes from a role is no direct grant.
    const viaRole = await deleteOrganizationUserPermission({ client: s.api, path: { ...m.path, permission_id: p2 } });
    expect(viaRole.response.status).toBe(404);
    expect(viaRole.error).toMatchObject({ errors: [{ code: 'MEMBER_PERMISSION_NOT_FOUND' }] });
    const unknown = await deleteOrganizationUserPermission({ client: s.api, path: { ...m.path, permission_id: 'perm_missing' } });
    expect(unknown.error).toMatchObject({ errors: [{ code: 'PERMISSION_NOT_FOUND' }] });
    const unknownGrant = await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: 'perm_missing' } });
    expect(unknownGrant.response.status).toBe(400);
    expect(unknownGrant.error).toMatchObject({ errors: [{ code: 'PERMISSION_ID_UNKNOWN', message: expect.stringContaining('permission_id') }] });

    await deleteOrganizationUserRole({ client: s.api, path: { ...m.path, role_id: r } });
    expect(await keys()).toEqual([]);
  });

  it('deleting a role removes it from every member; deleting a permission removes it everywhere', async () => {
    const a = await member();
    const b = await member();
    const t = tag();
    const [p, q] = [await permission(`${t}:p`), await permission(`${t}:q`)];
    const r = await role(`${t}-shared`);
    await grantPermissions(r, [p]);
    for (const m of [a, b]) {
      await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: r } });
      await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: q } });
    }
    expect((await deleteRole({ client: s.api, path: { role_id: r } })).response.status).toBe(200);
    for (const m of [a, b]) {
      expect((await getOrganizationUserRoles({ client: s.api, path: m.path })).data!.roles).toEqual([]);
      expect(await memberAccess(s.deps, m.user.id, m.org.id)).toEqual({ roles: [], permissions: [`${t}:q`] });
    }
    await deletePermission({ client: s.api, path: { permission_id: q } });
    for (const m of [a, b]) expect(await memberAccess(s.deps, m.user.id, m.org.id)).toEqual({ roles: [], permissions: [] });
  });

  it('pages effective permissions to the end', async () => {
    const m = await member();
    const t = tag();
    const r = await role(`${t}-paged`);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await permission(`${t}:r${i}`));
    await grantPermissions(r, ids);
    await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: r } });
    for (let i = 0; i < 3; i++) await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: await permission(`${t}:d${i}`) } });
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const res = await getOrganizationUserPermissions({ client: s.api, path: m.path, query: { page_size: 3, next_token: next, expand: 'roles' } });
      expect(res.response.status).toBe(200);
      seen.push(...res.data!.permissions.map((p) => p.key));
      next = res.data!.next_token;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toHaveLength(7);
  });

  it('memberAccess is empty for a user who is not a member', async () => {
    const m = await member();
    const other = await s.deps.repos.users.create({ email: `x-${tag()}@example.com` }, null, Date.now());
    expect(await memberAccess(s.deps, other.id, m.org.id)).toEqual({ roles: [], permissions: [] });
  });

  it('a member who leaves the organization takes no roles or permissions along', async () => {
    const m = await member();
    const t = tag();
    const r = await role(`${t}-leaver`);
    const p = await permission(`${t}:leaver`);
    await createOrganizationUserRole({ client: s.api, path: m.path, body: { role_id: r } });
    await createOrganizationUserPermission({ client: s.api, path: m.path, body: { permission_id: p } });
    await s.deps.db.deleteFrom('memberships').where('user_id', '=', m.user.id).where('organization_id', '=', m.org.id).execute();
    await s.deps.repos.tenants.addMember(m.user.id, m.org.id, 'member', Date.now());
    expect(await memberAccess(s.deps, m.user.id, m.org.id)).toEqual({ roles: [], permissions: [] });
  });
});

describe('@kinde/management-api-js against Keyhaven', () => {
  it('manages roles, role permissions and a member\'s roles and permissions through the library, unmodified', async () => {
    const clientId = `rbac-${randomBytes(6).toString('hex')}`;
    const clientSecret = randomBytes(24).toString('hex');
    await s.deps.repos.oauthClients.insert({
      clientId, name: clientId, type: 'confidential', redirectUris: [], logoutUris: [], grantTypes: ['client_credentials'],
      defaultScopes: [
        'read:roles', 'create:roles', 'update:roles', 'delete:roles', 'read:role_permissions', 'update:role_permissions', 'delete:role_permissions',
        'read:organization_user_roles', 'create:organization_user_roles', 'delete:organization_user_roles',
        'read:organization_user_permissions', 'create:organization_user_permissions', 'delete:organization_user_permissions',
      ],
      tokenFormat: 'jwt', firstParty: true, audiences: [managementAudience(s.deps)], secretHash: hashToken(clientSecret), createdAt: Date.now(),
    });
    init({ kindeDomain: s.baseUrl, clientId, clientSecret });
    const t = tag();
    const m = await member();

    const created = await Roles.createRole({ requestBody: { key: `${t}-lib`, name: 'Library role', description: 'Through the library.', is_default_role: true } });
    expect(created).toMatchObject({ code: 'ROLE_CREATED', role: { id: expect.stringMatching(/^rol_/) } });
    const roleId = created.role!.id!;
    expect((await Roles.getRole({ roleId })).role).toEqual({ id: roleId, key: `${t}-lib`, name: 'Library role', description: 'Through the library.', is_default_role: true });
    expect(await Roles.updateRoles({ roleId, requestBody: { key: `${t}-lib`, name: 'Library role 2' } })).toMatchObject({ code: 'ROLE_UPDATED' });
    const byKey = await Roles.getRoles({ sort: 'key_desc', pageSize: 500 });
    expect(byKey.roles!.map((r) => r.key)).toEqual(byKey.roles!.map((r) => r.key).sort().reverse());

    const permissionId = await permission(`${t}:lib`, 'Library permission');
    expect(await Roles.updateRolePermissions({ roleId, requestBody: { permissions: [{ id: permissionId }] } })).toMatchObject({ permissions_added: [permissionId], permissions_removed: [] });
    expect((await Roles.getRolePermissions({ roleId, sort: 'name_asc', pageSize: 10 })).permissions).toEqual([{ id: permissionId, key: `${t}:lib`, name: 'Library permission', description: `Lets the member ${t}:lib.` }]);

    await Organizations.createOrganizationUserRole({ orgCode: m.org.code, userId: m.user.public_id, requestBody: { role_id: roleId } });
    await Organizations.createOrganizationUserPermission({ orgCode: m.org.code, userId: m.user.public_id, requestBody: { permission_id: permissionId } });
    expect((await Organizations.getOrganizationUserRoles({ orgCode: m.org.code, userId: m.user.public_id })).roles).toEqual([{ id: roleId, key: `${t}-lib`, name: 'Library role 2' }]);
    expect((await Organizations.getOrganizationUserPermissions({ orgCode: m.org.code, userId: m.user.public_id, expand: 'roles' })).permissions).toEqual([
      { id: permissionId, key: `${t}:lib`, name: 'Library permission', description: `Lets the member ${t}:lib.`, roles: [{ id: roleId, key: `${t}-lib` }] },
    ]);
    await Organizations.deleteOrganizationUserPermission({ orgCode: m.org.code, userId: m.user.public_id, permissionId });
    await Organizations.deleteOrganizationUserRole({ orgCode: m.org.code, userId: m.user.public_id, roleId });
    expect((await Organizations.getOrganizationUserPermissions({ orgCode: m.org.code, userId: m.user.public_id })).permissions).toEqual([]);
    await expect(Organizations.deleteOrganizationUserRole({ orgCode: m.org.code, userId: m.user.public_id, roleId })).rejects.toThrow();

    expect(await Roles.removeRolePermission({ roleId, permissionId })).toMatchObject({ code: 'PERMISSION_REMOVED' });
    expect(await Roles.deleteRole({ roleId })).toMatchObject({ code: 'ROLE_DELETED' });
    await expect(Roles.getRole({ roleId })).rejects.toThrow();
  });
});
