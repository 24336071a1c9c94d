import type { Kysely } from 'kysely';
import type { DB } from '../schema';
import { keysetPage, type Page, type PageRequest } from '../page';
import type { PermissionRow } from './permissions';

export interface MemberRoleRow {
  id: string;
  key: string;
  name: string;
}

/** Which of the member's roles carry a permission. */
export interface PermissionSourceRow {
  permission_id: string;
  id: string;
  key: string;
}

/**
 * What an organization member holds (seed 002): roles (membership_roles) and permissions granted
 * directly (membership_permissions). Rows leave with the membership, the role or the permission
 * (ON DELETE CASCADE). Grants are idempotent: granting what is held changes nothing.
 */
export function memberAccessRepository(db: Kysely<DB>) {
  /** Ids of the member's effective permissions: direct grants and those of their roles. */
  const effectivePermissionIds = (organizationId: number, userId: number) =>
    db
      .selectFrom('membership_permissions')
      .select('membership_permissions.permission_id')
      .where('membership_permissions.organization_id', '=', organizationId)
      .where('membership_permissions.user_id', '=', userId)
      .union(
        db
          .selectFrom('membership_roles')
          .innerJoin('role_permissions', 'role_permissions.role_id', 'membership_roles.role_id')
          .select('role_permissions.permission_id')
          .where('membership_roles.organization_id', '=', organizationId)
          .where('membership_roles.user_id', '=', userId),
      );

  return {

    /** The member's roles, by key. */
    async rolesPage(organizationId: number, userId: number, req: PageRequest): Promise<Page<MemberRoleRow>> {
      const query = db
        .selectFrom('membership_roles')
        .innerJoin('roles', 'roles.id', 'membership_roles.role_id')
        .select(['roles.id', 'roles.key', 'roles.name'])
        .where('membership_roles.organization_id', '=', organizationId)
        .where('membership_roles.user_id', '=', userId);
      return keysetPage(query, { sortColumn: 'roles.key', idColumn: 'roles.id', sortKey: 'key', idKey: 'id' }, req);
    },
    /** Every role of the member, by key (for token claims). */
    async roles(organizationId: number, userId: number): Promise<MemberRoleRow[]> {
      return db
        .selectFrom('membership_roles')
        .innerJoin('roles', 'roles.id', 'membership_roles.role_id')
        .select(['roles.id', 'roles.key', 'roles.name'])
        .where('membership_roles.organization_id', '=', organizationId)
        .where('membership_roles.user_id', '=', userId)
        .orderBy('roles.key')
        .execute();
    },
    /** True when the member did not hold the role before. */
    async addRole(organizationId: number, userId: number, roleId: string, now: number): Promise<boolean> {
      const r = await db
        .insertInto('membership_roles')
        .values({ organization_id: organizationId, user_id: userId, role_id: roleId, created_at: now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    /** True when the member held the role. */
    async removeRole(organizationId: number, userId: number, roleId: string): Promise<boolean> {
      const r = await db
        .deleteFrom('membership_roles')
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .where('role_id', '=', roleId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },

    /** True when the member had no direct grant of the permission before. */
    async addPermission(organizationId: number, userId: number, permissionId: string, now: number): Promise<boolean> {
      const r = await db
        .insertInto('membership_permissions')
        .values({ organization_id: organizationId, user_id: userId, permission_id: permissionId, created_at: now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    /** True when the member had a direct grant of the permission. */
    async removePermission(organizationId: number, userId: number, permissionId: string): Promise<boolean> {
      const r = await db
        .deleteFrom('membership_permissions')
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .where('permission_id', '=', permissionId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },

    /** The member's effective permissions (direct and through roles, each once), by key. */
    async effectivePermissionsPage(organizationId: number, userId: number, req: PageRequest): Promise<Page<PermissionRow>> {
      const query = db.selectFrom('permissions').selectAll().where('permissions.id', 'in', effectivePermissionIds(organizationId, userId));
      return keysetPage(query, { sortColumn: 'permissions.key', idColumn: 'permissions.id', sortKey: 'key', idKey: 'id' }, req);
    },
    /** Keys of every effective permission of the member, sorted (for token claims). */
    async effectivePermissionKeys(organizationId: number, userId: number): Promise<string[]> {
      const rows = await db
        .selectFrom('permissions')
        .select('key')
        .where('permissions.id', 'in', effectivePermissionIds(organizationId, userId))
        .orderBy('key')
        .execute();
      return rows.map((r) => r.key);
    },
    /** For each of these permissions, the member's roles that carry it (by role key). */
    async permissionSources(organizationId: number, userId: number, permissionIds: string[]): Promise<PermissionSourceRow[]> {
      if (permissionIds.length === 0) return [];
      return db
        .selectFrom('membership_roles')
        .innerJoin('role_permissions', 'role_permissions.role_id', 'membership_roles.role_id')
        .innerJoin('roles', 'roles.id', 'membership_roles.role_id')
        .select(['role_permissions.permission_id', 'roles.id', 'roles.key'])
        .where('membership_roles.organization_id', '=', organizationId)
        .where('membership_roles.user_id', '=', userId)
        .where('role_permissions.permission_id', 'in', permissionIds)
        .orderBy('roles.key')
        .execute();
    },
  };
}
export type MemberAccessRepository = ReturnType<typeof memberAccessRepository>;
