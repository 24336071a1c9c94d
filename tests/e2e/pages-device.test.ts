import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { discoverClient, expectSecurePages, openContext, registerUser, signIn, startKit, type Kit } from './pages-kit';

/**
 * RFC 8628 with openid-client v6 as the device (kendr-cli) and headless Chromium as the user's browser.
 * Polling runs at the server's real interval while the browser answers.
 */
let kit: Kit;
let cli: oidc.Configuration;
const EMAIL = 'device-user@example.com';
const PASSWORD = 'correct horse battery';
const SCOPE = 'openid profile email offline_access';

beforeAll(async () => {
  kit = await startKit();
  cli = await discoverClient(kit, 'kendr-cli', oidc.None());
  await registerUser(kit, EMAIL, PASSWORD, 'Dev Ice');
});
afterAll(() => kit?.close());

/** The confirmation page for a code: client, scopes, the code itself. */
async function expectConfirmation(page: Page, userCode: string) {
  expect(new URL(page.url()).pathname).toBe('/oauth/device');
  expect(await page.getByRole('heading').textContent()).toBe('Connect Kendr CLI?');
  expect(await page.locator('#user-code').textContent()).toBe(userCode);
  expect(await page.getByText(`Signed in as ${EMAIL}`).isVisible()).toBe(true);
  expect(await page.locator('ul.scopes li').allInnerTexts()).toEqual([
    'Confirm who you are (openid)',
    'See your name and username (profile)',
    'See your email address (email)',
    'Stay signed in (refresh tokens) (offline_access)',
  ]);
}

describe('device verification page', () => {
  it('approve: verification_uri_complete → sign in → Approve, while openid-client polls; then deny a second request; then enter a code by hand', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      // 1. Approve through verification_uri_complete, signing in on the way.
      const first = await oidc.initiateDeviceAuthorization(cli, { scope: SCOPE });
      expect(first.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      expect(first.verification_uri).toBe(`${kit.s.baseUrl}/oauth/device`);
      const polling = oidc.pollDeviceAuthorizationGrant(cli, first);
      await page.goto(first.verification_uri_complete!);
      expect(new URL(page.url()).searchParams.get('return_to')).toBe(`/oauth/device?user_code=${first.user_code}`);
      await signIn(page, EMAIL, PASSWORD);
      await expectConfirmation(page, first.user_code);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(/\?result=approved&client_id=kendr-cli$/);
      expect(await page.getByRole('heading').textContent()).toBe('Device connected');
      expect(await page.getByRole('status').textContent()).toBe('Kendr CLI is now signed in. You can return to your device.');
      // The outcome is a GET: reloading it submits nothing.
      expect((await page.reload())?.status()).toBe(200);
      expect(await page.getByRole('heading').textContent()).toBe('Device connected');
      const tokens = await polling;
      expect(tokens.refresh_token).toBeTruthy();
      expect(tokens.scope).toBe(SCOPE);
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ email: EMAIL, aud: ['kendr-cli'] });
      expect(await oidc.fetchUserInfo(cli, tokens.access_token, claims.sub)).toMatchObject({ email: EMAIL, name: 'Dev Ice' });
      // The approval is handed out once.
      await expect(oidc.pollDeviceAuthorizationGrant(cli, { ...first, interval: 0 })).rejects.toMatchObject({ error: 'invalid_grant' });

      // 2. A second request, denied in the page (already signed in): polling ends with access_denied.
      const second = await oidc.initiateDeviceAuthorization(cli, { scope: SCOPE });
      const denied = oidc.pollDeviceAuthorizationGrant(cli, second).then(
        () => 'tokens',
        (e: { error?: string }) => e.error,
      );
      await page.goto(second.verification_uri_complete!);
      await expectConfirmation(page, second.user_code);
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForURL(/\?result=denied&client_id=kendr-cli$/);
      expect(await page.getByRole('heading').textContent()).toBe('Request denied');
      expect(await denied).toBe('access_denied');

      // 3. A code typed by hand (lower case, no dash) on /oauth/device; a wrong one first.
      const third = await oidc.initiateDeviceAuthorization(cli, { scope: SCOPE });
      const polled = oidc.pollDeviceAuthorizationGrant(cli, third);
      await page.goto(`${kit.s.baseUrl}/oauth/device`);
      expect(await page.getByRole('heading').textContent()).toBe('Connect a device');
      await page.getByLabel('Code').fill('BBBB-BBBB');
      await page.getByRole('button', { name: 'Continue' }).click();
      expect(await page.getByRole('alert').textContent()).toBe('That code is not valid, has expired or was already used.');
      await page.getByLabel('Code').fill(third.user_code.replace('-', '').toLowerCase());
      await page.getByRole('button', { name: 'Continue' }).click();
      await expectConfirmation(page, third.user_code);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(/\?result=approved&client_id=kendr-cli$/);
      expect(await page.getByRole('heading').textContent()).toBe('Device connected');
      expect(await page.getByRole('status').textContent()).toBe('Kendr CLI is now signed in. You can return to your device.');
      expect((await polled).claims()?.sub).toBe(claims.sub);

      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('a new user creates an account from the sign-in page and comes back to the device confirmation', async () => {
    const opened = await openContext(kit);
    const { context, page } = opened;
    try {
      const request = await oidc.initiateDeviceAuthorization(cli, { scope: 'profile email' });
      await page.goto(request.verification_uri_complete!);
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL(/\/register\?/);
      await page.getByLabel('Full name').fill('New Device');
      await page.getByLabel('Email', { exact: true }).fill('new-device@example.com');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${kit.s.baseUrl}/oauth/device?user_code=${request.user_code}`);
      expect(await page.locator('#user-code').textContent()).toBe(request.user_code);
      expect(await page.getByText('Signed in as new-device@example.com').isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(/\?result=approved&client_id=kendr-cli$/);
      expect(await page.getByRole('heading').textContent()).toBe('Device connected');
      expect(await page.getByRole('status').textContent()).toBe('Kendr CLI is now signed in. You can return to your device.');
      const tokens = await oidc.pollDeviceAuthorizationGrant(cli, request);
      expect(await oidc.fetchUserInfo(cli, tokens.access_token, oidc.skipSubjectCheck)).toMatchObject({ email: 'new-device@example.com' });
      expectSecurePages(opened);
    } finally {
      await context.close();
    }
  }, 60_000);
});
