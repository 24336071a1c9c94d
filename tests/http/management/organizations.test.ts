import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrganization,
  deleteOrganization,
  deleteOrganizationHandle,
  getOrganization,
  getOrganizations,
  updateOrganization,
} from '../../../generated/client';
import { startManagementServer, type ManagementServer } from '../../helpers/management';
import { createPersonalTenant } from '../../../src/services/tenants';
import { ensureDefaultOrganization } from '../../../src/services/management/organizations';
import { newId } from '../../../src/store/ids';

let s: ManagementServer;

beforeAll(async () => {
  s = await startManagementServer();
});
afterAll(() => s.close());

const create = async (body: Parameters<typeof createOrganization>[0]['body']) => {
  const r = await createOrganization({ client: s.api, body });
  expect(r.response.status, JSON.stringify(r.error)).toBe(200);
  return r.data!.organization.code;
};
const get = async (code: string) => {
  const r = await getOrganization({ client: s.api, query: { code } });
  expect(r.response.status).toBe(200);
  return r.data!;
};
const rawPost = (path: string, body: unknown) =>
  fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: (s.api.getConfig().headers as Headers).get('authorization')! },
    body: JSON.stringify(body),
  });
const countOrganizations = async () => Number((await s.deps.db.selectFrom('organizations').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('the default organization', () => {
  it('exists from start-up, once, and is what getOrganization answers without a code', async () => {
    const r = await getOrganization({ client: s.api });
    expect(r.response.status).toBe(200);
    expect(r.data).toMatchObject({ name: 'Default Organization', is_default: true, handle: null, is_suspended: false });
    expect(r.data!.code).toMatch(/^org_[0-9a-f]{16}$/);
    expect((await get(r.data!.code)).is_default).toBe(true);
    // Start-up again (another process): still one default organization, the same one.
    expect((await ensureDefaultOrganization(s.deps)).code).toBe(r.data!.code);
    const defaults = await s.deps.db.selectFrom('organizations').select('code').where('is_default', '=', 1).execute();
    expect(defaults).toEqual([{ code: r.data!.code }]);
  });

  it('cannot be deleted (409) and a second default cannot exist', async () => {
    const code = (await getOrganization({ client: s.api })).data!.code;
    const r = await deleteOrganization({ client: s.api, path: { org_code: code } });
    expect(r.response.status).toBe(409);
    expect(r.error).toMatchObject({ errors: [{ code: 'CANNOT_DELETE_DEFAULT_ORGANIZATION' }] });
    expect((await get(code)).is_default).toBe(true);
    await expect(
      s.deps.db.insertInto('organizations').values({ code: 'org_second', name: 'Second', kind: 'standard', created_at: 1, is_default: 1, handle: null, external_id: null, updated_at: null }).execute(),
    ).rejects.toThrow(/UNIQUE/);
  });
});

describe('organizations', () => {
  it('creates an organization with every field and shows them (colours as {raw, hex, hsl})', async () => {
    const code = await create({
      name: 'Acme Corp',
      external_id: 'acme-1',
      handle: 'acme_corp',
      link_color: '#0056F1',
      button_color: '#fff',
      background_color_dark: '#000000',
      theme_code: 'user_preference',
      is_allow_registrations: true,
      sender_name: 'Acme',
      sender_email: 'hello@acme.example.com',
    });
    expect(code).toMatch(/^org_[0-9a-f]{16}$/);
    const org = await get(code);
    expect(org).toMatchObject({
      code,
      name: 'Acme Corp',
      handle: 'acme_corp',
      external_id: 'acme-1',
      is_default: false,
      is_auto_membership_enabled: true,
      is_allow_registrations: true,
      link_color: { raw: '#0056F1', hex: '#0056f1', hsl: 'hsl(219, 100%, 47%)' },
      button_color: { raw: '#fff', hex: '#ffffff', hsl: 'hsl(0, 0%, 100%)' },
      background_color_dark: { raw: '#000000', hex: '#000000', hsl: 'hsl(0, 0%, 0%)' },
      button_text_color: null,
      theme_code: 'user_preference',
      color_scheme: 'light dark',
      sender_name: 'Acme',
      sender_email: 'hello@acme.example.com',
      logo: null,
      suspended_on: null,
    });
    expect(Date.parse(org.created_on!)).toBeGreaterThan(0);
  });

  it('defaults: light theme, no colours, no auto membership', async () => {
    const org = await get(await create({ name: 'Plain' }));
    expect(org).toMatchObject({ theme_code: 'light', color_scheme: 'light', link_color: null, is_auto_membership_enabled: false, external_id: null, sender_email: null });
  });

  it('updates only the fields given; null clears; is_auto_membership_enabled wins over its deprecated name', async () => {
    const code = await create({ name: 'Before', link_color: '#123456', button_color: '#abcdef', sender_name: 'Old' });
    const r = await updateOrganization({
      client: s.api,
      path: { org_code: code },
      body: { name: 'After', link_color: null, theme_code: 'dark', is_allow_registrations: false, is_auto_membership_enabled: true, sender_name: null },
    });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'ORGANIZATION_UPDATED', message: 'Organization successfully updated' });
    expect(await get(code)).toMatchObject({
      name: 'After',
      link_color: null,
      button_color: { hex: '#abcdef' },
      theme_code: 'dark',
      color_scheme: 'dark',
      is_auto_membership_enabled: true,
      sender_name: null,
    });
    // An empty body changes nothing (and still needs the organization).
    expect((await updateOrganization({ client: s.api, path: { org_code: code }, body: {} })).response.status).toBe(200);
    expect((await get(code)).name).toBe('After');
    const missing = await updateOrganization({ client: s.api, path: { org_code: 'org_missing' }, body: { name: 'x' } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
  });

  it('keeps handles unique (409), and deleting a handle frees it', async () => {
    const first = await create({ name: 'First', handle: 'taken' });
    const dup = await createOrganization({ client: s.api, body: { name: 'Second', handle: 'taken' } });
    expect(dup.response.status).toBe(409);
    expect(dup.error).toMatchObject({ errors: [{ code: 'HANDLE_TAKEN' }] });
    const second = await create({ name: 'Second' });
    const upd = await updateOrganization({ client: s.api, path: { org_code: second }, body: { handle: 'taken' } });
    expect(upd.response.status).toBe(409);
    // Setting one's own handle again is no conflict.
    expect((await updateOrganization({ client: s.api, path: { org_code: first }, body: { handle: 'taken' } })).response.status).toBe(200);

    const del = await deleteOrganizationHandle({ client: s.api, path: { org_code: first } });
    expect(del.response.status).toBe(200);
    expect(del.data).toEqual({ code: 'ORGANIZATION_HANDLE_DELETED', message: 'Handle successfully deleted' });
    expect((await get(first)).handle).toBeNull();
    // Deleting an absent handle is fine too.
    expect((await deleteOrganizationHandle({ client: s.api, path: { org_code: first } })).response.status).toBe(200);
    expect((await updateOrganization({ client: s.api, path: { org_code: second }, body: { handle: 'taken' } })).response.status).toBe(200);
    expect((await get(second)).handle).toBe('taken');
    const missing = await deleteOrganizationHandle({ client: s.api, path: { org_code: 'org_missing' } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
  });

  it('deletes an organization with its memberships, members\' roles and permissions, flag overrides and property values', async () => {
    const code = await create({ name: 'Doomed' });
    const org = (await s.deps.repos.organizations.findByCode(code))!;
    const user = await s.deps.repos.users.create({ email: 'doomed-member@example.com' }, null, Date.now());
    const now = Date.now();
    const roleId = newId('rol');
    const permId = newId('perm');
    const flagId = newId('ff');
    const propId = newId('prop');
    await s.deps.db.insertInto('roles').values({ id: roleId, key: 'doomed-role', name: 'Doomed role', description: null, is_default_role: 0, created_at: now }).execute();
    await s.deps.db.insertInto('permissions').values({ id: permId, key: 'doomed:perm', name: 'Doomed perm', description: null, created_at: now }).execute();
    await s.deps.db
      .insertInto('feature_flags')
      .values({ id: flagId, key: 'doomed_flag', name: 'Doomed flag', description: null, type: 'bool', allow_override_level: 'org', default_value: 'false', created_at: now, updated_at: now })
      .execute();
    await s.deps.db
      .insertInto('properties')
      .values({ id: propId, key: 'doomed_prop', name: 'Doomed prop', description: null, type: 'single_line_text', context: 'org', is_private: 0, is_kinde_property: 0, category_id: null, created_at: now })
      .execute();
    await s.deps.db.insertInto('memberships').values({ user_id: user.id, organization_id: org.id, role: 'member', created_at: now }).execute();
    await s.deps.db.insertInto('membership_roles').values({ organization_id: org.id, user_id: user.id, role_id: roleId, created_at: now }).execute();
    await s.deps.db.insertInto('membership_permissions').values({ organization_id: org.id, user_id: user.id, permission_id: permId, created_at: now }).execute();
    await s.deps.db.insertInto('organization_feature_flags').values({ organization_id: org.id, flag_id: flagId, value: 'true', updated_at: now }).execute();
    await s.deps.db.insertInto('organization_property_values').values({ organization_id: org.id, property_id: propId, value: 'x', updated_at: now }).execute();

    const r = await deleteOrganization({ client: s.api, path: { org_code: code } });
    expect(r.response.status).toBe(200);
    expect(r.data).toEqual({ code: 'ORGANIZATION_DELETED', message: 'Organization successfully deleted' });
    for (const table of ['memberships', 'membership_roles', 'membership_permissions', 'organization_feature_flags', 'organization_property_values'] as const) {
      const left = await s.deps.db.selectFrom(table).selectAll().where('organization_id', '=', org.id).execute();
      expect(left, table).toEqual([]);
    }
    // The user, the role, the permission, the flag and the property stay.
    expect(await s.deps.repos.users.findById(user.id)).toBeDefined();
    expect(await s.deps.db.selectFrom('roles').select('id').where('id', '=', roleId).executeTakeFirst()).toBeDefined();
    const gone = await getOrganization({ client: s.api, query: { code } });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toMatchObject({ errors: [{ code: 'ORGANIZATION_NOT_FOUND' }] });
    expect((await deleteOrganization({ client: s.api, path: { org_code: code } })).response.status).toBe(404);
  });

  it('feature_flags: each key an existing org-overridable flag of that type (else 400, nothing created); overrides start at the default', async () => {
    const now = Date.now();
    const flag = (key: string, type: 'str' | 'int' | 'bool', level: 'env' | 'org' | 'usr' | null, value: string) =>
      s.deps.db
        .insertInto('feature_flags')
        .values({ id: newId('ff'), key, name: key, description: null, type, allow_override_level: level, default_value: value, created_at: now, updated_at: now })
        .execute();
    await flag('theme_name', 'str', 'org', 'blue');
    await flag('seats', 'int', 'usr', '5');
    await flag('env_only', 'bool', 'env', 'true');

    const before = await countOrganizations();
    const cases = [
      [{ nope: 'str' }, 'UNKNOWN_FEATURE_FLAG', 'nope'],
      [{ theme_name: 'int' }, 'FEATURE_FLAG_TYPE_MISMATCH', 'theme_name'],
      [{ theme_name: 'str', env_only: 'bool' }, 'FEATURE_FLAG_NOT_OVERRIDABLE', 'env_only'],
    ] as const;
    for (const [feature_flags, errorCode, named] of cases) {
      const r = await createOrganization({ client: s.api, body: { name: 'Flagged', feature_flags } });
      expect(r.response.status).toBe(400);
      expect(r.error).toMatchObject({ errors: [{ code: errorCode, message: expect.stringContaining(named) }] });
    }
    expect(await countOrganizations()).toBe(before);

    const code = await create({ name: 'Flagged', feature_flags: { theme_name: 'str', seats: 'int' } });
    const org = (await s.deps.repos.organizations.findByCode(code))!;
    const overrides = await s.deps.db
      .selectFrom('organization_feature_flags')
      .innerJoin('feature_flags', 'feature_flags.id', 'organization_feature_flags.flag_id')
      .select(['feature_flags.key', 'organization_feature_flags.value'])
      .where('organization_id', '=', org.id)
      .orderBy('feature_flags.key')
      .execute();
    expect(overrides).toEqual([
      { key: 'seats', value: '5' },
      { key: 'theme_name', value: 'blue' },
    ]);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'name'],
      [{ name: 'x', handle: 'Has Spaces' }, 'handle'],
      [{ name: 'x', link_color: 'blue' }, 'link_color'],
      [{ name: 'x', theme_code: 'neon' }, 'theme_code'],
      [{ name: 'x', sender_email: 'not-an-email' }, 'sender_email'],
      [{ name: 'x', feature_flags: { f: 'float' } }, 'feature_flags'],
      [{ name: 'x', is_suspended: true }, 'is_suspended'],
      [{ name: 'bad\u0007name' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const r = await rawPost('/api/v1/organization', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await r.json()).errors[0]).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field) });
    }
    const token = await getOrganizations({ client: s.api, query: { next_token: 'bm90LWEtY3Vyc29y' } });
    expect(token.response.status).toBe(400);
    const badCode = await getOrganization({ client: s.api, query: { code: 'org code!' } });
    expect(badCode.response.status).toBe(400);
  });

  it('lists every organization, personal tenants included, to the end in every order', async () => {
    const owner = await s.deps.repos.users.create({ email: 'tenant-owner@example.com', fullName: 'Tenant Owner' }, null, Date.now());
    const playground = await createPersonalTenant(s.deps.repos.tenants, owner.id, 'Tenant Owner', Date.now());
    for (let i = 0; i < 9; i++) await create({ name: `Listed ${String.fromCharCode(90 - i)}` });
    const all = await s.deps.db.selectFrom('organizations').select(['code', 'name', 'created_at', 'id']).execute();
    expect(all.length).toBeGreaterThan(12);

    const walk = async (sort?: 'name_asc' | 'name_desc' | 'email_asc' | 'email_desc') => {
      const seen: { code: string; name: string }[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const r = await getOrganizations({ client: s.api, query: { sort, page_size: 4, next_token: next } });
        expect(r.response.status).toBe(200);
        expect(r.data!.organizations.length).toBeLessThanOrEqual(4);
        seen.push(...r.data!.organizations.map((o) => ({ code: o.code, name: o.name })));
        next = r.data!.next_token;
        pages++;
      } while (next);
      expect(pages).toBe(Math.ceil(all.length / 4));
      return seen;
    };
    const byId = [...all].sort((a, b) => a.id - b.id);
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const byName = [...byId].sort((a, b) => cmp(a.name, b.name) || a.id - b.id);
    const byCode = [...byId].sort((a, b) => cmp(a.code, b.code));

    const oldestFirst = await walk();
    expect(oldestFirst.map((o) => o.code)).toEqual([...byId].sort((a, b) => a.created_at - b.created_at || a.id - b.id).map((o) => o.code));
    expect(oldestFirst.map((o) => o.code)).toContain(playground.code);
    expect((await walk('name_asc')).map((o) => o.code)).toEqual(byName.map((o) => o.code));
    expect((await walk('name_desc')).map((o) => o.code)).toEqual([...byName].reverse().map((o) => o.code));
    expect((await walk('email_asc')).map((o) => o.code)).toEqual(byCode.map((o) => o.code));
    expect((await walk('email_desc')).map((o) => o.code)).toEqual([...byCode].reverse().map((o) => o.code));

    const listed = (await getOrganizations({ client: s.api, query: { page_size: 500 } })).data!.organizations.find((o) => o.code === playground.code);
    expect(listed).toMatchObject({ name: "Tenant Owner's playground", is_default: false });
  });

  it('needs each operation\'s scope', async () => {
    const reader = await s.clientWithScopes(['read:organizations']);
    expect((await getOrganizations({ client: reader })).response.status).toBe(200);
    expect((await getOrganization({ client: reader })).response.status).toBe(200);
    expect((await createOrganization({ client: reader, body: { name: 'Nope' } })).response.status).toBe(403);
    const code = await create({ name: 'Scoped', handle: 'scoped' });
    expect((await updateOrganization({ client: reader, path: { org_code: code }, body: { name: 'x' } })).response.status).toBe(403);
    expect((await deleteOrganization({ client: reader, path: { org_code: code } })).response.status).toBe(403);
    expect((await deleteOrganizationHandle({ client: reader, path: { org_code: code } })).response.status).toBe(403);
    const creator = await s.clientWithScopes(['create:organizations']);
    expect((await getOrganizations({ client: creator })).response.status).toBe(403);
    const handles = await s.clientWithScopes(['delete:organization_handles']);
    expect((await deleteOrganizationHandle({ client: handles, path: { org_code: code } })).response.status).toBe(200);
  });
});
