import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import * as oidc from 'openid-client';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { hashToken } from '../../src/services/crypto';
import type { OAuthClient } from '../../src/services/oauth/types';

/** Shared set-up of the hosted-page browser tests: server, Chromium, a relying party's loopback listener. */
export interface Kit {
  s: TestServer;
  browser: Browser;
  /** Origin of the relying party's listener (answers 200 to any path). */
  rp: string;
  close(): Promise<void>;
}

export async function startKit(): Promise<Kit> {
  const rpServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>Relying party</p>'));
  await new Promise<void>((done) => rpServer.listen(0, '127.0.0.1', done));
  const rp = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}`;
  const s = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  return {
    s,
    browser,
    rp,
    close: async () => {
      await browser.close();
      rpServer.closeAllConnections();
      await new Promise((done) => rpServer.close(done));
      await s.close();
    },
  };
}

export const SECRET = 'S3cr3t'.repeat(8);

/** A confidential web application redirecting to the relying party's listener. */
export async function addWebClient(kit: Kit, clientId: string, name: string, firstParty: boolean, redirectUris = [`${kit.rp}/cb`]): Promise<OAuthClient> {
  const client: OAuthClient = {
    clientId,
    name,
    type: 'confidential',
    redirectUris,
    logoutUris: [`${kit.rp}/signed-out`],
    grantTypes: ['authorization_code', 'refresh_token'],
    defaultScopes: ['openid', 'profile'],
    tokenFormat: 'jwt',
    firstParty,
    audiences: [],
  };
  await kit.s.deps.repos.oauthClients.insert({ ...client, secretHash: hashToken(SECRET), createdAt: Date.now() });
  return client;
}

export const discoverClient = (kit: Kit, clientId: string, auth: oidc.ClientAuth) =>
  oidc.discovery(new URL(kit.s.baseUrl), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });

export async function registerUser(kit: Kit, email: string, password: string, fullName: string): Promise<void> {
  const r = await fetch(`${kit.s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, full_name: fullName }),
  });
  expect(r.status).toBe(201);
}

/**
 * A fresh browser context that records every HTML response and redirect of the server, so that a test
 * can assert that each one carried the page security headers.
 */
export interface Opened {
  context: BrowserContext;
  page: Page;
  pageResponses: { url: string; status: number; csp?: string }[];
  /** Console errors of any tab (a CSP violation, such as a blocked inline style, is one). */
  consoleErrors: string[];
}

export async function openContext(kit: Kit, options: BrowserContextOptions = {}): Promise<Opened> {
  const context = await kit.browser.newContext(options);
  // Fail a wrong expectation in seconds, with the step that failed, rather than at the test timeout.
  context.setDefaultTimeout(10_000);
  const pageResponses: Opened['pageResponses'] = [];
  const consoleErrors: string[] = [];
  context.on('console', (m) => {
    // Error statuses (401, 400) are logged too; they are asserted by the tests themselves.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
  });
  context.on('response', (r) => {
    const h = r.headers();
    const isPage = (h['content-type'] ?? '').startsWith('text/html') || (r.status() >= 300 && r.status() < 400);
    if (r.url().startsWith(kit.s.baseUrl) && isPage) pageResponses.push({ url: r.url(), status: r.status(), csp: h['content-security-policy'] });
  });
  return { context, page: await context.newPage(), pageResponses, consoleErrors };
}

/**
 * Every page and redirect the server answered carried a CSP forbidding framing, and no page broke
 * its own policy (the console reports any refused style or resource).
 */
export function expectSecurePages({ pageResponses, consoleErrors }: Pick<Opened, 'pageResponses' | 'consoleErrors'>): void {
  expect(pageResponses.length).toBeGreaterThan(0);
  for (const r of pageResponses) expect(r.csp, r.url).toMatch(/frame-ancestors 'none'/);
  expect(consoleErrors).toEqual([]);
}

/** Fills the hosted sign-in form and submits it; resolves with the POST's status. */
export async function signIn(page: Page, email: string, password: string): Promise<number> {
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  const [posted] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.waitForLoadState();
  return posted.status();
}

/** Authorization request parameters with PKCE S256, state and nonce, and the values to check the answer with. */
export async function authorizationRequest(config: oidc.Configuration, redirectUri: string, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier: verifier, expectedState: oidc.randomState(), expectedNonce: oidc.randomNonce() };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    ...extra,
  });
  return { url, checks };
}

/** Paths of the server's pages a tab visited (to prove a page was skipped). */
export function visitedPaths(page: Page, baseUrl: string): string[] {
  const paths: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(baseUrl)) paths.push(new URL(r.url()).pathname);
  });
  return paths;
}
