import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB } from '../schema';
import type { UsersTable } from '../tables/core';
import { keysetPage, type Page, type PageRequest } from '../page';
import type { User } from './users';

/** The filters of the management API's user list; each list matches any of its values. */
export interface UserFilters {
  publicIds?: string[];
  emails?: string[];
  usernames?: string[];
  phones?: string[];
  hasOrganization?: boolean;
  /** Epoch ms: only users who signed in at or after it. */
  activeSince?: number;
}

export interface PasswordCredential {
  secret: string;
  /** JSON: `{"import":{method, …}}` for a hash imported through the management API, else null. */
  meta: string | null;
}

/**
 * The user aggregate as the management API sees it (seed 002): listing with filters, the profile
 * and sign-in statistics, imported password hashes. Identities are in the identities repository.
 */
export function managedUserRepository(db: Kysely<DB>) {
  return {
    /** Users in creation order (users_created index), filtered; every filter is an indexed lookup. */
    async page(filters: UserFilters, req: PageRequest): Promise<Page<User>> {
      let q = db.selectFrom('users').selectAll('users');
      if (filters.publicIds) q = q.where('users.public_id', 'in', filters.publicIds);
      const byIdentity = (type: 'email' | 'username' | 'phone', values: string[]) =>
        q.where('users.id', 'in', (eb) =>
          eb.selectFrom('identities').select('identities.user_id').where('identities.type', '=', type).where('identities.provider', '=', '').where('identities.value', 'in', values),
        );
      if (filters.emails) q = byIdentity('email', filters.emails);
      if (filters.usernames) q = byIdentity('username', filters.usernames);
      if (filters.phones) q = byIdentity('phone', filters.phones);
      if (filters.hasOrganization !== undefined) {
        const member = (eb: ExpressionBuilder<DB, 'users'>) =>
          eb.exists(eb.selectFrom('memberships').select(sql.lit(1).as('one')).whereRef('memberships.user_id', '=', 'users.id'));
        q = filters.hasOrganization ? q.where((eb) => member(eb)) : q.where((eb) => eb.not(member(eb)));
      }
      if (filters.activeSince !== undefined) q = q.where('users.last_signed_in', '>=', filters.activeSince);
      return keysetPage(q, { sortColumn: 'users.created_at', idColumn: 'users.id', sortKey: 'created_at', idKey: 'id' }, req);
    },
    /** The codes of each user's organizations, by code. */
    async organizationCodes(userIds: number[]): Promise<{ user_id: number; code: string }[]> {
      if (userIds.length === 0) return [];
      return db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
        .select(['memberships.user_id', 'organizations.code'])
        .where('memberships.user_id', 'in', userIds)
        .orderBy('organizations.code')
        .execute();
    },
    async organizationByCode(code: string): Promise<{ id: number } | undefined> {
      return db.selectFrom('organizations').select('id').where('code', '=', code).executeTakeFirst();
    },
    /** The organization new users join when the request names none (seed 002's default organization). */
    async defaultOrganization(): Promise<{ id: number } | undefined> {
      return db.selectFrom('organizations').select('id').where('is_default', '=', 1).orderBy('id').limit(1).executeTakeFirst();
    },
    async insert(row: Insertable<UsersTable>): Promise<User> {
      return db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
    },
    async update(userId: number, changes: Updateable<UsersTable>): Promise<void> {
      await db.updateTable('users').set(changes).where('id', '=', userId).execute();
    },
    /** False when no such user. Identities, credentials, sessions, tokens and memberships go with it (ON DELETE CASCADE). */
    async delete(userId: number): Promise<boolean> {
      const r = await db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    /** False when no such user. */
    async markClaimsChanged(publicId: string, now: number): Promise<boolean> {
      const r = await db.updateTable('users').set({ claims_changed_at: now, updated_at: now }).where('public_id', '=', publicId).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async passwordCredential(userId: number): Promise<PasswordCredential | undefined> {
      return db.selectFrom('credentials').select(['secret', 'meta']).where('user_id', '=', userId).where('type', '=', 'password').executeTakeFirst();
    },
    /** Replaces the user's password with an imported hash, marked in `meta` with how to check it. */
    async setImportedPassword(userId: number, secret: string, meta: string | null, now: number): Promise<void> {
      await db
        .insertInto('credentials')
        .values({ user_id: userId, type: 'password', secret, meta, created_at: now, updated_at: now, used_at: null })
        // The partial index credentials_one_password matches only a literal predicate (see users.setPasswordHash).
        .onConflict((oc) => oc.column('user_id').where('type', '=', sql.lit('password')).doUpdateSet({ secret, meta, updated_at: now }))
        .execute();
    },
    /** A successful sign-in: one more, now the last, and the run of failures ends. */
    async recordSignIn(userId: number, now: number): Promise<void> {
      await db
        .updateTable('users')
        .set((eb) => ({ total_sign_ins: eb('total_sign_ins', '+', 1), last_signed_in: now, failed_sign_ins: 0 }))
        .where('id', '=', userId)
        .execute();
    },
    /** Spends the user's pending MFA sign-in challenges, so that none completes into a session. */
    async spendMfaChallenges(userId: number, now: number): Promise<void> {
      await db.updateTable('mfa_challenges').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    },
    async recordFailedSignIn(userId: number): Promise<void> {
      await db
        .updateTable('users')
        .set((eb) => ({ failed_sign_ins: eb('failed_sign_ins', '+', 1) }))
        .where('id', '=', userId)
        .execute();
    },
  };
}
export type ManagedUserRepository = ReturnType<typeof managedUserRepository>;
