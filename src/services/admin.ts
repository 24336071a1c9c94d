import type { Deps } from '../deps';
import { userOf, type Principal } from '../http/principal';
import { badRequest, forbidden } from '../http/errors';
import type { NotificationRow } from '../store/repositories/telemetry';
import { openStore } from '../store/db';
import { userRepository } from '../store/repositories/users';
import { serverAdminRepository } from '../store/repositories/telemetry';
import { publicNotification } from './telemetry';

/** Server administrators (users.is_admin, not suspended) only: 401 without a principal, 403 otherwise. */
export async function requireServerAdmin(deps: Deps, principal: Principal | null): Promise<number> {
  const { userId } = userOf(principal);
  if (!(await deps.repos.serverAdmins.isAdmin(userId))) throw forbidden('server administrators only');
  return userId;
}

type AdminDeps = { repos: Pick<Deps['repos'], 'users' | 'serverAdmins'>; clock: () => number };

/** Marks (or unmarks) the user with this email as a server administrator. */
export async function setServerAdmin(deps: AdminDeps, email: string, isAdmin: boolean): Promise<{ id: number; email: string }> {
  const user = await deps.repos.users.findByEmail(email);
  if (!user) throw new Error(`no user with email ${email}`);
  await deps.repos.serverAdmins.setAdmin(user.id, isAdmin, deps.clock());
  return { id: user.id, email: user.email ?? email };
}

/** `keyhaven admin grant|revoke`: opens (and migrates) the data directory's database directly. */
export async function setServerAdminInDataDir(dataDir: string, email: string, isAdmin: boolean) {
  const store = openStore(dataDir);
  try {
    const repos = { users: userRepository(store.db), serverAdmins: serverAdminRepository(store.db) };
    return await setServerAdmin({ repos, clock: Date.now }, email, isAdmin);
  } finally {
    await store.close();
  }
}

export function adminNotification(n: NotificationRow) {
  return { ...publicNotification(n), active: n.active === 1, created_by: n.created_by, updated_at: new Date(n.updated_at).toISOString() };
}

export interface NotificationInput {
  title?: string;
  message?: string;
  level?: 'info' | 'warning' | 'critical';
  url?: string | null;
  platforms?: string[] | null;
  starts_at?: string | null;
  ends_at?: string | null;
  active?: boolean;
}

const ms = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : Date.parse(v));

type Columns = Partial<Omit<NotificationRow, 'id' | 'created_by' | 'created_at' | 'updated_at'>>;

/** The columns an input changes (only the given keys). */
function columns(input: NotificationInput): Columns {
  const out: Columns = {};
  if (input.title !== undefined) out.title = input.title;
  if (input.message !== undefined) out.message = input.message;
  if (input.level !== undefined) out.level = input.level;
  if (input.url !== undefined) out.url = input.url;
  if (input.platforms !== undefined) {
    out.platforms = input.platforms === null ? null : JSON.stringify([...new Set(input.platforms.map((p) => p.toLowerCase()))]);
  }
  if (input.starts_at !== undefined) out.starts_at = ms(input.starts_at);
  if (input.ends_at !== undefined) out.ends_at = ms(input.ends_at);
  if (input.active !== undefined) out.active = input.active ? 1 : 0;
  return out;
}

function checkWindow(startsAt: number | null | undefined, endsAt: number | null | undefined) {
  if (startsAt != null && endsAt != null && endsAt <= startsAt) throw badRequest('ends_at must be after starts_at', '/body/ends_at');
}

export async function createNotification(deps: Deps, adminId: number, input: NotificationInput & { title: string; message: string }) {
  const now = deps.clock();
  const c = columns(input);
  checkWindow(c.starts_at, c.ends_at);
  const row = await deps.repos.notifications.insert({
    title: input.title,
    message: input.message,
    level: input.level ?? 'info',
    url: c.url ?? null,
    platforms: c.platforms ?? null,
    starts_at: c.starts_at ?? null,
    ends_at: c.ends_at ?? null,
    active: c.active ?? 1,
    created_by: adminId,
    created_at: now,
    updated_at: now,
  });
  return adminNotification(row);
}

export async function updateNotification(deps: Deps, id: number, input: NotificationInput) {
  const current = await deps.repos.notifications.get(id);
  const c = columns(input);
  checkWindow(c.starts_at === undefined ? current.starts_at : c.starts_at, c.ends_at === undefined ? current.ends_at : c.ends_at);
  return adminNotification(await deps.repos.notifications.update(id, { ...c, updated_at: deps.clock() }));
}

export async function listNotifications(deps: Deps) {
  const notifications = (await deps.repos.notifications.listAll()).map(adminNotification);
  return { count: notifications.length, notifications };
}
