import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createDeps } from '../../src/deps';
import { runMaintenance } from '../../src/services/maintenance';
import { openStore } from '../../src/store/db';

/**
 * Three processes share one database file, each writing expired tokens and running the prune job
 * as fast as it can: no run errors (busy timeouts, lock errors), every delete batch runs while its
 * process holds the lease (so no two prune at once), and between them they delete everything.
 */
const ROOT = new URL('../..', import.meta.url).pathname;

function worker(dataDir: string, clientId: string, seconds: number) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tests/helpers/pruneWorker.ts'), dataDir, clientId, String(seconds)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

it('processes sharing a database take turns pruning and never fail', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyhaven-prune-procs-'));
  try {
    const store = openStore(dataDir);
    const deps = createDeps(loadConfig({ dataDir }, {}), store, pino({ level: 'silent' }));
    await deps.repos.oauthClients.insert({
      clientId: 'procs', name: 'P', type: 'public', redirectUris: [], logoutUris: [], grantTypes: [], defaultScopes: [], tokenFormat: 'opaque',
      firstParty: true, audiences: [], secretHash: null, createdAt: Date.now(),
    });
    const results = await Promise.all([1, 2, 3].map(() => worker(dataDir, 'procs', 4)));
    const reports = results.map(({ code, out }) => {
      expect(code, out).toBe(0);
      return JSON.parse(out.trim().split('\n').pop()!) as { runs: number; ran: number; deleted: number; inserted: number; batches: number; violations: number; errors: string[] };
    });
    for (const r of reports) {
      expect(r.errors).toEqual([]);
      expect(r.violations).toBe(0);
      expect(r.runs).toBeGreaterThan(0);
    }
    expect(reports.reduce((n, r) => n + r.batches, 0)).toBeGreaterThan(3);
    // What is left over is pruned by one more run; nothing was deleted twice or missed.
    const last = await runMaintenance(deps);
    const inserted = reports.reduce((n, r) => n + r.inserted, 0);
    expect(reports.reduce((n, r) => n + r.deleted, 0) + last.total).toBe(inserted);
    expect(store.sqlite.prepare('SELECT count(*) FROM oauth_tokens').pluck().get()).toBe(0);
    await store.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
