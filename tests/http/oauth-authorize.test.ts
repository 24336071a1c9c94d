import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { hashToken } from '../../src/services/crypto';
import type { OAuthClient } from '../../src/services/oauth/types';

/**
 * The authorization endpoint's security properties (RFC 9700, RFC 7636, RFC 9207), driven over HTTP.
 * The browser is simulated with the kendr_session cookie from POST /api/auth/register.
 */
let s: TestServer;
let offset = 0;
let cookie: string;
const DESKTOP_CB = 'http://127.0.0.1:49152/callback';

const webApp: OAuthClient = {
  clientId: 'web-app', name: 'Web App', type: 'confidential', redirectUris: ['https://app.example.com/cb'], logoutUris: [],
  grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['openid', 'profile'], tokenFormat: 'opaque', firstParty: true, audiences: [],
};
const thirdParty: OAuthClient = { ...webApp, clientId: 'third-party', name: 'Third Party', type: 'public', redirectUris: ['https://third.example.com/cb'], firstParty: false };
const WEB_SECRET = 'w'.repeat(48);

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function get(path: string, withCookie = true) {
  return fetch(s.baseUrl + path, { redirect: 'manual', headers: withCookie && cookie ? { cookie } : {} });
}

function authorizeUrl(params: Record<string, string>, path = '/oauth/authorize') {
  return `${path}?${new URLSearchParams({ response_type: 'code', client_id: 'kendr-desktop', redirect_uri: DESKTOP_CB, ...params })}`;
}

/** Runs /oauth/authorize with the signed-in cookie; returns the callback URL's parameters. */
async function authorizeSignedIn(params: Record<string, string>, path?: string): Promise<URLSearchParams> {
  const r = await get(authorizeUrl(params, path));
  expect(r.status).toBe(302);
  return new URL(r.headers.get('location')!).searchParams;
}

async function token(form: Record<string, string | undefined>, basic?: string) {
  const body = new URLSearchParams(Object.entries(form).filter(([, v]) => v !== undefined) as [string, string][]);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  const r = await fetch(`${s.baseUrl}/oauth/token`, { method: 'POST', headers, body });
  return { status: r.status, body: (await r.json()) as Record<string, string> };
}

async function desktopCode(extra: Record<string, string> = {}) {
  const p = pkce();
  const q = await authorizeSignedIn({ code_challenge: p.challenge, code_challenge_method: 'S256', state: 'st-1', ...extra });
  return { code: q.get('code')!, verifier: p.verifier, q };
}

const exchange = (code: string, verifier: string | undefined, redirectUri: string | undefined = DESKTOP_CB, clientId = 'kendr-desktop') =>
  token({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: verifier });

/** The signed-in test user's personal organization (created at registration). */
async function ownOrganization() {
  const user = await s.deps.repos.users.findByEmail('authz@example.com');
  const m = await s.deps.repos.tenants.firstMembership(user!.id);
  return { ...(await s.deps.repos.tenants.findById(m!.organization_id))!, userId: user!.id };
}

const userinfo = (accessToken: string) => fetch(`${s.baseUrl}/oauth/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });

beforeAll(async () => {
  s = await startServer({}, { clock: () => Date.now() + offset });
  await s.deps.repos.oauthClients.insert({ ...webApp, secretHash: hashToken(WEB_SECRET), createdAt: Date.now() });
  await s.deps.repos.oauthClients.insert({ ...thirdParty, secretHash: null, createdAt: Date.now() });
  const r = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'authz@example.com', password: 'supersecret123', full_name: 'Auth Zed' }),
  });
  expect(r.status).toBe(201);
  cookie = r.headers.get('set-cookie')!.split(';')[0];
});
afterAll(() => s.close());

describe('redirect URI and client checks', () => {
  it('an unknown client gets an HTML error page, never a redirect', async () => {
    const r = await get(authorizeUrl({ client_id: 'no-such-client' }));
    expect(r.status).toBe(400);
    expect(r.headers.get('location')).toBeNull();
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await r.text()).toContain('Unknown application');
  });

  it.each([
    ['a trailing slash', 'https://app.example.com/cb/'],
    ['an extra query', 'https://app.example.com/cb?next=/x'],
    ['another case', 'https://app.example.com/CB'],
    ['a suffix host', 'https://app.example.com.evil.example/cb'],
    ['a fragment', 'https://app.example.com/cb#x'],
    ['http instead of https', 'http://app.example.com/cb'],
    ['nothing', ''],
  ])('a redirect URI with %s is refused with an error page', async (_what, uri) => {
    const r = await get(authorizeUrl({ client_id: 'web-app', redirect_uri: uri }));
    expect(r.status).toBe(400);
    expect(r.headers.get('location')).toBeNull();
    expect(await r.text()).toContain('Invalid redirect address');
  });

  it('a loopback redirect URI matches on any port, but only with the registered host and path', async () => {
    const p = pkce();
    const ok = await get(authorizeUrl({ redirect_uri: 'http://127.0.0.1:61000/callback', code_challenge: p.challenge, code_challenge_method: 'S256' }));
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:61000\/callback\?code=/);
    for (const uri of ['http://127.0.0.1:61000/other', 'http://localhost:61000/callback', 'http://127.0.0.2:61000/callback']) {
      const r = await get(authorizeUrl({ redirect_uri: uri, code_challenge: p.challenge, code_challenge_method: 'S256' }));
      expect(r.status, uri).toBe(400);
      expect(r.headers.get('location')).toBeNull();
    }
  });

  it('the error page and the hosted pages send a CSP with frame-ancestors none and carry no script', async () => {
    for (const path of [authorizeUrl({ client_id: 'nope' }), '/login', '/register']) {
      const r = await get(path, false);
      expect(r.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(r.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(await r.text()).not.toMatch(/<script/i);
    }
  });
});

describe('errors go back to the client with state and iss', () => {
  const errorOf = async (params: Record<string, string>) => {
    const q = await authorizeSignedIn(params);
    expect(q.get('code')).toBeNull();
    expect(q.get('state')).toBe('st-err');
    expect(q.get('iss')).toBe(s.baseUrl);
    return q.get('error');
  };
  const { challenge } = pkce();

  it('response_type=token is refused (unsupported_response_type)', async () => {
    expect(await errorOf({ response_type: 'token', state: 'st-err', code_challenge: challenge, code_challenge_method: 'S256' })).toBe('unsupported_response_type');
    expect(await errorOf({ response_type: 'code token', state: 'st-err', code_challenge: challenge, code_challenge_method: 'S256' })).toBe('unsupported_response_type');
  });

  it('plain PKCE, a missing method and a malformed challenge are refused', async () => {
    expect(await errorOf({ state: 'st-err', code_challenge: challenge, code_challenge_method: 'plain' })).toBe('invalid_request');
    expect(await errorOf({ state: 'st-err', code_challenge: challenge })).toBe('invalid_request');
    expect(await errorOf({ state: 'st-err', code_challenge: 'short', code_challenge_method: 'S256' })).toBe('invalid_request');
  });

  it('a public client without PKCE is refused', async () => {
    expect(await errorOf({ state: 'st-err' })).toBe('invalid_request');
  });

  it('unknown scopes and prompt values are refused', async () => {
    expect(await errorOf({ state: 'st-err', code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid admin' })).toBe('invalid_scope');
    expect(await errorOf({ state: 'st-err', code_challenge: challenge, code_challenge_method: 'S256', prompt: 'none login' })).toBe('invalid_request');
  });
});

describe('authorization codes', () => {
  it('a signed-in user gets a code with state and iss (RFC 9207) on both paths, and it works once', async () => {
    for (const path of ['/oauth/authorize', '/oauth2/auth']) {
      const p = pkce();
      const q = await authorizeSignedIn({ code_challenge: p.challenge, code_challenge_method: 'S256', state: 'xyz', scope: 'profile email app' }, path);
      expect(q.get('state')).toBe('xyz');
      expect(q.get('iss')).toBe(s.baseUrl);
      expect(q.get('code')).toMatch(/^kndr_oac_/);
      const t = await exchange(q.get('code')!, p.verifier);
      expect(t.status).toBe(200);
      expect(t.body.scope).toBe('profile email app');
      expect((await userinfo(t.body.access_token)).status).toBe(200);
    }
  });

  it('codes are stored hashed', async () => {
    const { code } = await desktopCode();
    const rows = await s.deps.db.selectFrom('oauth_authorization_codes').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(code);
    expect(rows.some((r) => r.code_hash === hashToken(code))).toBe(true);
  });

  it('a reused code is refused and the tokens issued from it are revoked', async () => {
    const { code, verifier } = await desktopCode({ scope: 'profile email app offline_access' });
    const first = await exchange(code, verifier);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBeTruthy();
    expect((await userinfo(first.body.access_token)).status).toBe(200);

    const again = await exchange(code, verifier);
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await userinfo(first.body.access_token)).status).toBe(401);
    const refreshed = await token({ grant_type: 'refresh_token', client_id: 'kendr-desktop', refresh_token: first.body.refresh_token });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('a code is bound to its client', async () => {
    const { code, verifier } = await desktopCode();
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: DESKTOP_CB, code_verifier: verifier }, `web-app:${WEB_SECRET}`);
    expect(r.body.error).toBe('invalid_grant');
  });

  it('a code is bound to its redirect URI (a different port or none is refused)', async () => {
    const a = await desktopCode();
    expect((await exchange(a.code, a.verifier, 'http://127.0.0.1:49153/callback')).body.error).toBe('invalid_grant');
    const b = await desktopCode();
    const none = await token({ grant_type: 'authorization_code', client_id: 'kendr-desktop', code: b.code, code_verifier: b.verifier });
    expect(none.body.error).toBe('invalid_grant');
  });

  it('a code is bound to its PKCE verifier: a wrong or missing verifier is refused, and the code is spent', async () => {
    const a = await desktopCode();
    expect((await exchange(a.code, pkce().verifier)).body.error).toBe('invalid_grant');
    expect((await exchange(a.code, a.verifier)).body.error).toBe('invalid_grant');
    const b = await desktopCode();
    expect((await exchange(b.code, undefined)).body.error).toBe('invalid_grant');
  });

  it('a verifier sent for a code issued without a challenge is refused', async () => {
    const q = await authorizeSignedIn({ client_id: 'web-app', redirect_uri: 'https://app.example.com/cb', state: 's' });
    const code = q.get('code')!;
    expect(code).toBeTruthy();
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example.com/cb', code_verifier: pkce().verifier }, `web-app:${WEB_SECRET}`);
    expect(r.body.error).toBe('invalid_grant');
    // Without the verifier, a fresh code of the confidential client works.
    const q2 = await authorizeSignedIn({ client_id: 'web-app', redirect_uri: 'https://app.example.com/cb' });
    const ok = await token({ grant_type: 'authorization_code', code: q2.get('code')!, redirect_uri: 'https://app.example.com/cb' }, `web-app:${WEB_SECRET}`);
    expect(ok.status).toBe(200);
  });

  it('a code expires after 10 minutes', async () => {
    const { code, verifier } = await desktopCode();
    offset += 10 * 60 * 1000 + 1000;
    try {
      expect((await exchange(code, verifier)).body.error).toBe('invalid_grant');
    } finally {
      offset -= 10 * 60 * 1000 + 1000;
    }
  });

  it('extra parameters (org_code, lang, audience) are kept on the grant', async () => {
    const org = await ownOrganization();
    const { code, verifier } = await desktopCode({ org_code: org.code, lang: 'en-AU', utm_source: 'reddit' });
    const t = await exchange(code, verifier);
    const row = await s.deps.repos.oauthTokens.findByHash(hashToken(t.body.access_token));
    expect(JSON.parse(row!.extra)).toMatchObject({ org_code: org.code, lang: 'en-AU' });
    expect(JSON.parse(row!.extra)).not.toHaveProperty('utm_source');
  });
});

describe('org_code names one of the user\'s organizations', () => {
  it('an organization the user does not belong to is refused with access_denied, and no code is issued', async () => {
    const foreign = await s.deps.repos.tenants.create({ code: 'org_foreign', name: 'Someone else', kind: 'standard' }, Date.now());
    for (const org_code of [foreign.code, 'org_does_not_exist']) {
      const q = (await desktopCode({ org_code })).q;
      expect(q.get('error')).toBe('access_denied');
      expect(q.get('code')).toBeNull();
      expect(q.get('state')).toBe('st-1');
    }
  });

  it('a member removed after the code was issued cannot exchange it, nor refresh into the organization', async () => {
    const org = await s.deps.repos.tenants.create({ code: 'org_leaving', name: 'Leaving', kind: 'standard' }, Date.now());
    const me = await ownOrganization();
    await s.deps.repos.tenants.addMember(me.userId, org.id, 'member', Date.now());
    const first = await desktopCode({ org_code: org.code });
    const second = await desktopCode({ org_code: org.code, scope: 'profile app offline_access' });
    const kept = await exchange(second.code, second.verifier);
    expect(kept.status).toBe(200);
    await s.deps.db.deleteFrom('memberships').where('user_id', '=', me.userId).where('organization_id', '=', org.id).execute();

    expect((await exchange(first.code, first.verifier)).body.error).toBe('invalid_grant');
    const r = await token({ grant_type: 'refresh_token', client_id: 'kendr-desktop', refresh_token: kept.body.refresh_token });
    expect(r.body.error).toBe('invalid_grant');
    // Back in the organization, the same refresh token works: the refused request spent nothing.
    await s.deps.repos.tenants.addMember(me.userId, org.id, 'member', Date.now());
    expect((await token({ grant_type: 'refresh_token', client_id: 'kendr-desktop', refresh_token: kept.body.refresh_token })).status).toBe(200);
    // One organization again, as the other tests expect (a user in several chooses one on a page).
    await s.deps.db.deleteFrom('memberships').where('user_id', '=', me.userId).where('organization_id', '=', org.id).execute();
  });
});

describe('sessions, prompt and max_age', () => {
  const { challenge } = pkce();
  const base = { code_challenge: challenge, code_challenge_method: 'S256', state: 'p' };

  it('without a session the browser goes to the sign-in page; prompt=none answers login_required', async () => {
    const r = await get(authorizeUrl(base), false);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toMatch(new RegExp(`^${s.baseUrl}/login\\?req=`));
    const none = await get(authorizeUrl({ ...base, prompt: 'none' }), false);
    const q = new URL(none.headers.get('location')!).searchParams;
    expect(q.get('error')).toBe('login_required');
    expect(q.get('state')).toBe('p');
  });

  it('prompt=create and start_page=registration open the account-creation page', async () => {
    for (const extra of [{ prompt: 'create' }, { start_page: 'registration' }] as Record<string, string>[]) {
      const r = await get(authorizeUrl({ ...base, ...extra }), false);
      expect(r.headers.get('location')).toMatch(/\/register\?req=/);
    }
  });

  it('prompt=login asks a signed-in user again; max_age too once exceeded', async () => {
    const r = await get(authorizeUrl({ ...base, prompt: 'login' }));
    expect(r.headers.get('location')).toMatch(/\/login\?req=/);
    offset += 5000;
    try {
      const old = await get(authorizeUrl({ ...base, max_age: '1' }));
      expect(old.headers.get('location')).toMatch(/\/login\?req=/);
      const fine = await get(authorizeUrl({ ...base, max_age: '3600' }));
      expect(fine.headers.get('location')).toMatch(/callback\?code=/);
    } finally {
      offset -= 5000;
    }
  });

  it('a third-party client needs consent; prompt=none answers consent_required', async () => {
    const params = { ...base, client_id: 'third-party', redirect_uri: 'https://third.example.com/cb' };
    const r = await get(authorizeUrl(params));
    expect(r.headers.get('location')).toMatch(/\/consent\?req=/);
    const none = await get(authorizeUrl({ ...params, prompt: 'none' }));
    expect(new URL(none.headers.get('location')!).searchParams.get('error')).toBe('consent_required');
  });
});
