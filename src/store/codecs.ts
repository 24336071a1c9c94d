/** Column codecs in one place: how values are stored in SQLite (and PostgreSQL) columns. */

/** Booleans are integers 0/1 in SQLite. */
export const toBool = (v: number | null | undefined): boolean => v === 1;
export const fromBool = (v: boolean): number => (v ? 1 : 0);

/** Timestamps are epoch milliseconds; the management API shows ISO 8601. */
export const toIso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** JSON columns hold text. */
export const toJson = (v: unknown): string => JSON.stringify(v);
export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}
