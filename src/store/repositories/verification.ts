import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { EmailVerificationsTable } from '../tables/accounts';

export type EmailVerification = Selectable<EmailVerificationsTable>;

/** Email verification tokens, stored as hashes. */
export function verificationRepository(db: Kysely<DB>) {
  return {
    async insert(v: { userId: number; email: string; tokenHash: string; expiresAt: number }, now: number): Promise<void> {
      await db
        .insertInto('email_verifications')
        .values({ user_id: v.userId, email: v.email, token_hash: v.tokenHash, expires_at: v.expiresAt, used_at: null, created_at: now })
        .execute();
    },
    async findByHash(tokenHash: string): Promise<EmailVerification | undefined> {
      return db.selectFrom('email_verifications').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    /** Marks the token used; false when it was used already (a concurrent request won). */
    async consume(id: number, now: number): Promise<boolean> {
      const r = await db
        .updateTable('email_verifications')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Housekeeping: up to `limit` tokens expired by `before`, used or not. */
    async deleteExpired(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('email_verifications')
        .where('id', 'in', (eb) => eb.selectFrom('email_verifications').select('id').where('expires_at', '<=', before).limit(limit))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type VerificationRepository = ReturnType<typeof verificationRepository>;
