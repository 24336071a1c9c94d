import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { createSession } from '../../src/services/sessions';
import { createPersonalTenant } from '../../src/services/tenants';
import { assertPasswordLoginAllowed } from '../../src/services/sso/config';

/**
 * A minimal standards-following OIDC provider on loopback (discovery, JWKS, code flow with PKCE,
 * client_secret_basic, RS256 ID tokens with the nonce). It signs in whichever user the test
 * sets as `nextUser`, and lets a test tamper with the ID token to prove validation.
 */
async function stubProvider() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  // Same kid and algorithm, but not the key the JWKS publishes: an attacker's token.
  const rogue = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; user: StubUser }>();
  const state = { nextUser: undefined as StubUser | undefined, tamper: undefined as undefined | ((c: Record<string, unknown>) => void), forgeSignature: false, tokenCalls: 0 };
  let issuer = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url!, issuer);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      const code = randomBytes(16).toString('hex');
      codes.set(code, { nonce: p.get('nonce')!, challenge: p.get('code_challenge')!, redirectUri: p.get('redirect_uri')!, user: state.nextUser! });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state')!);
      return res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      state.tokenCalls++;
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      const [id, secret] = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
      if (id !== 'downstream' || secret !== 'stub-secret') return json(401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifierOk = grant && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === grant.challenge;
      if (!grant || !verifierOk || form.get('redirect_uri') !== grant.redirectUri) return json(400, { error: 'invalid_grant' });
      const claims: Record<string, unknown> = { nonce: grant.nonce, email: grant.user.email, email_verified: grant.user.verified ?? true, name: grant.user.name };
      state.tamper?.(claims);
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(issuer).setAudience('downstream').setSubject(grant.user.sub)
        .setIssuedAt().setExpirationTime('5m').sign(state.forgeSignature ? rogue.privateKey : privateKey);
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}
interface StubUser { sub: string; email: string; name?: string; verified?: boolean }

let s: TestServer;
let idp: Awaited<ReturnType<typeof stubProvider>>;
let adminCookie: string;
let tenantId: number;
let tenantCode: string;
const now = Date.now();

const configure = (extra: Record<string, unknown> = {}) =>
  fetch(`${s.baseUrl}/api/v1/sso`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: adminCookie },
    body: JSON.stringify({ action: 'configure', config: {
      provider: 'oidc', enabled: true, oidcIssuer: idp.issuer, oidcClientId: 'downstream', oidcClientSecret: 'stub-secret',
      defaultRole: 'member', allowedDomains: ['example.com'], autoProvision: true, enforceForAllUsers: false, ...extra,
    } }),
  });

/** Runs the browser's side of the flow: start → upstream → callback; returns the callback response. */
async function signInThroughSso(user: StubUser, redirectUri = '/welcome') {
  idp.state.nextUser = user;
  const start = await fetch(`${s.baseUrl}/api/v1/sso/start?tenant=${tenantCode}&redirectUri=${encodeURIComponent(redirectUri)}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const atIdp = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  expect(atIdp.status).toBe(302);
  const callback = atIdp.headers.get('location')!;
  expect(callback.startsWith(`${s.baseUrl}/api/v1/sso/callback?`)).toBe(true);
  return { res: await fetch(callback, { redirect: 'manual' }), callback };
}
const sessionCookie = (res: Response) => /kendr_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

beforeAll(async () => {
  [s, idp] = await Promise.all([startServer(), stubProvider()]);
  const admin = await s.deps.repos.users.create({ email: 'boss@example.com', fullName: 'Boss' }, null, now);
  ({ id: tenantId, code: tenantCode } = await createPersonalTenant(s.deps.repos.tenants, admin.id, 'Boss', now));
  adminCookie = `kendr_session=${(await createSession(s.deps, admin.id, 'browser')).token}`;
  expect((await configure()).status).toBe(200);
});
afterAll(async () => {
  await Promise.all([s?.close(), idp?.close()]);
});

describe('OIDC SSO callback against a stub provider', () => {
  it('provisions an unknown user with defaultRole, links the upstream identity, signs in and redirects', async () => {
    const { res } = await signInThroughSso({ sub: 'upstream-sub-1', email: 'Ada@Example.com', name: 'Ada Lovelace' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/welcome');
    const token = sessionCookie(res);
    expect(token).toBeTruthy();
    const user = await s.deps.repos.users.findByEmail('ada@example.com');
    expect(user).toMatchObject({ email: 'ada@example.com', email_verified: 1 });
    expect((await s.deps.repos.tenants.membership(user!.id, tenantId))?.role).toBe('member');
    const identity = await s.deps.db.selectFrom('identities').selectAll().where('user_id', '=', user!.id).where('type', '=', 'upstream').executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ provider: idp.issuer, value: 'upstream-sub-1' });
    // The cookie is a live browser session for that user: it opens the admin-only API with 403 (member), not 401.
    expect((await fetch(`${s.baseUrl}/api/v1/sso`, { headers: { cookie: `kendr_session=${token}` } })).status).toBe(403);
  });

  it('starts by email domain too (home-realm discovery)', async () => {
    idp.state.nextUser = { sub: 'upstream-sub-1', email: 'ada@example.com' };
    const start = await fetch(`${s.baseUrl}/api/v1/sso/start?email=ada%40example.com`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(start.headers.get('location')!.startsWith(`${idp.issuer}/authorize?`)).toBe(true);
  });

  it('a second sign-in finds the same user by the upstream subject', async () => {
    const before = await s.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const { res } = await signInThroughSso({ sub: 'upstream-sub-1', email: 'ada@example.com' });
    expect(res.status).toBe(302);
    const after = await s.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('the state is single-use: replaying the callback is 400 and the code is not exchanged again', async () => {
    const { callback } = await signInThroughSso({ sub: 'upstream-sub-2', email: 'bob@example.com' });
    const calls = idp.state.tokenCalls;
    const replay = await fetch(callback, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(idp.state.tokenCalls).toBe(calls);
  });

  it('an expired state is refused (400)', async () => {
    idp.state.nextUser = { sub: 'upstream-sub-1', email: 'ada@example.com' };
    const start = await fetch(`${s.baseUrl}/api/v1/sso/start?tenant=${tenantCode}`, { redirect: 'manual' });
    const callback = (await fetch(start.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    await s.deps.db.updateTable('sso_states').set({ expires_at: Date.now() - 1 }).execute();
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(400);
  });

  it('refuses an email domain outside allowedDomains (403), creating nobody', async () => {
    const { res } = await signInThroughSso({ sub: 'upstream-sub-3', email: 'eve@evil.example' }, '/');
    expect(res.status).toBe(403);
    expect((await res.json()).errors[0]).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/domain is not allowed/) });
    expect(await s.deps.repos.users.findByEmail('eve@evil.example')).toBeUndefined();
  });

  it('refuses an ID token with a wrong nonce (400) and an unverified email (403)', async () => {
    idp.state.tamper = (c) => { c.nonce = 'attacker-nonce'; };
    expect((await signInThroughSso({ sub: 'upstream-sub-4', email: 'mallory@example.com' })).res.status).toBe(400);
    idp.state.tamper = undefined;
    expect((await signInThroughSso({ sub: 'upstream-sub-5', email: 'unverified@example.com', verified: false })).res.status).toBe(403);
    expect(await s.deps.repos.users.findByEmail('mallory@example.com')).toBeUndefined();
  });

  it('refuses an ID token whose signature does not verify with the issuer\'s JWKS (400), even over plain-http loopback', async () => {
    idp.state.forgeSignature = true;
    try {
      const { res } = await signInThroughSso({ sub: 'forged-sub', email: 'forged@example.com' });
      expect(res.status).toBe(400);
      expect(sessionCookie(res)).toBeUndefined();
    } finally {
      idp.state.forgeSignature = false;
    }
    expect(await s.deps.repos.users.findByEmail('forged@example.com')).toBeUndefined();
  });

  it('with autoProvision off an unknown user is refused (403) and not created', async () => {
    expect((await configure({ autoProvision: false, oidcClientSecret: undefined })).status).toBe(200);
    const { res } = await signInThroughSso({ sub: 'upstream-sub-6', email: 'newbie@example.com' });
    expect(res.status).toBe(403);
    expect((await res.json()).errors[0]).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/auto-provisioning is off or not possible/) });
    expect(await s.deps.repos.users.findByEmail('newbie@example.com')).toBeUndefined();
    // A known member still gets in.
    expect((await signInThroughSso({ sub: 'upstream-sub-1', email: 'ada@example.com' })).res.status).toBe(302);
    await configure({ oidcClientSecret: undefined });
  });

  it('never takes over an account of another tenant that has the same email (403)', async () => {
    const victim = await s.deps.repos.users.create({ email: 'victim@example.com', fullName: 'Victim' }, null, now);
    await createPersonalTenant(s.deps.repos.tenants, victim.id, 'Victim', now);
    const { res } = await signInThroughSso({ sub: 'attacker-controlled', email: 'victim@example.com' });
    expect(res.status).toBe(403);
    expect(sessionCookie(res)).toBeUndefined();
    expect(await s.deps.repos.tenants.membership(victim.id, tenantId)).toBeUndefined();
  });

  it('links an existing member of the tenant found by email', async () => {
    const dave = await s.deps.repos.users.create({ email: 'dave@example.com', fullName: 'Dave' }, null, now);
    await s.deps.repos.tenants.addMember(dave.id, tenantId, 'member', now);
    const { res } = await signInThroughSso({ sub: 'upstream-dave', email: 'dave@example.com' });
    expect(res.status).toBe(302);
    expect(await s.deps.db.selectFrom('identities').select('user_id').where('type', '=', 'upstream').where('value', '=', 'upstream-dave').executeTakeFirst()).toEqual({ user_id: dave.id });
  });

  it('defaultRole admin is applied to provisioned users', async () => {
    await configure({ defaultRole: 'admin', oidcClientSecret: undefined });
    const { res } = await signInThroughSso({ sub: 'upstream-sub-7', email: 'carol@example.com' });
    expect(res.status).toBe(302);
    const carol = await s.deps.repos.users.findByEmail('carol@example.com');
    expect((await s.deps.repos.tenants.membership(carol!.id, tenantId))?.role).toBe('admin');
    await configure({ oidcClientSecret: undefined });
  });

  it('enforceForAllUsers makes assertPasswordLoginAllowed refuse the tenant\'s users only', async () => {
    const ada = (await s.deps.repos.users.findByEmail('ada@example.com'))!;
    const outsider = await s.deps.repos.users.create({ email: 'outsider@other.example', fullName: 'Out' }, null, now);
    await expect(assertPasswordLoginAllowed(s.deps, ada.id)).resolves.toBeUndefined();
    await configure({ enforceForAllUsers: true, oidcClientSecret: undefined });
    await expect(assertPasswordLoginAllowed(s.deps, ada.id)).rejects.toMatchObject({ status: 403, code: 'sso_required' });
    await expect(assertPasswordLoginAllowed(s.deps, outsider.id)).resolves.toBeUndefined();
    await configure({ enforceForAllUsers: true, enabled: false, oidcClientSecret: undefined });
    await expect(assertPasswordLoginAllowed(s.deps, ada.id)).resolves.toBeUndefined();
    await configure({ oidcClientSecret: undefined });
  });

  it('enforceForAllUsers refuses password sign-in on /api/auth/login and /api/app/auth/login (403 sso_required)', async () => {
    const pw = 'Member-Pass-42';
    const frank = await s.deps.repos.users.create({ email: 'frank@example.com', fullName: 'Frank', emailVerified: true }, await s.deps.passwords.hash(pw), now);
    await s.deps.repos.tenants.addMember(frank.id, tenantId, 'member', now);
    const login = (path: string, password = pw) =>
      fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'frank@example.com', password }) });
    expect((await login('/api/auth/login')).status).toBe(200);
    await configure({ enforceForAllUsers: true, oidcClientSecret: undefined });
    for (const path of ['/api/auth/login', '/api/app/auth/login']) {
      const res = await login(path);
      expect(res.status, path).toBe(403);
      const body = await res.json();
      expect(body).toMatchObject({ ok: false, error: 'sso_required' });
      expect(body.message).toMatch(/single sign-on/);
      expect(res.headers.get('set-cookie') ?? '').not.toContain('kendr_session=');
      // A wrong password still gets the generic 401: the SSO requirement is told only to the password's holder.
      expect((await login(path, 'Wrong-Pass-42')).status).toBe(401);
    }
    await configure({ oidcClientSecret: undefined });
    expect((await login('/api/app/auth/login')).status).toBe(200);
  });

  it('the public start is rate limited per IP (429 with Retry-After)', async () => {
    let res: Response | undefined;
    for (let i = 0; i < 40; i++) {
      res = await fetch(`${s.baseUrl}/api/v1/sso/start?tenant=${tenantCode}`, { redirect: 'manual' });
      if (res.status === 429) break;
      expect(res.status).toBe(302);
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
