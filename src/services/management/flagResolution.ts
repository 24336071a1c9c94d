import type { Deps } from '../../deps';
import type { FeatureFlagType, OverrideLevel } from '../../store/tables/management';

/**
 * How a feature flag's value resolves. The levels are nested: a flag's `allow_override_level` names the
 * narrowest level whose override counts, and every wider one counts too.
 *
 *   null → no override counts (the default everywhere)
 *   env  → environment
 *   org  → environment, organization
 *   usr  → environment, organization, user
 *
 * The value a user sees is the first set among user → organization → environment override that the flag
 * allows, else the flag's default.
 */
const LEVELS: Record<OverrideLevel, readonly OverrideLevel[]> = { env: ['env'], org: ['env', 'org'], usr: ['env', 'org', 'usr'] };

/** The override levels that count for a flag with this `allow_override_level`. */
export const levelsAllowed = (level: OverrideLevel | null): readonly OverrideLevel[] => (level ? LEVELS[level] : []);

export const allowsOverrideAt = (level: OverrideLevel | null, at: OverrideLevel): boolean => levelsAllowed(level).includes(at);

/** A flag's stored text and the overrides set for one environment, organization and user (null: none). */
export interface FlagValues {
  allow_override_level: OverrideLevel | null;
  default_value: string;
  env_value: string | null;
  org_value: string | null;
  usr_value: string | null;
}

/** The value (as stored text) that the flag resolves to for these overrides. */
export function resolvedValue(flag: FlagValues): string {
  const allowed = levelsAllowed(flag.allow_override_level);
  if (allowed.includes('usr') && flag.usr_value !== null) return flag.usr_value;
  if (allowed.includes('org') && flag.org_value !== null) return flag.org_value;
  if (allowed.includes('env') && flag.env_value !== null) return flag.env_value;
  return flag.default_value;
}

/** A flag as the access token's `feature_flags` claim carries it (what Kinde's SDKs read). */
export interface FlagClaim {
  t: 'b' | 'i' | 's';
  v: boolean | number | string;
}

/** Stored text → the claim's typed value (the text was checked against the type when written). */
export function flagClaim(type: FeatureFlagType, text: string): FlagClaim {
  switch (type) {
    case 'bool':
      return { t: 'b', v: text === 'true' };
    case 'int':
      return { t: 'i', v: Number.parseInt(text, 10) };
    default:
      return { t: 's', v: text };
  }
}

/**
 * Every flag's value for a user signed in to an organization (either may be null: an M2M token has no
 * user, a user may sign in without an organization), in the claim format `feature_flags: {key: {t, v}}`.
 * One query, however many flags exist.
 */
export async function resolveFeatureFlags(deps: Pick<Deps, 'repos'>, userId: number | null, organizationId: number | null): Promise<Record<string, FlagClaim>> {
  const flags = await deps.repos.featureFlags.allWithOverrides(userId, organizationId);
  return Object.fromEntries(flags.map((f) => [f.key, flagClaim(f.type, resolvedValue(f))]));
}
