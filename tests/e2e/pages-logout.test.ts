import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import {
  SECRET,
  addWebClient,
  authorizationRequest,
  discoverClient,
  expectSecurePages,
  openContext,
  registerUser,
  signIn,
  startKit,
  visitedPaths,
  type Kit,
} from './pages-kit';

/** Logout in headless Chromium: the confirmation page, OIDC RP-initiated logout and seed 002's `?redirect=`. */
let kit: Kit;
let web: oidc.Configuration;
const EMAIL = 'leaver@example.com';
const PASSWORD = 'correct horse battery';
const OTHER = 'other@example.com';

beforeAll(async () => {
  kit = await startKit();
  await addWebClient(kit, 'first-web', 'First Web', true);
  web = await discoverClient(kit, 'first-web', oidc.ClientSecretBasic(SECRET));
  await registerUser(kit, EMAIL, PASSWORD, 'Lee Ver');
  await registerUser(kit, OTHER, PASSWORD, 'Oth Er');
});
afterAll(() => kit?.close());

const sessionCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'kendr_session')?.value;

/** Whether a kendr_session value still opens the session API. */
const sessionLive = async (value: string) =>
  (await fetch(`${kit.s.baseUrl}/api/auth/session`, { headers: { cookie: `kendr_session=${value}` } })).status === 200;

async function signInDirectly(page: Page, email = EMAIL) {
  await page.goto(`${kit.s.baseUrl}/login`);
  await signIn(page, email, PASSWORD);
  expect(page.url()).toBe(`${kit.s.baseUrl}/account`);
  expect(await page.locator('#account-email').textContent()).toBe(email);
}

/** Signs in through first-web's code flow and returns the tokens. */
async function webTokens(page: Page) {
  const { url, checks } = await authorizationRequest(web, `${kit.rp}/cb`, { scope: 'openid profile email offline_access' });
  await page.goto(url.href);
  await signIn(page, EMAIL, PASSWORD);
  await page.waitForURL(`${kit.rp}/cb?**`);
  return oidc.authorizationCodeGrant(web, new URL(page.url()), checks);
}

describe('logout pages', () => {
  it('GET /logout without id_token_hint asks first; confirming ends the session and clears kendr_session', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      await signInDirectly(page);
      const before = (await sessionCookie(context))!;
      expect(await sessionLive(before)).toBe(true);

      await page.goto(`${kit.s.baseUrl}/logout`);
      expect(await page.getByRole('heading').textContent()).toBe('Sign out?');
      expect(await page.getByText(`(${EMAIL})`).isVisible()).toBe(true);
      // Showing the page signs nobody out.
      expect(await sessionLive(before)).toBe(true);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/login?signed_out=true`);
      expect(await page.getByRole('status').textContent()).toBe('You are signed out.');
      expect(await sessionCookie(context)).toBeUndefined();
      expect(await sessionLive(before)).toBe(false);
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('RP-initiated logout with id_token_hint, post_logout_redirect_uri and state goes straight back with state', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const tokens = await webTokens(page);
      const before = (await sessionCookie(context))!;

      const paths = visitedPaths(page, kit.s.baseUrl);
      const end = oidc.buildEndSessionUrl(web, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${kit.rp}/signed-out`, state: 'bye-123' });
      expect(end.pathname).toBe('/logout');
      await page.goto(end.href);
      expect(page.url()).toBe(`${kit.rp}/signed-out?state=bye-123`);
      expect(paths).toEqual(['/logout']);
      expect(await sessionCookie(context)).toBeUndefined();
      expect(await sessionLive(before)).toBe(false);
      // The tokens the application held for this user are revoked with the session.
      await expect(oidc.refreshTokenGrant(web, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('an id_token_hint of another user than the signed-in one asks first, then goes back with state', async () => {
    const first = await openContext(kit);
    const tokens = await webTokens(first.page);
    await first.context.close();

    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      await signInDirectly(page, OTHER);
      const before = (await sessionCookie(context))!;
      const end = oidc.buildEndSessionUrl(web, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${kit.rp}/signed-out`, state: 'st-2' });
      await page.goto(end.href);
      expect(await page.getByRole('heading').textContent()).toBe('Sign out?');
      expect(await page.getByText(`Do you want to sign out from First Web (${OTHER})?`).isVisible()).toBe(true);
      expect(await sessionLive(before)).toBe(true);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${kit.rp}/signed-out?state=st-2`);
      expect(await sessionCookie(context)).toBeUndefined();
      expect(await sessionLive(before)).toBe(false);
      // The hint's user was not signed in here: that user's tokens are untouched.
      expect((await oidc.refreshTokenGrant(web, tokens.refresh_token!)).access_token).toBeTruthy();
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });

  it('/logout?redirect=URL goes only to a registered logout URL', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const registered = `${kit.rp}/signed-out`;
      // Nobody signed in: straight there.
      await page.goto(`${kit.s.baseUrl}/logout?redirect=${encodeURIComponent(registered)}`);
      expect(page.url()).toBe(registered);

      // Not registered (another host, another path, an extra query): an error page, no redirect, still signed in.
      await signInDirectly(page);
      const before = (await sessionCookie(context))!;
      for (const target of ['http://127.0.0.1:9/evil', `${kit.rp}/elsewhere`, `${registered}?next=http://127.0.0.1:9/`]) {
        const res = await page.goto(`${kit.s.baseUrl}/logout?redirect=${encodeURIComponent(target)}`);
        expect(res?.status(), target).toBe(400);
        expect(new URL(page.url()).origin).toBe(kit.s.baseUrl);
        expect(await page.getByRole('heading').textContent()).toBe('Cannot sign out here');
      }
      expect(await sessionCookie(context)).toBe(before);
      expect(await sessionLive(before)).toBe(true);

      // Registered, signed in: signed out at once and sent there, as seed 002's SDKs expect (no question asked).
      await page.goto(`${kit.s.baseUrl}/logout?redirect=${encodeURIComponent(registered)}`);
      await page.waitForURL(registered);
      expect(await sessionLive(before)).toBe(false);
      expect(await sessionCookie(context)).toBeUndefined();
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  });
});
