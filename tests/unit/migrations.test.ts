import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/migrate';
import { openStore } from '../../src/store/db';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'keyhaven-migrate-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('migrations', () => {
  const all = loadMigrations();

  it('are numbered uniquely and in order', () => {
    expect(all.length).toBeGreaterThan(0);
    const versions = all.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });

  it('apply to an empty database, are recorded, and a second run applies nothing', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    expect(migrate(db)).toEqual(all.map((m) => m.version));
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(recorded).toEqual(all.map((m) => ({ version: m.version, name: m.name })));
    expect(migrate(db)).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: all.length });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['users', 'identities', 'credentials', 'sessions']));
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });

  it('a failing migration is rolled back whole and not recorded', () => {
    const db = new Database(':memory:');
    const broken = [{ version: 999, name: 'broken', sql: 'CREATE TABLE half_done (id INTEGER); SELECT * FROM no_such_table;' }];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
    db.close();
  });

  it('openStore creates the data dir, migrates, and uses WAL with synchronous=FULL', async () => {
    const dir = join(tempDir(), 'nested', 'data');
    const store = openStore(dir);
    try {
      expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL
      expect(store.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.sqlite.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(all.length);
    } finally {
      await store.close();
    }
    // Re-opening an existing data dir applies nothing new.
    const again = openStore(dir);
    expect(migrate(again.sqlite)).toEqual([]);
    await again.close();
  });
});
