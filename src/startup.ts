import type { Deps } from './deps';
import { seedFirstPartyClients, syncManagementClientScopes } from './services/oauth/clients';
import { ensureSigningKey } from './services/oauth/keys';
import { pruneAndLog } from './services/maintenance';
import { ensureDefaultOrganization } from './services/management/organizations';

/** Runs once at start-up after migrations: seeding and key set-up of each feature. */
export async function onStart(deps: Deps): Promise<void> {
  await seedFirstPartyClients(deps);
  await syncManagementClientScopes(deps);
  await ensureSigningKey(deps);
  await ensureDefaultOrganization(deps);
  // Expired rows of every table (then periodically: startMaintenance in app.ts).
  await pruneAndLog(deps);
}
