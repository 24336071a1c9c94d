import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { DB } from '../schema';
import type { AppErrorsTable, AppFeedbackTable, AppInstallationsTable, AppNotificationsTable } from '../tables/telemetry';

export type NotificationRow = Selectable<AppNotificationsTable>;

/** An installation report: the table's columns less those the upsert maintains itself. */
export type InstallationUpsert = Omit<Selectable<AppInstallationsTable>, 'id' | 'first_seen_at' | 'last_seen_at' | 'reports'>;

export interface ActivityUpsert extends Omit<InstallationUpsert, 'channel'> {
  activity_date: string;
  identity_type: 'user' | 'anonymous';
}

/** Installations, daily activity, error reports and feedback sent by apps. */
export function telemetryRepository(db: Kysely<DB>) {
  return {
    /** Upserts the installation and counts the distinct installations, in one transaction. */
    async upsertInstallation(row: InstallationUpsert, now: number): Promise<{ id: number; total: number }> {
      return db.transaction().execute(async (trx) => {
        const { id } = await trx
          .insertInto('app_installations')
          .values({ ...row, first_seen_at: now, last_seen_at: now })
          .onConflict((oc) =>
            oc.column('installation_id').doUpdateSet((eb) => ({
              platform: eb.fn.coalesce(eb.ref('excluded.platform'), eb.ref('app_installations.platform')),
              app_version: eb.fn.coalesce(eb.ref('excluded.app_version'), eb.ref('app_installations.app_version')),
              channel: eb.fn.coalesce(eb.ref('excluded.channel'), eb.ref('app_installations.channel')),
              source: eb.fn.coalesce(eb.ref('excluded.source'), eb.ref('app_installations.source')),
              user_id: eb.fn.coalesce(eb.ref('excluded.user_id'), eb.ref('app_installations.user_id')),
              metadata: eb.ref('excluded.metadata'),
              last_seen_at: now,
              reports: eb('app_installations.reports', '+', 1),
            })),
          )
          .returning('id')
          .executeTakeFirstOrThrow();
        const { total } = await trx
          .selectFrom('app_installations')
          .select((eb) => eb.fn.countAll<number>().as('total'))
          .executeTakeFirstOrThrow();
        return { id, total: Number(total) };
      });
    },
    /** One row per installation and UTC day; returns the distinct installations active that day. */
    async recordActivity(row: ActivityUpsert, now: number): Promise<number> {
      return db.transaction().execute(async (trx) => {
        await trx
          .insertInto('app_activity')
          .values({ ...row, first_seen_at: now, last_seen_at: now })
          .onConflict((oc) =>
            oc.columns(['installation_id', 'activity_date']).doUpdateSet((eb) => ({
              platform: eb.fn.coalesce(eb.ref('excluded.platform'), eb.ref('app_activity.platform')),
              app_version: eb.fn.coalesce(eb.ref('excluded.app_version'), eb.ref('app_activity.app_version')),
              source: eb.fn.coalesce(eb.ref('excluded.source'), eb.ref('app_activity.source')),
              user_id: eb.fn.coalesce(eb.ref('excluded.user_id'), eb.ref('app_activity.user_id')),
              // Once a user was seen on this installation that day, the day counts as the user's.
              identity_type: eb
                .case()
                .when(eb(eb.fn.coalesce(eb.ref('excluded.user_id'), eb.ref('app_activity.user_id')), 'is not', null))
                .then('user' as const)
                .else('anonymous' as const)
                .end(),
              metadata: eb.ref('excluded.metadata'),
              last_seen_at: now,
              reports: eb('app_activity.reports', '+', 1),
            })),
          )
          .execute();
        const { total } = await trx
          .selectFrom('app_activity')
          .select((eb) => eb.fn.countAll<number>().as('total'))
          .where('activity_date', '=', row.activity_date)
          .executeTakeFirstOrThrow();
        return Number(total);
      });
    },
    async insertError(row: Insertable<AppErrorsTable>): Promise<number> {
      const { id } = await db.insertInto('app_errors').values(row).returning('id').executeTakeFirstOrThrow();
      return id;
    },
    async insertFeedback(row: Insertable<AppFeedbackTable>): Promise<number> {
      const { id } = await db.insertInto('app_feedback').values(row).returning('id').executeTakeFirstOrThrow();
      return id;
    },
  };
}
export type TelemetryRepository = ReturnType<typeof telemetryRepository>;

/** Notifications shown to apps, managed by server administrators. */
export function notificationRepository(db: Kysely<DB>) {
  return {
    async insert(row: Insertable<AppNotificationsTable>): Promise<NotificationRow> {
      return db.insertInto('app_notifications').values(row).returningAll().executeTakeFirstOrThrow();
    },
    /** Throws NoResultError (→ 404) for an unknown id. */
    async get(id: number): Promise<NotificationRow> {
      return db.selectFrom('app_notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    },
    async listAll(): Promise<NotificationRow[]> {
      return db.selectFrom('app_notifications').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    },
    /** Switched on and inside [starts_at, ends_at) at `now`. */
    async listActive(now: number): Promise<NotificationRow[]> {
      return db
        .selectFrom('app_notifications')
        .selectAll()
        .where('active', '=', 1)
        .where((eb) => eb.or([eb('starts_at', 'is', null), eb('starts_at', '<=', now)]))
        .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
    },
    async update(id: number, changes: Updateable<AppNotificationsTable>): Promise<NotificationRow> {
      return db.updateTable('app_notifications').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    },
    async delete(id: number): Promise<void> {
      await db.deleteFrom('app_notifications').where('id', '=', id).returning('id').executeTakeFirstOrThrow();
    },
  };
}
export type NotificationRepository = ReturnType<typeof notificationRepository>;

/** The server-administrator flag on users (migration 020). */
export function serverAdminRepository(db: Kysely<DB>) {
  return {
    async isAdmin(userId: number): Promise<boolean> {
      const row = await db.selectFrom('users').select(['is_admin', 'suspended']).where('id', '=', userId).executeTakeFirst();
      return row?.is_admin === 1 && row.suspended === 0;
    },
    async setAdmin(userId: number, isAdmin: boolean, now: number): Promise<void> {
      await db.updateTable('users').set({ is_admin: isAdmin ? 1 : 0, updated_at: now }).where('id', '=', userId).executeTakeFirstOrThrow();
    },
  };
}
