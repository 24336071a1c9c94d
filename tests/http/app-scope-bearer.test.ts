// Seed 000's auth matrix: an OAuth access token with scope `app` is accepted wherever an app session is.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { initManagementClient } from '../../src/services/oauth/clients';
import { issueTokens } from '../../src/services/oauth/tokens';
import { ACCESS_TOKEN_TTL_SECONDS } from '../../src/services/oauth/lifetimes';
import type { OAuthClient } from '../../src/services/oauth/types';
import type { User } from '../../src/store/repositories/users';
import { createPersonalTenant } from '../../src/services/tenants';
import { createSession } from '../../src/services/sessions';

let s: TestServer;
let now = Date.parse('2026-05-04T09:00:00.000Z');
let alice: User;
let member: User;
let aliceTenant: number;
let bobTenant: number;

/** A first-party native client issuing JWT access tokens (kendr-desktop, seeded, issues opaque ones). */
const nativeJwt: OAuthClient = {
  clientId: 'native-jwt', name: 'Native JWT', type: 'public', redirectUris: ['http://127.0.0.1/cb'], logoutUris: [],
  grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['profile', 'email', 'app'], tokenFormat: 'jwt', firstParty: true, audiences: [],
};

/** Tokens as the authorization-code grant would issue them to a first-party client. */
async function userToken(user: User, scope: string, client: OAuthClient = nativeJwt): Promise<string> {
  const scopes = scope.split(' ');
  const t = await issueTokens(s.deps, { client, scopes, audience: [s.config.issuer], grant: { user, scopes, authTime: now, amr: ['pwd'], extra: {} } });
  return t.access_token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${s.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
}

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_MFA_ISSUER: 'Keyhaven' }, { clock: () => now });
  await s.deps.repos.oauthClients.insert({ ...nativeJwt, secretHash: null, createdAt: now });
  alice = await s.deps.repos.users.create({ email: 'alice@example.com', fullName: 'Alice' }, null, now);
  aliceTenant = (await createPersonalTenant(s.deps.repos.tenants, alice.id, 'Alice', now)).id;
  await s.deps.repos.serverAdmins.setAdmin(alice.id, true, now);
  member = await s.deps.repos.users.create({ email: 'member@example.com', fullName: 'Member' }, null, now);
  await s.deps.repos.tenants.addMember(member.id, aliceTenant, 'member', now);
  const bob = await s.deps.repos.users.create({ email: 'bob@example.com', fullName: 'Bob' }, null, now);
  bobTenant = (await createPersonalTenant(s.deps.repos.tenants, bob.id, 'Bob', now)).id;
});
afterAll(() => s.close());

/** One representative request per operation that accepts an app session and now an `app` token. */
const OPERATIONS: [string, string, unknown?][] = [
  ['POST', '/api/app/installations', { installation_id: 'inst-1', platform: 'windows', app_version: '1.0.0' }],
  ['POST', '/api/app/activity', { installation_id: 'inst-1', platform: 'windows', app_version: '1.0.0' }],
  ['POST', '/api/app/errors', { message: 'boom' }],
  ['POST', '/api/app/feedback', { message: 'nice' }],
  ['GET', '/api/v1/api-keys'],
  ['POST', '/api/v1/api-keys', { name: 'k' }],
  ['DELETE', '/api/v1/api-keys?id=key_none'],
  ['POST', '/api/v1/auth/mfa', { action: 'setup' }],
  ['GET', '/api/v1/sso'],
  ['POST', '/api/v1/sso', { action: 'get_auth_url', redirectUri: '/' }],
  ['GET', '/api/admin/notifications'],
  ['POST', '/api/admin/notifications', { title: 't', message: 'm' }],
  ['GET', '/api/admin/notifications/1'],
  ['PATCH', '/api/admin/notifications/1', { active: false }],
  ['DELETE', '/api/admin/notifications/1'],
];
const TELEMETRY = new Set(['/api/app/installations', '/api/app/activity', '/api/app/errors', '/api/app/feedback']);

describe('an access token with scope app acts as its user', () => {
  it('records telemetry as the user (JWT and opaque tokens)', async () => {
    for (const client of [nativeJwt, (await s.deps.repos.oauthClients.find('kendr-desktop'))!]) {
      const h = bearer(await userToken(alice, 'profile app', client));
      const activity = await call('POST', '/api/app/activity', h, { installation_id: `act-${client.clientId}`, platform: 'macos', app_version: '1.0.0' });
      expect(activity).toMatchObject({ status: 200, body: { identity_type: 'user' } });
      const inst = await call('POST', '/api/app/installations', h, { installation_id: `inst-${client.clientId}`, platform: 'macos', app_version: '1.0.0' });
      expect(inst.status).toBe(200);
      const err = await call('POST', '/api/app/errors', h, { message: `crash via ${client.clientId}` });
      expect(err.status).toBe(201);
      const fb = await call('POST', '/api/app/feedback', h, { message: `hello via ${client.clientId}` });
      expect(fb.status).toBe(201);
      const db = s.deps.db;
      expect((await db.selectFrom('app_installations').select('user_id').where('installation_id', '=', `inst-${client.clientId}`).executeTakeFirstOrThrow()).user_id).toBe(alice.id);
      expect((await db.selectFrom('app_errors').select('user_id').where('message', '=', `crash via ${client.clientId}`).executeTakeFirstOrThrow()).user_id).toBe(alice.id);
      expect((await db.selectFrom('app_feedback').select('user_id').where('message', '=', `hello via ${client.clientId}`).executeTakeFirstOrThrow()).user_id).toBe(alice.id);
    }
  });

  it('creates, lists and revokes API keys in the user’s tenant, usable afterwards as the user', async () => {
    const h = bearer(await userToken(alice, 'app'));
    const created = await call('POST', '/api/v1/api-keys', h, { name: 'From the desktop app' });
    expect(created.status).toBe(201);
    const row = await s.deps.db.selectFrom('api_keys').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ organization_id: aliceTenant, user_id: alice.id });
    const list = await call('GET', '/api/v1/api-keys', h);
    expect(list.status).toBe(200);
    expect(list.body.apiKeys.map((k: { id: string }) => k.id)).toContain(created.body.id);
    // The key works as Alice in her tenant; then revoking it with the token stops it.
    expect((await call('GET', '/api/v1/api-keys', { 'x-api-key': created.body.key })).status).toBe(200);
    expect(await call('DELETE', `/api/v1/api-keys?id=${created.body.id}`, h)).toMatchObject({ status: 200 });
    expect((await call('GET', '/api/v1/api-keys', { 'x-api-key': created.body.key })).status).toBe(401);
  });

  it('keeps tenants apart and the admin role required', async () => {
    const bobsKey = await call('POST', '/api/v1/api-keys', bearer(await userToken((await s.deps.repos.users.findByEmail('bob@example.com'))!, 'app')), { name: 'bob' });
    expect(bobsKey.status).toBe(201);
    expect((await s.deps.db.selectFrom('api_keys').select('organization_id').where('id', '=', bobsKey.body.id).executeTakeFirstOrThrow()).organization_id).toBe(bobTenant);
    const h = bearer(await userToken(alice, 'app'));
    expect((await call('GET', '/api/v1/api-keys', h)).body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(bobsKey.body.id);
    expect((await call('DELETE', `/api/v1/api-keys?id=${bobsKey.body.id}`, h)).status).toBe(404);
    // A member of Alice's tenant with an app token is signed in but not an admin: 403, not 401.
    const m = bearer(await userToken(member, 'app'));
    for (const [method, path, body] of [['GET', '/api/v1/api-keys'], ['POST', '/api/v1/api-keys', {}], ['GET', '/api/v1/sso'], ['GET', '/api/admin/notifications']] as const) {
      const res = await call(method, path, m, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.challenge).toBeNull();
    }
  });

  it('runs the MFA life cycle with the token (setup, enable, step-up verify, disable)', async () => {
    const h = bearer(await userToken(member, 'app'));
    const setup = await call('POST', '/api/v1/auth/mfa', h, { action: 'setup' });
    expect(setup.status).toBe(200);
    expect(setup.body.otpauthUrl).toContain('Keyhaven:member@example.com?');
    const secret = new URL(setup.body.otpauthUrl).searchParams.get('secret')!;
    const code = () => generate({ secret, epoch: Math.floor(now / 1000) });
    expect(await call('POST', '/api/v1/auth/mfa', h, { action: 'enable', token: await code() })).toMatchObject({ status: 200, body: { enabled: true } });
    now += 30_000;
    expect(await call('POST', '/api/v1/auth/mfa', h, { action: 'verify', token: await code() })).toMatchObject({ status: 200, body: { verified: true, method: 'totp' } });
    // The replayed code is refused for the token's user too.
    expect((await call('POST', '/api/v1/auth/mfa', h, { action: 'verify', token: await code() })).status).toBe(400);
    now += 30_000;
    expect(await call('POST', '/api/v1/auth/mfa', h, { action: 'disable', token: await code() })).toMatchObject({ status: 200, body: { disabled: true } });
  });

  it('reads and configures the tenant’s SSO and builds the upstream URL', async () => {
    const h = bearer(await userToken(alice, 'app'));
    expect(await call('GET', '/api/v1/sso', h)).toMatchObject({ status: 200, body: { config: null } });
    const config = {
      provider: 'oidc', enabled: true, oidcIssuer: s.baseUrl, oidcClientId: 'native-jwt', oidcClientSecret: 'upstream-secret-123',
      oidcScopes: 'openid email profile', defaultRole: 'member', allowedDomains: ['example.com'], autoProvision: false, enforceForAllUsers: false,
    };
    const configured = await call('POST', '/api/v1/sso', h, { action: 'configure', config });
    expect(configured.status).toBe(200);
    expect(JSON.stringify(configured.body)).not.toContain('upstream-secret-123');
    expect((await s.deps.db.selectFrom('sso_configs').select('organization_id').executeTakeFirstOrThrow()).organization_id).toBe(aliceTenant);
    expect((await call('GET', '/api/v1/sso', h)).body.config).toMatchObject({ provider: 'oidc', oidcClientId: 'native-jwt' });
    const url = await call('POST', '/api/v1/sso', h, { action: 'get_auth_url', state: 'state-from-app-1234', redirectUri: '/' });
    expect(url.status).toBe(200);
    expect(JSON.stringify(url.body)).toContain(`${s.baseUrl}/oauth`);
  });

  it('administers notifications as a server administrator', async () => {
    const h = bearer(await userToken(alice, 'app'));
    const created = await call('POST', '/api/admin/notifications', h, { title: 'Maintenance', message: 'Tonight' });
    expect(created.status).toBe(201);
    expect((await call('GET', '/api/admin/notifications', h)).status).toBe(200);
    expect(await call('GET', `/api/admin/notifications/${created.body.id}`, h)).toMatchObject({ status: 200, body: { title: 'Maintenance' } });
    expect(await call('PATCH', `/api/admin/notifications/${created.body.id}`, h, { active: false })).toMatchObject({ status: 200, body: { active: false } });
    expect((await call('DELETE', `/api/admin/notifications/${created.body.id}`, h)).status).toBe(204);
  });
});

describe('tokens that are not accepted', () => {
  it('a user token without the app scope: 403 insufficient_scope with a challenge, on every operation', async () => {
    const h = bearer(await userToken(alice, 'openid profile email'));
    for (const [method, path, body] of OPERATIONS) {
      const res = await call(method, path, h, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.challenge, `${method} ${path}`).toBe('Bearer realm="keyhaven", error="insufficient_scope", scope="app"');
    }
    expect(await s.deps.db.selectFrom('app_errors').select('id').where('message', '=', 'boom').executeTakeFirst()).toBeUndefined();
  });

  it('a client-credentials token (no user) and an expired token: 401 with an invalid_token challenge', async () => {
    const m2m = await initManagementClient(s.deps);
    const res = await fetch(`${s.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: m2m.client_id, client_secret: m2m.client_secret! }),
    });
    const fromEndpoint = ((await res.json()) as { access_token: string }).access_token;
    // Even minted for the user API's audience with scope app, a token without a user is no user credential.
    const client = (await s.deps.repos.oauthClients.find(m2m.client_id))!;
    const userless = (await issueTokens(s.deps, { client, scopes: ['app'], audience: [s.config.issuer] })).access_token;
    const expired = await userToken(alice, 'app');
    now += (ACCESS_TOKEN_TTL_SECONDS + 1) * 1000;
    for (const token of [fromEndpoint, userless, expired]) {
      for (const [method, path, body] of OPERATIONS.filter(([, p]) => !TELEMETRY.has(p))) {
        const r = await call(method, path, bearer(token), body);
        expect(r.status, `${method} ${path}`).toBe(401);
        expect(r.challenge, `${method} ${path}`).toBe('Bearer realm="keyhaven", error="invalid_token"');
      }
    }
  });

  it('telemetry with an invalid token is recorded anonymously (decision 12), never as the user', async () => {
    const expired = await userToken(alice, 'app');
    now += (ACCESS_TOKEN_TTL_SECONDS + 1) * 1000;
    const r = await call('POST', '/api/app/activity', bearer(expired), { installation_id: 'stale-token', platform: 'linux', app_version: '1.0.0' });
    expect(r).toMatchObject({ status: 200, body: { identity_type: 'anonymous' } });
    const fb = await call('POST', '/api/app/feedback', bearer(expired), { message: 'stale token feedback' });
    expect(fb.status).toBe(201);
    expect((await s.deps.db.selectFrom('app_feedback').select('user_id').where('message', '=', 'stale token feedback').executeTakeFirstOrThrow()).user_id).toBeNull();
  });

  it('does not describe or revoke the app session: those stay app-session only', async () => {
    const h = bearer(await userToken(alice, 'app'));
    expect((await call('GET', '/api/app/auth/session', h)).status).toBe(401);
    expect((await call('POST', '/api/app/auth/logout', h)).status).toBe(401);
    // An app session alongside keeps working on the same operations.
    const session = (await createSession(s.deps, alice.id, 'app')).token;
    expect((await call('GET', '/api/v1/api-keys', { 'x-kendr-session': session })).status).toBe(200);
  });
});
