import type { CreateRoleData, GetRolePermissionsData, GetRolesData, UpdateRolePermissionsData, UpdateRolesData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { fromBool, toBool } from '../../store/codecs';
import { newId } from '../../store/ids';
import { sortOf, type Page } from '../../store/page';
import type { RoleRow } from '../../store/repositories/roles';
import { errorCatalogue, managementError } from './errors';
import { permissionView, type PermissionView } from './permissions';
import { pageSizeOf } from './respond';

/**
 * Codes of the roles resource beyond the shared ones (ROLE_NOT_FOUND, PERMISSION_NOT_FOUND: ids in the
 * path). An id in the body that names nothing is bad input (400 naming the field), not a missing resource.
 */
export const roleError = errorCatalogue({
  ROLE_PERMISSION_NOT_FOUND: [404, 'The role does not carry this permission.'],
  PERMISSION_ID_UNKNOWN: [400, 'A permission id names no permission.'],
});

export interface RoleView {
  id: string;
  key: string;
  name: string;
  description: string | null;
  is_default_role: boolean;
}

export const roleView = (r: RoleRow): RoleView => ({ id: r.id, key: r.key, name: r.name, description: r.description, is_default_role: toBool(r.is_default_role) });

export async function listRoles(deps: Deps, q: NonNullable<GetRolesData['query']>): Promise<Page<RoleView>> {
  const { column, descending } = sortOf(q.sort, ['name', 'id', 'key'] as const, 'name');
  const page = await deps.repos.roles.page({ size: pageSizeOf(q.page_size), after: q.next_token, descending, sortBy: column });
  return { ...page, items: page.items.map(roleView) };
}

export async function getRole(deps: Deps, id: string): Promise<RoleView> {
  const row = await deps.repos.roles.findById(id);
  if (!row) throw managementError('ROLE_NOT_FOUND');
  return roleView(row);
}

export async function createRole(deps: Deps, input: CreateRoleData['body']): Promise<string> {
  const id = newId('rol');
  await deps.repos.roles.insert({
    id,
    key: input.key,
    name: input.name,
    description: input.description ?? null,
    is_default_role: fromBool(input.is_default_role ?? false),
    created_at: deps.clock(),
  });
  return id;
}

export async function updateRole(deps: Deps, id: string, input: UpdateRolesData['body']): Promise<void> {
  const changes = {
    key: input.key,
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.is_default_role !== undefined ? { is_default_role: fromBool(input.is_default_role) } : {}),
  };
  if (!(await deps.repos.roles.update(id, changes))) throw managementError('ROLE_NOT_FOUND');
}

/** Deletes the role; members lose it and its permission links go (ON DELETE CASCADE, one statement). */
export async function deleteRole(deps: Deps, id: string): Promise<void> {
  if (!(await deps.repos.roles.delete(id))) throw managementError('ROLE_NOT_FOUND');
}

export async function listRolePermissions(
  deps: Deps,
  roleId: string,
  q: NonNullable<GetRolePermissionsData['query']>,
): Promise<Page<PermissionView>> {
  if (!(await deps.repos.roles.findById(roleId))) throw managementError('ROLE_NOT_FOUND');
  const { column, descending } = sortOf(q.sort, ['name', 'id'] as const, 'name');
  const page = await deps.repos.roles.permissionsPage(roleId, { size: pageSizeOf(q.page_size), after: q.next_token, descending, sortBy: column });
  return { ...page, items: page.items.map(permissionView) };
}

/**
 * Adds and removes the role's permissions in the order given, in one transaction: an unknown role (404)
 * or permission id (400) changes nothing. Lists the ids whose state actually changed.
 */
export async function updateRolePermissions(
  deps: Deps,
  roleId: string,
  input: UpdateRolePermissionsData['body'],
): Promise<{ permissions_added: string[]; permissions_removed: string[] }> {
  return deps.tx(async (repos) => {
    if (!(await repos.roles.findById(roleId))) throw managementError('ROLE_NOT_FOUND');
    const added: string[] = [];
    const removed: string[] = [];
    for (const [i, { id, operation }] of (input.permissions ?? []).entries()) {
      if (!(await repos.permissions.findById(id))) throw roleError('PERMISSION_ID_UNKNOWN', `/body/permissions/${i}/id names no permission (${id}).`);
      if (operation === 'delete') {
        if (await repos.roles.removePermission(roleId, id)) removed.push(id);
      } else if (await repos.roles.addPermission(roleId, id)) {
        added.push(id);
      }
    }
    return { permissions_added: added, permissions_removed: removed };
  });
}

export async function removeRolePermission(deps: Deps, roleId: string, permissionId: string): Promise<void> {
  if (await deps.repos.roles.removePermission(roleId, permissionId)) return;
  if (!(await deps.repos.roles.findById(roleId))) throw managementError('ROLE_NOT_FOUND');
  if (!(await deps.repos.permissions.findById(permissionId))) throw managementError('PERMISSION_NOT_FOUND');
  throw roleError('ROLE_PERMISSION_NOT_FOUND');
}
