import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createDeps } from '../../src/deps';
import { openStore } from '../../src/store/db';

/** A fresh SQLite store in a temporary directory and the service dependencies over it (unit tests). */
export function openUnitDeps(env: Record<string, string>, clock: () => number) {
  const dir = mkdtempSync(join(tmpdir(), 'keyhaven-unit-'));
  const store = openStore(dir);
  const deps = createDeps(loadConfig({ dataDir: dir }, env), store, pino({ level: 'silent' }), clock);
  const close = async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { store, deps, close };
}
