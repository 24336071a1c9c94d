import type { Deps } from './deps';
import { hashToken, randomString } from './services/crypto';
import { SCOPE_DESCRIPTIONS } from './services/oauth/consent';
import type { OAuthClient } from './services/oauth/types';

export const CLIENTS_HELP = `usage: keyhaven clients create --name NAME [--redirect-uri URI]... [--grant GRANT]... [--scope SCOPE]...
         [--confidential] [--first-party] [--token-format jwt|opaque] [--json] [--data DIR]

create registers an OAuth application and prints its client_id (and, for a confidential one, its
client_secret: shown only this once, stored hashed).
  --name NAME          the name shown on the consent page (at most 100 characters)
  --redirect-uri URI   repeatable; https, http only on loopback hosts, or a private-use scheme
                       (com.example.app:/callback) for public clients; authorization_code needs one
  --grant GRANT        repeatable: authorization_code (default), refresh_token, client_credentials,
                       urn:ietf:params:oauth:grant-type:device_code
  --scope SCOPE        repeatable; default openid profile email
  --confidential       a client with a secret (client_credentials needs it); default public
  --first-party        skip the consent page
  --token-format F     jwt (default) or opaque access tokens
  --json               print {client_id, client_secret?, name, type, redirect_uris, grant_types, scopes, first_party}`;

export const CLIENTS_OPTIONS = {
  data: { type: 'string' },
  name: { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  grant: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'token-format': { type: 'string' },
  confidential: { type: 'boolean' },
  'first-party': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const GRANTS = new Set(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export interface NewClient {
  name: string;
  redirectUris: string[];
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
  grant_types: string[];
  scopes: string[];
  first_party: boolean;
}

/** https anywhere, http only on loopback; a native app's private-use scheme (RFC 8252 §7.1: reverse domain) for public clients. */
function checkRedirectUri(uri: string, confidential: boolean): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`--redirect-uri ${uri} is not an absolute URL`);
  }
  if (uri.includes('#')) throw new Error(`--redirect-uri ${uri} must not contain a fragment`);
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  if (!confidential && /^[a-z][a-z0-9+-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return;
  throw new Error(`--redirect-uri ${uri} must use https (http only on loopback hosts)`);
}

export function validateNewClient(c: NewClient): void {
  if (!c.name.trim() || c.name.length > 100) throw new Error('--name is required (at most 100 characters)');
  const badGrant = c.grantTypes.find((g) => !GRANTS.has(g));
  if (badGrant) throw new Error(`unknown --grant ${badGrant}`);
  if (c.grantTypes.includes('client_credentials') && !c.confidential) throw new Error('client_credentials needs --confidential');
  if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) throw new Error('authorization_code needs at least one --redirect-uri');
  for (const uri of c.redirectUris) checkRedirectUri(uri, c.confidential);
  const badScope = c.scopes.find((s) => !(s in SCOPE_DESCRIPTIONS));
  if (badScope) throw new Error(`unknown --scope ${badScope}`);
}

/** Registers an application; a confidential one gets a 48-character alphanumeric secret, stored hashed. */
export async function createOAuthClient(deps: Deps, c: NewClient): Promise<CreatedClient> {
  validateNewClient(c);
  const clientId = randomString(32, '0123456789abcdef');
  const secret = c.confidential ? randomString(48) : undefined;
  await deps.repos.oauthClients.insert({
    clientId,
    name: c.name.trim(),
    type: c.confidential ? 'confidential' : 'public',
    redirectUris: [...new Set(c.redirectUris)],
    logoutUris: [],
    grantTypes: [...new Set(c.grantTypes)],
    defaultScopes: [...new Set(c.scopes)],
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
    redirect_uris: [...new Set(c.redirectUris)],
    grant_types: [...new Set(c.grantTypes)],
    scopes: [...new Set(c.scopes)],
    first_party: c.firstParty,
  };
}

type ClientValues = { [K in keyof typeof CLIENTS_OPTIONS]?: (typeof CLIENTS_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof CLIENTS_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };

/** `keyhaven clients create ...` with parsed options; `withDataDir` opens the (existing) data directory. */
export async function clientsCommand(parsed: Record<string, unknown>, withDataDir: <T>(fn: (deps: Deps) => Promise<T>) => Promise<T>): Promise<void> {
  const values = parsed as ClientValues;
  const tokenFormat = values['token-format'] ?? 'jwt';
  if (tokenFormat !== 'jwt' && tokenFormat !== 'opaque') throw new Error('--token-format must be jwt or opaque');
  const input: NewClient = {
    name: values.name ?? '',
    redirectUris: values['redirect-uri'] ?? [],
    grantTypes: values.grant ?? ['authorization_code'],
    confidential: values.confidential ?? false,
    firstParty: values['first-party'] ?? false,
    scopes: values.scope ?? ['openid', 'profile', 'email'],
    tokenFormat,
  };
  validateNewClient(input); // before the data directory is opened
  const created = await withDataDir((deps) => createOAuthClient(deps, input));
  if (values.json) return console.log(JSON.stringify(created));
  console.log(`created ${created.type} application ${created.name}\nclient_id:     ${created.client_id}`);
  if (created.client_secret) console.log(`client_secret: ${created.client_secret}  (shown once; stored hashed)`);
}
