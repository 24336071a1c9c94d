import type { Deps } from '../../deps';
import { hashToken, randomString } from '../crypto';
import { SCOPE_DESCRIPTIONS } from './consent';
import type { OAuthClient } from './types';

/**
 * The rules every registered application follows, whoever registers it (`keyhaven clients create`,
 * and the management API's applications): grants, scopes, redirect and logout URIs.
 */
export interface NewClient {
  name: string;
  redirectUris: string[];
  logoutUris: string[];
  grantTypes: string[];
  confidential: boolean;
  firstParty: boolean;
  scopes: string[];
  tokenFormat: 'jwt' | 'opaque';
}

export interface CreatedClient {
  client_id: string;
  /** Confidential clients only; shown once, stored hashed. */
  client_secret?: string;
  name: string;
  type: OAuthClient['type'];
  redirect_uris: string[];
  logout_uris: string[];
  grant_types: string[];
  scopes: string[];
  first_party: boolean;
}

/** How the caller names each field in its messages (command-line flags, or API fields). */
export interface FieldNames {
  name: string;
  redirectUri: string;
  logoutUri: string;
  grant: string;
  scope: string;
  confidential: string;
}

const GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https anywhere, http only on loopback; a native app's private-use scheme (RFC 8252 §7.1: reverse domain) for public clients. */
function checkUri(field: string, uri: string, confidential: boolean): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`${field} ${uri} is not an absolute URL`);
  }
  if (uri.includes('#')) throw new Error(`${field} ${uri} must not contain a fragment`);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  if (!confidential && /^[a-z][a-z0-9+-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return;
  throw new Error(`${field} ${uri} must use https (http only on loopback hosts)`);
}

export function validateNewClient(c: NewClient, names: FieldNames): void {
  if (!c.name.trim() || c.name.length > 100) throw new Error(`${names.name} is required (at most 100 characters)`);
  const badGrant = c.grantTypes.find((g) => !GRANTS.has(g));
  if (badGrant) throw new Error(`unknown ${names.grant} ${badGrant}`);
  if (c.grantTypes.includes('client_credentials') && !c.confidential) throw new Error(`client_credentials needs ${names.confidential}`);
  if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) throw new Error(`authorization_code needs at least one ${names.redirectUri}`);
  for (const uri of c.redirectUris) checkUri(names.redirectUri, uri, c.confidential);
  for (const uri of c.logoutUris) checkUri(names.logoutUri, uri, c.confidential);
  const badScope = c.scopes.find((s) => !(s in SCOPE_DESCRIPTIONS));
  if (badScope) throw new Error(`unknown ${names.scope} ${badScope}`);
}

/** Registers an application; a confidential one gets a 48-character alphanumeric secret, stored hashed. */
export async function createOAuthClient(deps: Deps, c: NewClient, names: FieldNames): Promise<CreatedClient> {
  validateNewClient(c, names);
  const clientId = randomString(32, '0123456789abcdef');
  const secret = c.confidential ? randomString(48) : undefined;
  const unique = (xs: string[]) => [...new Set(xs)];
  await deps.repos.oauthClients.insert({
    clientId,
    name: c.name.trim(),
    type: c.confidential ? 'confidential' : 'public',
    redirectUris: unique(c.redirectUris),
    logoutUris: unique(c.logoutUris),
    grantTypes: unique(c.grantTypes),
    defaultScopes: unique(c.scopes),
    tokenFormat: c.tokenFormat,
    firstParty: c.firstParty,
    audiences: [],
    secretHash: secret ? hashToken(secret) : null,
    createdAt: deps.clock(),
  });
  return {
    client_id: clientId,
    ...(secret ? { client_secret: secret } : {}),
    name: c.name.trim(),
    type: c.confidential ? 'confidential' : 'public',
    redirect_uris: unique(c.redirectUris),
    logout_uris: unique(c.logoutUris),
    grant_types: unique(c.grantTypes),
    scopes: unique(c.scopes),
    first_party: c.firstParty,
  };
}
