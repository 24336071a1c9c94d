import type { Handlers } from '../../http/handler';
import { createPermission, deletePermission, listPermissions, updatePermission } from '../../services/management/permissions';
import { listBody, success } from '../../services/management/respond';

export const permissionHandlers = {
  getPermissions: async ({ deps, query }) => ({ status: 200, body: listBody('permissions', await listPermissions(deps, query)) }),
  createPermission: async ({ deps, body }) => ({
    status: 201,
    body: { ...success('PERMISSION_CREATED', 'Permission successfully created'), permission: { id: await createPermission(deps, body) } },
  }),
  updatePermissions: async ({ deps, path, body }) => {
    await updatePermission(deps, path.permission_id, body);
    return { status: 201, body: success('PERMISSION_UPDATED', 'Permission successfully updated') };
  },
  deletePermission: async ({ deps, path }) => {
    await deletePermission(deps, path.permission_id);
    return { status: 200, body: success('PERMISSION_DELETED', 'Permission successfully deleted') };
  },
} satisfies Partial<Handlers>;
