import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Store } from './store/db';
import type { DB } from './store/schema';
import { userRepository } from './store/repositories/users';
import { sessionRepository } from './store/repositories/sessions';
import { rateLimitRepository } from './store/repositories/rateLimits';
import { notificationRepository, serverAdminRepository, telemetryRepository } from './store/repositories/telemetry';
import { oauthClientRepository } from './store/repositories/oauthClients';
import { signingKeyRepository } from './store/repositories/oauthKeys';
import { oauthTokenRepository } from './store/repositories/oauthTokens';
import { tenantRepository } from './store/repositories/tenants';
import { apiKeyRepository } from './store/repositories/apiKeys';
import { verificationRepository } from './store/repositories/verification';
import { outboxRepository } from './store/repositories/outbox';
import { mfaRepository } from './store/repositories/mfa';
import { authorizeRepository } from './store/repositories/authorize';
import { deviceCodeRepository } from './store/repositories/authorizeDevice';
import { maintenanceLeaseRepository } from './store/repositories/maintenance';
import { createMailTransport } from './services/mail';
import { createPasswordHasher } from './services/passwords';
import { createRateLimiter } from './services/rateLimit';
import { createSecretBox } from './services/secretBox';

/** Everything services need, built once per process and passed down explicitly. */
export function createDeps(config: Config, store: Store, log: Logger, clock: () => number = Date.now) {
  const repos = {
    users: userRepository(store.db),
    sessions: sessionRepository(store.db),
    rateLimits: rateLimitRepository(store.db),
    tenants: tenantRepository(store.db),
    apiKeys: apiKeyRepository(store.db),
    verifications: verificationRepository(store.db),
    outbox: outboxRepository(store.db),
    oauthClients: oauthClientRepository(store.db),
    signingKeys: signingKeyRepository(store.db),
    oauthTokens: oauthTokenRepository(store.db),
    telemetry: telemetryRepository(store.db),
    notifications: notificationRepository(store.db),
    serverAdmins: serverAdminRepository(store.db),
    mfa: mfaRepository(store.db),
    authorize: authorizeRepository(store.db),
    deviceCodes: deviceCodeRepository(store.db),
    maintenanceLeases: maintenanceLeaseRepository(store.db),
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
    mail: createMailTransport(config, repos.outbox, log, clock),
  };
}
export type Deps = ReturnType<typeof createDeps>;
