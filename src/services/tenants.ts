import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps';
import { forbidden } from '../http/errors';
import { isUserPrincipal, type Principal } from '../http/principal';
import type { Organization, Role, TenantRepository } from '../store/repositories/tenants';

export const newOrganizationCode = () => 'org_' + randomBytes(8).toString('hex');

/** The user's personal playground tenant, the user its admin (registration). */
export async function createPersonalTenant(tenants: TenantRepository, userId: number, ownerName: string, now: number): Promise<Organization> {
  const org = await tenants.create({ code: newOrganizationCode(), name: `${ownerName}'s playground`.slice(0, 128), kind: 'playground' }, now);
  await tenants.addMember(userId, org.id, 'admin', now);
  return org;
}

/** The tenant a signed-in user acts in when the credential names none: their first membership. */
export async function primaryTenantOf(deps: Deps, userId: number): Promise<number | undefined> {
  return (await deps.repos.tenants.firstMembership(userId))?.organization_id;
}

export async function roleIn(deps: Deps, userId: number, tenantId: number): Promise<Role | undefined> {
  return (await deps.repos.tenants.membership(userId, tenantId))?.role;
}

/** API keys carry their tenant; sessions act in the user's primary tenant. */
export async function tenantOf(deps: Deps, principal: Principal): Promise<number | undefined> {
  if (principal.kind === 'api_key') return principal.tenantId;
  return isUserPrincipal(principal) ? primaryTenantOf(deps, principal.userId) : undefined;
}

export interface TenantAdmin {
  userId: number;
  tenantId: number;
}

/** 403 unless the principal's user is an admin of the tenant it acts in (role read now, not cached in the credential). */
export async function requireAdmin(deps: Deps, principal: Principal): Promise<TenantAdmin> {
  const tenantId = await tenantOf(deps, principal);
  if (tenantId === undefined || !isUserPrincipal(principal)) throw forbidden('admin role required');
  if ((await roleIn(deps, principal.userId, tenantId)) !== 'admin') throw forbidden('admin role required');
  return { userId: principal.userId, tenantId };
}
