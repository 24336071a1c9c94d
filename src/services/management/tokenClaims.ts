import type { Deps } from '../../deps';
import type { User } from '../../store/repositories/users';
import { memberAccess } from './memberAccess';
import { resolveFeatureFlags } from './flagResolution';
import { tokenProperties } from './propertyValues';

/**
 * What seed 002's SDKs read from a user's tokens, computed from the management API's data at every
 * issue and refresh: the organization signed into, its roles and permissions, feature flags, and
 * non-private properties.
 */
export interface SignedInOrganization {
  id: number;
  code: string;
  name: string;
}

/**
 * The organization a user's token speaks for: the one the authorization request named (membership
 * was checked there and is checked again at every issue), else the user's earliest membership.
 * A user in no organization signs into none.
 */
export async function tokenOrganization(deps: Pick<Deps, 'repos'>, userId: number, orgCode: string | undefined): Promise<SignedInOrganization | undefined> {
  const membership = orgCode ? await deps.repos.tenants.membershipByCode(userId, orgCode) : await deps.repos.tenants.firstMembership(userId);
  const org = membership && (await deps.repos.tenants.findById(membership.organization_id));
  return org ? { id: org.id, code: org.code, name: org.name } : undefined;
}

/** Access-token claims: org_code, org_name, permissions, roles, feature_flags, user_ and organization_properties. */
export async function accessTokenIdentityClaims(deps: Pick<Deps, 'repos'>, user: User, orgCode: string | undefined): Promise<Record<string, unknown>> {
  const org = await tokenOrganization(deps, user.id, orgCode);
  const access = org ? await memberAccess(deps, user.id, org.id) : { roles: [], permissions: [] };
  const featureFlags = await resolveFeatureFlags(deps, user.id, org?.id ?? null);
  const properties = await tokenProperties(deps, user.id, org?.id ?? null);
  return {
    ...(org ? { org_code: org.code, org_name: org.name } : {}),
    permissions: access.permissions,
    roles: access.roles,
    feature_flags: featureFlags,
    ...properties,
  };
}

/** ID-token claims: every organization of the user (org_codes, organizations) and non-private user properties. */
export async function idTokenIdentityClaims(deps: Pick<Deps, 'repos'>, user: User): Promise<Record<string, unknown>> {
  const organizations = await deps.repos.tenants.organizationsOf(user.id);
  const { user_properties } = await tokenProperties(deps, user.id, null);
  return {
    org_codes: organizations.map((o) => o.code),
    organizations: organizations.map((o) => ({ id: o.code, name: o.name })),
    user_properties,
    updated_at: Math.floor(user.updated_at / 1000),
  };
}
