import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Store } from './store/db';
import type { DB } from './store/schema';
import { userRepository } from './store/repositories/users';
import { sessionRepository } from './store/repositories/sessions';
import { rateLimitRepository } from './store/repositories/rateLimits';
import { createPasswordHasher } from './services/passwords';
import { createRateLimiter } from './services/rateLimit';
import { createSecretBox } from './services/secretBox';

/** Everything services need, built once per process and passed down explicitly. */
export function createDeps(config: Config, store: Store, log: Logger, clock: () => number = Date.now) {
  const repos = {
    users: userRepository(store.db),
    sessions: sessionRepository(store.db),
    rateLimits: rateLimitRepository(store.db),
  };
  return {
    config,
    store,
    db: store.db as Kysely<DB>,
    log,
    clock,
    repos,
    passwords: createPasswordHasher(config.argon2),
    rateLimiter: createRateLimiter(repos.rateLimits, clock),
    secretBox: createSecretBox(config),
  };
}
export type Deps = ReturnType<typeof createDeps>;
