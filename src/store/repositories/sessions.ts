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
  };
}
export type SessionRepository = ReturnType<typeof sessionRepository>;
