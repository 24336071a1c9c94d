import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { DB } from '../schema';
import type { OrganizationsTable } from '../tables/accounts';
import type { FeatureFlagType, OverrideLevel } from '../tables/management';
import { decodeCursor, toPage, type Page, type PageRequest } from '../page';

export type OrganizationRow = Selectable<OrganizationsTable>;
export type OrganizationSort = 'name' | 'code' | 'created_at';
export type MemberSort = 'joined' | 'name' | 'email' | 'id';

/** An organization member as the management API lists them. */
export interface MemberRow {
  user_id: number;
  public_id: string;
  email: string | null;
  full_name: string | null;
  given_name: string | null;
  family_name: string | null;
  picture: string | null;
  suspended: number;
  joined_at: number;
}

export interface NewOrganization {
  code: string;
  name: string;
  kind: OrganizationRow['kind'];
  handle: string | null;
  external_id: string | null;
  is_default: number;
  is_allow_registrations: number;
  settings: string;
  created_at: number;
  updated_at: number;
}

export type OrganizationChanges = Partial<Pick<OrganizationRow, 'name' | 'handle' | 'external_id' | 'is_allow_registrations' | 'settings' | 'updated_at'>>;

/**
 * The sort expression of each member order; the user's id follows it, so the order is total. The name is
 * the one shown (`full_name`, else given and family name).
 */
const MEMBER_SORT: Record<MemberSort, RawBuilder<unknown>> = {
  joined: sql`m.created_at`,
  name: sql`COALESCE(u.full_name, TRIM(COALESCE(u.given_name, '') || ' ' || COALESCE(u.family_name, '')))`,
  email: sql`COALESCE(u.email, '')`,
  id: sql`u.public_id`,
};

/**
 * Organizations and their members as the management API (seed 002) sees them, over the tables of
 * seed 003's tenants (organizations, memberships) and migration 090's grants (membership_roles,
 * membership_permissions). A membership's roles and permissions leave with it (ON DELETE CASCADE);
 * an organization's memberships, flag overrides and property values leave with it.
 */
export function organizationRepository(db: Kysely<DB>) {
  return {
    /** One page of organizations ordered by (sort column, id); each order has its index (090: name, created; code is unique). */
    async page(req: PageRequest & { sortBy: OrganizationSort }): Promise<Page<OrganizationRow>> {
      const dir = req.descending ? 'desc' : 'asc';
      const column = sql.ref(`organizations.${req.sortBy}`);
      let query = db.selectFrom('organizations').selectAll();
      if (req.after) {
        const [k, id] = decodeCursor(req.after);
        query = query.where(sql<SqlBool>`(${column}, organizations.id) ${sql.raw(req.descending ? '<' : '>')} (${k}, ${id})`);
      }
      const rows = await query.orderBy(column, dir).orderBy('organizations.id', dir).limit(req.size + 1).execute();
      return toPage(rows, req.size, (r) => [r[req.sortBy], r.id], (r) => r);
    },
    async findByCode(code: string): Promise<OrganizationRow | undefined> {
      return db.selectFrom('organizations').selectAll().where('code', '=', code).executeTakeFirst();
    },
    async findByHandle(handle: string): Promise<OrganizationRow | undefined> {
      return db.selectFrom('organizations').selectAll().where('handle', '=', handle).executeTakeFirst();
    },
    async findDefault(): Promise<OrganizationRow | undefined> {
      return db.selectFrom('organizations').selectAll().where('is_default', '=', 1).executeTakeFirst();
    },
    /** A duplicate handle (or a second default organization) is a unique violation: 409 through translateDbError. */
    async insert(row: NewOrganization): Promise<OrganizationRow> {
      return db.insertInto('organizations').values(row).returningAll().executeTakeFirstOrThrow();
    },
    async update(id: number, changes: OrganizationChanges): Promise<void> {
      if (Object.keys(changes).length === 0) return;
      await db.updateTable('organizations').set(changes).where('id', '=', id).execute();
    },
    /** Memberships (and with them members' roles and permissions), flag overrides and property values go by cascade. */
    async delete(id: number): Promise<boolean> {
      const r = await db.deleteFrom('organizations').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },

    /** Feature flags by key, with what an organization override needs to know. */
    async flagsByKeys(keys: string[]): Promise<{ id: string; key: string; type: FeatureFlagType; allow_override_level: OverrideLevel | null; default_value: string }[]> {
      if (keys.length === 0) return [];
      return db.selectFrom('feature_flags').select(['id', 'key', 'type', 'allow_override_level', 'default_value']).where('key', 'in', keys).execute();
    },
    async setFlagOverride(organizationId: number, flagId: string, value: string, now: number): Promise<void> {
      await db
        .insertInto('organization_feature_flags')
        .values({ organization_id: organizationId, flag_id: flagId, value, updated_at: now })
        .onConflict((oc) => oc.columns(['organization_id', 'flag_id']).doUpdateSet({ value, updated_at: now }))
        .execute();
    },

    /** Users by public id (`kp_…`): public id → internal id. */
    async userIdsByPublicIds(publicIds: string[]): Promise<Map<string, number>> {
      if (publicIds.length === 0) return new Map();
      const rows = await db.selectFrom('users').select(['id', 'public_id']).where('public_id', 'in', publicIds).execute();
      return new Map(rows.map((r) => [r.public_id, r.id]));
    },
    /** Roles by key: key → id. */
    async roleIdsByKeys(keys: string[]): Promise<Map<string, string>> {
      if (keys.length === 0) return new Map();
      const rows = await db.selectFrom('roles').select(['id', 'key']).where('key', 'in', keys).execute();
      return new Map(rows.map((r) => [r.key, r.id]));
    },
    /** Permissions by key: key → id. */
    async permissionIdsByKeys(keys: string[]): Promise<Map<string, string>> {
      if (keys.length === 0) return new Map();
      const rows = await db.selectFrom('permissions').select(['id', 'key']).where('key', 'in', keys).execute();
      return new Map(rows.map((r) => [r.key, r.id]));
    },

    /** Which of these users are members of the organization. */
    async memberIds(organizationId: number, userIds: number[]): Promise<Set<number>> {
      if (userIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('memberships')
        .select('user_id')
        .where('organization_id', '=', organizationId)
        .where('user_id', 'in', userIds)
        .execute();
      return new Set(rows.map((r) => r.user_id));
    },
    /** True when the user was not a member before. */
    async addMember(organizationId: number, userId: number, role: 'admin' | 'member', now: number): Promise<boolean> {
      const r = await db
        .insertInto('memberships')
        .values({ organization_id: organizationId, user_id: userId, role, created_at: now })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    /** True when the user was a member; their roles and permissions there go with the membership. */
    async removeMember(organizationId: number, userId: number): Promise<boolean> {
      const r = await db.deleteFrom('memberships').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    /** Grants roles to a member; roles held already stay as they are. */
    async grantRoles(organizationId: number, userId: number, roleIds: string[], now: number): Promise<void> {
      if (roleIds.length === 0) return;
      await db
        .insertInto('membership_roles')
        .values(roleIds.map((role_id) => ({ organization_id: organizationId, user_id: userId, role_id, created_at: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    /** Grants permissions to a member directly; permissions held already stay as they are. */
    async grantPermissions(organizationId: number, userId: number, permissionIds: string[], now: number): Promise<void> {
      if (permissionIds.length === 0) return;
      await db
        .insertInto('membership_permissions')
        .values(permissionIds.map((permission_id) => ({ organization_id: organizationId, user_id: userId, permission_id, created_at: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    /** Makes these the member's roles: others are revoked, new ones granted. */
    async setRoles(organizationId: number, userId: number, roleIds: string[], now: number): Promise<void> {
      let revoke = db.deleteFrom('membership_roles').where('organization_id', '=', organizationId).where('user_id', '=', userId);
      if (roleIds.length > 0) revoke = revoke.where('role_id', 'not in', roleIds);
      await revoke.execute();
      await this.grantRoles(organizationId, userId, roleIds, now);
    },
    /** Makes these the member's direct permissions: others are revoked, new ones granted. */
    async setPermissions(organizationId: number, userId: number, permissionIds: string[], now: number): Promise<void> {
      let revoke = db.deleteFrom('membership_permissions').where('organization_id', '=', organizationId).where('user_id', '=', userId);
      if (permissionIds.length > 0) revoke = revoke.where('permission_id', 'not in', permissionIds);
      await revoke.execute();
      await this.grantPermissions(organizationId, userId, permissionIds, now);
    },

    /**
     * One page of the organization's members ordered by (sort value, user id). `roles` and `permissions`
     * keep members holding every key listed (a permission counts whether granted directly or by a role).
     * The joined order (the default) runs on memberships(organization_id, created_at, user_id) alone; the
     * name, email and id orders read the organization's memberships through that index and sort them (a
     * users index on those columns is not chosen by SQLite's planner: the organization filter is on memberships).
     */
    async members(
      organizationId: number,
      req: PageRequest & { sortBy: MemberSort; roles?: string[]; permissions?: string[] },
    ): Promise<Page<MemberRow>> {
      const key = MEMBER_SORT[req.sortBy];
      const dir = sql.raw(req.descending ? 'DESC' : 'ASC');
      const conditions: RawBuilder<unknown>[] = [sql`m.organization_id = ${organizationId}`];
      if (req.after) {
        const [k, id] = decodeCursor(req.after);
        conditions.push(sql`(${key}, m.user_id) ${sql.raw(req.descending ? '<' : '>')} (${k}, ${id})`);
      }
      const roles = [...new Set(req.roles ?? [])];
      if (roles.length > 0) {
        conditions.push(sql`u.id IN (
          SELECT mr.user_id FROM membership_roles mr JOIN roles r ON r.id = mr.role_id
          WHERE mr.organization_id = ${organizationId} AND r.key IN (${sql.join(roles)})
          GROUP BY mr.user_id HAVING COUNT(DISTINCT r.key) = ${roles.length})`);
      }
      const permissions = [...new Set(req.permissions ?? [])];
      if (permissions.length > 0) {
        conditions.push(sql`u.id IN (
          SELECT held.user_id FROM (
            SELECT mp.user_id, p.key FROM membership_permissions mp JOIN permissions p ON p.id = mp.permission_id
            WHERE mp.organization_id = ${organizationId} AND p.key IN (${sql.join(permissions)})
            UNION
            SELECT mr.user_id, p.key FROM membership_roles mr
              JOIN role_permissions rp ON rp.role_id = mr.role_id JOIN permissions p ON p.id = rp.permission_id
            WHERE mr.organization_id = ${organizationId} AND p.key IN (${sql.join(permissions)})
          ) held GROUP BY held.user_id HAVING COUNT(DISTINCT held.key) = ${permissions.length})`);
      }
      const { rows } = await sql<MemberRow & { sort_key: string | number }>`
        SELECT u.id AS user_id, u.public_id, u.email, u.full_name, u.given_name, u.family_name, u.picture, u.suspended,
               m.created_at AS joined_at, ${key} AS sort_key
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE ${sql.join(conditions, sql` AND `)}
        ORDER BY ${key} ${dir}, m.user_id ${dir}
        LIMIT ${req.size + 1}`.execute(db);
      return toPage(rows, req.size, (r) => [r.sort_key, r.user_id], ({ sort_key: _, ...member }) => member);
    },
    /** The keys of the roles each of these members holds in the organization, sorted. */
    async roleKeysOf(organizationId: number, userIds: number[]): Promise<Map<number, string[]>> {
      const byUser = new Map<number, string[]>(userIds.map((id) => [id, []]));
      if (userIds.length === 0) return byUser;
      const rows = await db
        .selectFrom('membership_roles')
        .innerJoin('roles', 'roles.id', 'membership_roles.role_id')
        .select(['membership_roles.user_id', 'roles.key'])
        .where('membership_roles.organization_id', '=', organizationId)
        .where('membership_roles.user_id', 'in', userIds)
        .orderBy('roles.key')
        .execute();
      for (const r of rows) byUser.get(r.user_id)?.push(r.key);
      return byUser;
    },
  };
}
export type OrganizationRepository = ReturnType<typeof organizationRepository>;
