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
    /**
     * Spends a refresh token and stores its successors in one transaction. When the token was
     * already spent or revoked (a replay, or a concurrent request that won), nothing is stored and
     * the whole family is revoked instead, including whatever a winner stored: 'reused'.
     */
    async rotate(spent: { id: string; familyId: string }, now: number, successors: OAuthTokenRow[]): Promise<'rotated' | 'reused'> {
      return db.transaction().execute(async (trx) => {
        const claimed = await trx
          .updateTable('oauth_tokens')
          .set({ used_at: now })
          .where('id', '=', spent.id)
          .where('used_at', 'is', null)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) {
          await trx.updateTable('oauth_tokens').set({ revoked_at: now }).where('family_id', '=', spent.familyId).where('revoked_at', 'is', null).execute();
          return 'reused';
        }
        for (const r of successors) await trx.insertInto('oauth_tokens').values(r).execute();
        return 'rotated';
      });
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
    /**
     * Housekeeping: up to `limit` tokens expired by `before`. An access token goes once expired; a
     * refresh token (spent or revoked ones included) only once no refresh token of its family is alive,
     * i.e. at the family's absolute expiry, so that replaying a spent one is still detected as reuse.
     */
    async deleteExpired(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('oauth_tokens')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('oauth_tokens as t')
            .select('t.id')
            .where('t.expires_at', '<=', before)
            .where((w) =>
              w.or([
                w('t.kind', '=', 'access'),
                w.not(
                  w.exists(
                    w.selectFrom('oauth_tokens as f').select('f.id').whereRef('f.family_id', '=', 't.family_id').where('f.kind', '=', 'refresh').where('f.expires_at', '>', before),
                  ),
                ),
              ]),
            )
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type OAuthTokenRepository = ReturnType<typeof oauthTokenRepository>;
