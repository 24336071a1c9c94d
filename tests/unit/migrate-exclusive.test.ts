import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Migration } from '../../src/store/migrate';

/**
 * The migrator decides what to apply and applies it under one exclusive lock. Deterministically:
 * a second connection that tries to migrate while the first is between reading the applied
 * versions and applying them must be kept out (SQLITE_BUSY; a real process waits its busy timeout)
 * instead of migrating in between. tests/http/startup-race.test.ts races real processes.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(path: string, timeout: number) {
  const db = new Database(path, { timeout });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}

describe('migrate under concurrency', () => {
  it('a second migrator cannot run between the first one reading the applied versions and applying them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyhaven-migrate-x-'));
    dirs.push(dir);
    const path = join(dir, 'keyhaven.db');
    const all = loadMigrations();
    const first = open(path, 0);
    const second = open(path, 0);

    let secondResult: number[] | undefined;
    let secondError: (Error & { code?: string }) | undefined;
    // The first migrator's list: iterating it (which happens after the applied versions were read) lets the second one try.
    const interleaved: Migration[] = Object.assign([...all], {
      *[Symbol.iterator]() {
        try {
          secondResult = migrate(second, all);
        } catch (err) {
          secondError = err as Error & { code?: string };
        }
        yield* all;
      },
    });

    expect(migrate(first, interleaved)).toEqual(all.map((m) => m.version));
    expect(secondResult, 'the second migrator ran while the first held its decision').toBeUndefined();
    expect(secondError?.code).toBe('SQLITE_BUSY');
    // Afterwards the second one finds everything applied, once.
    expect(migrate(second, all)).toEqual([]);
    expect(second.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(all.map((m) => m.version));
    first.close();
    second.close();
  });
});
