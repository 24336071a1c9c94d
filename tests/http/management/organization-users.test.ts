import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addOrganizationUsers,
  createOrganization,
  getOrganizationUsers,
  removeOrganizationUser,
  updateOrganizationUsers,
} from '../../../generated/client';
import { startManagementServer, type ManagementServer } from '../../helpers/management';
import { newId } from '../../../src/store/ids';
import type { User } from '../../../src/store/repositories/users';

let s: ManagementServer;
let n = 0;

beforeAll(async () => {
  s = await startManagementServer();
  const now = Date.now();
  for (const key of ['admin', 'billing', 'viewer']) {
    await s.deps.db.insertInto('roles').values({ id: newId('rol'), key, name: key, description: null, is_default_role: 0, created_at: now }).execute();
  }
  for (const key of ['read:reports', 'write:reports', 'pay:invoices']) {
    await s.deps.db.insertInto('permissions').values({ id: newId('perm'), key, name: key, description: null, created_at: now }).execute();
  }
  // The billing role carries pay:invoices.
  const billing = await s.deps.db.selectFrom('roles').select('id').where('key', '=', 'billing').executeTakeFirstOrThrow();
  const pay = await s.deps.db.selectFrom('permissions').select('id').where('key', '=', 'pay:invoices').executeTakeFirstOrThrow();
  await s.deps.db.insertInto('role_permissions').values({ role_id: billing.id, permission_id: pay.id }).execute();
});
afterAll(() => s.close());

const newOrg = async () => {
  const r = await createOrganization({ client: s.api, body: { name: `Org ${++n}` } });
  expect(r.response.status).toBe(200);
  return r.data!.organization.code;
};
const newUser = (fullName: string, email = `${fullName.toLowerCase().replace(/\W+/g, '.')}.${++n}@example.com`): Promise<User> =>
  s.deps.repos.users.create({ email, fullName }, null, Date.now());
const orgId = async (code: string) => (await s.deps.repos.organizations.findByCode(code))!.id;
const grants = async (code: string, userId: number) => {
  const id = await orgId(code);
  const roles = await s.deps.db
    .selectFrom('membership_roles')
    .innerJoin('roles', 'roles.id', 'membership_roles.role_id')
    .select('roles.key')
    .where('organization_id', '=', id)
    .where('user_id', '=', userId)
    .orderBy('roles.key')
    .execute();
  const permissions = await s.deps.db
    .selectFrom('membership_permissions')
    .innerJoin('permissions', 'permissions.id', 'membership_permissions.permission_id')
    .select('permissions.key')
    .where('organization_id', '=', id)
    .where('user_id', '=', userId)
    .orderBy('permissions.key')
    .execute();
  return { roles: roles.map((r) => r.key), permissions: permissions.map((p) => p.key) };
};
const members = async (code: string) => {
  const r = await getOrganizationUsers({ client: s.api, path: { org_code: code }, query: { page_size: 500 } });
  expect(r.response.status).toBe(200);
  return r.data!.organization_users;
};

describe('organization users', () => {
  it('adds users with roles and permissions, and lists them with their role keys', async () => {
    const code = await newOrg();
    const ann = await newUser('Ann Archer');
    const bob = await newUser('Bob Baker');
    const r = await addOrganizationUsers({
      client: s.api,
      path: { org_code: code },
      body: { users: [{ id: ann.public_id, roles: ['viewer', 'admin'], permissions: ['read:reports'] }, { id: bob.public_id }] },
    });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'USERS_ADDED', message: 'Users successfully added', users_added: [ann.public_id, bob.public_id] });

    const listed = await members(code);
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({
      id: ann.public_id,
      email: ann.email,
      full_name: 'Ann Archer',
      first_name: 'Ann',
      last_name: 'Archer',
      picture: null,
      is_suspended: false,
      roles: ['admin', 'viewer'],
    });
    expect(Date.parse(listed[0].joined_on!)).toBeGreaterThan(0);
    expect(listed[1]).toMatchObject({ id: bob.public_id, roles: [] });
    expect(await grants(code, ann.id)).toEqual({ roles: ['admin', 'viewer'], permissions: ['read:reports'] });
    // Members added here get seed 003's `member` role.
    const row = await s.deps.db.selectFrom('memberships').select('role').where('user_id', '=', ann.id).where('organization_id', '=', await orgId(code)).executeTakeFirst();
    expect(row).toEqual({ role: 'member' });
  });

  it('adding a member again adds the listed roles and permissions, and answers 204 (no user added)', async () => {
    const code = await newOrg();
    const ann = await newUser('Ann Again');
    await addOrganizationUsers({ client: s.api, path: { org_code: code }, body: { users: [{ id: ann.public_id, roles: ['viewer'] }] } });
    const again = await addOrganizationUsers({ client: s.api, path: { org_code: code }, body: { users: [{ id: ann.public_id, roles: ['billing'], permissions: ['write:reports'] }] } });
    expect(again.response.status).toBe(204);
    expect(await grants(code, ann.id)).toEqual({ roles: ['billing', 'viewer'], permissions: ['write:reports'] });
    const empty = await addOrganizationUsers({ client: s.api, path: { org_code: code }, body: {} });
    expect(empty.response.status).toBe(204);
    const noBody = await fetch(`${s.baseUrl}/api/v1/organizations/${code}/users`, {
      method: 'POST',
      headers: { authorization: (s.api.getConfig().headers as Headers).get('authorization')! },
    });
    expect(noBody.status).toBe(204);
  });

  it('an unknown user, role or permission in the body is a 400 naming it, and nothing is written', async () => {
    const code = await newOrg();
    const ok = await newUser('Ok User');
    const cases: [{ id: string; roles?: string[]; permissions?: string[] }, string, string][] = [
      [{ id: 'kp_00000000000000000000000000000000' }, 'UNKNOWN_USER', 'kp_00000000000000000000000000000000'],
      [{ id: ok.public_id, roles: ['ghost-role'] }, 'UNKNOWN_ROLE', 'ghost-role'],
      [{ id: ok.public_id, permissions: ['ghost:perm'] }, 'UNKNOWN_PERMISSION', 'ghost:perm'],
    ];
    for (const [bad, errorCode, named] of cases) {
      for (const op of [addOrganizationUsers, updateOrganizationUsers]) {
        const r = await op({ client: s.api, path: { org_code: code }, body: { users: [{ id: ok.public_id, roles: ['admin'] }, bad] } });
        expect(r.response.status).toBe(400);
        expect(r.error).toMatchObject({ errors: [{ code: errorCode, message: expect.stringContaining(named) }] });
        expect(await members(code)).toEqual([]);
        expect(await grants(code, ok.id)).toEqual({ roles: [], permissions: [] });
      }
    }
    for (const op of [addOrganizationUsers, updateOrganizationUsers]) {
      const r = await op({ client: s.api, path: { org_code: 'org_missing' }, body: { users: [{ id: ok.public_id }] } });
      expect(r.response.status).toBe(404);
      expect(r.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
    }
  });

  it('updates members in one request: adds, replaces roles and permissions, removes', async () => {
    const code = await newOrg();
    const [ann, bob, cat, dan] = [await newUser('Ann Update'), await newUser('Bob Update'), await newUser('Cat Update'), await newUser('Dan Update')];
    await addOrganizationUsers({
      client: s.api,
      path: { org_code: code },
      body: { users: [{ id: ann.public_id, roles: ['admin', 'viewer'], permissions: ['read:reports'] }, { id: bob.public_id, roles: ['viewer'] }] },
    });
    const r = await updateOrganizationUsers({
      client: s.api,
      path: { org_code: code },
      body: {
        users: [
          { id: ann.public_id, roles: ['billing'] },
          { id: bob.public_id, operation: 'delete' },
          { id: cat.public_id, roles: ['viewer'], permissions: ['write:reports'] },
          { id: dan.public_id, operation: 'delete' },
        ],
      },
    });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({
      code: 'USERS_UPDATED',
      message: 'Users successfully updated',
      users_added: [cat.public_id],
      users_updated: [ann.public_id],
      users_removed: [bob.public_id],
    });
    // Ann's roles were replaced; her direct permissions, not listed, stay.
    expect(await grants(code, ann.id)).toEqual({ roles: ['billing'], permissions: ['read:reports'] });
    expect(await grants(code, bob.id)).toEqual({ roles: [], permissions: [] });
    expect(await grants(code, cat.id)).toEqual({ roles: ['viewer'], permissions: ['write:reports'] });
    expect((await members(code)).map((m) => m.id).sort()).toEqual([ann.public_id, cat.public_id].sort());

    // Empty lists clear.
    await updateOrganizationUsers({ client: s.api, path: { org_code: code }, body: { users: [{ id: ann.public_id, roles: [], permissions: [] }] } });
    expect(await grants(code, ann.id)).toEqual({ roles: [], permissions: [] });
  });

  it('removes a member; their roles and permissions there go with the membership', async () => {
    const code = await newOrg();
    const other = await newOrg();
    const ann = await newUser('Ann Remove');
    for (const c of [code, other]) {
      await addOrganizationUsers({ client: s.api, path: { org_code: c }, body: { users: [{ id: ann.public_id, roles: ['admin'], permissions: ['read:reports'] }] } });
    }
    const r = await removeOrganizationUser({ client: s.api, path: { org_code: code, user_id: ann.public_id } });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'USER_REMOVED', message: 'User successfully removed from organization' });
    expect(await grants(code, ann.id)).toEqual({ roles: [], permissions: [] });
    expect(await members(code)).toEqual([]);
    // Her membership elsewhere is untouched.
    expect(await grants(other, ann.id)).toEqual({ roles: ['admin'], permissions: ['read:reports'] });

    const again = await removeOrganizationUser({ client: s.api, path: { org_code: code, user_id: ann.public_id } });
    expect(again.response.status).toBe(404);
    expect(again.error).toMatchObject({ errors: [{ code: 'NOT_A_MEMBER' }] });
    const noUser = await removeOrganizationUser({ client: s.api, path: { org_code: code, user_id: 'kp_missing' } });
    expect(noUser.error).toMatchObject({ errors: [{ code: 'USER_NOT_FOUND' }] });
    const noOrg = await removeOrganizationUser({ client: s.api, path: { org_code: 'org_missing', user_id: ann.public_id } });
    expect(noOrg.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
  });

  it('filters by roles and permissions, all of them matching (permissions directly or through a role)', async () => {
    const code = await newOrg();
    const [ann, bob, cat] = [await newUser('Ann Filter'), await newUser('Bob Filter'), await newUser('Cat Filter')];
    await addOrganizationUsers({
      client: s.api,
      path: { org_code: code },
      body: {
        users: [
          { id: ann.public_id, roles: ['admin', 'billing'] },
          { id: bob.public_id, roles: ['admin'], permissions: ['pay:invoices', 'read:reports'] },
          { id: cat.public_id, permissions: ['read:reports'] },
        ],
      },
    });
    const ids = async (query: { roles?: string; permissions?: string }) =>
      (await getOrganizationUsers({ client: s.api, path: { org_code: code }, query })).data!.organization_users.map((u) => u.id);
    expect(await ids({ roles: 'admin' })).toEqual([ann.public_id, bob.public_id]);
    expect(await ids({ roles: 'admin, billing' })).toEqual([ann.public_id]);
    expect(await ids({ roles: 'admin,ghost' })).toEqual([]);
    expect(await ids({ permissions: 'pay:invoices' })).toEqual([ann.public_id, bob.public_id]);
    expect(await ids({ permissions: 'pay:invoices,read:reports' })).toEqual([bob.public_id]);
    expect(await ids({ permissions: 'read:reports', roles: 'admin' })).toEqual([bob.public_id]);
    expect(await ids({ roles: '' })).toEqual([ann.public_id, bob.public_id, cat.public_id]);
    const bad = await getOrganizationUsers({ client: s.api, path: { org_code: code }, query: { roles: 'a,,b' } });
    expect(bad.response.status).toBe(400);
  });

  it('pages members to the end in every order, each member once', async () => {
    const code = await newOrg();
    const names = ['Zed', 'Amy', 'Kim', 'Bo', 'Lee', 'Max', 'Ida', 'Cy', 'Eve', 'Gus', 'Hal', 'Jo'];
    const users: User[] = [];
    for (const [i, name] of names.entries()) users.push(await newUser(`${name} Page`, `${String.fromCharCode(122 - i)}-page@example.com`));
    // Joined one by one, so the join order is the list order.
    for (const u of users) await addOrganizationUsers({ client: s.api, path: { org_code: code }, body: { users: [{ id: u.public_id }] } });

    const walk = async (sort?: 'name_asc' | 'name_desc' | 'email_asc' | 'email_desc' | 'id_asc' | 'id_desc') => {
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const r = await getOrganizationUsers({ client: s.api, path: { org_code: code }, query: { sort, page_size: 5, next_token: next } });
        expect(r.response.status).toBe(200);
        seen.push(...r.data!.organization_users.map((u) => u.id!));
        next = r.data!.next_token;
        pages++;
      } while (next);
      expect(pages).toBe(3);
      return seen;
    };
    const ids = (list: User[]) => list.map((u) => u.public_id);
    const by = (key: (u: User) => string) => [...users].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    expect(await walk()).toEqual(ids(users));
    expect(await walk('name_asc')).toEqual(ids(by((u) => u.full_name!)));
    expect(await walk('name_desc')).toEqual(ids(by((u) => u.full_name!)).reverse());
    expect(await walk('email_asc')).toEqual(ids(by((u) => u.email!)));
    expect(await walk('email_desc')).toEqual(ids(by((u) => u.email!)).reverse());
    expect(await walk('id_asc')).toEqual(ids(by((u) => u.public_id)));
    expect(await walk('id_desc')).toEqual(ids(by((u) => u.public_id)).reverse());

    const token = await getOrganizationUsers({ client: s.api, path: { org_code: code }, query: { next_token: 'bm90LWEtY3Vyc29y' } });
    expect(token.response.status).toBe(400);
    const missing = await getOrganizationUsers({ client: s.api, path: { org_code: 'org_missing' } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
  });

  it('refuses bad bodies with 400 naming the field', async () => {
    const code = await newOrg();
    const auth = (s.api.getConfig().headers as Headers).get('authorization')!;
    const cases: [string, unknown, string][] = [
      ['POST', { users: [{ roles: ['admin'] }] }, 'id'],
      ['POST', { users: [{ id: 'kp_x', roles: ['bad key'] }] }, 'roles'],
      ['POST', { users: [{ id: 'kp_x', operation: 'delete' }] }, 'operation'],
      ['PATCH', { users: [{ id: 'kp_x', operation: 'remove' }] }, 'operation'],
      ['PATCH', { members: [] }, 'members'],
    ];
    for (const [method, body, field] of cases) {
      const r = await fetch(`${s.baseUrl}/api/v1/organizations/${code}/users`, { method, headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await r.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field) });
    }
  });

  it('needs each operation\'s scope', async () => {
    const code = await newOrg();
    const ann = await newUser('Ann Scope');
    const reader = await s.clientWithScopes(['read:organization_users']);
    expect((await getOrganizationUsers({ client: reader, path: { org_code: code } })).response.status).toBe(200);
    expect((await addOrganizationUsers({ client: reader, path: { org_code: code }, body: { users: [{ id: ann.public_id }] } })).response.status).toBe(403);
    expect((await updateOrganizationUsers({ client: reader, path: { org_code: code }, body: { users: [{ id: ann.public_id }] } })).response.status).toBe(403);
    expect((await removeOrganizationUser({ client: reader, path: { org_code: code, user_id: ann.public_id } })).response.status).toBe(403);
    const adder = await s.clientWithScopes(['create:organization_users']);
    expect((await addOrganizationUsers({ client: adder, path: { org_code: code }, body: { users: [{ id: ann.public_id }] } })).response.status).toBe(200);
    expect((await getOrganizationUsers({ client: adder, path: { org_code: code } })).response.status).toBe(403);
    const remover = await s.clientWithScopes(['delete:organization_users']);
    expect((await removeOrganizationUser({ client: remover, path: { org_code: code, user_id: ann.public_id } })).response.status).toBe(200);
  });
});
