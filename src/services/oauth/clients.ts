import type { Deps } from '../../deps';
import type { Principal } from '../../http/principal';
import { OAuthError } from '../../http/errors';
import { hashToken, randomString, safeEqual } from '../crypto';
import type { Limit } from '../rateLimit';
import type { OAuthClient } from './types';
import type { StoredClient } from '../../store/repositories/oauthClients';
import { MANAGEMENT_SCOPES } from '../management/scopes';

/** The application with that client_id, or undefined. */
export async function findClient(deps: Deps, clientId: string): Promise<OAuthClient | undefined> {
  const stored = await deps.repos.oauthClients.find(clientId);
  if (!stored) return undefined;
  const { secretHash: _s, createdAt: _c, ...client } = stored;
  return client;
}

// RFC 8252 §7.3: a loopback redirect may use any port. IP literals only; "localhost" is matched exactly.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(\/[^#]*)?$/;

function loopbackParts(uri: string): { host: string; rest: string } | undefined {
  const m = LOOPBACK.exec(uri);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return undefined;
  return { host: m[1], rest: m[3] ?? '' };
}

/** Exact string match, except that a loopback URI matches a registered loopback URI on any port. */
export function redirectUriAllowed(client: Pick<OAuthClient, 'redirectUris'>, uri: string): boolean {
  if (uri.includes('#')) return false;
  if (client.redirectUris.includes(uri)) return true;
  const asked = loopbackParts(uri);
  if (!asked) return false;
  return client.redirectUris.some((registered) => {
    const r = loopbackParts(registered);
    return r !== undefined && r.host === asked.host && r.rest === asked.rest;
  });
}

/**
 * Post-logout redirects: exact match against the client's registered logout URIs, except that an origin
 * with no path equals the same origin with `/` (the same URL; the Kinde SDKs strip a trailing slash).
 */
export function logoutUriAllowed(client: Pick<OAuthClient, 'logoutUris'>, uri: string): boolean {
  return !uri.includes('#') && client.logoutUris.some((registered) => withRootPath(registered) === withRootPath(uri));
}

const withRootPath = (uri: string) => (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+$/i.test(uri) ? `${uri}/` : uri);

/** Seed 000's first-party native clients; created at start-up when missing. */
export const FIRST_PARTY_CLIENTS: OAuthClient[] = [
  {
    clientId: 'kendr-desktop',
    name: 'Kendr Desktop',
    type: 'public',
    redirectUris: ['kendr://oauth/callback', 'http://127.0.0.1/callback'],
    logoutUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    defaultScopes: ['profile', 'email', 'app'],
    tokenFormat: 'opaque',
    firstParty: true,
    audiences: [],
  },
  {
    clientId: 'kendr-cli',
    name: 'Kendr CLI',
    type: 'public',
    redirectUris: [],
    logoutUris: [],
    grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    defaultScopes: ['profile', 'email', 'app'],
    tokenFormat: 'opaque',
    firstParty: true,
    audiences: [],
  },
];

export async function seedFirstPartyClients(deps: Deps): Promise<void> {
  for (const c of FIRST_PARTY_CLIENTS) {
    await deps.repos.oauthClients.insertIfMissing({ ...c, secretHash: null, createdAt: deps.clock() });
  }
}

// ---- Client authentication (client_secret_basic, client_secret_post) ----

const DUMMY_HASH = hashToken('no-such-client');

/** Failed client authentications per address, and per client and address. */
export function clientAuthLimits(deps: Deps, clientId: string, ip: string): Limit[] {
  const windowSeconds = deps.config.loginWindowSeconds;
  return [
    { bucket: `oauth-client-ip:${ip}`, max: deps.config.loginAttemptsPerIp, windowSeconds },
    { bucket: `oauth-client:${clientId}:${ip}`, max: deps.config.loginAttemptsPerAccount, windowSeconds },
  ];
}

/** Constant-time secret check; unknown and public clients cost the same comparison. */
export async function verifyClientSecret(deps: Deps, clientId: string, secret: string): Promise<OAuthClient | undefined> {
  const stored = await deps.repos.oauthClients.find(clientId);
  const ok = safeEqual(hashToken(secret), stored?.secretHash ?? DUMMY_HASH);
  if (!ok || !stored || stored.type !== 'confidential') return undefined;
  const { secretHash: _s, createdAt: _c, ...client } = stored;
  return client;
}

/** Checks a secret under the rate limit; a failure counts against it. */
export async function checkClientSecret(deps: Deps, clientId: string, secret: string, ip: string): Promise<OAuthClient | undefined> {
  const limits = clientAuthLimits(deps, clientId, ip);
  try {
    await deps.rateLimiter.check(...limits);
  } catch {
    return undefined;
  }
  const client = await verifyClientSecret(deps, clientId, secret);
  if (!client) await deps.rateLimiter.consume(...limits).catch(() => undefined);
  return client;
}

const invalidClient = (message = 'client authentication failed') =>
  new OAuthError('invalid_client', message, 401, { 'WWW-Authenticate': 'Basic realm="keyhaven"' });

export interface ClientAuthInput {
  principal: Principal | null;
  /** Set when the request carried an Authorization: Basic header. */
  basicPresented: boolean;
  body: { client_id?: string; client_secret?: string };
  ip: string;
}

/**
 * The client a token, introspection or revocation request comes from. The clientSecretBasic
 * security handler has already checked a Basic header; body credentials (client_secret_post) are
 * checked here; a public client identifies itself with client_id alone.
 */
export async function authenticateClient(deps: Deps, input: ClientAuthInput): Promise<OAuthClient> {
  const { principal } = input;
  // Some clients send empty client_id / client_secret fields: they mean "absent".
  const body = { client_id: input.body.client_id || undefined, client_secret: input.body.client_secret || undefined };
  if (principal?.kind === 'oauth_client' && principal.clientId) {
    if (body.client_secret !== undefined) throw invalidClient('use one client authentication method only');
    if (body.client_id !== undefined && body.client_id !== principal.clientId) throw invalidClient('client_id does not match the authenticated client');
    const client = await findClient(deps, principal.clientId);
    if (client) return client;
    throw invalidClient();
  }
  // Once a limit is exhausted even the right secret fails, with the same answer (no oracle).
  if (input.basicPresented) throw invalidClient();
  if (!body.client_id) throw invalidClient('client authentication required');
  if (body.client_secret !== undefined) {
    const client = await checkClientSecret(deps, body.client_id, body.client_secret, input.ip);
    if (client) return client;
    throw invalidClient();
  }
  const client = await findClient(deps, body.client_id);
  if (!client || client.type !== 'public') {
    // A confidential client must authenticate; an unknown id is treated the same (no enumeration).
    await deps.rateLimiter.consume(...clientAuthLimits(deps, body.client_id, input.ip)).catch(() => undefined);
    throw invalidClient();
  }
  return client;
}

// ---- keyhaven init: the management API's machine-to-machine application ----

export const managementAudience = (deps: Pick<Deps, 'config'>) => `${deps.config.issuer}/api`;

export interface InitResult {
  client_id: string;
  /** Only when the client was created by this call; it is never shown again. */
  client_secret?: string;
  issuer: string;
  audience: string;
  created: boolean;
  /** The existing application was allowed this issuer's audience by this call. */
  audienceAdded: boolean;
  /** Every audience the application may request. */
  audiences: string[];
}

const MANAGEMENT_CLIENT_NAME = 'Management API (M2M)';
const isManagementClient = (c: StoredClient) => c.firstParty && c.name === MANAGEMENT_CLIENT_NAME;

/**
 * Start-up: the application `keyhaven init` created holds every management scope, including scopes
 * of operations added since it was created (other M2M applications hold only what they were granted).
 */
export async function syncManagementClientScopes(deps: Deps): Promise<void> {
  const client = await deps.repos.oauthClients.findM2M(isManagementClient);
  if (client && client.defaultScopes.join(' ') !== MANAGEMENT_SCOPES.join(' ')) {
    await deps.repos.oauthClients.setScopes(client.clientId, [...MANAGEMENT_SCOPES]);
  }
}

/**
 * Creates, once, a confidential client allowed client_credentials for `{issuer}/api`. Run again
 * under another issuer, it allows the application created before that issuer's audience too.
 */
export async function initManagementClient(deps: Deps): Promise<InitResult> {
  const audience = managementAudience(deps);
  const issuer = deps.config.issuer;
  const existing = await deps.repos.oauthClients.findM2MForAudience(audience);
  if (existing) return { client_id: existing.clientId, issuer, audience, created: false, audienceAdded: false, audiences: existing.audiences };
  const earlier = await deps.repos.oauthClients.findM2M(isManagementClient);
  if (earlier) {
    const audiences = await deps.repos.oauthClients.addAudience(earlier.clientId, audience);
    return { client_id: earlier.clientId, issuer, audience, created: false, audienceAdded: true, audiences };
  }
  const clientId = randomString(32, '0123456789abcdef');
  const secret = randomString(48);
  await deps.repos.oauthClients.insert({
    clientId,
    name: MANAGEMENT_CLIENT_NAME,
    type: 'confidential',
    redirectUris: [],
    logoutUris: [],
    grantTypes: ['client_credentials'],
    defaultScopes: [...MANAGEMENT_SCOPES],
    tokenFormat: 'jwt',
    firstParty: true,
    audiences: [audience],
    secretHash: hashToken(secret),
    createdAt: deps.clock(),
  });
  return { client_id: clientId, client_secret: secret, issuer, audience, created: true, audienceAdded: false, audiences: [audience] };
}
