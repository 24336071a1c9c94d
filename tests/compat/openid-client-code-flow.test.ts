import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

/**
 * openid-client v6 as a native app (kendr-desktop, RFC 8252 loopback redirect) against both path
 * families, with the hosted sign-in page driven in headless Chromium.
 */
let s: TestServer;
let browser: Browser;
let callbackServer: Server;
let redirectUri: string;
const CLIENT_ID = 'kendr-desktop';
const EMAIL = 'desktop-user@example.com';
const PASSWORD = 'correct horse battery';
const SCOPE = 'openid profile email offline_access';

const discover = {
  /** OpenID discovery names seed 002's family: /oauth2/auth and /oauth2/token. */
  oidc: () => oidc.discovery(new URL(s.baseUrl), CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] }),
  /** RFC 8414 metadata names seed 000's family: /oauth/authorize and /oauth/token. */
  oauth2: () => oidc.discovery(new URL(s.baseUrl), CLIENT_ID, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' }),
};

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
/** OIDC Core §3.3.2.11: base64url of the left half of SHA-256 of the access token. */
const atHash = (accessToken: string) => createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');

interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
  /** Every URL the tab requested while following the authorization request. */
  visited: string[];
}

/** Builds the authorization URL (PKCE S256, state, nonce) and opens it in the tab. */
async function startAuthorization(page: Page, config: oidc.Configuration, extra: Record<string, string> = {}): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const visited: string[] = [];
  page.on('request', (r) => visited.push(r.url()));
  await page.goto(url.href);
  return { url, verifier, state, nonce, visited };
}

async function signIn(page: Page) {
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Email', { exact: true }).fill(EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${redirectUri}?**`);
}

const exchange = (config: oidc.Configuration, page: Page, started: Started) =>
  oidc.authorizationCodeGrant(config, new URL(page.url()), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
    idTokenExpected: true,
  });

/** The error a promise rejects with (openid-client puts the reason in `cause`). */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { cause?: Error }) => e,
  );

beforeAll(async () => {
  s = await startServer();
  const r = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD, full_name: 'Desk Top' }),
  });
  expect(r.status).toBe(201);
  // The native app's loopback listener (RFC 8252 §7.3): any free port, the registered path.
  callbackServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Signed in. Return to the app.</p>'));
  await new Promise<void>((done) => callbackServer.listen(0, '127.0.0.1', done));
  redirectUri = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
  callbackServer?.closeAllConnections();
  await new Promise((done) => callbackServer?.close(done));
  await s?.close();
});

describe.each([
  ['OpenID discovery (/oauth2/auth, /oauth2/token)', 'oidc', '/oauth2/auth', '/oauth2/token'],
  ['RFC 8414 metadata (/oauth/authorize, /oauth/token)', 'oauth2', '/oauth/authorize', '/oauth/token'],
] as const)('openid-client code flow + PKCE via %s', (_name, kind, authorizePath, tokenPath) => {
  let config: oidc.Configuration;
  beforeAll(async () => {
    config = await discover[kind]();
  });

  it('names the expected endpoints', () => {
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(s.baseUrl);
    expect(new URL(meta.authorization_endpoint!).pathname).toBe(authorizePath);
    expect(new URL(meta.token_endpoint!).pathname).toBe(tokenPath);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('signs in on the hosted page, exchanges the code, reads user info, rotates and revokes tokens; SSO and prompt=login', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      const started = await startAuthorization(page, config);
      expect(started.url.pathname).toBe(authorizePath);
      expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
      await signIn(page);

      // The authorization response carries code, state and iss (RFC 9207); openid-client checks all three.
      const callback = new URL(page.url());
      expect(callback.searchParams.get('iss')).toBe(s.baseUrl);
      expect(callback.searchParams.get('state')).toBe(started.state);
      const tokens = await exchange(config, page, started);
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.scope).toBe(SCOPE);
      expect(tokens.refresh_token).toBeTruthy();

      const idToken = decode(tokens.id_token!);
      const nowSeconds = Math.floor(Date.now() / 1000);
      expect(idToken.iss).toBe(s.baseUrl);
      expect(idToken.aud).toEqual([CLIENT_ID]);
      expect(idToken.nonce).toBe(started.nonce);
      expect(idToken.at_hash).toBe(atHash(tokens.access_token));
      expect(idToken.amr).toEqual(['pwd']);
      expect(idToken.auth_time).toBeGreaterThan(nowSeconds - 60);
      expect(idToken.auth_time).toBeLessThanOrEqual(nowSeconds);
      expect(idToken.email).toBe(EMAIL);
      const sub = tokens.claims()!.sub;

      const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
      expect(info).toMatchObject({ sub, email: EMAIL, name: 'Desk Top' });

      // Refresh rotates the refresh token and returns a new, valid ID token for the same user.
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.refresh_token).toBeTruthy();
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      expect(refreshed.claims()?.sub).toBe(sub);

      // Revocation (RFC 7009) by the public client: the access token stops working, and so does the refresh token.
      await oidc.tokenRevocation(config, refreshed.access_token);
      await expect(oidc.fetchUserInfo(config, refreshed.access_token, sub)).rejects.toThrow();
      await oidc.tokenRevocation(config, refreshed.refresh_token!);
      await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

      // SSO: the same browser is not asked again.
      const again = await startAuthorization(page, config);
      expect(page.url().startsWith(`${redirectUri}?`)).toBe(true);
      expect(again.visited.some((u) => new URL(u).pathname === '/login')).toBe(false);
      const ssoTokens = await exchange(config, page, again);
      expect(ssoTokens.claims()?.sub).toBe(sub);
      expect(ssoTokens.claims()?.auth_time).toBe(idToken.auth_time);

      // prompt=login shows the sign-in page again, and the new sign-in is what the ID token reports.
      await new Promise((r) => setTimeout(r, 1100));
      const forced = await startAuthorization(page, config, { prompt: 'login' });
      expect(new URL(page.url()).pathname).toBe('/login');
      await signIn(page);
      const forcedTokens = await exchange(config, page, forced);
      expect(forcedTokens.claims()?.sub).toBe(sub);
      expect(forcedTokens.claims()!.auth_time!).toBeGreaterThan(idToken.auth_time as number);
    } finally {
      await context.close();
    }
  });

  it('max_age=0 asks a signed-in user to sign in again, and the fresh sign-in completes the request', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      const signedIn = await startAuthorization(page, config);
      await signIn(page);
      const first = decode((await exchange(config, page, signedIn)).id_token!);
      await new Promise((r) => setTimeout(r, 1100));
      const started = await startAuthorization(page, config, { max_age: '0' });
      expect(new URL(page.url()).pathname).toBe('/login');
      await signIn(page);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
        maxAge: 0,
      });
      expect(tokens.claims()!.auth_time!).toBeGreaterThan(first.auth_time as number);
    } finally {
      await context.close();
    }
  });

  it('a forged iss or state is refused by openid-client, a wrong PKCE verifier by the server', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    try {
      const page = await context.newPage();
      const started = await startAuthorization(page, config);
      await signIn(page);
      const forged = new URL(page.url());
      forged.searchParams.set('iss', 'http://127.0.0.1:1');
      const e = await failure(oidc.authorizationCodeGrant(config, forged, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce }));
      expect(e.cause?.message).toMatch(/"iss"/);
      const e2 = await failure(oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: started.verifier, expectedState: 'other-state', expectedNonce: started.nonce }));
      expect(e2.cause?.message).toMatch(/"state"/);
      // The server binds the code to the PKCE verifier: a wrong one is refused, and the code is spent.
      const wrongVerifier = { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: started.state, expectedNonce: started.nonce };
      await expect(oidc.authorizationCodeGrant(config, new URL(page.url()), wrongVerifier)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(exchange(config, page, started)).rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      await context.close();
    }
  });
});
