import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKindeServerClient, GrantType } from '@kinde-oss/kinde-typescript-sdk';
import { decodeJwt } from 'jose';
import { memorySession } from '../helpers/kindeSession';
import { startServer, type TestServer } from '../helpers/server';
import { initManagementClient } from '../../src/services/oauth/clients';


let s: TestServer;
let creds: { client_id: string; client_secret: string; audience: string };
beforeAll(async () => {
  s = await startServer();
  const r = await initManagementClient(s.deps);
  creds = { client_id: r.client_id, client_secret: r.client_secret!, audience: r.audience };
});
afterAll(() => s.close());

describe('@kinde-oss/kinde-typescript-sdk client credentials against Keyhaven', () => {
  it('obtains and validates (JWKS, RS256, kid) an M2M token for the management audience', async () => {
    const kinde = createKindeServerClient(GrantType.CLIENT_CREDENTIALS, {
      authDomain: s.baseUrl,
      clientId: creds.client_id,
      clientSecret: creds.client_secret,
      logoutRedirectURL: `${s.baseUrl}/`,
      audience: creds.audience,
    });
    const session = memorySession();
    const token = await kinde.getToken(session);
    // getToken only stores a token that passed the SDK's own JWKS signature validation.
    expect(session.items.get('access_token')).toBe(token);
    expect(await kinde.isAuthenticated(session)).toBe(true);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: s.baseUrl, aud: [creds.audience], gty: 'client_credentials', azp: creds.client_id });
    // A second call reuses the unexpired token.
    expect(await kinde.getToken(session)).toBe(token);
  });

  it('reports a wrong secret as an error, not a token', async () => {
    const kinde = createKindeServerClient(GrantType.CLIENT_CREDENTIALS, {
      authDomain: s.baseUrl,
      clientId: creds.client_id,
      clientSecret: 'x'.repeat(48),
      logoutRedirectURL: `${s.baseUrl}/`,
      audience: creds.audience,
    });
    await expect(kinde.getToken(memorySession())).rejects.toThrow(/client authentication failed/);
  });
});
