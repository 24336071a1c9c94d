import { randomBytes } from 'node:crypto';
import { createClient, type Client } from '../../generated/client/client';
import { initManagementClient, managementAudience } from '../../src/services/oauth/clients';
import { hashToken } from '../../src/services/crypto';
import { startServer, type TestServer } from './server';

/** A live server with the management API's M2M application, and a generated client authorised as it. */
export interface ManagementServer extends TestServer {
  /** The generated client sending the management application's token (every management scope). */
  api: Client;
  /** A client-credentials token of an M2M application granted exactly these scopes. */
  tokenWithScopes(scopes: string[]): Promise<string>;
  /** A generated client for such a token. */
  clientWithScopes(scopes: string[]): Promise<Client>;
}

async function clientCredentials(s: TestServer, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${s.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: managementAudience(s.deps), scope: '' }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`client credentials failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

const bearerClient = (s: TestServer, token: string) => createClient({ baseUrl: s.baseUrl, headers: { authorization: `Bearer ${token}` } });

export async function startManagementServer(env: Record<string, string> = {}, opts: { clock?: () => number } = {}): Promise<ManagementServer> {
  const s = await startServer(env, opts);
  const init = await initManagementClient(s.deps);
  const token = await clientCredentials(s, init.client_id, init.client_secret!);
  const tokenWithScopes = async (scopes: string[]) => {
    const clientId = `m2m-${randomBytes(6).toString('hex')}`;
    const secret = randomBytes(24).toString('hex');
    await s.deps.repos.oauthClients.insert({
      clientId, name: clientId, type: 'confidential', redirectUris: [], logoutUris: [], grantTypes: ['client_credentials'],
      defaultScopes: scopes, tokenFormat: 'jwt', firstParty: true, audiences: [managementAudience(s.deps)], secretHash: hashToken(secret), createdAt: Date.now(),
    });
    return clientCredentials(s, clientId, secret);
  };
  return {
    ...s,
    api: bearerClient(s, token),
    tokenWithScopes,
    clientWithScopes: async (scopes) => bearerClient(s, await tokenWithScopes(scopes)),
  };
}
