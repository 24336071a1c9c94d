import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKindeServerClient, GrantType } from '@kinde-oss/kinde-typescript-sdk';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { memorySession } from '../helpers/kindeSession';
import { startServer, type TestServer } from '../helpers/server';
import { enableMfa, setupMfa } from '../../src/services/mfa';

/**
 * @kinde-oss/kinde-typescript-sdk, unmodified, completes its PKCE login against Keyhaven (seed 002's
 * /oauth2/auth, /oauth2/token, /oauth2/v2/user_profile, /logout), the sign-in page driven in Chromium.
 */
const CLIENT_ID = 'kinde-sdk-spa';
const EMAIL = 'kinde-user@example.com';
const PASSWORD = 'Correct-Horse-42';


let s: TestServer;
let browser: TestBrowser;
// The application the SDK runs in: a loopback server that only records where the browser was sent.
let app: Server;
let appUrl: string;
const seen: URL[] = [];
let userPublicId: string;
let orgCode: string;

beforeAll(async () => {
  s = await startServer({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' });
  app = createServer((req, res) => {
    const url = new URL(req.url!, appUrl);
    if (url.pathname !== '/favicon.ico') seen.push(url);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>App</title><p>app</p>');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  // A public SPA-style application with JWT access tokens, as the SDK validates them against the JWKS.
  await s.deps.repos.oauthClients.insert({
    clientId: CLIENT_ID,
    name: 'Kinde SDK app',
    type: 'public',
    redirectUris: [`${appUrl}/api/auth/kinde_callback`],
    logoutUris: [`${appUrl}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    defaultScopes: ['openid', 'profile', 'email'],
    tokenFormat: 'jwt',
    firstParty: true,
    audiences: [],
    secretHash: null,
    createdAt: Date.now(),
  });
  const reg = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD, full_name: 'Kim Dee' }),
  });
  expect(reg.status).toBe(201);
  const user = (await s.deps.repos.users.findByEmail(EMAIL))!;
  userPublicId = user.public_id;
  orgCode = (await s.deps.repos.tenants.organizationsOf(user.id))[0].code;
  const now = Date.now();
  await s.deps.db.insertInto('feature_flags').values([
    { id: 'ff_dark', key: 'dark_mode', name: 'Dark mode', description: null, type: 'bool', allow_override_level: 'usr', default_value: 'true', created_at: now, updated_at: now },
    { id: 'ff_max', key: 'max_projects', name: 'Max projects', description: null, type: 'int', allow_override_level: 'org', default_value: '3', created_at: now, updated_at: now },
  ]).execute();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => app?.close(r));
  await s?.close();
});

const kindeClient = () =>
  createKindeServerClient(GrantType.PKCE, {
    authDomain: s.baseUrl,
    clientId: CLIENT_ID,
    redirectURL: `${appUrl}/api/auth/kinde_callback`,
    logoutRedirectURL: `${appUrl}/`,
  });

/** The browser follows the SDK's login URL, signs in on the hosted page and lands on the app's callback. */
async function signInAt(page: Page, loginUrl: URL): Promise<URL> {
  seen.length = 0;
  await page.goto(loginUrl.href);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.href.startsWith(`${appUrl}/api/auth/kinde_callback`));
  expect(seen).toHaveLength(1);
  return seen[0];
}

describe('@kinde-oss/kinde-typescript-sdk PKCE login against Keyhaven', () => {
  let client: ReturnType<typeof kindeClient>;
  const session = memorySession();
  let page: Page;

  it('login() builds an /oauth2/auth URL with S256 PKCE; the hosted sign-in sends the code back', async () => {
    client = kindeClient();
    const loginUrl = await client.login(session);
    expect(`${loginUrl.origin}${loginUrl.pathname}`).toBe(`${s.baseUrl}/oauth2/auth`);
    expect(loginUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(loginUrl.searchParams.get('scope')).toBe('openid profile email offline');
    expect(await client.isAuthenticated(session)).toBe(false);

    page = await browser.newPage();
    const callback = await signInAt(page, loginUrl);
    expect(callback.searchParams.get('state')).toBe(loginUrl.searchParams.get('state'));
    expect(callback.searchParams.get('iss')).toBe(s.baseUrl);

    await client.handleRedirectToApp(session, callback);
    expect(await client.isAuthenticated(session)).toBe(true);
    // The SDK committed only tokens that passed its own JWKS check (RS256, kid, use: sig).
    const access = decodeJwt(session.items.get('access_token') as string);
    expect(access).toMatchObject({ iss: s.baseUrl, sub: userPublicId, client_id: CLIENT_ID, permissions: [], org_code: orgCode });
    expect(session.items.get('refresh_token')).toMatch(/^kndr_ort_/);
    // The verifier was single-use state: removed after the exchange.
    expect([...session.items.keys()].filter((k) => k.startsWith('acwpf-state-key'))).toEqual([]);
  });

  it('reads the user back from /oauth2/v2/user_profile and from the ID token', async () => {
    // The SDK types it as UserType; the body is seed 002's user_profile_v2.
    const profile = (await client.getUserProfile(session)) as unknown as Record<string, unknown>;
    expect(profile).toMatchObject({ id: userPublicId, sub: userPublicId, email: EMAIL, name: 'Kim Dee', updated_at: expect.any(Number) });
    const user = await client.getUser(session);
    expect(user).toMatchObject({ id: userPublicId, email: EMAIL });
    expect(await client.getClaimValue(session, 'email', 'id_token')).toBe(EMAIL);
    // Seed 002's claims as the SDK reads them: the organization signed into (the user's own, as none was
    // asked for), the roles and permissions it grants (none here), and the feature flags.
    expect(await client.getPermissions(session)).toEqual({ permissions: [], orgCode });
    expect(await client.getOrganization(session)).toEqual({ orgCode });
    expect(await client.getUserOrganizations(session)).toEqual({ orgCodes: [orgCode] });
    expect(await client.getBooleanFlag(session, 'dark_mode')).toBe(true);
    expect(await client.getIntegerFlag(session, 'max_projects')).toBe(3);
    expect(await client.getBooleanFlag(session, 'no_such_flag', false)).toBe(false);
  });

  it('refreshTokens rotates the refresh token and keeps the user signed in', async () => {
    const before = session.items.get('refresh_token') as string;
    const tokens = await client.refreshTokens(session);
    expect(tokens.refresh_token).toMatch(/^kndr_ort_/);
    expect(tokens.refresh_token).not.toBe(before);
    expect(session.items.get('refresh_token')).toBe(tokens.refresh_token);
    expect(await client.isAuthenticated(session)).toBe(true);
    expect((await client.getUserProfile(session)).email).toBe(EMAIL);
    // The spent refresh token is refused (rotation).
    const reuse = await fetch(`${s.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before, client_id: CLIENT_ID }),
    });
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('logout() clears the SDK session and points to /logout with the registered logout URL, which signs the browser out', async () => {
    const logoutUrl = await client.logout(session);
    expect(`${logoutUrl.origin}${logoutUrl.pathname}`).toBe(`${s.baseUrl}/logout`);
    expect(logoutUrl.searchParams.get('redirect')).toBe(`${appUrl}/`);
    expect(session.items.size).toBe(0);
    expect(await client.isAuthenticated(session)).toBe(false);

    seen.length = 0;
    await page.goto(logoutUrl.href);
    // No id_token_hint (the SDK sends none): signed out at once and sent to the registered URL.
    await page.waitForURL(`${appUrl}/`);
    expect(seen.map((u) => u.pathname)).toEqual(['/']);
    const cookies = await browser.context.cookies(s.baseUrl);
    expect(cookies.find((c) => c.name === 'kendr_session')).toBeUndefined();

    // The next login asks for the password again (no SSO session left).
    const again = await kindeClient().login(memorySession());
    await page.goto(again.href);
    await page.getByLabel('Password').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('register() opens the hosted account creation page; the new user comes back signed in', async () => {
    const fresh = memorySession();
    const c = kindeClient();
    const registerUrl = await c.register(fresh);
    expect(registerUrl.searchParams.get('start_page')).toBe('registration');
    const p = await browser.newPage();
    seen.length = 0;
    await p.goto(registerUrl.href);
    expect(new URL(p.url()).pathname).toBe('/register');
    await p.getByLabel('Full name').fill('Nia New');
    await p.getByLabel('Email').fill('kinde-new@example.com');
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.waitForURL((u) => u.href.startsWith(`${appUrl}/api/auth/kinde_callback`));
    await c.handleRedirectToApp(fresh, seen[0]);
    const user = await c.getUser(fresh);
    const created = (await s.deps.repos.users.findByEmail('kinde-new@example.com'))!;
    expect(user).toMatchObject({ id: created.public_id, email: 'kinde-new@example.com' });
    await p.close();
  });

  it('a user with TOTP on is asked for the second factor; the SDK sees amr pwd+otp in the ID token', async () => {
    const user = await s.deps.repos.users.create({ email: 'kinde-mfa@example.com', fullName: 'M F' }, await s.deps.passwords.hash(PASSWORD), Date.now());
    const secret = new URL((await setupMfa(s.deps, user.id)).otpauthUrl).searchParams.get('secret')!;
    const { backupCodes } = await enableMfa(s.deps, user.id, await generate({ secret }));
    const fresh = memorySession();
    const c = kindeClient();
    const b = await launchBrowser();
    try {
      const p = await b.newPage();
      seen.length = 0;
      await p.goto((await c.login(fresh)).href);
      await p.getByLabel('Email').fill('kinde-mfa@example.com');
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByLabel('Verification code').fill(backupCodes[0]);
      expect(seen).toEqual([]);
      await p.getByRole('button', { name: 'Verify' }).click();
      await p.waitForURL((u) => u.href.startsWith(`${appUrl}/api/auth/kinde_callback`));
      await c.handleRedirectToApp(fresh, seen[0]);
      expect(await c.getClaimValue(fresh, 'amr', 'id_token')).toEqual(['pwd', 'otp']);
      expect((await c.getUser(fresh)).id).toBe(user.public_id);
    } finally {
      await b.close();
    }
  });

  it('an unregistered logout URL is refused with an error page', async () => {
    const other = createKindeServerClient(GrantType.PKCE, {
      authDomain: s.baseUrl,
      clientId: CLIENT_ID,
      redirectURL: `${appUrl}/api/auth/kinde_callback`,
      logoutRedirectURL: 'https://evil.example.com/',
    });
    const url = await other.logout(memorySession());
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});
