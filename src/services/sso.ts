import * as oidc from 'openid-client';
import type { Deps } from '../deps';
import { HttpError, badRequest, forbidden, notFound } from '../http/errors';
import { publicOnlyFetch } from './ssoFetch';
import { assertDiscoveredEndpointsPublic, assertIssuerAllowed, assertIssuerResolvesPublic } from './ssoIssuerPolicy';
import type { SsoConfigRow } from '../store/repositories/sso';
import { ssoRepository } from '../store/repositories/sso';
import { joinTransaction, tenantRepository } from '../store/repositories/tenants';
import { normalizeEmail, userRepository } from '../store/repositories/users';
import { hashToken } from './crypto';
import { createSession } from './sessions';
import type { TenantAdmin } from './tenants';

export const REDACTED = '********';
const STATE_TTL_MS = 10 * 60 * 1000;
const START_PER_IP_PER_MINUTE = 30;
const secretContext = (orgId: number) => `sso:oidc_client_secret:${orgId}`;
const verifierContext = (orgId: number) => `sso:code_verifier:${orgId}`;

export interface SsoConfigInput {
  provider: 'saml' | 'oidc';
  enabled?: boolean;
  samlEntityId?: string;
  samlSsoUrl?: string;
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcScopes?: string;
  defaultRole?: 'admin' | 'member';
  allowedDomains?: string[];
  autoProvision?: boolean;
  enforceForAllUsers?: boolean;
}

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
  const row = await ssoRepository(deps.db).findConfig(admin.tenantId);
  return { config: row ? toView(row) : null };
}

export async function configureSso(deps: Deps, admin: TenantAdmin, input: SsoConfigInput) {
  const repo = ssoRepository(deps.db);
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

/** A post-sign-in target: a path on this server or this server's origin; never anywhere else. */
export function checkRedirectUri(deps: Deps, redirectUri: string): string {
  if (/^\/(?![/\\])/.test(redirectUri) && !/[\\\s]/.test(redirectUri)) return redirectUri;
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw badRequest('redirectUri must be a path on this server or an absolute URL with its origin', 'redirectUri');
  }
  if (url.origin !== new URL(deps.config.issuer).origin) {
    throw badRequest('redirectUri must be a path on this server or an absolute URL with its origin', 'redirectUri');
  }
  return url.toString();
}

const callbackUrl = (deps: Deps) => `${deps.config.issuer}/api/v1/sso/callback`;

/** Discovers the upstream issuer (openid-client v6), only where the issuer policy allows. */
async function upstreamConfiguration(deps: Deps, row: SsoConfigRow): Promise<oidc.Configuration> {
  if (row.provider !== 'oidc' || !row.enabled || !row.oidc_issuer || !row.oidc_client_id) {
    throw badRequest('OIDC SSO is not configured and enabled for this tenant', 'config');
  }
  const issuer = new URL(row.oidc_issuer);
  await assertIssuerResolvesPublic(deps.config, issuer);
  const secret = row.oidc_client_secret_sealed ? deps.secretBox.open(row.oidc_client_secret_sealed, secretContext(row.organization_id)) : undefined;
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(issuer, row.oidc_client_id, undefined, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), {
      // ID-token signatures are always checked against the issuer's JWKS: openid-client skips that by
      // default, trusting TLS, and a loopback http issuer has none.
      execute: [oidc.enableNonRepudiationChecks, ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [])],
      timeout: 10,
      ...(deps.config.ssoAllowPrivateIssuers ? {} : { [oidc.customFetch]: publicOnlyFetch }),
    });
  } catch (err) {
    deps.log.warn({ err, issuer: row.oidc_issuer }, 'SSO issuer discovery failed');
    throw new HttpError(502, 'upstream_error', 'SSO issuer discovery failed');
  }
  await assertDiscoveredEndpointsPublic(deps.config, config.serverMetadata());
  return config;
}

/** Builds the upstream authorization URL (code flow, PKCE S256, nonce) and stores the single-use state. */
export async function createAuthUrl(deps: Deps, tenantId: number, opts: { state?: string; redirectUri: string }) {
  const redirectUri = checkRedirectUri(deps, opts.redirectUri);
  const repo = ssoRepository(deps.db);
  const row = await repo.findConfig(tenantId);
  if (!row) throw badRequest('SSO is not configured for this tenant', 'config');
  const config = await upstreamConfiguration(deps, row);
  const state = opts.state ?? oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  const now = deps.clock();
  await repo.insertState({
    state_hash: hashToken(state),
    organization_id: tenantId,
    nonce,
    code_verifier_sealed: deps.secretBox.seal(verifier, verifierContext(tenantId)),
    redirect_uri: redirectUri,
    created_at: now,
    expires_at: now + STATE_TTL_MS,
  });
  const scopes = new Set(['openid', ...row.oidc_scopes.split(' ')]);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(deps),
    scope: [...scopes].join(' '),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url: url.toString(), state, redirectUri, expiresAt: new Date(now + STATE_TTL_MS).toISOString() };
}

/** Public start: the tenant by organization code, or by the email's domain among enabled OIDC configurations. */
export async function startSso(deps: Deps, q: { tenant?: string; email?: string; redirectUri?: string }, ip: string) {
  // Public and it writes a state row: bounded per IP.
  await deps.rateLimiter.consume({ bucket: `sso-start:ip:${ip}`, max: START_PER_IP_PER_MINUTE, windowSeconds: 60 });
  const repo = ssoRepository(deps.db);
  let tenantId: number | undefined;
  if (q.tenant) tenantId = await repo.organizationIdByCode(q.tenant);
  else if (q.email) {
    const domain = normalizeEmail(q.email).split('@').pop() ?? '';
    tenantId = (await repo.enabledOidcConfigs()).find((c) => (JSON.parse(c.allowed_domains) as string[]).includes(domain))?.organization_id;
  } else throw badRequest('tenant or email is required', 'tenant');
  const row = tenantId === undefined ? undefined : await repo.findConfig(tenantId);
  if (!row || row.provider !== 'oidc' || !row.enabled) throw notFound('no SSO configuration found');
  return createAuthUrl(deps, row.organization_id, { redirectUri: q.redirectUri ?? '/' });
}

interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
  iss?: string;
}

/** Completes the flow: exchanges the code, checks the ID token, applies the tenant's policy and signs the user in. */
export async function completeSso(deps: Deps, q: CallbackQuery, meta: { ip?: string; userAgent?: string }) {
  if (!q.state) throw badRequest('missing state', 'state', 'invalid_state');
  const repo = ssoRepository(deps.db);
  const now = deps.clock();
  const flow = await repo.takeState(hashToken(q.state), now);
  if (!flow) throw badRequest('unknown, used or expired SSO state', 'state', 'invalid_state');
  if (q.error) throw badRequest(`upstream refused the sign-in: ${q.error}`, 'error', 'upstream_error');
  const row = await repo.findConfig(flow.organization_id);
  if (!row) throw badRequest('SSO is not configured for this tenant', 'config');
  const config = await upstreamConfiguration(deps, row);
  const current = new URL(callbackUrl(deps));
  for (const [k, v] of Object.entries(q)) if (v !== undefined) current.searchParams.set(k, v);
  let claims: oidc.IDToken;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: deps.secretBox.open(flow.code_verifier_sealed, verifierContext(flow.organization_id)),
      expectedState: q.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims()!;
  } catch (err) {
    deps.log.warn({ err, issuer: row.oidc_issuer }, 'SSO code exchange failed');
    throw badRequest('the upstream sign-in could not be completed', 'code', 'upstream_error');
  }
  const userId = await resolveUser(deps, row, claims, now);
  const { token } = await createSession(deps, userId, 'browser', { ...meta, amr: ['ext'] });
  return { token, redirectUri: flow.redirect_uri };
}

const notProvisioned = () => forbidden('no account for this user in the tenant and auto-provisioning is off or not possible', 'sso_user_not_provisioned');

/** Finds (or, with autoProvision, creates) the tenant's user for the upstream subject; refusals are 403. */
async function resolveUser(deps: Deps, row: SsoConfigRow, claims: oidc.IDToken, now: number): Promise<number> {
  const issuer = row.oidc_issuer!;
  const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : undefined;
  if (!email || claims.email_verified !== true) throw forbidden('the upstream provider did not assert a verified email', 'sso_email_unverified');
  const allowed = JSON.parse(row.allowed_domains) as string[];
  if (allowed.length > 0 && !allowed.includes(email.split('@').pop()!)) {
    throw forbidden('this email domain is not allowed to sign in with SSO for this tenant', 'sso_domain_not_allowed');
  }
  const repo = ssoRepository(deps.db);
  const linked = await repo.findUpstreamIdentityUser(issuer, claims.sub);
  const byEmail = linked === undefined ? (await deps.repos.users.findByEmail(email))?.id : undefined;
  const existing = linked ?? byEmail;
  const isMember = existing !== undefined && (await deps.repos.tenants.membership(existing, row.organization_id)) !== undefined;
  // An account found only by email is linked only when it is already a member of this tenant: otherwise
  // any tenant admin could point SSO at an IdP they control and sign in as someone else's account.
  if (byEmail !== undefined && !isMember) throw notProvisioned();
  if (!isMember && !row.auto_provision) throw notProvisioned();
  return deps.db.transaction().execute(async (trx) => {
    const db = joinTransaction(trx);
    const name = typeof claims.name === 'string' ? claims.name.slice(0, 100) : null;
    const userId = existing ?? (await userRepository(db).create({ email, fullName: name, emailVerified: true }, null, now)).id;
    const user = await userRepository(db).findById(userId);
    if (user?.suspended) throw forbidden('this account is suspended', 'suspended');
    if (!isMember) await tenantRepository(db).addMember(userId, row.organization_id, row.default_role, now);
    await ssoRepository(db).addUpstreamIdentity(userId, issuer, claims.sub, now);
    return userId;
  });
}

/**
 * The one check every password sign-in path calls: a member of a tenant whose enabled OIDC SSO has
 * enforceForAllUsers must sign in through SSO. (SAML is excluded: its sign-in is not implemented, so
 * enforcing it would lock the tenant out.)
 */
export async function assertPasswordLoginAllowed(deps: Deps, userId: number): Promise<void> {
  if ((await ssoRepository(deps.db).enforcingConfigsFor(userId)).length > 0) {
    throw forbidden('Your organization requires single sign-on (SSO). Sign in with SSO at /api/v1/sso/start instead of a password.', 'sso_required');
  }
}
