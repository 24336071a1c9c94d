import type { Handlers } from '../../http/handler';
import {
  createFeatureFlag,
  deleteEnvironmentOverride,
  deleteEnvironmentOverrides,
  deleteFeatureFlag,
  deleteOrganizationOverride,
  deleteOrganizationOverrides,
  environmentFlagValues,
  organizationFlagValues,
  replaceFeatureFlag,
  setEnvironmentOverride,
  setOrganizationOverride,
  setUserOverride,
} from '../../services/management/featureFlags';
import { success } from '../../services/management/respond';

const ok = (code: string, message: string) => ({ status: 200 as const, body: success(code, message) });

/** Feature flags and their overrides in the environment, per organization and per user (seed 002). */
export const featureFlagHandlers = {
  createFeatureFlag: async ({ deps, body }) => ({
    status: 201,
    body: { ...success('FEATURE_FLAG_CREATED', 'Feature flag successfully created'), feature_flag: await createFeatureFlag(deps, body) },
  }),
  updateFeatureFlag: async ({ deps, path, query }) => {
    await replaceFeatureFlag(deps, path.feature_flag_key, query);
    return ok('FEATURE_FLAG_UPDATED', 'Feature flag successfully updated');
  },
  deleteFeatureFlag: async ({ deps, path }) => {
    await deleteFeatureFlag(deps, path.feature_flag_key);
    return ok('FEATURE_FLAG_DELETED', 'Feature flag successfully deleted');
  },

  getEnvironementFeatureFlags: async ({ deps, query }) => ({ status: 200, body: { ...success(), ...(await environmentFlagValues(deps, query)) } }),
  deleteEnvironementFeatureFlagOverrides: async ({ deps }) => {
    await deleteEnvironmentOverrides(deps);
    return ok('FEATURE_FLAG_OVERRIDES_DELETED', 'Feature flag overrides deleted successfully');
  },
  updateEnvironementFeatureFlagOverride: async ({ deps, path, body }) => {
    await setEnvironmentOverride(deps, path.feature_flag_key, body.value);
    return ok('FEATURE_FLAG_OVERRIDE_UPDATED', 'Feature flag override successfully updated');
  },
  deleteEnvironementFeatureFlagOverride: async ({ deps, path }) => {
    await deleteEnvironmentOverride(deps, path.feature_flag_key);
    return ok('FEATURE_FLAG_OVERRIDE_DELETED', 'Feature flag override successfully deleted');
  },

  getOrganizationFeatureFlags: async ({ deps, path, query }) => ({
    status: 200,
    body: { ...success(), ...(await organizationFlagValues(deps, path.org_code, query)) },
  }),
  deleteOrganizationFeatureFlagOverrides: async ({ deps, path }) => {
    await deleteOrganizationOverrides(deps, path.org_code);
    return ok('FEATURE_FLAG_OVERRIDES_DELETED', 'Feature flag overrides successfully deleted');
  },
  updateOrganizationFeatureFlagOverride: async ({ deps, path, query }) => {
    await setOrganizationOverride(deps, path.org_code, path.feature_flag_key, query.value);
    return ok('FEATURE_FLAG_OVERRIDE_UPDATED', 'Feature flag override successfully updated');
  },
  deleteOrganizationFeatureFlagOverride: async ({ deps, path }) => {
    await deleteOrganizationOverride(deps, path.org_code, path.feature_flag_key);
    return ok('FEATURE_FLAG_OVERRIDE_DELETED', 'Feature flag override successfully deleted');
  },

  updateUserFeatureFlagOverride: async ({ deps, path, query }) => {
    await setUserOverride(deps, path.user_id, path.feature_flag_key, query.value);
    return ok('FEATURE_FLAG_OVERRIDE_UPDATED', 'Feature flag override successfully updated');
  },
} satisfies Partial<Handlers>;
