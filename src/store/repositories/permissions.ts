import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { PermissionsTable } from '../tables/management';
import { keysetPage, type Page, type PageRequest } from '../page';

export type PermissionRow = Selectable<PermissionsTable>;
export type PermissionSort = 'name' | 'id';

/** Permissions (seed 002). Keys are unique (a duplicate is a 409 through translateDbError). */
export function permissionRepository(db: Kysely<DB>) {
  return {
    async page(req: PageRequest & { sortBy: PermissionSort }): Promise<Page<PermissionRow>> {
      const column = `permissions.${req.sortBy}`;
      return keysetPage(db.selectFrom('permissions').selectAll(), { sortColumn: column, idColumn: 'permissions.id', sortKey: req.sortBy, idKey: 'id' }, req);
    },
    async findById(id: string): Promise<PermissionRow | undefined> {
      return db.selectFrom('permissions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async findByKeys(keys: string[]): Promise<PermissionRow[]> {
      if (keys.length === 0) return [];
      return db.selectFrom('permissions').selectAll().where('key', 'in', keys).execute();
    },
    async insert(row: PermissionRow): Promise<void> {
      await db.insertInto('permissions').values(row).execute();
    },
    /** False when no such permission. */
    async update(id: string, changes: Partial<Pick<PermissionRow, 'key' | 'name' | 'description'>>): Promise<boolean> {
      if (Object.keys(changes).length === 0) return (await this.findById(id)) !== undefined;
      const r = await db.updateTable('permissions').set(changes).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** False when no such permission. Role and member grants go with it (ON DELETE CASCADE). */
    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('permissions').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
  };
}
export type PermissionRepository = ReturnType<typeof permissionRepository>;
