/**
 * A stand-in server process for tests/unit/maintenance-processes.test.ts: opens the data directory's
 * database, then for `seconds` keeps writing expired tokens and running the prune job, checking before
 * every delete batch that the database names this process as the lease holder. Prints one JSON line.
 *
 *   node --import tsx tests/helpers/pruneWorker.ts <dataDir> <clientId> <seconds>
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createDeps } from '../../src/deps';
import { newLeaseHolder, PRUNE_LEASE, runMaintenance } from '../../src/services/maintenance';
import { openStore } from '../../src/store/db';

const [dataDir, clientId, seconds] = process.argv.slice(2);
const store = openStore(dataDir!);
const deps = createDeps(loadConfig({ dataDir }, {}), store, pino({ level: 'silent' }));
const holder = newLeaseHolder();
const out = { runs: 0, ran: 0, deleted: 0, inserted: 0, batches: 0, violations: 0, errors: [] as string[] };

const deleteExpired = deps.repos.oauthTokens.deleteExpired;
deps.repos.oauthTokens.deleteExpired = async (before, limit) => {
  const lease = await deps.repos.maintenanceLeases.find(PRUNE_LEASE);
  if (lease?.holder !== holder || lease.expires_at <= Date.now()) out.violations++;
  out.batches++;
  return deleteExpired(before, limit);
};

const end = Date.now() + Number(seconds) * 1000;
while (Date.now() < end) {
  try {
    const now = Date.now();
    const rows = Array.from({ length: 1200 }, () => ({
      id: randomUUID(), kind: 'access' as const, format: 'opaque' as const, token_hash: randomUUID(), client_id: clientId!, user_id: null,
      scope: '', audience: '[]', family_id: randomUUID(), grant_ref: null, auth_time: null, amr: '[]', extra: '{}',
      created_at: now - 3 * 3600_000, expires_at: now - 2 * 3600_000, idle_expires_at: null, used_at: null, revoked_at: null,
    }));
    await deps.repos.oauthTokens.insertMany(rows);
    out.inserted += rows.length;
    const r = await runMaintenance(deps, { holder });
    out.runs++;
    if (r.ran) out.ran++;
    out.deleted += r.total;
  } catch (err) {
    out.errors.push(String(err));
  }
}
await store.close();
process.stdout.write(JSON.stringify(out) + '\n');
