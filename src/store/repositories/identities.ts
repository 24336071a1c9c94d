import type { Insertable, Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { IdentitiesTable } from '../tables/core';
import { encodeCursor, keysetPage } from '../page';

export type IdentityRow = Selectable<IdentitiesTable>;
export type IdentityType = IdentityRow['type'];

/** One page of a user's identities, oldest first. */
export interface IdentityPage {
  items: IdentityRow[];
  /** More identities follow the page (before it, for `before`). */
  hasMore: boolean;
  nextToken?: string;
}

/**
 * Identities as the management API sees them (seed 002). (type, provider, value) is unique, so an
 * email, phone or username identifies one user, an upstream subject one user per provider. Each user
 * has at most one primary identity per type (migration 093's trigger makes the first one primary).
 */
export function identityRepository(db: Kysely<DB>) {
  return {
    async findByPublicId(publicId: string): Promise<IdentityRow | undefined> {
      return db.selectFrom('identities').selectAll().where('public_id', '=', publicId).executeTakeFirst();
    },
    /**
     * A page of the user's identities in id order (identities_user holds the order): after the
     * cursor `after` (a next_token), or the page just before the identity `before` (internal id).
     */
    async pageForUser(userId: number, req: { size: number; after?: string; before?: number }): Promise<IdentityPage> {
      const q = db.selectFrom('identities').selectAll().where('user_id', '=', userId);
      if (req.before !== undefined) {
        const rows = await q.where('id', '<', req.before).orderBy('id', 'desc').limit(req.size + 1).execute();
        return { items: rows.slice(0, req.size).reverse(), hasMore: rows.length > req.size };
      }
      const page = await keysetPage(q, { sortColumn: 'identities.id', idColumn: 'identities.id', sortKey: 'id', idKey: 'id' }, { size: req.size, after: req.after });
      return { items: page.items, hasMore: page.nextToken !== undefined, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
    /** The next_token that continues after this identity. */
    cursorAfter: (row: Pick<IdentityRow, 'id'>) => encodeCursor([row.id, row.id]),
    /** The identities of these users, by user, type, primary first, then age. */
    async forUsers(userIds: number[], types?: IdentityType[]): Promise<IdentityRow[]> {
      if (userIds.length === 0) return [];
      let q = db.selectFrom('identities').selectAll().where('user_id', 'in', userIds);
      if (types) q = q.where('type', 'in', types);
      return q.orderBy('user_id').orderBy('type').orderBy('is_primary', 'desc').orderBy('id').execute();
    },
    async insert(row: Insertable<IdentitiesTable>): Promise<IdentityRow> {
      return db.insertInto('identities').values(row).returningAll().executeTakeFirstOrThrow();
    },
    async countForUser(userId: number): Promise<number> {
      const { n } = await db.selectFrom('identities').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      return Number(n);
    },
    async delete(id: number): Promise<boolean> {
      const r = await db.deleteFrom('identities').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    /** Makes this identity its user's only primary one of its type. */
    async makePrimary(row: Pick<IdentityRow, 'id' | 'user_id' | 'type'>): Promise<void> {
      await db.updateTable('identities').set({ is_primary: 0 }).where('user_id', '=', row.user_id).where('type', '=', row.type).where('id', '<>', row.id).execute();
      await db.updateTable('identities').set({ is_primary: 1 }).where('id', '=', row.id).execute();
    },
    /** Hands the primary role of a type to the oldest identity of that type other than `exceptId`, if any. */
    async promoteOldest(userId: number, type: IdentityType, exceptId: number): Promise<void> {
      const next = await db
        .selectFrom('identities')
        .select('id')
        .where('user_id', '=', userId)
        .where('type', '=', type)
        .where('id', '<>', exceptId)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!next) return;
      await this.makePrimary({ id: next.id, user_id: userId, type });
    },
    /** The user's `email` (tokens, lists) follows their primary email identity. */
    async syncUserEmail(userId: number, now: number): Promise<void> {
      const primary = await db
        .selectFrom('identities')
        .select(['value', 'verified_at'])
        .where('user_id', '=', userId)
        .where('type', '=', 'email')
        .orderBy('is_primary', 'desc')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      await db
        .updateTable('users')
        .set({ email: primary?.value ?? null, email_verified: primary?.verified_at != null ? 1 : 0, updated_at: now })
        .where('id', '=', userId)
        .execute();
    },
    /** A sign-in with this identity: one more, and now the last. */
    async recordLogin(userId: number, key: { type: IdentityType; provider: string; value: string }, now: number): Promise<void> {
      await db
        .updateTable('identities')
        .set((eb) => ({ total_logins: eb('total_logins', '+', 1), last_login_at: now }))
        .where('type', '=', key.type)
        .where('provider', '=', key.provider)
        .where('value', '=', key.value)
        .where('user_id', '=', userId)
        .execute();
    },
  };
}
export type IdentityRepository = ReturnType<typeof identityRepository>;
