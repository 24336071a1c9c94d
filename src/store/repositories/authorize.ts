import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { OAuthAuthorizationCodesTable, OAuthAuthorizationRequestsTable, OAuthConsentsTable } from '../tables/authorize';

export type AuthorizationRequestRow = Selectable<OAuthAuthorizationRequestsTable>;
export type AuthorizationCodeRow = Selectable<OAuthAuthorizationCodesTable>;
export type ConsentRow = Selectable<OAuthConsentsTable>;

/** Pending authorization requests, authorization codes and remembered consents. */
export function authorizeRepository(db: Kysely<DB>) {
  return {
    async insertRequest(r: AuthorizationRequestRow): Promise<void> {
      await db.insertInto('oauth_authorization_requests').values(r).execute();
    },
    async findLiveRequest(id: string, now: number): Promise<AuthorizationRequestRow | undefined> {
      return db
        .selectFrom('oauth_authorization_requests')
        .selectAll()
        .where('id', '=', id)
        .where('completed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    /** Replaces a live request's extra parameters (the organization chosen on the hosted page). */
    async updateRequestExtra(id: string, extra: string): Promise<void> {
      await db.updateTable('oauth_authorization_requests').set({ extra }).where('id', '=', id).where('completed_at', 'is', null).execute();
    },
    /** False when the request was completed already (a double submit). */
    async completeRequest(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable('oauth_authorization_requests').set({ completed_at: now }).where('id', '=', id).where('completed_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async insertCode(c: AuthorizationCodeRow): Promise<void> {
      await db.insertInto('oauth_authorization_codes').values(c).execute();
    },
    async findCode(codeHash: string): Promise<AuthorizationCodeRow | undefined> {
      return db.selectFrom('oauth_authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    },
    /** Marks a code used; false when it was used already (a replay, or a concurrent exchange). */
    async markCodeUsed(codeHash: string, now: number): Promise<boolean> {
      const r = await db.updateTable('oauth_authorization_codes').set({ used_at: now }).where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async findConsent(userId: number, clientId: string): Promise<ConsentRow | undefined> {
      return db.selectFrom('oauth_consents').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    },
    async saveConsent(userId: number, clientId: string, scope: string, now: number): Promise<void> {
      await db
        .insertInto('oauth_consents')
        .values({ user_id: userId, client_id: clientId, scope, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scope, updated_at: now }))
        .execute();
    },

    /** Clients that registered this exact post-logout URI (logout requests that name no client). */
    /** Clients that registered logout URIs, with them (the caller decides which URI matches). */
    async clientsWithLogoutUris(): Promise<{ clientId: string; logoutUris: string[] }[]> {
      const rows = await db.selectFrom('oauth_clients').select(['client_id', 'logout_uris']).where('logout_uris', '!=', '[]').orderBy('created_at').execute();
      return rows.map((r) => ({ clientId: r.client_id, logoutUris: JSON.parse(r.logout_uris) as string[] }));
    },
    /** Logout from a client: the user's tokens issued to that client (refresh tokens included). */
    async revokeUserClientTokens(userId: number, clientId: string, now: number): Promise<number> {
      const r = await db
        .updateTable('oauth_tokens')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    /** Housekeeping: up to `limit` authorization requests expired by `before`, completed or not. */
    async deleteExpiredRequests(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('oauth_authorization_requests')
        .where('id', 'in', (eb) => eb.selectFrom('oauth_authorization_requests').select('id').where('expires_at', '<=', before).limit(limit))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    /**
     * Housekeeping: up to `limit` codes expired by `before`. A used code stays while a token issued
     * from it (its grant_ref) is still stored, so that replaying it still revokes them (RFC 6749 §4.1.2).
     */
    async deleteExpiredCodes(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('oauth_authorization_codes')
        .where('code_hash', 'in', (eb) =>
          eb
            .selectFrom('oauth_authorization_codes as c')
            .select('c.code_hash')
            .where('c.expires_at', '<=', before)
            .where((w) =>
              w.or([
                w('c.used_at', 'is', null),
                w.not(w.exists(w.selectFrom('oauth_tokens as t').select('t.id').whereRef('t.grant_ref', '=', 'c.grant_ref'))),
              ]),
            )
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type AuthorizeRepository = ReturnType<typeof authorizeRepository>;
