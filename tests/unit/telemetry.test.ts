import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps';
import { HttpError } from '../../src/http/errors';
import { createNotification, requireServerAdmin, setServerAdmin, updateNotification } from '../../src/services/admin';
import { METADATA_LIMIT_BYTES, activeNotifications, metadataOf, recordActivity, recordInstallation } from '../../src/services/telemetry';
import type { Store } from '../../src/store/db';
import { openUnitDeps } from '../helpers/unitDeps';

let store: Store;
let deps: Deps;
let close: () => Promise<void>;
let now = Date.parse('2026-04-24T08:00:00.000Z');

beforeAll(() => {
  ({ store, deps, close } = openUnitDeps({}, () => now));
});
afterAll(() => close());

const anon = { principal: null, ip: '192.0.2.1' };
const status = async (p: Promise<unknown>) => p.then(() => 0, (e: unknown) => (e instanceof HttpError ? e.status : -1));

describe('metadataOf', () => {
  it('keeps every property except the primary fields', () => {
    expect(JSON.parse(metadataOf({ message: 'm', rating: 5, screen: 'x', nested: { a: [1] } }, ['message', 'rating']))).toEqual({ screen: 'x', nested: { a: [1] } });
    expect(metadataOf({ message: 'm' }, ['message'])).toBe('{}');
  });
  it('refuses metadata over the limit with a 400 on /body, and accepts exactly the limit', () => {
    const fill = (n: number) => ({ k: 'x'.repeat(n - '{"k":""}'.length) });
    expect(Buffer.byteLength(metadataOf(fill(METADATA_LIMIT_BYTES), []))).toBe(METADATA_LIMIT_BYTES);
    try {
      metadataOf(fill(METADATA_LIMIT_BYTES + 1), []);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ status: 400, extra: { field: '/body' } });
    }
  });
});

describe('totals', () => {
  it('total_installs counts distinct installation ids; total_active counts distinct installations per UTC day', async () => {
    expect((await recordInstallation(deps, anon, { installation_id: 'u-1' })).total_installs).toBe(1);
    expect((await recordInstallation(deps, anon, { installation_id: 'u-1' })).total_installs).toBe(1);
    expect((await recordInstallation(deps, anon, { installation_id: 'u-2' })).total_installs).toBe(2);

    expect((await recordActivity(deps, anon, { installation_id: 'u-1' })).total_active).toBe(1);
    expect((await recordActivity(deps, anon, { installation_id: 'u-1' })).total_active).toBe(1);
    expect((await recordActivity(deps, anon, { installation_id: 'u-2' })).total_active).toBe(2);
    now = Date.parse('2026-04-25T00:00:00.000Z');
    expect(await recordActivity(deps, anon, { installation_id: 'u-2' })).toMatchObject({ activity_date: '2026-04-25', total_active: 1 });
    now = Date.parse('2026-04-24T08:00:00.000Z');
  });
});

describe('server administrators', () => {
  it('401 without a principal, 403 for a non-admin or a suspended admin, the id for an admin', async () => {
    const user = await deps.repos.users.create({ email: 'ops@example.com' }, null, now);
    const principal = { kind: 'app_session' as const, userId: user.id, sessionId: 's-1' };
    expect(await status(requireServerAdmin(deps, null))).toBe(401);
    expect(await status(requireServerAdmin(deps, principal))).toBe(403);
    await setServerAdmin(deps, 'OPS@example.com', true);
    expect(await requireServerAdmin(deps, principal)).toBe(user.id);
    store.sqlite.prepare('UPDATE users SET suspended = 1 WHERE id = ?').run(user.id);
    expect(await status(requireServerAdmin(deps, principal))).toBe(403);
    await expect(setServerAdmin(deps, 'ghost@example.com', true)).rejects.toThrow(/no user/);
  });
});

describe('notification window', () => {
  it('refuses ends_at at or before starts_at, on create and on update', async () => {
    const at = '2026-04-24T00:00:00Z';
    expect(await status(createNotification(deps, 1, { title: 't', message: 'm', starts_at: at, ends_at: at }))).toBe(400);
    const n = await createNotification(deps, 1, { title: 't', message: 'm', ends_at: '2026-04-30T00:00:00Z', platforms: ['iOS', 'ios'] });
    expect(n.platforms).toEqual(['ios']);
    expect(await status(updateNotification(deps, n.id, { starts_at: '2026-05-01T00:00:00Z' }))).toBe(400);
    expect((await updateNotification(deps, n.id, { starts_at: '2026-05-01T00:00:00Z', ends_at: null })).ends_at).toBeNull();
    // Starts in the future now, so apps do not see it.
    expect((await activeNotifications(deps, 'ios')).notifications.map((x) => x.id)).not.toContain(n.id);
  });
});
