import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { Deps } from '../deps';

/**
 * Housekeeping: every table with expiring rows is pruned at start-up and then periodically by every
 * server process (KEYHAVEN_PRUNE_INTERVAL_SECONDS). Processes sharing the database take turns
 * through a lease row (maintenance_leases), and every delete is idempotent, so a lost or doubled run
 * is harmless. Each table's rule lives in its repository's `deleteExpired`-style method, which deletes
 * at most one batch, so that a large backlog never holds the write lock for long; this service loops
 * over the batches, yielding to the event loop between them, then hands the freed pages back.
 */

export const PRUNE_LEASE = 'prune';
/** Rows per delete statement: a few milliseconds of write lock each. */
export const PRUNE_BATCH = 500;
/** A holder that died mid-run blocks the others at most this long. */
export const LEASE_TTL_MS = 2 * 60_000;
/**
 * Expired rows stay this much longer: a request that arrives just after an expiry still meets the row
 * (and its precise "expired" answer), and processes whose clocks differ a little agree.
 */
export const PRUNE_GRACE_MS = 10 * 60_000;
/** Mail kept in the development outbox (no SMTP server configured). */
export const OUTBOX_RETENTION_MS = 7 * 24 * 3600_000;
/** Sign-ins into applications (with their UTM tags) kept for analytics. */
export const SIGN_IN_RETENTION_MS = 90 * 24 * 3600_000;
/** Pages handed back to the file system per incremental_vacuum statement. */
const VACUUM_STEP_PAGES = 1024;
/** PRAGMA auto_vacuum value of INCREMENTAL. */
const AUTO_VACUUM_INCREMENTAL = 2;

interface PruneStep {
  table: string;
  /** Deletes at most `limit` rows; returns how many it deleted. */
  prune(limit: number): Promise<number>;
}

/** The prune rule of every table with expiring rows, in order (a used code waits for its tokens). */
function pruneSteps(deps: Deps, now: number): PruneStep[] {
  const r = deps.repos;
  const before = now - PRUNE_GRACE_MS;
  return [
    { table: 'oauth_tokens', prune: (n) => r.oauthTokens.deleteExpired(before, n) },
    { table: 'oauth_authorization_codes', prune: (n) => r.authorize.deleteExpiredCodes(before, n) },
    { table: 'oauth_authorization_requests', prune: (n) => r.authorize.deleteExpiredRequests(before, n) },
    { table: 'oauth_device_codes', prune: (n) => r.deviceCodes.deleteExpired(before, n) },
    { table: 'sessions', prune: (n) => r.sessions.deleteExpired(before, n) },
    { table: 'email_verifications', prune: (n) => r.verifications.deleteExpired(before, n) },
    { table: 'mfa_challenges', prune: (n) => r.mfa.deleteExpiredChallenges(before, n) },
    { table: 'sso_states', prune: (n) => deps.repos.sso.deleteExpiredStates(before, n) },
    // An ended window counts nothing any more: no grace needed.
    { table: 'rate_limits', prune: (n) => r.rateLimits.deleteEnded(now, n) },
    { table: 'outbox', prune: (n) => r.outbox.deleteOlderThan(now - OUTBOX_RETENTION_MS, n) },
    { table: 'sign_ins', prune: (n) => r.signIns.deleteOlderThan(now - SIGN_IN_RETENTION_MS, n) },
  ];
}

export interface PruneReport {
  /** False when another process held the lease (it is pruning now). */
  ran: boolean;
  /** Rows deleted per table (tables with none left out). */
  deleted: Record<string, number>;
  total: number;
  /** Database pages handed back to the file system. */
  freedPages: number;
}

export interface PruneOptions {
  /** Names this process in the lease; a fresh one per call when absent. */
  holder?: string;
  batch?: number;
  /** Checked between batches: true ends the run early (server shutting down). */
  shouldStop?: () => boolean;
}

export const newLeaseHolder = () => `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;

/**
 * One prune of every table, if this process gets the lease; then, when rows were deleted, the freed
 * pages are handed back (incremental vacuum) and the WAL is truncated.
 */
export async function runMaintenance(deps: Deps, opts: PruneOptions = {}): Promise<PruneReport> {
  const holder = opts.holder ?? newLeaseHolder();
  const batch = opts.batch ?? PRUNE_BATCH;
  const leases = deps.repos.maintenanceLeases;
  const report: PruneReport = { ran: false, deleted: {}, total: 0, freedPages: 0 };
  const startedAt = deps.clock();
  if (!(await leases.claim(PRUNE_LEASE, holder, startedAt, startedAt + LEASE_TTL_MS))) return report;
  report.ran = true;
  let renewedAt = startedAt;
  /** Renews the lease now and then; false when it lapsed and another process took over. */
  const holdLease = async () => {
    const t = deps.clock();
    if (t - renewedAt < LEASE_TTL_MS / 4) return true;
    renewedAt = t;
    return leases.renew(PRUNE_LEASE, holder, t + LEASE_TTL_MS);
  };
  try {
    for (const step of pruneSteps(deps, startedAt)) {
      for (;;) {
        if (opts.shouldStop?.() || !(await holdLease())) return report;
        const n = await step.prune(batch);
        if (n > 0) {
          report.deleted[step.table] = (report.deleted[step.table] ?? 0) + n;
          report.total += n;
        }
        await nextTurn();
        if (n < batch) break;
      }
    }
    if (report.total > 0) report.freedPages = await reclaimSpace(deps.store.sqlite, opts.shouldStop);
    return report;
  } finally {
    await leases.release(PRUNE_LEASE, holder, deps.clock()).catch(() => undefined);
  }
}

/**
 * Hands free pages back to the file system (databases in incremental auto-vacuum mode, i.e. every
 * database created since migration 085), a bounded step at a time, then truncates the WAL, which
 * the deletes and the vacuum have grown. Returns the pages freed.
 */
export async function reclaimSpace(sqlite: Database.Database, shouldStop?: () => boolean): Promise<number> {
  let freed = 0;
  if (sqlite.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL) {
    for (;;) {
      const free = sqlite.pragma('freelist_count', { simple: true }) as number;
      if (free === 0 || shouldStop?.()) break;
      // pragma() steps the statement to its end; run() would free a single page.
      sqlite.pragma(`incremental_vacuum(${Math.min(free, VACUUM_STEP_PAGES)})`);
      const left = sqlite.pragma('freelist_count', { simple: true }) as number;
      if (left >= free) break;
      freed += free - left;
      await nextTurn();
    }
  }
  checkpointTruncate(sqlite);
  return freed;
}

/**
 * wal_checkpoint(TRUNCATE) without waiting: it needs every reader of other processes on the newest
 * snapshot, and better-sqlite3 would block this process's event loop for the whole busy timeout.
 * When busy it does nothing now; the next run tries again.
 */
function checkpointTruncate(sqlite: Database.Database): void {
  const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  sqlite.pragma('busy_timeout = 0');
  try {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // SQLITE_BUSY or LOCKED: left for the next run.
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`);
  }
}

/**
 * One-time switch of a database created before incremental auto-vacuum (migration 085) to it:
 * VACUUM rewrites the whole file, so run it with the server stopped. Returns the mode after.
 */
export function enableIncrementalVacuum(sqlite: Database.Database): number {
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.exec('VACUUM');
  return sqlite.pragma('auto_vacuum', { simple: true }) as number;
}

/** A prune that logs what it did and never throws (start-up and the periodic job). */
export async function pruneAndLog(deps: Deps, opts: PruneOptions = {}): Promise<PruneReport | undefined> {
  try {
    const r = await runMaintenance(deps, opts);
    if (r.total > 0) deps.log.info({ deleted: r.deleted, freedPages: r.freedPages }, 'maintenance: pruned expired rows');
    return r;
  } catch (err) {
    deps.log.warn({ err }, 'maintenance: prune failed; it runs again at the next interval');
    return undefined;
  }
}

export interface MaintenanceJob {
  /** Stops the timer and waits for a run in progress (which ends at its next batch). */
  stop(): Promise<void>;
}

/** Runs the prune every `intervalSeconds` in this process (0: never); the timer keeps no process alive. */
export function startMaintenance(deps: Deps, intervalSeconds = deps.config.pruneIntervalSeconds): MaintenanceJob {
  if (!(intervalSeconds > 0)) return { stop: async () => undefined };
  const holder = newLeaseHolder();
  let stopped = false;
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = pruneAndLog(deps, { holder, shouldStop: () => stopped }).finally(() => (running = undefined));
  }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
