import type { Handlers } from '../../http/handler';
import {
  createOrganization,
  deleteOrganization,
  deleteOrganizationHandle,
  getOrganization,
  listOrganizations,
  updateOrganization,
} from '../../services/management/organizations';
import { addOrganizationUsers, listOrganizationUsers, removeOrganizationUser, updateOrganizationUsers } from '../../services/management/organizationUsers';
import { listBody, success } from '../../services/management/respond';

export const organizationHandlers = {
  getOrganization: async ({ deps, query }) => ({ status: 200, body: await getOrganization(deps, query.code) }),
  createOrganization: async ({ deps, body }) => ({
    status: 200,
    body: { ...success('ORGANIZATION_CREATED', 'Organization successfully created'), organization: { code: await createOrganization(deps, body) } },
  }),
  updateOrganization: async ({ deps, path, body }) => {
    await updateOrganization(deps, path.org_code, body ?? {});
    return { status: 200, body: success('ORGANIZATION_UPDATED', 'Organization successfully updated') };
  },
  deleteOrganization: async ({ deps, path }) => {
    await deleteOrganization(deps, path.org_code);
    return { status: 200, body: success('ORGANIZATION_DELETED', 'Organization successfully deleted') };
  },
  deleteOrganizationHandle: async ({ deps, path }) => {
    await deleteOrganizationHandle(deps, path.org_code);
    return { status: 200, body: success('ORGANIZATION_HANDLE_DELETED', 'Handle successfully deleted') };
  },
  getOrganizations: async ({ deps, query }) => ({ status: 200, body: listBody('organizations', await listOrganizations(deps, query)) }),

  getOrganizationUsers: async ({ deps, path, query }) => ({
    status: 200,
    body: listBody('organization_users', await listOrganizationUsers(deps, path.org_code, query)),
  }),
  addOrganizationUsers: async ({ deps, path, body }) => {
    const added = await addOrganizationUsers(deps, path.org_code, body ?? {});
    if (added.length === 0) return { status: 204 };
    return { status: 200, body: { ...success('USERS_ADDED', 'Users successfully added'), users_added: added } };
  },
  updateOrganizationUsers: async ({ deps, path, body }) => ({
    status: 200,
    body: { ...success('USERS_UPDATED', 'Users successfully updated'), ...(await updateOrganizationUsers(deps, path.org_code, body ?? {})) },
  }),
  removeOrganizationUser: async ({ deps, path }) => {
    await removeOrganizationUser(deps, path.org_code, path.user_id);
    return { status: 200, body: success('USER_REMOVED', 'User successfully removed from organization') };
  },
} satisfies Partial<Handlers>;
