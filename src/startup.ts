import type { Deps } from './deps';
import { seedFirstPartyClients } from './services/oauth/clients';
import { ensureSigningKey } from './services/oauth/keys';
import { pruneExpiredTokens } from './services/oauth/tokens';
import { pruneMfaChallenges } from './services/mfa';

/** Runs once at start-up after migrations: seeding and key set-up of each feature. */
export async function onStart(deps: Deps): Promise<void> {
  await seedFirstPartyClients(deps);
  await ensureSigningKey(deps);
  await pruneExpiredTokens(deps);
  await pruneMfaChallenges(deps);
}
