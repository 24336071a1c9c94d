import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { SigningKeysTable } from '../tables/oauth';

export type SigningKeyRow = Selectable<SigningKeysTable>;

export function signingKeyRepository(db: Kysely<DB>) {
  return {
    /** Keys still published in the JWKS: active ones and retired ones whose tokens may be alive. */
    async listPublished(now: number): Promise<SigningKeyRow[]> {
      return db
        .selectFrom('signing_keys')
        .selectAll()
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .execute();
    },
    /** The newest key that is not retired. */
    async findActive(): Promise<SigningKeyRow | undefined> {
      return db.selectFrom('signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
    },
    /** Adds a key and retires every other active key (they stay published until expiresAt). */
    async addActive(key: Omit<SigningKeyRow, 'retired_at' | 'expires_at'>, retiredExpireAt: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('signing_keys')
          .set({ retired_at: key.created_at, expires_at: retiredExpireAt })
          .where('retired_at', 'is', null)
          .execute();
        await trx.insertInto('signing_keys').values({ ...key, retired_at: null, expires_at: null }).execute();
      });
    },
  };
}
export type SigningKeyRepository = ReturnType<typeof signingKeyRepository>;
