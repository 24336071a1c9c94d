import type { CreateFeatureFlagData, GetEnvironementFeatureFlagsData, UpdateFeatureFlagData } from '../../../generated/client';
import type { Deps } from '../../deps';
import { newId } from '../../store/ids';
import { MAX_PAGE_SIZE, type Page } from '../../store/page';
import type { Repositories } from '../../store/repositories';
import type { FeatureFlagRow, FlagWithOverrides } from '../../store/repositories/featureFlags';
import type { FeatureFlagType, OverrideLevel } from '../../store/tables/management';
import { errorCatalogue, managementError } from './errors';
import { allowsOverrideAt, levelsAllowed, resolvedValue } from './flagResolution';
import { organizationByCode, userByPublicId } from './lookups';

/** Error codes of feature flags and their overrides (unknown flag, organization, user: managementError). */
export const featureFlagError = errorCatalogue({
  FEATURE_FLAG_VALUE_INVALID: [400, 'The value is not one of the feature flag\'s type.'],
  FEATURE_FLAG_OVERRIDE_NOT_ALLOWED: [400, 'This feature flag cannot be overridden at this level.'],
  FEATURE_FLAG_KEY_UNKNOWN: [400, 'No feature flag has this key.'],
});

/** The longest `str` value (the spec's FeatureFlagValue says the same). */
export const MAX_STRING_VALUE = 1024;
const INT = /^(0|-?[1-9][0-9]{0,9})$/;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** True when `text` is a value of `type`: 'true'/'false', a 32-bit decimal without leading zeros, or text up to the bound. */
export function isValueOf(type: FeatureFlagType, text: string): boolean {
  switch (type) {
    case 'bool':
      return text === 'true' || text === 'false';
    case 'int':
      return INT.test(text) && Number(text) >= INT_MIN && Number(text) <= INT_MAX;
    default:
      return text.length <= MAX_STRING_VALUE;
  }
}

/** The value, or a 400 naming the field when it is not one of the flag's type. */
export function checkValue(type: FeatureFlagType, text: string, field: string): string {
  if (isValueOf(type, text)) return text;
  const rule = {
    bool: 'must be true or false for a bool flag',
    int: `must be a decimal integer from ${INT_MIN} to ${INT_MAX} (no leading zeros) for an int flag`,
    str: `must be at most ${MAX_STRING_VALUE} characters for a str flag`,
  }[type];
  throw featureFlagError('FEATURE_FLAG_VALUE_INVALID', `${field} ${rule}.`);
}

function checkOverride(flag: FeatureFlagRow, at: OverrideLevel, value: string, field: string): string {
  if (!allowsOverrideAt(flag.allow_override_level, at)) {
    const what = { env: 'the environment', org: 'an organization', usr: 'a user' }[at];
    throw featureFlagError('FEATURE_FLAG_OVERRIDE_NOT_ALLOWED', `Feature flag ${flag.key} cannot be overridden for ${what} (allow_override_level: ${flag.allow_override_level ?? 'none'}).`);
  }
  return checkValue(flag.type, value, field);
}

async function flagByKey(repos: Repositories, key: string): Promise<FeatureFlagRow> {
  const flag = await repos.featureFlags.findByKey(key);
  if (!flag) throw managementError('FEATURE_FLAG_NOT_FOUND');
  return flag;
}

async function organizationIdOf(repos: Repositories, code: string): Promise<number> {
  return (await organizationByCode(repos, code)).id;
}

// Flags ------------------------------------------------------------------------------------------

export async function createFeatureFlag(deps: Deps, input: CreateFeatureFlagData['body']): Promise<{ id: string; key: string }> {
  const now = deps.clock();
  const id = newId('flag');
  await deps.repos.featureFlags.insert({
    id,
    key: input.key,
    name: input.name,
    description: input.description ?? null,
    type: input.type,
    allow_override_level: input.allow_override_level ?? null,
    default_value: checkValue(input.type, input.default_value, 'default_value'),
    created_at: now,
    updated_at: now,
  });
  return { id, key: input.key };
}

/**
 * Replaces every field but the key. A new type removes all the flag's overrides (their values belong to
 * the old type); a narrower override level removes those at the levels it no longer reaches.
 */
export async function replaceFeatureFlag(deps: Deps, key: string, q: UpdateFeatureFlagData['query']): Promise<void> {
  const level = q.allow_override_level as OverrideLevel;
  const defaultValue = checkValue(q.type, q.default_value, 'default_value');
  await deps.tx(async (repos) => {
    const flag = await flagByKey(repos, key);
    const keep = q.type === flag.type ? levelsAllowed(level) : [];
    const dropped = levelsAllowed(flag.allow_override_level).filter((l) => !keep.includes(l));
    if (dropped.length) await repos.featureFlags.deleteOverridesAt(flag.id, dropped);
    await repos.featureFlags.replace(flag.id, {
      name: q.name,
      description: q.description,
      type: q.type,
      allow_override_level: level,
      default_value: defaultValue,
      updated_at: deps.clock(),
    });
  });
}

export async function deleteFeatureFlag(deps: Deps, key: string): Promise<void> {
  if (!(await deps.repos.featureFlags.deleteByKey(key))) throw managementError('FEATURE_FLAG_NOT_FOUND');
}

// Values per level -------------------------------------------------------------------------------

export type FlagValueMap = Record<string, { type: FeatureFlagType; value: string }>;
type PageQuery = NonNullable<GetEnvironementFeatureFlagsData['query']>;

/** The seed's clients send no page parameters, so a page holds as many flags as allowed by default. */
const flagPageSize = (asked: number | undefined) => Math.min(Math.max(1, asked ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE);

const valueMap = (page: Page<FlagWithOverrides>): { feature_flags: FlagValueMap; next_token?: string } => ({
  feature_flags: Object.fromEntries(page.items.map((f) => [f.key, { type: f.type, value: resolvedValue(f) }])),
  ...(page.nextToken ? { next_token: page.nextToken } : {}),
});

/** Every flag's value in the environment (its override where allowed, else the default), by key. */
export async function environmentFlagValues(deps: Deps, q: PageQuery) {
  return valueMap(await deps.repos.featureFlags.page({ size: flagPageSize(q.page_size), after: q.next_token }));
}

/** Every flag's value for the organization (its override, else the environment's, else the default). */
export async function organizationFlagValues(deps: Deps, orgCode: string, q: PageQuery) {
  const organizationId = await organizationIdOf(deps.repos, orgCode);
  return valueMap(await deps.repos.featureFlags.page({ size: flagPageSize(q.page_size), after: q.next_token }, organizationId));
}

// Environment overrides --------------------------------------------------------------------------

export async function setEnvironmentOverride(deps: Deps, key: string, value: string): Promise<void> {
  await deps.tx(async (repos) => {
    const flag = await flagByKey(repos, key);
    await repos.featureFlags.setEnvironmentOverride(flag.id, checkOverride(flag, 'env', value, 'value'), deps.clock());
  });
}

export async function deleteEnvironmentOverride(deps: Deps, key: string): Promise<void> {
  const flag = await flagByKey(deps.repos, key);
  await deps.repos.featureFlags.deleteEnvironmentOverride(flag.id);
}

export async function deleteEnvironmentOverrides(deps: Deps): Promise<void> {
  await deps.repos.featureFlags.deleteEnvironmentOverrides();
}

// Organization overrides -------------------------------------------------------------------------

export async function setOrganizationOverride(deps: Deps, orgCode: string, key: string, value: string): Promise<void> {
  await deps.tx(async (repos) => {
    const organizationId = await organizationIdOf(repos, orgCode);
    const flag = await flagByKey(repos, key);
    await repos.featureFlags.setOrganizationOverride(organizationId, flag.id, checkOverride(flag, 'org', value, 'value'), deps.clock());
  });
}

/**
 * Sets several overrides of one organization inside the caller's transaction (createOrganization's
 * `feature_flags` map): every key must name a flag that allows organization overrides, and every value
 * be one of its flag's type, or nothing is written (400 naming `feature_flags.<key>`).
 */
export async function setOrganizationOverrides(repos: Repositories, organizationId: number, values: Record<string, string>, now: number): Promise<void> {
  const keys = Object.keys(values);
  const flags = new Map((await repos.featureFlags.findByKeys(keys)).map((f) => [f.key, f]));
  const checked = keys.map((key) => {
    const flag = flags.get(key);
    if (!flag) throw featureFlagError('FEATURE_FLAG_KEY_UNKNOWN', `feature_flags.${key} names no feature flag.`);
    return [flag.id, checkOverride(flag, 'org', values[key], `feature_flags.${key}`)] as const;
  });
  for (const [flagId, value] of checked) await repos.featureFlags.setOrganizationOverride(organizationId, flagId, value, now);
}

export async function deleteOrganizationOverride(deps: Deps, orgCode: string, key: string): Promise<void> {
  const organizationId = await organizationIdOf(deps.repos, orgCode);
  const flag = await flagByKey(deps.repos, key);
  await deps.repos.featureFlags.deleteOrganizationOverride(organizationId, flag.id);
}

export async function deleteOrganizationOverrides(deps: Deps, orgCode: string): Promise<void> {
  await deps.repos.featureFlags.deleteOrganizationOverrides(await organizationIdOf(deps.repos, orgCode));
}

// User overrides ---------------------------------------------------------------------------------

export async function setUserOverride(deps: Deps, userPublicId: string, key: string, value: string): Promise<void> {
  await deps.tx(async (repos) => {
    const user = await userByPublicId(repos, userPublicId);
    const flag = await flagByKey(repos, key);
    await repos.featureFlags.setUserOverride(user.id, flag.id, checkOverride(flag, 'usr', value, 'value'), deps.clock());
  });
}
