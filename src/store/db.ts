import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from './schema';
import { migrate } from './migrate';

export interface Store {
  db: Kysely<DB>;
  sqlite: Database.Database;
  close(): Promise<void>;
}

/** Opens (creating and migrating on first start) the SQLite database in dataDir. */
export function openStore(dataDir: string, file = 'keyhaven.db'): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return openStoreAt(join(dataDir, file));
}

export function openStoreAt(path: string): Store {
  const sqlite = new Database(path);
  sqlite.pragma('busy_timeout = 5000');
  // Incremental auto-vacuum lets the prune job hand freed pages back (src/services/maintenance.ts).
  // SQLite fixes the mode with the first page written (switching to WAL writes it), so it is chosen
  // on a new, empty file only; an existing database keeps its mode until a VACUUM (decisions.md).
  if (sqlite.pragma('page_count', { simple: true }) === 0) sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.pragma('journal_mode = WAL');
  // FULL: an acknowledged revocation or rotation survives power loss (DESIGN.md).
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  migrate(sqlite);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    sqlite,
    close: async () => {
      await db.destroy();
      if (sqlite.open) sqlite.close();
    },
  };
}
