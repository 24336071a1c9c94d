import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { ApiKeysTable } from '../tables/accounts';

export type ApiKey = Selectable<ApiKeysTable>;
export type NewApiKey = Omit<ApiKey, 'last_used_at' | 'revoked_at'>;

export function apiKeyRepository(db: Kysely<DB>) {
  return {
    async insert(key: NewApiKey): Promise<void> {
      await db.insertInto('api_keys').values({ ...key, last_used_at: null, revoked_at: null }).execute();
    },
    /** A key that is neither revoked nor expired at `now`. */
    async findUsableByHash(keyHash: string, now: number): Promise<ApiKey | undefined> {
      return db
        .selectFrom('api_keys')
        .selectAll()
        .where('key_hash', '=', keyHash)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst();
    },
    async listUsable(organizationId: number, now: number): Promise<ApiKey[]> {
      return db
        .selectFrom('api_keys')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
    },
    async findInOrganization(id: string, organizationId: number): Promise<ApiKey | undefined> {
      return db.selectFrom('api_keys').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
    },
    async revoke(id: string, now: number): Promise<void> {
      await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },
    async touch(id: string, now: number): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    },
  };
}
export type ApiKeyRepository = ReturnType<typeof apiKeyRepository>;
