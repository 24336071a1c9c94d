import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema';

/**
 * A view of an open transaction in which `transaction().execute(fn)` joins it instead of
 * failing, so a repository that opens its own transaction (users.create) can take part in a
 * larger one. Methods are bound to the transaction (Kysely uses private fields).
 */
export function joinTransaction(trx: Transaction<DB>): Kysely<DB> {
  return new Proxy(trx, {
    get(target, prop) {
      if (prop === 'transaction') return () => ({ execute: <R>(fn: (t: Transaction<DB>) => Promise<R>) => fn(target) });
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Kysely<DB>;
}
