import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import {
  ApiError, Environments, FeatureFlags, Identities, Organizations, Permissions, Properties, PropertyCategories, Roles, Users, init,
} from '@kinde/management-api-js';
import { startServer, type TestServer } from '../helpers/server';
import { selfSignedTls } from '../helpers/tls';
import { initManagementClient } from '../../src/services/oauth/clients';

/**
 * @kinde/management-api-js 0.18, unmodified, drives every operation of seed 002's management API part 1
 * (issue 9) against Keyhaven over HTTPS, with the credentials `keyhaven init` prints, as its users do:
 * `init({kindeDomain, clientId, clientSecret})`, then static calls that fetch and cache the M2M token.
 */
let s: TestServer;

beforeAll(async () => {
  s = await startServer(selfSignedTls());
  const app = await initManagementClient(s.deps);
  init({ kindeDomain: s.baseUrl, clientId: app.client_id, clientSecret: app.client_secret! });
});
afterAll(() => s.close());

const status = (p: Promise<unknown>) => p.then(() => 200, (e: unknown) => (e instanceof ApiError ? e.status : -1));

describe('@kinde/management-api-js against Keyhaven', () => {
  let permId: string;
  let roleId: string;
  let orgCode: string;
  let userId: string;

  it('permissions and roles', async () => {
    await Permissions.createPermission({ requestBody: { key: 'read:reports', name: 'Read reports', description: 'Reads reports.' } });
    permId = (await Permissions.getPermissions({ sort: 'name_asc' })).permissions!.find((p) => p.key === 'read:reports')!.id!;
    expect(await Permissions.updatePermissions({ permissionId: permId, requestBody: { name: 'Read all reports' } })).toMatchObject({ code: expect.any(String) });

    const created = await Roles.createRole({ requestBody: { key: 'analyst', name: 'Analyst', description: 'Reads things.' } });
    roleId = created.role!.id!;
    expect((await Roles.getRole({ roleId })).role).toMatchObject({ id: roleId, key: 'analyst', name: 'Analyst' });
    expect((await Roles.getRoles({ sort: 'name_asc' })).roles!.map((r) => r.key)).toContain('analyst');
    await Roles.updateRoles({ roleId, requestBody: { key: 'analyst', name: 'Data analyst' } });
    await Roles.updateRolePermissions({ roleId, requestBody: { permissions: [{ id: permId }] } });
    expect((await Roles.getRolePermissions({ roleId })).permissions!.map((p) => p.key)).toEqual(['read:reports']);
    await Roles.removeRolePermission({ roleId, permissionId: permId });
    expect((await Roles.getRolePermissions({ roleId })).permissions).toEqual([]);
    await Roles.updateRolePermissions({ roleId, requestBody: { permissions: [{ id: permId }] } });
  });

  it('users and identities', async () => {
    const created = await Users.createUser({
      requestBody: { profile: { given_name: 'Ada', family_name: 'Lovelace' }, identities: [{ type: 'email', is_verified: true, details: { email: 'ada@example.com' } }] },
    });
    userId = created.id!;
    expect(userId).toMatch(/^kp_/);
    expect((await Users.getUserData({ id: userId })).preferred_email).toBe('ada@example.com');
    expect((await Users.getUsers({ email: 'ada@example.com' })).users!.map((u) => u.id)).toEqual([userId]);
    await Users.updateUser({ id: userId, requestBody: { given_name: 'Augusta' } });
    expect((await Users.getUserData({ id: userId })).first_name).toBe('Augusta');
    await Users.setUserPassword({ userId, requestBody: { hashed_password: bcrypt.hashSync('Imported-Pass-1', 4), hashing_method: 'bcrypt' } });
    expect(await Users.refreshUserClaims({ userId })).toMatchObject({ code: expect.any(String) });

    const identity = await Users.createUserIdentity({ userId, requestBody: { type: 'username', value: 'ada' } });
    const identityId = identity.identity!.id!;
    expect((await Users.getUserIdentities({ userId })).identities!.map((i) => i.type).sort()).toEqual(['email', 'username']);
    expect((await Identities.getIdentity({ identityId })).type).toBe('username');
    await Identities.updateIdentity({ identityId, requestBody: { is_primary: true } });
    await Identities.deleteIdentity({ identityId });
    expect(await status(Identities.getIdentity({ identityId }))).toBe(404);
  });

  it('organizations and their members', async () => {
    const org = await Organizations.createOrganization({ requestBody: { name: 'Acme', handle: 'acme' } });
    orgCode = org.organization!.code!;
    expect((await Organizations.getOrganization({ code: orgCode })).name).toBe('Acme');
    await Organizations.updateOrganization({ orgCode, requestBody: { name: 'Acme Corp' } });
    expect((await Organizations.getOrganizations({ sort: 'name_asc' })).organizations!.map((o) => o.code)).toContain(orgCode);
    await Organizations.deleteOrganizationHandle({ orgCode });

    await Organizations.addOrganizationUsers({ orgCode, requestBody: { users: [{ id: userId }] } });
    await Organizations.updateOrganizationUsers({ orgCode, requestBody: { users: [{ id: userId, roles: ['analyst'] }] } });
    expect((await Organizations.getOrganizationUsers({ orgCode })).organization_users!.map((u) => u.id)).toEqual([userId]);
    await Organizations.deleteOrganizationUserRole({ orgCode, userId, roleId });
    await Organizations.createOrganizationUserRole({ orgCode, userId, requestBody: { role_id: roleId } });
    expect((await Organizations.getOrganizationUserRoles({ orgCode, userId })).roles!.map((r) => r.key)).toEqual(['analyst']);
    await Organizations.createOrganizationUserPermission({ orgCode, userId, requestBody: { permission_id: permId } });
    expect((await Organizations.getOrganizationUserPermissions({ orgCode, userId })).permissions!.map((p) => p.key)).toEqual(['read:reports']);
    await Organizations.deleteOrganizationUserPermission({ orgCode, userId, permissionId: permId });
  });

  it('feature flags and their overrides at every level', async () => {
    await FeatureFlags.createFeatureFlag({ requestBody: { key: 'theme', name: 'Theme', type: 'str', allow_override_level: 'usr', default_value: 'light' } });
    await FeatureFlags.updateFeatureFlag({ featureFlagKey: 'theme', name: 'Theme', description: 'Colours', type: 'str', allowOverrideLevel: 'usr' as 'org', defaultValue: 'light' });
    await Environments.updateEnvironementFeatureFlagOverride({ featureFlagKey: 'theme', requestBody: { value: 'sepia' } });
    expect((await Environments.getEnvironementFeatureFlags()).feature_flags?.theme).toMatchObject({ value: 'sepia' });
    await Organizations.updateOrganizationFeatureFlagOverride({ orgCode, featureFlagKey: 'theme', value: 'dark' });
    expect((await Organizations.getOrganizationFeatureFlags({ orgCode })).feature_flags?.theme).toMatchObject({ value: 'dark' });
    await Users.updateUserFeatureFlagOverride({ userId, featureFlagKey: 'theme', value: 'contrast' });
    await Organizations.deleteOrganizationFeatureFlagOverride({ orgCode, featureFlagKey: 'theme' });
    await Organizations.deleteOrganizationFeatureFlagOverrides({ orgCode });
    await Environments.deleteEnvironementFeatureFlagOverride({ featureFlagKey: 'theme' });
    await Environments.deleteEnvironementFeatureFlagOverrides();
    expect((await Environments.getEnvironementFeatureFlags()).feature_flags?.theme).toMatchObject({ value: 'light' });
    await FeatureFlags.deleteFeatureFlag({ featureFlagKey: 'theme' });
  });

  it('properties, categories and their values', async () => {
    const category = await PropertyCategories.createCategory({ requestBody: { name: 'Profile', context: 'usr' } });
    const categoryId = category.category!.id!;
    await PropertyCategories.updateCategory({ categoryId, requestBody: { name: 'Profile data' } });
    expect((await PropertyCategories.getCategories({ context: 'usr' })).categories!.map((c) => c.name)).toContain('Profile data');
    const prop = await Properties.createProperty({ requestBody: { key: 'team', name: 'Team', type: 'single_line_text', context: 'usr', is_private: false, category_id: categoryId } });
    const propertyId = prop.property!.id!;
    await Properties.updateProperty({ propertyId, requestBody: { name: 'Team name', is_private: false, category_id: categoryId } });
    expect((await Properties.getProperties({ context: 'usr', pageSize: 100 })).properties!.map((p) => p.key)).toContain('team');

    await Users.updateUserProperty({ userId, propertyKey: 'team', value: 'Blue' });
    await Users.updateUserProperties({ userId, requestBody: { properties: { kp_usr_city: 'Lisbon' } } });
    const values = (await Users.getUserPropertyValues({ userId })).properties!;
    expect(values.find((p) => p.key === 'team')?.value).toBe('Blue');
    expect(values.find((p) => p.key === 'kp_usr_city')?.value).toBe('Lisbon');
    await Organizations.updateOrganizationProperty({ orgCode, propertyKey: 'kp_org_city', value: 'Porto' });
    await Organizations.updateOrganizationProperties({ orgCode, requestBody: { properties: { kp_org_city: 'Braga' } } });
    expect((await Organizations.getOrganizationPropertyValues({ orgCode })).properties!.find((p) => p.key === 'kp_org_city')?.value).toBe('Braga');
    await Properties.deleteProperty({ propertyId });
  });

  it('deletes what it created, and reports errors as ApiError with the status', async () => {
    await Organizations.removeOrganizationUser({ orgCode, userId });
    await Organizations.deleteOrganization({ orgCode });
    expect(await status(Organizations.getOrganization({ code: orgCode }))).toBe(404);
    await Roles.deleteRole({ roleId });
    await Permissions.deletePermission({ permissionId: permId });
    await Users.deleteUser({ id: userId });
    expect(await status(Users.getUserData({ id: userId }))).toBe(404);
    expect(await status(Roles.createRole({ requestBody: { name: 'No key' } }))).toBe(400);
  });
});
