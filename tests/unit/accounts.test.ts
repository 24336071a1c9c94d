import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Deps } from '../../src/deps';
import { HttpError } from '../../src/http/errors';
import {
  authenticatePassword,
  completeLogin,
  describeSession,
  logout,
  registerWithPassword,
  sessionExpiresAt,
} from '../../src/services/accounts';
import { authenticateSession } from '../../src/services/sessions';
import { primaryTenantOf, roleIn } from '../../src/services/tenants';
import type { Store } from '../../src/store/db';
import { openUnitDeps } from '../helpers/unitDeps';

let store: Store;
let deps: Deps;
let close: () => Promise<void>;
let now = Date.parse('2026-04-01T12:00:00.000Z');
let seq = 0;
const IP = '192.0.2.7';
const PASSWORD = 'supersecret123';

const rejection = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
};

beforeAll(() => {
  ({ store, deps, close } = openUnitDeps({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' }, () => now));
});
afterAll(() => close());

describe('registerWithPassword', () => {
  it('creates the user with an argon2id hash, its email identity and a playground tenant it administers', async () => {
    const user = await registerWithPassword(deps, { email: ' Mixed.Case@Example.com ', password: PASSWORD, fullName: 'Unit User', ip: IP });
    expect(user).toMatchObject({ email: 'mixed.case@example.com', full_name: 'Unit User', credit_balance: 0, email_verified: 0 });
    expect(await deps.repos.users.passwordHash(user.id)).toMatch(/^\$argon2id\$/);
    expect((await deps.repos.users.findByEmail('MIXED.case@example.com'))?.id).toBe(user.id);
    expect(await roleIn(deps, user.id, (await primaryTenantOf(deps, user.id))!)).toBe('admin');
  });

  it('throws 409 email_taken for an existing email and creates nothing', async () => {
    await registerWithPassword(deps, { email: 'dup@example.com', password: PASSWORD, ip: IP });
    const err = await rejection(registerWithPassword(deps, { email: 'DUP@example.com', password: PASSWORD, ip: IP }));
    expect([err.status, err.code]).toEqual([409, 'email_taken']);
    expect(store.sqlite.prepare("SELECT COUNT(*) AS n FROM users WHERE email = 'dup@example.com'").get()).toEqual({ n: 1 });
  });
});

describe('authenticatePassword', () => {
  it('returns the user for the right password', async () => {
    const u = await registerWithPassword(deps, { email: `ok${++seq}@example.com`, password: PASSWORD, ip: IP });
    expect((await authenticatePassword(deps, { email: u.email!, password: PASSWORD, ip: IP })).id).toBe(u.id);
  });

  it('wrong password and unknown email: the same 401 invalid_credentials; the unknown one burns a dummy verify', async () => {
    const u = await registerWithPassword(deps, { email: `enum${++seq}@example.com`, password: PASSWORD, ip: IP });
    const dummy = vi.spyOn(deps.passwords, 'verifyDummy');
    const wrong = await rejection(authenticatePassword(deps, { email: u.email!, password: 'nope-nope', ip: IP }));
    expect(dummy).not.toHaveBeenCalled();
    const unknown = await rejection(authenticatePassword(deps, { email: `ghost${seq}@example.com`, password: 'nope-nope', ip: IP }));
    expect(dummy).toHaveBeenCalledTimes(1);
    dummy.mockRestore();
    expect([wrong.status, wrong.code, wrong.message]).toEqual([401, 'invalid_credentials', 'email or password is incorrect']);
    expect([unknown.status, unknown.code, unknown.message]).toEqual([wrong.status, wrong.code, wrong.message]);
  });

  it('429 with Retry-After once the account has used its attempts; the next window admits it', async () => {
    const u = await registerWithPassword(deps, { email: `limit${++seq}@example.com`, password: PASSWORD, ip: IP });
    for (let i = 0; i < deps.config.loginAttemptsPerAccount; i++) {
      await rejection(authenticatePassword(deps, { email: u.email!, password: 'nope-nope', ip: `198.51.100.${i}` }));
    }
    const err = await rejection(authenticatePassword(deps, { email: u.email!, password: PASSWORD, ip: '203.0.113.1' }));
    expect(err.status).toBe(429);
    expect(Number(err.extra.headers?.['Retry-After'])).toBeGreaterThan(0);
    now += deps.config.loginWindowSeconds * 1000;
    expect((await authenticatePassword(deps, { email: u.email!, password: PASSWORD, ip: IP })).id).toBe(u.id);
  });
});

describe('completeLogin / describeSession / logout', () => {
  it('issues a live session of the requested kind, described and revoked by id', async () => {
    const u = await registerWithPassword(deps, { email: `flow${++seq}@example.com`, password: PASSWORD, fullName: 'Flow', ip: IP });
    const out = await completeLogin(deps, u, 'app', { ip: IP });
    if (!out.authenticated) throw new Error('expected a session');
    expect(out.user).toEqual({ id: u.id, email: u.email, full_name: 'Flow', credit_balance: 0 });
    expect(await authenticateSession(deps, out.token, 'browser')).toBeUndefined();
    const live = (await authenticateSession(deps, out.token, 'app'))!;
    expect(JSON.parse(live.amr)).toEqual(['pwd']);
    const described = await describeSession(deps, u.id, live.id);
    expect(sessionExpiresAt(described.session)).toBe(new Date(now + deps.config.appSessionIdleSeconds * 1000).toISOString());
    await logout(deps, live.id);
    expect(await authenticateSession(deps, out.token, 'app')).toBeUndefined();
  });

  it('sessionExpiresAt is the earlier of the idle and the absolute expiry', () => {
    expect(sessionExpiresAt({ idle_expires_at: 2000, expires_at: 1000 })).toBe(new Date(1000).toISOString());
    expect(sessionExpiresAt({ idle_expires_at: 1000, expires_at: 2000 })).toBe(new Date(1000).toISOString());
  });
});
