import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { SignInsTable } from '../tables/authorize';

export type SignInRow = Selectable<SignInsTable>;

/** Sign-ins into applications, with the UTM tags of their authorization requests (seed 002's Analytics). */
export function signInRepository(db: Kysely<DB>) {
  return {
    async record(row: Omit<SignInRow, 'id'>): Promise<void> {
      await db.insertInto('sign_ins').values(row).execute();
    },
    async latestOf(userId: number, limit: number): Promise<SignInRow[]> {
      return db.selectFrom('sign_ins').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    /** Housekeeping: sign-ins older than the retention period, at most `limit` rows. */
    async deleteOlderThan(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('sign_ins')
        .where('id', 'in', (eb) => eb.selectFrom('sign_ins').select('id').where('created_at', '<', before).limit(limit))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type SignInRepository = ReturnType<typeof signInRepository>;
