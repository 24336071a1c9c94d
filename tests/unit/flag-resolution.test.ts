import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps';
import { flagClaim, levelsAllowed, resolveFeatureFlags, resolvedValue } from '../../src/services/management/flagResolution';
import { isValueOf, setOrganizationOverrides } from '../../src/services/management/featureFlags';
import { HttpError } from '../../src/http/errors';
import type { Store } from '../../src/store/db';
import { createRepositories } from '../../src/store/repositories';
import type { FeatureFlagType, OverrideLevel } from '../../src/store/tables/management';
import { openUnitDeps } from '../helpers/unitDeps';

let store: Store;
let deps: Deps;
let close: () => Promise<void>;
const now = Date.parse('2026-04-01T12:00:00.000Z');

beforeAll(() => {
  ({ store, deps, close } = openUnitDeps({}, () => now));
});
afterAll(() => close());

const values = (level: OverrideLevel | null, env: string | null, org: string | null, usr: string | null) => ({
  allow_override_level: level,
  default_value: 'default',
  env_value: env,
  org_value: org,
  usr_value: usr,
});

describe('the resolution rule', () => {
  it('nests the levels: null none, env the environment, org adds organizations, usr adds users', () => {
    expect(levelsAllowed(null)).toEqual([]);
    expect(levelsAllowed('env')).toEqual(['env']);
    expect(levelsAllowed('org')).toEqual(['env', 'org']);
    expect(levelsAllowed('usr')).toEqual(['env', 'org', 'usr']);
  });

  it('takes the user override, else the organization, else the environment, else the default, each where allowed', () => {
    expect(resolvedValue(values('usr', 'e', 'o', 'u'))).toBe('u');
    expect(resolvedValue(values('usr', 'e', 'o', null))).toBe('o');
    expect(resolvedValue(values('usr', 'e', null, null))).toBe('e');
    expect(resolvedValue(values('usr', null, null, null))).toBe('default');
    // Overrides at levels the flag does not reach are ignored (they are refused at write time anyway).
    expect(resolvedValue(values('org', 'e', 'o', 'u'))).toBe('o');
    expect(resolvedValue(values('org', null, null, 'u'))).toBe('default');
    expect(resolvedValue(values('env', 'e', 'o', 'u'))).toBe('e');
    expect(resolvedValue(values('env', null, 'o', 'u'))).toBe('default');
    expect(resolvedValue(values(null, 'e', 'o', 'u'))).toBe('default');
    // An empty string is a value, not "unset".
    expect(resolvedValue(values('usr', 'e', 'o', ''))).toBe('');
  });

  it('types the claim as the SDKs read it: {t: b|i|s, v}', () => {
    expect(flagClaim('bool', 'true')).toEqual({ t: 'b', v: true });
    expect(flagClaim('bool', 'false')).toEqual({ t: 'b', v: false });
    expect(flagClaim('int', '-2147483648')).toEqual({ t: 'i', v: -2147483648 });
    expect(flagClaim('int', '42')).toEqual({ t: 'i', v: 42 });
    expect(flagClaim('str', '007')).toEqual({ t: 's', v: '007' });
  });

  it('checks values against the type', () => {
    for (const v of ['true', 'false']) expect(isValueOf('bool', v)).toBe(true);
    for (const v of ['True', '1', '', ' true']) expect(isValueOf('bool', v)).toBe(false);
    for (const v of ['0', '7', '-7', '2147483647', '-2147483648']) expect(isValueOf('int', v)).toBe(true);
    for (const v of ['2147483648', '-2147483649', '07', '-0', '1.5', '1e3', '', '+1', ' 1', '99999999999']) expect(isValueOf('int', v)).toBe(false);
    expect(isValueOf('str', '')).toBe(true);
    expect(isValueOf('str', 'x'.repeat(1024))).toBe(true);
    expect(isValueOf('str', 'x'.repeat(1025))).toBe(false);
  });
});

describe('resolveFeatureFlags', () => {
  let seq = 0;
  const flag = async (type: FeatureFlagType, level: OverrideLevel | null, defaultValue: string) => {
    const key = `flag_${++seq}`;
    const id = `flag_id_${seq}`;
    await deps.repos.featureFlags.insert({ id, key, name: key, description: null, type, allow_override_level: level, default_value: defaultValue, created_at: now, updated_at: now });
    return { id, key };
  };

  it('resolves every flag for a user in an organization, typed, with other users and organizations unaffected', async () => {
    const orgA = await deps.repos.tenants.create({ code: 'org_a', name: 'A', kind: 'standard' }, now);
    const orgB = await deps.repos.tenants.create({ code: 'org_b', name: 'B', kind: 'standard' }, now);
    const ann = await deps.repos.users.create({ email: 'ann@example.com' }, null, now);
    const bob = await deps.repos.users.create({ email: 'bob@example.com' }, null, now);
    const ff = deps.repos.featureFlags;

    const beta = await flag('bool', 'usr', 'false');
    const seats = await flag('int', 'org', '5');
    const theme = await flag('str', 'env', 'light');
    const fixed = await flag('str', null, 'constant');
    await ff.setEnvironmentOverride(beta.id, 'false', now);
    await ff.setOrganizationOverride(orgA.id, beta.id, 'true', now);
    await ff.setUserOverride(bob.id, beta.id, 'false', now);
    await ff.setEnvironmentOverride(seats.id, '10', now);
    await ff.setOrganizationOverride(orgA.id, seats.id, '25', now);
    // Stored directly (the API refuses them): levels the flag does not reach are ignored.
    await ff.setUserOverride(ann.id, seats.id, '99', now);
    await ff.setEnvironmentOverride(theme.id, 'dark', now);
    await ff.setOrganizationOverride(orgA.id, theme.id, 'pink', now);
    await ff.setEnvironmentOverride(fixed.id, 'changed', now);

    expect(await resolveFeatureFlags(deps, ann.id, orgA.id)).toEqual({
      [beta.key]: { t: 'b', v: true },
      [seats.key]: { t: 'i', v: 25 },
      [theme.key]: { t: 's', v: 'dark' },
      [fixed.key]: { t: 's', v: 'constant' },
    });
    expect(await resolveFeatureFlags(deps, bob.id, orgA.id)).toMatchObject({ [beta.key]: { t: 'b', v: false }, [seats.key]: { t: 'i', v: 25 } });
    expect(await resolveFeatureFlags(deps, ann.id, orgB.id)).toMatchObject({ [beta.key]: { t: 'b', v: false }, [seats.key]: { t: 'i', v: 10 } });
    expect(await resolveFeatureFlags(deps, null, orgA.id)).toMatchObject({ [beta.key]: { t: 'b', v: true }, [seats.key]: { t: 'i', v: 25 } });
    expect(await resolveFeatureFlags(deps, bob.id, null)).toMatchObject({ [beta.key]: { t: 'b', v: false }, [seats.key]: { t: 'i', v: 10 } });
    expect(await resolveFeatureFlags(deps, null, null)).toEqual({
      [beta.key]: { t: 'b', v: false },
      [seats.key]: { t: 'i', v: 10 },
      [theme.key]: { t: 's', v: 'dark' },
      [fixed.key]: { t: 's', v: 'constant' },
    });
  });

  it('costs one query however many flags exist', async () => {
    let queries = 0;
    const counted = store.db.withPlugin({
      transformQuery: (args) => {
        queries++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const counting = { repos: createRepositories(counted) };
    const user = await deps.repos.users.create({ email: 'many@example.com' }, null, now);
    const org = await deps.repos.tenants.create({ code: 'org_many', name: 'Many', kind: 'standard' }, now);

    await resolveFeatureFlags(counting, user.id, org.id);
    const few = queries;
    for (let i = 0; i < 60; i++) {
      const f = await flag('int', 'usr', String(i));
      if (i % 2) await deps.repos.featureFlags.setUserOverride(user.id, f.id, String(-i), now);
      if (i % 3) await deps.repos.featureFlags.setOrganizationOverride(org.id, f.id, String(i * 100), now);
    }
    queries = 0;
    const resolved = await resolveFeatureFlags(counting, user.id, org.id);
    expect(queries).toBe(few);
    expect(queries).toBe(1);
    expect(Object.keys(resolved).length).toBeGreaterThanOrEqual(60);
    expect(resolved[`flag_${seq}`]).toEqual({ t: 'i', v: -59 });
    expect(resolved[`flag_${seq - 1}`]).toEqual({ t: 'i', v: 5800 });
    expect(resolved[`flag_${seq - 5}`]).toEqual({ t: 'i', v: 54 });
  });
});

describe('setOrganizationOverrides (createOrganization\'s feature_flags)', () => {
  const flag = async (key: string, type: FeatureFlagType, level: OverrideLevel | null, defaultValue: string) => {
    await deps.repos.featureFlags.insert({ id: `id_${key}`, key, name: key, description: null, type, allow_override_level: level, default_value: defaultValue, created_at: now, updated_at: now });
  };
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    return err as HttpError;
  };

  it('writes every override in the caller\'s transaction, or none when one is refused', async () => {
    await flag('bulk_bool', 'bool', 'org', 'false');
    await flag('bulk_int', 'int', 'usr', '1');
    await flag('bulk_env', 'str', 'env', 'x');
    const org = await deps.repos.tenants.create({ code: 'org_bulk', name: 'Bulk', kind: 'standard' }, now);

    for (const [values, code, text] of [
      [{ bulk_bool: 'true', bulk_int: 'many' }, 'FEATURE_FLAG_VALUE_INVALID', 'feature_flags.bulk_int'],
      [{ bulk_bool: 'true', bulk_env: 'y' }, 'FEATURE_FLAG_OVERRIDE_NOT_ALLOWED', 'bulk_env'],
      [{ bulk_bool: 'true', bulk_missing: 'y' }, 'FEATURE_FLAG_KEY_UNKNOWN', 'feature_flags.bulk_missing'],
    ] as const) {
      const err = await refusal(deps.tx((repos) => setOrganizationOverrides(repos, org.id, values, now)));
      expect(err).toMatchObject({ status: 400, code });
      expect(err.message).toContain(text);
      expect((await resolveFeatureFlags(deps, null, org.id)).bulk_bool).toEqual({ t: 'b', v: false });
    }
    await deps.tx((repos) => setOrganizationOverrides(repos, org.id, { bulk_bool: 'true', bulk_int: '7' }, now));
    expect(await resolveFeatureFlags(deps, null, org.id)).toMatchObject({ bulk_bool: { t: 'b', v: true }, bulk_int: { t: 'i', v: 7 }, bulk_env: { t: 's', v: 'x' } });
  });
});
