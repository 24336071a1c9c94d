import type { CreatePermissionData, GetPermissionsData, UpdatePermissionsData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { newId } from '../../store/ids';
import { sortOf, type Page } from '../../store/page';
import type { PermissionRow } from '../../store/repositories/permissions';
import { managementError } from './errors';
import { pageSizeOf } from './respond';

export interface PermissionView {
  id: string;
  key: string;
  name: string;
  description: string | null;
}

export const permissionView = (r: PermissionRow): PermissionView => ({ id: r.id, key: r.key, name: r.name, description: r.description });

export async function listPermissions(deps: Deps, q: NonNullable<GetPermissionsData['query']>): Promise<Page<PermissionView>> {
  const { column, descending } = sortOf(q.sort, ['name', 'id'] as const, 'name');
  const page = await deps.repos.permissions.page({ size: pageSizeOf(q.page_size), after: q.next_token, descending, sortBy: column });
  return { ...page, items: page.items.map(permissionView) };
}

export async function createPermission(deps: Deps, input: CreatePermissionData['body']): Promise<string> {
  const id = newId('perm');
  await deps.repos.permissions.insert({ id, key: input.key, name: input.name, description: input.description ?? null, created_at: deps.clock() });
  return id;
}

export async function updatePermission(deps: Deps, id: string, input: UpdatePermissionsData['body']): Promise<void> {
  if (!(await deps.repos.permissions.update(id, input))) throw managementError('PERMISSION_NOT_FOUND');
}

export async function deletePermission(deps: Deps, id: string): Promise<void> {
  if (!(await deps.repos.permissions.delete(id))) throw managementError('PERMISSION_NOT_FOUND');
}
