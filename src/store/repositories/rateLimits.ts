import { sql, type Kysely } from 'kysely';
import type { DB } from '../schema';

/** Fixed-window counters in the database, so every node sees the same counts. */
export function rateLimitRepository(db: Kysely<DB>) {
  return {
    /** Increments the bucket's counter for the window containing `now`; returns the new count. */
    async hit(bucket: string, windowStart: number): Promise<number> {
      const row = await db
        .insertInto('rate_limits')
        .values({ bucket, window_start: windowStart, count: 1 })
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
    async prune(before: number): Promise<void> {
      await db.deleteFrom('rate_limits').where('window_start', '<', before).execute();
    },
  };
}
export type RateLimitRepository = ReturnType<typeof rateLimitRepository>;
