import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { badRequest } from '../http/errors';

/**
 * Keyset pagination for every list: rows come ordered by (sort value, unique id); `next_token` is
 * the opaque base64url of the last row's pair. A page fetches size + 1 rows to know whether another
 * page follows, so no list is unbounded and no page costs more than its size, however deep.
 */
export interface PageRequest {
  size: number;
  /** The `next_token` of the previous page. */
  after?: string;
  descending?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextToken?: string;
}

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 500;

type Key = string | number;

export function encodeCursor(key: readonly [Key, Key]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key a `next_token` names; 400 for one the server did not issue. */
export function decodeCursor(token: string): [Key, Key] {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key as [Key, Key];
  } catch {
    // fall through
  }
  throw badRequest('next_token is not a token this server issued', '/query/next_token');
}

/**
 * The condition "after the cursor" on (sortColumn, idColumn) — a row-value comparison that SQLite
 * (3.15+) and PostgreSQL both evaluate with the (sort, id) index.
 */
export function afterCursor(sortColumn: string, idColumn: string, cursor: [Key, Key], descending = false): Expression<SqlBool> {
  const op = descending ? sql.raw('<') : sql.raw('>');
  return sql<SqlBool>`(${sql.ref(sortColumn)}, ${sql.ref(idColumn)}) ${op} (${cursor[0]}, ${cursor[1]})`;
}

/** Cuts the size + 1 rows a query fetched into a page, with the next token when more follow. */
export function toPage<R, T>(rows: R[], size: number, keyOf: (row: R) => readonly [Key, Key], map: (row: R) => T): Page<T> {
  const more = rows.length > size;
  const shown = more ? rows.slice(0, size) : rows;
  return { items: shown.map(map), ...(more ? { nextToken: encodeCursor(keyOf(shown[shown.length - 1])) } : {}) };
}


/** Sort options of the form `<column>_asc` / `<column>_desc` (seed 002's `sort` parameters). */
export function sortOf<C extends string>(sort: string | undefined, columns: readonly C[], fallback: C): { column: C; descending: boolean } {
  const m = /^(.*)_(asc|desc)$/.exec(sort ?? '');
  const column = m && (columns as readonly string[]).includes(m[1]) ? (m[1] as C) : fallback;
  return { column, descending: m?.[2] === 'desc' };
}

/**
 * One page of a query ordered by (sortColumn, idColumn), both selected by the query. The caller's
 * query holds its filters; this adds the cursor condition, the order and the limit.
 */
export async function keysetPage<DB, TB extends keyof DB, R extends Record<string, unknown>>(
  query: SelectQueryBuilder<DB, TB, R>,
  order: { sortColumn: string; idColumn: string; sortKey: keyof R & string; idKey: keyof R & string },
  req: PageRequest,
): Promise<Page<R>> {
  const dir = req.descending ? 'desc' : 'asc';
  const filtered = req.after ? query.where(afterCursor(order.sortColumn, order.idColumn, decodeCursor(req.after), req.descending)) : query;
  const rows = await filtered
    .orderBy(sql.ref(order.sortColumn), dir)
    .orderBy(sql.ref(order.idColumn), dir)
    .limit(req.size + 1)
    .execute();
  return toPage(rows as R[], req.size, (r) => [r[order.sortKey] as Key, r[order.idKey] as Key], (r) => r);
}
