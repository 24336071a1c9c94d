import { tooManyRequests } from '../http/errors';
import type { RateLimitRepository } from '../store/repositories/rateLimits';

export interface Limit {
  bucket: string;
  max: number;
  windowSeconds: number;
}

const windowOf = (now: number, seconds: number) => now - (now % (seconds * 1000));
const retryAfter = (now: number, seconds: number) => (windowOf(now, seconds) + seconds * 1000 - now) / 1000;

export function createRateLimiter(repo: RateLimitRepository, clock: () => number = Date.now) {
  return {
    /** Counts one attempt against every limit; throws 429 with Retry-After when any is exceeded. */
    async consume(...limits: Limit[]): Promise<void> {
      const now = clock();
      for (const l of limits) {
        const start = windowOf(now, l.windowSeconds);
        const count = await repo.hit(l.bucket, start, start + l.windowSeconds * 1000);
        if (count > l.max) throw tooManyRequests(retryAfter(now, l.windowSeconds));
      }
    },
    /** Throws 429 if a limit is already exhausted, without counting. */
    async check(...limits: Limit[]): Promise<void> {
      const now = clock();
      for (const l of limits) {
        if ((await repo.count(l.bucket, windowOf(now, l.windowSeconds))) >= l.max) {
          throw tooManyRequests(retryAfter(now, l.windowSeconds));
        }
      }
    },
    async reset(limit: Limit): Promise<void> {
      await repo.reset(limit.bucket, windowOf(clock(), limit.windowSeconds));
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
