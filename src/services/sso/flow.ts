import * as oidc from 'openid-client';
import type { Deps } from '../../deps';
import { badRequest, forbidden, notFound } from '../../http/errors';
import type { SsoConfigRow } from '../../store/repositories/sso';
import { normalizeEmail } from '../../store/repositories/users';
import { hashToken } from '../crypto';
import { createSession } from '../sessions';
import { recordSignIn } from '../management/users';
import { callbackUrl, upstreamConfiguration } from './upstream';

/** The OIDC sign-in through a tenant's upstream provider: start (state, PKCE, nonce), then the callback. */
const STATE_TTL_MS = 10 * 60 * 1000;
const START_PER_IP_PER_MINUTE = 30;
const verifierContext = (orgId: number) => `sso:code_verifier:${orgId}`;

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

/** Builds the upstream authorization URL (code flow, PKCE S256, nonce) and stores the single-use state. */
export async function createAuthUrl(deps: Deps, tenantId: number, opts: { state?: string; redirectUri: string }) {
  const redirectUri = checkRedirectUri(deps, opts.redirectUri);
  const repo = deps.repos.sso;
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
  const repo = deps.repos.sso;
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
  const repo = deps.repos.sso;
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
  await recordSignIn(deps, userId, { type: 'upstream', provider: row.oidc_issuer!, value: claims.sub });
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
  const repo = deps.repos.sso;
  const linked = await repo.findUpstreamIdentityUser(issuer, claims.sub);
  const byEmail = linked === undefined ? (await deps.repos.users.findByEmail(email))?.id : undefined;
  const existing = linked ?? byEmail;
  const isMember = existing !== undefined && (await deps.repos.tenants.membership(existing, row.organization_id)) !== undefined;
  // An account found only by email is linked only when it is already a member of this tenant: otherwise
  // any tenant admin could point SSO at an IdP they control and sign in as someone else's account.
  if (byEmail !== undefined && !isMember) throw notProvisioned();
  if (!isMember && !row.auto_provision) throw notProvisioned();
  return deps.tx(async (repos) => {
    const name = typeof claims.name === 'string' ? claims.name.slice(0, 100) : null;
    const userId = existing ?? (await repos.users.create({ email, fullName: name, emailVerified: true }, null, now)).id;
    const user = await repos.users.findById(userId);
    if (user?.suspended) throw forbidden('this account is suspended', 'suspended');
    if (!isMember) await repos.tenants.addMember(userId, row.organization_id, row.default_role, now);
    await repos.sso.addUpstreamIdentity(userId, issuer, claims.sub, now);
    return userId;
  });
}

