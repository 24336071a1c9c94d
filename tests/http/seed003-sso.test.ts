// Seed 003, "SSO" section and its Roles table rows (GET /sso admin, POST /sso admin), through the generated client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSsoConfig, postSsoAction } from '../../generated/client';
import { startServer, type TestServer } from '../helpers/server';
import { createSession } from '../../src/services/sessions';
import { createPersonalTenant } from '../../src/services/tenants';

let s: TestServer;
let upstream: TestServer;
let admin: Record<string, string>;
let member: Record<string, string>;
const now = Date.now();

beforeAll(async () => {
  [s, upstream] = await Promise.all([startServer(), startServer()]);
  const a = await s.deps.repos.users.create({ email: 'seed-admin@example.com', fullName: 'Seed Admin' }, null, now);
  const org = await createPersonalTenant(s.deps.repos.tenants, a.id, 'Seed Admin', now);
  const m = await s.deps.repos.users.create({ email: 'seed-member@example.com', fullName: 'Seed Member' }, null, now);
  await s.deps.repos.tenants.addMember(m.id, org.id, 'member', now);
  admin = { cookie: `kendr_session=${(await createSession(s.deps, a.id, 'browser')).token}` };
  member = { cookie: `kendr_session=${(await createSession(s.deps, m.id, 'browser')).token}` };
});
afterAll(async () => {
  await Promise.all([s?.close(), upstream?.close()]);
});

describe('seed 003 SSO', () => {
  it('POST /sso configure takes every field of the seed\'s configuration table; GET /sso shows it with the secret redacted', async () => {
    const config = {
      provider: 'oidc' as const, enabled: true, samlEntityId: 'https://idp.example.com/metadata', samlSsoUrl: 'https://idp.example.com/sso',
      oidcIssuer: upstream.baseUrl, oidcClientId: 'keyhaven-sso', oidcClientSecret: 'seed-secret-9f8e7d', oidcScopes: 'openid email profile',
      defaultRole: 'member' as const, allowedDomains: ['example.com'], autoProvision: true, enforceForAllUsers: false,
    };
    const posted = await postSsoAction({ client: s.client, headers: admin, body: { action: 'configure', config } });
    expect(posted.response.status).toBe(200);
    const got = await getSsoConfig({ client: s.client, headers: admin });
    expect(got.response.status).toBe(200);
    const { oidcClientSecret, ...rest } = config;
    expect(got.data!.config).toMatchObject({ ...rest, oidcClientSecret: '********', oidcClientSecretSet: true });
    expect(JSON.stringify(got.data)).not.toContain(oidcClientSecret);
    expect(JSON.stringify(posted.data)).not.toContain(oidcClientSecret);
  });

  it('POST /sso get_auth_url with state and redirectUri returns the upstream URL', async () => {
    const res = await postSsoAction({ client: s.client, headers: admin, body: { action: 'get_auth_url', state: 'seed-state-0123456789', redirectUri: '/dashboard' } });
    expect(res.response.status).toBe(200);
    const url = new URL((res.data as { url: string }).url);
    expect(url.searchParams.get('state')).toBe('seed-state-0123456789');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('Roles table: GET /sso and POST /sso are admin only (401 anonymous, 403 member)', async () => {
    expect((await getSsoConfig({ client: s.client })).response.status).toBe(401);
    expect((await getSsoConfig({ client: s.client, headers: member })).response.status).toBe(403);
    const body = { action: 'get_auth_url' as const, redirectUri: '/' };
    expect((await postSsoAction({ client: s.client, body })).response.status).toBe(401);
    expect((await postSsoAction({ client: s.client, headers: member, body })).response.status).toBe(403);
  });
});
