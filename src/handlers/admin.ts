import type { Handlers } from '../http/handler';
import {
  adminNotification,
  createNotification,
  listNotifications,
  requireServerAdmin,
  updateNotification,
} from '../services/admin';

export const adminHandlers = {
  listAdminNotifications: async ({ deps, principal }) => {
    await requireServerAdmin(deps, principal);
    return { status: 200, body: await listNotifications(deps) };
  },
  createAdminNotification: async ({ deps, principal, body }) => {
    const adminId = await requireServerAdmin(deps, principal);
    return { status: 201, body: await createNotification(deps, adminId, body) };
  },
  getAdminNotification: async ({ deps, principal, path }) => {
    await requireServerAdmin(deps, principal);
    return { status: 200, body: adminNotification(await deps.repos.notifications.get(path.id)) };
  },
  updateAdminNotification: async ({ deps, principal, path, body }) => {
    await requireServerAdmin(deps, principal);
    return { status: 200, body: await updateNotification(deps, path.id, body) };
  },
  deleteAdminNotification: async ({ deps, principal, path }) => {
    await requireServerAdmin(deps, principal);
    await deps.repos.notifications.delete(path.id);
    return { status: 204 };
  },
} satisfies Partial<Handlers>;
