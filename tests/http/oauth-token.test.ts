import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postOAuthToken } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';
import { initManagementClient } from '../../src/services/oauth/clients';
import { issueTokens, revokeTokensForGrantRef, revokeUserTokens, verifyIdTokenHint } from '../../src/services/oauth/tokens';
import { REFRESH_ABSOLUTE_SECONDS, REFRESH_IDLE_SECONDS } from '../../src/services/oauth/lifetimes';
import type { OAuthClient } from '../../src/services/oauth/types';
import { hashToken } from '../../src/services/crypto';
import { MANAGEMENT_SCOPES } from '../../src/services/management/scopes';

let now = Date.now();
let s: TestServer;
let m2m: { client_id: string; client_secret: string; audience: string };

const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

async function form(path: string, params: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) body.append(k, one);
  const res = await fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

const ccToken = (extra: Record<string, string | string[]> = {}) =>
  form('/oauth2/token', { grant_type: 'client_credentials', ...extra }, { authorization: basic(m2m.client_id, m2m.client_secret) });

async function makeUser(email: string) {
  return s.deps.repos.users.create({ email, fullName: 'Ada Lovelace', emailVerified: true }, null, now);
}

/** A public native client allowed refresh tokens, with the given token format. */
async function makeClient(id: string, tokenFormat: 'jwt' | 'opaque'): Promise<OAuthClient> {
  const client: OAuthClient = {
    clientId: id, name: id, type: 'public', redirectUris: ['http://127.0.0.1/cb'], logoutUris: [],
    grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['profile', 'email', 'app'], tokenFormat, firstParty: true, audiences: [],
  };
  await s.deps.repos.oauthClients.insert({ ...client, secretHash: null, createdAt: now });
  return client;
}

async function userTokens(client: OAuthClient, userId: number, scope = 'openid profile email app offline_access', grantRef?: string) {
  const user = (await s.deps.repos.users.findById(userId))!;
  return issueTokens(s.deps, {
    client, scopes: scope.split(' '), audience: [s.config.issuer], grantRef,
    grant: { user, scopes: scope.split(' '), authTime: now, amr: ['pwd'], extra: {}, nonce: 'n-1' },
  });
}

const userinfo = (token: string) => fetch(`${s.baseUrl}/oauth/userinfo`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  s = await startServer({}, { clock: () => now });
  const r = await initManagementClient(s.deps);
  m2m = { client_id: r.client_id, client_secret: r.client_secret!, audience: r.audience };
});
afterAll(() => s.close());

describe('client_credentials', () => {
  it('issues an RFC 9068 JWT for the management audience with client_secret_basic', async () => {
    const r = await ccToken({ audience: m2m.audience });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    // An empty `scope=` means every scope the application holds: `keyhaven init`'s holds every management scope.
    expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: MANAGEMENT_SCOPES.join(' ') });
    expect(r.json.refresh_token).toBeUndefined();
    const header = decodeProtectedHeader(r.json.access_token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    const jwks = await (await fetch(`${s.baseUrl}/.well-known/jwks.json`)).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
    const c = decodeJwt(r.json.access_token);
    expect(c).toMatchObject({
      iss: s.config.issuer, sub: m2m.client_id, aud: [`${s.config.issuer}/api`], client_id: m2m.client_id, azp: m2m.client_id,
      gty: 'client_credentials', scp: [...MANAGEMENT_SCOPES], scope: MANAGEMENT_SCOPES.join(' '), permissions: [],
    });
    expect(c.iss).not.toMatch(/\/$/);
    expect(c.exp! - c.iat!).toBe(3600);
    expect(typeof c.jti).toBe('string');
  });

  it('works through the generated client and /oauth/token too', async () => {
    const res = await postOAuthToken({
      client: s.client,
      body: { grant_type: 'client_credentials', client_id: m2m.client_id, client_secret: m2m.client_secret, scope: '' },
    });
    expect(res.response.status).toBe(200);
    expect(res.data?.access_token.split('.')).toHaveLength(3);
  });

  it('accepts client_secret_post, a repeated audience and an empty scope=', async () => {
    const r = await form('/oauth/token', {
      grant_type: 'client_credentials', client_id: m2m.client_id, client_secret: m2m.client_secret, audience: [m2m.audience, m2m.audience], scope: '',
    });
    expect(r.status).toBe(200);
    expect(decodeJwt(r.json.access_token).aud).toEqual([m2m.audience]);
  });

  it('refuses an audience the client is not registered for, and unknown scopes', async () => {
    const a = await ccToken({ audience: 'https://evil.example/api' });
    expect(a.status).toBe(400);
    expect(a.json.error).toBe('invalid_target');
    const b = await ccToken({ scope: 'admin:everything' });
    expect(b.status).toBe(400);
    expect(b.json.error).toBe('invalid_scope');
  });

  it('answers a wrong secret, an unknown client and a missing authentication with 401 invalid_client', async () => {
    for (const r of [
      await form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(m2m.client_id, 'wrong') }),
      await form('/oauth2/token', { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }),
      await form('/oauth2/token', { grant_type: 'client_credentials', client_id: m2m.client_id }),
      await form('/oauth2/token', { grant_type: 'client_credentials' }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.json.error).toBe('invalid_client');
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic/);
    }
  });

  it('refuses two authentication methods at once, or a body client_id naming another client', async () => {
    const both = await form('/oauth/token', { grant_type: 'client_credentials', client_secret: m2m.client_secret }, { authorization: basic(m2m.client_id, m2m.client_secret) });
    expect(both.status).toBe(401);
    const other = await form('/oauth/token', { grant_type: 'client_credentials', client_id: 'kendr-cli' }, { authorization: basic(m2m.client_id, m2m.client_secret) });
    expect(other.status).toBe(401);
    // Empty fields mean absent (some clients send them).
    const empty = await form('/oauth/token', { grant_type: 'client_credentials', client_id: '', client_secret: '' }, { authorization: basic(m2m.client_id, m2m.client_secret) });
    expect(empty.status).toBe(200);
  });

  it('refuses client_credentials for a public client (unauthorized_client)', async () => {
    const r = await form('/oauth/token', { grant_type: 'client_credentials', client_id: 'kendr-cli' });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('unauthorized_client');
  });

  it('rejects grant_type=password and unknown grants with unsupported_grant_type', async () => {
    for (const grant_type of ['password', 'implicit', 'urn:example:nope']) {
      const r = await form('/oauth/token', { grant_type, client_id: 'kendr-desktop', username: 'a@b.c', password: 'x' });
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ error: 'unsupported_grant_type' });
    }
  });

  it('rejects a body that is not form-encoded', async () => {
    const res = await fetch(`${s.baseUrl}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toBeTruthy();
  });

  it('never stores the M2M secret in clear', async () => {
    const row = await s.deps.db.selectFrom('oauth_clients').selectAll().where('client_id', '=', m2m.client_id).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(hashToken(m2m.client_secret));
    expect(JSON.stringify(row)).not.toContain(m2m.client_secret);
    expect(m2m.client_secret).toMatch(/^[A-Za-z0-9]{40,60}$/);
    s.deps.store.sqlite.pragma('wal_checkpoint(FULL)');
    const file = readFileSync(join(s.config.dataDir, 'keyhaven.db')).toString('latin1');
    expect(file).not.toContain(m2m.client_secret);
  });

  it('init a second time returns the existing client without a secret', async () => {
    const again = await initManagementClient(s.deps);
    expect(again).toMatchObject({ client_id: m2m.client_id, created: false });
    expect(again.client_secret).toBeUndefined();
  });
});

describe('refresh tokens', () => {
  let client: OAuthClient;
  let userId: number;
  beforeAll(async () => {
    client = await makeClient('native-opaque', 'opaque');
    userId = (await makeUser('ada@example.com')).id;
  });

  it('seeded native clients get opaque kndr_oat_ tokens, stored hashed', async () => {
    const t = await userTokens(client, userId);
    expect(t.access_token).toMatch(/^kndr_oat_[A-Za-z0-9_-]{43}$/);
    expect(t.refresh_token).toMatch(/^kndr_ort_/);
    const rows = await s.deps.db.selectFrom('oauth_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(t.access_token);
    expect(JSON.stringify(rows)).not.toContain(t.refresh_token);
    expect((await userinfo(t.access_token)).status).toBe(200);
  });

  it('only issues a refresh token for offline_access or its alias offline', async () => {
    expect((await userTokens(client, userId, 'profile app')).refresh_token).toBeUndefined();
    expect((await userTokens(client, userId, 'profile offline')).refresh_token).toBeDefined();
  });

  it('rotates on every use; reusing a spent token revokes the whole family', async () => {
    const first = await userTokens(client, userId);
    const r1 = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: first.refresh_token! });
    expect(r1.status).toBe(200);
    expect(r1.headers.get('cache-control')).toBe('no-store');
    expect(r1.json.refresh_token).toBeDefined();
    expect(r1.json.refresh_token).not.toBe(first.refresh_token);
    const idToken = decodeJwt(r1.json.id_token);
    expect(idToken.nonce).toBeUndefined();
    expect(idToken.auth_time).toBe(Math.floor(now / 1000));
    expect((await userinfo(r1.json.access_token)).status).toBe(200);

    const reuse = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: first.refresh_token! });
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    // The family is gone: the rotated refresh token and the access tokens issued from the family.
    const r2 = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: r1.json.refresh_token });
    expect(r2.json.error).toBe('invalid_grant');
    expect((await userinfo(r1.json.access_token)).status).toBe(401);
    expect((await userinfo(first.access_token)).status).toBe(401);
  });

  it('takes an ID token we signed as id_token_hint, even expired, but never an access token or a forged one', async () => {
    const jwtClient = await makeClient('native-jwt-hint', 'jwt');
    const t = await userTokens(jwtClient, userId, 'openid profile');
    const hint = await verifyIdTokenHint(s.deps, t.id_token!);
    expect(hint).toMatchObject({ sub: decodeJwt(t.id_token!).sub, aud: [jwtClient.clientId] });
    expect(await verifyIdTokenHint(s.deps, t.access_token)).toBeUndefined();
    const [h, p] = t.id_token!.split('.');
    expect(await verifyIdTokenHint(s.deps, `${h}.${p}.${'A'.repeat(342)}`)).toBeUndefined();
    now += 30 * 24 * 3600 * 1000;
    try {
      expect(await verifyIdTokenHint(s.deps, t.id_token!)).toMatchObject({ aud: [jwtClient.clientId] });
    } finally {
      now -= 30 * 24 * 3600 * 1000;
    }
  });

  it('is bound to its client', async () => {
    const other = await makeClient('native-other', 'opaque');
    const t = await userTokens(client, userId);
    const r = await form('/oauth/token', { grant_type: 'refresh_token', client_id: other.clientId, refresh_token: t.refresh_token! });
    expect(r.json.error).toBe('invalid_grant');
  });

  it('may narrow but never widen the scopes', async () => {
    const t = await userTokens(client, userId, 'profile offline_access');
    const wide = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: t.refresh_token!, scope: 'profile app offline_access' });
    expect(wide.json.error).toBe('invalid_scope');
  });

  it('expires after the idle lifetime and after the absolute lifetime', async () => {
    const start = now;
    try {
      const idle = await userTokens(client, userId);
      now = start + REFRESH_IDLE_SECONDS * 1000 + 1;
      const r = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: idle.refresh_token! });
      expect(r.json.error).toBe('invalid_grant');

      now = start;
      let t = await userTokens(client, userId);
      // Using it every 10 days keeps it alive until the absolute lifetime ends.
      for (let day = 10; day * 86400 < REFRESH_ABSOLUTE_SECONDS; day += 10) {
        now = start + day * 86400 * 1000;
        const next = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: t.refresh_token! });
        expect(next.status).toBe(200);
        t = next.json;
      }
      now = start + REFRESH_ABSOLUTE_SECONDS * 1000 + 1;
      const late = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: t.refresh_token! });
      expect(late.json.error).toBe('invalid_grant');
    } finally {
      now = start;
    }
  });

  it('revokeUserTokens (logout, password change) revokes access and refresh tokens', async () => {
    const u = await makeUser('grace@example.com');
    const t = await userTokens(client, u.id);
    expect((await userinfo(t.access_token)).status).toBe(200);
    expect(await revokeUserTokens(s.deps, u.id)).toBeGreaterThanOrEqual(2);
    expect((await userinfo(t.access_token)).status).toBe(401);
    const r = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: t.refresh_token! });
    expect(r.json.error).toBe('invalid_grant');
  });

  it('revokeTokensForGrantRef (code reuse) revokes every token issued from that code, refreshed ones included', async () => {
    const t = await userTokens(client, userId, 'profile app offline_access', 'code:abc');
    const r1 = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: t.refresh_token! });
    expect(r1.status).toBe(200);
    await revokeTokensForGrantRef(s.deps, 'code:abc');
    expect((await userinfo(t.access_token)).status).toBe(401);
    expect((await userinfo(r1.json.access_token)).status).toBe(401);
    const r2 = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: r1.json.refresh_token });
    expect(r2.json.error).toBe('invalid_grant');
  });

  it('stops working for a suspended user', async () => {
    const u = await makeUser('sus@example.com');
    const t = await userTokens(client, u.id);
    await s.deps.db.updateTable('users').set({ suspended: 1 }).where('id', '=', u.id).execute();
    const r = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: t.refresh_token! });
    expect(r.json.error).toBe('invalid_grant');
    // Its access token is refused by every bearer-protected operation, not only user info.
    expect((await userinfo(t.access_token)).status).toBe(401);
    const keys = await fetch(`${s.baseUrl}/api/v1/api-keys`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(keys.status).toBe(401);
  });
});

describe('introspection and revocation', () => {
  let client: OAuthClient;
  let userId: number;
  beforeAll(async () => {
    client = await makeClient('native-jwt', 'jwt');
    userId = (await makeUser('intro@example.com')).id;
  });
  const auth = () => ({ authorization: basic(m2m.client_id, m2m.client_secret) });

  it('introspects the caller’s own tokens (RFC 7662 + seed 002 shape)', async () => {
    const t = (await ccToken()).json.access_token;
    const r = await form('/oauth2/introspect', { token: t }, auth());
    expect(r.status).toBe(200);
    const c = decodeJwt(t);
    expect(r.json).toMatchObject({ active: true, aud: [m2m.audience], client_id: m2m.client_id, exp: c.exp, iat: c.iat, scope: MANAGEMENT_SCOPES.join(' '), token_type: 'access_token', sub: m2m.client_id });
  });

  it('shows another client’s token as inactive, and unknown tokens as inactive', async () => {
    const t = await userTokens(client, userId);
    expect((await form('/oauth2/introspect', { token: t.access_token }, auth())).json).toEqual({ active: false });
    expect((await form('/oauth2/introspect', { token: 'kndr_oat_nope' }, auth())).json).toEqual({ active: false });
    expect((await form('/oauth2/introspect', { token: 'not.a.jwt' }, auth())).json).toEqual({ active: false });
  });

  it('requires confidential client authentication', async () => {
    const t = (await ccToken()).json.access_token;
    expect((await form('/oauth2/introspect', { token: t })).status).toBe(401);
    expect((await form('/oauth2/introspect', { token: t, client_id: 'kendr-cli' })).status).toBe(401);
    expect((await form('/oauth2/introspect', { token: t }, { authorization: basic(m2m.client_id, 'nope') })).status).toBe(401);
    expect((await form('/oauth2/introspect', { token: t, client_id: m2m.client_id, client_secret: m2m.client_secret })).json.active).toBe(true);
  });

  it('revokes (RFC 7009): 200 for unknown tokens; a revoked token introspects inactive', async () => {
    const t = (await ccToken()).json.access_token;
    const unknown = await form('/oauth2/revoke', { token: 'kndr_oat_unknown' }, auth());
    expect(unknown.status).toBe(200);
    const r = await form('/oauth2/revoke', { token: t, token_type_hint: 'access_token' }, auth());
    expect(r.status).toBe(200);
    expect((await form('/oauth2/introspect', { token: t }, auth())).json).toEqual({ active: false });
  });

  it('lets a public client revoke its refresh token, which ends the family; other clients cannot', async () => {
    const t = await userTokens(client, userId);
    await form('/oauth2/revoke', { token: t.refresh_token!, client_id: 'kendr-cli' });
    expect((await userinfo(t.access_token)).status).toBe(200);
    await form('/oauth2/revoke', { token: t.refresh_token!, client_id: client.clientId });
    expect((await userinfo(t.access_token)).status).toBe(401);
    const r = await form('/oauth/token', { grant_type: 'refresh_token', client_id: client.clientId, refresh_token: t.refresh_token! });
    expect(r.json.error).toBe('invalid_grant');
    // Its access token is refused by every bearer-protected operation, not only user info.
    expect((await userinfo(t.access_token)).status).toBe(401);
    const keys = await fetch(`${s.baseUrl}/api/v1/api-keys`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(keys.status).toBe(401);
  });
});

describe('failed client authentication is rate limited', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({ KEYHAVEN_LOGIN_ATTEMPTS_ACCOUNT: '3' });
  });
  afterAll(() => limited.close());

  it('refuses even the right secret once the limit is reached', async () => {
    const c = await initManagementClient(limited.deps);
    const post = (secret: string) =>
      fetch(`${limited.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.client_id, secret) },
        body: 'grant_type=client_credentials',
      });
    expect((await post(c.client_secret!)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await post('wrong-' + i)).status).toBe(401);
    const r = await post(c.client_secret!);
    expect(r.status).toBe(401);
    expect((await r.json()).error).toBe('invalid_client');
  });
});
