import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { SessionsTable } from '../tables/core';

export type Session = Selectable<SessionsTable>;
export type NewSession = Omit<Session, 'revoked_at' | 'amr'> & { amr: string[] };

export function sessionRepository(db: Kysely<DB>) {
  return {
    async insert(s: NewSession): Promise<void> {
      await db
        .insertInto('sessions')
        .values({ ...s, amr: JSON.stringify(s.amr), revoked_at: null })
        .execute();
    },
    async findById(id: string): Promise<Session | undefined> {
      return db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findActiveByHash(tokenHash: string, now: number): Promise<Session | undefined> {
      return db
        .selectFrom('sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where('idle_expires_at', '>', now)
        .executeTakeFirst();
    },
    /** Slides the idle expiry, never past the absolute expiry. */
    async touch(id: string, now: number, idleExpiresAt: number): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: now, idle_expires_at: idleExpiresAt }).where('id', '=', id).execute();
    },
    async revoke(id: string, now: number): Promise<void> {
      await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },
    async revokeAllForUser(userId: number, now: number): Promise<void> {
      await db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    },
    /** A user's live sessions (browser and app), most recently used first, and how many there are. */
    async listLiveForUser(userId: number, now: number, limit: number): Promise<{ rows: Session[]; total: number }> {
      const live = db
        .selectFrom('sessions')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where('idle_expires_at', '>', now);
      const rows = await live.selectAll().orderBy('last_seen_at', 'desc').orderBy('id').limit(limit).execute();
      const { total } = await live.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      return { rows, total: Number(total) };
    },
    /** Ends one live session of this user; false when it is not one (unknown, another user's, ended). */
    async revokeLiveOfUser(id: string, userId: number, now: number): Promise<boolean> {
      const res = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where('idle_expires_at', '>', now)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    /** Ends every session of this user but one; the number ended. */
    async revokeAllForUserExcept(userId: number, keepId: string, now: number): Promise<number> {
      const res = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('id', '!=', keepId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    /**
     * Housekeeping: up to `limit` sessions that ended (idle or absolute expiry; the idle expiry never
     * passes the absolute one) or were revoked by `before`.
     */
    async deleteExpired(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('sessions')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('sessions')
            .select('id')
            .where((w) => w.or([w('idle_expires_at', '<=', before), w('revoked_at', '<=', before)]))
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type SessionRepository = ReturnType<typeof sessionRepository>;
