import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { OutboxTable } from '../tables/accounts';

export type OutboxMail = Selectable<OutboxTable>;

/** Mail kept in the database when no SMTP server is configured (development). */
export function outboxRepository(db: Kysely<DB>) {
  return {
    async insert(mail: { recipient: string; subject: string; bodyText: string }, now: number): Promise<void> {
      await db
        .insertInto('outbox')
        .values({ recipient: mail.recipient, subject: mail.subject, body_text: mail.bodyText, created_at: now })
        .execute();
    },
    async listFor(recipient: string): Promise<OutboxMail[]> {
      return db.selectFrom('outbox').selectAll().where('recipient', '=', recipient).orderBy('id').execute();
    },
    /** Housekeeping: up to `limit` messages stored before `before`. */
    async deleteOlderThan(before: number, limit: number): Promise<number> {
      const r = await db
        .deleteFrom('outbox')
        .where('id', 'in', (eb) => eb.selectFrom('outbox').select('id').where('created_at', '<', before).limit(limit))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
export type OutboxRepository = ReturnType<typeof outboxRepository>;
