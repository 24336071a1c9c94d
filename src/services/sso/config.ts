import type { SsoConfigInputWritable } from '../../../generated/client';
import type { Deps } from '../../deps';
import { forbidden } from '../../http/errors';
import type { SsoConfigRow } from '../../store/repositories/sso';
import type { TenantAdmin } from '../tenants';
import { assertIssuerAllowed } from './issuerPolicy';

/** A tenant's SSO configuration: stored, validated and shown with its secret redacted. */
export const REDACTED = '********';
export const secretContext = (orgId: number) => `sso:oidc_client_secret:${orgId}`;

/** The `configure` input, as the spec defines it (`SsoConfigInput`). */
export type SsoConfigInput = SsoConfigInputWritable;

/** The configuration as the API shows it: the client secret is never returned, only whether one is stored. */
export function toView(row: SsoConfigRow) {
  return {
    provider: row.provider,
    enabled: row.enabled === 1,
    samlEntityId: row.saml_entity_id,
    samlSsoUrl: row.saml_sso_url,
    oidcIssuer: row.oidc_issuer,
    oidcClientId: row.oidc_client_id,
    oidcClientSecret: row.oidc_client_secret_sealed ? REDACTED : null,
    oidcClientSecretSet: row.oidc_client_secret_sealed !== null,
    oidcScopes: row.oidc_scopes,
    defaultRole: row.default_role,
    allowedDomains: JSON.parse(row.allowed_domains) as string[],
    autoProvision: row.auto_provision === 1,
    enforceForAllUsers: row.enforce_for_all_users === 1,
    updatedAt: new Date(row.updated_at).toISOString(),
  } as const;
}

export async function getSsoConfig(deps: Deps, admin: TenantAdmin) {
  const row = await deps.repos.sso.findConfig(admin.tenantId);
  return { config: row ? toView(row) : null };
}

export async function configureSso(deps: Deps, admin: TenantAdmin, input: SsoConfigInput) {
  const repo = deps.repos.sso;
  if (input.oidcIssuer) assertIssuerAllowed(deps.config, new URL(input.oidcIssuer));
  const existing = await repo.findConfig(admin.tenantId);
  const now = deps.clock();
  const keepSecret = input.provider === 'oidc' && input.oidcClientSecret === undefined ? (existing?.oidc_client_secret_sealed ?? null) : null;
  const row = await repo.upsertConfig({
    organization_id: admin.tenantId,
    provider: input.provider,
    enabled: input.enabled ? 1 : 0,
    saml_entity_id: input.samlEntityId ?? null,
    saml_sso_url: input.samlSsoUrl ?? null,
    oidc_issuer: input.oidcIssuer?.replace(/\/+$/, '') ?? null,
    oidc_client_id: input.oidcClientId ?? null,
    oidc_client_secret_sealed:
      input.provider === 'oidc' && input.oidcClientSecret !== undefined ? deps.secretBox.seal(input.oidcClientSecret, secretContext(admin.tenantId)) : keepSecret,
    oidc_scopes: input.oidcScopes ?? 'openid email profile',
    default_role: input.defaultRole ?? 'member',
    allowed_domains: JSON.stringify([...new Set((input.allowedDomains ?? []).map((d) => d.toLowerCase()))]),
    auto_provision: input.autoProvision ? 1 : 0,
    enforce_for_all_users: input.enforceForAllUsers ? 1 : 0,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  });
  return { config: toView(row) };
}

/**
 * The one check every password sign-in path calls: a member of a tenant whose enabled OIDC SSO has
 * enforceForAllUsers must sign in through SSO. (SAML is excluded: its sign-in is not implemented, so
 * enforcing it would lock the tenant out.)
 */
export async function assertPasswordLoginAllowed(deps: Deps, userId: number): Promise<void> {
  if ((await deps.repos.sso.enforcingConfigsFor(userId)).length > 0) {
    throw forbidden('Your organization requires single sign-on (SSO). Sign in with SSO at /api/v1/sso/start instead of a password.', 'sso_required');
  }
}
