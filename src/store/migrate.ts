import type Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Finds src/store/migrations from either src/ (tests, tsx) or dist/ (the built CLI). */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'store', 'migrations');
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot locate the package root for migrations');
    dir = up;
  }
}

export function loadMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Applies every migration not yet recorded. Reading the applied versions and applying the missing
 * ones happen in one exclusive (BEGIN IMMEDIATE) transaction: a process that starts while another
 * one migrates waits for it (busy timeout) and then finds nothing left to do, so any number of
 * processes may open one database at once. The migrations of one run commit together or not at all.
 */
export function migrate(sqlite: Database.Database, migrations = loadMigrations()): number[] {
  // Idempotent, so it may run outside the lock; a failed run then still leaves the (empty) record table.
  sqlite.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const run = sqlite.transaction(() => {
    const applied = new Set(sqlite.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    const record = sqlite.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      sqlite.exec(m.sql);
      record.run(m.version, m.name, Date.now());
      done.push(m.version);
    }
    return done;
  });
  return run.immediate();
}
