import type { Handlers } from '../../http/handler';
import { listBody, success } from '../../services/management/respond';
import {
  createRole,
  deleteRole,
  getRole,
  listRolePermissions,
  listRoles,
  removeRolePermission,
  updateRole,
  updateRolePermissions,
} from '../../services/management/roles';

export const roleHandlers = {
  getRoles: async ({ deps, query }) => ({ status: 200, body: listBody('roles', await listRoles(deps, query)) }),
  createRole: async ({ deps, body }) => ({
    status: 201,
    body: { ...success('ROLE_CREATED', 'Role successfully created'), role: { id: await createRole(deps, body) } },
  }),
  getRole: async ({ deps, path }) => ({ status: 200, body: { ...success(), role: await getRole(deps, path.role_id) } }),
  updateRoles: async ({ deps, path, body }) => {
    await updateRole(deps, path.role_id, body);
    return { status: 201, body: success('ROLE_UPDATED', 'Role successfully updated') };
  },
  deleteRole: async ({ deps, path }) => {
    await deleteRole(deps, path.role_id);
    return { status: 200, body: success('ROLE_DELETED', 'Role successfully deleted') };
  },
  getRolePermissions: async ({ deps, path, query }) => ({
    status: 200,
    body: listBody('permissions', await listRolePermissions(deps, path.role_id, query)),
  }),
  updateRolePermissions: async ({ deps, path, body }) => ({
    status: 200,
    body: { ...success('PERMISSIONS_UPDATED', 'Permissions successfully updated'), ...(await updateRolePermissions(deps, path.role_id, body)) },
  }),
  removeRolePermission: async ({ deps, path }) => {
    await removeRolePermission(deps, path.role_id, path.permission_id);
    return { status: 200, body: success('PERMISSION_REMOVED', 'Permission successfully removed from role') };
  },
} satisfies Partial<Handlers>;
