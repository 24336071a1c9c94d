import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { OAuthDeviceCodesTable } from '../tables/authorize';

export type DeviceCodeRow = Selectable<OAuthDeviceCodesTable>;

/** Device codes (RFC 8628): every state change is a conditional update, so concurrent polls stay consistent. */
export function deviceCodeRepository(db: Kysely<DB>) {
  return {
    async insert(r: DeviceCodeRow): Promise<void> {
      await db.insertInto('oauth_device_codes').values(r).execute();
    },
    async findByDeviceCodeHash(hash: string): Promise<DeviceCodeRow | undefined> {
      return db.selectFrom('oauth_device_codes').selectAll().where('device_code_hash', '=', hash).executeTakeFirst();
    },
    async findByUserCodeHash(hash: string): Promise<DeviceCodeRow | undefined> {
      return db.selectFrom('oauth_device_codes').selectAll().where('user_code_hash', '=', hash).executeTakeFirst();
    },
    /** Records a poll; returns false when another poll updated the row since `seenPolledAt` was read. */
    async recordPoll(id: string, seenPolledAt: number | null, now: number, intervalSeconds: number): Promise<boolean> {
      let q = db.updateTable('oauth_device_codes').set({ last_polled_at: now, interval_seconds: intervalSeconds }).where('id', '=', id);
      q = seenPolledAt === null ? q.where('last_polled_at', 'is', null) : q.where('last_polled_at', '=', seenPolledAt);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** pending → approved | denied, once, before expiry. */
    async decide(id: string, decision: { status: 'approved' | 'denied'; userId: number; authTime: number; amr: string[] }, now: number): Promise<boolean> {
      const r = await db
        .updateTable('oauth_device_codes')
        .set({ status: decision.status, user_id: decision.userId, auth_time: decision.authTime, amr: JSON.stringify(decision.amr) })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** approved → consumed, once: the tokens are issued to exactly one poll. */
    async consume(id: string): Promise<boolean> {
      const r = await db.updateTable('oauth_device_codes').set({ status: 'consumed' }).where('id', '=', id).where('status', '=', 'approved').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Housekeeping: up to `limit` device codes expired by `before`, whatever their status. */
    async deleteExpired(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('oauth_device_codes')
        .where('id', 'in', (eb) => eb.selectFrom('oauth_device_codes').select('id').where('expires_at', '<=', before).limit(limit))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type DeviceCodeRepository = ReturnType<typeof deviceCodeRepository>;
