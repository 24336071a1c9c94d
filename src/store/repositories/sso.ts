import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { SsoConfigsTable, SsoStatesTable } from '../tables/sso';

export type SsoConfigRow = Selectable<SsoConfigsTable>;
export type SsoStateRow = Selectable<SsoStatesTable>;

/** Tenant SSO configurations and in-flight SSO states. */
export function ssoRepository(db: Kysely<DB>) {
  return {
    async findConfig(organizationId: number): Promise<SsoConfigRow | undefined> {
      return db.selectFrom('sso_configs').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
    },
    async upsertConfig(row: SsoConfigRow): Promise<SsoConfigRow> {
      const { organization_id, created_at, ...rest } = row;
      return db
        .insertInto('sso_configs')
        .values(row)
        .onConflict((oc) => oc.column('organization_id').doUpdateSet(rest))
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    /** Enabled OIDC configurations (home-realm discovery by email domain). */
    async enabledOidcConfigs(): Promise<SsoConfigRow[]> {
      return db.selectFrom('sso_configs').selectAll().where('provider', '=', 'oidc').where('enabled', '=', 1).execute();
    },
    async organizationIdByCode(code: string): Promise<number | undefined> {
      return (await db.selectFrom('organizations').select('id').where('code', '=', code).executeTakeFirst())?.id;
    },
    /** Configurations that forbid password sign-in for a member of their tenant. */
    async enforcingConfigsFor(userId: number): Promise<SsoConfigRow[]> {
      return db
        .selectFrom('sso_configs')
        .innerJoin('memberships', 'memberships.organization_id', 'sso_configs.organization_id')
        .selectAll('sso_configs')
        .where('memberships.user_id', '=', userId)
        .where('sso_configs.enabled', '=', 1)
        .where('sso_configs.provider', '=', 'oidc')
        .where('sso_configs.enforce_for_all_users', '=', 1)
        .execute();
    },
    async insertState(row: SsoStateRow): Promise<void> {
      await db.insertInto('sso_states').values(row).execute();
    },
    /** Single use: the row is deleted as it is read; expired rows are swept on the way. */
    async takeState(stateHash: string, now: number): Promise<SsoStateRow | undefined> {
      await db.deleteFrom('sso_states').where('expires_at', '<=', now).execute();
      return db.deleteFrom('sso_states').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
    },
    /** Housekeeping: up to `limit` in-flight SSO states expired by `before`. */
    async deleteExpiredStates(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('sso_states')
        .where('state_hash', 'in', (eb) => eb.selectFrom('sso_states').select('state_hash').where('expires_at', '<=', before).limit(limit))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async findUpstreamIdentityUser(issuer: string, subject: string): Promise<number | undefined> {
      const row = await db
        .selectFrom('identities')
        .select('user_id')
        .where('type', '=', 'upstream')
        .where('provider', '=', issuer)
        .where('value', '=', subject)
        .executeTakeFirst();
      return row?.user_id;
    },
    async addUpstreamIdentity(userId: number, issuer: string, subject: string, now: number): Promise<void> {
      await db
        .insertInto('identities')
        .values({ user_id: userId, type: 'upstream', provider: issuer, value: subject, verified_at: now, created_at: now })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
  };
}
export type SsoRepository = ReturnType<typeof ssoRepository>;
