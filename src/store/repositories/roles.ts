import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { RolesTable } from '../tables/management';
import { keysetPage, type Page, type PageRequest } from '../page';
import type { PermissionRow } from './permissions';

export type RoleRow = Selectable<RolesTable>;
export type RoleSort = 'name' | 'id' | 'key';
export type RolePermissionSort = 'name' | 'id';

/**
 * Roles (seed 002) and the permissions they carry. Keys are unique (a duplicate is a 409 through
 * translateDbError); deleting a role takes its permission links and every member's hold of it
 * (ON DELETE CASCADE).
 */
export function roleRepository(db: Kysely<DB>) {
  return {
    async page(req: PageRequest & { sortBy: RoleSort }): Promise<Page<RoleRow>> {
      return keysetPage(db.selectFrom('roles').selectAll(), { sortColumn: `roles.${req.sortBy}`, idColumn: 'roles.id', sortKey: req.sortBy, idKey: 'id' }, req);
    },
    async findById(id: string): Promise<RoleRow | undefined> {
      return db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Ids of the roles given to new members of an organization that admits registrations. */
    async defaultRoleIds(): Promise<string[]> {
      return (await db.selectFrom('roles').select('id').where('is_default_role', '=', 1).execute()).map((r) => r.id);
    },
    async insert(row: RoleRow): Promise<void> {
      await db.insertInto('roles').values(row).execute();
    },
    /** False when no such role. */
    async update(id: string, changes: Partial<Pick<RoleRow, 'key' | 'name' | 'description' | 'is_default_role'>>): Promise<boolean> {
      if (Object.keys(changes).length === 0) return (await this.findById(id)) !== undefined;
      const r = await db.updateTable('roles').set(changes).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** False when no such role. */
    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom('roles').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },

    /** The role's permissions, by permission name or id (the id order walks the primary key). */
    async permissionsPage(roleId: string, req: PageRequest & { sortBy: RolePermissionSort }): Promise<Page<PermissionRow>> {
      const query = db
        .selectFrom('role_permissions')
        .innerJoin('permissions', 'permissions.id', 'role_permissions.permission_id')
        .selectAll('permissions')
        .where('role_permissions.role_id', '=', roleId);
      const sortColumn = req.sortBy === 'name' ? 'permissions.name' : 'role_permissions.permission_id';
      return keysetPage(query, { sortColumn, idColumn: 'role_permissions.permission_id', sortKey: req.sortBy, idKey: 'id' }, req);
    },
    /** True when the role did not carry the permission before. */
    async addPermission(roleId: string, permissionId: string): Promise<boolean> {
      const r = await db
        .insertInto('role_permissions')
        .values({ role_id: roleId, permission_id: permissionId })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    /** True when the role carried the permission. */
    async removePermission(roleId: string, permissionId: string): Promise<boolean> {
      const r = await db.deleteFrom('role_permissions').where('role_id', '=', roleId).where('permission_id', '=', permissionId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
  };
}
export type RoleRepository = ReturnType<typeof roleRepository>;
