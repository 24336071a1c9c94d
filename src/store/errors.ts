import { NoResultError } from 'kysely';
import { HttpError, conflict, notFound } from '../http/errors';

/** Translates database errors in one place: missing row → 404, unique violation → 409. */
export function translateDbError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  if (err instanceof NoResultError) return notFound();
  const code = (err as { code?: string })?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    return conflict();
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') return notFound('referenced resource not found');
  return err;
}
