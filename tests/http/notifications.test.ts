import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAdminNotification,
  deleteAdminNotification,
  getAdminNotification,
  listAdminNotifications,
  listAppNotifications,
  updateAdminNotification,
} from '../../generated/client';
import { createSession } from '../../src/services/sessions';
import { startServer, type TestServer } from '../helpers/server';

const run = promisify(execFile);
const T0 = Date.parse('2026-04-24T12:00:00.000Z');
let now = T0;
let s: TestServer;
let admin: Record<string, string>;
let adminCookie: Record<string, string>;
let plain: Record<string, string>;

/** Grants the server-administrator flag the way an operator does: through the CLI, on the data directory. */
async function cliGrant(email: string, action = 'grant') {
  return run('npx', ['tsx', 'src/cli.ts', 'admin', action, '--data', s.config.dataDir, '--email', email], { cwd: process.cwd() });
}

beforeAll(async () => {
  s = await startServer({}, { clock: () => now });
  const a = await s.deps.repos.users.create({ email: 'Admin@Example.com' }, null, now);
  const u = await s.deps.repos.users.create({ email: 'user@example.com' }, null, now);
  admin = { 'X-Kendr-Session': (await createSession(s.deps, a.id, 'app')).token };
  adminCookie = { Cookie: `kendr_session=${(await createSession(s.deps, a.id, 'browser')).token}` };
  plain = { 'X-Kendr-Session': (await createSession(s.deps, u.id, 'app')).token };
}, 30_000);
afterAll(() => s.close());

describe('keyhaven admin grant', () => {
  it('makes the user with that email a server administrator (and revoke undoes it)', async () => {
    expect((await listAdminNotifications({ client: s.client, headers: admin })).response.status).toBe(403);
    const out = await cliGrant('admin@example.com');
    expect(out.stdout).toMatch(/admin@example\.com .* now a server administrator/);
    expect((await listAdminNotifications({ client: s.client, headers: admin })).response.status).toBe(200);

    await cliGrant('admin@example.com', 'revoke');
    expect((await listAdminNotifications({ client: s.client, headers: admin })).response.status).toBe(403);
    await cliGrant('ADMIN@example.com');
    expect((await listAdminNotifications({ client: s.client, headers: admin })).response.status).toBe(200);
  }, 60_000);

  it('fails with a non-zero exit for an unknown email', async () => {
    await expect(cliGrant('nobody@example.com')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('no user with email') });
  }, 30_000);
});

describe('notification administration', () => {
  it('401 without credentials, 401 with an invalid one, 403 for a non-admin', async () => {
    const none = await listAdminNotifications({ client: s.client });
    expect(none.response.status).toBe(401);
    expect(none.response.headers.get('www-authenticate')).toBeTruthy();
    expect((await createAdminNotification({ client: s.client, body: { title: 't', message: 'm' } })).response.status).toBe(401);
    expect((await listAdminNotifications({ client: s.client, headers: { 'X-Kendr-Session': 'forged' } })).response.status).toBe(401);

    const forbidden = await createAdminNotification({ client: s.client, body: { title: 't', message: 'm' }, headers: plain });
    expect(forbidden.response.status).toBe(403);
    expect(forbidden.error).toMatchObject({ ok: false, error: 'forbidden' });
    expect((await listAdminNotifications({ client: s.client, headers: plain })).response.status).toBe(403);
    expect((await updateAdminNotification({ client: s.client, path: { id: 1 }, body: { active: false }, headers: plain })).response.status).toBe(403);
    expect((await deleteAdminNotification({ client: s.client, path: { id: 1 }, headers: plain })).response.status).toBe(403);
    expect(s.deps.store.sqlite.prepare('SELECT COUNT(*) AS n FROM app_notifications').get()).toEqual({ n: 0 });
  });

  it('create, read, list, update and delete', async () => {
    const created = await createAdminNotification({
      client: s.client,
      headers: admin,
      body: { title: 'Maintenance', message: 'Sync paused tonight.', level: 'warning', url: 'https://status.example.com/x', platforms: ['Windows', 'macos'], ends_at: '2026-04-25T00:00:00Z' },
    });
    expect(created.response.status).toBe(201);
    const n = created.data!;
    expect(n).toMatchObject({
      title: 'Maintenance',
      message: 'Sync paused tonight.',
      level: 'warning',
      url: 'https://status.example.com/x',
      platforms: ['windows', 'macos'],
      starts_at: null,
      ends_at: '2026-04-25T00:00:00.000Z',
      active: true,
      created_at: '2026-04-24T12:00:00.000Z',
      updated_at: '2026-04-24T12:00:00.000Z',
      created_by: expect.any(Number),
    });

    // Defaults, and the browser session cookie also works for an admin.
    const second = await createAdminNotification({ client: s.client, headers: adminCookie, body: { title: 'Hello', message: 'Welcome' } });
    expect(second.data).toMatchObject({ level: 'info', url: null, platforms: null, active: true });

    expect((await getAdminNotification({ client: s.client, headers: admin, path: { id: n.id } })).data).toEqual(n);
    const list = await listAdminNotifications({ client: s.client, headers: admin });
    expect(list.data?.count).toBe(2);
    expect(list.data?.notifications.map((x) => x.id)).toEqual([second.data!.id, n.id]);

    now = T0 + 60_000;
    const updated = await updateAdminNotification({ client: s.client, headers: admin, path: { id: n.id }, body: { title: 'Maintenance (moved)', platforms: null, url: null, active: false } });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toMatchObject({ title: 'Maintenance (moved)', platforms: null, url: null, active: false, message: 'Sync paused tonight.', ends_at: '2026-04-25T00:00:00.000Z', updated_at: '2026-04-24T12:01:00.000Z', created_at: '2026-04-24T12:00:00.000Z' });
    now = T0;

    expect((await deleteAdminNotification({ client: s.client, headers: admin, path: { id: n.id } })).response.status).toBe(204);
    expect((await getAdminNotification({ client: s.client, headers: admin, path: { id: n.id } })).response.status).toBe(404);
    await deleteAdminNotification({ client: s.client, headers: admin, path: { id: second.data!.id } });
    expect((await listAdminNotifications({ client: s.client, headers: admin })).data).toEqual({ count: 0, notifications: [] });
  });

  it('404 for unknown ids', async () => {
    const missing = { id: 999_999 };
    const get = await getAdminNotification({ client: s.client, headers: admin, path: missing });
    expect(get.response.status).toBe(404);
    expect(get.error).toMatchObject({ ok: false, error: 'not_found' });
    expect((await updateAdminNotification({ client: s.client, headers: admin, path: missing, body: { active: true } })).response.status).toBe(404);
    expect((await deleteAdminNotification({ client: s.client, headers: admin, path: missing })).response.status).toBe(404);
  });

  it('rejects invalid input with 400 naming the field', async () => {
    const bad = async (body: unknown, field: string) => {
      const res = await fetch(`${s.baseUrl}/api/admin/notifications`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field });
    };
    await bad({ message: 'm' }, '/body/title');
    await bad({ title: 't', message: 'm', level: 'urgent' }, '/body/level');
    await bad({ title: 't', message: 'm', url: 'javascript:alert(1)' }, '/body/url');
    await bad({ title: 't', message: 'm', platforms: [] }, '/body/platforms');
    await bad({ title: 't', message: 'm', starts_at: 'tomorrow' }, '/body/starts_at');
    await bad({ title: 't', message: 'm', starts_at: '2026-04-25T00:00:00Z', ends_at: '2026-04-24T00:00:00Z' }, '/body/ends_at');
    await bad({ title: 't', message: 'm', colour: 'red' }, '/body/colour');
    const patch = await fetch(`${s.baseUrl}/api/admin/notifications/abc`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...admin }, body: '{"active":true}' });
    expect(patch.status).toBe(400);

    // A PATCH that would leave ends_at before starts_at is refused too.
    const n = (await createAdminNotification({ client: s.client, headers: admin, body: { title: 't', message: 'm', starts_at: '2026-04-24T00:00:00Z' } })).data!;
    const res = await updateAdminNotification({ client: s.client, headers: admin, path: { id: n.id }, body: { ends_at: '2026-04-23T00:00:00Z' } });
    expect(res.response.status).toBe(400);
    expect(res.error).toMatchObject({ field: '/body/ends_at' });
    await deleteAdminNotification({ client: s.client, headers: admin, path: { id: n.id } });
  });
});

describe('GET /api/app/notifications', () => {
  it('lists only active, in-window notifications, filtered by platform', async () => {
    const make = async (body: Parameters<typeof createAdminNotification>[0]['body']) =>
      (await createAdminNotification({ client: s.client, headers: admin, body })).data!;
    const everywhere = await make({ title: 'everywhere', message: 'm' });
    const windowsOnly = await make({ title: 'windows only', message: 'm', platforms: ['windows'], level: 'critical', url: 'https://example.com/fix' });
    await make({ title: 'switched off', message: 'm', active: false });
    await make({ title: 'future', message: 'm', starts_at: '2026-04-24T12:00:00.001Z' });
    await make({ title: 'expired', message: 'm', ends_at: '2026-04-24T12:00:00.000Z' });
    const inWindow = await make({ title: 'in window', message: 'm', starts_at: '2026-04-24T12:00:00.000Z', ends_at: '2026-04-24T12:00:00.001Z' });

    const all = await listAppNotifications({ client: s.client });
    expect(all.response.status).toBe(200);
    expect(all.data?.count).toBe(3);
    expect(all.data?.notifications.map((n) => n.title)).toEqual(['in window', 'windows only', 'everywhere']);
    expect(all.data?.notifications[1]).toEqual({
      id: windowsOnly.id,
      title: 'windows only',
      message: 'm',
      level: 'critical',
      url: 'https://example.com/fix',
      platforms: ['windows'],
      starts_at: null,
      ends_at: null,
      created_at: '2026-04-24T12:00:00.000Z',
    });
    expect(all.data?.notifications[0]).not.toHaveProperty('active');

    const mac = await listAppNotifications({ client: s.client, query: { platform: 'macos' } });
    expect(mac.data?.notifications.map((n) => n.id)).toEqual([inWindow.id, everywhere.id]);
    const win = await listAppNotifications({ client: s.client, query: { platform: 'WINDOWS' } });
    expect(win.data?.count).toBe(3);

    // The window moves with the clock: a millisecond later, "in window" has ended and "future" started.
    now = T0 + 1;
    const later = await listAppNotifications({ client: s.client });
    expect(later.data?.notifications.map((n) => n.title).sort()).toEqual(['everywhere', 'future', 'windows only']);
    now = T0;

    // Deactivating hides it from apps at once.
    await updateAdminNotification({ client: s.client, headers: admin, path: { id: everywhere.id }, body: { active: false } });
    expect((await listAppNotifications({ client: s.client })).data?.notifications.map((n) => n.id)).not.toContain(everywhere.id);
  });

  it('rejects a malformed platform filter with 400', async () => {
    const res = await fetch(`${s.baseUrl}/api/app/notifications?platform=${encodeURIComponent('<x>')}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: expect.stringContaining('platform') });
  });
});
