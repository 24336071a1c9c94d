import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { MembershipsTable, OrganizationsTable } from '../tables/accounts';

export type Organization = Selectable<OrganizationsTable>;
export type Membership = Selectable<MembershipsTable>;
export type Role = MembershipsTable['role'];

/** Organizations (tenants) and the memberships that give users a role in them. */
export function tenantRepository(db: Kysely<DB>) {
  return {
    async create(input: { code: string; name: string; kind: Organization['kind'] }, now: number): Promise<Organization> {
      return db.insertInto('organizations').values({ ...input, created_at: now }).returningAll().executeTakeFirstOrThrow();
    },
    async findById(id: number): Promise<Organization | undefined> {
      return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async addMember(userId: number, organizationId: number, role: Role, now: number): Promise<void> {
      await db.insertInto('memberships').values({ user_id: userId, organization_id: organizationId, role, created_at: now }).execute();
    },
    async setRole(userId: number, organizationId: number, role: Role): Promise<void> {
      await db.updateTable('memberships').set({ role }).where('user_id', '=', userId).where('organization_id', '=', organizationId).execute();
    },
    async membership(userId: number, organizationId: number): Promise<Membership | undefined> {
      return db
        .selectFrom('memberships')
        .selectAll()
        .where('user_id', '=', userId)
        .where('organization_id', '=', organizationId)
        .executeTakeFirst();
    },
    /** The user's membership in the organization with that code, if any. */
    async membershipByCode(userId: number, code: string): Promise<Membership | undefined> {
      return db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
        .selectAll('memberships')
        .where('memberships.user_id', '=', userId)
        .where('organizations.code', '=', code)
        .executeTakeFirst();
    },
    /** The user's organizations, in the order they joined. */
    async organizationsOf(userId: number): Promise<Pick<Organization, 'id' | 'code' | 'name'>[]> {
      return db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
        .select(['organizations.id', 'organizations.code', 'organizations.name'])
        .where('memberships.user_id', '=', userId)
        .orderBy('memberships.created_at')
        .orderBy('memberships.organization_id')
        .execute();
    },
    /** The user's first membership: the personal tenant created at registration, when there is one. */
    async firstMembership(userId: number): Promise<Membership | undefined> {
      return db
        .selectFrom('memberships')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('organization_id')
        .limit(1)
        .executeTakeFirst();
    },
  };
}
export type TenantRepository = ReturnType<typeof tenantRepository>;
