import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { OAuthClientsTable } from '../tables/oauth';
import type { OAuthClient } from '../../services/oauth/types';

export type OAuthClientRow = Selectable<OAuthClientsTable>;
export type StoredClient = OAuthClient & { secretHash: string | null; createdAt: number };

const list = (json: string): string[] => JSON.parse(json) as string[];

export function toClient(row: OAuthClientRow): StoredClient {
  return {
    clientId: row.client_id,
    name: row.name,
    type: row.type,
    redirectUris: list(row.redirect_uris),
    logoutUris: list(row.logout_uris),
    grantTypes: list(row.grant_types),
    defaultScopes: row.default_scopes.split(' ').filter(Boolean),
    tokenFormat: row.token_format,
    firstParty: row.first_party === 1,
    audiences: list(row.audiences),
    secretHash: row.secret_hash,
    createdAt: row.created_at,
  };
}

function toRow(c: StoredClient): OAuthClientRow {
  return {
    client_id: c.clientId,
    name: c.name,
    type: c.type,
    secret_hash: c.secretHash,
    redirect_uris: JSON.stringify(c.redirectUris),
    logout_uris: JSON.stringify(c.logoutUris),
    grant_types: JSON.stringify(c.grantTypes),
    default_scopes: c.defaultScopes.join(' '),
    token_format: c.tokenFormat,
    first_party: c.firstParty ? 1 : 0,
    audiences: JSON.stringify(c.audiences),
    created_at: c.createdAt,
  };
}

export function oauthClientRepository(db: Kysely<DB>) {
  return {
    async find(clientId: string): Promise<StoredClient | undefined> {
      const row = await db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return row && toClient(row);
    },
    async insert(c: StoredClient): Promise<void> {
      await db.insertInto('oauth_clients').values(toRow(c)).execute();
    },
    /** Inserts the client unless one with that id exists (start-up seeding). */
    async insertIfMissing(c: StoredClient): Promise<void> {
      await db.insertInto('oauth_clients').values(toRow(c)).onConflict((oc) => oc.column('client_id').doNothing()).execute();
    },
    /** The first confidential client allowed client_credentials for an audience (keyhaven init). */
    async findM2MForAudience(audience: string): Promise<StoredClient | undefined> {
      return this.findM2M((c) => c.audiences.includes(audience));
    },
    /** The oldest confidential client allowed client_credentials that `match` accepts. */
    async findM2M(match: (c: StoredClient) => boolean): Promise<StoredClient | undefined> {
      const rows = await db.selectFrom('oauth_clients').selectAll().where('type', '=', 'confidential').orderBy('created_at').execute();
      return rows.map(toClient).find((c) => c.grantTypes.includes('client_credentials') && match(c));
    },
    async setScopes(clientId: string, scopes: string[]): Promise<void> {
      await db.updateTable('oauth_clients').set({ default_scopes: scopes.join(' ') }).where('client_id', '=', clientId).execute();
    },
    /** Allows the client one more audience (keyhaven init under another issuer); the list is read and written in one transaction. */
    async addAudience(clientId: string, audience: string): Promise<string[]> {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('oauth_clients').select('audiences').where('client_id', '=', clientId).executeTakeFirstOrThrow();
        const audiences = [...new Set([...list(row.audiences), audience])];
        await trx.updateTable('oauth_clients').set({ audiences: JSON.stringify(audiences) }).where('client_id', '=', clientId).execute();
        return audiences;
      });
    },
  };
}
export type OAuthClientRepository = ReturnType<typeof oauthClientRepository>;
