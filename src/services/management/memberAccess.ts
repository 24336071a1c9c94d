import type { GetOrganizationUserPermissionsData, GetOrganizationUserRolesData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { MAX_PAGE_SIZE, type Page } from '../../store/page';
import type { MemberRoleRow } from '../../store/repositories/memberAccess';
import { errorCatalogue, managementError } from './errors';
import { organizationByCode, userByPublicId } from './lookups';

/**
 * Codes of organization members' roles and permissions beyond the shared ones (ids in the path). An id
 * in the body that names nothing is bad input (400 naming the field), not a missing resource.
 */
export const memberAccessError = errorCatalogue({
  MEMBER_ROLE_NOT_FOUND: [404, 'The member does not hold this role.'],
  MEMBER_PERMISSION_NOT_FOUND: [404, 'The member has no direct grant of this permission.'],
  ROLE_ID_UNKNOWN: [400, '/body/role_id names no role.'],
  PERMISSION_ID_UNKNOWN: [400, '/body/permission_id names no permission.'],
});

/** A member's role as seed 002's `organization_user_role` and the access token's `roles` claim show it. */
export type MemberRoleView = MemberRoleRow;

export interface MemberPermissionView {
  id: string;
  key: string;
  name: string;
  description: string | null;
  roles?: { id: string; key: string }[];
}

/**
 * What a member of an organization may do there, for the access token's `roles` and `permissions`
 * claims: their roles by key, and the keys of their effective permissions (granted directly or
 * through a role), deduplicated and sorted. Empty for a user who is not a member.
 */
export async function memberAccess(
  deps: Pick<Deps, 'repos'>,
  userId: number,
  organizationId: number,
): Promise<{ roles: { id: string; key: string; name: string }[]; permissions: string[] }> {
  const [roles, permissions] = await Promise.all([
    deps.repos.memberAccess.roles(organizationId, userId),
    deps.repos.memberAccess.effectivePermissionKeys(organizationId, userId),
  ]);
  return { roles: roles.map((r) => ({ id: r.id, key: r.key, name: r.name })), permissions };
}

/** Internal ids of an organization member from the path: 404 for an unknown organization, user or membership. */
async function member(deps: Deps, orgCode: string, userPublicId: string): Promise<{ organizationId: number; userId: number }> {
  const organizationId = (await organizationByCode(deps.repos, orgCode)).id;
  const user = await userByPublicId(deps.repos, userPublicId);
  if (!(await deps.repos.tenants.membership(user.id, organizationId))) throw managementError('NOT_A_MEMBER');
  return { organizationId, userId: user.id };
}

/** Member lists: the Kinde client library sends no paging parameters, so a page is as large as allowed. */
const memberPageSize = (asked: number | undefined) => Math.min(Math.max(1, asked ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE);

export async function listMemberRoles(
  deps: Deps,
  orgCode: string,
  userPublicId: string,
  q: NonNullable<GetOrganizationUserRolesData['query']>,
): Promise<Page<MemberRoleView>> {
  const m = await member(deps, orgCode, userPublicId);
  return deps.repos.memberAccess.rolesPage(m.organizationId, m.userId, { size: memberPageSize(q.page_size), after: q.next_token });
}

/** Gives the member the role; one already held stays (idempotent). */
export async function addMemberRole(deps: Deps, orgCode: string, userPublicId: string, roleId: string): Promise<void> {
  const m = await member(deps, orgCode, userPublicId);
  if (!(await deps.repos.roles.findById(roleId))) throw memberAccessError('ROLE_ID_UNKNOWN');
  await deps.repos.memberAccess.addRole(m.organizationId, m.userId, roleId, deps.clock());
}

export async function removeMemberRole(deps: Deps, orgCode: string, userPublicId: string, roleId: string): Promise<void> {
  const m = await member(deps, orgCode, userPublicId);
  if (await deps.repos.memberAccess.removeRole(m.organizationId, m.userId, roleId)) return;
  if (!(await deps.repos.roles.findById(roleId))) throw managementError('ROLE_NOT_FOUND');
  throw memberAccessError('MEMBER_ROLE_NOT_FOUND');
}

/** The member's effective permissions; with `expand=roles`, each with the member's roles that carry it. */
export async function listMemberPermissions(
  deps: Deps,
  orgCode: string,
  userPublicId: string,
  q: NonNullable<GetOrganizationUserPermissionsData['query']>,
): Promise<Page<MemberPermissionView>> {
  const m = await member(deps, orgCode, userPublicId);
  const page = await deps.repos.memberAccess.effectivePermissionsPage(m.organizationId, m.userId, { size: memberPageSize(q.page_size), after: q.next_token });
  const view = (p: (typeof page.items)[number]): MemberPermissionView => ({ id: p.id, key: p.key, name: p.name, description: p.description });
  if (q.expand !== 'roles') return { ...page, items: page.items.map(view) };
  const sources = new Map<string, { id: string; key: string }[]>();
  for (const s of await deps.repos.memberAccess.permissionSources(m.organizationId, m.userId, page.items.map((p) => p.id))) {
    sources.set(s.permission_id, [...(sources.get(s.permission_id) ?? []), { id: s.id, key: s.key }]);
  }
  return { ...page, items: page.items.map((p) => ({ ...view(p), roles: sources.get(p.id) ?? [] })) };
}

/** Grants the member the permission directly; one already granted stays (idempotent). */
export async function addMemberPermission(deps: Deps, orgCode: string, userPublicId: string, permissionId: string): Promise<void> {
  const m = await member(deps, orgCode, userPublicId);
  if (!(await deps.repos.permissions.findById(permissionId))) throw memberAccessError('PERMISSION_ID_UNKNOWN');
  await deps.repos.memberAccess.addPermission(m.organizationId, m.userId, permissionId, deps.clock());
}

export async function removeMemberPermission(deps: Deps, orgCode: string, userPublicId: string, permissionId: string): Promise<void> {
  const m = await member(deps, orgCode, userPublicId);
  if (await deps.repos.memberAccess.removePermission(m.organizationId, m.userId, permissionId)) return;
  if (!(await deps.repos.permissions.findById(permissionId))) throw managementError('PERMISSION_NOT_FOUND');
  throw memberAccessError('MEMBER_PERMISSION_NOT_FOUND');
}
