import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../schema';
import type { FeatureFlagsTable, OverrideLevel } from '../tables/management';
import { keysetPage, type Page, type PageRequest } from '../page';

export type FeatureFlagRow = Selectable<FeatureFlagsTable>;

/** A flag with the override values that apply to one environment, organization and user (null: none set). */
export interface FlagWithOverrides extends FeatureFlagRow {
  env_value: string | null;
  org_value: string | null;
  usr_value: string | null;
}

/**
 * Feature flags (seed 002) and their overrides in the environment, per organization and per user. Keys are
 * unique (a duplicate is a 409 through translateDbError); overrides go with their flag, organization or user
 * (ON DELETE CASCADE). Values are text, typed by the flag's `type` (checked by the service).
 */
export function featureFlagRepository(db: Kysely<DB>) {
  /**
   * Every flag (or one page of them, by key) with the environment's override and those of one
   * organization and one user: one query, however many flags exist. The key is unique, so its index
   * orders the page.
   */
  const withOverrides = (organizationId: number | null, userId: number | null) =>
    db
      .selectFrom('feature_flags')
      .leftJoin('environment_feature_flags as env', 'env.flag_id', 'feature_flags.id')
      .leftJoin('organization_feature_flags as org', (j) =>
        j.onRef('org.flag_id', '=', 'feature_flags.id').on('org.organization_id', '=', organizationId),
      )
      .leftJoin('user_feature_flags as usr', (j) => j.onRef('usr.flag_id', '=', 'feature_flags.id').on('usr.user_id', '=', userId))
      .selectAll('feature_flags')
      .select(['env.value as env_value', 'org.value as org_value', 'usr.value as usr_value']);

  return {
    async findByKey(key: string): Promise<FeatureFlagRow | undefined> {
      return db.selectFrom('feature_flags').selectAll().where('key', '=', key).executeTakeFirst();
    },
    async findByKeys(keys: string[]): Promise<FeatureFlagRow[]> {
      if (keys.length === 0) return [];
      return db.selectFrom('feature_flags').selectAll().where('key', 'in', keys).execute();
    },
    async insert(row: FeatureFlagRow): Promise<void> {
      await db.insertInto('feature_flags').values(row).execute();
    },
    async replace(id: string, changes: Pick<FeatureFlagRow, 'name' | 'description' | 'type' | 'allow_override_level' | 'default_value' | 'updated_at'>): Promise<void> {
      await db.updateTable('feature_flags').set(changes).where('id', '=', id).execute();
    },
    /** False when no such flag. Its overrides go with it (ON DELETE CASCADE). */
    async deleteByKey(key: string): Promise<boolean> {
      const r = await db.deleteFrom('feature_flags').where('key', '=', key).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },

    /** One page of flags in key order, with the overrides of the environment and (optionally) one organization. */
    async page(req: PageRequest, organizationId: number | null = null): Promise<Page<FlagWithOverrides>> {
      return keysetPage(withOverrides(organizationId, null), { sortColumn: 'feature_flags.key', idColumn: 'feature_flags.id', sortKey: 'key', idKey: 'id' }, req);
    },
    /** Every flag with the overrides that apply to this user in this organization (either may be null). */
    async allWithOverrides(userId: number | null, organizationId: number | null): Promise<FlagWithOverrides[]> {
      return withOverrides(organizationId, userId).orderBy('feature_flags.key').execute();
    },

    async setEnvironmentOverride(flagId: string, value: string, now: number): Promise<void> {
      await db
        .insertInto('environment_feature_flags')
        .values({ flag_id: flagId, value, updated_at: now })
        .onConflict((oc) => oc.column('flag_id').doUpdateSet({ value, updated_at: now }))
        .execute();
    },
    async deleteEnvironmentOverride(flagId: string): Promise<void> {
      await db.deleteFrom('environment_feature_flags').where('flag_id', '=', flagId).execute();
    },
    async deleteEnvironmentOverrides(): Promise<void> {
      await db.deleteFrom('environment_feature_flags').execute();
    },

    async setOrganizationOverride(organizationId: number, flagId: string, value: string, now: number): Promise<void> {
      await db
        .insertInto('organization_feature_flags')
        .values({ organization_id: organizationId, flag_id: flagId, value, updated_at: now })
        .onConflict((oc) => oc.columns(['organization_id', 'flag_id']).doUpdateSet({ value, updated_at: now }))
        .execute();
    },
    async deleteOrganizationOverride(organizationId: number, flagId: string): Promise<void> {
      await db.deleteFrom('organization_feature_flags').where('organization_id', '=', organizationId).where('flag_id', '=', flagId).execute();
    },
    async deleteOrganizationOverrides(organizationId: number): Promise<void> {
      await db.deleteFrom('organization_feature_flags').where('organization_id', '=', organizationId).execute();
    },

    async setUserOverride(userId: number, flagId: string, value: string, now: number): Promise<void> {
      await db
        .insertInto('user_feature_flags')
        .values({ user_id: userId, flag_id: flagId, value, updated_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'flag_id']).doUpdateSet({ value, updated_at: now }))
        .execute();
    },

    /** Removes the flag's overrides at these levels (a type change, or a narrower override level). */
    async deleteOverridesAt(flagId: string, levels: readonly OverrideLevel[]): Promise<void> {
      if (levels.includes('env')) await db.deleteFrom('environment_feature_flags').where('flag_id', '=', flagId).execute();
      if (levels.includes('org')) await db.deleteFrom('organization_feature_flags').where('flag_id', '=', flagId).execute();
      if (levels.includes('usr')) await db.deleteFrom('user_feature_flags').where('flag_id', '=', flagId).execute();
    },

  };
}
export type FeatureFlagRepository = ReturnType<typeof featureFlagRepository>;
