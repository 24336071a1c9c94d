import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { createSession } from '../../src/services/sessions';
import { createPersonalTenant } from '../../src/services/tenants';
import { createApiKey } from '../../src/services/apiKeys';

let s: TestServer;
let upstream: TestServer;
let adminCookie: string;
let memberCookie: string;
let tenantId: number;
const now = Date.now();

async function cookieFor(userId: number) {
  return `kendr_session=${(await createSession(s.deps, userId, 'browser')).token}`;
}
const sso = (init: { method?: string; cookie?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
  fetch(`${s.baseUrl}/api/v1/sso`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(init.cookie ? { cookie: init.cookie } : {}), ...init.headers },
    body: init.body ? JSON.stringify(init.body) : undefined,
    redirect: 'manual',
  });
const oidcConfig = (extra: Record<string, unknown> = {}) => ({
  provider: 'oidc',
  enabled: true,
  oidcIssuer: upstream.baseUrl,
  oidcClientId: 'keyhaven-sso',
  oidcClientSecret: 'super-secret-value-123',
  oidcScopes: 'openid email profile',
  defaultRole: 'member',
  allowedDomains: ['example.com'],
  autoProvision: true,
  enforceForAllUsers: false,
  ...extra,
});
const configure = (config: Record<string, unknown>, cookie = adminCookie) => sso({ cookie, body: { action: 'configure', config } });

beforeAll(async () => {
  [s, upstream] = await Promise.all([startServer(), startServer()]);
  const admin = await s.deps.repos.users.create({ email: 'admin@example.com', fullName: 'Admin' }, null, now);
  tenantId = (await createPersonalTenant(s.deps.repos.tenants, admin.id, 'Admin', now)).id;
  const member = await s.deps.repos.users.create({ email: 'member@example.com', fullName: 'Member' }, null, now);
  await s.deps.repos.tenants.addMember(member.id, tenantId, 'member', now);
  adminCookie = await cookieFor(admin.id);
  memberCookie = await cookieFor(member.id);
});
afterAll(async () => {
  await Promise.all([s?.close(), upstream?.close()]);
});

describe('SSO roles (seed 003: admin only)', () => {
  it('401 without credentials and with a bad cookie, on GET and POST', async () => {
    expect((await sso()).status).toBe(401);
    expect((await sso({ cookie: 'kendr_session=nope' })).status).toBe(401);
    const res = await sso({ body: { action: 'configure', config: oidcConfig() } });
    expect(res.status).toBe(401);
    expect((await res.json()).errors[0].code).toBeDefined();
  });
  it('403 for a signed-in member', async () => {
    expect((await sso({ cookie: memberCookie })).status).toBe(403);
    expect((await configure(oidcConfig(), memberCookie)).status).toBe(403);
  });
  it('200 for the admin, config null before anything is stored', async () => {
    const res = await sso({ cookie: adminCookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ config: null });
  });
  it('accepts an admin API key in both transports', async () => {
    const admin = await s.deps.repos.users.findByEmail('admin@example.com');
    const { key } = await createApiKey(s.deps, { userId: admin!.id, tenantId }, { name: 'sso test' });
    expect((await sso({ headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await sso({ headers: { 'x-api-key': key } })).status).toBe(200);
  });
});

describe('SSO configuration validation (400)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['unknown provider', oidcConfigLazy({ provider: 'ldap' })],
    ['oidc without issuer', oidcConfigLazy({ oidcIssuer: undefined })],
    ['oidc without client id', oidcConfigLazy({ oidcClientId: undefined })],
    ['issuer not a URL', oidcConfigLazy({ oidcIssuer: 'not a url' })],
    ['issuer with a fragment', oidcConfigLazy({ oidcIssuer: 'https://idp.example.com/#x' })],
    ['role outside admin|member', oidcConfigLazy({ defaultRole: 'owner' })],
    ['bad domain', oidcConfigLazy({ allowedDomains: ['not a domain'] })],
    ['domain with scheme', oidcConfigLazy({ allowedDomains: ['https://example.com'] })],
    ['unknown field', oidcConfigLazy({ bogus: 1 })],
    ['saml without entity id', { provider: 'saml', samlSsoUrl: 'https://idp.example.com/sso' }],
    ['saml with a non-URL sso url', { provider: 'saml', samlEntityId: 'urn:x', samlSsoUrl: 'javascript:alert(1)' }],
    ['http issuer on a non-loopback host', oidcConfigLazy({ oidcIssuer: 'http://idp.example.com' })],
    ['scopes with a control character', oidcConfigLazy({ oidcScopes: 'openid\nemail' })],
  ];
  for (const [name, config] of cases) {
    it(name, async () => {
      const res = await configure(typeof config === 'function' ? (config as () => Record<string, unknown>)() : config);
      expect(res.status).toBe(400);
      expect((await res.json()).errors[0].message).toBeTruthy();
    });
  }
  it('an unknown action and a missing config are 400', async () => {
    expect((await sso({ cookie: adminCookie, body: { action: 'delete' } })).status).toBe(400);
    expect((await sso({ cookie: adminCookie, body: { action: 'configure' } })).status).toBe(400);
  });
});

// Built lazily because `upstream` only exists after beforeAll.
function oidcConfigLazy(extra: Record<string, unknown>) {
  return (() => oidcConfig(extra)) as unknown as Record<string, unknown>;
}

describe('SSO configure and redaction', () => {
  it('stores every field, seals the secret, and never returns it', async () => {
    const res = await configure(oidcConfig());
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('super-secret-value-123');
    const body = JSON.parse(text);
    expect(body.config).toMatchObject({
      provider: 'oidc', enabled: true, oidcIssuer: upstream.baseUrl, oidcClientId: 'keyhaven-sso',
      oidcClientSecret: '********', oidcClientSecretSet: true, oidcScopes: 'openid email profile',
      defaultRole: 'member', allowedDomains: ['example.com'], autoProvision: true, enforceForAllUsers: false,
    });
    const get = await (await sso({ cookie: adminCookie })).text();
    expect(get).not.toContain('super-secret-value-123');
    expect(JSON.parse(get).config.oidcClientSecret).toBe('********');
    const row = await s.deps.db.selectFrom('sso_configs').selectAll().where('organization_id', '=', tenantId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('super-secret-value-123');
    expect(s.deps.secretBox.open(row.oidc_client_secret_sealed!, `sso:oidc_client_secret:${tenantId}`)).toBe('super-secret-value-123');
  });
  it('keeps the stored secret when a later configure omits it; lower-cases domains', async () => {
    const res = await configure(oidcConfig({ oidcClientSecret: undefined, allowedDomains: ['Example.COM'] }));
    const body = await res.json();
    expect(body.config.oidcClientSecretSet).toBe(true);
    expect(body.config.allowedDomains).toEqual(['example.com']);
  });
  it('stores and validates a SAML configuration', async () => {
    const other = await s.deps.repos.users.create({ email: 'saml@example.org', fullName: 'Saml' }, null, now);
    await createPersonalTenant(s.deps.repos.tenants, other.id, 'Saml', now);
    const res = await configure({ provider: 'saml', enabled: true, samlEntityId: 'https://idp.example.org/metadata', samlSsoUrl: 'https://idp.example.org/sso' }, await cookieFor(other.id));
    expect(res.status).toBe(200);
    expect((await res.json()).config).toMatchObject({ provider: 'saml', samlEntityId: 'https://idp.example.org/metadata', oidcClientSecret: null, oidcClientSecretSet: false });
  });
});

describe('get_auth_url', () => {
  it('builds the upstream URL with state, redirect_uri, nonce and PKCE S256 via discovery', async () => {
    await configure(oidcConfig());
    const res = await sso({ cookie: adminCookie, body: { action: 'get_auth_url', state: 'abcdefghijklmnop0123', redirectUri: '/dashboard' } });
    expect(res.status).toBe(200);
    const body = await res.json();
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${upstream.baseUrl}/oauth2/auth`);
    const p = url.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe('keyhaven-sso');
    expect(p.get('state')).toBe('abcdefghijklmnop0123');
    expect(p.get('redirect_uri')).toBe(`${s.baseUrl}/api/v1/sso/callback`);
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('nonce')).toBeTruthy();
    expect(p.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(body.url).not.toContain('super-secret-value-123');
    const stored = await s.deps.db.selectFrom('sso_states').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain('abcdefghijklmnop0123'); // the state is stored hashed
  });
  it('generates a state when none is given', async () => {
    const body = await (await sso({ cookie: adminCookie, body: { action: 'get_auth_url', redirectUri: `${s.baseUrl}/home` } })).json();
    expect(body.state.length).toBeGreaterThanOrEqual(16);
    expect(new URL(body.url).searchParams.get('state')).toBe(body.state);
  });
  it('refuses open redirects', async () => {
    for (const redirectUri of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await sso({ cookie: adminCookie, body: { action: 'get_auth_url', redirectUri } });
      expect(res.status, redirectUri).toBe(400);
    }
  });
  it('a reused state is refused (409)', async () => {
    const res = await sso({ cookie: adminCookie, body: { action: 'get_auth_url', state: 'abcdefghijklmnop0123', redirectUri: '/' } });
    expect(res.status).toBe(409);
  });
  it('502 when the upstream cannot be discovered', async () => {
    await configure(oidcConfig({ oidcIssuer: 'http://127.0.0.1:9' }));
    const res = await sso({ cookie: adminCookie, body: { action: 'get_auth_url', redirectUri: '/' } });
    expect(res.status).toBe(502);
    await configure(oidcConfig());
  });
  it('400 when SSO is disabled', async () => {
    await configure(oidcConfig({ enabled: false }));
    expect((await sso({ cookie: adminCookie, body: { action: 'get_auth_url', redirectUri: '/' } })).status).toBe(400);
    await configure(oidcConfig());
  });
});

describe('public start and callback', () => {
  it('GET /api/v1/sso/start?email= redirects to the upstream; unknown domains are 404', async () => {
    const res = await fetch(`${s.baseUrl}/api/v1/sso/start?email=${encodeURIComponent('someone@example.com')}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')!.startsWith(`${upstream.baseUrl}/oauth2/auth?`)).toBe(true);
    expect((await fetch(`${s.baseUrl}/api/v1/sso/start?email=x@nowhere.example`, { redirect: 'manual' })).status).toBe(404);
  });
  it('the callback refuses unknown and missing states (400)', async () => {
    expect((await fetch(`${s.baseUrl}/api/v1/sso/callback?code=x&state=forged-state-value`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${s.baseUrl}/api/v1/sso/callback?code=x`, { redirect: 'manual' })).status).toBe(400);
  });
});
