import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Store } from './store/db';
import type { DB } from './store/schema';
import { createRepositories, inTransaction } from './store/repositories';
import { createMailTransport } from './services/mail';
import { createPasswordHasher } from './services/passwords';
import { createRateLimiter } from './services/rateLimit';
import { createSecretBox } from './services/secretBox';

/** Everything services need, built once per process and passed down explicitly. */
export function createDeps(config: Config, store: Store, log: Logger, clock: () => number = Date.now) {
  const repos = createRepositories(store.db);
  return {
    config,
    store,
    db: store.db as Kysely<DB>,
    log,
    clock,
    repos,
    /** One transaction over every repository: `deps.tx(async (repos) => …)`. */
    tx: inTransaction(store.db),
    passwords: createPasswordHasher(config.argon2),
    rateLimiter: createRateLimiter(repos.rateLimits, clock),
    secretBox: createSecretBox(config),
    mail: createMailTransport(config, repos.outbox, log, clock),
  };
}
export type Deps = ReturnType<typeof createDeps>;
