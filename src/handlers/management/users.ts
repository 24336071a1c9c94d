import type { Handlers } from '../../http/handler';
import { setUserPassword } from '../../services/management/passwordImport';
import { listBody, success } from '../../services/management/respond';
import { createUser, deleteUser, getUser, listUsers, refreshUserClaims, updateUser } from '../../services/management/users';

export const userHandlers = {
  getUsers: async ({ deps, query }) => ({ status: 200, body: listBody('users', await listUsers(deps, query)) }),
  getUserData: async ({ deps, query }) => ({ status: 200, body: await getUser(deps, query.id, query.expand) }),
  createUser: async ({ deps, body }) => ({ status: 200, body: await createUser(deps, body) }),
  updateUser: async ({ deps, query, body }) => ({ status: 200, body: await updateUser(deps, query.id, body) }),
  deleteUser: async ({ deps, query }) => {
    await deleteUser(deps, query.id);
    return { status: 200, body: success('USER_DELETED', 'User successfully deleted') };
  },
  refreshUserClaims: async ({ deps, path }) => {
    await refreshUserClaims(deps, path.user_id);
    return { status: 200, body: success('CLAIMS_REFRESHED', 'Claims successfully refreshed') };
  },
  setUserPassword: async ({ deps, path, body }) => {
    await setUserPassword(deps, path.user_id, body);
    return { status: 200, body: success('PASSWORD_SET', 'User password successfully set') };
  },
} satisfies Partial<Handlers>;
