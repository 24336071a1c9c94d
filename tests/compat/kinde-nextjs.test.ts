import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page, Response as BrowserResponse } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addOrganizationUsers, createFeatureFlag, createOrganization, createPermission, createRole, updateOrganizationFeatureFlagOverride,
  updateOrganizationProperty, updateRolePermissions, updateUserFeatureFlagOverride, updateUserProperty,
} from '../../generated/client';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { startManagementServer, type ManagementServer } from '../helpers/management';
import { freePort } from '../helpers/processes';
import { createOAuthClient } from '../../src/services/oauth/clientRegistration';

/**
 * A real Next.js App Router application on @kinde-oss/kinde-auth-nextjs, unmodified (tests/compat/nextjs-app,
 * its own package.json), with the KINDE_* variables pointing at Keyhaven over plain http, driven in Chromium:
 * LoginLink with orgCode through the hosted sign-in page, getKindeServerSession and useKindeBrowserClient
 * reading what the management API set, refreshTokens from a server action, withAuth in the proxy, CreateOrgLink
 * and LogoutLink ending on the post-logout URL.
 */
const APP_DIR = new URL('./nextjs-app/', import.meta.url).pathname;
const NEXT_BIN = join(APP_DIR, 'node_modules/next/dist/bin/next');
/** Written into .next after a successful build; `next build` empties .next first, so a failed build leaves none. */
const BUILT_STAMP = join(APP_DIR, '.next/keyhaven-built');
const EMAIL = 'next-user@example.com';
const PASSWORD = 'Correct-Horse-42';

/**
 * The SDK reads every KINDE_* variable at run time on the server (nothing is inlined into the build), but its
 * route handler refuses to load without them, and `next build` loads it: the build gets placeholders, so one
 * build serves every run whatever the ports.
 */
const BUILD_ENV = {
  KINDE_CLIENT_ID: 'build-placeholder',
  KINDE_CLIENT_SECRET: 'build-placeholder',
  KINDE_ISSUER_URL: 'http://issuer.placeholder.invalid',
  KINDE_SITE_URL: 'http://app.placeholder.invalid',
  KINDE_POST_LOGOUT_REDIRECT_URL: 'http://app.placeholder.invalid',
  KINDE_POST_LOGIN_REDIRECT_URL: 'http://app.placeholder.invalid',
};

/** Only what Next needs: no vitest variables (NODE_ENV=test), no telemetry. */
const nextEnv = (kinde: Record<string, string>) => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  NODE_ENV: 'production',
  NEXT_TELEMETRY_DISABLED: '1',
  ...kinde,
});

function newestSourceMtime(): number {
  const walk = (p: string): number => {
    const st = statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(st.mtimeMs, ...readdirSync(p).map((e) => walk(join(p, e))));
  };
  const sources = ['app', 'proxy.js', 'next.config.mjs', 'package.json', 'package-lock.json', 'node_modules/.stamp'];
  return Math.max(...sources.map((s) => join(APP_DIR, s)).filter(existsSync).map(walk));
}

/** `next build` once: skipped while the last successful build is newer than every source of the app. */
async function buildApp(): Promise<void> {
  if (!existsSync(NEXT_BIN)) throw new Error(`${APP_DIR} has no node_modules: run \`make deps\` (npm ci --prefix tests/compat/nextjs-app)`);
  if (existsSync(BUILT_STAMP) && statSync(BUILT_STAMP).mtimeMs > newestSourceMtime()) return;
  try {
    await promisify(execFile)(process.execPath, [NEXT_BIN, 'build'], { cwd: APP_DIR, env: nextEnv(BUILD_ENV), maxBuffer: 16 << 20 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`next build failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
  writeFileSync(BUILT_STAMP, `${new Date().toISOString()}\n`);
}

let s: ManagementServer;
let browser: TestBrowser;
let next: ChildProcess;
let nextLog = '';
let appUrl: string;
let clientId: string;
let clientSecret: string;
let userSub: string;
let personalOrg: string;
let orgCode: string;
let roleId: string;
/** Uncaught exceptions and console errors of every page (the SDK's client side included). */
const pageErrors: string[] = [];

async function startNext(port: number, kinde: Record<string, string>): Promise<void> {
  next = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: APP_DIR, env: nextEnv(kinde), stdio: ['ignore', 'pipe', 'pipe'] });
  next.stdout!.on('data', (d) => (nextLog += d));
  next.stderr!.on('data', (d) => (nextLog += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (next.exitCode !== null) throw new Error(`next start exited ${next.exitCode}:\n${nextLog}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/auth/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer:\n${nextLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const built = buildApp();
  built.catch(() => {}); // awaited below; a failure must not surface as an unhandled rejection meanwhile
  s = await startManagementServer({ KEYHAVEN_ARGON2_MEMORY_KIB: '1024', KEYHAVEN_ARGON2_TIME: '1' });
  const port = await freePort();
  // The browser reaches the app as localhost and Keyhaven as 127.0.0.1: two hosts, two cookie jars, as in production.
  appUrl = `http://localhost:${port}`;
  // A confidential application registered as `keyhaven clients create --confidential` does (48-character secret),
  // with the callback the SDK's route handler serves and, as logout URL, exactly what the SDK sends: it drops a
  // trailing slash from KINDE_POST_LOGOUT_REDIRECT_URL, and /logout?redirect= compares strings exactly.
  const created = await createOAuthClient(s.deps, {
    name: 'Next.js app',
    redirectUris: [`${appUrl}/api/auth/kinde_callback`],
    logoutUris: [appUrl],
    grantTypes: ['authorization_code', 'refresh_token'],
    confidential: true,
    firstParty: true,
    scopes: ['openid', 'profile', 'email', 'offline'],
    tokenFormat: 'jwt',
  }, { name: 'name', redirectUri: 'redirect URI', logoutUri: 'logout URI', grant: 'grant', scope: 'scope', confidential: 'confidential' });
  clientId = created.client_id;
  clientSecret = created.client_secret!;
  expect(created.client_secret).toMatch(/^[A-Za-z0-9]{48}$/);

  const reg = await fetch(`${s.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD, full_name: 'Nora Next' }),
  });
  expect(reg.status).toBe(201);
  const user = (await s.deps.repos.users.findByEmail(EMAIL))!;
  userSub = user.public_id;
  personalOrg = (await s.deps.repos.tenants.organizationsOf(user.id))[0].code;

  // Through the management API, as token-claims.test.ts: a permission carried by a role, an organization the
  // user joins with that role, flags overridden for the organization and the user, public properties.
  const perm = await createPermission({ client: s.api, body: { key: 'create:template', name: 'Create templates' } });
  const role = await createRole({ client: s.api, body: { key: 'admin', name: 'Admin', description: 'Administers' } as never });
  roleId = (role.data as { role: { id: string } }).role.id;
  await updateRolePermissions({ client: s.api, path: { role_id: roleId }, body: { permissions: [{ id: perm.data!.permission.id }] } as never });
  const org = await createOrganization({ client: s.api, body: { name: 'Acme' } as never });
  orgCode = (org.data as { organization: { code: string } }).organization.code;
  const added = await addOrganizationUsers({ client: s.api, path: { org_code: orgCode }, body: { users: [{ id: userSub, roles: ['admin'] }] } as never });
  expect(added.response.status).toBe(200);
  await createFeatureFlag({ client: s.api, body: { key: 'theme', name: 'Theme', type: 'str', allow_override_level: 'usr', default_value: 'light' } as never });
  await createFeatureFlag({ client: s.api, body: { key: 'beta', name: 'Beta', type: 'bool', allow_override_level: 'org', default_value: 'false' } as never });
  await createFeatureFlag({ client: s.api, body: { key: 'max_projects', name: 'Max projects', type: 'int', allow_override_level: 'org', default_value: '3' } as never });
  await updateOrganizationFeatureFlagOverride({ client: s.api, path: { org_code: orgCode, feature_flag_key: 'beta' }, query: { value: 'true' } as never });
  await updateOrganizationFeatureFlagOverride({ client: s.api, path: { org_code: orgCode, feature_flag_key: 'max_projects' }, query: { value: '7' } as never });
  await updateUserFeatureFlagOverride({ client: s.api, path: { user_id: userSub, feature_flag_key: 'theme' }, query: { value: 'dark' } as never });
  await updateUserProperty({ client: s.api, path: { user_id: userSub, property_key: 'kp_usr_city' }, query: { value: 'Lisbon' } as never });
  await updateOrganizationProperty({ client: s.api, path: { org_code: orgCode, property_key: 'kp_org_city' }, query: { value: 'Porto' } as never });

  await built;
  await startNext(port, {
    KINDE_CLIENT_ID: clientId,
    KINDE_CLIENT_SECRET: clientSecret,
    KINDE_ISSUER_URL: s.baseUrl,
    KINDE_SITE_URL: appUrl,
    KINDE_POST_LOGOUT_REDIRECT_URL: appUrl,
    KINDE_POST_LOGIN_REDIRECT_URL: `${appUrl}/claims`,
  });
  browser = await launchBrowser();
  browser.context.on('weberror', (e) => pageErrors.push(`${e.page()?.url()}: ${e.error().message}`));
  browser.context.on('console', (m) => m.type() === 'error' && pageErrors.push(`${m.page()?.url()}: ${m.text()}`));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (next && next.exitCode === null) {
    const exited = new Promise((r) => next.once('exit', r));
    next.kill('SIGTERM');
    await exited;
  }
  await s?.close();
});

const json = async (page: Page, selector: string) => JSON.parse((await page.locator(selector).textContent())!) as Record<string, any>;
const appCookies = async () => (await browser.context.cookies(appUrl)).map((c) => c.name);

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('@kinde-oss/kinde-auth-nextjs in a Next.js App Router app against Keyhaven', () => {
  let page: Page;
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`page at ${page?.url()}\nnext start said:\n${nextLog.slice(-4000)}`));
  });

  it('the SDK took its settings from the run-time environment (health route)', async () => {
    const health = await (await fetch(`${appUrl}/api/auth/health`)).json();
    expect(health).toMatchObject({
      issuerURL: s.baseUrl,
      clientID: clientId,
      clientSecret: 'Set correctly',
      redirectURL: `${appUrl}/api/auth/kinde_callback`,
      postLoginRedirectURL: `${appUrl}/claims`,
      postLogoutRedirectURL: appUrl,
    });
  });

  it('LoginLink orgCode: the hosted sign-in page, then getKindeServerSession returns what the management API set', async () => {
    page = await browser.newPage();
    await page.goto(`${appUrl}/?org=${orgCode}`);
    expect(await page.locator('#status').textContent()).toBe('signed out');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.origin === s.baseUrl && u.pathname === '/login');
    await signIn(page);
    await page.waitForURL(`${appUrl}/claims`);
    expect(await appCookies()).toEqual(expect.arrayContaining(['access_token', 'id_token', 'refresh_token']));

    const server = await json(page, '#server');
    expect(server.isAuthenticated).toBe(true);
    expect(server.user).toEqual({
      id: userSub, email: EMAIL, given_name: 'Nora', family_name: 'Next', properties: { city: 'Lisbon', kp_usr_city: 'Lisbon' },
    });
    expect(server.organization).toEqual({ orgCode, orgName: 'Acme', properties: { city: 'Porto', kp_org_city: 'Porto' } });
    expect(server.userOrganizations).toEqual({
      orgCodes: [personalOrg, orgCode],
      orgs: [{ code: personalOrg, name: "Nora Next's playground" }, { code: orgCode, name: 'Acme' }],
    });
    expect(server.permission).toEqual({ isGranted: true, orgCode });
    // The SDK's server getPermission answers null, not isGranted false, for a permission the token lacks: it then
    // reads an x-hasura-permissions claim (Kinde's Hasura mapping) that neither Kinde nor Keyhaven sends by default.
    expect(server.missingPermission?.isGranted ?? false).toBe(false);
    expect(server.permissions).toEqual({ permissions: ['create:template'], orgCode });
    const roles = [{ id: roleId, key: 'admin', name: 'Admin' }];
    expect(server.roles).toEqual({ name: 'roles', value: roles });
    expect(server.rolesHelper).toEqual(roles);
    expect(server.email).toEqual({ name: 'email', value: EMAIL });
    expect(server.flag).toMatchObject({ code: 'theme', value: 'dark', is_default: false, defaultValue: 'system' });
    expect(server.booleanFlag).toBe(true);
    expect(server.stringFlag).toBe('dark');
    expect(server.integerFlag).toBe(7);
    expect(server.missingFlag).toBe(false);
    expect(server.accessToken).toMatchObject({ iss: s.baseUrl, sub: userSub, azp: clientId, org_code: orgCode, org_name: 'Acme' });
    expect(server.idToken).toMatchObject({ iss: s.baseUrl, sub: userSub, aud: [clientId], email: EMAIL, org_codes: [personalOrg, orgCode] });
  });

  it('useKindeBrowserClient in a client component shows the same', async () => {
    await page.locator('#browser').waitFor();
    const b = await json(page, '#browser');
    expect(b.isAuthenticated).toBe(true);
    expect(b.error).toBeNull();
    expect(b.user).toMatchObject({ id: userSub, email: EMAIL, given_name: 'Nora', family_name: 'Next', properties: { city: 'Lisbon' } });
    expect(b.getUser).toEqual(b.user);
    expect(b.organization).toMatchObject({ orgCode, orgName: 'Acme', properties: { city: 'Porto' } });
    expect(b.getOrganization).toMatchObject({ orgCode, orgName: 'Acme', properties: { city: 'Porto' } });
    const orgs = { orgCodes: [personalOrg, orgCode], orgs: [{ code: personalOrg, name: "Nora Next's playground" }, { code: orgCode, name: 'Acme' }] };
    expect(b.userOrganizations).toEqual(orgs);
    expect(b.getUserOrganizations).toEqual(orgs);
    expect(b.permission).toEqual({ isGranted: true, orgCode });
    expect(b.missingPermission).toEqual({ isGranted: false, orgCode });
    expect(b.permissions).toEqual({ permissions: ['create:template'], orgCode });
    expect(b.getPermissions).toEqual(b.permissions);
    expect(b.roles).toEqual([{ id: roleId, key: 'admin', name: 'Admin' }]);
    expect(b.flag).toEqual({ code: 'theme', type: 'string', value: 'dark', is_default: false, defaultValue: 'system' });
    expect([b.booleanFlag, b.stringFlag, b.integerFlag, b.missingFlag]).toEqual([true, 'dark', 7, false]);
    expect(b.accessToken).toMatchObject({ sub: userSub, org_code: orgCode });
    expect(b.idToken).toMatchObject({ sub: userSub, email: EMAIL });
  });

  it('refreshTokens from a server action: new tokens with the claims as they are now', async () => {
    const before = await json(page, '#server');
    // Changed after sign-in: only a refresh shows it.
    await updateUserFeatureFlagOverride({ client: s.api, path: { user_id: userSub, feature_flag_key: 'theme' }, query: { value: 'solarized' } as never });
    await page.goto(`${appUrl}/refresh`);
    await page.getByRole('button', { name: 'Refresh tokens' }).click();
    const r = await json(page, '#refreshed');
    expect(r.ok).toBe(true);
    expect(r.refreshTokenRotated).toBe(true);
    expect(r.accessToken.jti).not.toBe(before.accessToken.jti);
    expect(r.accessToken).toMatchObject({
      sub: userSub,
      org_code: orgCode,
      org_name: 'Acme',
      permissions: ['create:template'],
      roles: [{ id: roleId, key: 'admin', name: 'Admin' }],
      feature_flags: { theme: { t: 's', v: 'solarized' }, beta: { t: 'b', v: true }, max_projects: { t: 'i', v: 7 } },
      organization_properties: { kp_org_city: { v: 'Porto' } },
    });
    expect(r.idToken).toMatchObject({ sub: userSub, org_codes: [personalOrg, orgCode] });
    // The action stored them in the session cookies: the next server render reads the new tokens.
    await page.goto(`${appUrl}/claims`);
    const after = await json(page, '#server');
    expect(after.accessToken.jti).toBe(r.accessToken.jti);
    expect(after.stringFlag).toBe('solarized');
    expect(after.permissions).toEqual({ permissions: ['create:template'], orgCode });
  });

  it('withAuth lets a signed-in user through to the protected page', async () => {
    await page.goto(`${appUrl}/protected`);
    expect(page.url()).toBe(`${appUrl}/protected`);
    expect(await page.locator('#who').textContent()).toBe(EMAIL);
  });

  it('CreateOrgLink creates an organization in Keyhaven and signs into it', async () => {
    await page.goto(`${appUrl}/`);
    await page.getByRole('link', { name: 'Create organization' }).click();
    // Still signed in at Keyhaven: no sign-in page, straight back to the post-login URL.
    await page.waitForURL(`${appUrl}/claims`);
    const server = await json(page, '#server');
    expect(server.organization).toMatchObject({ orgName: 'Hurlstone' });
    const created = server.organization.orgCode as string;
    expect(created).not.toBe(orgCode);
    expect(server.userOrganizations.orgs).toContainEqual({ code: created, name: 'Hurlstone' });
    expect(server.permissions).toEqual({ permissions: [], orgCode: created });
  });

  it('LogoutLink signs out at Keyhaven and ends on the post-logout URL', async () => {
    const refreshToken = (await browser.context.cookies(appUrl)).find((c) => c.name === 'refresh_token')!.value;
    const hops: string[] = [];
    const record = (r: BrowserResponse) => r.request().isNavigationRequest() && hops.push(`${r.status()} ${r.url()}`);
    page.on('response', record);
    await page.getByRole('link', { name: 'Sign out' }).click();
    // The SDK's /api/auth/logout clears its cookies and sends the browser to seed 002's /logout?redirect=, which
    // signs out at once (the SDK sends no ID token hint and expects no question) to the registered URL.
    await page.waitForURL(`${appUrl}/`);
    page.off('response', record);
    expect(hops).toEqual([
      `307 ${appUrl}/api/auth/logout`,
      `302 ${s.baseUrl}/logout?redirect=${encodeURIComponent(appUrl)}`,
      `200 ${appUrl}/`,
    ]);
    expect(await page.locator('#status').textContent()).toBe('signed out');
    expect(await appCookies()).not.toContain('access_token');
    expect(await appCookies()).not.toContain('refresh_token');
    expect((await browser.context.cookies(s.baseUrl)).map((c) => c.name)).not.toContain('kendr_session');
    // The logout URL named the application, so its tokens were revoked with the session.
    const reuse = await fetch(`${s.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret }),
    });
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('withAuth sends a visitor without a session to sign in, and back to the protected page after', async () => {
    const res = await fetch(`${appUrl}/protected`, { redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(new URL(res.headers.get('location')!, appUrl).href).toBe(`${appUrl}/api/auth/login?post_login_redirect_url=%2Fprotected`);

    await page.goto(`${appUrl}/protected`);
    await page.waitForURL((u) => u.origin === s.baseUrl && u.pathname === '/login');
    await signIn(page);
    // No org_code this time, and the user is in three organizations: Keyhaven's chooser asks which one.
    await page.waitForURL((u) => u.origin === s.baseUrl && u.pathname === '/organizations/select');
    await page.getByRole('button', { name: "Nora Next's playground" }).click();
    await page.waitForURL(`${appUrl}/protected`);
    expect(await page.locator('#who').textContent()).toBe(EMAIL);
    await page.goto(`${appUrl}/claims`);
    const server = await json(page, '#server');
    expect(server.organization).toMatchObject({ orgCode: personalOrg });
    expect(server.permissions).toEqual({ permissions: [], orgCode: personalOrg });
    expect([server.booleanFlag, server.integerFlag, server.stringFlag]).toEqual([false, 3, 'solarized']);
  });

  it('RegisterLink opens the hosted account creation page; the new user comes back signed in', async () => {
    const fresh = await launchBrowser();
    try {
      const p = await fresh.newPage();
      await p.goto(`${appUrl}/`);
      await p.getByRole('link', { name: 'Sign up' }).click();
      await p.waitForURL((u) => u.origin === s.baseUrl && u.pathname === '/register');
      await p.getByLabel('Full name').fill('Rita Register');
      await p.getByLabel('Email').fill('next-new@example.com');
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Create account' }).click();
      await p.waitForURL(`${appUrl}/claims`);
      const created = (await s.deps.repos.users.findByEmail('next-new@example.com'))!;
      const server = await json(p, '#server');
      expect(server.user).toMatchObject({ id: created.public_id, email: 'next-new@example.com', given_name: 'Rita', family_name: 'Register' });
      expect(server.organization.orgCode).toBe((await s.deps.repos.tenants.organizationsOf(created.id))[0].code);
    } finally {
      await fresh.close();
    }
  });

  it('the browser talked to the app and Keyhaven only, and no page logged an error', () => {
    expect([...browser.requestedOrigins].sort()).toEqual([appUrl, s.baseUrl].sort());
    expect(pageErrors).toEqual([]);
  });
});
