import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema';

/** Fixed-window counters in the database, so every node sees the same counts. */
export function rateLimitRepository(db: Kysely<DB>) {
  return {
    /** Increments the bucket's counter for the window [windowStart, windowEnd); returns the new count. */
    async hit(bucket: string, windowStart: number, windowEnd: number): Promise<number> {
      const row = await db
        .insertInto('rate_limits')
        .values({ bucket, window_start: windowStart, window_end: windowEnd, count: 1 })
        .onConflict((oc) => oc.columns(['bucket', 'window_start']).doUpdateSet({ count: sql`rate_limits.count + 1` }))
        .returning('count')
        .executeTakeFirstOrThrow();
      return row.count;
    },
    async count(bucket: string, windowStart: number): Promise<number> {
      const row = await db
        .selectFrom('rate_limits')
        .select('count')
        .where('bucket', '=', bucket)
        .where('window_start', '=', windowStart)
        .executeTakeFirst();
      return row?.count ?? 0;
    },
    async reset(bucket: string, windowStart: number): Promise<void> {
      await db.deleteFrom('rate_limits').where('bucket', '=', bucket).where('window_start', '=', windowStart).execute();
    },
    /** Housekeeping: drops up to `limit` windows that ended by `now` (they count nothing any more). */
    async deleteEnded(now: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('rate_limits')
        .where((eb) =>
          eb(
            eb.refTuple('bucket', 'window_start'),
            'in',
            eb.selectFrom('rate_limits').select(['bucket', 'window_start']).where('window_end', '<=', now).limit(limit).$asTuple('bucket', 'window_start'),
          ),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type RateLimitRepository = ReturnType<typeof rateLimitRepository>;
