import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { MaintenanceLeasesTable } from '../tables/maintenance';

export type MaintenanceLease = Selectable<MaintenanceLeasesTable>;

/**
 * Leases for housekeeping jobs, shared by every process on the database: a claim is one conditional
 * upsert, so exactly one of several concurrent claimants gets a free (or expired) lease.
 */
export function maintenanceLeaseRepository(db: Kysely<DB>) {
  return {
    /** Takes the lease until `expiresAt` when nobody holds it or its holder's lease ran out. */
    async claim(name: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
      const r = await db
        .insertInto('maintenance_leases')
        .values({ name, holder, expires_at: expiresAt })
        .onConflict((oc) => oc.column('name').doUpdateSet({ holder, expires_at: expiresAt }).where('maintenance_leases.expires_at', '<=', now))
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows) === 1;
    },
    /** Extends a lease this holder still has; false when it lapsed and another process took it. */
    async renew(name: string, holder: string, expiresAt: number): Promise<boolean> {
      const r = await db.updateTable('maintenance_leases').set({ expires_at: expiresAt }).where('name', '=', name).where('holder', '=', holder).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Hands the lease back (it expires at `now`), if this holder still has it. */
    async release(name: string, holder: string, now: number): Promise<void> {
      await db.updateTable('maintenance_leases').set({ expires_at: now }).where('name', '=', name).where('holder', '=', holder).execute();
    },
    async find(name: string): Promise<MaintenanceLease | undefined> {
      return db.selectFrom('maintenance_leases').selectAll().where('name', '=', name).executeTakeFirst();
    },
  };
}
export type MaintenanceLeaseRepository = ReturnType<typeof maintenanceLeaseRepository>;
