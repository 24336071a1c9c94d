import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createDeps, type Deps } from '../../src/deps';
import {
  LEASE_TTL_MS,
  OUTBOX_RETENTION_MS,
  PRUNE_BATCH,
  PRUNE_GRACE_MS,
  PRUNE_LEASE,
  enableIncrementalVacuum,
  runMaintenance,
  startMaintenance,
} from '../../src/services/maintenance';
import { createChallenge } from '../../src/services/mfa';
import { exchangeToken } from '../../src/services/oauth/token';
import { issueTokens } from '../../src/services/oauth/tokens';
import { ensureSigningKey } from '../../src/services/oauth/keys';
import { issueAuthorizationCode, consumeAuthorizationCode } from '../../src/services/oauth/codes';
import { ACCESS_TOKEN_TTL_SECONDS } from '../../src/services/oauth/lifetimes';
import type { OAuthClient } from '../../src/services/oauth/types';
import { createSession, revokeSession } from '../../src/services/sessions';
import { issueVerificationToken, VERIFICATION_TTL_MS } from '../../src/services/verification';
import { hashToken } from '../../src/services/crypto';
import { openStoreAt, type Store } from '../../src/store/db';
import type { OAuthTokenRow } from '../../src/store/repositories/oauthTokens';
import { ssoRepository } from '../../src/store/repositories/sso';
import { openUnitDeps } from '../helpers/unitDeps';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
let now = Date.parse('2026-03-16T10:00:00.000Z');
const clock = () => now;

let store: Store;
let deps: Deps;
let close: () => Promise<void>;
let userId: number;

const m2m: OAuthClient = {
  clientId: 'm2m-prune', name: 'M2M', type: 'confidential', redirectUris: [], logoutUris: [], grantTypes: ['client_credentials'],
  defaultScopes: [], tokenFormat: 'jwt', firstParty: true, audiences: ['https://api.example.com'],
};
const app: OAuthClient = {
  clientId: 'app-prune', name: 'App', type: 'public', redirectUris: ['http://127.0.0.1/cb'], logoutUris: [],
  grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['profile'], tokenFormat: 'opaque', firstParty: true, audiences: [],
};

const count = (table: string) => store.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const ids = (table: string, col = 'id') => store.sqlite.prepare(`SELECT ${col} FROM ${table} ORDER BY ${col}`).pluck().all() as string[];
/** One full run (the lease is free between tests: each run hands it back). */
const prune = async () => {
  const r = await runMaintenance(deps);
  expect(r.ran).toBe(true);
  return r;
};

function tokenRow(over: Partial<OAuthTokenRow>): OAuthTokenRow {
  return {
    id: randomUUID(), kind: 'access', format: 'opaque', token_hash: hashToken(randomUUID()), client_id: app.clientId, user_id: userId,
    scope: '', audience: '[]', family_id: randomUUID(), grant_ref: null, auth_time: now, amr: '[]', extra: '{}',
    created_at: now, expires_at: now + HOUR, idle_expires_at: null, used_at: null, revoked_at: null, ...over,
  };
}

beforeAll(async () => {
  ({ store, deps, close } = openUnitDeps({}, clock));
  await ensureSigningKey(deps);
  for (const c of [m2m, app]) await deps.repos.oauthClients.insert({ ...c, secretHash: c.type === 'confidential' ? hashToken('s') : null, createdAt: now });
  userId = (await deps.repos.users.create({ email: 'prune@example.com', fullName: 'P' }, null, now)).id;
});
afterAll(() => close());
afterEach(() => {
  // Every test starts from a clean slate of expiring rows, at a later time.
  for (const t of ['oauth_tokens', 'oauth_authorization_codes', 'oauth_authorization_requests', 'oauth_device_codes', 'sessions', 'email_verifications', 'mfa_challenges', 'sso_states', 'rate_limits', 'outbox']) {
    store.sqlite.prepare(`DELETE FROM ${t}`).run();
  }
  now += 400 * DAY;
});

describe('oauth_tokens prune', () => {
  it('drops an expired access token once past the grace; keeps a live one and a revoked live one', async () => {
    const expired = tokenRow({ expires_at: now + HOUR });
    const live = tokenRow({ expires_at: now + 3 * HOUR });
    const revokedLive = tokenRow({ expires_at: now + 3 * HOUR, revoked_at: now });
    await deps.repos.oauthTokens.insertMany([expired, live, revokedLive]);
    now += HOUR + PRUNE_GRACE_MS - 1;
    expect((await prune()).total).toBe(0);
    now += 2;
    expect((await prune()).deleted).toEqual({ oauth_tokens: 1 });
    expect(ids('oauth_tokens')).toEqual([live.id, revokedLive.id].sort());
    now += 2 * HOUR + PRUNE_GRACE_MS;
    await prune();
    expect(count('oauth_tokens')).toBe(0);
  });

  it("keeps a spent or revoked refresh token while its family lives, and drops the family at its absolute expiry", async () => {
    const family = randomUUID();
    const familyEnd = now + 30 * DAY;
    const spent = tokenRow({ kind: 'refresh', family_id: family, expires_at: familyEnd, idle_expires_at: now + DAY, used_at: now });
    const revoked = tokenRow({ kind: 'refresh', family_id: family, expires_at: familyEnd, idle_expires_at: now + DAY, revoked_at: now });
    const current = tokenRow({ kind: 'refresh', family_id: family, expires_at: familyEnd, idle_expires_at: now + 14 * DAY });
    const access = tokenRow({ family_id: family, expires_at: now + HOUR });
    await deps.repos.oauthTokens.insertMany([spent, revoked, current, access]);
    now += 20 * DAY; // the access token and the spent token's idle period are long over, the family is not
    expect((await prune()).deleted).toEqual({ oauth_tokens: 1 });
    expect(ids('oauth_tokens')).toEqual([spent.id, revoked.id, current.id].sort());
    now = familyEnd + PRUNE_GRACE_MS + 1;
    expect((await prune()).deleted).toEqual({ oauth_tokens: 3 });
  });

  it('a spent refresh token replayed after a prune is still detected as reuse and revokes the family', async () => {
    const user = (await deps.repos.users.findById(userId))!;
    const scopes = ['profile', 'offline_access'];
    const first = await issueTokens(deps, { client: app, scopes, audience: [deps.config.issuer], grant: { user, scopes, authTime: now, amr: ['pwd'], extra: {} } });
    const refresh = (token: string) =>
      exchangeToken(deps, { body: { grant_type: 'refresh_token', refresh_token: token, client_id: app.clientId }, principal: null, basicPresented: false, ip: '203.0.113.9' });
    now += 60_000;
    const second = await refresh(first.refresh_token!);
    now += ACCESS_TOKEN_TTL_SECONDS * 1000 + PRUNE_GRACE_MS + 1;
    expect((await prune()).deleted).toEqual({ oauth_tokens: 2 }); // both access tokens; both refresh tokens stay
    expect(count('oauth_tokens')).toBe(2);
    await expect(refresh(first.refresh_token!)).rejects.toMatchObject({ code: 'invalid_grant' });
    await expect(refresh(second.refresh_token!)).rejects.toMatchObject({ code: 'invalid_grant' }); // the family was revoked
  });

  it('deletes at most one batch per statement; a run drains a backlog batch by batch', async () => {
    const rows = Array.from({ length: PRUNE_BATCH * 2 + 17 }, () => tokenRow({ expires_at: now }));
    await deps.repos.oauthTokens.insertMany(rows);
    now += PRUNE_GRACE_MS + 1;
    expect(await deps.repos.oauthTokens.deleteExpired(now - PRUNE_GRACE_MS, PRUNE_BATCH)).toBe(PRUNE_BATCH);
    expect((await prune()).deleted).toEqual({ oauth_tokens: PRUNE_BATCH + 17 });
    expect(count('oauth_tokens')).toBe(0);
  });
});

describe('authorization state prune', () => {
  it('drops expired codes, except a used one whose tokens are still stored (code-replay revocation needs it)', async () => {
    const newCode = () =>
      issueAuthorizationCode(deps, { clientId: app.clientId, userId, redirectUri: 'http://127.0.0.1/cb', scope: 'profile', codeChallenge: null, authTime: now, amr: ['pwd'], extra: {} });
    await newCode(); // never used
    const used = await newCode();
    const grant = await consumeAuthorizationCode(deps, { code: used, clientId: app.clientId, redirectUri: 'http://127.0.0.1/cb' });
    await deps.repos.oauthTokens.insertMany([tokenRow({ grant_ref: grant.grantRef, expires_at: now + 2 * HOUR })]);
    now += HOUR;
    expect((await prune()).deleted).toEqual({ oauth_authorization_codes: 1 });
    // Replaying the used code still revokes what it issued.
    await expect(consumeAuthorizationCode(deps, { code: used, clientId: app.clientId, redirectUri: 'http://127.0.0.1/cb' })).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(store.sqlite.prepare('SELECT revoked_at FROM oauth_tokens').pluck().get()).not.toBeNull();
    now += 2 * HOUR;
    expect((await prune()).deleted).toEqual({ oauth_tokens: 1, oauth_authorization_codes: 1 });
  });

  it('drops authorization requests and device codes past expiry and grace, keeps live ones', async () => {
    const request = (id: string, expiresAt: number) =>
      deps.repos.authorize.insertRequest({ id, client_id: app.clientId, redirect_uri: 'http://127.0.0.1/cb', scope: '', state: null, nonce: null, code_challenge: null, prompt: '', max_age: null, login_hint: null, extra: '{}', utm: '{}', created_at: now, expires_at: expiresAt, completed_at: null });
    const device = (id: string, expiresAt: number) =>
      deps.repos.deviceCodes.insert({ id, device_code_hash: id + 'd', user_code_hash: id + 'u', client_id: app.clientId, scope: '', extra: '{}', interval_seconds: 5, status: 'pending', user_id: null, auth_time: null, amr: '[]', last_polled_at: null, created_at: now, expires_at: expiresAt });
    await request('old', now);
    await request('live', now + HOUR);
    await device('old', now);
    await device('live', now + HOUR);
    now += PRUNE_GRACE_MS + 1;
    expect((await prune()).deleted).toEqual({ oauth_authorization_requests: 1, oauth_device_codes: 1 });
    expect(ids('oauth_authorization_requests')).toEqual(['live']);
    expect(ids('oauth_device_codes')).toEqual(['live']);
  });
});

describe('sessions, verifications, challenges, SSO states, rate limits, outbox', () => {
  it('drops sessions that ended or were revoked past the grace; keeps active ones', async () => {
    const active = await createSession(deps, userId, 'browser');
    const revoked = await createSession(deps, userId, 'app');
    await revokeSession(deps, revoked.session.id);
    await deps.repos.sessions.insert({ ...active.session, id: 'ses_idle', token_hash: 'idle', idle_expires_at: now + 1, amr: ['pwd'] });
    now += PRUNE_GRACE_MS - 1;
    expect((await prune()).total).toBe(0);
    now += 2;
    expect((await prune()).deleted).toEqual({ sessions: 2 });
    expect(ids('sessions')).toEqual([active.session.id]);
  });

  it('drops expired email verifications, MFA challenges and SSO states', async () => {
    await issueVerificationToken(deps.repos.verifications, userId, 'prune@example.com', now);
    await createChallenge(deps, userId, 'browser', {});
    const org = (await deps.repos.tenants.create({ code: `org_${randomUUID().slice(0, 8)}`, name: 'O', kind: 'standard' }, now)).id;
    await ssoRepository(deps.db).insertState({ state_hash: 's1', organization_id: org, nonce: 'n', code_verifier_sealed: 'x', redirect_uri: 'http://x', created_at: now, expires_at: now + 10 * 60_000 });
    now += 20 * 60_000 + PRUNE_GRACE_MS; // the challenge (5 min) and the SSO state (10 min) expired
    expect((await prune()).deleted).toEqual({ mfa_challenges: 1, sso_states: 1 });
    now += VERIFICATION_TTL_MS;
    expect((await prune()).deleted).toEqual({ email_verifications: 1 });
  });

  it('drops rate-limit windows that ended, whatever their length; a live window keeps counting', async () => {
    const short = { bucket: 'test:short', max: 100, windowSeconds: 60 };
    const long = { bucket: 'test:long', max: 100, windowSeconds: 3600 };
    now = now - (now % HOUR); // at the start of both windows
    await deps.rateLimiter.consume(short, long);
    await deps.rateLimiter.consume(short, long);
    now += 61_000;
    expect((await prune()).deleted).toEqual({ rate_limits: 1 });
    expect(await deps.repos.rateLimits.count('test:long', now - 61_000)).toBe(2);
    now += HOUR;
    expect((await prune()).deleted).toEqual({ rate_limits: 1 });
  });

  it('keeps outbox mail for its retention period', async () => {
    await deps.repos.outbox.insert({ recipient: 'a@example.com', subject: 's', bodyText: 'b' }, now);
    now += OUTBOX_RETENTION_MS;
    expect((await prune()).total).toBe(0);
    now += 1;
    expect((await prune()).deleted).toEqual({ outbox: 1 });
  });
});

describe('sustained issuance', () => {
  it('the oauth_tokens row count and the file stay bounded while client-credentials tokens are issued for days', async () => {
    const perRound = 5;
    const roundMs = 10 * 60_000; // the job's interval in this test
    const rounds = 6 * 16; // 16 hours
    const audience = ['https://api.example.com'];
    // Alive at once: tokens of the last TTL + grace, plus one interval not yet pruned.
    const bound = perRound * ((ACCESS_TOKEN_TTL_SECONDS * 1000 + PRUNE_GRACE_MS) / roundMs + 1);
    const pages = () => store.sqlite.pragma('page_count', { simple: true }) as number;
    let maxRows = 0;
    let steadyPages = 0;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++) await issueTokens(deps, { client: m2m, scopes: [], audience });
      now += roundMs;
      await runMaintenance(deps);
      maxRows = Math.max(maxRows, count('oauth_tokens'));
      if (round >= 12 && round < 24) steadyPages = Math.max(steadyPages, pages());
    }
    expect(perRound * rounds).toBeGreaterThan(10 * bound);
    expect(maxRows).toBeLessThanOrEqual(bound);
    // Space is handed back after each prune: the file stays at its size of the second hour.
    expect(pages()).toBeLessThanOrEqual(steadyPages * 1.1);
    expect(store.sqlite.pragma('freelist_count', { simple: true })).toBe(0);
  }, 120_000);
});

describe('space', () => {
  it('a new database uses incremental auto-vacuum, and a prune hands the pages back', async () => {
    expect(store.sqlite.pragma('auto_vacuum', { simple: true })).toBe(2);
    const big = 'x'.repeat(2000);
    await deps.repos.oauthTokens.insertMany(Array.from({ length: 2000 }, () => tokenRow({ expires_at: now, extra: JSON.stringify({ big }) })));
    const before = store.sqlite.pragma('page_count', { simple: true }) as number;
    now += PRUNE_GRACE_MS + 1;
    const r = await prune();
    expect(r.freedPages).toBeGreaterThan(900);
    expect(store.sqlite.pragma('page_count', { simple: true })).toBeLessThan(before - 900);
    expect(store.sqlite.pragma('freelist_count', { simple: true })).toBe(0);
  });

  it('an existing database without auto-vacuum is switched by one VACUUM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyhaven-vacuum-'));
    try {
      const old = new Database(join(dir, 'old.db'));
      old.pragma('journal_mode = WAL');
      old.exec('CREATE TABLE t (x)');
      expect(old.pragma('auto_vacuum', { simple: true })).toBe(0);
      old.close();
      const s = openStoreAt(join(dir, 'old.db'));
      expect(s.sqlite.pragma('auto_vacuum', { simple: true })).toBe(0); // opening does not rewrite the file
      expect(enableIncrementalVacuum(s.sqlite)).toBe(2);
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('several processes on one database', () => {
  let dir: string;
  let a: { store: Store; deps: Deps };
  let b: { store: Store; deps: Deps };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyhaven-lease-'));
    const open = () => {
      const s = openStoreAt(join(dir, 'keyhaven.db'));
      return { store: s, deps: createDeps(loadConfig({ dataDir: dir }, {}), s, pino({ level: 'silent' }), clock) };
    };
    a = open();
    b = open();
  });
  afterAll(async () => {
    await a.store.close();
    await b.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one lease holder at a time; an expired lease can be taken over', async () => {
    const leases = a.deps.repos.maintenanceLeases;
    expect(await leases.claim('job', 'A', now, now + LEASE_TTL_MS)).toBe(true);
    expect(await b.deps.repos.maintenanceLeases.claim('job', 'B', now, now + LEASE_TTL_MS)).toBe(false);
    expect(await leases.claim('job', 'A', now, now + LEASE_TTL_MS)).toBe(false); // not re-entrant either
    await leases.release('job', 'A', now);
    expect(await b.deps.repos.maintenanceLeases.claim('job', 'B', now, now + LEASE_TTL_MS)).toBe(true);
    // B dies holding it: A waits for the lease to run out, then takes over; B can no longer renew.
    expect(await leases.claim('job', 'A', now + LEASE_TTL_MS - 1, now + 2 * LEASE_TTL_MS)).toBe(false);
    expect(await leases.claim('job', 'A', now + LEASE_TTL_MS, now + 2 * LEASE_TTL_MS)).toBe(true);
    expect(await b.deps.repos.maintenanceLeases.renew('job', 'B', now + 3 * LEASE_TTL_MS)).toBe(false);
  });

  it('two stores pruning at once: one prunes, the other stands aside, nothing fails', async () => {
    const client = { ...app, clientId: 'app-lease' };
    await a.deps.repos.oauthClients.insert({ ...client, secretHash: null, createdAt: now });
    const rows = Array.from({ length: PRUNE_BATCH * 4 }, () => tokenRow({ client_id: client.clientId, user_id: null, expires_at: now }));
    await a.deps.repos.oauthTokens.insertMany(rows);
    now += PRUNE_GRACE_MS + 1;
    const [ra, rb] = await Promise.all([runMaintenance(a.deps), runMaintenance(b.deps)]);
    expect([ra.ran, rb.ran].sort()).toEqual([false, true]);
    expect(ra.total + rb.total).toBe(rows.length);
    expect(a.store.sqlite.prepare('SELECT count(*) FROM oauth_tokens').pluck().get()).toBe(0);
    // The lease was handed back: the next run of either process goes ahead.
    expect((await runMaintenance(b.deps)).ran).toBe(true);
    expect((await a.deps.repos.maintenanceLeases.find(PRUNE_LEASE))!.expires_at).toBeLessThanOrEqual(now);
  });
});

describe('the periodic job', () => {
  it('runs every interval, and stop() waits for a run in progress', async () => {
    await deps.repos.oauthTokens.insertMany(Array.from({ length: 50 }, () => tokenRow({ expires_at: now })));
    now += PRUNE_GRACE_MS + 1;
    const job = startMaintenance(deps, 1);
    const deadline = Date.now() + 5000;
    while (count('oauth_tokens') > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await job.stop();
    expect(count('oauth_tokens')).toBe(0);
  });

  it('interval 0 starts nothing', async () => {
    const job = startMaintenance(deps, 0);
    await job.stop();
  });
});

describe('KEYHAVEN_PRUNE_INTERVAL_SECONDS', () => {
  it('defaults to 5 minutes; 0 disables; at most a day', () => {
    expect(loadConfig({}, {}).pruneIntervalSeconds).toBe(300);
    expect(loadConfig({}, { KEYHAVEN_PRUNE_INTERVAL_SECONDS: '0' }).pruneIntervalSeconds).toBe(0);
    expect(loadConfig({}, { KEYHAVEN_PRUNE_INTERVAL_SECONDS: '60' }).pruneIntervalSeconds).toBe(60);
    expect(loadConfig({}, { KEYHAVEN_PRUNE_INTERVAL_SECONDS: '99999999' }).pruneIntervalSeconds).toBe(86400);
    expect(loadConfig({}, { KEYHAVEN_PRUNE_INTERVAL_SECONDS: 'often' }).pruneIntervalSeconds).toBe(300);
  });
});
