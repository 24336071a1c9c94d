import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { OAuthTokensTable } from '../tables/oauth';

export type OAuthTokenRow = Selectable<OAuthTokensTable>;

export function oauthTokenRepository(db: Kysely<DB>) {
  return {
    async insertMany(rows: OAuthTokenRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const r of rows) await trx.insertInto('oauth_tokens').values(r).execute();
      });
    },
    async findByHash(tokenHash: string): Promise<OAuthTokenRow | undefined> {
      return db.selectFrom('oauth_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    async findById(id: string): Promise<OAuthTokenRow | undefined> {
      return db.selectFrom('oauth_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Marks a refresh token spent; false when it was already spent or revoked (a concurrent reuse). */
    async markUsed(id: string, now: number): Promise<boolean> {
      const r = await db
        .updateTable('oauth_tokens')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async revokeById(id: string, now: number): Promise<void> {
      await db.updateTable('oauth_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },
    async revokeFamily(familyId: string, now: number): Promise<number> {
      const r = await db.updateTable('oauth_tokens').set({ revoked_at: now }).where('family_id', '=', familyId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async revokeByGrantRef(grantRef: string, now: number): Promise<number> {
      const r = await db.updateTable('oauth_tokens').set({ revoked_at: now }).where('grant_ref', '=', grantRef).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async revokeByUser(userId: number, now: number): Promise<number> {
      const r = await db.updateTable('oauth_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    /** Housekeeping: tokens past their expiry are useless; drop them. */
    async deleteExpired(before: number): Promise<void> {
      await db.deleteFrom('oauth_tokens').where('expires_at', '<', before).execute();
    },
  };
}
export type OAuthTokenRepository = ReturnType<typeof oauthTokenRepository>;
