import type { Kysely } from 'kysely';
import type { DB } from '../schema';
import { joinTransaction } from '../tx';
import { userRepository } from './users';
import { sessionRepository } from './sessions';
import { rateLimitRepository } from './rateLimits';
import { notificationRepository, serverAdminRepository, telemetryRepository } from './telemetry';
import { oauthClientRepository } from './oauthClients';
import { signingKeyRepository } from './oauthKeys';
import { oauthTokenRepository } from './oauthTokens';
import { tenantRepository } from './tenants';
import { apiKeyRepository } from './apiKeys';
import { verificationRepository } from './verification';
import { outboxRepository } from './outbox';
import { mfaRepository } from './mfa';
import { authorizeRepository } from './authorize';
import { deviceCodeRepository } from './authorizeDevice';
import { maintenanceLeaseRepository } from './maintenance';
import { ssoRepository } from './sso';
import { permissionRepository } from './permissions';
import { signInRepository } from './signIns';
import { organizationRepository } from './organizations';
import { featureFlagRepository } from './featureFlags';
import { propertyRepository } from './properties';
import { roleRepository } from './roles';
import { memberAccessRepository } from './memberAccess';
import { managedUserRepository } from './managedUsers';
import { identityRepository } from './identities';

/** Every repository over one database handle (the store, or an open transaction). */
export function createRepositories(db: Kysely<DB>) {
  return {
    users: userRepository(db),
    sessions: sessionRepository(db),
    rateLimits: rateLimitRepository(db),
    tenants: tenantRepository(db),
    apiKeys: apiKeyRepository(db),
    verifications: verificationRepository(db),
    outbox: outboxRepository(db),
    oauthClients: oauthClientRepository(db),
    signingKeys: signingKeyRepository(db),
    oauthTokens: oauthTokenRepository(db),
    telemetry: telemetryRepository(db),
    notifications: notificationRepository(db),
    serverAdmins: serverAdminRepository(db),
    mfa: mfaRepository(db),
    authorize: authorizeRepository(db),
    deviceCodes: deviceCodeRepository(db),
    maintenanceLeases: maintenanceLeaseRepository(db),
    sso: ssoRepository(db),
    permissions: permissionRepository(db),
    signIns: signInRepository(db),
    organizations: organizationRepository(db),
    featureFlags: featureFlagRepository(db),
    properties: propertyRepository(db),
    roles: roleRepository(db),
    memberAccess: memberAccessRepository(db),
    managedUsers: managedUserRepository(db),
    identities: identityRepository(db),
  };
}
export type Repositories = ReturnType<typeof createRepositories>;

/**
 * Runs fn in one transaction with every repository bound to it: all of fn's writes commit together
 * or not at all. A repository method that opens its own transaction joins this one.
 */
export function inTransaction(db: Kysely<DB>) {
  return <R>(fn: (repos: Repositories) => Promise<R>): Promise<R> =>
    db.transaction().execute((trx) => fn(createRepositories(joinTransaction(trx))));
}
