import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startServer, type TestServer } from '../helpers/server';
import { hashToken } from '../../src/services/crypto';
import type { OAuthClient } from '../../src/services/oauth/types';

/**
 * Issue 9 (seed 002): a user in several organizations whose authorization request names none chooses
 * one on a hosted page before the code is issued. The rules over plain HTTP: who sees the page, the
 * choice re-checked on POST (a forged one gets the page again, never a code), CSRF, prompt=none, and
 * consent before the choice. Responses are validated against the spec.
 */
let s: TestServer;
const PASSWORD = 'supersecret123';
const CB = 'https://chooser.example.com/cb';
const THIRD_CB = 'https://third.example.com/cb';

const app: OAuthClient = {
  clientId: 'chooser-app', name: 'Chooser App', type: 'public', redirectUris: [CB], logoutUris: [],
  grantTypes: ['authorization_code', 'refresh_token'], defaultScopes: ['openid', 'profile'], tokenFormat: 'jwt', firstParty: true, audiences: [],
};
const thirdParty: OAuthClient = { ...app, clientId: 'chooser-third', name: 'Third Party', redirectUris: [THIRD_CB], firstParty: false };

interface Browser {
  cookies: Map<string, string>;
  userId: number;
  personal: string;
}

/** A registered user with a browser session (their personal organization is their first). */
async function register(email: string): Promise<Browser> {
  const r = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, full_name: email.split('@')[0] }),
  });
  expect(r.status).toBe(201);
  const [name, value] = r.headers.get('set-cookie')!.split(';')[0].split('=');
  const user = (await s.deps.repos.users.findByEmail(email))!;
  const personal = (await s.deps.repos.tenants.organizationsOf(user.id))[0].code;
  return { cookies: new Map([[name, value]]), userId: user.id, personal };
}

let orgSeq = 0;
async function organization(name: string, ...members: Browser[]): Promise<string> {
  const org = await s.deps.repos.tenants.create({ code: `org_chooser${++orgSeq}`, name, kind: 'standard' }, Date.now());
  for (const m of members) await s.deps.repos.tenants.addMember(m.userId, org.id, 'member', Date.now());
  return org.code;
}

const cookieHeader = (b: Browser) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

async function get(b: Browser | null, path: string, headers: Record<string, string> = {}) {
  const r = await fetch(s.baseUrl + path, { redirect: 'manual', headers: { ...(b ? { cookie: cookieHeader(b) } : {}), ...headers } });
  for (const c of r.headers.getSetCookie()) {
    const [name, value] = c.split(';')[0].split('=');
    b?.cookies.set(name, value);
  }
  return r;
}

const post = (b: Browser, path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(s.baseUrl + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(b), origin: s.baseUrl, ...headers },
    body: new URLSearchParams(form),
  });

/** Starts an authorization request; resolves with the first answer's Location and the PKCE verifier. */
async function authorize(b: Browser, extra: Record<string, string> = {}, client = app) {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    response_type: 'code', client_id: client.clientId, redirect_uri: client.redirectUris[0], scope: 'openid profile', state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', ...extra,
  });
  const r = await get(b, `/oauth2/auth?${q}`);
  expect(r.status).toBe(302);
  return { location: new URL(r.headers.get('location')!), verifier };
}

/** The chooser page of a pending request: its HTML, form token and the organization buttons. */
async function chooser(b: Browser, location: URL) {
  expect(location.pathname).toBe('/organizations/select');
  const r = await get(b, location.pathname + location.search);
  expect(r.status).toBe(200);
  const html = await r.text();
  return {
    html,
    req: location.searchParams.get('req')!,
    token: /name="csrf_token" value="([^"]+)"/.exec(html)![1],
    choices: [...html.matchAll(/name="org_code" value="([^"]+)"[^>]*>([^<]*)</g)].map((m) => ({ code: m[1], name: m[2] })),
  };
}

async function exchange(location: URL, verifier: string, client = app) {
  const code = location.searchParams.get('code');
  expect(code, location.href).toBeTruthy();
  const r = await fetch(`${s.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: client.clientId, code: code!, redirect_uri: client.redirectUris[0], code_verifier: verifier }),
  });
  expect(r.status).toBe(200);
  return decodeJwt(((await r.json()) as { access_token: string }).access_token);
}

let solo: Browser;
let multi: Browser;
let acme: string;
let globex: string;
let foreign: string;

beforeAll(async () => {
  s = await startServer();
  for (const c of [app, thirdParty]) await s.deps.repos.oauthClients.insert({ ...c, secretHash: null, createdAt: Date.now() });
  solo = await register('solo@example.com');
  multi = await register('multi@example.com');
  acme = await organization('Acme', multi);
  globex = await organization('Globex <Corp>', multi);
  foreign = await organization('Someone else', solo);
});
afterAll(() => s?.close());

describe('who chooses', () => {
  it('a user in one organization never sees the page', async () => {
    const lone = await register('lone@example.com');
    const { location, verifier } = await authorize(lone);
    expect(location.href.startsWith(`${CB}?`)).toBe(true);
    expect((await exchange(location, verifier)).org_code).toBe(lone.personal);
  });

  it('a request naming an organization, or creating one, skips the page', async () => {
    const named = await authorize(multi, { org_code: acme });
    expect((await exchange(named.location, named.verifier)).org_code).toBe(acme);
    const created = await authorize(multi, { is_create_org: 'true', org_name: 'Initech' });
    expect((await exchange(created.location, created.verifier)).org_name).toBe('Initech');
  });

  it('a user in several organizations without org_code gets the page, lists theirs in the order joined, and the chosen one is in the token', async () => {
    const { location, verifier } = await authorize(multi);
    const page = await chooser(multi, location);
    expect(page.choices.slice(0, 3)).toEqual([
      { code: multi.personal, name: "multi&#39;s playground" },
      { code: acme, name: 'Acme' },
      { code: globex, name: 'Globex &#60;Corp&#62;' },
    ]);
    expect(page.html).toContain('<h1>Choose an organization</h1>');
    expect(page.html).not.toContain(foreign);

    const r = await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code: globex });
    expect(r.status).toBe(303);
    const back = new URL(r.headers.get('location')!);
    expect(back.href.startsWith(`${CB}?`)).toBe(true);
    expect(back.searchParams.get('state')).toBe('st');
    expect(await exchange(back, verifier)).toMatchObject({ org_code: globex, org_name: 'Globex <Corp>' });

    // The request is spent: the form again is an expired-request page, not a second code.
    const again = await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code: acme });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Request expired');
  });

  it('not signed in: the sign-in page for the same request; an unknown request: the expired page', async () => {
    const { location } = await authorize(multi);
    const anonymous = await get(null, location.pathname + location.search);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe(`/login?req=${encodeURIComponent(location.searchParams.get('req')!)}`);
    const unknown = await get(multi, '/organizations/select?req=not-a-request');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Request expired');
  });
});

describe('the choice is checked on POST', () => {
  it('an organization the user does not belong to, an unknown code or none gets the page again with an error, and no code', async () => {
    const { location, verifier } = await authorize(multi);
    const page = await chooser(multi, location);
    for (const org_code of [foreign, 'org_does_not_exist', '']) {
      const r = await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code });
      expect(r.status, org_code).toBe(400);
      expect(r.headers.get('location')).toBeNull();
      const html = await r.text();
      expect(html).toContain('role="alert">Choose one of your organizations.</p>');
      expect(html).toContain(`value="${acme}"`);
    }
    // Nothing was recorded; the request still waits for a real choice.
    const row = await s.deps.repos.authorize.findLiveRequest(hashToken(page.req), Date.now());
    expect(row).toBeDefined();
    expect(JSON.parse(row!.extra)).not.toHaveProperty('org_code');
    const r = await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code: acme });
    expect((await exchange(new URL(r.headers.get('location')!), verifier)).org_code).toBe(acme);
  });

  it('an organization the user left since the page was shown is refused', async () => {
    const temp = await organization('Temporary', multi);
    const { location } = await authorize(multi);
    const page = await chooser(multi, location);
    expect(page.choices.map((c) => c.code)).toContain(temp);
    const org = (await s.deps.repos.organizations.findByCode(temp))!;
    await s.deps.db.deleteFrom('memberships').where('user_id', '=', multi.userId).where('organization_id', '=', org.id).execute();
    const r = await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code: temp });
    expect(r.status).toBe(400);
    expect(await r.text()).not.toContain(`value="${temp}"`);
  });

  it('CSRF: a missing token, another form\'s token or a cross-site post is refused, and no code', async () => {
    const { location } = await authorize(multi);
    const page = await chooser(multi, location);
    const missing = await post(multi, '/organizations/select', { req: page.req, org_code: acme });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('This form expired. Please try again.');
    // The consent form's token of the same browser is not this form's.
    const consent = await get(multi, `/consent?req=${encodeURIComponent(page.req)}`);
    const consentToken = /name="csrf_token" value="([^"]+)"/.exec(await consent.text())![1];
    expect(consentToken).not.toBe(page.token);
    expect((await post(multi, '/organizations/select', { csrf_token: consentToken, req: page.req, org_code: acme })).status).toBe(403);
    const crossSite = await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code: acme }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('location')).toBeNull();
    // The request is untouched and can still be answered by the real form.
    expect((await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code: acme })).status).toBe(303);
  });
});

describe('prompt=none and consent', () => {
  it('prompt=none with several organizations: the first one, recorded on the request, no page', async () => {
    const { location, verifier } = await authorize(multi, { prompt: 'none' });
    expect(location.href.startsWith(`${CB}?`)).toBe(true);
    expect(location.searchParams.get('error')).toBeNull();
    const at = await exchange(location, verifier);
    expect(at.org_code).toBe(multi.personal);
    const rows = await s.deps.db.selectFrom('oauth_authorization_requests').select('extra').where('prompt', '=', 'none').execute();
    expect(rows.map((r) => JSON.parse(r.extra).org_code)).toContain(multi.personal);
  });

  it('a third-party client: consent first, then the chooser; prompt=consent does not ask twice', async () => {
    for (const extra of [{}, { prompt: 'consent' }] as Record<string, string>[]) {
      const { location, verifier } = await authorize(multi, extra, thirdParty);
      expect(location.pathname).toBe('/consent');
      const consent = await get(multi, location.pathname + location.search);
      const token = /name="csrf_token" value="([^"]+)"/.exec(await consent.text())![1];
      const approved = await post(multi, '/consent', { csrf_token: token, req: location.searchParams.get('req')!, decision: 'approve' });
      expect(approved.status).toBe(303);
      const next = new URL(approved.headers.get('location')!);
      const page = await chooser(multi, next);
      const r = await post(multi, '/organizations/select', { csrf_token: page.token, req: page.req, org_code: acme });
      const back = new URL(r.headers.get('location')!);
      expect(back.href.startsWith(`${THIRD_CB}?`), back.href).toBe(true);
      expect((await exchange(back, verifier, thirdParty)).org_code).toBe(acme);
    }
  });

  it('the chooser cannot skip consent: posting a choice before approving goes to the consent page', async () => {
    await s.deps.db.deleteFrom('oauth_consents').where('user_id', '=', multi.userId).execute();
    const { location } = await authorize(multi, {}, thirdParty);
    expect(location.pathname).toBe('/consent');
    const req = location.searchParams.get('req')!;
    const page = await chooser(multi, new URL(`${s.baseUrl}/organizations/select?req=${encodeURIComponent(req)}`));
    const r = await post(multi, '/organizations/select', { csrf_token: page.token, req, org_code: acme });
    expect(r.status).toBe(303);
    expect(new URL(r.headers.get('location')!).pathname).toBe('/consent');
  });
});

describe('language', () => {
  it('the chooser speaks the request\'s lang', async () => {
    const { location } = await authorize(multi, { lang: 'es' });
    const page = await chooser(multi, location);
    expect(page.html).toContain('<html lang="es">');
    expect(page.html).toContain('<h1>Elige una organización</h1>');
    const fr = await chooser(multi, (await authorize(multi, { lang: 'fr-CA' })).location);
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.html).toContain('<h1>Choisissez une organisation</h1>');
  });
});
