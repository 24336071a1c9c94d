import type { Handlers } from '../../http/handler';
import {
  addMemberPermission,
  addMemberRole,
  listMemberPermissions,
  listMemberRoles,
  removeMemberPermission,
  removeMemberRole,
} from '../../services/management/memberAccess';
import { listBody, success } from '../../services/management/respond';

/** Roles and permissions of an organization member (tag mgmt-organizations). */
export const organizationUserRbacHandlers = {
  getOrganizationUserRoles: async ({ deps, path, query }) => ({
    status: 200,
    body: listBody('roles', await listMemberRoles(deps, path.org_code, path.user_id, query)),
  }),
  createOrganizationUserRole: async ({ deps, path, body }) => {
    await addMemberRole(deps, path.org_code, path.user_id, body.role_id);
    return { status: 200, body: success('ROLE_ADDED', 'Role successfully added') };
  },
  deleteOrganizationUserRole: async ({ deps, path }) => {
    await removeMemberRole(deps, path.org_code, path.user_id, path.role_id);
    return { status: 200, body: success('ROLE_REMOVED', 'Role successfully removed') };
  },
  getOrganizationUserPermissions: async ({ deps, path, query }) => ({
    status: 200,
    body: listBody('permissions', await listMemberPermissions(deps, path.org_code, path.user_id, query)),
  }),
  createOrganizationUserPermission: async ({ deps, path, body }) => {
    await addMemberPermission(deps, path.org_code, path.user_id, body.permission_id);
    return { status: 200, body: success('PERMISSION_ADDED', 'User permission successfully updated') };
  },
  deleteOrganizationUserPermission: async ({ deps, path }) => {
    await removeMemberPermission(deps, path.org_code, path.user_id, path.permission_id);
    return { status: 200, body: success('PERMISSION_REMOVED', 'User permission successfully removed') };
  },
} satisfies Partial<Handlers>;
