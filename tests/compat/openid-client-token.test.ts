import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { startServer, type TestServer } from '../helpers/server';
import { initManagementClient } from '../../src/services/oauth/clients';
import { issueTokens } from '../../src/services/oauth/tokens';
import type { OAuthClient } from '../../src/services/oauth/types';

let s: TestServer;
let m2m: { client_id: string; client_secret: string; audience: string };
let m2mConfig: oidc.Configuration;
let nativeConfig: oidc.Configuration;
let userSub: string;
const native: OAuthClient = {
  clientId: 'native-rp', name: 'Native RP', type: 'public', redirectUris: ['http://127.0.0.1/cb'], logoutUris: [],
  grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['profile', 'email'], tokenFormat: 'jwt', firstParty: true, audiences: [],
};

const discover = (clientId: string, auth: oidc.ClientAuth) =>
  oidc.discovery(new URL(s.baseUrl), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });

/** Tokens as the authorization-code grant would issue them (the code flow itself is tested with the hosted pages). */
async function signedInTokens() {
  const user = (await s.deps.repos.users.findByEmail('rp@example.com'))!;
  const scopes = ['openid', 'profile', 'email', 'offline_access'];
  return issueTokens(s.deps, { client: native, scopes, audience: [s.config.issuer], grant: { user, scopes, authTime: Date.now(), amr: ['pwd'], extra: {} } });
}

beforeAll(async () => {
  s = await startServer();
  const r = await initManagementClient(s.deps);
  m2m = { client_id: r.client_id, client_secret: r.client_secret!, audience: r.audience };
  await s.deps.repos.oauthClients.insert({ ...native, secretHash: null, createdAt: Date.now() });
  userSub = (await s.deps.repos.users.create({ email: 'rp@example.com', fullName: 'Rita Party', emailVerified: true }, null, Date.now())).public_id;
  m2mConfig = await discover(m2m.client_id, oidc.ClientSecretBasic(m2m.client_secret));
  nativeConfig = await discover(native.clientId, oidc.None());
});
afterAll(() => s.close());

describe('openid-client v6 against Keyhaven', () => {
  it('discovers the issuer', () => {
    const meta = m2mConfig.serverMetadata();
    expect(meta.issuer).toBe(s.baseUrl);
    expect(meta.token_endpoint).toBe(`${s.baseUrl}/oauth2/token`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('runs the client-credentials grant (client_secret_basic and client_secret_post)', async () => {
    const t = await oidc.clientCredentialsGrant(m2mConfig, { audience: m2m.audience });
    expect(t.token_type.toLowerCase()).toBe('bearer');
    expect(t.expiresIn()).toBeGreaterThan(3500);
    const post = await discover(m2m.client_id, oidc.ClientSecretPost(m2m.client_secret));
    expect((await oidc.clientCredentialsGrant(post, { scope: '' })).access_token).toBeTruthy();
  });

  it('introspects and revokes', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(m2mConfig, { audience: m2m.audience });
    const before = await oidc.tokenIntrospection(m2mConfig, access_token);
    expect(before).toMatchObject({ active: true, client_id: m2m.client_id, aud: [m2m.audience] });
    await oidc.tokenRevocation(m2mConfig, access_token);
    expect((await oidc.tokenIntrospection(m2mConfig, access_token)).active).toBe(false);
  });

  it('refreshes with rotation, validating the new ID token; a reused refresh token is refused', async () => {
    const first = await signedInTokens();
    const next = await oidc.refreshTokenGrant(nativeConfig, first.refresh_token!);
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(first.refresh_token);
    expect(next.claims()?.sub).toBe(userSub);
    await expect(oidc.refreshTokenGrant(nativeConfig, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Reuse revoked the family, including the rotated token.
    await expect(oidc.refreshTokenGrant(nativeConfig, next.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('fetches user info with the access token', async () => {
    const t = await signedInTokens();
    const info = await oidc.fetchUserInfo(nativeConfig, t.access_token, userSub);
    expect(info).toMatchObject({ sub: userSub, email: 'rp@example.com', email_verified: true, name: 'Rita Party' });
  });

  it('lets a public client revoke its refresh token', async () => {
    const t = await signedInTokens();
    await oidc.tokenRevocation(nativeConfig, t.refresh_token!);
    await expect(oidc.refreshTokenGrant(nativeConfig, t.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
