import type { Handlers } from '../../http/handler';
import { createUserIdentity, deleteIdentity, getIdentity, listUserIdentities, updateIdentity } from '../../services/management/identities';
import { success } from '../../services/management/respond';

export const identityHandlers = {
  getUserIdentities: async ({ deps, path, query }) => ({ status: 200, body: await listUserIdentities(deps, path.user_id, query) }),
  createUserIdentity: async ({ deps, path, body }) => ({
    status: 200,
    body: { ...success('IDENTITY_CREATED', 'Identity successfully created'), identity: { id: await createUserIdentity(deps, path.user_id, body) } },
  }),
  getIdentity: async ({ deps, path }) => ({ status: 200, body: await getIdentity(deps, path.identity_id) }),
  updateIdentity: async ({ deps, path, body }) => {
    await updateIdentity(deps, path.identity_id, body);
    return { status: 200, body: success('IDENTITY_UPDATED', 'Identity successfully updated') };
  },
  deleteIdentity: async ({ deps, path }) => {
    await deleteIdentity(deps, path.identity_id);
    return { status: 200, body: success('IDENTITY_DELETED', 'Identity successfully deleted') };
  },
} satisfies Partial<Handlers>;
