import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import {
  addOrganizationUsers, createFeatureFlag, createOrganization, createPermission, createRole, updateOrganizationFeatureFlagOverride,
  updateOrganizationProperty, updateRolePermissions, updateUserProperty, createProperty, updateUserFeatureFlagOverride,
  deleteOrganizationUserRole, refreshUserClaims, updateUser, createUserIdentity,
} from '../../../generated/client';
import { startManagementServer, type ManagementServer } from '../../helpers/management';

/**
 * What the management API sets reaches every user token (seed 002's SDK claims): the organization signed
 * into, its roles and permissions, feature flags and non-private properties; recomputed on refresh.
 */
let s: ManagementServer;
let cookie: string;
let userSub: string;
let orgCode: string;
let roleId: string;
const CLIENT = 'claims-app';
const CB = 'https://claims.example.com/cb';

async function authorizeCode(extra: Record<string, string>) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({ response_type: 'code', client_id: CLIENT, redirect_uri: CB, scope: 'openid profile email offline_access', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  const r = await fetch(`${s.baseUrl}/oauth2/auth?${q}`, { redirect: 'manual', headers: { cookie } });
  const params = new URL(r.headers.get('location')!).searchParams;
  return { code: params.get('code'), error: params.get('error'), verifier };
}

async function tokens(extra: Record<string, string> = {}) {
  const { code, verifier, error } = await authorizeCode(extra);
  if (!code) throw new Error(`no code: ${error}`);
  const res = await fetch(`${s.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT, code, redirect_uri: CB, code_verifier: verifier }),
  });
  return (await res.json()) as { access_token: string; id_token: string; refresh_token: string };
}

const refresh = async (refreshToken: string) =>
  (await (await fetch(`${s.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT, refresh_token: refreshToken }),
  })).json()) as { access_token: string };

beforeAll(async () => {
  s = await startManagementServer();
  await s.deps.repos.oauthClients.insert({
    clientId: CLIENT, name: 'Claims', type: 'public', redirectUris: [CB], logoutUris: [], grantTypes: ['authorization_code', 'refresh_token'],
    defaultScopes: ['openid'], tokenFormat: 'jwt', firstParty: true, audiences: [], secretHash: null, createdAt: Date.now(),
  });
  const reg = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'claims@example.com', password: 'supersecret123', full_name: 'Clara Claims' }),
  });
  cookie = reg.headers.get('set-cookie')!.split(';')[0];
  userSub = (await s.deps.repos.users.findByEmail('claims@example.com'))!.public_id;

  // Through the management API: a permission carried by a role, an organization the user joins with
  // that role, a flag overridden for the organization and the user, and properties.
  const perm = await createPermission({ client: s.api, body: { key: 'create:template', name: 'Create templates' } });
  const role = await createRole({ client: s.api, body: { key: 'admin', name: 'Admin', description: 'Administers' } as never });
  roleId = (role.data as { role: { id: string } }).role.id;
  await updateRolePermissions({ client: s.api, path: { role_id: roleId }, body: { permissions: [{ id: perm.data!.permission.id }] } as never });
  const org = await createOrganization({ client: s.api, body: { name: 'Acme' } as never });
  orgCode = (org.data as { organization: { code: string } }).organization.code;
  const added = await addOrganizationUsers({ client: s.api, path: { org_code: orgCode }, body: { users: [{ id: userSub, roles: ['admin'] }] } as never });
  expect(added.response.status).toBeLessThan(300);
  await createFeatureFlag({ client: s.api, body: { key: 'theme', name: 'Theme', type: 'str', allow_override_level: 'usr', default_value: 'light' } as never });
  await createFeatureFlag({ client: s.api, body: { key: 'beta', name: 'Beta', type: 'bool', allow_override_level: 'org', default_value: 'false' } as never });
  await updateOrganizationFeatureFlagOverride({ client: s.api, path: { org_code: orgCode, feature_flag_key: 'beta' }, query: { value: 'true' } as never });
  await updateUserFeatureFlagOverride({ client: s.api, path: { user_id: userSub, feature_flag_key: 'theme' }, query: { value: 'dark' } as never });
  await createProperty({ client: s.api, body: { key: 'secret_note', name: 'Secret', type: 'single_line_text', context: 'usr', is_private: true, category_id: null } as never });
  await updateUserProperty({ client: s.api, path: { user_id: userSub, property_key: 'kp_usr_city' }, query: { value: 'Lisbon' } as never });
  await updateUserProperty({ client: s.api, path: { user_id: userSub, property_key: 'secret_note' }, query: { value: 'hidden' } as never });
  await updateOrganizationProperty({ client: s.api, path: { org_code: orgCode, property_key: 'kp_org_city' }, query: { value: 'Porto' } as never });
});
afterAll(() => s.close());

describe('organizations that admit registrations', () => {
  it('a user signing in with its org_code becomes a member with the default roles; others are refused', async () => {
    await createRole({ client: s.api, body: { key: 'newcomer', name: 'Newcomer', is_default_role: true } as never });
    const open = await createOrganization({ client: s.api, body: { name: 'Open House', is_allow_registrations: true } as never });
    const openCode = (open.data as { organization: { code: string } }).organization.code;
    const closed = await createOrganization({ client: s.api, body: { name: 'Closed Club' } as never });
    const closedCode = (closed.data as { organization: { code: string } }).organization.code;

    expect((await authorizeCode({ org_code: closedCode })).error).toBe('access_denied');
    const at = decodeJwt((await tokens({ org_code: openCode })).access_token);
    expect(at).toMatchObject({ org_code: openCode, org_name: 'Open House' });
    expect((at.roles as { key: string }[]).map((r) => r.key)).toEqual(['newcomer']);
  });
});

describe('CreateOrgLink: is_create_org=true&org_name=… on the authorization request', () => {
  it('creates the organization with the user as its admin and signs into it, once per request', async () => {
    const t = await tokens({ is_create_org: 'true', org_name: 'Newco' });
    const at = decodeJwt(t.access_token);
    expect(at).toMatchObject({ org_name: 'Newco' });
    const code = at.org_code as string;
    expect(code).toMatch(/^org_/);
    expect(decodeJwt(t.id_token).org_codes).toContain(code);
    const org = (await s.deps.repos.organizations.findByCode(code))!;
    const me = (await s.deps.repos.users.findByEmail('claims@example.com'))!;
    expect(await s.deps.repos.tenants.membership(me.id, org.id)).toMatchObject({ role: 'admin' });
    const named = await s.deps.db.selectFrom('organizations').select('code').where('name', '=', 'Newco').execute();
    expect(named).toHaveLength(1);
  });
});

describe('user tokens carry what the management API set', () => {
  it('signed into the requested organization: org, roles, permissions, flags and public properties', async () => {
    const t = await tokens({ org_code: orgCode });
    const at = decodeJwt(t.access_token);
    expect(at).toMatchObject({
      sub: userSub,
      org_code: orgCode,
      org_name: 'Acme',
      permissions: ['create:template'],
      roles: [{ id: roleId, key: 'admin', name: 'Admin' }],
      feature_flags: { theme: { t: 's', v: 'dark' }, beta: { t: 'b', v: true } },
    });
    expect((at.user_properties as Record<string, { v?: string }>).kp_usr_city).toEqual({ v: 'Lisbon' });
    expect(at.user_properties).not.toHaveProperty('secret_note');
    expect((at.organization_properties as Record<string, { v?: string }>).kp_org_city).toEqual({ v: 'Porto' });

    const id = decodeJwt(t.id_token);
    expect(id.org_codes).toEqual(expect.arrayContaining([orgCode]));
    expect(id.organizations).toEqual(expect.arrayContaining([{ id: orgCode, name: 'Acme' }]));
    expect(id.user_properties).not.toHaveProperty('secret_note');
  });

  it('without org_code and prompt=none (no chooser): the user\'s first organization (their personal one), with nothing granted there', async () => {
    const at = decodeJwt((await tokens({ prompt: 'none' })).access_token);
    expect(at.org_code).not.toBe(orgCode);
    expect(at.org_code).toMatch(/^org_/);
    expect(at).toMatchObject({ permissions: [], roles: [], feature_flags: { theme: { t: 's', v: 'dark' }, beta: { t: 'b', v: false } } });
  });

  it('the user profile endpoints agree with the tokens (and show provided_id and the username identity)', async () => {
    await updateUser({ client: s.api, query: { id: userSub }, body: { provided_id: 'ext-42' } as never });
    await createUserIdentity({ client: s.api, path: { user_id: userSub }, body: { type: 'username', value: 'clara' } as never });
    const t = await tokens({ org_code: orgCode });
    const id = decodeJwt(t.id_token);
    const get = async (path: string) => (await (await fetch(`${s.baseUrl}${path}`, { headers: { authorization: `Bearer ${t.access_token}` } })).json()) as Record<string, unknown>;
    const v2 = await get('/oauth2/v2/user_profile');
    expect(v2).toMatchObject({ id: userSub, sub: id.sub, email: id.email, given_name: id.given_name, family_name: id.family_name, name: id.name, provided_id: 'ext-42' });
    expect(await get('/oauth2/user_profile')).toMatchObject({ id: userSub, preferred_email: id.email, username: 'clara', provided_id: 'ext-42' });
    expect(await get('/oauth/userinfo')).toMatchObject({ sub: id.sub, email: id.email, name: id.name });
  });

  it('a refresh recomputes the claims: a removed role is gone at once (refresh_claims answers too)', async () => {
    const t = await tokens({ org_code: orgCode });
    const removed = await deleteOrganizationUserRole({ client: s.api, path: { org_code: orgCode, user_id: userSub, role_id: roleId } });
    expect(removed.response.status).toBe(200);
    expect((await refreshUserClaims({ client: s.api, path: { user_id: userSub } })).response.status).toBe(200);
    const again = decodeJwt((await refresh(t.refresh_token)).access_token);
    expect(again).toMatchObject({ org_code: orgCode, roles: [], permissions: [] });
  });
});
