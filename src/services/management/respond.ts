import type { Page } from '../../store/page';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../store/page';

/** Seed 002's `success_response`: a code and a message. */
export const success = (code = 'OK', message = 'Success') => ({ code, message });

/** Seed 002's list responses: `{code, message, <key>: [...], next_token?}`. */
export function listBody<K extends string, T>(key: K, page: Page<T>): { code: string; message: string; next_token?: string } & Record<K, T[]> {
  return { code: 'OK', message: 'Success', [key]: page.items, ...(page.nextToken ? { next_token: page.nextToken } : {}) } as never;
}

/** The page size a list operation asked for, defaulted and capped (the spec bounds it too). */
export const pageSizeOf = (asked: number | undefined) => Math.min(Math.max(1, asked ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
